//! `edgeplan action` on push and workflow_dispatch, run as the real binary against the local
//! GitHub and Cloudflare servers: apply on the default branch (one batch request, the zone
//! changed, then the report on the merged PR with the fingerprint compared to the preview),
//! plan elsewhere, dispatch `command: plan|apply`, and the deletion safety input.
//! as docs/action.md and docs/apply.md describe them.

use crate::support::cloudflare::Rec;
use crate::support::github::merged_pull;
use crate::support::harness::{REPO, SHA, World, payload, push_payload};
use serde_json::Value;

const OLD: &str = "sentiment-old.us-east-1.elb.amazonaws.com";
const NEW: &str = "sentiment-new.us-east-1.elb.amazonaws.com";
const EMB: &str = "embeddings-7f3kq2xz4a-uc.a.run.app";
const APPLIED: &str = "<!-- edgeplan:applied sha=0123456789abcdef0123456789abcdef01234567 -->";

fn seeded_world() -> World {
    seeded(World::for_action())
}

/// `w` with `sentiment` owned and pointed at [`OLD`], and a manifest that repoints it at [`NEW`]
/// and adds `embeddings`.
pub fn seeded(w: World) -> World {
    w.owned("sentiment", OLD);
    w.endpoints(&[("sentiment", NEW), ("embeddings", EMB)]);
    w
}

fn dispatch(git_ref: &str, command: Option<&str>) -> Value {
    let mut p = payload("workflow_dispatch.json");
    p["repository"]["full_name"] = REPO.into();
    p["repository"]["default_branch"] = "main".into();
    p["ref"] = git_ref.into();
    if let Some(c) = command {
        p["inputs"]["command"] = c.into();
    }
    p
}

fn record<'a>(records: &'a [Rec], name: &str) -> Option<&'a Rec> {
    records.iter().find(|r| r.name == name)
}

/// `text` with the `time` cell of the apply report's rows (`| 0.0 s |`) replaced by `[time]`.
fn without_timings(text: &str) -> String {
    let lines: Vec<String> = text
        .lines()
        .map(|line| match line.strip_suffix(" s |") {
            Some(rest) if line.starts_with("| ") => match rest.rfind("| ") {
                Some(i) => format!("{}| [time] |", &rest[..i]),
                None => line.to_string(),
            },
            _ => line.to_string(),
        })
        .collect();
    lines.join("\n")
}

fn assert_applied(w: &World) {
    let records = w.cf.records("example.com");
    let s = record(&records, "sentiment.example.com").expect("sentiment");
    assert_eq!(s.content, NEW);
    let e = record(&records, "embeddings.example.com").expect("embeddings created");
    assert_eq!(e.content, EMB);
    assert!(e.proxied, "created proxied");
    assert_eq!(e.comment.as_deref(), Some("edgeplan:default"));
    assert_eq!(
        w.batches().len(),
        1,
        "one atomic batch: {:?}",
        w.cf.requests()
    );
}

