//! Stale commits never apply, stale previews never overwrite (DESIGN section 6, docs/action.md
//! "Stale commits and stale previews"), through the real binary against the local GitHub (its
//! deployments, comparisons and pull requests: `support/github_deploy.rs`) and Cloudflare:
//! an older push re-run after a newer one writes nothing and names both commits; an unrelated
//! later commit, GitHub's own deployments for a job's `environment:` and another identity's
//! deployments do not block; a re-run of the same commit passes; a force-pushed branch is
//! refused on push and applied by a dispatch of its current head; API failures and a refused
//! deployment are exit 3 with nothing written; a preview of an old head or a closed pull request
//! writes no comment; racing previews leave one comment.

use serde_json::Value;

use crate::action_pr::MARKER;
use crate::support::cloudflare::{Fault, Rec};
use crate::support::github::{BOT_LOGIN, rendered_link_problem};
use crate::support::harness::{
    REPO, Run, World, assert_no_tokens, dispatch_apply, payload, push_payload,
};

const ENV: &str = "edgeplan/edgeplan.yaml";
const TASK: &str = "edgeplan-apply";
const C0: &str = "c000000000000000000000000000000000000000";
const C1: &str = "c111111111111111111111111111111111111111";
const C2: &str = "c222222222222222222222222222222222222222";
const C3: &str = "c333333333333333333333333333333333333333";
const D1: &str = "d111111111111111111111111111111111111111";
const D2: &str = "d222222222222222222222222222222222222222";
const FIRST: &str = "first-origin.us-east-1.elb.amazonaws.com";
const SECOND: &str = "second-origin.us-east-1.elb.amazonaws.com";

/// A zone holding `sentiment` pointed at neither target, and the history C0 - C1 - C2 - C3.
fn world() -> World {
    let w = World::for_action();
    w.owned("sentiment", "initial.us-east-1.elb.amazonaws.com");
    w.gh().deploys().chain(&[C0, C1, C2, C3]);
    w
}

/// The push of `sha` to `main` with the workspace at `target` (the checkout of that commit).
fn push(w: &World, sha: &str, target: &str) -> Run {
    w.endpoints(&[("sentiment", target)]);
    let mut p = push_payload("push.main.json", "refs/heads/main", "main");
    p["after"] = sha.into();
    let ran = w.action("push", &p).var("GITHUB_SHA", sha).run();
    assert_no_tokens(w, &ran);
    ran
}

fn dispatch(w: &World, sha: &str, target: &str) -> Run {
    w.endpoints(&[("sentiment", target)]);
    let ran = w
        .action("workflow_dispatch", &dispatch_apply())
        .var("GITHUB_SHA", sha)
        .run();
    assert_no_tokens(w, &ran);
    ran
}

fn target(w: &World) -> String {
    let records: Vec<Rec> = w.records();
    records
        .iter()
        .find(|r| r.name == "sentiment.example.com")
        .map(|r| r.content.clone())
        .expect("sentiment")
}

/// edgeplan's deployments in [`ENV`]: (commit, states).
fn recorded(w: &World) -> Vec<(String, Vec<String>)> {
    w.gh()
        .deploys()
        .deployments()
        .into_iter()
        .filter(|d| d.task == TASK && d.environment == ENV && d.creator == BOT_LOGIN)
        .map(|d| (d.sha, d.states))
        .collect()
}

