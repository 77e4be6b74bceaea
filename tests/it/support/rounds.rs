//! Sequential rounds of requests, told apart by when a server received them: a request received
//! within half a latency of its round's first request shares that round.

use std::time::{Duration, Instant};

/// The requests of `received` (each with the instant it was received), sorted by that instant
/// and grouped into sequential rounds under `latency` added to every answer.
pub fn rounds<T>(mut received: Vec<(Instant, T)>, latency: Duration) -> Vec<Vec<T>> {
    received.sort_by_key(|(at, _)| *at);
    let half = latency / 2;
    let mut out: Vec<(Instant, Vec<T>)> = Vec::new();
    for (at, what) in received {
        match out.last_mut() {
            Some((start, group)) if at.duration_since(*start) < half => group.push(what),
            _ => out.push((at, vec![what])),
        }
    }
    out.into_iter().map(|(_, group)| group).collect()
}
