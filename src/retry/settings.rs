//! The retry settings the environment gives, read in one place.

use std::time::Duration;

use super::Policy;

/// Per-attempt deadline of both clients: the longest one request and its whole answer may take,
/// in milliseconds.
pub(crate) const HTTP_TIMEOUT_ENV: &str = "EDGEPLAN_HTTP_TIMEOUT_MS";
/// Longest time one Cloudflare call may take, retries included, in milliseconds.
pub(crate) const RETRY_BUDGET_ENV: &str = "EDGEPLAN_RETRY_BUDGET_MS";
/// The base delay of GitHub retries and the wait between merged-PR lookups, in milliseconds; the
/// first wait after a secondary rate limit that names none is 120 times it (a minute at the
/// default). Integration tests that run the binary set it low so that a direct push (no merged
/// PR, looked up four times) takes milliseconds instead of six seconds.
pub(crate) const GITHUB_RETRY_ENV: &str = "EDGEPLAN_GITHUB_RETRY_MS";
/// The longest time one call of either client waits for rate limits, in all, in milliseconds
/// ([`Policy::rate_wait`]).
pub(crate) const RATE_WAIT_ENV: &str = "EDGEPLAN_RATE_LIMIT_WAIT_MS";
/// After how long without an answer a call says what it is waiting for, in milliseconds
/// ([`Policy::notice_after`]).
pub(crate) const WAIT_NOTICE_ENV: &str = "EDGEPLAN_WAIT_NOTICE_MS";

/// The secondary-limit wait per millisecond of [`GITHUB_RETRY_ENV`]: 500 ms gives GitHub's
/// minute.
const SECONDARY_PER_BASE: u32 = 120;

/// How often and how far apart GitHub's merged pull requests of a commit are looked up while the
/// list is empty (it can lag a push by a few seconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Poll {
    pub attempts: u32,
    pub delay: Duration,
}

impl Poll {
    pub(crate) const GITHUB_PULLS: Poll = Poll {
        attempts: 4,
        delay: Duration::from_secs(2),
    };
}

/// An `EDGEPLAN_*` variable that is set to something other than whole milliseconds.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{name}={raw:?} is not a number of milliseconds; unset it or give e.g. {name}={example}")]
pub(crate) struct Malformed {
    /// The variable.
    pub name: &'static str,
    /// What it holds.
    pub raw: String,
    /// A sensible value, for the message.
    pub example: u32,
}

/// Each client's settings, or which variable is malformed. They are kept
/// apart so that a malformed setting fails only a command that uses that client, as it would if
/// each client read its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RetrySettings {
    /// Cloudflare calls: [`HTTP_TIMEOUT_ENV`] and [`RETRY_BUDGET_ENV`] applied to
    /// [`Policy::CLOUDFLARE`].
    pub cloudflare: Result<Policy, Malformed>,
    /// GitHub calls and the merged-PR lookup: [`GITHUB_RETRY_ENV`] and [`HTTP_TIMEOUT_ENV`]
    /// applied to [`Policy::GITHUB`] and [`Poll::GITHUB_PULLS`].
    pub github: Result<(Policy, Poll), Malformed>,
}

impl Default for RetrySettings {
    fn default() -> Self {
        RetrySettings {
            cloudflare: Ok(Policy::CLOUDFLARE),
            github: Ok((Policy::GITHUB, Poll::GITHUB_PULLS)),
        }
    }
}

impl RetrySettings {
    /// The same from any variable source (the environment, or a table in tests).
    pub(crate) fn from_vars(var: impl Fn(&str) -> Option<String>) -> RetrySettings {
        let cloudflare = (|| {
            let mut policy = Policy::CLOUDFLARE;
            if let Some(ms) = millis(&var, HTTP_TIMEOUT_ENV, 5000)? {
                policy.timeout = ms;
            }
            if let Some(ms) = millis(&var, RETRY_BUDGET_ENV, 5000)? {
                policy.budget = ms;
                // A short budget is pointless with half-second steps.
                policy.base = policy.base.min(ms / 8);
            }
            shared(&var, &mut policy)?;
            Ok(policy)
        })();
        let github = (|| {
            let (mut policy, mut pulls) = (Policy::GITHUB, Poll::GITHUB_PULLS);
            if let Some(ms) = millis(&var, GITHUB_RETRY_ENV, 500)? {
                policy.base = ms;
                pulls.delay = ms;
                policy.secondary = ms.saturating_mul(SECONDARY_PER_BASE);
            }
            if let Some(ms) = millis(&var, HTTP_TIMEOUT_ENV, 5000)? {
                policy.timeout = ms;
            }
            shared(&var, &mut policy)?;
            Ok((policy, pulls))
        })();
        RetrySettings { cloudflare, github }
    }
}