#[test]
fn a_rerun_of_an_older_push_after_a_newer_one_writes_nothing_and_names_both_commits() {
    let w = world();
    push(&w, C1, FIRST).assert_code(0);
    assert_eq!(target(&w), FIRST);
    push(&w, C2, SECOND).assert_code(0);
    assert_eq!(target(&w), SECOND);
    let writes = w.cf_writes();

    // "Re-run jobs" on the run of C1: its checkout holds the older manifest.
    let ran = push(&w, C1, FIRST);
    ran.assert_code(1);
    assert_eq!(w.cf_writes(), writes, "nothing written: {}", ran.dump());
    assert_eq!(target(&w), SECOND, "the newer commit's target stays");
    for needle in [C1, C2, "stale commit", "is older than", ENV] {
        ran.assert_stderr_has(needle);
        ran.assert_summary_has(needle);
    }
    ran.assert_stderr_has("help: a newer commit was applied");
    ran.assert_stderr_has("workflow_dispatch applies only the default branch's current head");
    ran.assert_summary_has("> **Apply refused, nothing was applied: stale commit:");
    let verdict = &ran.plan_json()["verdict"];
    assert_eq!(verdict["refused"], true, "{verdict}");
    assert_eq!(
        verdict["run_refused"][0]["reason"], "stale_commit",
        "{verdict}"
    );
    // Refused before the deployment: the record still says C2 was the last applied.
    assert_eq!(
        recorded(&w),
        [
            (
                C1.to_string(),
                vec!["in_progress".into(), "success".into(), "inactive".into()]
            ),
            (C2.to_string(), vec!["in_progress".into(), "success".into()]),
        ]
    );
    let deployments_written = w.gh().count("POST", "/deployments");
    assert_eq!(deployments_written, 6, "two deployments, two statuses each");
    assert_eq!(rendered_link_problem(&ran.summary), None, "{}", ran.summary);
    let fp = ran.fingerprint();
    let snap = w.redact(&ran.summary, &[(&fp, "[fingerprint]")]);
    insta::assert_snapshot!("stale_commit_summary", snap);
}

#[test]
fn an_unrelated_later_commit_and_other_deployments_do_not_block_a_newer_commit() {
    let w = world();
    push(&w, C1, FIRST).assert_code(0);
    // C2 (the manifest change) waits for its environment's approval while C3 (a README merge)
    // lands. GitHub records the approved job's own `environment:` deployment of C3, and someone
    // else's token records an edgeplan-looking success of C3: neither is edgeplan's record.
    let deploys = w.gh().deploys();
    deploys.seed(REPO, C3, "deploy", "production", BOT_LOGIN, &["success"]);
    deploys.seed(REPO, C3, TASK, ENV, "mallory", &["success"]);
    let ran = push(&w, C2, SECOND);
    ran.assert_code(0);
    ran.assert_stdout_has(&format!(
        "commit {C2} is ahead of the last applied commit {C1}"
    ));
    assert_eq!(target(&w), SECOND);
    // Then C3's own run (the README merge) has nothing to write: it looks nothing up and
    // records nothing, so C2 stays the last applied commit.
    let batches = w.batches().len();
    let lookups = w.gh().count("GET", "/deployments");
    push(&w, C3, SECOND).assert_code(0);
    assert_eq!(w.batches().len(), batches);
    assert_eq!(w.gh().count("GET", "/deployments"), lookups);
    assert_eq!(
        recorded(&w)
            .iter()
            .filter(|(_, states)| states.last().is_some_and(|s| s == "success"))
            .count(),
        1,
        "one current success: {:?}",
        recorded(&w)
    );
    assert_eq!(recorded(&w).last().map(|(sha, _)| sha.as_str()), Some(C2));
}

/// A re-run of the commit after it applied has nothing to write: it exits 0, looks nothing up
/// and records nothing (DESIGN section 6: a plan empty everywhere looks nothing up).
#[test]
fn a_rerun_of_the_same_commit_after_success_looks_nothing_up() {
    let w = world();
    push(&w, C1, FIRST).assert_code(0);
    let before = w.gh().log().len();
    let ran = push(&w, C1, FIRST);
    ran.assert_code(0);
    assert_eq!(w.batches().len(), 1, "nothing left to write");
    let looked: Vec<String> = (w.gh().log().into_iter().skip(before))
        .map(|l| format!("{} {}", l.method, l.path))
        .filter(|l| l.contains("/deployments") || l.contains("/compare/"))
        .collect();
    assert!(looked.is_empty(), "{looked:?}");
    let states: Vec<Vec<String>> = recorded(&w)
        .into_iter()
        .inspect(|(sha, _)| assert_eq!(sha, C1))
        .map(|(_, states)| states)
        .collect();
    assert_eq!(states, [vec!["in_progress", "success"]]);
}

