//! The reviewed plan, or nothing (docs/action.md): a push apply compares each (zone, owner)
//! digest of its plan with the merged pull request's previews before it writes, run as the real
//! binary against the local GitHub and Cloudflare. Writes are counted from the local
//! Cloudflare's request log: a refusal sends none.

use crate::apply_gated_replan::{
    delete_sentiment_during_the_stalled_read, unknown_outcome_then_a_stalled_read,
};
use crate::support::cloudflare::Fault;
use crate::support::github::{BOT_LOGIN, StoredComment, merged_pull};
use crate::support::github_git::GitFile;
use crate::support::harness::{REPO, Run, SHA, World, dispatch_apply, wait_until};
use serde_json::json;

const OLD: &str = "sentiment-old.us-east-1.elb.amazonaws.com";
const NEW: &str = "sentiment-new.us-east-1.elb.amazonaws.com";
const EVIL: &str = "sentiment.attacker.example.net";
const EMB: &str = "embeddings-7f3kq2xz4a-uc.a.run.app";
/// The commit the preview read (the pull request's test merge commit).
const PREVIEW_SHA: &str = "5a1b2c3d4e5f60718293a4b5c6d7e8f901234567";

fn manifest_text(target: &str) -> String {
    format!(
        "version: 1\nzone: example.com\nendpoints:\n  - name: sentiment\n    target: {target}\n  - name: embeddings\n    target: {EMB}\n"
    )
}

/// A zone holding `sentiment -> OLD`, the manifest repointing it to `target` and adding one.
fn world(target: &str) -> World {
    let w = World::for_action();
    w.owned("sentiment", OLD);
    w.write_manifest(&manifest_text(target));
    w
}

/// The preview of the pull request (#2), computed at [`PREVIEW_SHA`].
fn preview(w: &World) {
    w.pull_request("pull_request.opened.json")
        .var("GITHUB_SHA", PREVIEW_SHA)
        .run_checked(0);
}

fn merged(w: &World) {
    w.gh().add_pull(REPO, SHA, merged_pull(2, "main", SHA));
}

/// [`world`] with `NEW`, previewed, then merged unchanged: the reviewed plan is the one to apply.
fn reviewed_and_merged() -> World {
    let w = world(NEW);
    preview(&w);
    merged(&w);
    w
}

/// [`world`] with `NEW`, previewed, then changed to `EVIL` and merged: the plan to apply is not
/// the reviewed one.
fn changed_after_review() -> World {
    let w = world(NEW);
    preview(&w);
    w.write_manifest(&manifest_text(EVIL));
    merged(&w);
    w
}

/// 300 endpoints, previewed and merged, whose chunk 2 of 2 is answered 500 every time it is
/// sent: an apply lands chunk 1 and fails.
fn reviewed_and_merged_with_a_failing_second_chunk() -> World {
    let w = World::for_action();
    w.many(300);
    preview(&w);
    merged(&w);
    w.cf.inject_from("POST", "/batch", 1, Fault::ServerErrorHtml, 20);
    w
}

fn report(w: &World) -> StoredComment {
    let all = w.gh().comments(REPO, 2);
    let reports: Vec<&StoredComment> = all
        .iter()
        .filter(|c| c.body.starts_with("<!-- edgeplan:applied"))
        .collect();
    assert_eq!(reports.len(), 1, "one apply report: {all:#?}");
    reports[0].clone()
}

fn sentiment(w: &World) -> String {
    (w.cf.records("example.com").into_iter())
        .find(|r| r.name == "sentiment.example.com")
        .map(|r| r.content)
        .unwrap_or_default()
}

/// `text` with each short digest in a code span (`` `sha256:` `` and 12 hex digits) replaced by
/// `[digest]`: digests hash record ids, which the local Cloudflare makes at random.
fn short_digests(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find("`sha256:") {
        out.push_str(&rest[..i]);
        let hex = &rest[i + 8..];
        let n = hex.bytes().take_while(u8::is_ascii_hexdigit).count();
        if n == 12 && hex[n..].starts_with('`') {
            out.push_str("`[digest]`");
            rest = &hex[n + 1..];
        } else {
            out.push_str("`sha256:");
            rest = hex;
        }
    }
    out.push_str(rest);
    out
}

