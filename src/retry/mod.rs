//! When to send an API request again, how long to wait first, and how long a whole call may take:
//! one policy for the Cloudflare and the GitHub client.
//!
//! - Which failures may be resent: [`Api::idempotency`] says what kind of request a method is,
//!   [`status_failure`] what an answer says about whether the server acted, and
//!   [`Idempotency::may_resend`] combines the two. A write whose outcome is unknown is never
//!   resent blindly; a rate-limited request was not processed, so it is resent after its wait.
//! - How long to wait: `Retry-After-Ms` or `Retry-After` (seconds or an HTTP date) when the server
//!   names a wait ([`retry_after`]), GitHub's `x-ratelimit-reset` and secondary limits
//!   ([`rate_limit`]), else exponential backoff with jitter ([`Policy::backoff`]).
//! - How long a call may take: [`Policy`] holds the three bounds (per attempt, per call with its
//!   retries, and the longest rate-limit wait, which is counted apart from the call's budget),
//!   [`Budget`] counts one call against them.
//! - The loop itself: [`call`], the one send, classify, wait, resend loop both clients use; each
//!   client says how one attempt went ([`Attempt`]) and how to report giving up ([`GiveUp`]).
//!   Every rate-limit wait, and a call that has had no answer for a few seconds, is said on
//!   stderr (`notice`).
//! - Who else waits: a rate limit holds every request sent with the same credentials, so a rate
//!   limit pauses every request that shares the client's [`RateGate`], not only the one that met
//!   it.
//!
//! The settings come from the environment through [`RetrySettings::from_vars`], the one place
//! that reads them; the clients receive plain [`Policy`] values.
//!
//! Cloudflare allows 1,200 requests per five minutes, per user for a user token (every token, API
//! key and dashboard session of that user together) and per token for an account-owned token; it
//! answers 429 beyond that for five minutes, with `Retry-After` in seconds
//! (<https://developers.cloudflare.com/fundamentals/api/reference/limits/>). Its official SDK
//! (`cloudflare-go internal/requestconfig`) honours `Retry-After` and `Retry-After-Ms`, otherwise
//! waits exponentially with jitter. GitHub answers a primary rate limit with 403 or 429 and
//! `x-ratelimit-remaining: 0` (wait until `x-ratelimit-reset`), and a secondary one with 403 or
//! 429 whose message names it (`retry-after` when present, else at least a minute, then longer)
//! (<https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api>).

mod gate;
mod notice;
mod settings;

use std::time::{Duration, SystemTime};

use http::{HeaderMap, Method};
use tokio::time::Instant;

pub(crate) use gate::RateGate;
pub use settings::Poll;
pub(crate) use settings::{
    HTTP_TIMEOUT_ENV, Malformed, RATE_WAIT_ENV, RETRY_BUDGET_ENV, RetrySettings,
};

/// The API a request goes to: the two differ in which methods are safe to resend and in a few
/// statuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Api {
    Cloudflare,
    GitHub,
}

/// Whether a request may be resent after a failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Idempotency {
    /// Resent on any transient failure: reads, and writes that are safe to repeat.
    Read,
    /// Resent only when the server certainly did not act on it.
    Write,
    /// Sent once, never resent.
    Once,
}

/// What a failed attempt says about the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptFailure {
    /// The server certainly did not act on it: no connection was made, or the status says so.
    NotActed,
    /// It may have acted: a 5xx from a proxy after the origin committed, a timeout, a dropped
    /// connection.
    Unknown,
    /// Trying again would get the same answer.
    Final,
    /// A rate limit: the server did not act, and says (or leaves to the policy) when to ask
    /// again. Any request may be resent after the wait, a `POST` too.
    Limited(Limit),
}

/// A rate limit, as the answer that met it describes it: what the call waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    /// The answer names its wait (`Retry-After`, `Retry-After-Ms`).
    Asked(Duration),
    /// GitHub's primary limit is spent (`x-ratelimit-remaining: 0`): until `x-ratelimit-reset`.
    Reset(Duration),
    /// GitHub's secondary limit, without `retry-after`: at least [`Policy::secondary`], doubling
    /// while it lasts.
    Secondary,
    /// A rate limit that names no wait, or only one already past: the normal backoff.
    Unnamed,
}

