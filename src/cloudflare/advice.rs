//! Turns Cloudflare failures into messages a person can act on, classified for the exit codes.
//!
//! The classification table is docs/cloudflare.md: conflicts, unknown
//! records, invalid input and quotas are `Rejected` (exit 1: retrying the same thing will not
//! help); permissions, malformed identifiers, rate limits, 5xx and the network are `Api` (exit 3).
//! Permission failures name the permission the operation needs and the zone, following
//! <https://developers.cloudflare.com/fundamentals/api/reference/permissions/>.

use super::error::{Class, Error, Gap, TransportKind};
use crate::provider;

/// The operation that failed, for the wording of the message.
#[derive(Debug, Clone, Copy)]
pub(super) enum Op<'a> {
    /// `GET /zones?name=`.
    FindZone { name: &'a str },
    /// `GET /zones/{id}`.
    ZoneById { name: &'a str, id: &'a str },
    /// `GET /zones/{id}/dns_records`.
    List { zone: &'a str },
    /// `POST /zones/{id}/dns_records/batch`.
    Batch { zone: &'a str },
    /// Anything else.
    Other,
}

impl Op<'_> {
    fn what(&self) -> String {
        match self {
            Op::FindZone { name } => format!("looking up zone {name}"),
            Op::ZoneById { name, id } => format!("reading zone {name} (zone_id {id})"),
            Op::List { zone } => format!("listing the records of zone {zone}"),
            Op::Batch { zone } => format!("applying changes to zone {zone}"),
            Op::Other => "calling Cloudflare".to_string(),
        }
    }

    /// The permission the operation needs, in the dashboard's words.
    fn permission(&self) -> &'static str {
        match self {
            Op::FindZone { .. } | Op::ZoneById { .. } => "Zone:Zone:Read",
            Op::List { .. } => "Zone:DNS:Read",
            Op::Batch { .. } => "Zone:DNS:Edit",
            Op::Other => "Zone:Zone:Read and Zone:DNS:Read (and Zone:DNS:Edit to apply)",
        }
    }

    fn zone(&self) -> Option<&str> {
        match self {
            Op::FindZone { name } | Op::ZoneById { name, .. } => Some(name),
            Op::List { zone } | Op::Batch { zone } => Some(zone),
            Op::Other => None,
        }
    }
}

const TOKENS_PAGE: &str = "https://dash.cloudflare.com/profile/api-tokens";

/// The provider error for `err` during `op`, carrying `err` as its source. `detail` adds what the
/// caller found out (the record holding a name, the token's status).
pub(super) fn explain(err: Error, op: Op<'_>, detail: Option<String>) -> provider::Error {
    explained(&err, op, detail).with_source(err)
}

fn explained(err: &Error, op: Op<'_>, detail: Option<String>) -> provider::Error {
    let what = op.what();
    let class = err.class();
    match err {
        Error::UnknownOutcome { method, path, kind } => provider::Error::UnknownOutcome {
            message: format!(
                "{what}: {method} {path} {kind} after it was sent; it may or may not have been \
                 applied, and it was not resent. Re-read the zone and plan again"
            ),
            source: None,
        },
        Error::Config(message) => provider::Error::Api {
            message: message.clone(),
            help: None,
            source: None,
        },
        Error::Api(failure) => api_failure(failure, class, op, detail),
        Error::RateLimited {
            retry_after, bound, ..
        } => rate_limited(&what, *retry_after, bound.as_deref()),
        Error::Http {
            status, snippet, ..
        } => match class {
            Class::RateLimit => rate_limited(&what, None, None),
            _ => server(&what, *status, snippet),
        },
        Error::Decode { detail: d, .. } => provider::Error::Api {
            message: format!("{what}: Cloudflare's answer has an unexpected shape: {d}"),
            help: Some("check CLOUDFLARE_BASE_URL points at the Cloudflare API v4".to_string()),
            source: None,
        },
        Error::Incomplete { gap, .. } => incomplete(&what, gap),
        Error::Transport {
            kind: TransportKind::TooLarge,
            detail: d,
            ..
        } => provider::Error::Api {
            message: format!("{what}: {d}"),
            help: Some(
                "no Cloudflare answer comes near that size (a 5,000-record page is about 1.5 MB): \
                 check that CLOUDFLARE_BASE_URL points at the Cloudflare API and that nothing \
                 between edgeplan and it (a proxy) alters its answers"
                    .to_string(),
            ),
            source: None,
        },
        Error::Transport {
            kind, detail: d, ..
        } => provider::Error::Api {
            message: format!("{what}: {kind}: {d}"),
            help: Some(
                "check network access to the Cloudflare API (CLOUDFLARE_BASE_URL, default \
                 https://api.cloudflare.com/client/v4); the retry budget \
                 (EDGEPLAN_RETRY_BUDGET_MS) was used up"
                    .to_string(),
            ),
            source: None,
        },
    }
}

