//! One verdict, counted once: whatever presents a plan (the comment's headline and table, the
//! step summary, the plan JSON, the terminal, the apply report, the exit code) reads the same
//! value, so they agree. An adoption is one change everywhere, though the zone receives a delete
//! and a create for one that replaces an A record.

use crate::action_pr::{LEGACY, NEW};
use crate::support::harness::{REPO, World};
use serde_json::json;

const ADOPTING: &str = "version: 1
zone: example.com
endpoints:
  - name: sentiment
    target: sentiment-new.us-east-1.elb.amazonaws.com
  - name: vision
    target: gpu-vm-01.ml-prod.example.net
    adopt: true
  - name: api
    target: api-new.example.net
    adopt: true
  - name: fresh
    target: fresh.example.net
";

/// A zone where [`ADOPTING`] means one delete (legacy), two adoptions (an unowned A replaced by
/// the CNAME, an unowned CNAME taken over in place), one update and one create: 5 changes, 6
/// record writes.
fn adopting_world() -> World {
    let w = World::for_action();
    w.owned("sentiment", "sentiment-old.us-east-1.elb.amazonaws.com");
    w.owned("legacy", LEGACY);
    w.by_hand(json!({"type": "A", "name": "vision", "content": "203.0.113.7", "proxied": false}));
    w.by_hand(
        json!({"type": "CNAME", "name": "api", "content": "api-old.example.net", "proxied": true}),
    );
    w.write_manifest(ADOPTING);
    assert!(ADOPTING.contains(NEW));
    w
}

const COUNTS: &str = "1 to delete, 2 to adopt, 1 to update, 1 to create";

/// The change rows of a Markdown body's tables.
fn rows(body: &str) -> Vec<&str> {
    body.lines()
        .filter(|l| {
            ["| delete", "| adopt", "| update", "| create"]
                .iter()
                .any(|p| l.starts_with(p))
        })
        .collect()
}

#[test]
fn an_adoption_counts_once_in_the_headline_the_table_the_summary_the_json_and_the_terminal() {
    // Why: a headline of 7 changes over a table of 6 was seen (an adoption counted twice in one
    // and once in the other); every presenter now reads the pipeline's one count.
    let w = adopting_world();
    let ran = w.pull_request("pull_request.opened.json").run_checked(0);
    let comments = w.gh().comments(REPO, 2);
    let body = &comments[0].body;
    let headline =
        format!("**Merge applies 5 changes to `example.com` in one atomic batch ({COUNTS})**");
    for (what, text) in [
        ("comment", body.as_str()),
        ("summary", ran.summary.as_str()),
    ] {
        assert!(
            text.lines().any(|l| l.starts_with(&headline)),
            "{what}:\n{text}"
        );
        assert!(
            text.contains(&format!("owner `default`: {COUNTS}, 0 unchanged")),
            "{what}:\n{text}"
        );
        assert_eq!(rows(text).len(), 5, "{what}: one row per change\n{text}");
    }
    let plan: serde_json::Value = ran.plan_json();
    let verdict = &plan["verdict"];
    assert_eq!(
        verdict["changes"],
        json!({"create": 1, "update": 1, "adopt": 2, "delete": 1, "total": 5}),
        "{plan:#}"
    );
    assert_eq!(verdict["refused"], false);
    // The zone's changes are the record writes: the A record's delete and the CNAME's create
    // make one adoption, the in-place take-over is an update.
    let summary = &plan["zones"][0]["summary"];
    assert_eq!(
        (
            summary["create"].as_u64(),
            summary["update"].as_u64(),
            summary["delete"].as_u64()
        ),
        (Some(2), Some(2), Some(2)),
        "{plan:#}"
    );

    let text = w.run(&["plan"]).expect(0);
    text.assert_stdout_has("Plan: 1 to create, 1 to update, 2 to adopt, 1 to delete.");
    text.assert_stdout_has(
        "example.com: 1 to create, 1 to update, 2 to adopt, 1 to delete, 0 unchanged",
    );

    // The apply report (a direct push: the step summary) lists each name once.
    let pushed = w.push_to_main().run_checked(0);
    let report = &pushed.summary;
    assert!(
        report.contains(&format!("**Applied 5 changes to 1 zone ({COUNTS}).**")),
        "{report}"
    );
    assert!(report.contains("5 names changed"), "{report}");
    for name in ["legacy", "vision", "api", "sentiment", "fresh"] {
        assert_eq!(
            report.matches(&format!("`{name}.example.com`")).count(),
            1,
            "{name}: {report}"
        );
    }
    assert!(report.contains("- adopt `vision.example.com`"), "{report}");
    assert_eq!(w.plan_code(), 0);
}

#[test]
fn a_conflict_refuses_the_plan_in_every_format_and_never_reads_as_no_changes() {
    // Why: a plan blocked by a conflict printed "No changes. The zones match the manifests.
    // 1 conflict" and the terminal's summary read like a clean plan.
    let w = World::free();
    w.by_hand(json!({"type": "TXT", "name": "api", "content": "verification", "proxied": false}));
    w.manifest("  - name: api\n    target: api.example.net\n");
    let text = w.run(&["plan"]).expect(1);
    assert!(
        !text.stdout.contains("The zones match the manifests"),
        "{}",
        text.dump()
    );
    text.assert_stdout_has("Apply would be refused: 1 conflict in example.com.");
    text.assert_stderr_has("is held by a record edgeplan does not own");
    w.run(&["plan", "--detailed-exitcode"]).expect(1);
    let md = w.run(&["plan", "--format", "markdown"]).expect(1);
    let second = md.stdout.lines().nth(1).unwrap_or_default();
    assert_eq!(second, "> [!CAUTION]", "{}", md.stdout);
    assert!(
        md.stdout
            .contains("> **Merge will be refused: 1 conflict in `example.com`**"),
        "{}",
        md.stdout
    );
    let json = w.run(&["plan", "--format", "json"]).expect(1);
    let plan: serde_json::Value = serde_json::from_str(&json.stdout).expect("plan JSON");
    assert_eq!(
        plan["verdict"]["zones"][0]["refused"],
        json!([{"reason": "conflicts", "names": ["api.example.com"]}])
    );
    w.apply().expect(1);
    assert!(w.batches().is_empty(), "a refused apply writes nothing");
}

#[test]
fn the_manifest_valid_comment_names_the_input_as_code_not_literal_backticks() {
    // Why: the notice under the "manifest valid" comment showed `cloudflare-api-token` with its
    // backticks as text.
    let w = World::for_action();
    w.manifest("  - name: api\n    target: api.example.net\n");
    let ran = w
        .pull_request("pull_request.opened.json")
        .unset("CLOUDFLARE_API_TOKEN")
        .run_checked(0);
    let comments = w.gh().comments(REPO, 2);
    for (what, body) in [
        ("comment", comments[0].body.as_str()),
        ("summary", ran.summary.as_str()),
    ] {
        assert!(body.contains("manifest valid"), "{what}: {body}");
        let html = crate::support::gfm::render_like_github(body);
        assert!(
            html.contains("<code>cloudflare-api-token</code>"),
            "{what}: {html}"
        );
        let text = crate::support::gfm::text_outside(&html, &["code"]);
        assert!(!text.contains('`'), "{what}: literal backticks in {text}");
    }
}
