//! `edgeplan action` on pull requests, the edges: a plan too big for one comment, duplicate
//! comments from a race, conflicts, a bad input, no GitHub token. Run as the real binary against
//! the local GitHub and Cloudflare servers (see `action_pr.rs` for the main flows).

use super::action_pr::{LEGACY, MARKER, NEW, ONE_UPDATE, one_update_world, seeded_world};
use crate::support::github::BOT_LOGIN;
use crate::support::harness::{CF_TOKEN, REPO, World, masked};
use serde_json::json;

#[test]
fn a_huge_plan_still_fits_in_one_comment_and_the_summary_has_all_of_it() {
    let w = World::for_action();
    let names: Vec<String> = (0..700).map(|i| format!("model-{i:04}")).collect();
    let targets: Vec<String> = names
        .iter()
        .map(|n| format!("{n}-inference-prod.us-east-1.elb.amazonaws.com"))
        .collect();
    let endpoints: Vec<(&str, &str)> = names
        .iter()
        .zip(&targets)
        .map(|(n, t)| (n.as_str(), t.as_str()))
        .collect();
    w.endpoints(&endpoints);
    let ran = w.pull_request("pull_request.opened.json").run_checked(0);
    let comments = w.gh().comments(REPO, 2);
    assert_eq!(comments.len(), 1, "{}", ran.dump());
    let body = &comments[0].body;
    assert!(body.chars().count() <= 65_536, "{}", body.len());
    assert!(
        body.starts_with("<!-- edgeplan:preview fingerprint=sha256:"),
        "{body}"
    );
    assert!(
        body.contains(": 700 to create, 0 unchanged"),
        "the counts are never cut"
    );
    assert!(body.contains("truncated"), "a note says the detail was cut");
    assert!(body.contains("Plan fingerprint: `sha256:"));
    // The summary is not cut at 60 kB: every row is there.
    assert!(ran.summary.len() > 65_536, "{}", ran.summary.len());
    assert!(ran.summary.contains("model-0699.example.com"));
    assert!(!body.contains("model-0699.example.com"));
}

#[test]
fn duplicate_preview_comments_from_a_race_are_collapsed_into_one() {
    let w = seeded_world();
    let older = w
        .gh()
        .seed_comment(REPO, 2, BOT_LOGIN, "Bot", &format!("{MARKER}\nold A"));
    let newer = w
        .gh()
        .seed_comment(REPO, 2, BOT_LOGIN, "Bot", &format!("{MARKER}\nold B"));
    w.endpoints(ONE_UPDATE);
    w.pull_request("pull_request.opened.json").run_checked(0);
    let comments = w.gh().comments(REPO, 2);
    assert_eq!(comments.len(), 1);
    // The oldest is kept and updated: every run racing agrees on which one that is.
    assert_eq!(comments[0].id, older, "the oldest is kept and updated");
    assert!(comments[0].body.contains("DNS preview"));
    assert_eq!(
        w.gh().count("DELETE", &format!("/issues/comments/{newer}")),
        1
    );
}

#[test]
fn a_bad_boolean_input_stops_with_a_usage_error_naming_it() {
    let w = seeded_world();
    let ran = w
        .pull_request("pull_request.opened.json")
        .var("INPUT_COMMENT", "yes")
        .run_checked(64);
    let snap = w.redact(&ran.dump(), &[]);
    insta::assert_snapshot!("bad_boolean_input_run", snap);
    assert!(w.gh().log().is_empty() && w.cf.requests().is_empty());
}

/// Every input is checked when the run starts, whatever the event: a typo in `skip-health` or
/// `public-check` used to pass the preview (the public check runs only on apply) and stop the
/// apply after merge; now it stops the preview, before any request, with the same message.
#[test]
fn a_bad_input_used_only_later_stops_the_preview_before_any_request() {
    for (var, value, message) in [
        (
            "INPUT_SKIP_HEALTH",
            "maybe",
            "error: input `skip-health` (env INPUT_SKIP_HEALTH) is `maybe`, not a boolean",
        ),
        (
            "INPUT_PUBLIC_CHECK",
            "strict",
            "error: the input `public-check` is `strict`, which is not warn, fail or off",
        ),
        (
            "INPUT_PUBLIC_CHECK_TIMEOUT",
            "2m",
            "error: the input `public-check-timeout` is `2m`, which is not a number of seconds between 1 and 3600",
        ),
    ] {
        let w = one_update_world();
        let ran = w
            .pull_request("pull_request.opened.json")
            .var(var, value)
            .run_checked(64);
        ran.assert_stderr_has(message);
        assert!(
            ran.summary.contains("edgeplan stopped on bad input"),
            "{}",
            ran.dump()
        );
        assert!(
            w.gh().log().is_empty() && w.cf.requests().is_empty(),
            "{var}"
        );
    }
}

