//! The review stage: the one [`Verdict`] of a run, from the plan, the safety limit and the
//! origin probes, and the exit code it means. The verdict is data; the presenters
//! (`render::verdict` and the commands) word it.

use crate::exit::Exit;
use crate::health::ProbeResult;
use crate::plan::verdict::{FailedOrigin, Origins, Reviewed, Verdict};
use crate::plan::{Action, MassDelete, Plan};

/// The verdict on `plan`: each zone with its safety-limit decision (`mass_deletes`, zone for
/// zone) and the failed probes of the names it creates or repoints.
pub(super) fn review<'a>(
    plan: &Plan,
    mass_deletes: impl Iterator<Item = Option<&'a MassDelete>>,
    probes: &[ProbeResult],
    origins: Origins,
) -> Verdict {
    let mut failed: Vec<Vec<FailedOrigin>> = vec![Vec::new(); plan.zones.len()];
    for p in probes.iter().filter(|p| !p.is_healthy()) {
        // The zone that points the name at the origin; a probe is only made for such a name.
        let at = (plan.zones.iter())
            .position(|z| {
                z.changes
                    .iter()
                    .any(|c| c.action != Action::Delete && c.name == p.name)
            })
            .unwrap_or(0);
        if let Some(list) = failed.get_mut(at) {
            list.push(FailedOrigin {
                name: p.name.clone(),
                url: p.url.clone(),
                why: p.outcome.summary(),
            });
        }
    }
    let reviewed = (plan.zones.iter()).zip(mass_deletes).zip(failed).map(
        |((plan, mass_delete), failed_origins)| Reviewed {
            plan,
            mass_delete,
            failed_origins,
        },
    );
    Verdict::new(reviewed, origins)
}

/// The exit code of a plan (`edgeplan plan`, the Action's preview): 1 when anything refuses
/// the apply, else 2 for changes under `--detailed-exitcode`, else 0 (DESIGN section 3).
pub(crate) fn exit(verdict: &Verdict, detailed: bool) -> Exit {
    if verdict.refused() {
        Exit::Rejected
    } else if detailed && verdict.has_changes() {
        Exit::Changes
    } else {
        Exit::Success
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::health::{ProbeOutcome, ProbeResult};
    use crate::plan::test_support::{desired, endpoint, live, record};
    use crate::plan::verdict::Reason;
    use crate::plan::{Plan, Stored, diff};

    fn probe(name: &str, healthy: bool) -> ProbeResult {
        ProbeResult {
            name: name.into(),
            target: "t.example.net".into(),
            url: "https://t.example.net/healthz".into(),
            outcome: if healthy {
                ProbeOutcome::Healthy { status: 200 }
            } else {
                ProbeOutcome::Failed {
                    reason: "HTTP 503".into(),
                    status: Some(503),
                }
            },
            latency_ms: 1,
            public_host: None,
        }
    }

    /// The plan for one endpoint, `a` -> `a.example.net`, over the zone's `records`.
    fn plan_over(records: Vec<Stored>) -> Plan {
        Plan {
            zones: vec![diff(
                &desired(vec![endpoint("a", "a.example.net")]),
                &live(records),
            )],
        }
    }

    #[test]
    fn the_exit_code_follows_the_contract_table() {
        let plan = plan_over(vec![]);
        let review_with =
            |probes: &[ProbeResult]| review(&plan, [None].into_iter(), probes, Origins::Checked);
        let healthy = review_with(&[probe("a.example.com", true)]);
        assert_eq!(exit(&healthy, false), Exit::Success);
        assert_eq!(exit(&healthy, true), Exit::Changes);
        // A failed origin is a plan-level refusal: 1, also under --detailed-exitcode.
        let failed = review_with(&[probe("a.example.com", false)]);
        assert!(matches!(
            failed.zones[0].reasons.as_slice(),
            [Reason::FailedOrigins(o)] if o[0].name == "a.example.com" && o[0].why == "HTTP 503"
        ));
        assert_eq!(exit(&failed, false), Exit::Rejected);
        assert_eq!(exit(&failed, true), Exit::Rejected);
        // A conflict with no change at all still refuses.
        let conflict = plan_over(vec![record("t", "a.example.com", "TXT", "x", None)]);
        let v = review(&conflict, [None].into_iter(), &[], Origins::NotChecked);
        assert!(!v.has_changes());
        assert_eq!(exit(&v, true), Exit::Rejected);
    }

    /// The Action's own reasons (the plan is not the reviewed one, a stale commit, the event's
    /// rule) are reasons of the run: not plan-level, and the same exit 1 as any refusal.
    #[test]
    fn the_actions_own_reasons_refuse_the_run_and_exit_1() {
        use crate::plan::verdict::{EventRule, Mismatch, StaleCommit, Verdict};
        let plan = plan_over(vec![]);
        let fine = review(&plan, [None].into_iter(), &[], Origins::Checked);
        assert_eq!(exit(&fine, true), Exit::Changes);
        let reasons = [
            Reason::NotReviewed {
                pull: Some(2),
                mismatches: vec![Mismatch::PreviewInvalid],
            },
            Reason::StaleCommit(StaleCommit {
                sha: "c1".into(),
                last: "c2".into(),
                environment: "edgeplan/edgeplan.yaml".into(),
                deployment: 7,
                diverged: false,
                dispatch: false,
            }),
            Reason::EventRule(EventRule::Event {
                event: "schedule".into(),
            }),
        ];
        for r in reasons {
            assert!(!r.plan_level(), "{r:?}");
            assert!(r.names().is_empty(), "{r:?}");
            let mut v = fine.clone();
            v.refuse(r.clone());
            assert!(v.refused());
            assert!(
                v.zones[0].reasons.is_empty(),
                "a reason of the run, not of a zone"
            );
            assert_eq!(exit(&v, false), Exit::Rejected);
            assert_eq!(exit(&v, true), Exit::Rejected);
            let before = Verdict::refusing(r);
            assert!(before.refused() && before.zones.is_empty());
            assert_eq!(exit(&before, true), Exit::Rejected);
        }
    }
}
