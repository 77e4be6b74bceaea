//! `edgeplan action` on pull requests, run as the real binary against the local GitHub and
//! Cloudflare servers: the sticky comment (one, found on any page, untouched when unchanged),
//! validation failures reported on the PR and as annotations, apply refused, fork PRs, GHES, and
//! the step outputs and summary, as docs/action.md describes them.

use crate::support::github::{BOT_LOGIN, GitHub, READ_TOKEN};
use crate::support::harness::{CF_TOKEN, REPO, SHA, World, masked, pr_payload};
use serde_json::{Value, json};

pub(crate) const MARKER: &str = "<!-- edgeplan:preview -->";
const OLD: &str = "sentiment-old.us-east-1.elb.amazonaws.com";
pub(crate) const NEW: &str = "sentiment-new.us-east-1.elb.amazonaws.com";
pub(crate) const LEGACY: &str = "legacy.inference.example.net";
const EMB: &str = "embeddings-7f3kq2xz4a-uc.a.run.app";

/// A zone holding two records edgeplan owns, so that plans can create, update and delete (also
/// the world of `action_pr_edges`).
pub(crate) fn seeded_world() -> World {
    let w = World::for_action();
    w.owned("sentiment", OLD);
    w.owned("legacy", LEGACY);
    w
}

/// A preview comment that an earlier run left on pull request #2; returns its id.
pub(crate) fn older_preview(w: &World) -> u64 {
    w.gh().seed_comment(
        REPO,
        2,
        BOT_LOGIN,
        "Bot",
        &format!("{MARKER}\n### edgeplan: DNS preview\n\nan older plan"),
    )
}

/// The manifest of a plan with one update: sentiment retargeted to [`NEW`], legacy kept.
pub(crate) const ONE_UPDATE: &[(&str, &str)] = &[("sentiment", NEW), ("legacy", LEGACY)];

/// [`seeded_world`] with the [`ONE_UPDATE`] manifest.
pub(crate) fn one_update_world() -> World {
    let w = seeded_world();
    w.endpoints(ONE_UPDATE);
    w
}

#[test]
fn three_runs_with_changing_manifests_keep_one_comment_and_an_unchanged_one_writes_nothing() {
    let w = seeded_world();
    let opened = pr_payload("pull_request.opened.json");
    let sync = pr_payload("pull_request.synchronize.json");
    // Workflow run `id` of the PR event `payload`, on the manifest as it is now.
    let preview = |payload: &Value, id: &str| {
        w.action("pull_request", payload)
            .var("GITHUB_RUN_ID", id)
            .run_checked(0)
    };

    // Run 1: sentiment retargeted, legacy dropped.
    w.endpoints(&[("sentiment", NEW)]);
    let r1 = preview(&opened, "1");
    // Run 2: legacy kept after all.
    w.endpoints(ONE_UPDATE);
    let r2 = preview(&sync, "2");
    // Run 3: a new endpoint too.
    w.endpoints(&[("sentiment", NEW), ("legacy", LEGACY), ("embeddings", EMB)]);
    let r3 = preview(&sync, "3");

    let comments = w.gh().comments(REPO, 2);
    assert_eq!(comments.len(), 1, "{comments:#?}");
    let c = &comments[0];
    assert_eq!(c.login, BOT_LOGIN);
    assert_eq!(w.gh().count("POST", "/issues/2/comments"), 1);
    assert_eq!(
        w.gh().count("PATCH", &format!("/issues/comments/{}", c.id)),
        2
    );
    let url = r1.output("comment-url").expect("comment-url");
    assert!(url.ends_with(&format!("#issuecomment-{}", c.id)), "{url}");
    for r in [&r2, &r3] {
        assert_eq!(r.output("comment-url").as_deref(), Some(url.as_str()));
    }
    // Nothing was written to Cloudflare by a preview.
    assert_eq!(w.cf_writes(), 0);

    // The content: marker first, the counts, the table, the fingerprint of the plan JSON.
    let body = &c.body;
    assert!(!body.contains("legacy.example.com"), "{body}");
    let fp = r3.fingerprint();
    // The marker carries the fingerprint, where the apply report reads it.
    let marker = format!(
        "<!-- edgeplan:preview fingerprint={fp} v=1 reviewed=example.com/default:[digest] commit={SHA} plan=ok -->"
    );
    let first = body
        .lines()
        .next()
        .map(crate::support::harness::redact_digests);
    assert_eq!(first.as_deref(), Some(marker.as_str()), "{body}");
    assert!(fp.starts_with("sha256:") && fp.len() == 7 + 64, "{fp}");
    let more = [(fp.as_str(), "[fingerprint]")];
    let snap = w.redact(body, &more);
    insta::assert_snapshot!("three_runs_comment", snap);
    // Run 1's plan was different: it deleted legacy.
    r1.assert_summary_has(": 1 to delete, 1 to update, 0 unchanged");

    // Run 4, a new workflow run on the same manifest and zone: no write at all, even though the
    // run link differs.
    let before = w.gh_writes();
    let r4 = preview(&sync, "4");
    assert_eq!(
        w.gh_writes(),
        before,
        "an unchanged preview must not be re-sent"
    );
    assert_eq!(r4.output("comment-url").as_deref(), Some(url.as_str()));
    assert_eq!(w.gh().comments(REPO, 2)[0].body, *body);
    r4.assert_stdout_has("unchanged");
}