/// The provider error for an error Cloudflare answered with, by its class.
fn api_failure(
    failure: &super::ApiFailure,
    class: Class,
    op: Op<'_>,
    detail: Option<String>,
) -> provider::Error {
    let what = op.what();
    let with = |message: String| match &detail {
        Some(d) => format!("{}. {d}", message.trim_end_matches('.')),
        None => message,
    };
    let summary = failure.summary();
    match class {
        Class::Permission => permission(failure, op, detail),
        Class::Conflict => provider::Error::Rejected {
            message: with(format!("{what}: Cloudflare refused: {summary}")),
            help: Some(
                "a record already holds the name; run `edgeplan plan` again to see \
                 the conflict, then remove that record or set `adopt: true` on the \
                 endpoint"
                    .to_string(),
            ),
            source: None,
        },
        Class::NotFound => match op {
            Op::ZoneById { id, .. } => provider::Error::Rejected {
                message: format!("{what}: no zone has id {id} ({summary})"),
                help: Some(
                    "the zone_id in the manifest is stale or wrong; copy it from the \
                     zone's Overview page or remove it to look the zone up by name"
                        .to_string(),
                ),
                source: None,
            },
            _ => provider::Error::Rejected {
                message: with(format!("{what}: a record no longer exists ({summary})")),
                help: Some(
                    "the zone changed since it was read; run the command again to \
                     re-plan against what is there now"
                        .to_string(),
                ),
                source: None,
            },
        },
        Class::BadIdentifier => provider::Error::Api {
            message: format!("{what}: an identifier is malformed ({summary})"),
            help: Some(match op {
                Op::ZoneById { .. } => "zone_id must be the zone's 32-character hex id \
                    (from the zone's Overview page), not its name; or remove zone_id"
                    .to_string(),
                _ => "this is a bug in edgeplan; please report it".to_string(),
            }),
            source: None,
        },
        Class::InvalidInput => provider::Error::Rejected {
            message: with(format!("{what}: Cloudflare rejected a record: {summary}")),
            help: Some(
                "`edgeplan validate` should have caught this; fix the endpoint and \
                 please report the manifest so validation learns the rule"
                    .to_string(),
            ),
            source: None,
        },
        Class::Quota => provider::Error::Rejected {
            message: with(format!("{what}: a Cloudflare quota was reached: {summary}")),
            help: Some(if failure.has_code(9300) {
                "record tags need a paid plan (at most 20 per record); remove the tags".to_string()
            } else {
                "the zone holds as many records as its plan allows (Free 1,000 or \
                 200, paid 3,500); delete unused records or upgrade the plan"
                    .to_string()
            }),
            source: None,
        },
        Class::RateLimit => rate_limited(&what, None, None),
        Class::Server => server(&what, failure.status, &summary),
        Class::Other => provider::Error::Api {
            message: with(format!("{what}: Cloudflare refused: {summary}")),
            help: None,
            source: None,
        },
    }
}

fn permission(failure: &super::ApiFailure, op: Op<'_>, detail: Option<String>) -> provider::Error {
    let what = op.what();
    let summary = failure.summary();
    let zone = op.zone().unwrap_or("the zone");
    let (message, help) = if failure.has_code(9106) {
        (
            format!("{what}: no credentials reached Cloudflare ({summary})"),
            "set CLOUDFLARE_API_TOKEN to an API token".to_string(),
        )
    } else if failure.has_code(6003) {
        (
            format!("{what}: Cloudflare cannot read the token ({summary})"),
            format!(
                "CLOUDFLARE_API_TOKEN must be an API token (40 characters), not a Global API Key; \
                 create one at {TOKENS_PAGE}"
            ),
        )
    } else if failure.has_code(1000) {
        (
            format!("{what}: Cloudflare says the token is invalid ({summary})"),
            format!("the token may be revoked or mistyped; create a new one at {TOKENS_PAGE}"),
        )
    } else if failure.has_code(9109) {
        // 9109 "Unauthorized to access requested resource" answers a token without the
        // permission group and an invalid access token alike.
        (
            format!(
                "{what}: the token is invalid, or lacks Zone:Read/DNS:Read on {zone} ({summary})"
            ),
            format!(
                "check that CLOUDFLARE_API_TOKEN holds the whole token and that it is active, \
                 then edit it at {TOKENS_PAGE}: plan needs Zone:Zone:Read and Zone:DNS:Read, \
                 apply also Zone:DNS:Edit, each for zone {zone} (the \"Edit zone DNS\" template \
                 lacks Zone:Zone:Read)"
            ),
        )
    } else {
        (
            format!(
                "{what}: the token lacks {} on {zone} ({summary})",
                op.permission()
            ),
            format!(
                "edit the token at {TOKENS_PAGE}: plan needs Zone:Zone:Read and Zone:DNS:Read, \
                 apply also Zone:DNS:Edit, each for zone {zone} (the \"Edit zone DNS\" template \
                 lacks Zone:Zone:Read)"
            ),
        )
    };
    provider::Error::Api {
        message: match detail {
            Some(d) => format!("{}. {d}", message.trim_end_matches('.')),
            None => message,
        },
        help: Some(help),
        source: None,
    }
}

