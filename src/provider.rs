//! Where live zones come from and where changes go: Cloudflare or the local sandbox.
//!
//! The two implementations are [`crate::cloudflare::Client`] and [`crate::sandbox::Sandbox`].
//! Commands are generic over [`Provider`], so `plan` and `apply` run the same code against both.
//! A batch is one transaction (Cloudflare's `POST /zones/{id}/dns_records/batch`): deletes, then
//! puts, then posts, all or nothing.
//! <https://developers.cloudflare.com/dns/manage-dns-records/how-to/batch-record-changes/>

use std::future::Future;

use crate::plan::{Record, Zone};

/// A record to write: the body of a batch `post` or `put`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRecord {
    pub name: String,
    pub kind: String,
    pub content: String,
    pub proxied: bool,
    pub ttl: u32,
    pub comment: Option<String>,
}

/// One atomic set of writes to one zone. Cloudflare applies deletes, then patches, then puts,
/// then posts; edgeplan uses no patches (a put carries the whole record, so nothing is left to
/// a default).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Batch {
    /// Record ids to delete.
    pub deletes: Vec<String>,
    /// `(id, record)`: overwrite the record with that id.
    pub puts: Vec<(String, NewRecord)>,
    /// New records.
    pub posts: Vec<NewRecord>,
}

impl Batch {
    pub fn len(&self) -> usize {
        self.deletes.len() + self.puts.len() + self.posts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A provider failure, classified the way the exit codes need it (the contract in README, Commands).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The request was understood and refused on its merits: a rule, a conflict, a stale or
    /// unknown zone, a quota. Retrying the same thing will not help. Exit code 1.
    #[error("{message}")]
    Rejected {
        message: String,
        help: Option<String>,
    },
    /// The API could not be used: network, authentication, permissions, 5xx or 429 after the
    /// retry budget. Exit code 3.
    #[error("{message}")]
    Api {
        message: String,
        help: Option<String>,
    },
    /// A write was sent and no answer came back: it may or may not have landed. The caller must
    /// re-read the zone and re-plan; the write is never resent blindly.
    #[error("{message}")]
    UnknownOutcome { message: String },
}

impl Error {
    pub fn help(&self) -> Option<&str> {
        match self {
            Error::Rejected { help, .. } | Error::Api { help, .. } => help.as_deref(),
            Error::UnknownOutcome { .. } => None,
        }
    }
}

/// A source of live zones and a sink for batches.
pub trait Provider {
    /// Finds the zone named `name`; with `id`, checks that the zone with that id is `name`.
    fn zone(&self, name: &str, id: Option<&str>) -> impl Future<Output = Result<Zone, Error>>;

    /// Every record in the zone, normalised (see [`crate::plan::Record`]).
    fn records(&self, zone: &Zone) -> impl Future<Output = Result<Vec<Record>, Error>>;

    /// Applies one batch atomically. At most `zone.batch_limit` records.
    fn batch(&self, zone: &Zone, batch: &Batch) -> impl Future<Output = Result<(), Error>>;
}