impl Api {
    /// Cloudflare has no idempotency keys, so every write is a [`Idempotency::Write`]. GitHub's
    /// `PATCH` and `DELETE` of a comment are safe to repeat, but a `POST` whose answer was lost
    /// may have posted a comment, so it is sent once (the next sticky-comment upsert repairs a
    /// duplicate).
    pub(crate) fn idempotency(self, method: &Method) -> Idempotency {
        match self {
            Api::Cloudflare if method == Method::GET => Idempotency::Read,
            Api::Cloudflare => Idempotency::Write,
            Api::GitHub if method == Method::POST => Idempotency::Once,
            Api::GitHub => Idempotency::Read,
        }
    }
}

impl Idempotency {
    pub(crate) fn may_resend(self, failure: AttemptFailure) -> bool {
        match (self, failure) {
            (_, AttemptFailure::Limited(_)) => true,
            (_, AttemptFailure::Final) | (Idempotency::Once, _) => false,
            (Idempotency::Read, _) => true,
            (Idempotency::Write, failure) => failure == AttemptFailure::NotActed,
        }
    }
}

/// Whether an answer is a rate limit: the token is refused for a while, whatever it asks for.
pub(crate) fn rate_limited(api: Api, status: u16, headers: &HeaderMap) -> bool {
    status == 429
        || (api == Api::GitHub
            && status == 403
            && (headers.contains_key("retry-after")
                || headers
                    .get("x-ratelimit-remaining")
                    .is_some_and(|v| v.as_bytes() == b"0")))
}

/// What a non-2xx answer says, a rate limit first ([`rate_limit`]; `body` is the message, where
/// GitHub names a secondary limit). 429 and 503 were not processed; Cloudflare's 408 and 409
/// neither.
/// NOTE: a 500 or 502 to a write may come from a proxy after the origin committed; only statuses
/// that say "not processed" are safe to resend.
pub(crate) fn status_failure(
    api: Api,
    status: u16,
    headers: &HeaderMap,
    body: &str,
) -> AttemptFailure {
    if let Some(limit) = rate_limit(api, status, headers, body, SystemTime::now()) {
        return AttemptFailure::Limited(limit);
    }
    match (api, status) {
        (_, 503) | (Api::Cloudflare, 408 | 409) => AttemptFailure::NotActed,
        (_, s) if s >= 500 => AttemptFailure::Unknown,
        _ => AttemptFailure::Final,
    }
}

/// The rate limit an answer reports, if it is one, read as each service documents it: a named
/// wait (`Retry-After`) first; for GitHub then a spent primary limit (`x-ratelimit-remaining: 0`,
/// until `x-ratelimit-reset`), then a secondary limit, recognised by its message (`body`) as well
/// as by a 429 (at least a minute). A reset already past names no wait.
pub(crate) fn rate_limit(
    api: Api,
    status: u16,
    headers: &HeaderMap,
    body: &str,
    now: SystemTime,
) -> Option<Limit> {
    let secondary = api == Api::GitHub && matches!(status, 403 | 429) && names_secondary(body);
    if !(secondary || rate_limited(api, status, headers)) {
        return None;
    }
    if let Some(wait) = retry_after(headers, now) {
        return Some(Limit::Asked(wait));
    }
    if api == Api::Cloudflare {
        return Some(Limit::Unnamed);
    }
    let spent = headers
        .get("x-ratelimit-remaining")
        .is_some_and(|v| v.as_bytes() == b"0");
    if spent && !secondary {
        return Some(reset_wait(headers, now).map_or(Limit::Unnamed, Limit::Reset));
    }
    Some(Limit::Secondary)
}