/// The settings both clients share: [`RATE_WAIT_ENV`] and [`WAIT_NOTICE_ENV`].
fn shared(var: impl Fn(&str) -> Option<String>, policy: &mut Policy) -> Result<(), Malformed> {
    if let Some(ms) = millis(&var, RATE_WAIT_ENV, 360_000)? {
        policy.rate_wait = ms;
    }
    if let Some(ms) = millis(&var, WAIT_NOTICE_ENV, 5000)? {
        policy.notice_after = ms;
    }
    Ok(())
}

fn millis(
    var: impl Fn(&str) -> Option<String>,
    name: &'static str,
    example: u32,
) -> Result<Option<Duration>, Malformed> {
    let Some(raw) = var(name).filter(|v| !v.trim().is_empty()) else {
        return Ok(None);
    };
    raw.trim()
        .parse::<u64>()
        .map(|ms| Some(Duration::from_millis(ms)))
        .map_err(|_| Malformed { name, raw, example })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(vars: &[(&str, &str)]) -> RetrySettings {
        let vars: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        RetrySettings::from_vars(|name| {
            vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
        })
    }

    #[test]
    fn unset_and_empty_mean_the_defaults() {
        assert_eq!(read(&[]), RetrySettings::default());
        assert_eq!(
            read(&[(HTTP_TIMEOUT_ENV, " "), (GITHUB_RETRY_ENV, "")]),
            RetrySettings::default()
        );
    }

    #[test]
    fn each_variable_sets_its_fields() {
        let s = read(&[
            (HTTP_TIMEOUT_ENV, "5000"),
            (RETRY_BUDGET_ENV, " 3000 "),
            (GITHUB_RETRY_ENV, "20"),
        ]);
        let cf = s.cloudflare.expect("cloudflare");
        assert_eq!(cf.timeout, Duration::from_millis(5000));
        assert_eq!(cf.budget, Duration::from_millis(3000));
        assert_eq!(cf.base, Duration::from_millis(375), "budget / 8");
        assert_eq!(cf.max_retries, Policy::CLOUDFLARE.max_retries);
        let (gh, pulls) = s.github.expect("github");
        assert_eq!(gh.base, Duration::from_millis(20));
        assert_eq!(gh.secondary, Duration::from_millis(2400), "120 x the base");
        assert_eq!(pulls.delay, Duration::from_millis(20));
        assert_eq!(pulls.attempts, Poll::GITHUB_PULLS.attempts);
        // A long budget keeps the half-second first step.
        let long = read(&[(RETRY_BUDGET_ENV, "60000")]).cloudflare.expect("cf");
        assert_eq!(long.base, Policy::CLOUDFLARE.base);
    }

    /// The longest rate-limit wait and the notice delay apply to both clients, apart from the
    /// Cloudflare call's budget.
    #[test]
    fn the_rate_limit_wait_and_the_notice_apply_to_both_clients() {
        let s = read(&[(RATE_WAIT_ENV, "2000"), (WAIT_NOTICE_ENV, "300")]);
        let cf = s.cloudflare.expect("cloudflare");
        let (gh, _) = s.github.expect("github");
        for policy in [cf, gh] {
            assert_eq!(policy.rate_wait, Duration::from_millis(2000));
            assert_eq!(policy.notice_after, Duration::from_millis(300));
        }
        assert_eq!(cf.budget, Policy::CLOUDFLARE.budget);
        let defaults = RetrySettings::default();
        let cf = defaults.cloudflare.expect("cloudflare");
        let (gh, _) = defaults.github.expect("github");
        assert!(cf.rate_wait >= Duration::from_secs(300) && gh.rate_wait >= cf.rate_wait);
        assert_eq!(gh.secondary, Duration::from_secs(60));
    }

    #[test]
    fn a_malformed_variable_fails_only_its_client() {
        let s = read(&[(RETRY_BUDGET_ENV, "3s")]);
        assert_eq!(
            s.cloudflare.map_err(|e| e.to_string()),
            Err(malformed(RETRY_BUDGET_ENV, "3s", 5000))
        );
        assert_eq!(s.github, RetrySettings::default().github);
        let s = read(&[(GITHUB_RETRY_ENV, "-1")]);
        assert_eq!(
            s.github.map_err(|e| e.to_string()),
            Err(malformed(GITHUB_RETRY_ENV, "-1", 500))
        );
        assert_eq!(s.cloudflare, Ok(Policy::CLOUDFLARE));
    }

    /// The message for `name="value"`, suggesting `example`.
    fn malformed(name: &str, value: &str, example: u64) -> String {
        format!(
            "{name}=\"{value}\" is not a number of milliseconds; unset it or give e.g. {name}={example}"
        )
    }
}
