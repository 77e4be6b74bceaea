//! The plan: what has to change in a zone so that it holds what the manifest asks for.
//!
//! Everything here is pure. [`diff`] takes a [`Desired`] (a validated manifest) and a [`Live`]
//! (the records a zone holds, from Cloudflare or the sandbox) and returns a [`ZonePlan`]; nothing
//! here knows about HTTP, YAML or GitHub, so every rule is tested with plain values.
//!
//! Ownership follows the ownership rules in the README: a record belongs to `owner` when its
//! Cloudflare comment is exactly `edgeplan:<owner>` or starts with `edgeplan:<owner> | `.

use std::path::PathBuf;

mod batches;
mod diff;
pub(crate) mod normalise;
pub mod owner;
pub(crate) mod record;
pub(crate) mod review;
mod safety;
#[cfg(test)]
pub(crate) mod test_support;
#[cfg(test)]
mod tests;
pub mod verdict;
mod warning;
pub(crate) mod wire;

pub use batches::{Batch, Writes, to_batches};
pub use diff::diff;
pub use record::{Record, RecordData, RecordType, Stored};
pub(crate) use review::{Pair, REVIEW_VERSION};
pub(crate) use safety::MassDelete;
pub use safety::check_safety;
pub(crate) use warning::{Warning, hidden, note_excerpt};

/// A validated manifest: what one owner wants in one zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Desired {
    /// The manifest file as the user named it (used in messages and annotations).
    pub source: PathBuf,
    /// The zone apex, lower case, no trailing dot, Punycode.
    pub zone: String,
    /// `zone_id` from the manifest, when given: skips the lookup, must belong to `zone`.
    pub zone_id: Option<String>,
    /// The owner name of the ownership marker (`edgeplan:<owner>`).
    pub owner: String,
    /// Owners whose records this manifest takes over (`previous_owners`, a renamed owner): their
    /// records count as `owner`'s for every rule.
    pub previous_owners: Vec<PreviousOwner>,
    /// The endpoints in manifest order.
    pub endpoints: Vec<Endpoint>,
}

/// An owner a manifest takes over from (an entry of `previous_owners`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreviousOwner {
    pub name: String,
    /// 1-based line of the entry in the manifest, for messages.
    pub line: usize,
}

/// One model endpoint: a proxied (or not) CNAME from `name` to `target`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// Fully qualified name, lower case, no trailing dot, Punycode.
    pub name: String,
    /// CNAME content: a hostname, lower case, no trailing dot.
    pub target: String,
    pub proxied: bool,
    /// 1 means automatic; always 1 when `proxied`.
    pub ttl: u32,
    /// The user's comment, without the ownership marker.
    pub comment: Option<String>,
    /// Take over an existing record that nobody owns.
    pub adopt: bool,
    /// Origin probe before apply.
    pub health: Option<Health>,
    /// 1-based line of the endpoint's `name` in the manifest, for messages and annotations.
    pub line: usize,
}

/// Where to probe an origin before pointing a name at it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Health {
    /// A path, probed at `https://<target><path>`.
    Path(String),
    /// A full `https://` URL (or `http://` on loopback, for tests).
    Url(String),
}

/// A zone as the provider describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Zone {
    pub id: String,
    /// The apex, lower case.
    pub name: String,
    /// Most records one batch request may carry (Free 200, paid 3,500).
    pub batch_limit: usize,
    /// Longest record comment the zone accepts (Free 100, paid 500).
    pub comment_limit: usize,
}

/// The live side of a diff: a zone and every record in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Live {
    pub zone: Zone,
    pub records: Vec<Stored>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Action {
    Create,
    Update,
    Delete,
}

/// One change to one record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub action: Action,
    /// FQDN.
    pub name: String,
    /// Record type: `CNAME` for creates and updates; whatever is deleted for deletes.
    pub kind: RecordType,
    /// The id of the existing record (update, delete); `None` for a create.
    pub id: Option<String>,
    pub before: Option<RecordData>,
    pub after: Option<RecordData>,
}

/// Who holds a name that the manifest wants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Holder {
    /// A record without an edgeplan marker.
    Unowned,
    /// A record marked `edgeplan:<other>`.
    Owner(String),
}

/// A desired name that a record edgeplan may not touch already holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    /// The endpoint's FQDN.
    pub name: String,
    /// The manifest line of the endpoint.
    pub line: usize,
    /// The record in the way.
    pub record: Stored,
    pub holder: Holder,
    /// Every record of the other owner in the zone is at a name this manifest wants: likely a
    /// renamed owner, so the help names `previous_owners`.
    pub rename_likely: bool,
}