#[test]
fn without_a_github_token_the_preview_goes_to_the_summary_with_a_notice() {
    let w = one_update_world();
    let ran = w
        .pull_request("pull_request.opened.json")
        .unset("GITHUB_TOKEN")
        .run_checked(0);
    ran.assert_stdout_has("::notice::no GitHub token");
    assert!(ran.summary.contains("DNS preview"));
    assert!(w.gh().log().is_empty());
    assert_eq!(masked(&ran), [CF_TOKEN]);
}

#[test]
fn a_conflict_is_shown_on_the_pr_annotated_on_its_line_and_fails_the_step() {
    let w = seeded_world();
    // `api` is held by a record nobody owns: the plan must not take it silently.
    let api_id = w.cf.add_record(
        "example.com",
        json!({"type": "A", "name": "api", "content": "192.0.2.10", "proxied": true}),
    );
    w.endpoints(&[
        ("sentiment", NEW),
        ("legacy", LEGACY),
        ("api", "api-gw.execute-api.us-east-1.amazonaws.com"),
    ]);
    let ran = w.pull_request("pull_request.opened.json").run_checked(1);
    // The third endpoint starts on line 8 of the generated manifest.
    ran.assert_stdout_has("::error file=edgeplan.yaml,line=8,col=1,title=edgeplan%3A conflict::");
    ran.assert_stderr_has("adopt: true");
    let comments = w.gh().comments(REPO, 2);
    assert_eq!(comments.len(), 1);
    let body = &comments[0].body;
    let fp = ran.fingerprint();
    let more = [
        (api_id.as_str(), "[record-id]"),
        (fp.as_str(), "[fingerprint]"),
    ];
    let snap = w.redact(body, &more);
    insta::assert_snapshot!("conflict_comment", snap);
    assert!(w.cf.requests().iter().all(|r| r.method == "GET"));
}

#[test]
fn a_read_only_token_without_secrets_is_a_warning_not_a_failure() {
    // A same-repository PR that runs without the repository's secrets (Dependabot PRs do): the
    // comment write gets 403, which its author cannot fix.
    let w = one_update_world();
    let ran = w
        .pull_request("pull_request.opened.json")
        .without_secrets()
        .run_checked(0);
    ran.assert_stdout_has("::warning::the preview comment could not be written");
    ran.assert_summary_has("manifest valid");
    ran.assert_summary_has("read-only token");
    assert!(w.gh().comments(REPO, 2).is_empty());

    // With a Cloudflare token the job is configured for previews: a read-only GitHub token is
    // then a missing `pull-requests: write`, and the step fails saying so.
    let misconfigured = w
        .pull_request("pull_request.opened.json")
        .var("GITHUB_TOKEN", crate::support::github::READ_TOKEN)
        .run_checked(3);
    misconfigured.assert_stderr_has("403");
    misconfigured.assert_stderr_has("pull-requests: write");
}

#[test]
fn a_sandbox_stands_in_for_cloudflare_in_the_action() {
    let w = World::for_action();
    let sandbox = w.tmp.path().join("sandbox");
    std::fs::create_dir_all(&sandbox).expect("mkdir");
    std::fs::write(
        sandbox.join("example.com.json"),
        json!([{"id": "0123456789abcdef0123456789abcdef", "type": "CNAME",
                "name": "sentiment.example.com", "content": "sentiment-old.us-east-1.elb.amazonaws.com",
                "proxied": true, "ttl": 1, "comment": "edgeplan:default"}])
        .to_string(),
    )
    .expect("seed");
    w.endpoints(&[("sentiment", NEW)]);
    let ran = w
        .pull_request("pull_request.opened.json")
        .unset("CLOUDFLARE_API_TOKEN")
        .var("EDGEPLAN_SANDBOX", &sandbox.to_string_lossy())
        .run_checked(0);
    assert!(w.cf.requests().is_empty(), "the sandbox, not Cloudflare");
    let body = &w.gh().comments(REPO, 2)[0].body;
    assert!(
        body.contains("- `example.com`, owner `default`: 1 to update, 0 unchanged"),
        "{body}"
    );
    assert!(
        !ran.stdout.contains("::notice::"),
        "no 'no token' notice: {}",
        ran.dump()
    );
}