#[test]
fn a_force_pushed_branch_is_refused_on_push_and_applied_by_dispatching_its_current_head() {
    let w = world();
    push(&w, C1, FIRST).assert_code(0);
    // main is force-pushed: D1 replaces C1 (both children of C0).
    let deploys = w.gh().deploys();
    deploys.history(D1, &[C0]);
    deploys.chain(&[D1, D2]);
    deploys.branch("main", D1);
    let writes = w.cf_writes();
    let ran = push(&w, D1, SECOND);
    ran.assert_code(1);
    assert_eq!(w.cf_writes(), writes);
    ran.assert_stderr_has("have diverged");
    ran.assert_stderr_has("workflow_dispatch with `command: apply` on the default branch");

    // A person dispatches the branch as it is now: applied and recorded.
    let ran = dispatch(&w, D1, SECOND);
    ran.assert_code(0);
    ran.assert_stdout_has(&format!("{D1} is the current head of `main`"));
    assert_eq!(target(&w), SECOND);
    assert_eq!(recorded(&w).last().map(|(sha, _)| sha.as_str()), Some(D1));

    // The next push is ahead of it; a re-run of the old dispatch run after that is refused.
    push(&w, D2, FIRST).assert_code(0);
    deploys.branch("main", D2);
    let writes = w.cf_writes();
    let ran = dispatch(&w, D1, SECOND);
    ran.assert_code(1);
    assert_eq!(w.cf_writes(), writes);
    assert_eq!(target(&w), FIRST);
    ran.assert_stderr_has("dispatch the workflow again");
}

#[test]
fn a_commit_github_cannot_compare_counts_as_diverged() {
    let w = world();
    push(&w, C1, FIRST).assert_code(0);
    // main was force-pushed to an unrelated history, and the applied commit is gone: GitHub
    // answers 404 to the comparison.
    const E1: &str = "e111111111111111111111111111111111111111";
    w.gh().deploys().branch("main", E1);
    let writes = w.cf_writes();
    let ran = push(&w, E1, SECOND);
    ran.assert_code(1);
    assert_eq!(w.cf_writes(), writes, "{}", ran.dump());
    ran.assert_stdout_has(&format!("GitHub cannot compare {C1}...{E1}"));
    ran.assert_stderr_has("have diverged");
    // The way forward still works: dispatch the branch's current head.
    dispatch(&w, E1, SECOND).assert_code(0);
    assert_eq!(target(&w), SECOND);
}

/// The push of C1 to a [`world`] whose GitHub answers `status` to the deployments call `kind`
/// `times` times: exit 3, nothing written to Cloudflare.
fn push_failing(kind: &str, status: u16, times: usize) -> (World, Run) {
    let w = world();
    w.gh().deploys().fail(kind, status, times);
    let ran = push(&w, C1, FIRST);
    ran.assert_code(3);
    assert_eq!(w.cf_writes(), 0, "{}", ran.dump());
    (w, ran)
}

#[test]
fn a_refused_deployment_is_exit_3_with_nothing_written() {
    let (w, ran) = push_failing("create", 403, 1);
    ran.assert_stderr_has("HTTP 403");
    ran.assert_stderr_has("permissions: deployments: write");
    assert!(recorded(&w).is_empty());
}

#[test]
fn an_api_error_while_reading_the_record_is_exit_3_with_nothing_written() {
    // Every attempt of the listing fails (GitHub reads are retried three times).
    let (w, ran) = push_failing("deployments", 502, 4);
    ran.assert_stderr_has("list deployments in `edgeplan/edgeplan.yaml`");
    assert_eq!(w.gh().count("POST", "/deployments"), 0);

    // The statuses of the last deployment, and the comparison, likewise.
    push(&w, C1, FIRST).assert_code(0);
    let writes = w.cf_writes();
    w.gh().deploys().fail("statuses", 500, 4);
    push(&w, C2, SECOND).assert_code(3);
    w.gh().deploys().fail("compare", 500, 4);
    let ran = push(&w, C2, SECOND);
    ran.assert_code(3);
    ran.assert_stderr_has(&format!("compare {C1}...{C2}"));
    assert_eq!(w.cf_writes(), writes);
    assert_eq!(target(&w), FIRST);
}

#[test]
fn without_a_github_token_the_apply_is_not_recorded_and_says_so() {
    let w = world();
    w.endpoints(&[("sentiment", FIRST)]);
    let mut p = push_payload("push.main.json", "refs/heads/main", "main");
    p["after"] = C1.into();
    let ran = w
        .action("push", &p)
        .var("GITHUB_SHA", C1)
        .var("INPUT_REVIEWED_PLAN", "off")
        .unset("GITHUB_TOKEN")
        .run();
    ran.assert_code(0);
    ran.assert_stdout_has("::warning::no GitHub token: this apply is not recorded as a deployment");
    assert_eq!(target(&w), FIRST);
    assert!(w.gh().log().is_empty());
}