#[test]
fn a_sticky_comment_on_page_three_of_a_busy_pr_is_updated_not_duplicated() {
    let w = seeded_world();
    w.gh().seed_chatter(REPO, 2, 250);
    let old = older_preview(&w);
    w.gh().seed_chatter(REPO, 2, 20);
    // A person quoting the marker is never overwritten.
    let quote = w
        .gh()
        .seed_comment(REPO, 2, "mallory", "User", &format!("{MARKER}\nhi"));
    w.endpoints(ONE_UPDATE);

    let ran = w.pull_request("pull_request.opened.json").run_checked(0);

    let comments = w.gh().comments(REPO, 2);
    assert_eq!(comments.len(), 272, "no comment added or removed");
    let mine: Vec<_> = comments.iter().filter(|c| c.login == BOT_LOGIN).collect();
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0].id, old);
    assert!(
        mine[0].body.contains(": 1 to update, 1 unchanged"),
        "{}",
        mine[0].body
    );
    let person = comments.iter().find(|c| c.id == quote).expect("quote kept");
    assert_eq!(person.body, format!("{MARKER}\nhi"));
    assert_eq!(w.gh().count("POST", "/comments"), 0);
    assert_eq!(w.gh().count("PATCH", &format!("/issues/comments/{old}")), 1);
    // Every page was read, 100 at a time: 272 comments are three pages.
    let pages: Vec<String> = w
        .gh()
        .log()
        .iter()
        .filter(|l| l.method == "GET" && l.path.ends_with("/issues/2/comments"))
        .map(|l| {
            let q = |k: &str| {
                l.query
                    .iter()
                    .find(|(key, _)| key == k)
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default()
            };
            format!("{}:{}", q("per_page"), q("page"))
        })
        .collect();
    assert_eq!(pages, ["100:", "100:2", "100:3"]);
    assert!(
        ran.output("comment-url")
            .is_some_and(|u| u.ends_with(&format!("#issuecomment-{old}")))
    );
}

