//! From a zone plan to the batches that apply it (`POST /zones/{id}/dns_records/batch`).
//!
//! One batch is one transaction, and a batch holds at most the zone's limit of records (Free 200,
//! paid 3,500; the contract in docs/apply.md,
//! <https://developers.cloudflare.com/dns/manage-dns-records/how-to/batch-record-changes/>).
//! When everything fits, everything goes in one batch. Otherwise the plan is cut into chunks,
//! deletes first (they free names and quota), and the changes at one name that replace a record
//! (deletes plus the create of the CNAME, as when adopting an A record) stay in one chunk, so a
//! name is never left empty between two chunks.

use std::collections::HashMap;

use serde::Serialize;

use super::diff::rank;
use super::{Action, Change, Record, RecordData, Stored, ZonePlan};

/// One atomic set of writes to one zone. Cloudflare applies deletes, then patches, then puts,
/// then posts. A plan's updates are patches: they set only the fields edgeplan manages
/// (content, proxied, ttl, comment; name and type unchanged) and keep the rest (a person's
/// `tags`, `settings` such as `ipv4_only`). A put is an overwrite where every unspecified field
/// takes its default (Cloudflare's API reference), so plans never send one; the providers still
/// honour it, with those semantics.
pub type Batch = Writes<String, Stored, Record>;

/// The four lists of a batch, in the order Cloudflare applies them. A [`Batch`] holds what to
/// write; the Cloudflare client's wire body and the sandbox's record of what it did hold the same
/// lists with other items.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Writes<D, U, N> {
    /// Records to delete (by id).
    pub deletes: Vec<D>,
    /// Set the managed fields of the record with that id; every other field is kept.
    pub patches: Vec<U>,
    /// Overwrite the record with that id; every field not given takes its default.
    pub puts: Vec<U>,
    /// New records.
    pub posts: Vec<N>,
}

impl<D, U, N> Default for Writes<D, U, N> {
    fn default() -> Self {
        Writes {
            deletes: Vec::new(),
            patches: Vec::new(),
            puts: Vec::new(),
            posts: Vec::new(),
        }
    }
}

impl<D, U, N> Writes<D, U, N> {
    pub fn len(&self) -> usize {
        self.deletes.len() + self.patches.len() + self.puts.len() + self.posts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Splits the plan's changes into batches of at most `limit` items (a limit of 0 counts as 1).
pub fn to_batches(plan: &ZonePlan, limit: usize) -> Vec<Batch> {
    let limit = limit.max(1);
    if plan.changes.is_empty() {
        return Vec::new();
    }
    if plan.changes.len() <= limit {
        let mut batch = Batch::default();
        for c in &plan.changes {
            add(&mut batch, c);
        }
        return vec![batch];
    }

    // Units: the changes at a name that holds a create go together; every other change alone.
    let mut units: Vec<Vec<&Change>> = Vec::new();
    let mut unit_of_name: HashMap<&str, usize> = HashMap::new();
    let created = plan.created_names();
    for c in &plan.changes {
        if created.contains(c.name.as_str()) {
            if let Some(&u) = unit_of_name.get(c.name.as_str()) {
                units[u].push(c);
                continue;
            }
            unit_of_name.insert(c.name.as_str(), units.len());
        }
        units.push(vec![c]);
    }
    // A unit sorts by its first change, so replacements follow the plain deletes and come before
    // the updates and creates; the sort is stable, keeping the plan's order otherwise.
    units.sort_by_key(|u| rank(u[0].action));

    let mut batches = Vec::new();
    let mut current = Batch::default();
    for unit in units {
        if !current.is_empty() && current.len() + unit.len() > limit {
            batches.push(std::mem::take(&mut current));
        }
        // A unit larger than a whole batch cannot stay together; it is split in plan order.
        for c in unit {
            if current.len() == limit {
                batches.push(std::mem::take(&mut current));
            }
            add(&mut current, c);
        }
    }
    if !current.is_empty() {
        batches.push(current);
    }
    batches
}

fn add(batch: &mut Batch, c: &Change) {
    match (c.action, &c.id, &c.after) {
        (Action::Delete, Some(id), _) => batch.deletes.push(id.clone()),
        (Action::Update, Some(id), Some(after)) => batch
            .patches
            .push(Stored::new(id.clone(), record(c, after))),
        (Action::Create, _, Some(after)) => batch.posts.push(record(c, after)),
        // A change without its id or target cannot come out of `diff`; there is nothing to send.
        _ => {}
    }
}

/// The record a post creates or a patch sets (its managed fields; the patch keeps the rest).
fn record(c: &Change, after: &RecordData) -> Record {
    Record {
        name: c.name.clone(),
        kind: c.kind.clone(),
        data: after.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::RecordType;
    use crate::plan::test_support::{change_delete, zone_plan};

    fn create(name: &str) -> Change {
        Change {
            action: Action::Create,
            name: name.into(),
            kind: RecordType::Cname,
            id: None,
            before: None,
            after: Some(RecordData {
                content: "origin.example.net".into(),
                proxied: true,
                ttl: 1,
                comment: Some("edgeplan:ml".into()),
            }),
        }
    }

    #[test]
    fn everything_fits_in_one_batch_when_it_can() {
        let mut p = zone_plan(3);
        p.changes = vec![
            change_delete("a", Some("edgeplan:ml")),
            create("b.example.com"),
        ];
        let batches = to_batches(&p, 200);
        assert_eq!(batches.len(), 1);
        assert_eq!(batches[0].deletes, vec!["id-a".to_owned()]);
        assert_eq!(batches[0].posts[0].name, "b.example.com");
        assert!(to_batches(&zone_plan(0), 200).is_empty());
    }

    /// A plan that deletes `n` records the owner `ml` holds (`d0`, `d1`, ...).
    fn with_owned_deletes(n: usize) -> ZonePlan {
        let mut p = zone_plan(10);
        for i in 0..n {
            p.changes
                .push(change_delete(&format!("d{i}"), Some("edgeplan:ml")));
        }
        p
    }

    #[test]
    fn chunks_respect_the_limit_and_put_deletes_first() {
        let mut p = with_owned_deletes(5);
        for i in 0..5 {
            p.changes.push(create(&format!("c{i}.example.com")));
        }
        let batches = to_batches(&p, 3);
        assert!(batches.iter().all(|b| b.len() <= 3));
        assert_eq!(batches.iter().map(Batch::len).sum::<usize>(), 10);
        assert_eq!(batches[0].deletes.len(), 3);
        assert_eq!(batches[1].deletes.len(), 2);
    }

    #[test]
    fn a_replaced_name_keeps_its_delete_and_create_in_one_chunk() {
        // Why: split apart, the name would resolve to nothing between two chunks.
        let mut p = with_owned_deletes(3);
        let mut adopted = change_delete("api", None);
        adopted.name = "api.example.com".into();
        p.changes.push(adopted);
        p.changes.push(create("api.example.com"));
        let batches = to_batches(&p, 4);
        let with_post = batches
            .iter()
            .find(|b| !b.posts.is_empty())
            .expect("a post");
        assert!(with_post.deletes.contains(&"id-api".to_owned()));
        assert!(batches.iter().all(|b| b.len() <= 4));
    }
}