/// A preview of pull request 2 at the recorded payload's head.
fn preview(w: &World) -> Run {
    w.endpoints(&[("sentiment", SECOND)]);
    let ran = w.pull_request("pull_request.opened.json").run();
    assert_no_tokens(w, &ran);
    ran
}

fn head() -> String {
    payload("pull_request.opened.json")["pull_request"]["head"]["sha"]
        .as_str()
        .expect("head")
        .to_string()
}

#[test]
fn a_preview_of_a_head_that_moved_on_writes_no_comment_and_exits_0() {
    let w = world();
    // The pull request got a new commit after this run started.
    w.gh().deploys().set_pull(2, "open", D2);
    let ran = preview(&w);
    ran.assert_code(0);
    assert_eq!(w.gh_writes(), 0, "{}", ran.dump());
    assert!(w.gh().comments(REPO, 2).is_empty());
    ran.assert_stdout_has(&format!(
        "::notice::pull request #2 moved on to commit {D2} after this run started (it previewed {})",
        head()
    ));
    ran.assert_summary_has("no comment was written");
    assert_eq!(rendered_link_problem(&ran.summary), None, "{}", ran.summary);
    // The summary still has the preview itself.
    ran.assert_summary_has("sentiment.example.com");
    assert_eq!(ran.output("comment-url"), None);

    // The run for the current head writes it.
    w.gh().deploys().set_pull(2, "open", &head());
    preview(&w).assert_code(0);
    assert_eq!(w.gh().comments(REPO, 2).len(), 1);
}

/// A push lands while the preview lists the pull request's comments (after the run read the
/// pull request once): the pull request is read again right before the write, so the older
/// head's plan does not replace the preview.
#[test]
fn a_push_while_the_comments_are_listed_writes_nothing_over_the_preview() {
    let w = world();
    preview(&w).assert_code(0);
    let before = w.gh().comments(REPO, 2);
    assert_eq!(before.len(), 1);
    // The zone changed since: this run's body differs from the preview.
    w.owned("other", "elsewhere.example.net");
    w.gh().push_while_listing(2, D2);
    let ran = preview(&w);
    ran.assert_code(0);
    ran.assert_stdout_has(&format!("pull request #2 moved on to commit {D2}"));
    assert_eq!(w.gh().comments(REPO, 2), before, "{}", ran.dump());
}

#[test]
fn a_preview_of_a_closed_or_merged_pull_request_leaves_the_comment_alone() {
    let w = world();
    let body = format!("{MARKER}\nthe reviewed preview");
    let id = w.gh().seed_comment(REPO, 2, BOT_LOGIN, "Bot", &body);
    for state in ["merged", "closed"] {
        w.gh().deploys().set_pull(2, state, &head());
        let ran = preview(&w);
        ran.assert_code(0);
        ran.assert_stdout_has(&format!("pull request #2 is {state} now"));
        assert_eq!(w.gh_writes(), 0, "{}", ran.dump());
        let comments = w.gh().comments(REPO, 2);
        assert_eq!(comments.len(), 1);
        assert_eq!(
            (comments[0].id, comments[0].body.as_str()),
            (id, body.as_str())
        );
    }
}

#[test]
fn a_comment_created_by_a_racing_run_leaves_one_preview_the_oldest() {
    let w = world();
    // A person quoting the marker: never touched.
    let quoted = format!("{MARKER}\nI think this is wrong");
    let person = w.gh().seed_comment(REPO, 2, "octocat", "User", &quoted);
    // Another run's comment lands between this run's listing and its create.
    w.gh().race_next_create(
        REPO,
        2,
        BOT_LOGIN,
        "Bot",
        &format!("{MARKER}\nthe racing run"),
    );
    let ran = preview(&w);
    ran.assert_code(0);
    let comments = w.gh().comments(REPO, 2);
    let mine: Vec<_> = comments.iter().filter(|c| c.login == BOT_LOGIN).collect();
    assert_eq!(mine.len(), 1, "{comments:#?}\n{}", ran.dump());
    let racing = mine[0];
    // The racing run's comment landed first (the next id after the person's): it is kept.
    assert_eq!(racing.id, person + 1);
    assert!(
        racing.body.contains("sentiment.example.com"),
        "updated: {}",
        racing.body
    );
    assert_eq!(w.gh().count("DELETE", "/issues/comments/"), 1);
    assert!(comments.iter().any(|c| c.id == person && c.body == quoted));
    assert_eq!(
        ran.output("comment-url"),
        Some(format!(
            "https://github.com/{REPO}/pull/2#issuecomment-{}",
            racing.id
        ))
    );
}