/// The merged manifest is not the reviewed one (a change pushed after the preview, a merge
/// result that differs): nothing is written, the report says why and the way forward, a re-run
/// is refused the same, and `workflow_dispatch` applies it deliberately.
#[test]
fn a_plan_that_differs_from_the_preview_writes_nothing_and_says_the_way_forward() {
    let w = changed_after_review();
    // The files of both commits, as GitHub serves them.
    let file = |t: &str| GitFile::Blob(manifest_text(t).into_bytes());
    w.gh().commit(PREVIEW_SHA, &[("edgeplan.yaml", file(NEW))]);
    w.gh().commit(SHA, &[("edgeplan.yaml", file(EVIL))]);

    let ran = w.push_to_main().run_checked(1);
    assert_eq!(w.cf_writes(), 0, "{:?}", w.cf.requests());
    assert_eq!(sentiment(&w), OLD);
    ran.assert_stderr_has("apply refused, nothing was written: the plan is not the reviewed one");
    ran.assert_stderr_has("`example.com/default`: the plan differs from the one reviewed");
    ran.assert_stderr_has("help: if the new plan is what should happen");
    assert_eq!(
        ran.stderr
            .matches("apply refused, nothing was written")
            .count(),
        1,
        "said once: {}",
        ran.stderr
    );
    assert!(
        ran.stdout.contains(
            "::error title=edgeplan%3A not the reviewed plan::apply refused, nothing was written"
        ),
        "{}",
        ran.stdout
    );
    let body = report(&w).body;
    assert!(
        body.starts_with(&format!("<!-- edgeplan:applied sha={SHA} -->\n")),
        "{body}"
    );
    assert!(
        !body.lines().any(|l| l.starts_with("<!-- edgeplan:preview")),
        "never a preview marker, or a re-run would pass: {body}"
    );
    let preview = (w.gh().comments(REPO, 2).into_iter())
        .find(|c| c.body.starts_with("<!-- edgeplan:preview"))
        .expect("the preview");
    assert!(!preview.body.contains("**Applied**"), "{}", preview.body);
    let fp = ran.fingerprint();
    let snap = short_digests(&w.redact(
        &body,
        &[
            (
                &format!("issuecomment-{}", preview.id),
                "issuecomment-[preview]",
            ),
            (&fp, "[fingerprint]"),
        ],
    ));
    insta::assert_snapshot!("gate_refused_report", snap);
    ran.assert_summary_has(
        "> **Apply refused, nothing was applied: the plan is not the one reviewed on #2**",
    );
    // The plan-json output reads the same verdict: refused, for a reason of the run.
    let verdict = &ran.plan_json()["verdict"];
    assert_eq!(verdict["refused"], true, "{verdict}");
    assert_eq!(
        verdict["run_refused"][0]["reason"], "not_reviewed",
        "{verdict}"
    );
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/docs/plan.schema.json"
        ))
        .expect("plan schema"),
    )
    .expect("schema JSON");
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    let errors: Vec<String> = (validator.iter_errors(&ran.plan_json()))
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "plan-json breaks its schema: {errors:?}");

    // A re-run of the job reads the same previews: refused again, still nothing written.
    w.push_to_main().run_checked(1);
    assert_eq!(w.cf_writes(), 0);
    assert_eq!(
        w.gh().comments(REPO, 2).len(),
        2,
        "the report updated in place"
    );

    // The deliberate way forward: a person dispatches the apply.
    w.action("workflow_dispatch", &dispatch_apply())
        .run_checked(0);
    assert_eq!(sentiment(&w), EVIL);
}

/// The plan the preview showed applies; a re-run after success has nothing to apply, exits 0
/// and asks nothing of the gate.
#[test]
fn the_reviewed_plan_applies_and_a_rerun_after_success_exits_zero() {
    let w = world(NEW);
    preview(&w);
    // A moved line and a comment in the manifest change no digest.
    w.write_manifest(&format!("# reviewed\n{}", manifest_text(NEW)));
    merged(&w);
    let ran = w.push_to_main().run_checked(0);
    assert_eq!(sentiment(&w), NEW);
    assert_eq!(w.batches().len(), 1);
    ran.assert_stdout_has("reviewed plan: #2: the plan of each zone is the one its preview showed");
    assert!(
        report(&w)
            .body
            .contains("The plan matches the preview this pull request showed"),
        "{}",
        report(&w).body
    );
    let lookups = w.gh().count("GET", "/pulls");
    let listings = w.gh().count("GET", "/issues/2/comments");

    let again = w.push_to_main().run_checked(0);
    again.assert_stdout_has("nothing to apply");
    assert_eq!(w.batches().len(), 1, "nothing re-sent");
    assert_eq!(
        w.gh().count("GET", "/pulls"),
        lookups + 1,
        "only the report looks the pull request up"
    );
    assert!(w.gh().count("GET", "/issues/2/comments") > listings);
}

