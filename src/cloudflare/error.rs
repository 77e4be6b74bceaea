//! Cloudflare failures as typed values, and their translation into advice.
//!
//! The API reports failures as `{"success": false, "errors": [{code, message, error_chain?}]}`
//! with an HTTP status. Codes are not unique across endpoints (1001 means two things), so a
//! failure is classified by status and code together ([`Class`]), following the table in
//! docs/cloudflare.md and
//! <https://developers.cloudflare.com/fundamentals/api/reference/limits/>. The innermost
//! `error_chain` entry is the one shown: `1004 DNS Validation Error` alone says nothing, its
//! chained `9007 Content for CNAME record is invalid` does.
//!
//! Nothing here ever holds the token: requests are described by method and path only.

use std::fmt;
use std::time::Duration;

use super::wire::ApiMessage;
use crate::chain::without_debug;

/// What kind of failure a Cloudflare error is, deciding the exit code and the advice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// 81053, 81054, 81057, 81058: a record already holds the name.
    Conflict,
    /// 81044, 1002, and 1001 on a zone: the id names nothing.
    NotFound,
    /// 10000, 9109, 9106, 6003, 1000: the token is missing, malformed or lacks a permission.
    Permission,
    /// 1004 (with its chain), 9003, 9004, 9007, 9011, 9021, 9022, 9041: a record was refused.
    InvalidInput,
    /// 81045, 9300: a zone or record quota.
    Quota,
    /// 7003 + 7000: an identifier is malformed (a zone name used as zone id).
    BadIdentifier,
    /// HTTP 429, whatever the code.
    RateLimit,
    /// HTTP 5xx.
    Server,
    /// Anything else.
    Other,
}

impl Class {
    /// Classifies by HTTP status first (429 and 5xx whatever the body says), then by every code
    /// in the errors and their chains.
    pub(crate) fn of(status: u16, errors: &[ApiMessage]) -> Class {
        if status == 429 {
            return Class::RateLimit;
        }
        if status >= 500 {
            return Class::Server;
        }
        let codes: Vec<i64> = errors.iter().flat_map(ApiMessage::codes).collect();
        let has = |list: &[i64]| codes.iter().any(|c| list.contains(c));
        if has(&[81053, 81054, 81057, 81058]) {
            Class::Conflict
        } else if has(&[81045, 9300]) {
            Class::Quota
        } else if has(&[10000, 9109, 9106, 6003, 1000]) {
            Class::Permission
        } else if has(&[7003, 7000]) {
            Class::BadIdentifier
        } else if has(&[81044, 1002]) || (status == 404 && has(&[1001])) {
            Class::NotFound
        } else if has(&[1004, 9003, 9004, 9007, 9011, 9021, 9022, 9041]) {
            Class::InvalidInput
        } else {
            Class::Other
        }
    }
}

/// A failure envelope: the status, the request (method and path only) and the errors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiFailure {
    pub status: u16,
    pub method: String,
    pub path: String,
    pub errors: Vec<ApiMessage>,
}

impl ApiFailure {
    pub fn class(&self) -> Class {
        Class::of(self.status, &self.errors)
    }

    /// The first error's code (`81058`), or 0 when the envelope held none.
    pub fn code(&self) -> i64 {
        self.errors.first().map_or(0, |e| e.code)
    }

    /// Whether `code` appears anywhere, chains included.
    pub fn has_code(&self, code: i64) -> bool {
        self.errors.iter().any(|e| e.codes().contains(&code))
    }

    /// The innermost entry of the first error: the actionable one.
    pub fn innermost(&self) -> Option<&ApiMessage> {
        self.errors.first().map(ApiMessage::innermost)
    }

    /// `81058 An identical record already exists.`, or for a chain
    /// `9007 Content for CNAME record is invalid. (in 1004 DNS Validation Error)`; several errors
    /// are joined with `; `.
    pub fn summary(&self) -> String {
        if self.errors.is_empty() {
            return "no error details in the answer".to_string();
        }
        self.errors
            .iter()
            .map(|e| {
                let inner = e.innermost();
                if std::ptr::eq(inner, e) {
                    format!("{} {}", e.code, e.message.trim())
                } else {
                    format!(
                        "{} {} (in {} {})",
                        inner.code,
                        inner.message.trim(),
                        e.code,
                        e.message.trim()
                    )
                }
            })
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// How a request failed without a Cloudflare answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransportKind {
    /// No connection could be made: nothing was sent.
    Connect,
    /// No answer within the per-request timeout.
    Timeout,
    /// The connection broke after the request went out.
    Dropped,
    /// The answer passed the response size limit (counted decompressed) and was cut off.
    TooLarge,
}

impl fmt::Display for TransportKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TransportKind::Connect => "could not connect",
            TransportKind::Timeout => "timed out",
            TransportKind::Dropped => "connection dropped",
            TransportKind::TooLarge => "answer cut off at the response size limit",
        })
    }
}