/// Whether GitHub's error message names a secondary rate limit ("You have exceeded a secondary
/// rate limit ...", formerly "... an abuse detection mechanism").
fn names_secondary(body: &str) -> bool {
    let lower = body.to_ascii_lowercase();
    lower.contains("secondary rate limit") || lower.contains("abuse detection")
}

/// The wait until `x-ratelimit-reset` (epoch seconds) and one second more, since the reset is
/// given in whole seconds; `None` when absent, unreadable or past.
fn reset_wait(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let secs: u64 = headers
        .get("x-ratelimit-reset")?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()?;
    let at = SystemTime::UNIX_EPOCH.checked_add(Duration::from_secs(secs))?;
    let wait = at.duration_since(now).ok()?;
    (!wait.is_zero()).then(|| wait.saturating_add(Duration::from_secs(1)))
}

/// The largest answer either client reads, in bytes read from the body after decompression
/// (both clients ask for gzip): a 5,000-record Cloudflare page is about 1.5 MB, about 46 KB
/// gzipped. A longer answer, or a small compressed one that inflates past it (a gzip bomb), ends
/// the attempt with an error rather than exhausting memory.
pub(crate) const MAX_ANSWER_BYTES: usize = 64 * 1024 * 1024;

/// Reads an answer's body, at most [`MAX_ANSWER_BYTES`] of it: `Err(None)` past that.
/// The chunks are decompressed ones (reqwest decodes gzip as it reads), so a small compressed
/// answer that inflates without end is stopped at the limit like any long one. Both clients read
/// every answer through it.
pub(crate) async fn bounded_body(
    response: &mut reqwest::Response,
) -> Result<Vec<u8>, Option<reqwest::Error>> {
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(Some)? {
        if body.len() + chunk.len() > MAX_ANSWER_BYTES {
            return Err(None);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// The message of an answer cut off at [`MAX_ANSWER_BYTES`].
pub(crate) fn too_large() -> String {
    format!(
        "the answer was longer than {} MiB, the response size limit (counted decompressed); \
         stopped reading it",
        MAX_ANSWER_BYTES / (1024 * 1024)
    )
}

/// Timeouts and limits of one API's calls. A plain value: the clients receive it in their
/// constructors.
///
/// The three bounds of a call: [`Policy::timeout`] per attempt, [`Policy::budget`] (with
/// [`Policy::max_retries`]) for the call with its retries, and [`Policy::rate_wait`] for the
/// waits rate limits ask for, counted apart, so that a five-minute block is waited out rather
/// than ending a call whose own budget is two minutes.
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
    /// Longest time spent on one call, retries and their waits included, rate-limit waits not.
    /// A wait beyond what is left ends the call at once with a clear error rather than waiting
    /// in vain.
    pub budget: Duration,
    /// Longest single wait that an answer other than a rate limit names (a 503's
    /// `Retry-After`). A longer one ends the call at once, as above.
    pub max_wait: Duration,
    /// Longest time one call waits for rate limits, in all: `Retry-After`, GitHub's reset and
    /// secondary limits, and the pauses other requests' rate limits set on the shared gate.
    /// A wait past it ends the call at once, naming what it would have waited for.
    pub rate_wait: Duration,
    /// The first wait after a secondary rate limit that names none (GitHub: at least a minute);
    /// doubles while the limit lasts.
    pub secondary: Duration,
    /// A call with no answer for this long says on stderr what it is waiting for (once).
    pub notice_after: Duration,
}

/// The longest rate-limit wait of both clients: Cloudflare blocks for five minutes after its
/// limit is passed, and a minute more covers a block that began a little before the request.
pub(crate) const RATE_WAIT: Duration = Duration::from_secs(360);

/// After how long without an answer a call says what it is waiting for.
pub(crate) const NOTICE_AFTER: Duration = Duration::from_secs(5);

impl Policy {
    /// Cloudflare: up to 10 retries within 120 s per call, rate-limit waits of up to 360 s
    /// besides.
    pub const CLOUDFLARE: Policy = Policy {
        timeout: Duration::from_secs(30),
        base: Duration::from_millis(500),
        cap: Duration::from_secs(30),
        max_retries: 10,
        budget: Duration::from_secs(120),
        max_wait: Duration::MAX,
        rate_wait: RATE_WAIT,
        secondary: Duration::ZERO,
        notice_after: NOTICE_AFTER,
    };

    /// GitHub: up to 3 retries, a `Retry-After` of at most a minute on a 5xx, rate-limit waits
    /// of up to 360 s (a secondary limit: a minute, then two).
    pub const GITHUB: Policy = Policy {
        timeout: Duration::from_secs(30),
        base: Duration::from_millis(500),
        cap: Duration::MAX,
        max_retries: 3,
        budget: Duration::MAX,
        max_wait: Duration::from_secs(60),
        rate_wait: RATE_WAIT,
        secondary: Duration::from_secs(60),
        notice_after: NOTICE_AFTER,
    };

    /// The wait before retry `retry` (0 for the first): `base * 2^retry`, capped, minus up to
    /// 25 %. The jitter only shortens a step, so `cap` and the time budget stay true bounds,
    /// and a quarter of spread is enough to keep clients that failed together from retrying
    /// together.
    pub(crate) fn backoff(&self, retry: u32) -> Duration {
        let factor = 1u64 << retry.min(16);
        let raw = self
            .base
            .saturating_mul(u32::try_from(factor).unwrap_or(u32::MAX));
        let capped = raw.min(self.cap);
        let jitter = 1.0 - fastrand::f64() * 0.25;
        capped.mul_f64(jitter)
    }

    /// Starts counting one call against the limits.
    pub(crate) fn start(&self) -> Budget {
        Budget {
            policy: *self,
            started: Instant::now(),
            retries: 0,
            rate_waited: Duration::ZERO,
            secondaries: 0,
        }
    }
}

/// One call's retries and time so far.
#[derive(Debug, Clone)]
pub(crate) struct Budget {
    policy: Policy,
    started: Instant,
    retries: u32,
    /// Time waited for rate limits so far (counted against [`Policy::rate_wait`]).
    rate_waited: Duration,
    /// Secondary rate limits met so far: each doubles the next wait.
    secondaries: u32,
}

impl Budget {
    /// Attempts made or under way: 1 before any retry.
    pub(crate) fn attempts(&self) -> u32 {
        self.retries + 1
    }

    /// The backoff step before the next retry.
    pub(crate) fn backoff(&self) -> Duration {
        self.policy.backoff(self.retries)
    }

    /// Whether another attempt after `wait` is within the limits; counts it when it is.
    pub(crate) fn allow(&mut self, wait: Duration) -> bool {
        let policy = &self.policy;
        let fits = self.retries < policy.max_retries
            && wait <= policy.max_wait
            && self.started.elapsed().saturating_add(wait) <= policy.budget;
        if fits {
            self.retries += 1;
        }
        fits
    }

    /// The wait `limit` asks for: the one it names, or for a secondary limit the policy's first
    /// wait doubled per secondary limit met before, or else the backoff.
    pub(crate) fn limit_wait(&self, limit: Limit) -> Duration {
        match limit {
            Limit::Asked(wait) | Limit::Reset(wait) => wait,
            Limit::Secondary => self
                .policy
                .secondary
                .saturating_mul(1u32 << self.secondaries.min(16)),
            Limit::Unnamed => self.backoff(),
        }
    }

    /// Whether another attempt after the rate-limit wait `wait` (for `limit`) is within the
    /// limits: the retries, and the rate-limit waits in all; counts it when it is. The time
    /// budget is not asked: a rate-limit wait is not the call's own trouble.
    pub(crate) fn allow_limited(&mut self, limit: Limit, wait: Duration) -> bool {
        let fits = self.retries < self.policy.max_retries
            && self.rate_waited.saturating_add(wait) <= self.policy.rate_wait;
        if fits {
            self.retries += 1;
            self.rate_waited = self.rate_waited.saturating_add(wait);
            if limit == Limit::Secondary {
                self.secondaries += 1;
            }
            self.exclude(wait);
        }
        fits
    }

    /// Counts `waited`, spent held by a pause that another request's rate limit set, as a
    /// rate-limit wait of this call (not against its budget).
    pub(crate) fn held(&mut self, waited: Duration) {
        self.rate_waited = self.rate_waited.saturating_add(waited);
        self.exclude(waited);
    }

    /// What is left of the rate-limit waits of this call.
    pub(crate) fn rate_room(&self) -> Duration {
        self.policy.rate_wait.saturating_sub(self.rate_waited)
    }

    /// The reason to give up on a rate limit whose wait does not fit.
    fn bound(&self, limit: Limit, wait: Duration) -> RateBound {
        RateBound {
            limit,
            wait,
            waited: self.rate_waited,
            bound: self.policy.rate_wait,
            retries: self.retries >= self.policy.max_retries,
        }
    }

    /// Leaves `waited` out of the time spent: a wait for the pace of the token's requests, or
    /// for a rate limit, is not the call's own trouble, so it does not use up the budget for
    /// retries.
    pub(crate) fn exclude(&mut self, waited: Duration) {
        self.started = self.started.checked_add(waited).unwrap_or(self.started);
    }

    /// The longest this call could wait now: what is left of the budget, at most `max_wait`.
    #[cfg(test)]
    pub(crate) fn room(&self) -> Duration {
        self.policy
            .budget
            .saturating_sub(self.started.elapsed())
            .min(self.policy.max_wait)
    }
}

/// A rate limit the call stopped waiting for: what it asked for and the bound it would pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateBound {
    pub limit: Limit,
    /// The wait the limit asked for next.
    pub wait: Duration,
    /// Waited for rate limits already in this call.
    pub waited: Duration,
    /// [`Policy::rate_wait`].
    pub bound: Duration,
    /// The retries ran out rather than the time.
    pub retries: bool,
}

impl std::fmt::Display for RateBound {
    /// What it waited for and why it stopped: "it asks to wait 600 s (Retry-After), past the
    /// longest rate-limit wait (360 s per request, EDGEPLAN_RATE_LIMIT_WAIT_MS; 0 s waited)".
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let wait = notice::span(self.wait);
        match self.limit {
            Limit::Asked(_) => write!(f, "it asks to wait {wait} (Retry-After)")?,
            Limit::Reset(_) => write!(f, "the rate limit resets in {wait} (x-ratelimit-reset)")?,
            Limit::Secondary => write!(
                f,
                "a secondary rate limit, which names no wait: the next wait would be {wait}"
            )?,
            Limit::Unnamed => write!(f, "still rate limited: the next wait would be {wait}")?,
        }
        if self.retries {
            return write!(
                f,
                ", and the retries ran out ({} s waited for rate limits)",
                self.waited.as_secs()
            );
        }
        write!(
            f,
            ", past the longest rate-limit wait ({} per request, {RATE_WAIT_ENV}; {} waited already)",
            notice::span(self.bound),
            notice::span(self.waited)
        )
    }
}