/// The plan for one zone and one owner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZonePlan {
    pub source: PathBuf,
    pub zone: Zone,
    pub owner: String,
    /// The manifest's `previous_owners`: records marked with one of them count as `owner`'s.
    pub previous_owners: Vec<String>,
    /// Sorted: deletes, then updates, then creates; by name, then type, within each.
    pub changes: Vec<Change>,
    /// Owned records that already match.
    pub unchanged: usize,
    /// Records this owner (or one of its previous owners) holds in the zone before the change.
    pub owned: usize,
    /// Records in the zone this owner does not manage: not owned by it and not touched by this
    /// plan (an adopted record is touched). What edgeplan leaves alone; outside the fingerprint.
    pub unmanaged: usize,
    /// The names the manifest's endpoints hold after the plan (those without a conflict). A
    /// delete at one of them repairs the name (a duplicate, a record replaced by the CNAME)
    /// rather than removing an endpoint, so the safety limit does not count it.
    pub wanted: std::collections::BTreeSet<String>,
    pub conflicts: Vec<Conflict>,
    /// Endpoints whose record comment (marker included) is longer than this zone accepts:
    /// Cloudflare would refuse the write, so the plan is refused with them.
    pub long_comments: Vec<LongComment>,
    /// Advice that does not block the plan.
    pub warnings: Vec<Warning>,
}

/// An endpoint whose comment, with its ownership marker, is longer than its zone accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LongComment {
    /// The endpoint's FQDN.
    pub name: String,
    /// The manifest line of the endpoint.
    pub line: usize,
    /// Characters of the record comment, marker included.
    pub length: usize,
    /// The zone's limit (Free 100, paid 500).
    pub limit: usize,
}

impl LongComment {
    pub(crate) fn message(&self) -> String {
        format!(
            "{}: the record comment with its ownership marker is {} characters; this zone accepts at most {} (Free plans 100, paid 500), so Cloudflare would refuse it",
            self.name, self.length, self.limit
        )
    }

    pub(crate) fn help(&self) -> String {
        format!(
            "shorten the endpoint's comment by {} characters or more",
            self.length - self.limit
        )
    }
}

/// The plan for every manifest given.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Plan {
    pub zones: Vec<ZonePlan>,
}

/// Something that refuses a zone's plan at a manifest line, as every presenter shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LineRefusal {
    pub line: usize,
    /// A short title (`conflict`, `comment too long for the zone`).
    pub title: &'static str,
    pub message: String,
    pub help: String,
}

impl ZonePlan {
    /// Whether a record with this comment counts as this plan's own: marked with its owner or
    /// one of its previous owners.
    pub(crate) fn owns(&self, comment: Option<&str>) -> bool {
        owner::is_owned_by_any(comment, &self.owner, &self.previous_owners)
    }

    /// The records taken over from each previous owner (updates of a record marked with it, which
    /// rewrite the marker), by owner name; owners with none left out.
    pub(crate) fn transfers(&self) -> Vec<(&str, usize)> {
        let mut out: Vec<(&str, usize)> = Vec::new();
        for c in self.changes.iter().filter(|c| c.action == Action::Update) {
            let comment = c.before.as_ref().and_then(|b| b.comment.as_deref());
            let Some(from) = owner::owner_of(comment) else {
                continue;
            };
            if !self.previous_owners.iter().any(|p| p == from) {
                continue;
            }
            match out.iter_mut().find(|(o, _)| *o == from) {
                Some((_, n)) => *n += 1,
                None => out.push((from, 1)),
            }
        }
        out.sort_unstable();
        out
    }

    /// What refuses this plan at a manifest line: its conflicts, then its comments too long for
    /// the zone.
    pub(crate) fn line_refusals(&self) -> Vec<LineRefusal> {
        let conflicts = self.conflicts.iter().map(|c| LineRefusal {
            line: c.line,
            title: "conflict",
            message: c.message(),
            help: c.help(),
        });
        let long = self.long_comments.iter().map(|l| LineRefusal {
            line: l.line,
            title: "comment too long for the zone",
            message: l.message(),
            help: l.help(),
        });
        conflicts.chain(long).collect()
    }

    /// The names the plan creates a record at.
    pub(crate) fn created_names(&self) -> std::collections::HashSet<&str> {
        self.changes
            .iter()
            .filter(|c| c.action == Action::Create)
            .map(|c| c.name.as_str())
            .collect()
    }

    /// How many changes of one kind the plan holds.
    pub(crate) fn count(&self, action: Action) -> usize {
        self.changes.iter().filter(|c| c.action == action).count()
    }
}

impl Plan {
    /// Whether any zone has a change to apply.
    pub fn has_changes(&self) -> bool {
        self.zones.iter().any(|z| !z.changes.is_empty())
    }

    /// `sha256:<hex>` of the canonical plan JSON (the plan JSON without its `fingerprint` field):
    /// ties a preview shown on a pull request to what is applied on merge.
    pub(crate) fn fingerprint(&self) -> String {
        wire::fingerprint(self)
    }
}
