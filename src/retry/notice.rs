//! What a call is waiting for, said on stderr while it waits: each rate-limit wait (how long,
//! why, and the bound), Cloudflare's pace when it holds a request, and a call that has had no
//! answer for a few seconds (a dead network, a slow server), once. A run that is silent for two
//! minutes looks hung; one that says what it waits for can be left to finish or fixed.
//!
//! The words name the request (`what`), which can hold values from an API answer (a zone id, a
//! file name in a commit): every line goes through [`crate::render::inert`] before it is printed.

use std::time::Duration;

use tokio::time::Instant;

use super::{Api, Call, HTTP_TIMEOUT_ENV, Limit, RATE_WAIT_ENV, RETRY_BUDGET_ENV};

/// Notices said about slow answers by clients sharing one gate are at least this far apart: with
/// eight zones in flight behind one slow network, one line says it, not eight.
const SLOW_QUIET: Duration = Duration::from_secs(30);

/// A duration for a person: tenths below ten seconds, whole seconds above.
pub(super) fn span(d: Duration) -> String {
    if d < Duration::from_secs(10) {
        format!("{:.1} s", d.as_secs_f64())
    } else {
        format!("{} s", d.as_secs_f64().round())
    }
}

fn service(api: Api) -> &'static str {
    match api {
        Api::Cloudflare => "Cloudflare",
        Api::GitHub => "GitHub",
    }
}

fn say(line: &str) {
    errln!("edgeplan: {}", crate::render::inert::inert(line));
}

/// A rate-limit wait, said by the request that set the pause.
pub(super) fn rate_limit(call: &Call<'_>, limit: Limit, wait: Duration) {
    let api = service(call.api);
    let why = match limit {
        Limit::Asked(_) => "the answer asks for it (Retry-After)".to_string(),
        Limit::Reset(_) => {
            format!("{api}'s rate limit for this token is spent until x-ratelimit-reset")
        }
        Limit::Secondary => format!(
            "{api}'s secondary rate limit, which names no wait: at least a minute, longer while it lasts"
        ),
        Limit::Unnamed => "the answer names no wait: backing off".to_string(),
    };
    say(&format!(
        "waiting {} for {api}'s rate limit, then trying again ({}): {why}; every request of this run waits too (rate-limit waits: at most {} per request, {RATE_WAIT_ENV})",
        span(wait),
        call.what,
        span(call.policy.rate_wait),
    ));
}

/// A request held to keep the pace of the gate (Cloudflare's requests per five minutes). The gate
/// says a wait of a second or more only, so a wait for the per-second window is never said.
pub(super) fn pace(call: &Call<'_>, wait: Duration) {
    say(&format!(
        "waiting {} to stay within {}'s rate limit (requests per five minutes), then sending ({})",
        span(wait),
        service(call.api),
        call.what
    ));
}

/// Watches one call for a long time without an answer, and says so once.
pub(super) struct Watch<'a> {
    call: Call<'a>,
    /// When the time without an answer began (waits already said are left out).
    since: Instant,
    said: bool,
    failed: u32,
    last: Option<String>,
}

impl<'a> Watch<'a> {
    pub(super) fn new(call: &Call<'a>) -> Watch<'a> {
        Watch {
            call: *call,
            since: Instant::now(),
            said: false,
            failed: 0,
            last: None,
        }
    }

    /// Leaves out `waited`, a wait already said (a rate limit, the pace).
    pub(super) fn exclude(&mut self, waited: Duration) {
        self.since = self.since.checked_add(waited).unwrap_or(self.since);
    }

    /// Attempt `attempts` failed with `cause`.
    pub(super) fn failed(&mut self, attempts: u32, cause: &impl std::fmt::Display) {
        self.failed = attempts;
        self.last = Some(cause.to_string());
    }

    /// Runs `work`; if the call has had no answer for [`super::Policy::notice_after`] before it
    /// ends, says what it is waiting for.
    pub(super) async fn watched<T>(&mut self, work: impl std::future::Future<Output = T>) -> T {
        let due = self.since.checked_add(self.call.policy.notice_after);
        let Some(due) = due.filter(|_| !self.said) else {
            return work.await;
        };
        let mut work = std::pin::pin!(work);
        match tokio::time::timeout_at(due, &mut work).await {
            Ok(done) => done,
            Err(_) => {
                self.said = true;
                if self.call.gate.may_say(SLOW_QUIET) {
                    self.say();
                }
                work.await
            }
        }
    }

    fn say(&self) {
        let call = &self.call;
        let policy = call.policy;
        let failed = match (&self.last, self.failed) {
            (Some(last), n) if n > 0 => format!(
                "; {n} attempt{} failed, the last: {last}",
                if n == 1 { "" } else { "s" }
            ),
            _ => String::new(),
        };
        let bounds = if policy.budget == Duration::MAX {
            format!(
                "each attempt may take {}, at most {} attempts ({HTTP_TIMEOUT_ENV})",
                span(policy.timeout),
                policy.max_retries + 1
            )
        } else {
            format!(
                "each attempt may take {}, the request with its retries {} ({HTTP_TIMEOUT_ENV}, {RETRY_BUDGET_ENV})",
                span(policy.timeout),
                span(policy.budget)
            )
        };
        say(&format!(
            "waiting for {} to answer ({}): no answer after {}{failed}; {bounds}",
            service(call.api),
            call.what,
            span(Instant::now().saturating_duration_since(self.since)),
        ));
    }
}