/// The wait a 429 (or 503) asks for: `Retry-After-Ms`, else `Retry-After` as seconds or as an
/// HTTP date. `None` when absent, unreadable, zero or a date already past: such an answer names
/// no wait, so the normal backoff applies (resending at once would only meet the limit again).
pub(crate) fn retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
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

/// What one attempt of a call came to, as the client that sent it reads it.
#[derive(Debug)]
pub(crate) enum Attempt<T, F> {
    /// Finished, well or not: returned as it is, never resent.
    Done(T),
    /// Failed: `failure` says whether the server acted, `asked` is the wait the answer named
    /// ([`retry_after`]), `cause` what the client keeps to report it.
    Failed {
        failure: AttemptFailure,
        asked: Option<Duration>,
        cause: F,
    },
}

/// Why [`call`] stopped resending a failed request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum GiveUp {
    /// The request may not be resent after this failure ([`Idempotency::may_resend`]): for a
    /// write whose outcome is unknown, the outcome stays unknown.
    NotResendable,
    /// Another attempt would pass the policy's limits.
    Spent,
    /// A rate limit asked for a wait past the longest rate-limit wait (or the retries ran out).
    RateBound(RateBound),
}

/// One call as [`call`] runs it: the API, what the call does (for the notices on stderr:
/// `GET /zones/{id}/dns_records`, or the GitHub client's `list comments on o/r#2 (page 1)`),
/// its policy, the gate it shares, whether it may be resent, and whether it keeps the pace.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Call<'a> {
    pub api: Api,
    pub what: &'a str,
    pub policy: &'a Policy,
    pub gate: &'a RateGate,
    pub kind: Idempotency,
    /// Whether the request counts against the gate's pace (Cloudflare's 1,200 per five minutes).
    pub paced: bool,
}

