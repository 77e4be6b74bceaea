//! Errors from the GitHub API, with advice for the cases people hit.
//!
//! GitHub answers errors as JSON `{"message": ..., "errors": [...]}`
//! (<https://docs.github.com/en/rest/using-the-rest-api/troubleshooting-the-rest-api>). The
//! message and the detail of `errors[]` are kept; the status adds the advice: 403 "Resource not
//! accessible by integration" is a missing `pull-requests: write` or a fork PR, 422 "Body is too
//! long" is a comment over 65,536 characters. Nothing here ever holds the token: only the
//! action attempted, the status and GitHub's words.

use serde::Deserialize;

/// A failed GitHub call: what was attempted, what GitHub said, what to do.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("GitHub API: {what}: HTTP {status}: {message}")]
    Api {
        what: String,
        status: u16,
        message: String,
        help: Option<String>,
    },
    #[error("GitHub API: {what}: {detail}")]
    Transport {
        what: String,
        detail: String,
        help: Option<String>,
    },
    #[error("GitHub API: {0}")]
    Config(String),
    /// A walk over GitHub's records reached its bound before an answer: what a person can do
    /// to let the next run find one is in `help`.
    #[error("GitHub API: {what}: {detail}")]
    Bound {
        what: String,
        detail: String,
        help: String,
    },
}

impl Error {
    pub fn help(&self) -> Option<&str> {
        match self {
            Error::Api { help, .. } | Error::Transport { help, .. } => help.as_deref(),
            Error::Bound { help, .. } => Some(help),
            Error::Config(_) => Some(
                "check GITHUB_API_URL (https://api.github.com, or https://HOST/api/v3 on GitHub Enterprise Server) and the github-token input",
            ),
        }
    }

    /// The HTTP status, when GitHub answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api { status, .. } => Some(*status),
            _ => None,
        }
    }
}

/// octocrab's errors show only their variant name through `Display`; the source chain is what
/// says what failed, without the Debug shapes some causes embed
/// ([`crate::chain::without_debug`]).
pub(crate) fn describe(err: &octocrab::Error) -> String {
    let mut text = err.to_string();
    let causes = crate::chain::causes(err);
    if !causes.is_empty() {
        text.push_str(": ");
        text.push_str(&causes);
    }
    // Each cause by its `Display`, which for the resolver embeds a Debug dump.
    crate::chain::without_debug(&text)
}

/// The advice for a rate limit.
const RATE_LIMITED: &str = "GitHub is rate-limiting this token (the workflow token has 1,000 requests per hour per repository; a secondary limit guards bursts and content creation); re-run the job once it is over, or raise EDGEPLAN_RATE_LIMIT_WAIT_MS to wait longer";

/// `err`, a rate limit whose next wait would pass the longest rate-limit wait: its message says
/// what it waited for and why it stopped ([`crate::retry::RateBound`]).
pub(crate) fn past_rate_bound(err: Error, bound: &crate::retry::RateBound) -> Error {
    match err {
        Error::Api {
            what,
            status,
            message,
            ..
        } => Error::Api {
            what,
            status,
            message: format!("{message}; {bound}"),
            help: Some(RATE_LIMITED.to_string()),
        },
        other => other,
    }
}

#[derive(Deserialize)]
struct ErrorBody {
    message: Option<String>,
    #[serde(default)]
    errors: Vec<serde_json::Value>,
}

/// GitHub's error message (with the detail of `errors[]`) and advice for the usual causes.
pub(crate) fn api_error(what: &str, status: u16, body: &str, attempts: u32) -> Error {
    let (message, details) = match serde_json::from_str::<ErrorBody>(body) {
        Ok(b) => {
            let details: Vec<String> = b
                .errors
                .iter()
                .filter_map(|e| match e {
                    serde_json::Value::String(s) => Some(s.clone()),
                    other => other.get("message")?.as_str().map(String::from),
                })
                .collect();
            (b.message.unwrap_or_default(), details)
        }
        Err(_) => {
            let text: String = body.trim().chars().take(200).collect();
            (text, Vec::new())
        }
    };
    let mut full = if message.is_empty() {
        format!("HTTP {status}")
    } else {
        message.clone()
    };
    if !details.is_empty() {
        full = format!("{full}: {}", details.join("; "));
    }
    if attempts > 1 {
        full = format!("{full} (after {attempts} attempts)");
    }
    let lower = full.to_ascii_lowercase();
    let help = match status {
        401 => Some("the GitHub token was rejected: pass a valid `github-token` (the default `${{ github.token }}` works)".to_string()),
        403 if lower.contains("resource not accessible by integration") => Some(
            "the token may not write here: grant the job `permissions: pull-requests: write`; on a pull request from a fork the token is read-only by design, and the preview goes to the step summary instead".to_string(),
        ),
        403 | 429 if status == 429 || lower.contains("rate limit") || lower.contains("abuse detection") => Some(RATE_LIMITED.to_string()),
        403 => Some("GitHub refused the request: check the job's `permissions:` and that the token can reach the repository".to_string()),
        404 => Some("not found with this token: check GITHUB_REPOSITORY, the pull request number, and that the token can read the repository".to_string()),
        422 if lower.contains("too long") => Some(
            "the comment is over GitHub's 65,536-character limit; this is an edgeplan bug in sizing the comment, please report it (the full plan is in the step summary)".to_string(),
        ),
        s if s >= 500 => Some("GitHub is failing; re-run the job later (https://www.githubstatus.com)".to_string()),
        _ => None,
    };
    Error::Api {
        what: what.to_string(),
        status,
        message: full,
        help,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_carry_advice() {
        let e = api_error(
            "create a comment on o/r#1",
            403,
            r#"{"message":"Resource not accessible by integration"}"#,
            1,
        );
        assert!(
            e.help().is_some_and(|h| h.contains("pull-requests: write")),
            "{e:?}"
        );
        let e = api_error(
            "update comment 1 in o/r",
            422,
            r#"{"message":"Validation Failed","errors":[{"resource":"IssueComment","code":"unprocessable","field":"data","message":"Body is too long (maximum is 65536 characters)"}]}"#,
            1,
        );
        assert_eq!(
            e.to_string(),
            "GitHub API: update comment 1 in o/r: HTTP 422: Validation Failed: Body is too long (maximum is 65536 characters)"
        );
        assert!(e.help().is_some_and(|h| h.contains("65,536")));
        let e = api_error("x", 502, "<html>bad gateway</html>", 4);
        assert!(
            e.to_string()
                .contains("<html>bad gateway</html> (after 4 attempts)"),
            "{e}"
        );
    }
}
