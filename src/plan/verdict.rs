//! The verdict: whether a run's plan may be applied, with every reason it may not, and the
//! counts every presenter shows. Data only: no words (the presenters in `render` word it) and
//! no I/O (the pipeline, `run::pipeline::review`, computes it once per run from the plan, the
//! safety limit and the origin probes).
//!
//! The counts are of edits as a reviewer reads them: an adoption (an unowned record deleted and
//! the CNAME created at its name, or an unowned CNAME taken over in place) is one edit, not a
//! delete and a create. The headline, the table of changes, the per-zone counts and the JSON's
//! `verdict` all count [`edits`], so they cannot disagree.

use std::collections::HashMap;
use std::path::PathBuf;

use super::{Action, Change, Conflict, LongComment, MassDelete, Plan, RecordData, ZonePlan};

/// Whether the origin probes ran for this run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origins {
    Checked,
    /// Probes were off (`skip-health`, `--skip-health`, a fork's preview): the verdict cannot
    /// promise an apply.
    NotChecked,
}

/// An origin whose probe failed: apply will not point DNS at it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailedOrigin {
    /// The public name (FQDN) that would point at the origin.
    pub name: String,
    /// The URL probed.
    pub url: String,
    /// What the probe met (`HTTP 503`, `timed out after 5000 ms`).
    pub why: String,
}

/// Why the plan about to be applied is not the reviewed one (the apply gate of a push,
/// `run::action::gate`; DESIGN section 6, "The reviewed plan, or nothing"). Pairs are spelled
/// `<zone>/<owner>`, digests `sha256:<hex>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mismatch {
    /// The pair's new plan is not the one reviewed.
    Differs {
        pair: String,
        reviewed: String,
        planned: String,
    },
    /// An own preview shows a manifest with problems (`plan=invalid`).
    PreviewInvalid,
    /// The own previews hold no digest for a pair that has changes.
    Missing { pair: String },
    /// An own preview's digests are of another version (or of an edgeplan before the gate).
    Versions { found: String },
    /// Two own previews hold different digests for the pair.
    Disagree { pair: String },
    /// No own preview, but one by another identity edgeplan may be writing as.
    OtherIdentity { logins: Vec<String> },
    /// `reviewed-plan: require` and there is no preview to compare with (`direct`: the push
    /// merged no pull request).
    NoPreview { direct: bool },
    /// An own preview's marker cannot be read.
    Unreadable { why: String },
}

/// A commit older than the last one applied in its environment, or diverged from it
/// (`run::action::stale`; DESIGN section 6, "Stale commits never apply").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaleCommit {
    /// This run's commit.
    pub sha: String,
    /// The last commit applied.
    pub last: String,
    /// The deployment environment (`edgeplan/<manifest input>`).
    pub environment: String,
    /// The deployment that applied `last`.
    pub deployment: u64,
    /// Diverged (not a descendant), rather than behind.
    pub diverged: bool,
    /// A `workflow_dispatch` run (whose commit is no longer the default branch's head).
    pub dispatch: bool,
}

/// An apply the event table does not allow (DESIGN section 5): decided before anything is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventRule {
    /// `command: apply` on a pull request event, which only previews.
    PullRequest { event: String },
    /// `command: apply` on an event other than `push` and `workflow_dispatch`.
    Event { event: String },
    /// An apply of a branch other than the default one.
    Branch { branch: String, default: String },
}

/// Why an apply is refused. Every reason stops the whole apply (DESIGN section 6: refusals are
/// decided for all zones before anything is written). The plan-level reasons belong to a zone
/// ([`ZoneVerdict::reasons`]); the Action's own (the plan is not the reviewed one, a stale
/// commit, the event's rule) to the run ([`Verdict::run_reasons`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    /// Names the manifest wants are held by records edgeplan may not touch.
    Conflicts(Vec<Conflict>),
    /// Endpoint comments, with the ownership marker, longer than the zone accepts.
    LongComments(Vec<LongComment>),
    /// More deletes than the safety limit allows (with the `allow-deletes` the run was given).
    MassDelete(MassDelete),
    /// Origins of created or repointed names whose probe failed.
    FailedOrigins(Vec<FailedOrigin>),
    /// The plan is not the one the merged pull request's preview showed (`pull`: that pull
    /// request, when there is one).
    NotReviewed {
        pull: Option<u64>,
        mismatches: Vec<Mismatch>,
    },
    /// The commit is older than, or diverged from, the last one applied.
    StaleCommit(StaleCommit),
    /// The event or branch does not apply.
    EventRule(EventRule),
}