#[test]
fn push_to_main_applies_then_reports_on_the_merged_pr_matching_the_preview() {
    let w = seeded_world();
    let preview = w.pull_request("pull_request.opened.json").run_checked(0);
    let previewed = preview.fingerprint();
    assert_eq!(w.cf_writes(), 0);

    w.gh().add_pull(REPO, SHA, merged_pull(2, "main", SHA));
    let ran = w.push_to_main().run_checked(0);
    assert_applied(&w);
    assert_eq!(ran.fingerprint(), previewed);
    assert_eq!(ran.output("has-changes").as_deref(), Some("true"));
    ran.assert_stdout_has("applied: 1 created, 1 updated, 0 deleted");
    assert_eq!(w.gh().count("GET", &format!("/commits/{SHA}/pulls")), 1);

    let comments = w.gh().comments(REPO, 2);
    assert_eq!(comments.len(), 2, "the preview and the report");
    let report = comments
        .iter()
        .find(|c| c.body.starts_with(APPLIED))
        .unwrap_or_else(|| panic!("no apply report: {comments:#?}"));
    let more = [(previewed.as_str(), "[fingerprint]")];
    let snap = without_timings(&w.redact(&report.body, &more));
    insta::assert_snapshot!("apply_report_comment", snap);
    assert_eq!(
        ran.output("comment-url"),
        Some(format!(
            "https://github.com/{REPO}/pull/2#issuecomment-{}",
            report.id
        ))
    );
    ran.assert_summary_has("### edgeplan: apply");
    assert!(ran.summary.contains(&previewed));
    // The report leads with the comparison, then lists the names applied (collapsed).
    let lead = report.body.lines().nth(3).unwrap_or_default();
    assert!(lead.contains("matches the preview"), "{}", report.body);

    // The preview says it was applied, and by which run; it is still edgeplan's preview.
    let preview_comment = comments
        .iter()
        .find(|c| c.body.starts_with("<!-- edgeplan:preview"))
        .expect("preview");
    let note = format!(
        "> **Applied** on merge (commit `{}`) by [this workflow run](https://github.com/{REPO}/actions/runs/4242); the preview below is what was planned.",
        &SHA[..7]
    );
    assert_eq!(
        preview_comment.body.lines().nth(1),
        Some(note.as_str()),
        "{}",
        preview_comment.body
    );
    let preview_patches = w
        .gh()
        .count("PATCH", &format!("/issues/comments/{}", preview_comment.id));
    assert_eq!(preview_patches, 1);

    // A re-run of the job: nothing left to apply, the report is updated in place and says so.
    w.push_to_main().run_checked(0);
    assert_eq!(w.batches().len(), 1, "nothing re-sent");
    let comments = w.gh().comments(REPO, 2);
    assert_eq!(comments.len(), 2);
    let report = comments
        .iter()
        .find(|c| c.body.starts_with(APPLIED))
        .expect("report");
    assert!(report.body.contains("Nothing to apply"), "{}", report.body);
    // Nothing was applied by the re-run: the preview is not edited again.
    assert_eq!(
        w.gh()
            .count("PATCH", &format!("/issues/comments/{}", preview_comment.id)),
        preview_patches
    );
    assert_eq!(preview_comment.body.matches("**Applied**").count(), 1);
    assert!(
        !report.body.contains("matches the preview"),
        "{}",
        report.body
    );
}

#[test]
fn squash_merge_to_master_applies_when_master_is_the_default_branch() {
    let w = seeded_world();
    w.gh().add_pull(REPO, SHA, merged_pull(7, "master", SHA));
    // Another PR that contains the commit but was merged elsewhere gets no report.
    w.gh().add_pull(REPO, SHA, merged_pull(8, "release", SHA));
    w.action(
        "push",
        &push_payload(
            "push.master.squash-merge.json",
            "refs/heads/master",
            "master",
        ),
    )
    .var("GITHUB_REF", "refs/heads/master")
    .run_checked(0);
    assert_applied(&w);
    let report = w.gh().comments(REPO, 7);
    assert_eq!(report.len(), 1);
    assert!(report[0].body.starts_with(APPLIED));
    assert!(
        report[0].body.contains("No edgeplan preview"),
        "{}",
        report[0].body
    );
    assert!(w.gh().comments(REPO, 8).is_empty());
}

#[test]
fn a_direct_push_applies_and_reports_in_the_summary_only() {
    let w = seeded_world();
    let started = std::time::Instant::now();
    let ran = w.push_to_main().run_checked(0);
    assert_applied(&w);
    assert!(w.gh().all_comments().is_empty());
    ran.assert_stdout_has("merged no pull request");
    // The reviewed-plan gate looks for the merged pull request up to 30 s (16 lookups, 2 s
    // apart by default) before it calls the push direct; the report reuses what it found.
    assert_eq!(
        w.gh().count("GET", "/pulls"),
        16,
        "the lookup is retried while GitHub lags"
    );
    ran.assert_stderr_has("asking again every 0.02 s for at most 0.3 s");
    ran.assert_stdout_has("a direct push");
    assert!(
        started.elapsed().as_secs() < 5,
        "EDGEPLAN_GITHUB_RETRY_MS keeps it short"
    );
}

#[test]
fn push_to_another_branch_plans_only() {
    let w = seeded_world();
    let feature = push_payload("push.new-branch.json", "refs/heads/feature", "main");
    let ran = w
        .action("push", &feature)
        .var("GITHUB_REF", "refs/heads/feature")
        .run_checked(0);
    assert_eq!(w.cf_writes(), 0);
    ran.assert_stdout_has("::notice::push to `feature`");
    // A drift report: what drifted and what the next apply would do, never "merge".
    crate::action_drift::assert_drift_report(&ran, "push", 2);
    assert!(w.gh().log().is_empty());

    // Asking for apply there is refused.
    let refused = w.action("push", &feature).command("apply").run_checked(1);
    refused.assert_stderr_has("only runs on the default branch `main`");
    assert_eq!(w.cf_writes(), 0);
}

