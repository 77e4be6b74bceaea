//! The diff: from a [`Desired`] and a [`Live`] zone to a sorted [`ZonePlan`].
//!
//! The rules are the ownership rules in the README. Per desired name, the records already there are
//! sorted into this owner's, other owners' and nobody's. Another owner's record is always a
//! conflict; an unowned one is a conflict unless the endpoint says `adopt: true`, in which case an
//! unowned CNAME is updated in place (it keeps its id and gains the marker) and unowned A/AAAA
//! records are deleted so the CNAME can be created in the same batch. Cloudflare runs a batch's
//! deletes before its posts, which is what makes that replacement legal
//! (<https://developers.cloudflare.com/dns/manage-dns-records/how-to/batch-record-changes/>). A
//! CNAME must be alone at its name, so any other record this owner holds there is deleted. Owned
//! records at names nobody wants any more are deleted. Records of the manifest's `previous_owners`
//! (a renamed owner) count as this owner's throughout; the update that takes one over rewrites its
//! marker (a transfer). The manifest is the only source of a record's note, so a kept or replaced
//! record whose note the endpoint's `comment` does not carry loses it, with a
//! [`Warning::NoteRemoved`] (DESIGN section 2).

use std::collections::{BTreeSet, HashMap, HashSet};

use super::normalise;
use super::owner::{is_owned_by_any, note_of, owner_of};
use super::{
    Action, Change, Conflict, Desired, Endpoint, Holder, Live, RecordType, Stored, Warning,
    ZonePlan,
};

/// Computes what has to change in `live` so that it holds what `desired` asks for.
///
/// Never touches a record that `desired.owner` does not own, except one an endpoint adopts.
/// Records of the manifest's `previous_owners` count as `desired.owner`'s (a renamed owner): they
/// are taken over where wanted (the marker rewritten) and deleted where not.
pub fn diff(desired: &Desired, live: &Live) -> ZonePlan {
    let owner = desired.owner.as_str();
    let previous: Vec<String> = desired
        .previous_owners
        .iter()
        .map(|p| p.name.clone())
        .collect();
    let mine = |comment: Option<&str>| is_owned_by_any(comment, owner, &previous);
    let mut records: Vec<Stored> = live
        .records
        .iter()
        .map(|s| normalise::stored(&s.id, &s.name, &s.kind, &s.data))
        .collect();
    // Sorted so that every choice below (which record to keep, warning order) is deterministic
    // whatever order the provider listed the zone in.
    records.sort_by(|a, b| (&a.name, &a.kind, &a.id).cmp(&(&b.name, &b.kind, &b.id)));
    let mut by_name: HashMap<&str, Vec<&Stored>> = HashMap::new();
    for r in &records {
        by_name.entry(r.name.as_str()).or_default().push(r);
    }

    let mut endpoints: Vec<&Endpoint> = desired.endpoints.iter().collect();
    endpoints.sort_by_cached_key(|e| (normalise::name(&e.name), e.line));

    let mut out = DiffBuilder::default();
    let mut wanted: HashSet<String> = HashSet::with_capacity(endpoints.len());
    // The wanted names planned without a conflict.
    let mut kept: BTreeSet<String> = BTreeSet::new();
    for e in endpoints {
        let fqdn = normalise::name(&e.name);
        if wanted.contains(&fqdn) {
            out.warnings.push(Warning::Duplicate {
                name: fqdn,
                line: e.line,
            });
            continue;
        }
        let here = by_name.get(fqdn.as_str()).map(Vec::as_slice).unwrap_or(&[]);
        let conflicts = out.conflicts.len();
        out.endpoint(e, &fqdn, here, owner, &mine, live.zone.comment_limit);
        if out.conflicts.len() == conflicts {
            kept.insert(fqdn.clone());
        }
        wanted.insert(fqdn);
    }

    let mut owned = 0;
    for r in &records {
        if !mine(r.data.comment.as_deref()) {
            continue;
        }
        owned += 1;
        if !wanted.contains(&r.name) {
            out.delete(r);
        }
    }

    let touched: HashSet<&str> = out.changes.iter().filter_map(|c| c.id.as_deref()).collect();
    let unmanaged = records
        .iter()
        .filter(|r| !mine(r.data.comment.as_deref()))
        .filter(|r| !touched.contains(r.id.as_str()))
        .count();

    // A conflict with another owner all of whose records in the zone are at names this manifest
    // wants looks like a renamed owner: its help names `previous_owners`.
    for c in &mut out.conflicts {
        if let Holder::Owner(other) = &c.holder {
            // Two teams wanting one name is the commoner case: one record is no sign of a rename.
            let held: Vec<_> = records
                .iter()
                .filter(|r| owner_of(r.data.comment.as_deref()) == Some(other.as_str()))
                .collect();
            c.rename_likely = held.len() >= 2 && held.iter().all(|r| wanted.contains(&r.name));
        }
    }

    out.changes.sort_by(|a, b| {
        (rank(a.action), &a.name, &a.kind, &a.id).cmp(&(rank(b.action), &b.name, &b.kind, &b.id))
    });
    out.conflicts.sort_by(|a, b| {
        (&a.name, &a.record.kind, &a.record.id).cmp(&(&b.name, &b.record.kind, &b.record.id))
    });
    ZonePlan {
        source: desired.source.clone(),
        zone: live.zone.clone(),
        owner: desired.owner.clone(),
        previous_owners: previous,
        changes: out.changes,
        unchanged: out.unchanged,
        owned,
        unmanaged,
        wanted: kept,
        conflicts: out.conflicts,
        long_comments: out.long_comments,
        warnings: out.warnings,
    }
}