#[test]
fn two_previews_at_once_leave_one_comment() {
    let w = world();
    w.endpoints(&[("sentiment", SECOND)]);
    let runs: Vec<Run> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..2)
            .map(|_| {
                let action = w.pull_request("pull_request.opened.json");
                scope.spawn(move || action.run())
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("run"))
            .collect()
    });
    for ran in &runs {
        ran.assert_code(0);
    }
    let comments = w.gh().comments(REPO, 2);
    assert_eq!(comments.len(), 1, "{comments:#?}");
    let urls: Vec<Option<String>> = runs.iter().map(|r| r.output("comment-url")).collect();
    assert!(
        urls.iter().all(|u| u
            .as_deref()
            .is_some_and(|u| u.ends_with(&comments[0].id.to_string()))),
        "{urls:?}"
    );
}

/// The deployments edgeplan writes carry what GitHub needs and the run: checked on the wire.
#[test]
fn the_deployment_request_is_edgeplans_own_task_and_environment() {
    let w = world();
    push(&w, C1, FIRST).assert_code(0);
    let created = w
        .gh()
        .log()
        .into_iter()
        .find(|l| l.method == "POST" && l.path.ends_with("/deployments"))
        .expect("a deployment");
    let body: Value = serde_json::from_str(&created.body).expect("json");
    assert_eq!(body["ref"], C1);
    assert_eq!(body["task"], TASK);
    assert_eq!(body["environment"], ENV);
    assert_eq!(body["auto_merge"], false);
    assert_eq!(body["required_contexts"], serde_json::json!([]));
    assert_eq!(
        body["payload"]["edgeplan"]["run"],
        format!("https://github.com/{REPO}/actions/runs/4242")
    );
    // `in_progress`, then `success` after the write.
    let statuses: Vec<String> = w
        .gh()
        .log()
        .into_iter()
        .filter(|l| l.path.ends_with("/statuses") && l.method == "POST")
        .map(|l| l.body)
        .collect();
    assert_eq!(statuses.len(), 2);
    assert!(statuses[0].contains("in_progress") && statuses[1].contains("\"success\""));

    // What the record costs: the first apply lists (empty), creates, sets two statuses; a
    // later one also reads the last success's statuses and compares.
    let cost = |w: &World| {
        let log = w.gh().log();
        let record = |l: &&crate::support::github::Logged| {
            l.path.contains("/deployments") || l.path.contains("/compare/")
        };
        log.iter().filter(record).count()
    };
    assert_eq!(cost(&w), 4, "{:#?}", w.gh().log());
    push(&w, C2, SECOND).assert_code(0);
    assert_eq!(cost(&w), 4 + 6, "{:#?}", w.gh().log());
}

#[test]
fn a_failed_apply_is_recorded_as_failure_and_its_rerun_applies() {
    let w = world();
    push(&w, C1, FIRST).assert_code(0);
    // Cloudflare fails every batch of C2's run.
    w.cf.inject_from("POST", "/batch", 0, Fault::ServerErrorHtml, 50);
    let ran = push(&w, C2, SECOND);
    ran.assert_code(3);
    assert_eq!(target(&w), FIRST);
    // The apply's own record, then the record that carries what is left (`remaining=`): a
    // deployment's payload cannot change once it is created.
    let records = recorded(&w);
    assert_eq!(
        records[records.len() - 2..],
        [
            (C2.to_string(), vec!["in_progress".into(), "failure".into()]),
            (C2.to_string(), vec!["failure".into()]),
        ]
    );
    // A failed apply is not the last applied commit; the re-run of C2, ahead of C1, applies.
    w.cf.state().aimed.clear();
    let ran = push(&w, C2, SECOND);
    ran.assert_code(0);
    ran.assert_stdout_has(&format!(
        "commit {C2} is ahead of the last applied commit {C1}"
    ));
    assert_eq!(target(&w), SECOND);
    assert_eq!(
        recorded(&w).last(),
        Some(&(C2.to_string(), vec!["in_progress".into(), "success".into()]))
    );
}

