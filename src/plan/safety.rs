//! The delete threshold of the ownership rules in the README, and the words for conflicts.
//!
//! A plan that deletes more than max(2, 25 %) of the records an owner holds is far more often a
//! wrong manifest (a bad glob, an emptied file, the wrong `owner`) than an intended teardown, so it
//! is refused unless `--allow-deletes` says otherwise. octoDNS has the same kind of threshold
//! (`MAX_SAFE_DELETE_PCENT`), see reference/prior-art.md.

use std::path::PathBuf;

use super::{Action, Conflict, Holder, ZonePlan};

/// Deletes at or under this count are always allowed.
const FLOOR: usize = 2;

/// Why the safety limit refuses a zone's deletes: more owned records would go than the limit
/// allows. Its `Display` is the sentence the presenters print.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "refusing to delete {deletes} of the {owned} records owned by {owner} in {zone} (more than max(2, 25%)); \
     check the manifest {}, or pass --allow-deletes if this is intended",
    manifest.display()
)]
pub struct MassDelete {
    /// Owned records the plan deletes (see [`owned_deletes`]).
    pub deletes: usize,
    /// Records the owner holds in the zone.
    pub owned: usize,
    /// The most deletes allowed: max(2, owned / 4).
    pub limit: usize,
    /// The manifest's owner.
    pub owner: String,
    /// The zone's name.
    pub zone: String,
    /// The manifest the plan came from.
    pub manifest: PathBuf,
}

/// Refuses a plan that deletes more than max(2, 25 % of the owned records), unless allowed.
///
/// Only owned records count: an adopted A record that is replaced was asked for by name.
pub fn check_safety(plan: &ZonePlan, allow_deletes: bool) -> Result<(), MassDelete> {
    if allow_deletes {
        return Ok(());
    }
    let deletes = owned_deletes(plan);
    // deletes > max(2, owned / 4), in integers: `d > owned / 4` (rounded down) is `4d > owned`
    // for a whole d, so there is no rounding question at the boundary.
    let limit = FLOOR.max(plan.owned / 4);
    if deletes > limit {
        return Err(MassDelete {
            deletes,
            owned: plan.owned,
            limit,
            owner: plan.owner.clone(),
            zone: plan.zone.name.clone(),
            manifest: plan.source.clone(),
        });
    }
    Ok(())
}

/// The number of deletes of records this plan's owner (or a previous owner) holds, at names that go
/// away. A delete whose name gets a create in the same plan (an owned `A` rewritten as a CNAME), or
/// whose name the manifest still holds (the owner's duplicates at one name, left by a past race,
/// cut down to one), repairs the name rather than removing an endpoint, so it does not count.
pub(crate) fn owned_deletes(plan: &ZonePlan) -> usize {
    let created = plan.created_names();
    plan.changes
        .iter()
        .filter(|c| c.action == Action::Delete && !created.contains(c.name.as_str()))
        .filter(|c| !plan.wanted.contains(&c.name))
        .filter(|c| {
            let comment = c.before.as_ref().and_then(|b| b.comment.as_deref());
            plan.owns(comment)
        })
        .count()
}

impl Conflict {
    /// What is in the way, naming the record.
    pub(crate) fn message(&self) -> String {
        let r = &self.record;
        let held = match &self.holder {
            Holder::Unowned => "a record edgeplan does not own".to_owned(),
            Holder::Owner(other) => format!("a record owned by edgeplan:{other}"),
        };
        format!(
            "{} (line {}) is held by {held}: {} {} (id {})",
            self.name, self.line, r.kind, r.data.content, r.id
        )
    }

    /// What to do about it.
    pub(crate) fn help(&self) -> String {
        match &self.holder {
            Holder::Owner(other) if self.rename_likely => format!(
                "only if `{other}` is this manifest's old owner name (a rename) and no manifest uses it any more, add `previous_owners: [{other}]` to take its records over; \
                 otherwise choose another name, or remove it from the manifest of owner `{other}` first"
            ),
            Holder::Owner(other) => format!(
                "choose another name, or remove it from the manifest of owner `{other}` first"
            ),
            Holder::Unowned if self.record.kind.proxiable() => {
                "set `adopt: true` on the endpoint to take the record over, or choose another name"
                    .to_owned()
            }
            Holder::Unowned => format!(
                "a CNAME cannot share its name with a {} record and adopt never removes one; \
                 delete it by hand if it is no longer needed, or choose another name",
                self.record.kind
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::test_support::{change_delete, zone_plan};

    fn plan_with(owned: usize, owned_deletes: usize, other_deletes: usize) -> ZonePlan {
        let mut p = zone_plan(owned);
        for i in 0..owned_deletes {
            p.changes
                .push(change_delete(&format!("o{i}"), Some("edgeplan:ml")));
        }
        for i in 0..other_deletes {
            p.changes.push(change_delete(&format!("x{i}"), None));
        }
        p
    }

    #[test]
    fn two_deletes_are_always_allowed() {
        assert!(check_safety(&plan_with(2, 2, 0), false).is_ok());
        assert!(check_safety(&plan_with(3, 3, 0), false).is_err());
    }

    #[test]
    fn the_threshold_is_a_quarter_of_owned_records() {
        assert!(check_safety(&plan_with(20, 5, 0), false).is_ok());
        let err = check_safety(&plan_with(20, 6, 0), false).expect_err("refused");
        assert_eq!((err.deletes, err.owned, err.limit), (6, 20, 5));
        let text = err.to_string();
        assert!(text.contains("6 of the 20"), "{text}");
        assert!(text.contains("--allow-deletes"), "{text}");
    }

    /// Rewriting owned A records as CNAMEs deletes and re-creates each name: no endpoint goes
    /// away, so the threshold (meant for emptied or mistargeted manifests) must not fire.
    #[test]
    fn a_delete_replaced_by_a_create_at_the_same_name_does_not_count() {
        let mut p = plan_with(3, 3, 0);
        assert!(check_safety(&p, false).is_err());
        for i in 0..3 {
            let mut create = change_delete(&format!("o{i}"), None);
            create.action = Action::Create;
            create.after = create.before.take();
            create.id = None;
            p.changes.push(create);
        }
        assert_eq!(owned_deletes(&p), 0);
        assert!(check_safety(&p, false).is_ok());
    }

    /// Four records of the owner at one name the manifest keeps (a past race created them):
    /// deleting three of them repairs the endpoint; nothing the manifest holds goes away.
    #[test]
    fn deleting_duplicates_at_a_kept_name_does_not_count() {
        let mut p = zone_plan(4);
        for i in 0..3 {
            let mut dup = change_delete("api", Some("edgeplan:ml"));
            dup.id = Some(format!("id-api-{i}"));
            p.changes.push(dup);
        }
        assert!(
            check_safety(&p, false).is_err(),
            "counted without the kept name"
        );
        p.wanted.insert("api.example.com".into());
        assert_eq!(owned_deletes(&p), 0);
        assert!(check_safety(&p, false).is_ok());
    }

    #[test]
    fn allow_deletes_overrides_and_adopted_deletes_do_not_count() {
        assert!(check_safety(&plan_with(4, 4, 0), true).is_ok());
        assert!(check_safety(&plan_with(4, 0, 10), false).is_ok());
    }
}