/// The order changes apply in, the order Cloudflare runs a batch: deletes, updates, creates.
pub(super) fn rank(action: Action) -> u8 {
    match action {
        Action::Delete => 0,
        Action::Update => 1,
        Action::Create => 2,
    }
}

#[derive(Default)]
struct DiffBuilder {
    changes: Vec<Change>,
    conflicts: Vec<Conflict>,
    long_comments: Vec<super::LongComment>,
    warnings: Vec<Warning>,
    unchanged: usize,
}

impl DiffBuilder {
    fn endpoint(
        &mut self,
        e: &Endpoint,
        fqdn: &str,
        here: &[&Stored],
        owner: &str,
        owns: &dyn Fn(Option<&str>) -> bool,
        comment_limit: usize,
    ) {
        let want = normalise::wanted(e, owner);
        self.endpoint_warnings(e, fqdn, &want, comment_limit);

        let mut mine: Vec<&Stored> = Vec::new();
        let mut adopt_cnames: Vec<&Stored> = Vec::new();
        let mut adopt_addresses: Vec<&Stored> = Vec::new();
        let mut blocking: Vec<(&Stored, Holder)> = Vec::new();
        for &r in here {
            let comment = r.data.comment.as_deref();
            if owns(comment) {
                mine.push(r);
            } else if let Some(other) = owner_of(comment) {
                blocking.push((r, Holder::Owner(other.to_owned())));
            } else if e.adopt && r.kind == RecordType::Cname {
                adopt_cnames.push(r);
            } else if e.adopt && matches!(r.kind, RecordType::A | RecordType::Aaaa) {
                adopt_addresses.push(r);
            } else {
                // NOTE: adopt never takes over TXT, MX and the like: they carry meaning (mail,
                // domain verification) that a CNAME cannot replace, so a person must decide.
                blocking.push((r, Holder::Unowned));
            }
        }
        if !blocking.is_empty() {
            // Nothing at this name is touched: the plan is refused until the conflict is resolved.
            for (record, holder) in blocking {
                self.conflicts.push(Conflict {
                    name: fqdn.to_owned(),
                    line: e.line,
                    record: record.clone(),
                    holder,
                    rename_likely: false,
                });
            }
            return;
        }

        // Keep one CNAME and update it in place (its id survives, so nothing else that points at
        // the record id breaks); prefer one of ours that already matches, then any of ours, then
        // an adopted one.
        let keep = mine
            .iter()
            .copied()
            .filter(|r| r.kind == RecordType::Cname)
            .find(|r| r.data == want)
            .or_else(|| mine.iter().copied().find(|r| r.kind == RecordType::Cname))
            .or_else(|| adopt_cnames.first().copied());

        for &r in mine.iter().chain(&adopt_cnames) {
            if keep.is_none_or(|k| k.id != r.id) {
                self.delete(r);
            }
        }
        for &r in &adopt_addresses {
            self.warnings.push(Warning::Replaces {
                name: fqdn.to_owned(),
                kind: r.kind.clone(),
                content: r.data.content.clone(),
            });
            self.note_removed(e, fqdn, r);
            self.delete(r);
        }

        match keep {
            Some(k) if k.data == want => self.unchanged += 1,
            Some(k) => {
                self.note_removed(e, fqdn, k);
                if !owns(k.data.comment.as_deref()) {
                    self.warnings.push(Warning::TakesOver {
                        name: fqdn.to_owned(),
                        content: k.data.content.clone(),
                        owner: owner.to_owned(),
                    });
                }
                self.changes.push(Change {
                    action: Action::Update,
                    name: fqdn.to_owned(),
                    kind: RecordType::Cname,
                    id: Some(k.id.clone()),
                    before: Some(k.data.clone()),
                    after: Some(want),
                });
            }
            None => self.changes.push(Change {
                action: Action::Create,
                name: fqdn.to_owned(),
                kind: RecordType::Cname,
                id: None,
                before: None,
                after: Some(want),
            }),
        }
    }

    fn endpoint_warnings(
        &mut self,
        e: &Endpoint,
        fqdn: &str,
        want: &super::RecordData,
        comment_limit: usize,
    ) {
        if !e.proxied {
            self.warnings.push(Warning::NotProxied {
                name: fqdn.to_owned(),
                target: want.content.clone(),
            });
        } else if e.ttl > 1 {
            self.warnings.push(Warning::TtlIgnored {
                name: fqdn.to_owned(),
                ttl: e.ttl,
            });
        }
        let length = want.comment.as_deref().map_or(0, |c| c.chars().count());
        if comment_limit > 0 && length > comment_limit {
            self.long_comments.push(super::LongComment {
                name: fqdn.to_owned(),
                line: e.line,
                length,
                limit: comment_limit,
            });
        }
    }

    /// The manifest is the only source of a record's note: a record kept or replaced for an
    /// endpoint without `comment` loses its note, and the plan says so.
    fn note_removed(&mut self, e: &Endpoint, fqdn: &str, r: &Stored) {
        if e.comment.is_some() {
            return;
        }
        if let Some(note) = note_of(r.data.comment.as_deref()) {
            self.warnings.push(Warning::NoteRemoved {
                name: fqdn.to_owned(),
                note: note.to_owned(),
            });
        }
    }

    fn delete(&mut self, r: &Stored) {
        self.changes.push(Change {
            action: Action::Delete,
            name: r.name.clone(),
            kind: r.kind.clone(),
            id: Some(r.id.clone()),
            before: Some(r.data.clone()),
            after: None,
        });
    }
}
