//! The label `edgeplan/allow-deletes` (DESIGN sections 2 and 5), through the real binary against
//! the local GitHub and Cloudflare servers: `labeled`/`unlabeled` for it re-run the preview,
//! which then shows the deletes approved; another label changes nothing; a push apply reads
//! the labels of the pull request it merged at apply time (only when the safety limit refuses),
//! so labelling and re-running a refused apply goes through; both say the label approved the
//! deletes. Only the merged pull request's labels count (not another pull request the commit
//! belongs to), a direct push and an apply run by hand read none, an apply without a GitHub
//! token says it could not read them, and a fork's preview (`pull_request_target`) honours the
//! label like any pull request's: only people with triage access to the base repository set it.
//! Documented in docs/action.md ("Undo a bad merge").

use crate::support::github::merged_pull;
use crate::support::github_git::GitFile;
use crate::support::harness::{REPO, SHA, World, dispatch_apply, pr_payload};
use serde_json::{Value, json};

const LABEL: &str = "edgeplan/allow-deletes";
const PREVIEW_SAYS: &str = "The label `edgeplan/allow-deletes` on this pull request approves the deletes over the safety limit";
const APPLY_SAYS: &str = "The label `edgeplan/allow-deletes` on pull request #2 approved the deletes over the safety limit";
/// The same in Markdown (the summary and the report): `#` escaped like every value.
const APPLY_SAYS_MD: &str = "The label `edgeplan/allow-deletes` on pull request \\#2 approved the deletes over the safety limit";

/// Four records owned, a manifest that wants none: four deletes over the limit of two.
fn undo_world() -> World {
    let w = World::for_action();
    for name in ["a", "b", "c", "d"] {
        w.owned(name, &format!("{name}.origin.example.net"));
    }
    w.write_manifest("version: 1\nzone: example.com\nendpoints: []\n");
    w
}

/// [`undo_world`] whose commit [`SHA`] is the merge of pull request #2, labelled [`LABEL`].
fn labelled_merge_world() -> World {
    let w = undo_world();
    w.gh().add_pull(REPO, SHA, merged_pull(2, "main", SHA));
    w.gh().set_labels(2, &[LABEL]);
    w
}

/// The recorded `opened` payload as an `action` activity with the pull request's `labels` and
/// the event's `label`.
fn labelled(action: &str, label: Option<&str>, labels: &[&str]) -> Value {
    let mut p = pr_payload("pull_request.opened.json");
    p["action"] = action.into();
    p["pull_request"]["labels"] = labels.iter().map(|l| json!({"name": l})).collect();
    match label {
        Some(l) => p["label"] = json!({"name": l, "color": "d73a4a"}),
        None => {
            if let Some(o) = p.as_object_mut() {
                o.remove("label");
            }
        }
    }
    p
}

/// The `reviewed=` attributes of a preview's marker (its first line).
fn reviewed(body: &str) -> Vec<String> {
    let marker = body.lines().next().unwrap_or_default();
    let found: Vec<String> = marker
        .split_whitespace()
        .filter(|a| a.starts_with("reviewed="))
        .map(String::from)
        .collect();
    assert!(!found.is_empty(), "{marker}");
    found
}

fn preview_body(w: &World) -> String {
    let comments = w.gh().comments(REPO, 2);
    assert_eq!(comments.len(), 1, "one sticky preview: {comments:?}");
    comments[0].body.clone()
}