/// A Cloudflare client failure.
#[derive(Debug, Clone, thiserror::Error)]
pub enum Error {
    /// Cloudflare answered with a failure envelope (or `success: false`).
    #[error("Cloudflare refused {} {} (HTTP {}): {}", .0.method, .0.path, .0.status, .0.summary())]
    Api(ApiFailure),
    /// An answer that is not Cloudflare's JSON: an HTML error page, an empty 502.
    #[error(
        "Cloudflare answered {method} {path} with HTTP {status} and a body that is not API JSON: {snippet}"
    )]
    Http {
        method: String,
        path: String,
        status: u16,
        snippet: String,
    },
    /// A 2xx answer whose JSON did not have the expected shape.
    #[error("cannot read Cloudflare's answer to {method} {path}: {detail}")]
    Decode {
        method: String,
        path: String,
        detail: String,
    },
    /// No answer at all.
    #[error("{method} {path}: {kind}: {}", without_debug(.detail))]
    Transport {
        method: String,
        path: String,
        kind: TransportKind,
        detail: String,
    },
    /// Still rate limited when the retries ran out, or the wait asked for would pass the longest
    /// rate-limit wait (`bound` says which, and what it waited for).
    #[error("Cloudflare rate limited {method} {path} (HTTP 429){}", wait_note(.retry_after, .bound))]
    RateLimited {
        method: String,
        path: String,
        retry_after: Option<Duration>,
        bound: Option<Box<crate::retry::RateBound>>,
    },
    /// A write went out and no answer came back: it may have landed. Never resent.
    #[error(
        "{method} {path}: {kind} after the request was sent; it may or may not have been applied"
    )]
    UnknownOutcome {
        method: String,
        path: String,
        kind: TransportKind,
    },
    /// The client could not be set up (bad base URL, token not usable as a header).
    #[error("{0}")]
    Config(String),
    /// A zone's record listing not provably complete (a short one still, when read a second
    /// time): nothing may be planned from it (a record missing from it would be planned as a
    /// create).
    #[error("the record listing {path} is incomplete{}: {gap}", gap.reads())]
    Incomplete { path: String, gap: Gap },
}

/// Why a record listing is not provably complete.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Gap {
    /// The listing has more pages than edgeplan follows.
    PageCap { pages: u64, cap: u64 },
    /// Fewer distinct records arrived than the first page's `total_count`: records moved between
    /// pages while they were read, or a page came back short.
    Missing { arrived: u64, counted: u64 },
    /// A page's fetch stopped without an answer or an error of its own.
    Unread { page: u64, detail: String },
}

impl Gap {
    /// How often the listing was read before it was refused, as the message says it: a listing
    /// past the page cap is refused from its first page, a short one after a second read.
    pub(crate) fn reads(&self) -> &'static str {
        match self {
            Gap::PageCap { .. } => "",
            Gap::Missing { .. } | Gap::Unread { .. } => " after two reads",
        }
    }
}

impl fmt::Display for Gap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Gap::PageCap { pages, cap } => {
                write!(f, "it has {pages} pages and at most {cap} are followed")
            }
            Gap::Missing { arrived, counted } => write!(
                f,
                "{arrived} distinct records arrived of the {counted} Cloudflare counted ({} missing)",
                counted.saturating_sub(*arrived)
            ),
            Gap::Unread { page, detail } => write!(f, "page {page} was not read ({detail})"),
        }
    }
}

fn wait_note(
    retry_after: &Option<Duration>,
    bound: &Option<Box<crate::retry::RateBound>>,
) -> String {
    match (bound, retry_after) {
        (Some(bound), _) => format!("; {bound}"),
        (None, Some(d)) => format!("; it asked to wait {} s", d.as_secs().max(1)),
        (None, None) => String::new(),
    }
}

impl Error {
    /// The API failure, when Cloudflare answered with one.
    #[cfg(test)]
    pub(crate) fn api(&self) -> Option<&ApiFailure> {
        match self {
            Error::Api(f) => Some(f),
            _ => None,
        }
    }

    pub(crate) fn class(&self) -> Class {
        match self {
            Error::Api(f) => f.class(),
            Error::Http { status, .. } if *status == 429 => Class::RateLimit,
            Error::Http { status, .. } if *status >= 500 => Class::Server,
            Error::RateLimited { .. } => Class::RateLimit,
            _ => Class::Other,
        }
    }
}