/// A status POST lost to a 502 is sent again within the client's bounds: the deployment ends
/// `success`, not `in_progress`, so the next run sees the commit as applied (found in review:
/// the status was sent once).
#[test]
fn a_status_post_lost_to_a_502_is_sent_again_and_the_apply_is_recorded() {
    let w = world();
    w.gh().deploys().fail("status", 502, 1);
    let ran = push(&w, C1, FIRST);
    ran.assert_code(0);
    assert_eq!(target(&w), FIRST);
    assert_eq!(
        recorded(&w),
        [(
            C1.to_string(),
            vec!["in_progress".to_string(), "success".to_string()]
        )],
        "{}",
        ran.dump()
    );
    // The next commit is compared with C1, not refused for want of a record.
    push(&w, C2, SECOND).assert_code(0);
    assert_eq!(target(&w), SECOND);
}

mod record {
    //! `github::deployments` against the local GitHub, through the library: what the
    //! reviewed-plan gate reads back, and the walk over pages.

    use serde_json::json;

    use super::{BOT_LOGIN, C1, C2, ENV, REPO, TASK};
    use crate::support::github::{GitHub, WRITE_TOKEN};
    use edgeplan::github::client::GitHubClient;
    use edgeplan::github::comment::Author;
    use edgeplan::github::deployments::{self, Deployment, State};
    use edgeplan::github::event::Repo;

    fn client(gh: &GitHub) -> GitHubClient {
        gh.client(WRITE_TOKEN, 1, 1)
    }

    fn repo() -> Repo {
        Repo::parse(REPO).expect("repo")
    }

    /// The last success of edgeplan's own in [`ENV`], which must be there.
    async fn found(c: &GitHubClient, repo: &Repo, me: &Author) -> Deployment {
        deployments::last_success(c, repo, ENV, me)
            .await
            .expect("last")
            .expect("found")
    }

