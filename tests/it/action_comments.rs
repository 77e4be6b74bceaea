//! The sticky comment as a reviewer reads it, whole: snapshots of the body for a plan with no
//! changes, a merge refused by a failed origin check, and 300 changes on a Free zone (the other
//! cases are snapshotted beside their behaviour: the example in `action_pr`, a conflict in
//! `action_pr_edges`, an invalid manifest in `action_pr`, the apply report in `action_push`).
//! Every body the local GitHub receives is also rendered as GitHub renders it and checked
//! (`support::github::rendered_link_problem`): no broken link, no literal backslash escape, no
//! table row over 5 columns.

use crate::action_pr::{MARKER, ONE_UPDATE, seeded_world};
use crate::apply_health::manifest_probing;
use crate::support::github::{BOT_LOGIN, merged_pull};
use crate::support::harness::{REPO, SHA, World};
use crate::support::origin::{Behaviour, Origin};

/// The sticky comment on PR 2, redacted for a snapshot.
fn comment(w: &World, more: &[(&str, &str)]) -> String {
    let comments = w.gh().comments(REPO, 2);
    assert_eq!(comments.len(), 1, "{comments:#?}");
    w.redact(&comments[0].body, more)
}

#[test]
fn no_changes_comment_says_merge_changes_nothing() {
    let w = seeded_world();
    w.endpoints(&[
        ("sentiment", "sentiment-old.us-east-1.elb.amazonaws.com"),
        ("legacy", crate::action_pr::LEGACY),
    ]);
    let ran = w.pull_request("pull_request.opened.json").run_checked(0);
    assert_eq!(ran.output("has-changes").as_deref(), Some("false"));
    let fp = ran.fingerprint();
    let body = comment(&w, &[(fp.as_str(), "[fingerprint]")]);
    assert!(body.contains("**Merge changes nothing"), "{body}");
    insta::assert_snapshot!("no_changes_comment", body);
}

#[test]
fn a_merge_refused_by_a_failed_origin_fails_the_preview_and_skip_health_lifts_it() {
    let w = World::for_action();
    let origin = Origin::start(Behaviour::Status(503));
    manifest_probing(&w, &origin);
    let ran = w.pull_request("pull_request.opened.json").run_checked(1);
    ran.assert_stderr_has("skip-health: true");
    assert_eq!(w.cf_writes(), 0);
    let fp = ran.fingerprint();
    let url = origin.url("");
    let body = comment(
        &w,
        &[(fp.as_str(), "[fingerprint]"), (url.as_str(), "[origin]")],
    );
    assert!(
        body.contains("**Merge will be refused: origin check failed for `sentiment.example.com`**"),
        "{body}"
    );
    insta::assert_snapshot!("refused_origin_comment", body);

    // The same preview with the `skip-health` input: no probe, exit 0, and the verdict does not
    // promise what it did not check.
    let probes = origin.requests().len();
    let skipped = w
        .pull_request("pull_request.synchronize.json")
        .var("INPUT_SKIP_HEALTH", "true")
        .run_checked(0);
    assert_eq!(origin.requests().len(), probes, "no probe with skip-health");
    let body = comment(&w, &[]);
    assert!(
        body.contains("if the origins pass their checks (not checked here)"),
        "{body}"
    );
    assert_eq!(skipped.output("has-changes").as_deref(), Some("true"));

    // A value that is not a boolean is a usage error naming the input.
    let bad = w
        .pull_request("pull_request.synchronize.json")
        .var("INPUT_SKIP_HEALTH", "maybe")
        .run_checked(64);
    bad.assert_stderr_has("skip-health");
}

#[test]
fn three_hundred_changes_on_a_free_zone_are_grouped_collapsed_and_not_atomic() {
    let w = World::for_action();
    w.many(300);
    let ran = w.pull_request("pull_request.opened.json").run_checked(0);
    let fp = ran.fingerprint();
    let body = comment(&w, &[(fp.as_str(), "[fingerprint]")]);
    assert!(
        body.contains(
            "**Merge applies 300 changes to `example.com` in 2 batches, not atomic (300 to create)**"
        ),
        "{body}"
    );
    // Nothing is cut: only the creates are collapsed, and the comment says so at the top.
    assert!(
        body.contains("> **Note:** 300 creates collapsed below"),
        "{body}"
    );
    assert!(
        body.contains("<details><summary>example.com: 300 creates</summary>"),
        "{body}"
    );
    insta::assert_snapshot!("three_hundred_changes_comment", body);
}

#[test]
fn a_conflict_links_its_manifest_line_at_the_commit_the_preview_read() {
    let w = seeded_world();
    w.by_hand(
        serde_json::json!({"type": "A", "name": "api", "content": "192.0.2.10", "proxied": true}),
    );
    let mut endpoints = ONE_UPDATE.to_vec();
    endpoints.push(("api", "api-prod.models.example.net"));
    w.endpoints(&endpoints);
    w.pull_request("pull_request.opened.json").run_checked(1);
    let body = comment(&w, &[]);
    let link = format!(
        "[`edgeplan.yaml:8`](https://github.com/{REPO}/blob/{SHA}/edgeplan.yaml#L8) conflict:"
    );
    assert!(body.contains(&link), "{body}");
}

#[test]
fn after_an_apply_only_edgeplans_own_preview_is_marked_applied() {
    let w = seeded_world();
    w.endpoints(ONE_UPDATE);
    // A person quoting the marker, then edgeplan's own preview.
    let quote = w
        .gh()
        .seed_comment(REPO, 2, "mallory", "User", &format!("{MARKER}\nlooks good"));
    w.pull_request("pull_request.opened.json").run_checked(0);
    w.gh().add_pull(REPO, SHA, merged_pull(2, "main", SHA));
    w.push_to_main().run_checked(0);
    let comments = w.gh().comments(REPO, 2);
    let person = comments.iter().find(|c| c.id == quote).expect("the quote");
    assert_eq!(person.body, format!("{MARKER}\nlooks good"));
    assert_eq!(
        w.gh().count("PATCH", &format!("/issues/comments/{quote}")),
        0
    );
    let own = comments
        .iter()
        .find(|c| c.login == BOT_LOGIN && c.body.starts_with("<!-- edgeplan:preview"))
        .expect("edgeplan's preview");
    assert!(
        own.body
            .lines()
            .nth(1)
            .is_some_and(|l| l.starts_with("> **Applied** on merge")),
        "{}",
        own.body
    );
}