#[test]
fn labelling_re_runs_the_preview_and_it_shows_the_deletes_approved() {
    let w = undo_world();
    let refused = w
        .action("pull_request", &labelled("opened", None, &["bug"]))
        .run_checked(1);
    assert!(
        refused.stderr.contains(LABEL),
        "the refusal names the label: {}",
        refused.stderr
    );
    let body = preview_body(&w);
    assert!(body.contains("[!CAUTION]"), "{body}");
    assert!(body.contains("`edgeplan/allow-deletes`"), "{body}");
    assert!(!body.contains(PREVIEW_SAYS), "{body}");
    let digests = reviewed(&body);

    // Another label: nothing read, nothing written.
    let reads = w.cf.requests().len();
    let other = w
        .action("pull_request", &labelled("labeled", Some("bug"), &["bug"]))
        .run_checked(0);
    other.assert_stdout_has("nothing to preview");
    assert_eq!(w.cf.requests().len(), reads, "another label reads nothing");
    assert_eq!(preview_body(&w), body);

    // The label: the preview runs again, approves the deletes, exits 0.
    let approved = w
        .action(
            "pull_request",
            &labelled("labeled", Some(LABEL), &["bug", LABEL]),
        )
        .run_checked(0);
    approved.assert_stdout_has(PREVIEW_SAYS);
    approved.assert_summary_has(PREVIEW_SAYS);
    // The plan in the log goes by the same verdict: no refusal of the deletes.
    assert!(
        !approved.stdout.contains("(the limit is"),
        "{}",
        approved.stdout
    );
    assert!(
        refused.stdout.contains("(the limit is"),
        "{}",
        refused.stdout
    );
    let body = preview_body(&w);
    assert!(body.contains(PREVIEW_SAYS), "{body}");
    assert!(body.contains("4 deletes of the 4 records"), "{body}");
    assert!(!body.contains("[!CAUTION]"), "{body}");
    assert_eq!(w.cf_writes(), 0, "a preview never writes");
    assert_eq!(
        reviewed(&body),
        digests,
        "the mass-delete decision stays outside the reviewed= digest"
    );

    // Removed again: refused again.
    w.action(
        "pull_request",
        &labelled("unlabeled", Some(LABEL), &["bug"]),
    )
    .run_checked(1);
    let body = preview_body(&w);
    assert!(body.contains("[!CAUTION]"), "{body}");
    assert!(!body.contains(PREVIEW_SAYS), "{body}");
}

#[test]
fn a_refused_apply_goes_through_once_the_merged_pull_request_is_labelled_and_re_run() {
    let w = undo_world();
    // Reviewed with the label on; the label is read again when the apply runs.
    w.action("pull_request", &labelled("labeled", Some(LABEL), &[LABEL]))
        .run_checked(0);
    w.gh().add_pull(REPO, SHA, merged_pull(2, "main", SHA));

    // Removed before the merge's apply ran: refused, nothing written.
    w.gh().set_labels(2, &["bug"]);
    let refused = w.push_to_main().run_checked(1);
    assert_eq!(w.cf_writes(), 0);
    assert_eq!(w.records().len(), 4);
    assert!(
        refused
            .stderr
            .contains("add the label `edgeplan/allow-deletes`"),
        "{}",
        refused.stderr
    );
    assert_eq!(w.gh().count("GET", "/issues/2/labels"), 1);

    // Labelled, the same job re-run: applied, and both the log and the report say why.
    w.gh().set_labels(2, &["bug", LABEL]);
    let applied = w.push_to_main().run_checked(0);
    assert!(w.records().is_empty(), "{:?}", w.records());
    applied.assert_stdout_has(APPLY_SAYS);
    applied.assert_summary_has(APPLY_SAYS_MD);
    let report = (w.gh().comments(REPO, 2).into_iter())
        .find(|c| c.body.starts_with("<!-- edgeplan:applied"))
        .expect("an apply report");
    assert!(report.body.contains(APPLY_SAYS_MD), "{}", report.body);
    assert!(
        report.body.contains("matches the preview"),
        "the reviewed plan still gates it: {}",
        report.body
    );
    assert_eq!(
        w.gh().count("GET", "/commits/"),
        2,
        "the merged pull request is looked up once per run, the gate reuses it"
    );
}

#[test]
fn an_apply_within_the_limit_reads_no_labels() {
    let w = World::for_action();
    w.owned("a", "a.origin.example.net");
    w.write_manifest("version: 1\nzone: example.com\nendpoints: []\n");
    w.gh().add_pull(REPO, SHA, merged_pull(2, "main", SHA));
    w.push_to_main().run_checked(0);
    assert!(w.records().is_empty());
    assert_eq!(w.gh().count("GET", "/labels"), 0);
}

