//! Drift reports: a run that is not a pull request (a schedule, a `workflow_dispatch` plan, a
//! push to another branch) says what drifted and what the next apply would do; it never speaks
//! of merging, since nothing is being merged. (A push to another branch: `action_push`.)

use crate::support::harness::{REPO, Run, World, payload};
use serde_json::Value;

const OLD: &str = "sentiment-old.us-east-1.elb.amazonaws.com";
const NEW: &str = "sentiment-new.us-east-1.elb.amazonaws.com";

/// A zone where `sentiment` drifted from the manifest (someone repointed it by hand).
fn drifted_world() -> World {
    let w = World::for_action();
    w.owned("sentiment", OLD);
    w.endpoints(&[("sentiment", NEW)]);
    w
}

fn with_repo(mut p: Value) -> Value {
    p["repository"]["full_name"] = REPO.into();
    p["repository"]["default_branch"] = "main".into();
    p
}

/// The step summary of a drift report where `n` records drifted (`sentiment` among them, from
/// [`OLD`] to [`NEW`]), checked for what it must and must not say.
pub(crate) fn assert_drift_report(ran: &Run, event: &str, n: usize) {
    let s = &ran.summary;
    assert!(!s.contains("Merge") && !s.contains("merge"), "{event}: {s}");
    assert!(s.contains("### edgeplan drift report"), "{event}: {s}");
    // The one-line outcome names what the apply would do (here: updates).
    let headline = if n == 1 {
        "**Drift: 1 record differs from the manifests; the next apply would make 1 change to `example.com` in one atomic batch (1 to update)**".to_string()
    } else {
        format!(
            "**Drift: {n} records differ from the manifests; the next apply would make {n} changes to `example.com` in one atomic batch ("
        )
    };
    assert!(s.contains(&headline), "{event}: {s}");
    // What drifted: the record, the manifest's target over the one the zone holds.
    assert!(
        s.contains(&format!("`{NEW}`<br>was `{OLD}`")),
        "{event}: {s}"
    );
    assert_eq!(ran.output("has-changes").as_deref(), Some("true"));
}

#[test]
fn a_schedule_reports_drift_and_the_next_apply_not_a_merge() {
    let w = drifted_world();
    let ran = w
        .action("schedule", &with_repo(payload("push.main.json")))
        .var("GITHUB_REF", "refs/heads/main")
        .run_checked(0);
    assert_drift_report(&ran, "schedule", 1);
    assert_eq!(w.cf_writes(), 0);
    let fp = ran.fingerprint();
    let more = [(fp.as_str(), "[fingerprint]")];
    insta::assert_snapshot!("schedule_summary", w.redact(&ran.summary, &more));

    // Once the zone matches, the report says there is no drift.
    w.endpoints(&[("sentiment", OLD)]);
    let clean = w
        .action("schedule", &with_repo(payload("push.main.json")))
        .var("GITHUB_REF", "refs/heads/main")
        .run_checked(0);
    clean.assert_summary_has("**No drift: every zone matches the manifests.**");
    assert_eq!(clean.output("has-changes").as_deref(), Some("false"));
}

#[test]
fn a_workflow_dispatch_plan_reports_drift() {
    let w = drifted_world();
    let mut p = with_repo(payload("workflow_dispatch.json"));
    p["ref"] = "refs/heads/main".into();
    let ran = w.action("workflow_dispatch", &p).run_checked(0);
    assert_drift_report(&ran, "workflow_dispatch", 1);
    assert_eq!(w.cf_writes(), 0);
}
