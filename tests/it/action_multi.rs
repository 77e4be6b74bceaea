//! `edgeplan action` with several manifests (a glob in the `manifest` input): one sticky comment
//! for all zones, annotations with workspace-relative paths, and one atomic batch per zone on
//! apply. Run as the real binary against the local GitHub and Cloudflare servers.

use crate::support::cloudflare::Plan;
use crate::support::github::merged_pull;
use crate::support::harness::{REPO, SHA, World, payload};

fn two_zones() -> World {
    let w = World::for_action();
    w.cf.seed_zone("example.org", Plan::Pro);
    w.write_in_workspace(
        "dns/com.yaml",
        "version: 1\nzone: example.com\nowner: ml\nendpoints:\n  - name: sentiment\n    target: s.elb.amazonaws.com\n",
    );
    w.write_in_workspace(
        "dns/org.yaml",
        "version: 1\nzone: example.org\nowner: ml\nendpoints:\n  - name: rerank\n    target: r.lambda-url.eu-west-1.on.aws\n  - name: embed\n    target: e.a.run.app\n",
    );
    w
}

#[test]
fn several_manifests_share_one_comment_and_apply_one_batch_per_zone() {
    let w = two_zones();
    w.pull_request("pull_request.opened.json")
        .var("INPUT_MANIFEST", "dns/*.yaml")
        .run_checked(0);
    let comments = w.gh().comments(REPO, 2);
    assert_eq!(comments.len(), 1);
    let body = &comments[0].body;
    assert!(
        body.contains("- `example.com`, owner `ml`: 1 to create, 0 unchanged"),
        "{body}"
    );
    assert!(
        body.contains("- `example.org`, owner `ml`: 2 to create, 0 unchanged"),
        "{body}"
    );
    // The verdict first, with the commit, then one line per zone: one transaction per zone,
    // never across zones.
    assert_eq!(
        body.lines().nth(1),
        Some(
            "**Merge applies 3 changes to 2 zones, one transaction per zone at most, never across zones (3 to create)** (commit `0123456`)"
        ),
        "{body}"
    );
    assert!(
        body.contains("- `example.com`: 1 change in one atomic batch."),
        "{body}"
    );
    assert!(
        body.contains("- `example.org`: 2 changes in one atomic batch."),
        "{body}"
    );

    let mut push = payload("push.main.json");
    push["repository"]["full_name"] = REPO.into();
    w.gh().add_pull(REPO, SHA, merged_pull(2, "main", SHA));
    w.action("push", &push)
        .var("INPUT_MANIFEST", "dns/com.yaml\ndns/org.yaml\n")
        .run_checked(0);
    let batches: Vec<String> = w.batches().into_iter().map(|r| r.path).collect();
    assert_eq!(batches.len(), 2, "{batches:?}");
    assert_ne!(batches[0], batches[1], "one batch per zone");
    assert_eq!(w.cf.records("example.org").len(), 2);
    assert_eq!(
        w.cf.records("example.com")[0].comment.as_deref(),
        Some("edgeplan:ml")
    );
    let report = w.gh().comments(REPO, 2);
    assert_eq!(report.len(), 2);
    assert!(
        report
            .iter()
            .any(|c| c.body.contains("matches the preview")),
        "{report:#?}"
    );
}

#[test]
fn annotations_name_the_manifest_relative_to_the_workspace() {
    let w = two_zones();
    w.write_in_workspace(
        "dns/org.yaml",
        "version: 1\nzone: example.org\nendpoints:\n  - name: rerank\n    target: rerank\n",
    );
    let ran = w
        .pull_request("pull_request.opened.json")
        .var("INPUT_MANIFEST", "dns/*.yaml")
        .run_checked(1);
    ran.assert_stdout_has("::error file=dns/org.yaml,line=5,");
    let body = &w.gh().comments(REPO, 2)[0].body;
    assert!(body.contains("dns/org.yaml:5:"), "{body}");
    assert!(w.cf.requests().is_empty());
}