#[test]
fn an_apply_run_by_hand_reads_no_label_and_stays_refused() {
    let w = labelled_merge_world();
    let refused = w
        .action("workflow_dispatch", &dispatch_apply())
        .run_checked(1);
    assert_eq!(w.cf_writes(), 0);
    assert_eq!(w.records().len(), 4);
    assert_eq!(w.gh().count("GET", "/labels"), 0, "no label is read");
    assert!(!refused.stdout.contains(APPLY_SAYS), "{}", refused.stdout);
    refused.assert_summary_has("an apply run by hand reads no label");
}

#[test]
fn only_the_label_of_the_pull_request_that_merged_the_commit_counts() {
    let w = undo_world();
    // #3 also lists the commit (merged earlier, into main, as another commit): its label
    // approves nothing here.
    w.gh().add_pull(
        REPO,
        SHA,
        merged_pull(3, "main", "1111111111111111111111111111111111111111"),
    );
    w.gh().add_pull(REPO, SHA, merged_pull(2, "main", SHA));
    w.gh().set_labels(3, &[LABEL]);
    w.gh().set_labels(2, &["bug"]);
    let refused = w.push_to_main().run_checked(1);
    assert_eq!(w.cf_writes(), 0);
    assert_eq!(w.records().len(), 4);
    assert_eq!(w.gh().count("GET", "/issues/3/labels"), 0);
    assert_eq!(w.gh().count("GET", "/issues/2/labels"), 1);
    assert!(
        !refused.stdout.contains("approved the deletes"),
        "{}",
        refused.stdout
    );

    // Labelled on #2, the one whose merge commit this is: applied.
    w.gh().set_labels(2, &[LABEL]);
    w.push_to_main().run_checked(0);
    assert!(w.records().is_empty(), "{:?}", w.records());
}

#[test]
fn a_direct_push_reads_no_labels() {
    let w = undo_world();
    w.gh().set_labels(2, &[LABEL]);
    let refused = w.push_to_main().run_checked(1);
    assert_eq!(w.cf_writes(), 0);
    assert_eq!(w.records().len(), 4);
    assert_eq!(w.gh().count("GET", "/labels"), 0);
    assert!(
        refused.stderr.contains("too many deletes") || refused.stderr.contains(LABEL),
        "{}",
        refused.stderr
    );
}

#[test]
fn an_apply_without_a_github_token_says_the_label_could_not_be_read() {
    let w = labelled_merge_world();
    let refused = w
        .push_to_main()
        .unset("GITHUB_TOKEN")
        .var("INPUT_REVIEWED_PLAN", "off")
        .run_checked(1);
    assert_eq!(w.cf_writes(), 0);
    assert_eq!(w.records().len(), 4);
    assert!(w.gh().log().is_empty(), "no token, no request");
    let says = "The label `edgeplan/allow-deletes` on the merged pull request could not be read: this apply has no GitHub token";
    refused.assert_stdout_has(says);
    assert!(
        refused.stdout.contains(&format!("::notice::{says}")),
        "a notice: {}",
        refused.stdout
    );
    refused.assert_summary_has("could not be read");
    refused.assert_summary_has("Apply refused");
}