/// A listing still incomplete (a short one when read again): Cloudflare answered, so the base URL is not in
/// doubt; what is, is the zone changing under the read (or something between edgeplan and
/// Cloudflare losing pages), or a zone larger than edgeplan reads.
fn incomplete(what: &str, gap: &Gap) -> provider::Error {
    let help = match gap {
        Gap::PageCap { cap, .. } => format!(
            "edgeplan follows at most {cap} pages of records (10 million records at 5,000 a page) and \
             plans nothing from part of a zone; if the server answers fewer records a page than \
             asked, check what sits between edgeplan and Cloudflare, else please report the zone's \
             size"
        ),
        Gap::Missing { .. } | Gap::Unread { .. } => {
            "Cloudflare's pages are not one snapshot: records added or deleted while they were \
             read (another apply, a person in the dashboard) leave gaps, and so does a proxy that \
             drops or cuts pages; run again once the zone is quiet. Nothing is planned from an \
             incomplete listing"
                .to_string()
        }
    };
    provider::Error::Api {
        message: format!("{what}: the listing is incomplete{}: {gap}", gap.reads()),
        help: Some(help),
        source: None,
    }
}

fn rate_limited(
    what: &str,
    retry_after: Option<std::time::Duration>,
    bound: Option<&crate::retry::RateBound>,
) -> provider::Error {
    let wait = match (bound, retry_after) {
        (Some(bound), _) => format!(": {bound}"),
        (None, Some(d)) => format!(" and asks to wait {} s", d.as_secs().max(1)),
        (None, None) => String::new(),
    };
    provider::Error::Api {
        message: format!("{what}: Cloudflare is rate limiting this token (HTTP 429){wait}"),
        help: Some(
            "Cloudflare allows 1,200 requests per 5 minutes per user for a user token (every \
             token, key and dashboard session of that user together; per token for an \
             account-owned token) and blocks all calls for 5 minutes beyond it; run again later, or raise EDGEPLAN_RATE_LIMIT_WAIT_MS to wait longer"
                .to_string(),
        ),
        source: None,
    }
}

fn server(what: &str, status: u16, detail: &str) -> provider::Error {
    provider::Error::Api {
        message: format!("{what}: Cloudflare failed with HTTP {status}: {detail}"),
        help: Some(
            "Cloudflare may be having trouble (https://www.cloudflarestatus.com); run again later"
                .to_string(),
        ),
        source: None,
    }
}

impl From<Error> for provider::Error {
    fn from(err: Error) -> provider::Error {
        explain(err, Op::Other, None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cloudflare::ApiFailure;
    use crate::cloudflare::wire::ApiMessage;

    /// The explained error keeps the Cloudflare error it came from, and prints only its message.
    #[test]
    fn the_explained_error_carries_the_cloudflare_error() {
        let failure = ApiFailure {
            status: 400,
            method: "POST".into(),
            path: "/zones/z/dns_records/batch".into(),
            errors: vec![ApiMessage {
                code: 81058,
                message: "An identical record already exists.".into(),
                error_chain: Vec::new(),
            }],
        };
        let err = explain(
            Error::Api(failure.clone()),
            Op::Batch {
                zone: "example.com",
            },
            None,
        );
        assert!(matches!(err, provider::Error::Rejected { .. }), "{err:?}");
        assert_eq!(
            crate::cloudflare::cause(&err)
                .and_then(Error::api)
                .map(|f| f.code()),
            Some(81058)
        );
        assert_eq!(
            err.to_string(),
            "applying changes to zone example.com: Cloudflare refused: 81058 An identical record already exists."
        );
        let io = provider::Error::Api {
            message: "m".into(),
            help: None,
            source: None,
        }
        .with_source(std::io::Error::other("disk"));
        assert!(crate::cloudflare::cause(&io).is_none());
        assert_eq!(io.to_string(), "m");
    }

    /// 9109 answers a token without the permission and an invalid access token alike: the
    /// advice says both.
    #[test]
    fn code_9109_says_invalid_or_lacking_zone_and_dns_read() {
        let failure = ApiFailure {
            status: 403,
            method: "GET".into(),
            path: "/zones".into(),
            errors: vec![ApiMessage {
                code: 9109,
                message: "Unauthorized to access requested resource".into(),
                error_chain: Vec::new(),
            }],
        };
        let err = explain(
            Error::Api(failure),
            Op::FindZone {
                name: "example.com",
            },
            None,
        );
        assert_eq!(
            err.to_string(),
            "looking up zone example.com: the token is invalid, or lacks Zone:Read/DNS:Read on \
             example.com (9109 Unauthorized to access requested resource)"
        );
        let provider::Error::Api {
            help: Some(help), ..
        } = &err
        else {
            panic!("{err:?}");
        };
        assert!(
            help.contains("active") && help.contains("Zone:Zone:Read"),
            "{help}"
        );
    }
}
