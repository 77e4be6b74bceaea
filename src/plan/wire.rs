//! The plan's wire form: the zones of the plan JSON (version 1, docs/plan-json.md), and the
//! fingerprint, which is the SHA-256 of the canonical form of that JSON.
//!
//! Types of their own, separate from the plan's, so that refactoring the internals never changes
//! what scripts read. Field order is declaration order and zones and changes are sorted, so the
//! same plan gives byte-identical JSON. The renderer (`render::json`) adds the `fingerprint` and
//! the origin probes (`health`) around these zones; neither is part of the canonical form, and
//! neither is a zone's `unmanaged` count (the canonical zones leave it out).

use serde::Serialize;
use sha2::{Digest, Sha256};

use super::{Action, Change, Conflict, Holder, Plan, RecordData, ZonePlan};

/// The version of the plan JSON; bumped only for a breaking change (fields may be added freely).
pub(crate) const VERSION: u32 = 1;

/// The canonical document: what the fingerprint hashes.
#[derive(Serialize)]
struct CanonicalPlan<'a> {
    version: u32,
    has_changes: bool,
    zones: Vec<ZoneJson<'a>>,
}

#[derive(Serialize, Clone)]
pub(crate) struct ZoneJson<'a> {
    zone: &'a str,
    zone_id: &'a str,
    owner: &'a str,
    manifest: String,
    summary: Summary,
    changes: Vec<ChangeJson<'a>>,
    conflicts: Vec<ConflictJson<'a>>,
    /// Endpoint comments longer than this zone accepts (with the ownership marker): each one
    /// refuses the plan at its manifest line. Part of the canonical form (the manifest and the
    /// zone decide it), absent when empty, so plans without one keep their fingerprint.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    long_comments: Vec<LongCommentJson<'a>>,
    warnings: Vec<String>,
    /// Records taken over from each previous owner (`previous_owners`, a renamed owner): updates
    /// that rewrite the marker. Absent when empty, so plans without one keep their fingerprint.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    transfers: Vec<TransferJson<'a>>,
    /// Records in the zone this owner does not manage (not owned, not touched by the plan). Not
    /// part of the canonical form (absent there), so an unrelated edit elsewhere in the zone
    /// leaves the fingerprint alone.
    #[serde(skip_serializing_if = "Option::is_none")]
    unmanaged: Option<usize>,
}

#[derive(Serialize, Clone)]
pub(crate) struct Summary {
    create: usize,
    update: usize,
    delete: usize,
    unchanged: usize,
    conflicts: usize,
}

#[derive(Serialize, Clone)]
pub(crate) struct ChangeJson<'a> {
    action: &'static str,
    name: &'a str,
    #[serde(rename = "type")]
    kind: &'a str,
    id: Option<&'a str>,
    before: Option<DataJson<'a>>,
    after: Option<DataJson<'a>>,
}

/// A record's data, as the plan JSON and the reviewed plan's digest both write it.
#[derive(Serialize, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct DataJson<'a> {
    content: &'a str,
    proxied: bool,
    ttl: u32,
    comment: Option<&'a str>,
}

#[derive(Serialize, Clone)]
pub(crate) struct ConflictJson<'a> {
    name: &'a str,
    line: usize,
    /// `null` for a record nobody owns, else the other owner's name.
    owner: Option<&'a str>,
    record: RecordJson<'a>,
    message: String,
    help: String,
}

#[derive(Serialize, Clone)]
pub(crate) struct TransferJson<'a> {
    /// The previous owner.
    from: &'a str,
    /// Its records this plan takes over.
    records: usize,
}

#[derive(Serialize, Clone)]
pub(crate) struct LongCommentJson<'a> {
    name: &'a str,
    line: usize,
    /// Characters in the record comment edgeplan would write (marker included).
    length: usize,
    /// The most this zone accepts.
    limit: usize,
    message: String,
    help: String,
}

#[derive(Serialize, Clone)]
pub(crate) struct RecordJson<'a> {
    id: &'a str,
    #[serde(rename = "type")]
    kind: &'a str,
    content: &'a str,
    comment: Option<&'a str>,
}

/// The zones of the plan JSON, sorted by zone and owner, with each zone's `unmanaged` count.
pub(crate) fn zones(plan: &Plan) -> Vec<ZoneJson<'_>> {
    sorted(plan).map(|z| zone(z, true)).collect()
}