/// `pull_request_target` (the fork preview): the label is set in the base repository by people
/// with triage access, never by the fork's author, so it approves a fork's deletes like any pull
/// request's (DESIGN sections 2 and 5); the apply after the merge reads it again.
#[test]
fn a_fork_preview_honours_the_label() {
    const MERGE: &str = "5a1b2c3d4e5f60718293a4b5c6d7e8f901234567";
    const BASE: &str = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c";
    let w = undo_world();
    w.gh().commit(
        MERGE,
        &[(
            "edgeplan.yaml",
            GitFile::Blob(b"version: 1\nzone: example.com\nendpoints: []\n".to_vec()),
        )],
    );
    let head = pr_payload("pull_request.opened.from-fork.json")["pull_request"]["head"]["sha"]
        .as_str()
        .map(String::from)
        .expect("head sha");
    w.gh().parents(MERGE, &[BASE, &head]);
    let fork = |action: &str, label: Option<&str>, labels: &[&str]| {
        let mut p = pr_payload("pull_request.opened.from-fork.json");
        p["pull_request"]["merge_commit_sha"] = MERGE.into();
        p["action"] = action.into();
        p["pull_request"]["labels"] = labels.iter().map(|l| json!({"name": l})).collect();
        if let Some(l) = label {
            p["label"] = json!({"name": l});
        }
        p
    };
    let number = fork("opened", None, &[])["number"]
        .as_u64()
        .expect("number");
    let body = |w: &World| {
        let comments = w.gh().comments(REPO, number);
        assert_eq!(comments.len(), 1, "{comments:?}");
        comments[0].body.clone()
    };
    let opened = w
        .action("pull_request_target", &fork("opened", None, &[]))
        .run();
    assert_eq!(opened.code, 1, "{}", opened.dump());
    assert!(body(&w).contains("[!CAUTION]"), "{}", body(&w));

    let approved = w
        .action(
            "pull_request_target",
            &fork("labeled", Some(LABEL), &[LABEL]),
        )
        .run_checked(0);
    approved.assert_stdout_has(PREVIEW_SAYS);
    let text = body(&w);
    assert!(text.contains(PREVIEW_SAYS), "{text}");
    assert!(!text.contains("[!CAUTION]"), "{text}");
    assert_eq!(w.cf_writes(), 0, "a preview never writes");
}

/// The label can be added or removed while a preview runs. When it decides the preview's words
/// (deletes over the limit), the comment says what the label says when it is written: the labels
/// read right before the write choose between the two bodies the run made. The run's own exit
/// code and summary follow its event, and a notice says the two differ. Before, the run wrote
/// its event's words, so one that started before the label changed and finished last left
/// "refused" on a pull request whose label approves the deletes, or the reverse.
#[test]
fn a_preview_writes_what_the_label_says_when_the_comment_is_written() {
    let w = undo_world();
    // Planned without the label; the label is added before the comment is written.
    let run = w.action("pull_request", &labelled("opened", None, &[]));
    w.gh().deploys().set_pull_labels(2, &[LABEL]);
    let ran = run.run_checked(1);
    ran.assert_stdout_has(
        "the label edgeplan/allow-deletes was added to pull request #2 after this run started",
    );
    ran.assert_summary_has("[!CAUTION]");
    let body = preview_body(&w);
    assert!(body.contains(PREVIEW_SAYS), "{body}");
    assert!(!body.contains("[!CAUTION]"), "{body}");
    let digests = reviewed(&body);

    // Planned with the label; the label is removed before the comment is written.
    let run = w.action("pull_request", &labelled("synchronize", None, &[LABEL]));
    w.gh().deploys().set_pull_labels(2, &[]);
    let ran = run.run_checked(0);
    ran.assert_stdout_has(
        "the label edgeplan/allow-deletes was removed from pull request #2 after this run started",
    );
    ran.assert_summary_has(PREVIEW_SAYS);
    let body = preview_body(&w);
    assert!(body.contains("[!CAUTION]"), "{body}");
    assert!(!body.contains(PREVIEW_SAYS), "{body}");
    assert_eq!(
        reviewed(&body),
        digests,
        "the same reviewed plan either way"
    );
    assert_eq!(w.cf_writes(), 0, "a preview never writes");
}

/// Where the label decides nothing (no deletes over the limit), a label changed while the run
/// was under way does not hold the preview back.
#[test]
fn a_label_that_decides_nothing_does_not_hold_a_preview_back() {
    let w = World::for_action();
    w.write_manifest(
        "version: 1\nzone: example.com\nendpoints:\n  - name: sentiment\n    target: origin.example.net\n",
    );
    let run = w.action("pull_request", &labelled("opened", None, &[]));
    w.gh().deploys().set_pull_labels(2, &[LABEL]);
    run.run_checked(0);
    assert!(preview_body(&w).contains("sentiment.example.com"));
}
