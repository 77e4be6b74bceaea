//! When to send an API request again, how long to wait first, and how long a whole call may take:
//! one policy for the Cloudflare and the GitHub client.
//!
//! - Which failures may be resent: [`Api::idempotency`] says what kind of request a method is,
//!   [`status_failure`] what an answer says about whether the server acted, and
//!   [`Idempotency::may_resend`] combines the two. A write whose outcome is unknown is never
//!   resent blindly.
//! - How long to wait: `Retry-After-Ms` or `Retry-After` (seconds or an HTTP date) when the server
//!   names a wait ([`retry_after`]), else exponential backoff with jitter ([`Policy::backoff`]).
//! - How long a call may take: [`Policy`] holds the limits, [`Budget`] counts one call against
//!   them.
//! - The loop itself: [`call`], the one send, classify, wait, resend loop both clients use; each
//!   client says how one attempt went ([`Attempt`]) and how to report giving up ([`GiveUp`]).
//! - Who else waits: a rate limit is per token, so a 429 pauses every request that shares the
//!   client's [`RateGate`], not only the one that met it.
//!
//! The settings come from the environment through [`RetrySettings::from_env`], the one place
//! that reads them; the clients receive plain [`Policy`] values.
//!
//! Cloudflare allows 1,200 requests per five minutes per token and answers 429 beyond that, with
//! `Retry-After` in seconds (<https://developers.cloudflare.com/fundamentals/api/reference/limits/>).
//! Its official SDK (`cloudflare-go internal/requestconfig`) honours `Retry-After` and
//! `Retry-After-Ms`, otherwise waits exponentially with jitter. GitHub answers a rate limit with
//! 429, or with 403 and `Retry-After` or `x-ratelimit-remaining: 0`
//! (<https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api>).

mod gate;
mod settings;

use std::time::{Duration, SystemTime};

use http::{HeaderMap, Method};
use tokio::time::Instant;

pub use gate::RateGate;
pub use settings::{
    GITHUB_RETRY_ENV, HTTP_TIMEOUT_ENV, Malformed, Poll, RETRY_BUDGET_ENV, RetrySettings,
};

/// The API a request goes to: the two differ in which methods are safe to resend and in a few
/// statuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Api {
    Cloudflare,
    GitHub,
}

/// Whether a request may be resent after a failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Idempotency {
    /// Resent on any transient failure: reads, and writes that are safe to repeat.
    Read,
    /// Resent only when the server certainly did not act on it.
    Write,
    /// Sent once, never resent.
    Once,
}

/// What a failed attempt says about the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// The server certainly did not act on it: no connection was made, or the status says so.
    NotActed,
    /// It may have acted: a 5xx from a proxy after the origin committed, a timeout, a dropped
    /// connection.
    Unknown,
    /// Trying again would get the same answer.
    Final,
}

impl Api {
    /// Cloudflare has no idempotency keys, so every write is a [`Idempotency::Write`]. GitHub's
    /// `PATCH` and `DELETE` of a comment are safe to repeat, but a `POST` whose answer was lost
    /// may have posted a comment, so it is sent once (the next sticky-comment upsert repairs a
    /// duplicate).
    pub fn idempotency(self, method: &Method) -> Idempotency {
        match self {
            Api::Cloudflare if method == Method::GET => Idempotency::Read,
            Api::Cloudflare => Idempotency::Write,
            Api::GitHub if method == Method::POST => Idempotency::Once,
            Api::GitHub => Idempotency::Read,
        }
    }
}

impl Idempotency {
    pub fn may_resend(self, failure: Failure) -> bool {
        match (self, failure) {
            (_, Failure::Final) | (Idempotency::Once, _) => false,
            (Idempotency::Read, _) => true,
            (Idempotency::Write, failure) => failure == Failure::NotActed,
        }
    }
}

/// Whether an answer is a rate limit: the token is refused for a while, whatever it asks for.
pub fn rate_limited(api: Api, status: u16, headers: &HeaderMap) -> bool {
    status == 429
        || (api == Api::GitHub
            && status == 403
            && (headers.contains_key("retry-after")
                || headers
                    .get("x-ratelimit-remaining")
                    .is_some_and(|v| v.as_bytes() == b"0")))
}