/// An API failure while looking for the preview is exit 3 with nothing written: an error never
/// reads as "no preview".
#[test]
fn an_api_failure_while_looking_is_exit_3_and_writes_nothing() {
    let w = reviewed_and_merged();
    let writes = w.gh_writes();
    // `comment-author` given: no `GET /user`, so the next GET is the merged-PR lookup.
    w.gh().fail_next(
        "GET",
        403,
        json!({"message": "Resource not accessible by integration"}),
    );
    let ran = w
        .push_to_main()
        .var("INPUT_COMMENT_AUTHOR", BOT_LOGIN)
        .run_checked(3);
    assert_eq!(w.cf_writes(), 0);
    assert_eq!(w.gh_writes(), writes, "no report either");
    ran.assert_stderr_has("list pull requests for commit");
    assert_eq!(sentiment(&w), OLD);

    // The same when the pull request's comments cannot be listed.
    w.gh().fail_next_at(
        "GET",
        "/issues/2/comments",
        403,
        json!({"message": "Resource not accessible by integration"}),
    );
    let ran = w.push_to_main().run_checked(3);
    assert_eq!(w.cf_writes(), 0);
    assert_eq!(w.gh_writes(), writes);
    ran.assert_stderr_has("list comments on octo-org/dns#2 (page 1): HTTP 403");
}

/// A partial failure records what is left (`remaining=`) in the report's marker; a re-run of the
/// commit, whose plan is now that rest, passes and converges; a further re-run exits 0.
#[test]
fn a_rerun_after_a_partial_failure_passes_what_remained() {
    let w = reviewed_and_merged_with_a_failing_second_chunk();
    let failed = w.push_to_main().run_checked(3);
    failed.assert_stdout_has(
        "edgeplan: left for a re-run of this commit: remaining=example.com/default:sha256:",
    );
    w.cf.state().aimed.clear();
    assert_eq!(w.records().len(), 200, "chunk 1 landed");
    let marker = report(&w).marker().to_string();
    assert!(
        marker.starts_with(&format!(
            "<!-- edgeplan:applied sha={SHA} v=1 remaining=example.com/default:sha256:"
        )),
        "{marker}"
    );

    let rerun = w.push_to_main().run_checked(0);
    rerun.assert_stdout_has("reviewed plan: #2");
    assert_eq!(w.records().len(), 300);
    w.assert_one_record_per_name();
    let after = report(&w).body;
    assert_eq!(
        after.lines().next(),
        Some(format!("<!-- edgeplan:applied sha={SHA} -->").as_str()),
        "nothing remains: {after}"
    );
    w.push_to_main().run_checked(0);
}

/// The push apply under `reviewed-plan: require`: refused (exit 1), nothing written.
fn refused_under_require(w: &World) -> Run {
    let ran = w
        .push_to_main()
        .var("INPUT_REVIEWED_PLAN", "require")
        .run_checked(1);
    assert_eq!(w.cf_writes(), 0);
    ran
}

#[test]
fn require_refuses_a_direct_push_and_a_pull_request_without_a_preview() {
    let w = world(NEW);
    refused_under_require(&w).assert_stderr_has("this push merged no pull request");

    merged(&w);
    refused_under_require(&w).assert_stderr_has("the pull request has no edgeplan preview");
    assert!(report(&w).body.contains("reviewed-plan: require"));

    // Under `match` (the default) the same push applies, and says it had nothing to compare.
    let ran = w.push_to_main().run_checked(0);
    ran.assert_stdout_has("::notice::reviewed plan: #2: the pull request has no edgeplan preview");
    assert_eq!(sentiment(&w), NEW);
}

#[test]
fn a_push_apply_without_a_github_token_is_a_usage_error_unless_the_gate_is_off() {
    let w = world(NEW);
    let ran = w.push_to_main().unset("GITHUB_TOKEN").run_checked(64);
    ran.assert_stderr_has("reviewed-plan: off");
    assert_eq!(w.cf.requests().len(), 0, "nothing read either");
    let bad = w
        .push_to_main()
        .var("INPUT_REVIEWED_PLAN", "sometimes")
        .run_checked(64);
    bad.assert_stderr_has("expected match, require or off");
    w.push_to_main()
        .unset("GITHUB_TOKEN")
        .var("INPUT_REVIEWED_PLAN", "off")
        .run_checked(0);
    assert_eq!(sentiment(&w), NEW);
}