#[test]
fn an_invalid_manifest_is_commented_and_annotated_and_fails_the_step() {
    let w = seeded_world();
    w.write_manifest(
        "version: 1\nzone: example.com\nendpoints:\n  - name: sentiment\n    target: x.elb.amazonaws.com\n    proxed: true\n",
    );
    let ran = w.pull_request("pull_request.opened.json").run_checked(1);

    let annotation = ran
        .stdout
        .lines()
        .find(|l| l.starts_with("::error "))
        .unwrap_or_else(|| panic!("no error annotation\n{}", ran.dump()));
    assert!(
        annotation.starts_with("::error file=edgeplan.yaml,line=6,col="),
        "{annotation}"
    );
    assert!(annotation.contains("proxed"), "{annotation}");
    ran.assert_stderr_has("edgeplan.yaml:6:");

    let comments = w.gh().comments(REPO, 2);
    assert_eq!(comments.len(), 1);
    let body = &comments[0].body;
    let invalid = format!("<!-- edgeplan:preview commit={SHA} plan=invalid -->");
    assert_eq!(body.lines().next(), Some(invalid.as_str()));
    let snap = w.redact(body, &[]);
    insta::assert_snapshot!("invalid_manifest_comment", snap);
    ran.assert_summary_has("did you mean");
    assert_eq!(ran.output("has-changes").as_deref(), Some("false"));
    assert!(ran.output("comment-url").is_some());
    assert_eq!(
        w.cf.requests().len(),
        0,
        "an invalid manifest reads no zone"
    );

    // Fixed on the next push: the same comment now shows the plan.
    w.endpoints(ONE_UPDATE);
    w.pull_request("pull_request.synchronize.json")
        .run_checked(0);
    let comments = w.gh().comments(REPO, 2);
    assert_eq!(comments.len(), 1);
    assert!(comments[0].body.contains("DNS preview"));
}

#[test]
fn apply_on_a_pull_request_is_refused_without_touching_cloudflare() {
    let w = seeded_world();
    w.endpoints(&[("sentiment", NEW)]);
    for event in ["pull_request", "pull_request_target"] {
        let ran = w
            .action(event, &pr_payload("pull_request.opened.json"))
            .command("apply")
            .run_checked(1);
        let snap = w.redact(&ran.stderr, &[]);
        insta::assert_snapshot!(format!("refused_stderr_{event}"), snap);
        ran.assert_summary_has(&format!(
            "> **Apply refused, nothing was applied: apply does not run on `{event}`"
        ));
        ran.assert_stdout_has(&format!(
            "::error title=edgeplan%3A apply not run for this event::apply is refused on `{event}`"
        ));
    }
    assert_eq!(w.cf_writes(), 0);
    assert_eq!(w.cf.records("example.com")[0].content, OLD);
    assert_eq!(w.gh_writes(), 0, "nothing posted to the PR");
}

#[test]
fn a_fork_pull_request_without_secrets_validates_offline_and_passes() {
    let w = World::for_action();
    w.endpoints(&[("sentiment", NEW)]);
    let ran = w
        .pull_request("pull_request.opened.from-fork.json")
        .without_secrets()
        .run_checked(0);
    ran.assert_summary_has("comes from a fork");
    ran.assert_summary_has("manifest valid");
    ran.assert_stdout_has("::notice::");
    assert_eq!(
        w.gh_writes(),
        0,
        "a read-only token cannot comment; none attempted"
    );
    assert!(w.cf.requests().is_empty());
    assert_eq!(ran.output("has-changes").as_deref(), Some("false"));
    assert_eq!(masked(&ran), [READ_TOKEN]);

    // An invalid manifest on a fork: the contributor can fix it, so the step fails, with
    // annotations and still no comment attempt.
    w.write_manifest(
        "version: 1\nzone: example.com\nendpoints:\n  - name: a\n    target: 10.0.0.1\n",
    );
    let bad = w
        .pull_request("pull_request.opened.from-fork.json")
        .without_secrets()
        .run()
        .expect(1);
    bad.assert_stdout_has("::error file=edgeplan.yaml,line=5");
    bad.assert_summary_has("comes from a fork");
    assert_eq!(w.gh_writes(), 0);
}

