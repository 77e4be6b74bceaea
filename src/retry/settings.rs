//! The retry settings the environment gives, read in one place.

use std::time::Duration;

use super::Policy;

/// Per-attempt deadline of both clients: the longest one request and its whole answer may take,
/// in milliseconds.
pub const HTTP_TIMEOUT_ENV: &str = "EDGEPLAN_HTTP_TIMEOUT_MS";
/// Longest time one Cloudflare call may take, retries included, in milliseconds.
pub const RETRY_BUDGET_ENV: &str = "EDGEPLAN_RETRY_BUDGET_MS";
/// The base delay of GitHub retries and the wait between merged-PR lookups, in milliseconds.
/// Integration tests that run the binary set it low so that a direct push (no merged PR, looked
/// up four times) takes milliseconds instead of six seconds.
pub const GITHUB_RETRY_ENV: &str = "EDGEPLAN_GITHUB_RETRY_MS";

/// How often and how far apart GitHub's merged pull requests of a commit are looked up while the
/// list is empty (it can lag a push by a few seconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Poll {
    pub attempts: u32,
    pub delay: Duration,
}

impl Poll {
    pub const GITHUB_PULLS: Poll = Poll {
        attempts: 4,
        delay: Duration::from_secs(2),
    };
}

/// An `EDGEPLAN_*` variable that is set to something other than whole milliseconds.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{name}={raw:?} is not a number of milliseconds; unset it or give e.g. {name}={example}")]
pub struct Malformed {
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
pub struct RetrySettings {
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
    /// The defaults with the `EDGEPLAN_*` variables above applied where set (empty counts as
    /// unset).
    pub fn from_env() -> RetrySettings {
        RetrySettings::from_vars(|var| std::env::var(var).ok())
    }

    /// The same from any variable source (the environment, or a table in tests).
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> RetrySettings {
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
            Ok(policy)
        })();
        let github = (|| {
            let (mut policy, mut pulls) = (Policy::GITHUB, Poll::GITHUB_PULLS);
            if let Some(ms) = millis(&var, GITHUB_RETRY_ENV, 500)? {
                policy.base = ms;
                pulls.delay = ms;
            }
            if let Some(ms) = millis(&var, HTTP_TIMEOUT_ENV, 5000)? {
                policy.timeout = ms;
            }
            Ok((policy, pulls))
        })();
        RetrySettings { cloudflare, github }
    }
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
        assert_eq!(pulls.delay, Duration::from_millis(20));
        assert_eq!(pulls.attempts, Poll::GITHUB_PULLS.attempts);
        // A long budget keeps the half-second first step.
        let long = read(&[(RETRY_BUDGET_ENV, "60000")]).cloudflare.expect("cf");
        assert_eq!(long.base, Policy::CLOUDFLARE.base);
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