/// A zone changed while applying (a record deleted by hand during the re-read after an unknown
/// outcome): the apply stops (exit 3) and the pair is not recorded as `remaining=`, so a re-run
/// of the commit is refused instead of writing the change nobody checked.
#[test]
fn a_change_nobody_checked_is_not_left_for_a_rerun() {
    let w = reviewed_and_merged();
    // The third read of the records: the plan, the read just before writing, then the re-read
    // after the unknown outcome.
    unknown_outcome_then_a_stalled_read(&w, 2);
    let ran = w
        .push_to_main()
        .run_meanwhile(|| delete_sentiment_during_the_stalled_read(&w))
        .expect(3);
    ran.assert_stderr_has("the zone changed while applying");
    ran.assert_stderr_has("a re-run of this commit is refused for it");
    let marker = report(&w).marker().to_string();
    assert!(!marker.contains("remaining="), "{marker}");
    w.cf.state().aimed.clear();
    let writes = w.cf_writes();
    w.push_to_main().run_checked(1);
    assert_eq!(w.cf_writes(), writes, "the re-run wrote nothing");
}

/// The record the reviewed plan repoints is changed by hand while the gate waits for GitHub to
/// list the merged pull request: the zones are read again just before writing, and nothing is
/// written over the change (exit 3).
#[test]
fn a_zone_changed_while_the_gate_waited_is_not_overwritten() {
    let w = reviewed_and_merged();
    w.gh().pulls_empty_for(3);
    let ran = w
        .push_to_main()
        .run_meanwhile(|| {
            wait_until(|| w.gh().count("GET", "/commits/") > 0, || "no lookup");
            w.change_by_hand(|records| {
                for r in records.iter_mut() {
                    if r.name == "sentiment.example.com" {
                        r.content = EVIL.to_string();
                    }
                }
            });
        })
        .expect(3);
    ran.assert_stderr_has("the zone changed while the apply was checked");
    assert_eq!(w.cf_writes(), 0);
    assert_eq!(sentiment(&w), EVIL);
}

/// Under `comment: false` no apply report holds `remaining=`: the deployment's payload does, and
/// the re-run of the commit passes through it ("re-run the job" loses nothing).
#[test]
fn a_rerun_after_a_partial_failure_without_comments_reads_the_deployment() {
    let w = reviewed_and_merged_with_a_failing_second_chunk();
    let writes = w.gh().count("POST", "/issues/");
    w.push_to_main()
        .var("INPUT_COMMENT", "false")
        .run_checked(3);
    w.cf.state().aimed.clear();
    assert_eq!(w.records().len(), 200, "chunk 1 landed");
    assert_eq!(
        w.gh().count("POST", "/issues/"),
        writes,
        "no report written"
    );
    let rerun = w
        .push_to_main()
        .var("INPUT_COMMENT", "false")
        .run_checked(0);
    rerun.assert_stdout_has("reviewed plan: #2");
    assert_eq!(w.records().len(), 300);
    w.assert_one_record_per_name();
}

/// `comment: false` stops comment writes only: the gate still reads, and refuses.
#[test]
fn comment_false_still_reads_the_previews() {
    let w = changed_after_review();
    let writes = w.gh_writes();
    let ran = w
        .push_to_main()
        .var("INPUT_COMMENT", "false")
        .run_checked(1);
    assert_eq!(w.cf_writes(), 0);
    assert_eq!(w.gh_writes(), writes, "no comment written");
    assert!(w.gh().count("GET", "/issues/2/comments") > 0);
    ran.assert_summary_has("Apply refused, nothing was applied");
}

/// The previews are by another identity edgeplan may write as (the workflow token's bot) while
/// this job posts as an app: refused, with help naming `comment-author`.
#[test]
fn a_preview_by_another_identity_refuses_with_help_naming_comment_author() {
    let w = reviewed_and_merged();
    let ran = w
        .push_to_main()
        .var("INPUT_COMMENT_AUTHOR", "my-app[bot]")
        .run_checked(1);
    assert_eq!(w.cf_writes(), 0);
    ran.assert_stderr_has("the only previews on the pull request are by `github-actions[bot]`");
    ran.assert_stderr_has("help: if edgeplan previews as that identity");
    ran.assert_stderr_has("`comment-author`");
}