#[test]
fn github_enterprise_server_uses_the_api_v3_base() {
    let w = World::with_github(GitHub::start_with_prefix("/api/v3"));
    w.endpoints(&[("sentiment", NEW)]);
    let mut payload = pr_payload("pull_request.opened.ghes-3.5.json");
    payload["repository"]["url"] = json!("https://ghes.example/api/v3/repos/octo-org/dns");
    w.action("pull_request", &payload).run_checked(0);
    assert!(w.gh().api_url().ends_with("/api/v3"));
    let log = w.gh().log();
    assert!(!log.is_empty());
    assert!(
        log.iter()
            .all(|l| l.path.starts_with("/api/v3/repos/") || l.path == "/api/v3/user"),
        "{:?}",
        log.iter().map(|l| &l.path).collect::<Vec<_>>()
    );
    assert_eq!(w.gh().comments(REPO, 2).len(), 1);
}

#[test]
fn outputs_and_summary_describe_the_plan() {
    let w = one_update_world();
    let ran = w.pull_request("pull_request.opened.json").run_checked(0);
    let outputs = ran.outputs();
    assert_eq!(
        outputs.keys().collect::<Vec<_>>(),
        ["comment-url", "has-changes", "plan-json"]
    );
    assert_eq!(outputs["has-changes"], "true");
    let plan = ran.plan_json();
    assert_eq!(plan["version"], 1);
    let schema_path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/plan.schema.json");
    let schema: Value =
        serde_json::from_str(&std::fs::read_to_string(schema_path).expect("plan schema"))
            .expect("schema JSON");
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(&plan)
        .map(|e| e.to_string())
        .collect();
    assert!(
        errors.is_empty(),
        "plan-json breaks docs/plan.schema.json: {errors:?}"
    );
    let zone = &plan["zones"][0];
    assert_eq!(zone["zone"], "example.com");
    assert_eq!(zone["zone_id"], w.zone_id.as_str());
    for (k, n) in [
        ("create", 0),
        ("update", 1),
        ("delete", 0),
        ("unchanged", 1),
    ] {
        assert_eq!(zone["summary"][k], n, "{k}: {}", zone["summary"]);
    }
    assert_eq!(zone["changes"][0]["after"]["content"], NEW);
    let path = std::path::Path::new(&outputs["plan-json"]);
    assert!(path.starts_with(w.runner_temp()), "{}", path.display());
    let comment = &w.gh().comments(REPO, 2)[0];
    assert_eq!(
        outputs["comment-url"],
        format!(
            "https://github.com/{REPO}/pull/2#issuecomment-{}",
            comment.id
        )
    );
    // The summary is the preview without the hidden marker.
    assert!(!ran.summary.contains(MARKER), "{}", ran.summary);
    assert!(ran.summary.contains("### edgeplan DNS preview"));
    assert!(
        ran.summary
            .contains(plan["fingerprint"].as_str().expect("fingerprint"))
    );
    // Masks first: the GitHub token, then the Cloudflare one.
    assert_eq!(masked(&ran), [crate::support::harness::GH_TOKEN, CF_TOKEN]);
    // The plan log is grouped.
    ran.assert_stdout_has("::group::");
    ran.assert_stdout_has("::endgroup::");

    // Once the zone matches, has-changes is false.
    w.endpoints(&[("sentiment", OLD), ("legacy", LEGACY)]);
    let same = w
        .pull_request("pull_request.synchronize.json")
        .run_checked(0);
    assert_eq!(same.output("has-changes").as_deref(), Some("false"));
    assert_eq!(same.plan_json()["zones"][0]["changes"], json!([]));
    // Two runs in one job (one RUNNER_TEMP) keep their own plan files.
    assert_ne!(same.output("plan-json"), ran.output("plan-json"));
    assert_eq!(ran.plan_json(), plan);
}

#[test]
fn comment_false_writes_the_summary_only() {
    let w = one_update_world();
    let ran = w
        .pull_request("pull_request.opened.json")
        .var("INPUT_COMMENT", "false")
        .run_checked(0);
    assert!(w.gh().log().is_empty(), "no GitHub call at all");
    assert!(ran.summary.contains("DNS preview"));
    assert_eq!(ran.output("comment-url"), None);
}