/// The one send, classify, wait, resend loop of both clients. Before each attempt it keeps the
/// pace (when `paced`: the wait is not held against the budget) and any pause a rate limit set
/// on the gate (a rate-limit wait of this call); `attempt` sends once and classifies the outcome.
/// A rate limit is resent after its wait while the call's rate-limit waits stay within
/// [`Policy::rate_wait`]; any other failure only when `kind` allows it
/// ([`Idempotency::may_resend`]) and the budget has room for the wait the answer named, or else
/// the backoff. Each rate-limit wait is said on stderr, and so, once, is a call that has had no
/// answer for [`Policy::notice_after`]. `give_up` turns the last failure into the call's error,
/// given why it stopped and the attempts made.
pub(crate) async fn call<T, F, E, A, Fut>(
    call: Call<'_>,
    mut attempt: A,
    give_up: impl FnOnce(F, GiveUp, u32) -> E,
) -> Result<T, E>
where
    A: FnMut() -> Fut,
    Fut: std::future::Future<Output = Attempt<Result<T, E>, F>>,
    F: std::fmt::Display,
{
    let Call {
        policy,
        gate,
        kind,
        paced,
        ..
    } = call;
    let mut budget = policy.start();
    let mut watch = notice::Watch::new(&call);
    loop {
        // The pace first, then the pause: a request that waited for a slot still meets a
        // pause a 429 set meanwhile.
        if paced {
            let pacing = std::time::Instant::now();
            gate.pace_saying(|wait| notice::pace(&call, wait)).await;
            budget.exclude(pacing.elapsed());
            watch.exclude(pacing.elapsed());
        }
        let held = Instant::now();
        gate.wait(budget.rate_room()).await;
        budget.held(held.elapsed());
        watch.exclude(held.elapsed());
        let (failure, asked, cause) = match watch.watched(attempt()).await {
            Attempt::Done(result) => return result,
            Attempt::Failed {
                failure,
                asked,
                cause,
            } => (failure, asked, cause),
        };
        watch.failed(budget.attempts(), &cause);
        if let AttemptFailure::Limited(limit) = failure {
            let wait = budget.limit_wait(limit);
            if !budget.allow_limited(limit, wait) {
                let bound = budget.bound(limit, wait);
                return Err(give_up(cause, GiveUp::RateBound(bound), budget.attempts()));
            }
            if gate.pause(wait) {
                notice::rate_limit(&call, limit, wait);
            }
            tokio::time::sleep(wait).await;
            watch.exclude(wait);
            continue;
        }
        if !kind.may_resend(failure) {
            return Err(give_up(cause, GiveUp::NotResendable, budget.attempts()));
        }
        let wait = asked.unwrap_or_else(|| budget.backoff());
        if !budget.allow(wait) {
            return Err(give_up(cause, GiveUp::Spent, budget.attempts()));
        }
        watch.watched(tokio::time::sleep(wait)).await;
    }
}

/// Parses a `Retry-After` value: delta seconds, or an HTTP date (RFC 9110 section 10.2.3). A
/// date in the past is a wait of zero, which [`retry_after`] sets aside.
pub(crate) fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = crate::time::parse_http_date(value)?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests;