impl Reason {
    /// True for the reasons a plan alone shows, which `edgeplan plan` and the Action both refuse
    /// with exit 1.
    pub(crate) fn plan_level(&self) -> bool {
        match self {
            Reason::Conflicts(_)
            | Reason::LongComments(_)
            | Reason::MassDelete(_)
            | Reason::FailedOrigins(_) => true,
            Reason::NotReviewed { .. } | Reason::StaleCommit(_) | Reason::EventRule(_) => false,
        }
    }

    /// The names this reason refuses (none for the safety limit, which refuses the zone's
    /// deletes as a whole), sorted, each once.
    pub(crate) fn names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = match self {
            Reason::Conflicts(c) => c.iter().map(|c| c.name.as_str()).collect(),
            Reason::LongComments(l) => l.iter().map(|l| l.name.as_str()).collect(),
            Reason::FailedOrigins(o) => o.iter().map(|o| o.name.as_str()).collect(),
            Reason::MassDelete(_)
            | Reason::NotReviewed { .. }
            | Reason::StaleCommit(_)
            | Reason::EventRule(_) => Vec::new(),
        };
        names.sort_unstable();
        names.dedup();
        names
    }
}

/// How an edit reads for a reviewer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum EditKind {
    Create,
    Update,
    /// An unowned record taken over: replaced by the CNAME, or a CNAME marked in place.
    Adopt,
    Delete,
}

impl EditKind {
    /// Every kind, in the order the comment lists groups.
    pub(crate) const ALL: [EditKind; 4] = [
        EditKind::Delete,
        EditKind::Adopt,
        EditKind::Update,
        EditKind::Create,
    ];
}

/// One edit: one change, or an adoption's create with the delete of the record it replaces.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Edit<'a> {
    pub kind: EditKind,
    /// The change (for an adoption that replaces a record: the create).
    pub change: &'a Change,
    /// The delete of the unowned record an adoption replaces (an `A` or `AAAA`).
    pub replaces: Option<&'a Change>,
}

impl<'a> Edit<'a> {
    pub(crate) fn name(&self) -> &'a str {
        &self.change.name
    }

    /// The record before the edit: for an adoption that replaces a record, that record.
    pub(crate) fn before(&self) -> Option<&'a RecordData> {
        self.replaces
            .map_or(self.change.before.as_ref(), |r| r.before.as_ref())
    }

    pub(crate) fn after(&self) -> Option<&'a RecordData> {
        self.change.after.as_ref()
    }

    /// True when the record goes from proxied to DNS-only or back.
    pub(crate) fn proxy_switch(&self) -> bool {
        matches!((self.before(), self.after()), (Some(b), Some(a)) if b.proxied != a.proxied)
    }
}

/// The edits of a zone's plan, in plan order; an adoption's delete and create are one edit.
/// Linear in the number of changes (a zone of 24,000 creates is previewed in well under a
/// second).
pub(crate) fn edits(z: &ZonePlan) -> Vec<Edit<'_>> {
    let created: HashMap<&str, &Change> = z
        .changes
        .iter()
        .filter(|c| c.action == Action::Create)
        .map(|c| (c.name.as_str(), c))
        .collect();
    let owned = |c: &Change| {
        c.before
            .as_ref()
            .is_some_and(|b| z.owns(b.comment.as_deref()))
    };
    // The unowned records deleted for an adoption, by the name the CNAME is created at (the
    // first one, when an A and an AAAA go together).
    let mut replaced: HashMap<&str, &Change> = HashMap::new();
    for c in &z.changes {
        if c.action == Action::Delete && !owned(c) && created.contains_key(c.name.as_str()) {
            replaced.entry(c.name.as_str()).or_insert(c);
        }
    }
    let mut out = Vec::with_capacity(z.changes.len());
    for c in &z.changes {
        let edit = match c.action {
            Action::Delete if !owned(c) && replaced.contains_key(c.name.as_str()) => continue,
            Action::Delete => Edit {
                kind: EditKind::Delete,
                change: c,
                replaces: None,
            },
            Action::Update => Edit {
                kind: if owned(c) {
                    EditKind::Update
                } else {
                    EditKind::Adopt
                },
                change: c,
                replaces: None,
            },
            Action::Create => match replaced.get(c.name.as_str()) {
                Some(r) => Edit {
                    kind: EditKind::Adopt,
                    change: c,
                    replaces: Some(r),
                },
                None => Edit {
                    kind: EditKind::Create,
                    change: c,
                    replaces: None,
                },
            },
        };
        out.push(edit);
    }
    out
}

/// Edits by kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub create: usize,
    pub update: usize,
    pub adopt: usize,
    pub delete: usize,
}