/// What a non-2xx answer says. 429 and 503 were not processed; Cloudflare's 408 and 409 neither.
/// NOTE: a 500 or 502 to a write may come from a proxy after the origin committed; only statuses
/// that say "not processed" are safe to resend.
pub fn status_failure(api: Api, status: u16, headers: &HeaderMap) -> Failure {
    match (api, status) {
        _ if rate_limited(api, status, headers) => Failure::NotActed,
        (_, 503) | (Api::Cloudflare, 408 | 409) => Failure::NotActed,
        (_, s) if s >= 500 => Failure::Unknown,
        _ => Failure::Final,
    }
}

/// The largest answer either client reads, in bytes read from the body after decompression
/// (both clients ask for gzip): a 5,000-record Cloudflare page is about 1.5 MB, about 46 KB
/// gzipped. A longer answer, or a small compressed one that inflates past it (a gzip bomb), ends
/// the attempt with an error rather than exhausting memory.
pub const MAX_ANSWER_BYTES: usize = 64 * 1024 * 1024;

/// The message of an answer cut off at [`MAX_ANSWER_BYTES`].
pub fn too_large() -> String {
    format!(
        "the answer was longer than {} MiB, the response size limit (counted decompressed); \
         stopped reading it",
        MAX_ANSWER_BYTES / (1024 * 1024)
    )
}

/// Timeouts and limits of one API's calls. A plain value: the clients receive it in their
/// constructors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// Longest wait for one answer.
    pub timeout: Duration,
    /// First backoff step; doubles per retry.
    pub base: Duration,
    /// Longest single backoff step.
    pub cap: Duration,
    /// Most retries of one call.
    pub max_retries: u32,
    /// Longest time spent on one call, retries and waits included. A wait beyond what is left
    /// ends the call at once with a clear error rather than waiting in vain.
    pub budget: Duration,
    /// Longest single wait. A `Retry-After` beyond it ends the call at once, as above.
    pub max_wait: Duration,
}

impl Policy {
    /// Cloudflare: up to 10 retries within 120 s per call.
    pub const CLOUDFLARE: Policy = Policy {
        timeout: Duration::from_secs(30),
        base: Duration::from_millis(500),
        cap: Duration::from_secs(30),
        max_retries: 10,
        budget: Duration::from_secs(120),
        max_wait: Duration::MAX,
    };

    /// GitHub: up to 3 retries, a `Retry-After` of at most a minute.
    pub const GITHUB: Policy = Policy {
        timeout: Duration::from_secs(30),
        base: Duration::from_millis(500),
        cap: Duration::MAX,
        max_retries: 3,
        budget: Duration::MAX,
        max_wait: Duration::from_secs(60),
    };

    /// The wait before retry `retry` (0 for the first): `base * 2^retry`, capped, minus up to
    /// 25 %. The jitter only shortens a step, so `cap` and the time budget stay true bounds,
    /// and a quarter of spread is enough to keep clients that failed together from retrying
    /// together.
    pub fn backoff(&self, retry: u32) -> Duration {
        let factor = 1u64 << retry.min(16);
        let raw = self
            .base
            .saturating_mul(u32::try_from(factor).unwrap_or(u32::MAX));
        let capped = raw.min(self.cap);
        let jitter = 1.0 - fastrand::f64() * 0.25;
        capped.mul_f64(jitter)
    }

    /// Starts counting one call against the limits.
    pub fn start(&self) -> Budget {
        Budget {
            policy: *self,
            started: Instant::now(),
            retries: 0,
        }
    }
}

/// One call's retries and time so far.
#[derive(Debug, Clone)]
pub struct Budget {
    policy: Policy,
    started: Instant,
    retries: u32,
}

impl Budget {
    /// Attempts made or under way: 1 before any retry.
    pub fn attempts(&self) -> u32 {
        self.retries + 1
    }

    /// The backoff step before the next retry.
    pub fn backoff(&self) -> Duration {
        self.policy.backoff(self.retries)
    }

    /// Whether another attempt after `wait` is within the limits; counts it when it is.
    pub fn allow(&mut self, wait: Duration) -> bool {
        let policy = &self.policy;
        let fits = self.retries < policy.max_retries
            && wait <= policy.max_wait
            && self.started.elapsed().saturating_add(wait) <= policy.budget;
        if fits {
            self.retries += 1;
        }
        fits
    }

    /// The longest this call could wait now: what is left of the budget, at most `max_wait`.
    /// Leaves `waited` out of the time spent: a wait for the pace of the token's requests is not
    /// the call's own trouble, so it does not use up the budget for retries.
    pub fn exclude(&mut self, waited: Duration) {
        self.started = self.started.checked_add(waited).unwrap_or(self.started);
    }

