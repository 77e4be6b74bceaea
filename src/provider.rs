//! Where live zones come from and where changes go: Cloudflare or the local sandbox.
//!
//! The two implementations are `cloudflare::CloudflareClient` and `sandbox::Sandbox` (they import
//! this module, not the other way round). Commands are generic over [`Provider`], so `plan` and
//! `apply` run the same code against both. A batch is one transaction (Cloudflare's `POST
//! /zones/{id}/dns_records/batch`): deletes, then puts, then posts, all or nothing.
//! <https://developers.cloudflare.com/dns/manage-dns-records/how-to/batch-record-changes/>

use std::future::Future;
use std::time::Duration;

use crate::plan::Zone;
pub use crate::plan::{Batch, Record, Stored};

/// The error a provider failure came from (a Cloudflare client error, a sandbox file's
/// [`std::io::Error`]), kept for callers that match on it (`cloudflare::cause` downcasts it).
pub(crate) type Source = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Whether a zone id can be sent as one path segment (ASCII letters, digits and `-`): only such
/// an id is ever put in a request; the API judges the rest (Cloudflare: 7003 for a malformed id).
pub(crate) fn is_sendable_zone_id(id: &str) -> bool {
    !id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
}

/// A provider failure, classified the way the exit codes need it (the contract in README,
/// Commands).
///
/// `Display` is the message alone: the source it was explained from is not repeated.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The request was understood and refused on its merits: a rule, a conflict, a stale or
    /// unknown zone, a quota. Retrying the same thing will not help. Exit code 1.
    #[error("{message}")]
    Rejected {
        message: String,
        help: Option<String>,
        source: Option<Source>,
    },
    /// The API could not be used: network, authentication, permissions, 5xx or 429 after the
    /// retry budget. Exit code 3.
    #[error("{message}")]
    Api {
        message: String,
        help: Option<String>,
        source: Option<Source>,
    },
    /// A write was sent and no answer came back: it may or may not have landed. The caller must
    /// re-read the zone and re-plan; the write is never resent blindly.
    #[error("{message}")]
    UnknownOutcome {
        message: String,
        source: Option<Source>,
    },
    /// A write was answered with a server error (a 5xx, after the client's own retries), which
    /// does not say whether it was processed: a proxy may answer so after the commit. The caller
    /// reads the zone again to tell, and may send again what did not land. Exit code 3.
    #[error("{message}")]
    Server {
        message: String,
        help: Option<String>,
        source: Option<Source>,
    },
}

impl Error {
    pub fn help(&self) -> Option<&str> {
        match self {
            Error::Rejected { help, .. } | Error::Api { help, .. } | Error::Server { help, .. } => {
                help.as_deref()
            }
            Error::UnknownOutcome { .. } => None,
        }
    }

    /// The failure to report when several reads failed at once: an API failure before a
    /// refusal (exit 3 wins over 1, as for an apply across zones), the first in order among
    /// equals, its message saying how many others failed.
    pub(crate) fn worst(errors: Vec<Error>) -> Option<Error> {
        let others = errors.len().saturating_sub(1);
        let api = |e: &Error| !matches!(e, Error::Rejected { .. });
        let at = errors.iter().position(api).unwrap_or(0);
        let mut worst = errors.into_iter().nth(at)?;
        if others > 0 {
            let (Error::Rejected { message, .. }
            | Error::Api { message, .. }
            | Error::UnknownOutcome { message, .. }
            | Error::Server { message, .. }) = &mut worst;
            message.push_str(&format!(
                " (and {others} other zone{} could not be read)",
                if others == 1 { "" } else { "s" }
            ));
        }
        Some(worst)
    }

    /// The same failure, carrying the error it was explained from.
    pub(crate) fn with_source(mut self, cause: impl Into<Source>) -> Error {
        let (Error::Rejected { source, .. }
        | Error::Api { source, .. }
        | Error::UnknownOutcome { source, .. }
        | Error::Server { source, .. }) = &mut self;
        *source = Some(cause.into());
        self
    }
}

/// A source of live zones and a sink for batches.
pub trait Provider {
    /// Finds the zone named `name`; with `id`, checks that the zone with that id is `name`.
    fn zone(&self, name: &str, id: Option<&str>) -> impl Future<Output = Result<Zone, Error>>;

    /// Told, before the zones are read, the names about to be looked up (manifests without
    /// `zone_id`), so that a provider can find them all at once. The default does nothing: each
    /// [`Provider::zone`] call looks its name up.
    fn expect_zones(&self, names: &[&str]) -> impl Future<Output = ()> {
        let _ = names;
        std::future::ready(())
    }

    /// Every record in the zone, normalised (see [`crate::plan::normalise`]).
    fn records(&self, zone: &Zone) -> impl Future<Output = Result<Vec<Stored>, Error>>;

    /// Applies one batch atomically. At most `zone.batch_limit` records.
    fn batch(&self, zone: &Zone, batch: &Batch) -> impl Future<Output = Result<(), Error>>;

    /// How long an apply may keep sending a zone's batch again after failures that the zone,
    /// read again, shows did not land (`EDGEPLAN_RETRY_BUDGET_MS` for Cloudflare).
    fn retry_budget(&self) -> Duration {
        Duration::from_secs(120)
    }
}

#[cfg(test)]
mod worst_tests {
    use super::*;

    fn rejected(m: &str) -> Error {
        Error::Rejected {
            message: m.into(),
            help: None,
            source: None,
        }
    }

    #[test]
    fn an_api_failure_outranks_a_refusal_and_the_others_are_counted() {
        let api = Error::Api {
            message: "zone z050: HTTP 503".into(),
            help: None,
            source: None,
        };
        let worst =
            Error::worst(vec![rejected("zone z002: not found"), api, rejected("x")]).expect("one");
        assert!(matches!(worst, Error::Api { .. }), "{worst}");
        assert_eq!(
            worst.to_string(),
            "zone z050: HTTP 503 (and 2 other zones could not be read)"
        );
        assert_eq!(
            Error::worst(vec![rejected("only")]).map(|e| e.to_string()),
            Some("only".to_string())
        );
        assert!(Error::worst(Vec::new()).is_none());
    }
}