fn sorted(plan: &Plan) -> impl Iterator<Item = &ZonePlan> {
    let mut zones: Vec<&ZonePlan> = plan.zones.iter().collect();
    zones.sort_by(|a, b| (&a.zone.name, &a.owner).cmp(&(&b.zone.name, &b.owner)));
    zones.into_iter()
}

/// The canonical plan JSON: the plan JSON without `fingerprint`, `health`, `verdict` and each
/// zone's `unmanaged`, keys sorted at every level, compact, non-ASCII left as UTF-8. What the
/// fingerprint hashes; anyone can recompute it, e.g.
/// `jq -cS 'del(.fingerprint, .health, .verdict, .zones[].unmanaged)' plan.json | tr -d '\n' | sha256sum`.
pub(crate) fn canonical(plan: &Plan) -> String {
    let doc = CanonicalPlan {
        version: VERSION,
        has_changes: plan.has_changes(),
        zones: sorted(plan).map(|z| zone(z, false)).collect(),
    };
    // NOTE: serialising these plain structs cannot fail (no maps with non-string keys, no
    // custom serialisers), so `unwrap_or_default` never hides anything.
    let mut value = serde_json::to_value(&doc).unwrap_or_default();
    value.sort_all_objects();
    serde_json::to_string(&value).unwrap_or_default()
}

/// `sha256:<hex>` of [`canonical`].
pub(crate) fn fingerprint(plan: &Plan) -> String {
    sha256(&canonical(plan))
}

/// `sha256:<64 lowercase hex>` of `text`: the form of the fingerprint and the review digest.
pub(super) fn sha256(text: &str) -> String {
    let hash = Sha256::digest(text.as_bytes());
    let mut hex = String::with_capacity(7 + 64);
    hex.push_str("sha256:");
    for b in hash {
        hex.push_str(&format!("{b:02x}"));
    }
    hex
}

fn zone(z: &ZonePlan, with_unmanaged: bool) -> ZoneJson<'_> {
    ZoneJson {
        zone: &z.zone.name,
        zone_id: &z.zone.id,
        owner: &z.owner,
        // Forward slashes whatever the platform, so the fingerprint does not depend on it.
        manifest: z.source.to_string_lossy().replace('\\', "/"),
        summary: Summary {
            create: z.count(Action::Create),
            update: z.count(Action::Update),
            delete: z.count(Action::Delete),
            unchanged: z.unchanged,
            conflicts: z.conflicts.len(),
        },
        changes: z.changes.iter().map(change).collect(),
        conflicts: z.conflicts.iter().map(conflict).collect(),
        long_comments: z
            .long_comments
            .iter()
            .map(|l| LongCommentJson {
                name: &l.name,
                line: l.line,
                length: l.length,
                limit: l.limit,
                message: l.message(),
                help: l.help(),
            })
            .collect(),
        warnings: z.warnings.iter().map(ToString::to_string).collect(),
        transfers: z
            .transfers()
            .into_iter()
            .map(|(from, records)| TransferJson { from, records })
            .collect(),
        unmanaged: with_unmanaged.then_some(z.unmanaged),
    }
}

/// The word for an action, as the JSON and the Markdown table spell it.
pub(crate) fn action_name(action: Action) -> &'static str {
    match action {
        Action::Create => "create",
        Action::Update => "update",
        Action::Delete => "delete",
    }
}

fn change(c: &Change) -> ChangeJson<'_> {
    ChangeJson {
        action: action_name(c.action),
        name: &c.name,
        kind: c.kind.as_str(),
        id: c.id.as_deref(),
        before: c.before.as_ref().map(data),
        after: c.after.as_ref().map(data),
    }
}

pub(super) fn data(d: &RecordData) -> DataJson<'_> {
    DataJson {
        content: &d.content,
        proxied: d.proxied,
        ttl: d.ttl,
        comment: d.comment.as_deref(),
    }
}

fn conflict(c: &Conflict) -> ConflictJson<'_> {
    ConflictJson {
        name: &c.name,
        line: c.line,
        owner: match &c.holder {
            Holder::Unowned => None,
            Holder::Owner(o) => Some(o),
        },
        record: RecordJson {
            id: &c.record.id,
            kind: c.record.kind.as_str(),
            content: &c.record.data.content,
            comment: c.record.data.comment.as_deref(),
        },
        message: c.message(),
        help: c.help(),
    }
}
