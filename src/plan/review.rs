//! The reviewed plan's digest: what a pull request's preview promised, per (zone, owner), in a
//! form an apply can compare before it writes (DESIGN section 6, "The reviewed plan, or
//! nothing").
//!
//! The digest covers what the merge would write and what blocks it, as data: the zone, its id,
//! the owner, each change (action, name, type, record id, before, after), each conflict (name,
//! record id, type, holder) and each comment over the zone's limit (name, length, limit). It
//! leaves out what depends on where and how the plan was read or worded: the manifest's path,
//! line numbers, counts, warnings, messages, origin probes, the records left alone and the
//! mass-delete decision (those are decided again at apply, from the apply's own inputs). So a
//! moved line, a renamed manifest or a new edgeplan wording keeps the digest; a different target,
//! another record id or a new conflict changes it.
//!
//! Unlike the plan fingerprint (`wire::fingerprint`, which hashes the whole plan JSON), the
//! digest is versioned on its own ([`REVIEW_VERSION`]): the preview's marker carries `v=`, and
//! an apply refuses a digest of another version rather than compare unlike things.
//!
//! The canonical form is JSON with fixed field order and sorted lists, hashed with SHA-256.

use serde::Serialize;

use super::wire::{DataJson, action_name, data, sha256};
use super::{Change, Conflict, Holder, LongComment, ZonePlan};

/// The version of the digest's canonical form; bumped whenever what it covers changes.
pub(crate) const REVIEW_VERSION: u32 = 1;

/// One (zone, owner) pair and the digest of its plan.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct Pair {
    pub zone: String,
    pub owner: String,
    /// `sha256:<64 lowercase hex>`.
    pub digest: String,
}

/// The digest of one zone plan.
pub(crate) fn pair(zp: &ZonePlan) -> Pair {
    Pair {
        zone: zp.zone.name.clone(),
        owner: zp.owner.clone(),
        digest: sha256(&canonical(zp)),
    }
}

#[derive(Serialize)]
struct CanonicalReview<'a> {
    version: u32,
    zone: &'a str,
    zone_id: &'a str,
    owner: &'a str,
    changes: Vec<ChangeForm<'a>>,
    conflicts: Vec<ConflictForm<'a>>,
    long_comments: Vec<LongForm<'a>>,
}

#[derive(Serialize, PartialEq, Eq, PartialOrd, Ord)]
struct ChangeForm<'a> {
    name: &'a str,
    kind: &'a str,
    action: &'static str,
    id: Option<&'a str>,
    before: Option<DataJson<'a>>,
    after: Option<DataJson<'a>>,
}

#[derive(Serialize, PartialEq, Eq, PartialOrd, Ord)]
struct ConflictForm<'a> {
    name: &'a str,
    id: &'a str,
    kind: &'a str,
    /// `null` for a record nobody owns, else the other owner.
    holder: Option<&'a str>,
}

#[derive(Serialize, PartialEq, Eq, PartialOrd, Ord)]
struct LongForm<'a> {
    name: &'a str,
    length: usize,
    limit: usize,
}

/// The canonical form the digest hashes: compact JSON, fields in declaration order, lists sorted.
fn canonical(zp: &ZonePlan) -> String {
    let mut changes: Vec<ChangeForm<'_>> = zp.changes.iter().map(change).collect();
    changes.sort();
    let mut conflicts: Vec<ConflictForm<'_>> = zp.conflicts.iter().map(conflict).collect();
    conflicts.sort();
    let mut long_comments: Vec<LongForm<'_>> = zp.long_comments.iter().map(long).collect();
    long_comments.sort();
    let doc = CanonicalReview {
        version: REVIEW_VERSION,
        zone: &zp.zone.name,
        zone_id: &zp.zone.id,
        owner: &zp.owner,
        changes,
        conflicts,
        long_comments,
    };
    // NOTE: plain structs of strings, numbers and booleans: serialising cannot fail.
    serde_json::to_string(&doc).unwrap_or_default()
}

fn change(c: &Change) -> ChangeForm<'_> {
    ChangeForm {
        name: &c.name,
        kind: c.kind.as_str(),
        action: action_name(c.action),
        id: c.id.as_deref(),
        before: c.before.as_ref().map(data),
        after: c.after.as_ref().map(data),
    }
}

fn conflict(c: &Conflict) -> ConflictForm<'_> {
    ConflictForm {
        name: &c.name,
        id: &c.record.id,
        kind: c.record.kind.as_str(),
        holder: match &c.holder {
            Holder::Unowned => None,
            Holder::Owner(o) => Some(o),
        },
    }
}

