//! Issue 15, point 5: which pull request activities are previewed. Only those that change what
//! the pull request proposes (`opened`, `synchronize`, `reopened`, and `edited` with a new base)
//! plan and comment; on `closed` (after a merge, while the push applies) and every other activity
//! the step prints a notice and exits 0, reading nothing and writing no comment.

use crate::action_pr::one_update_world;
use crate::support::github_git::GitFile;
use crate::support::harness::{REPO, pr_payload};

#[test]
fn a_closed_pull_request_is_not_previewed_and_its_comment_is_left_alone() {
    for event in ["pull_request", "pull_request_target"] {
        let w = one_update_world();
        // The preview the PR showed while open (under pull_request_target read from the PR's
        // head commit through the API, so the local GitHub serves the manifest there).
        let payload = pr_payload("pull_request.opened.json");
        let manifest = std::fs::read(w.manifest_path()).expect("manifest");
        let head = payload["pull_request"]["head"]["sha"]
            .as_str()
            .expect("head sha");
        w.gh()
            .commit(head, &[("edgeplan.yaml", GitFile::Blob(manifest))]);
        let opened = w.action(event, &payload).run_checked(0);
        let before = w.gh().comments(REPO, 2);
        assert_eq!(before.len(), 1, "{}", opened.dump());
        let writes = w.gh_writes();
        let cf_requests = w.cf.requests().len();
        let git_reads = w.gh().count("GET", "/git/");

        // The zone moves on (the push is applying), then the `closed` run comes in.
        w.endpoints(&[("sentiment", "elsewhere.example.net")]);
        for file in [
            "pull_request.closed.merged.json",
            "pull_request.closed.not-merged.json",
        ] {
            let mut payload = pr_payload(file);
            payload["number"] = 2.into();
            payload["pull_request"]["number"] = 2.into();
            let ran = w.action(event, &payload).run_checked(0);
            assert!(
                ran.stdout.contains("::notice::") && ran.stdout.contains("`closed`"),
                "{event} {file}: {}",
                ran.dump()
            );
            ran.assert_summary_has("nothing to preview");
            assert_eq!(ran.output("has-changes").as_deref(), Some("false"));
            assert_eq!(ran.output("comment-url"), None, "{}", ran.dump());
        }
        assert_eq!(w.gh_writes(), writes, "{event}: no comment write on closed");
        assert_eq!(
            w.gh().count("GET", "/git/"),
            git_reads,
            "{event}: no manifest read on closed"
        );
        assert_eq!(w.gh().comments(REPO, 2), before, "{event}");
        assert_eq!(
            w.cf.requests().len(),
            cf_requests,
            "{event}: the zone is not even read"
        );
    }
}

#[test]
fn edited_is_previewed_only_when_the_base_branch_changed() {
    let w = one_update_world();
    let mut payload = pr_payload("pull_request.synchronize.json");
    payload["action"] = "edited".into();
    payload["changes"] = serde_json::json!({"title": {"from": "old title"}});
    let ran = w.action("pull_request", &payload).run_checked(0);
    ran.assert_summary_has("nothing to preview");
    assert_eq!(w.gh_writes(), 0, "{}", ran.dump());

    payload["changes"] =
        serde_json::json!({"base": {"ref": {"from": "dev"}, "sha": {"from": "0123abc"}}});
    let ran = w.action("pull_request", &payload).run_checked(0);
    assert_eq!(w.gh().comments(REPO, 2).len(), 1, "{}", ran.dump());
    assert!(ran.output("comment-url").is_some(), "{}", ran.dump());

    // `reopened` is previewed like `opened`.
    payload["action"] = "reopened".into();
    payload["changes"] = serde_json::Value::Null;
    w.endpoints(&[("sentiment", "elsewhere.example.net")]);
    let ran = w.action("pull_request", &payload).run_checked(0);
    assert!(ran.output("comment-url").is_some(), "{}", ran.dump());
}