#[test]
fn workflow_dispatch_plans_by_default_and_applies_on_request() {
    let w = seeded_world();
    for (payload, input) in [
        (dispatch("refs/heads/main", None), ""),
        (dispatch("refs/heads/main", Some("plan")), ""),
        (dispatch("refs/heads/main", Some("apply")), "plan"),
    ] {
        let ran = w
            .action("workflow_dispatch", &payload)
            .command(input)
            .run_checked(0);
        assert_eq!(w.cf_writes(), 0, "{}", ran.dump());
        assert_eq!(ran.output("has-changes").as_deref(), Some("true"));
    }
    // Off the default branch, apply is refused.
    let refused = w
        .action(
            "workflow_dispatch",
            &dispatch("refs/heads/dev", Some("apply")),
        )
        .run_checked(1);
    refused.assert_stderr_has("apply is refused on `dev`");
    assert_eq!(w.cf_writes(), 0);

    // The dispatch input, then the action input, each applies.
    let ran = w
        .action(
            "workflow_dispatch",
            &dispatch("refs/heads/main", Some("apply")),
        )
        .run_checked(0);
    assert_applied(&w);
    // Dispatch reports in the summary only; the apply is recorded as a deployment.
    assert_eq!(w.gh().count("POST", "/issues/"), 0, "no comment");
    assert_eq!(
        w.gh().count("POST", "/deployments"),
        3,
        "{:#?}",
        w.gh().log()
    );
    let recorded = w.gh().deploys().deployments();
    assert_eq!(recorded.len(), 1);
    assert_eq!(recorded[0].states, ["in_progress", "success"]);
    assert!(ran.summary.contains("### edgeplan: apply"));
    w.endpoints(&[("sentiment", OLD), ("embeddings", EMB)]);
    w.action("workflow_dispatch", &dispatch("refs/heads/main", None))
        .command("apply")
        .run_checked(0);
    assert_eq!(w.batches().len(), 2);
    assert_eq!(
        record(&w.cf.records("example.com"), "sentiment.example.com").map(|r| r.content.clone()),
        Some(OLD.to_string())
    );
}

#[test]
fn too_many_deletes_are_refused_unless_allow_deletes_is_set() {
    let w = World::for_action();
    for name in ["a", "b", "c", "d"] {
        w.owned(name, &format!("{name}.origin.example.net"));
    }
    w.write_manifest("version: 1\nzone: example.com\nendpoints: []\n");
    w.gh().add_pull(REPO, SHA, merged_pull(2, "main", SHA));
    let refused = w.push_to_main().run_checked(1);
    assert_eq!(w.cf_writes(), 0);
    let report = w.gh().comments(REPO, 2);
    assert_eq!(report.len(), 1);
    let plan_file = refused.output("plan-json").expect("plan-json");
    let fp = refused.fingerprint();
    let more = [
        (plan_file.as_str(), "[plan-json]"),
        (fp.as_str(), "[fingerprint]"),
    ];
    let snap = w.redact(
        &format!("{}\n--- comment\n{}", refused.dump(), report[0].body),
        &more,
    );
    insta::assert_snapshot!("too_many_deletes_refused_run", snap);
    assert!(
        !report[0].body.contains("matches the preview"),
        "{}",
        report[0].body
    );

    w.push_to_main()
        .var("INPUT_ALLOW_DELETES", "true")
        .run_checked(0);
    assert!(w.cf.records("example.com").is_empty());
    assert_eq!(
        w.gh().comments(REPO, 2).len(),
        1,
        "the report was updated in place"
    );
}

#[test]
fn schedule_reports_drift_without_applying() {
    let w = seeded_world();
    let mut p = payload("push.main.json");
    p["repository"]["full_name"] = REPO.into();
    let ran = w
        .action("schedule", &p)
        .var("GITHUB_REF", "refs/heads/main")
        .run_checked(0);
    assert_eq!(w.cf_writes(), 0);
    assert_eq!(ran.output("has-changes").as_deref(), Some("true"));
    ran.assert_summary_has("drift report");
    assert!(w.gh().log().is_empty());
}