fn long(l: &LongComment) -> LongForm<'_> {
    LongForm {
        name: &l.name,
        length: l.length,
        limit: l.limit,
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::plan::test_support::{change_delete, record, zone_plan};
    use crate::plan::{Action, Holder, RecordData, RecordType};

    fn create(label: &str, target: &str) -> Change {
        Change {
            action: Action::Create,
            name: format!("{label}.example.com"),
            kind: RecordType::Cname,
            id: None,
            before: None,
            after: Some(RecordData {
                content: target.into(),
                proxied: true,
                ttl: 1,
                comment: Some("edgeplan:ml".into()),
            }),
        }
    }

    fn reviewed() -> ZonePlan {
        let mut zp = zone_plan(3);
        zp.changes = vec![
            change_delete("old", Some("edgeplan:ml")),
            create("api", "api.origin.example.net"),
        ];
        zp.conflicts = vec![Conflict {
            name: "taken.example.com".into(),
            line: 12,
            record: record("id-taken", "taken.example.com", "CNAME", "x.net", None),
            holder: Holder::Unowned,
            rename_likely: false,
        }];
        zp.long_comments = vec![LongComment {
            name: "long.example.com".into(),
            line: 20,
            length: 130,
            limit: 100,
        }];
        zp
    }

    #[test]
    fn the_attribute_names_the_pair_and_its_digest() {
        let p = pair(&reviewed());
        assert_eq!(p.zone, "example.com");
        assert_eq!(p.owner, "ml");
        let hex = p.digest.strip_prefix("sha256:").expect("prefix");
        assert_eq!(hex.len(), 64);
        assert!(
            hex.bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
        );
    }

    /// The canonical form is a contract between a preview and a later apply, possibly of another
    /// edgeplan build: it writes a record's data with the plan JSON's form (`wire::data`), so a
    /// change there would change every digest. The value is pinned: when it changes, bump
    /// [`REVIEW_VERSION`] (an apply then refuses an older preview's digest by its version, with
    /// a clear reason, instead of as a different plan) and pin the new value.
    #[test]
    fn the_canonical_form_is_pinned() {
        assert_eq!(
            (REVIEW_VERSION, pair(&reviewed()).digest.as_str()),
            (
                1,
                "sha256:89e9c18193de989d13729b03a064a39700cf15fe94a46088f2276c2f7023103a"
            ),
            "the digest's canonical form changed: bump REVIEW_VERSION and pin the new value"
        );
    }

    /// What depends on where and how the plan was read, not on what merge writes, leaves the
    /// digest alone: otherwise a moved line or a renamed file would refuse an honest apply.
    #[test]
    fn paths_lines_counts_warnings_and_order_do_not_change_the_digest() {
        let base = pair(&reviewed());
        let mut zp = reviewed();
        zp.source = PathBuf::from("./dns/other.yaml");
        zp.conflicts[0].line = 99;
        zp.long_comments[0].line = 1;
        zp.unchanged = 40;
        zp.owned = 41;
        zp.unmanaged = 7;
        zp.warnings = vec![crate::plan::Warning::Platform {
            name: "api.example.com".into(),
            target: "x".into(),
            hint: "a hint in new words".into(),
        }];
        zp.wanted.insert("api.example.com".into());
        zp.changes.reverse();
        assert_eq!(pair(&zp), base);
    }

    /// Each thing merge would write, or that blocks it, is covered.
    #[test]
    fn what_merge_writes_or_what_blocks_it_changes_the_digest() {
        let base = pair(&reviewed()).digest;
        type Variant = (&'static str, Box<dyn Fn(&mut ZonePlan)>);
        let variants: Vec<Variant> = vec![
            (
                "target",
                Box::new(|z| {
                    z.changes[1].after.as_mut().expect("after").content = "evil.example.net".into()
                }),
            ),
            (
                "record id",
                Box::new(|z| z.changes[0].id = Some("id-other".into())),
            ),
            (
                "proxied",
                Box::new(|z| z.changes[1].after.as_mut().expect("after").proxied = false),
            ),
            (
                "ttl",
                Box::new(|z| z.changes[0].before.as_mut().expect("before").ttl = 300),
            ),
            (
                "comment",
                Box::new(|z| z.changes[1].after.as_mut().expect("after").comment = None),
            ),
            ("action", Box::new(|z| z.changes[0].action = Action::Update)),
            ("type", Box::new(|z| z.changes[0].kind = RecordType::A)),
            (
                "name",
                Box::new(|z| z.changes[1].name = "apj.example.com".into()),
            ),
            (
                "one change less",
                Box::new(|z| {
                    z.changes.pop();
                }),
            ),
            ("zone id", Box::new(|z| z.zone.id = "other".into())),
            ("zone", Box::new(|z| z.zone.name = "example.org".into())),
            ("owner", Box::new(|z| z.owner = "web".into())),
            (
                "conflict holder",
                Box::new(|z| z.conflicts[0].holder = Holder::Owner("web".into())),
            ),
            (
                "conflict record",
                Box::new(|z| z.conflicts[0].record.id = "id-2".into()),
            ),
            ("conflict gone", Box::new(|z| z.conflicts.clear())),
            (
                "comment length",
                Box::new(|z| z.long_comments[0].length = 131),
            ),
            (
                "comment limit",
                Box::new(|z| z.long_comments[0].limit = 500),
            ),
        ];
        let mut seen = std::collections::BTreeSet::from([base.clone()]);
        for (what, change) in variants {
            let mut zp = reviewed();
            change(&mut zp);
            let d = pair(&zp).digest;
            assert_ne!(d, base, "{what}");
            assert!(seen.insert(d), "{what}: the same digest as another variant");
        }
    }
}