impl Counts {
    pub(crate) fn of(edits: &[Edit<'_>]) -> Counts {
        let mut n = Counts::default();
        for e in edits {
            *n.get_mut(e.kind) += 1;
        }
        n
    }

    pub(crate) fn get(&self, kind: EditKind) -> usize {
        match kind {
            EditKind::Create => self.create,
            EditKind::Update => self.update,
            EditKind::Adopt => self.adopt,
            EditKind::Delete => self.delete,
        }
    }

    fn get_mut(&mut self, kind: EditKind) -> &mut usize {
        match kind {
            EditKind::Create => &mut self.create,
            EditKind::Update => &mut self.update,
            EditKind::Adopt => &mut self.adopt,
            EditKind::Delete => &mut self.delete,
        }
    }

    pub(crate) fn total(&self) -> usize {
        self.create + self.update + self.adopt + self.delete
    }

    pub(crate) fn add(&mut self, other: &Counts) {
        for k in EditKind::ALL {
            *self.get_mut(k) += other.get(k);
        }
    }
}

/// The verdict on one zone (one manifest: a zone and an owner).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZoneVerdict {
    pub zone: String,
    pub owner: String,
    /// The manifest the zone's plan came from.
    pub source: PathBuf,
    pub counts: Counts,
    /// Owned records that already match.
    pub unchanged: usize,
    /// Other records in the zone, left alone.
    pub left_alone: usize,
    /// Batch requests the apply sends: 1 is one transaction; more are not atomic together.
    pub batches: usize,
    /// The zone's batch limit (changes per request).
    pub batch_limit: usize,
    /// What refuses this zone; empty when nothing does.
    pub reasons: Vec<Reason>,
}

impl ZoneVerdict {
    pub(crate) fn has_changes(&self) -> bool {
        self.counts.total() > 0
    }
}

/// One zone as the review sees it: its plan, the safety limit's decision and the origins of its
/// names that failed their probe.
pub(crate) struct Reviewed<'a> {
    pub plan: &'a ZonePlan,
    pub mass_delete: Option<&'a MassDelete>,
    pub failed_origins: Vec<FailedOrigin>,
}

/// Whether the run may be applied, with its reasons, per zone where they belong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// In plan (manifest) order.
    pub zones: Vec<ZoneVerdict>,
    /// Reasons that belong to the run, not to one zone: the Action's own (see [`Reason`]).
    pub run_reasons: Vec<Reason>,
    pub origins: Origins,
}

impl Verdict {
    /// The verdict on `zones`, each reviewed.
    pub(crate) fn new<'a>(
        zones: impl IntoIterator<Item = Reviewed<'a>>,
        origins: Origins,
    ) -> Verdict {
        let zones = zones.into_iter().map(zone_verdict).collect();
        Verdict {
            zones,
            run_reasons: Vec::new(),
            origins,
        }
    }

    /// The verdict of a run refused before anything was planned (the event's rule).
    pub(crate) fn refusing(reason: Reason) -> Verdict {
        Verdict {
            zones: Vec::new(),
            run_reasons: vec![reason],
            origins: Origins::Checked,
        }
    }

    /// Adds a reason of the whole run, decided by the Action once the plan is known (the plan
    /// is not the reviewed one, a stale commit). A plan-level reason is never added this way:
    /// [`Verdict::new`] decides those.
    pub(crate) fn refuse(&mut self, reason: Reason) {
        debug_assert!(!reason.plan_level(), "{reason:?}");
        self.run_reasons.push(reason);
    }

    /// The verdict on a plan alone: no safety limit reviewed, no origin failed (tests, and tools
    /// that render a plan they did not review).
    pub fn of_plan(plan: &Plan) -> Verdict {
        Verdict::new(
            plan.zones.iter().map(|plan| Reviewed {
                plan,
                mass_delete: None,
                failed_origins: Vec::new(),
            }),
            Origins::Checked,
        )
    }

    /// True when the apply would write nothing because something refuses it.
    pub(crate) fn refused(&self) -> bool {
        !self.run_reasons.is_empty() || self.zones.iter().any(|z| !z.reasons.is_empty())
    }

    /// Every reason, the zone's beside each (`None`: the run's own), run-wide first.
    pub(crate) fn reasons(&self) -> impl Iterator<Item = (Option<&ZoneVerdict>, &Reason)> {
        let run = self.run_reasons.iter().map(|r| (None, r));
        let zones = (self.zones.iter()).flat_map(|z| z.reasons.iter().map(move |r| (Some(z), r)));
        run.chain(zones)
    }

    /// The edits of every zone, by kind.
    pub(crate) fn counts(&self) -> Counts {
        let mut n = Counts::default();
        for z in &self.zones {
            n.add(&z.counts);
        }
        n
    }

    pub(crate) fn has_changes(&self) -> bool {
        self.zones.iter().any(ZoneVerdict::has_changes)
    }
}