    pub fn room(&self) -> Duration {
        self.policy
            .budget
            .saturating_sub(self.started.elapsed())
            .min(self.policy.max_wait)
    }
}

/// The wait a 429 (or 503) asks for: `Retry-After-Ms`, else `Retry-After` as seconds or as an
/// HTTP date. `None` when absent, unreadable, zero or a date already past: such an answer names
/// no wait, so the normal backoff applies (resending at once would only meet the limit again).
pub fn retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    named_wait(headers, now).filter(|wait| !wait.is_zero())
}

/// [`retry_after`] before a zero wait is set aside.
fn named_wait(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    // `try_from`: a value too large for a `Duration` is unreadable, not a panic.
    if let Some(wait) = headers
        .get("retry-after-ms")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<f64>().ok())
        .and_then(|ms| Duration::try_from_secs_f64(ms / 1000.0).ok())
    {
        return Some(wait);
    }
    let value = headers.get("retry-after")?.to_str().ok()?.trim();
    parse_retry_after(value, now)
}

/// What a failed answer asks for: the wait it names, and whether it is a rate limit. A rate limit
/// that names a wait pauses `gate`, so that every request sharing the token waits too, whether
/// or not this one is resent.
pub fn read_answer(
    api: Api,
    status: u16,
    headers: &HeaderMap,
    gate: &RateGate,
) -> (Option<Duration>, bool) {
    let asked = retry_after(headers, SystemTime::now());
    let limited = rate_limited(api, status, headers);
    if let (true, Some(wait)) = (limited, asked) {
        gate.pause(wait);
    }
    (asked, limited)
}

/// What one attempt of a call came to, as the client that sent it reads it.
#[derive(Debug)]
pub enum Attempt<T, F> {
    /// Finished, well or not: returned as it is, never resent.
    Done(T),
    /// Failed: `failure` says whether the server acted, `asked` is the wait the answer named
    /// ([`read_answer`]), `cause` what the client keeps to report it.
    Failed {
        failure: Failure,
        asked: Option<Duration>,
        cause: F,
    },
}

/// Why [`call`] stopped resending a failed request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GiveUp {
    /// The request may not be resent after this failure ([`Idempotency::may_resend`]): for a
    /// write whose outcome is unknown, the outcome stays unknown.
    NotResendable,
    /// Another attempt would pass the policy's limits.
    Spent,
}

/// The one send, classify, wait, resend loop of both clients. Before each attempt it keeps the
/// token's pace (when `paced`: the wait is not held against the budget) and any pause a rate
/// limit set on `gate`; `attempt` sends once and classifies the outcome; a failure is resent only
/// when `kind` allows it ([`Idempotency::may_resend`]) and the budget has room for the wait the
/// answer named, or else the backoff. `give_up` turns the last failure into the call's error,
/// given why it stopped and the attempts made.
pub async fn call<T, F, E, A, Fut>(
    policy: &Policy,
    gate: &RateGate,
    kind: Idempotency,
    paced: bool,
    mut attempt: A,
    give_up: impl FnOnce(F, GiveUp, u32) -> E,
) -> Result<T, E>
where
    A: FnMut() -> Fut,
    Fut: std::future::Future<Output = Attempt<Result<T, E>, F>>,
{
    let mut budget = policy.start();
    loop {
        // The pace first, then the pause: a request that waited for a slot still meets a
        // pause a 429 set meanwhile.
        if paced {
            let pacing = std::time::Instant::now();
            gate.pace().await;
            budget.exclude(pacing.elapsed());
        }
        gate.wait(budget.room()).await;
        let (failure, asked, cause) = match attempt().await {
            Attempt::Done(result) => return result,
            Attempt::Failed {
                failure,
                asked,
                cause,
            } => (failure, asked, cause),
        };
        if !kind.may_resend(failure) {
            return Err(give_up(cause, GiveUp::NotResendable, budget.attempts()));
        }
        let wait = asked.unwrap_or_else(|| budget.backoff());
        if !budget.allow(wait) {
            return Err(give_up(cause, GiveUp::Spent, budget.attempts()));
        }
        tokio::time::sleep(wait).await;
    }
}

/// Parses a `Retry-After` value: delta seconds, or an HTTP date (RFC 9110 section 10.2.3). A
/// date in the past is a wait of zero, which [`retry_after`] sets aside.
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = crate::time::parse_http_date(value)?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests;
