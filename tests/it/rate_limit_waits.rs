//! Rate-limit waits as the services document them, through the binary against the local servers.
//!
//! A `Retry-After` that names no wait (zero, or a date already past) falls back to the normal
//! backoff: resending at once would only meet the limit again (issue 24 item 9).

use std::time::Duration;

use crate::support::cloudflare::Fault;

use crate::apply_faults::world;

/// The gaps between the first `n + 1` requests the local Cloudflare received.
fn first_gaps(w: &crate::support::harness::World, n: usize) -> Vec<Duration> {
    let log = w.cf.requests();
    assert!(log.len() > n, "only {} requests", log.len());
    log.windows(2)
        .take(n)
        .map(|pair| pair[1].at.duration_since(pair[0].at))
        .collect()
}

fn backs_off_when_told(value: &str) {
    let w = world();
    w.cf.inject(Fault::RateLimitSaying(value.to_string()), 2);
    // A budget of 8 s makes the first backoff step 500 ms (375 ms at least, with jitter).
    let run = w
        .run_with(&["plan"], &[("EDGEPLAN_RETRY_BUDGET_MS", "8000")])
        .expect(0);
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    for gap in first_gaps(&w, 2) {
        assert!(
            gap >= Duration::from_millis(300),
            "`Retry-After: {value}` was resent after {gap:?}, without the backoff"
        );
        assert!(gap < Duration::from_secs(5), "waited {gap:?}");
    }
}

#[test]
fn a_retry_after_date_in_the_past_falls_back_to_the_backoff() {
    backs_off_when_told("Thu, 01 Jan 1970 00:00:00 GMT");
}

#[test]
fn a_retry_after_of_zero_falls_back_to_the_backoff() {
    backs_off_when_told("0");
}
