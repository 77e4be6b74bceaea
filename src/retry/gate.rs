//! A pause shared by every request sent with one token.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::time::Instant;

/// A rate limit is per token, so when one request is told to wait, every other request with the
/// same token would be told the same. A `RateGate` is that shared knowledge: a client consults it
/// before each request and sets it when an answer is a rate limit with a `Retry-After`. Clones
/// share the pause.
///
/// A gate may also pace: at most `limit` requests in any window of `per` (Cloudflare allows
/// 1,200 per five minutes per token). Requests past that wait until the oldest in the window is
/// `per` old, so a long run slows down instead of meeting 429s. It counts only the requests
/// through this gate; another process on the same token is met through its 429s.
#[derive(Debug, Clone, Default)]
pub struct RateGate {
    until: Arc<Mutex<Option<Instant>>>,
    pace: Option<Arc<Pace>>,
}

#[derive(Debug)]
struct Pace {
    limit: usize,
    per: Duration,
    /// When the requests of the last `per` were sent, oldest first.
    sent: Mutex<VecDeque<Instant>>,
}

/// A pause longer than this is kept as this long (no server asks for a day).
const LONGEST: Duration = Duration::from_secs(86_400);

impl RateGate {
    pub fn new() -> RateGate {
        RateGate::default()
    }

    /// A gate that also lets at most `limit` requests through in any window of `per`.
    pub fn paced(limit: usize, per: Duration) -> RateGate {
        RateGate {
            until: Arc::default(),
            pace: Some(Arc::new(Pace {
                limit: limit.max(1),
                per,
                sent: Mutex::new(VecDeque::new()),
            })),
        }
    }

    /// Counts one request, first waiting until the window has room for it (at once on a gate
    /// that does not pace).
    pub async fn pace(&self) {
        let Some(pace) = &self.pace else { return };
        loop {
            let wait = {
                let mut sent = pace.sent.lock().unwrap_or_else(PoisonError::into_inner);
                let now = Instant::now();
                while sent
                    .front()
                    .is_some_and(|t| now.duration_since(*t) >= pace.per)
                {
                    sent.pop_front();
                }
                if sent.len() < pace.limit {
                    sent.push_back(now);
                    return;
                }
                sent.front()
                    .map_or(Duration::ZERO, |t| pace.per - now.duration_since(*t))
            };
            tokio::time::sleep(wait).await;
        }
    }

    /// Holds the requests through this gate for `wait` from now. A pause that ends later stands.
    pub fn pause(&self, wait: Duration) {
        let end = Instant::now() + wait.min(LONGEST);
        let mut until = self.until.lock().unwrap_or_else(PoisonError::into_inner);
        if until.is_none_or(|u| u < end) {
            *until = Some(end);
        }
    }

    /// How long requests are still held.
    pub fn remaining(&self) -> Duration {
        let until = *self.until.lock().unwrap_or_else(PoisonError::into_inner);
        until.map_or(Duration::ZERO, |u| {
            u.saturating_duration_since(Instant::now())
        })
    }

    /// Waits out the pause when it ends within `room` (what the caller's budget has left). A
    /// longer pause is not waited for: the request goes at once, and the server's answer decides
    /// (a rate limit beyond the budget then ends the call with a clear error, as without a gate).
    pub async fn wait(&self, room: Duration) {
        let deadline = Instant::now().checked_add(room);
        loop {
            let left = self.remaining();
            if left.is_zero() {
                return;
            }
            let end = Instant::now() + left;
            if deadline.is_some_and(|d| end > d) {
                return;
            }
            // Another rate limit may have extended the pause meanwhile: look again.
            tokio::time::sleep_until(end).await;
        }
    }
}