#[test]
fn a_preview_of_an_invalid_manifest_refuses() {
    let w = world(NEW);
    w.write_manifest(
        "version: 1\nzone: example.com\nendpoints:\n  - name: sentiment\n    targt: x\n",
    );
    w.pull_request("pull_request.opened.json").run_checked(1);
    w.write_manifest(&manifest_text(NEW));
    merged(&w);
    let ran = w.push_to_main().run_checked(1);
    assert_eq!(w.cf_writes(), 0);
    ran.assert_stderr_has("plan=invalid");
}

/// Matrix previews (one comment per manifest, `separate-comment`) and one apply job of both:
/// compared pair by pair, whatever the `manifest=` key.
#[test]
fn matrix_previews_compare_pair_by_pair_with_one_apply_job() {
    let w = World::for_action();
    let write = |name: &str, owner: &str, target: &str| {
        w.write_in_workspace(
            name,
            &format!(
                "version: 1\nzone: example.com\nowner: {owner}\nendpoints:\n  - name: {owner}-api\n    target: {target}\n"
            ),
        );
    };
    write("a.yaml", "alpha", "a.origin.example.net");
    write("b.yaml", "beta", "b.origin.example.net");
    for m in ["a.yaml", "b.yaml"] {
        w.pull_request("pull_request.opened.json")
            .var("INPUT_MANIFEST", m)
            .var("INPUT_SEPARATE_COMMENT", "true")
            .run_checked(0);
    }
    assert_eq!(
        w.gh().comments(REPO, 2).len(),
        2,
        "one preview per manifest"
    );
    merged(&w);
    // `b.yaml` changed after its preview: the pair example.com/beta differs, alpha does not.
    write("b.yaml", "beta", "b2.origin.example.net");
    let both = "a.yaml\nb.yaml";
    let ran = w.push_to_main().var("INPUT_MANIFEST", both).run_checked(1);
    assert_eq!(w.cf_writes(), 0);
    ran.assert_stderr_has("`example.com/beta`: the plan differs");
    assert!(!ran.stderr.contains("example.com/alpha"), "{}", ran.stderr);

    write("b.yaml", "beta", "b.origin.example.net");
    w.push_to_main().var("INPUT_MANIFEST", both).run_checked(0);
    assert_eq!(w.records().len(), 2);
}

/// GitHub lists the merged pull request a few seconds after the push: the gate keeps asking
/// (said on stderr) and compares with that pull request's preview, never calling it a direct
/// push early.
#[test]
fn the_lookup_waits_for_github_to_list_the_merged_pull_request() {
    let w = changed_after_review();
    w.gh().pulls_empty_for(5);
    let ran = w.push_to_main().run_checked(1);
    assert_eq!(w.cf_writes(), 0);
    // Six lookups of `commits/{sha}/pulls`; the preview's own re-read (`pulls/{n}`) aside.
    let lookups = w.gh().count("GET", "/pulls") - w.gh().count("GET", "/pulls/");
    assert_eq!(lookups, 6);
    ran.assert_stderr_has("GitHub lists no pull request merged as 0123456789ab yet");
    ran.assert_stderr_has("`example.com/default`: the plan differs");
}

/// Only the pull request whose merge commit is the push is compared; another one that contains
/// the commit gets the report and nothing of its previews is read as reviewed.
#[test]
fn only_the_pull_request_the_push_merged_is_compared() {
    let w = reviewed_and_merged();
    let other = format!(
        "<!-- edgeplan:preview v=1 reviewed=example.com/default:sha256:{} plan=ok -->\nan older plan",
        "0".repeat(64)
    );
    w.gh().seed_comment(REPO, 9, BOT_LOGIN, "Bot", &other);
    w.gh().add_pull(
        REPO,
        SHA,
        merged_pull(9, "main", "fedcba9876543210fedcba9876543210fedcba98"),
    );
    w.push_to_main().run_checked(0);
    assert_eq!(sentiment(&w), NEW);
    let reports: Vec<StoredComment> = (w.gh().comments(REPO, 9).into_iter())
        .filter(|c| c.body.starts_with("<!-- edgeplan:applied"))
        .collect();
    assert_eq!(reports.len(), 1, "#9 gets the report too");
    assert!(w.gh().count("GET", "/issues/9/comments") > 0);
}