/// Builds the error for a non-success answer from its status and raw body. A body that is not a
/// Cloudflare envelope (an HTML page from a proxy) becomes [`Error::Http`] with a short, printable
/// snippet, never a panic.
pub fn from_response(method: &str, path: &str, status: u16, body: &[u8]) -> Error {
    #[derive(serde::Deserialize)]
    struct FailedEnvelope {
        #[serde(default)]
        errors: Vec<ApiMessage>,
    }
    match serde_json::from_slice::<FailedEnvelope>(body) {
        Ok(f) if !f.errors.is_empty() || (200..300).contains(&status) => Error::Api(ApiFailure {
            status,
            method: method.to_string(),
            path: path.to_string(),
            errors: f.errors,
        }),
        _ => Error::Http {
            method: method.to_string(),
            path: path.to_string(),
            status,
            snippet: snippet(body),
        },
    }
}

/// The first line of text of a body, tags stripped, at most 120 characters.
fn snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let mut out = String::new();
    let mut in_tag = false;
    for c in text.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            _ if in_tag => {}
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    let words: Vec<&str> = out.split_whitespace().collect();
    let mut joined = words.join(" ");
    if joined.is_empty() {
        return "(empty body)".to_string();
    }
    if joined.chars().count() > 120 {
        joined = joined.chars().take(117).collect::<String>() + "...";
    }
    joined
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(code: i64, chain: Vec<ApiMessage>) -> ApiMessage {
        ApiMessage {
            code,
            message: format!("m{code}"),
            error_chain: chain,
        }
    }

    #[test]
    fn classifies_by_status_before_code() {
        assert_eq!(Class::of(429, &[msg(81058, vec![])]), Class::RateLimit);
        assert_eq!(Class::of(502, &[]), Class::Server);
        assert_eq!(Class::of(400, &[msg(81053, vec![])]), Class::Conflict);
        assert_eq!(
            Class::of(400, &[msg(1004, vec![msg(9300, vec![])])]),
            Class::Quota
        );
        assert_eq!(
            Class::of(400, &[msg(1004, vec![msg(9007, vec![])])]),
            Class::InvalidInput
        );
        // 1001 is "invalid zone identifier" only as a 404; on verify it is a header problem.
        assert_eq!(Class::of(404, &[msg(1001, vec![])]), Class::NotFound);
        assert_eq!(Class::of(400, &[msg(1001, vec![])]), Class::Other);
    }

    #[test]
    fn summary_shows_the_innermost_cause() {
        let f = ApiFailure {
            status: 400,
            method: "POST".into(),
            path: "/x".into(),
            errors: vec![msg(1004, vec![msg(9007, vec![])])],
        };
        assert_eq!(f.summary(), "9007 m9007 (in 1004 m1004)");
        assert_eq!(f.innermost().map(|m| m.code), Some(9007));
    }

    #[test]
    fn an_unresolvable_host_reads_without_a_debug_dump() {
        // The chain reqwest and hickory give for a name with no address (as seen with a token
        // and no network).
        let detail = "error sending request for url (https://api.cloudflare.com/client/v4/zones?name=example.com): client error (Connect): dns error: proto error: no records found for Query { name: Name(\"api.cloudflare.com.\"), query_type: AAAA, query_class: IN }";
        let e = Error::Transport {
            method: "GET".into(),
            path: "/zones".into(),
            kind: TransportKind::Connect,
            detail: detail.into(),
        };
        let text = e.to_string();
        assert!(!text.contains(['{', '}']), "{text}");
        assert!(!text.contains("Name("), "{text}");
        assert!(
            text.contains("no address found for api.cloudflare.com"),
            "{text}"
        );
        assert!(
            text.starts_with("GET /zones: could not connect: "),
            "{text}"
        );
        let other = without_debug("io error: Custom { kind: Other, error: \"x\" }: broken pipe");
        assert!(!other.contains(['{', '}']), "{other}");
        assert!(other.ends_with("broken pipe"), "{other}");
    }

    #[test]
    fn html_bodies_become_http_errors_with_a_snippet() {
        let body = b"<html><head><title>500 Internal Server Error</title></head>\n<body>oops</body></html>";
        match from_response("GET", "/zones", 500, body) {
            Error::Http {
                status, snippet, ..
            } => {
                assert_eq!(status, 500);
                assert_eq!(snippet, "500 Internal Server Error oops");
            }
            other => panic!("unexpected {other:?}"),
        }
        match from_response("GET", "/zones", 502, b"") {
            Error::Http { snippet, .. } => assert_eq!(snippet, "(empty body)"),
            other => panic!("unexpected {other:?}"),
        }
    }
}