fn zone_verdict(r: Reviewed<'_>) -> ZoneVerdict {
    let z = r.plan;
    let mut reasons = Vec::new();
    if !z.conflicts.is_empty() {
        reasons.push(Reason::Conflicts(z.conflicts.clone()));
    }
    if !z.long_comments.is_empty() {
        reasons.push(Reason::LongComments(z.long_comments.clone()));
    }
    if let Some(m) = r.mass_delete {
        reasons.push(Reason::MassDelete(m.clone()));
    }
    if !r.failed_origins.is_empty() {
        reasons.push(Reason::FailedOrigins(r.failed_origins));
    }
    let batches = if z.changes.is_empty() {
        0
    } else {
        super::to_batches(z, z.zone.batch_limit).len()
    };
    ZoneVerdict {
        zone: z.zone.name.clone(),
        owner: z.owner.clone(),
        source: z.source.clone(),
        counts: Counts::of(&edits(z)),
        unchanged: z.unchanged,
        left_alone: z.unmanaged,
        batches,
        batch_limit: z.zone.batch_limit,
        reasons,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::diff;
    use crate::plan::test_support::{desired, endpoint, live, record};

    #[test]
    fn an_adoption_is_one_edit_and_counts_once() {
        let mut vision = endpoint("vision", "gpu.example.net");
        vision.adopt = true;
        let mut api = endpoint("api", "api.example.net");
        api.adopt = true;
        let d = desired(vec![vision, api, endpoint("new", "new.example.net")]);
        let l = live(vec![
            record("a1", "vision.example.com", "A", "192.0.2.1", None),
            record("a2", "vision.example.com", "AAAA", "2001:db8::1", None),
            record("c1", "api.example.com", "CNAME", "old.example.net", None),
            record(
                "o1",
                "gone.example.com",
                "CNAME",
                "gone.example.net",
                Some("edgeplan:ml"),
            ),
        ]);
        let z = diff(&d, &l);
        let kinds: Vec<(EditKind, &str)> = edits(&z).iter().map(|e| (e.kind, e.name())).collect();
        assert_eq!(
            kinds,
            [
                (EditKind::Delete, "gone.example.com"),
                (EditKind::Adopt, "api.example.com"),
                (EditKind::Create, "new.example.com"),
                (EditKind::Adopt, "vision.example.com"),
            ]
        );
        let adopted = edits(&z)[3];
        assert_eq!(
            adopted.before().map(|b| b.content.as_str()),
            Some("192.0.2.1")
        );
        let v = Verdict::of_plan(&Plan { zones: vec![z] });
        assert_eq!(
            v.counts(),
            Counts {
                create: 1,
                update: 0,
                adopt: 2,
                delete: 1
            }
        );
        assert!(!v.refused());
    }

    #[test]
    fn every_reason_refuses_and_belongs_to_its_zone() {
        let d = desired(vec![endpoint("api", "api.example.net")]);
        let l = live(vec![record(
            "t1",
            "api.example.com",
            "TXT",
            "verification",
            None,
        )]);
        let z = diff(&d, &l);
        let ok = diff(
            &desired(vec![endpoint("www", "w.example.net")]),
            &live(vec![]),
        );
        let v = Verdict::new(
            [
                Reviewed {
                    plan: &z,
                    mass_delete: None,
                    failed_origins: Vec::new(),
                },
                Reviewed {
                    plan: &ok,
                    mass_delete: None,
                    failed_origins: vec![FailedOrigin {
                        name: "www.example.com".into(),
                        url: "https://w.example.net/healthz".into(),
                        why: "HTTP 503".into(),
                    }],
                },
            ],
            Origins::Checked,
        );
        assert!(v.refused());
        let reasons: Vec<(usize, Vec<&str>)> = v
            .reasons()
            .map(|(z, r)| {
                let i = v.zones.iter().position(|x| Some(x) == z).unwrap_or(99);
                (i, r.names())
            })
            .collect();
        assert_eq!(
            reasons,
            [(0, vec!["api.example.com"]), (1, vec!["www.example.com"])]
        );
        assert!(v.reasons().all(|(_, r)| r.plan_level()));
        assert_eq!(v.zones[1].batches, 1);
        assert_eq!(v.zones[0].batches, 0);
    }
}
