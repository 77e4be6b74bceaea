//! A pause shared by every request sent with one token (and the requests it shares a rate limit
//! with).

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::time::Instant;

/// A rate limit holds every request sent with the same credentials (Cloudflare's is per user for a
/// user token, per token for an account-owned token; GitHub's per token), so when one request is
/// told to wait, every other request of this run would be told the same. A `RateGate` is that
/// shared knowledge: a client consults it before each request and sets it when an answer is a rate
/// limit with a `Retry-After`. Clones share the pause.
///
/// A gate may also pace: at most `limit` requests in any window of `per`, for each of its
/// windows (Cloudflare allows 1,200 per five minutes, per user for a user token and per token for
/// an account-owned token, and 200 per second from one address). A request past a window's limit
/// waits until the oldest in that window is `per` old, so a long run slows down instead of
/// meeting 429s, and a hundred zones read at once do not burst past the per-second limit. It
/// counts only the requests through this gate; another process sharing the limit (a parallel
/// matrix job) is met through its 429s, and waited out.
///
/// It also keeps the clients' notices on stderr from repeating: one line for a pause, for a
/// held pace, and for slow answers, however many requests wait.
#[derive(Debug, Clone, Default)]
pub struct RateGate {
    until: Arc<Mutex<Option<Instant>>>,
    pace: Option<Arc<Pace>>,
    /// When a notice about slow answers was last said.
    said: Arc<Mutex<Option<Instant>>>,
}

#[derive(Debug)]
struct Pace {
    /// A request goes when every window has room for it.
    windows: Mutex<Vec<Window>>,
    /// When a held pace was last said.
    said: Mutex<Option<Instant>>,
}

/// At most `limit` requests in any `per`.
#[derive(Debug)]
struct Window {
    limit: usize,
    per: Duration,
    /// When the requests of the last `per` were sent, oldest first (at most `limit`).
    sent: VecDeque<Instant>,
}

impl Window {
    /// How long until this window has room for one more request at `now` (zero: room now).
    fn wait(&mut self, now: Instant) -> Duration {
        while (self.sent.front()).is_some_and(|t| now.duration_since(*t) >= self.per) {
            self.sent.pop_front();
        }
        if self.sent.len() < self.limit {
            return Duration::ZERO;
        }
        (self.sent.front()).map_or(Duration::ZERO, |t| self.per - now.duration_since(*t))
    }
}

/// A held pace is said at most this often, and only when it holds a request this long.
const PACE_SAID_EVERY: Duration = Duration::from_secs(60);
const PACE_SAID_FROM: Duration = Duration::from_secs(1);

/// A pause longer than this is kept as this long (no server asks for a day).
const LONGEST: Duration = Duration::from_secs(86_400);

impl RateGate {
    pub(crate) fn new() -> RateGate {
        RateGate::default()
    }

    /// A gate that also lets at most `limit` requests through in any `per`, for each
    /// `(limit, per)` of `windows`.
    pub(crate) fn paced(windows: &[(usize, Duration)]) -> RateGate {
        let windows = (windows.iter())
            .map(|&(limit, per)| Window {
                limit: limit.max(1),
                per,
                sent: VecDeque::new(),
            })
            .collect();
        RateGate {
            until: Arc::default(),
            pace: Some(Arc::new(Pace {
                windows: Mutex::new(windows),
                said: Mutex::new(None),
            })),
            said: Arc::default(),
        }
    }

    /// Counts one request, first waiting until the window has room for it (at once on a gate
    /// that does not pace).
    #[cfg(test)]
    pub(crate) async fn pace(&self) {
        self.pace_saying(|_| {}).await;
    }

    /// [`RateGate::pace`], calling `say` with the wait when it holds the request for a second or
    /// more, at most once a minute for all the requests through the gate.
    pub(crate) async fn pace_saying(&self, say: impl FnOnce(Duration)) {
        let Some(pace) = &self.pace else { return };
        let mut say = Some(say);
        loop {
            let wait = {
                let mut windows = pace.windows.lock().unwrap_or_else(PoisonError::into_inner);
                let now = Instant::now();
                let wait = (windows.iter_mut())
                    .map(|w| w.wait(now))
                    .max()
                    .unwrap_or(Duration::ZERO);
                if wait.is_zero() {
                    for w in windows.iter_mut() {
                        w.sent.push_back(now);
                    }
                    return;
                }
                wait
            };
            if wait >= PACE_SAID_FROM
                && say.is_some()
                && once_per(&pace.said, PACE_SAID_EVERY)
                && let Some(say) = say.take()
            {
                say(wait);
            }
            tokio::time::sleep(wait).await;
        }
    }

    /// Holds the requests through this gate for `wait` from now. A pause that ends later stands.
    /// True when this pause is news: none was set, or it ends more than a second after the one
    /// set before (so the request that set it says it, and the others waiting do not).
    pub(crate) fn pause(&self, wait: Duration) -> bool {
        let end = Instant::now() + wait.min(LONGEST);
        let mut until = self.until.lock().unwrap_or_else(PoisonError::into_inner);
        let news = until.is_none_or(|u| end > u + Duration::from_secs(1));
        if until.is_none_or(|u| u < end) {
            *until = Some(end);
        }
        news
    }

    /// Whether a notice about slow answers may be said now: none was said through this gate in
    /// the last `quiet`. Counts this one when it may.
    pub(crate) fn may_say(&self, quiet: Duration) -> bool {
        once_per(&self.said, quiet)
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
    pub(crate) async fn wait(&self, room: Duration) {
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

/// Whether something said at most once per `quiet` may be said now (nothing was in the last
/// `quiet`); counts this one when it may.
fn once_per(said: &Mutex<Option<Instant>>, quiet: Duration) -> bool {
    let mut said = said.lock().unwrap_or_else(PoisonError::into_inner);
    let now = Instant::now();
    let may = said.is_none_or(|at| now.duration_since(at) >= quiet);
    if may {
        *said = Some(now);
    }
    may
}