    #[tokio::test]
    async fn remaining_digests_are_read_back_for_their_commit_until_it_is_applied() {
        let gh = GitHub::start();
        let (c, repo, me) = (client(&gh), repo(), Author::default());
        let d = deployments::create(&c, &repo, C1, ENV, &json!({}))
            .await
            .expect("create");
        for state in [State::InProgress, State::Failure] {
            deployments::set_status(&c, &repo, d.id, state, "x", None)
                .await
                .expect("status");
        }
        let pairs = vec!["reviewed=example.com/default:sha256:00ff".to_string()];
        deployments::record_remaining(&c, &repo, &d, &pairs, None)
            .await
            .expect("record");
        let read = |sha: &'static str| {
            let (c, repo, me) = (&c, &repo, &me);
            async move {
                deployments::remaining(c, repo, ENV, me, sha)
                    .await
                    .expect("remaining")
            }
        };
        assert_eq!(read(C1).await, Some(pairs.clone()));
        assert_eq!(read(C2).await, None, "another commit has none");
        // Another identity's record of C1 is not read.
        gh.deploys()
            .seed(REPO, C1, TASK, ENV, "mallory", &["failure"]);
        assert_eq!(read(C1).await, Some(pairs));
        // Once C1 is applied, nothing remains.
        let again = deployments::create(&c, &repo, C1, ENV, &json!({}))
            .await
            .expect("create");
        deployments::set_status(&c, &repo, again.id, State::Success, "x", None)
            .await
            .expect("status");
        assert_eq!(read(C1).await, None);
        assert_eq!(
            deployments::last_success(&c, &repo, ENV, &me)
                .await
                .expect("last")
                .map(|d| d.id),
            Some(again.id)
        );
    }

    #[tokio::test]
    async fn the_last_success_is_found_past_pages_of_other_deployments_and_never_guessed() {
        let gh = GitHub::start();
        let (c, repo, me) = (client(&gh), repo(), Author::default());
        let deploys = gh.deploys();
        let ours = deploys.seed(REPO, C1, TASK, ENV, BOT_LOGIN, &["in_progress", "success"]);
        for _ in 0..150 {
            deploys.seed(REPO, C2, TASK, ENV, "mallory", &["success"]);
        }
        for _ in 0..3 {
            deploys.seed(REPO, C2, TASK, ENV, BOT_LOGIN, &["in_progress", "failure"]);
        }
        let last = found(&c, &repo, &me).await;
        assert_eq!((last.id, last.sha.as_str()), (ours, C1));
        assert_eq!(
            gh.count("GET", "/deployments?"),
            0,
            "the query is not in the path"
        );
        let pages = gh
            .log()
            .iter()
            .filter(|l| l.path.ends_with("/deployments"))
            .count();
        assert_eq!(pages, 2, "154 deployments, 100 a page");
        // Only our own deployments' statuses were read: three failures, then the success.
        assert_eq!(gh.count("GET", "/statuses"), 4);

        // Fifty more of edgeplan's own without a success (each failed write adds one or two):
        // still found, past them, on the bounded pages (found in review: this was an error,
        // and every later apply exited 3).
        for _ in 0..50 {
            deploys.seed(REPO, C2, TASK, ENV, BOT_LOGIN, &["in_progress", "failure"]);
        }
        let last = found(&c, &repo, &me).await;
        assert_eq!(last.id, ours);
        // An empty environment: nothing applied yet.
        assert_eq!(
            deployments::last_success(&c, &repo, "edgeplan/other.yaml", &me)
                .await
                .expect("last"),
            None
        );
    }

    /// Past the bound (10 pages of 100) without a success of edgeplan's own: an error, never
    /// "nothing applied", whose help says which deployments to delete and how.
    #[tokio::test]
    async fn past_the_bound_the_error_says_which_deployments_to_delete_and_how() {
        let gh = GitHub::start();
        let (c, repo, me) = (client(&gh), repo(), Author::default());
        let deploys = gh.deploys();
        deploys.seed(REPO, C1, TASK, ENV, BOT_LOGIN, &["in_progress", "success"]);
        let pages = deployments::MAX_PAGES;
        for _ in 0..pages * 100 {
            deploys.seed(REPO, C2, TASK, ENV, BOT_LOGIN, &["in_progress", "failure"]);
        }
        let err = deployments::last_success(&c, &repo, ENV, &me)
            .await
            .expect_err("past the bound");
        assert!(err.to_string().contains("no `success`"), "{err}");
        let help = err.help().expect("help");
        for needle in [
            "-f state=inactive",
            &format!("gh api -X DELETE repos/{REPO}/deployments/ID"),
            &format!("deployments?task={TASK}&environment={ENV}"),
            "Too many deployments without a success",
        ] {
            assert!(help.contains(needle), "{needle}: {help}");
        }
        let listed = gh
            .log()
            .iter()
            .filter(|l| l.path.ends_with("/deployments"))
            .count();
        assert_eq!(listed, pages, "the bound is {pages} pages");
        // The way out, followed: the failed ones deleted, the success is found again.
        let stale: Vec<u64> = deploys
            .deployments()
            .iter()
            .filter(|d| d.states.last().is_some_and(|s| s == "failure"))
            .map(|d| d.id)
            .collect();
        deploys.remove(&stale);
        let last = found(&c, &repo, &me).await;
        assert_eq!(last.sha, C1);
    }

    /// Adding a status is safe to repeat: one lost to a 502 is sent again (found in review:
    /// sent once, a 502 left the deployment `in_progress` after the DNS changed).
    #[tokio::test]
    async fn a_status_lost_to_a_502_is_sent_again() {
        let gh = GitHub::start();
        let (c, repo) = (client(&gh), repo());
        let d = deployments::create(&c, &repo, C1, ENV, &json!({}))
            .await
            .expect("create");
        for state in [State::InProgress, State::Success] {
            gh.deploys().fail("status", 502, 1);
            deployments::set_status(&c, &repo, d.id, state, "x", None)
                .await
                .expect("status");
        }
        let stored = gh.deploys().deployments();
        assert_eq!(stored[0].states, ["in_progress", "success"]);
        assert_eq!(gh.count("POST", "/statuses"), 4, "each sent twice");
        // A deployment itself is still created once: a 502 there is an error, not a second one.
        gh.deploys().fail("create", 502, 1);
        assert!(
            deployments::create(&c, &repo, C2, ENV, &json!({}))
                .await
                .is_err()
        );
        assert_eq!(gh.deploys().deployments().len(), 1);
    }
}
