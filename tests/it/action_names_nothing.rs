//! A `manifest` input that names nothing in the workspace (a missing path, a pattern without a
//! match) is a manifest problem, as it is when the pull request's commit is read through the API
//! (`pull_request_target`): the sticky preview is rewritten to say so, with `plan=invalid`, and
//! the step fails. Found in review: on disk these were a bare failure with no comment, so the
//! pull request kept its earlier preview, `plan=ok` included.

use crate::action_pr::{ONE_UPDATE, seeded_world};
use crate::support::harness::{REPO, edgeplan};

/// The one preview comment on the pull request: its marker line and body.
fn preview(w: &crate::support::harness::World) -> (String, String) {
    let comments = w.gh().comments(REPO, 2);
    assert_eq!(comments.len(), 1, "one sticky preview");
    let body = comments[0].body.clone();
    (body.lines().next().unwrap_or_default().to_string(), body)
}

#[test]
fn a_deleted_manifest_turns_the_ok_preview_into_an_invalid_one() {
    let w = seeded_world();
    w.endpoints(ONE_UPDATE);
    w.pull_request("pull_request.opened.json").run_checked(0);
    let (marker, _) = preview(&w);
    assert!(marker.ends_with(" plan=ok -->"), "{marker}");

    // The pull request deletes the manifest the input names.
    std::fs::remove_file(w.manifest_path()).expect("rm");
    let ran = w
        .pull_request("pull_request.synchronize.json")
        .run_checked(1);
    ran.assert_stderr_has("error: edgeplan.yaml: no such file");
    ran.assert_stderr_has("  help: ");
    let (marker, body) = preview(&w);
    assert!(marker.ends_with(" plan=invalid -->"), "{marker}");
    assert!(body.contains("edgeplan.yaml"), "{body}");
    assert!(body.contains("no such file"), "{body}");
}

#[test]
fn a_pattern_without_a_match_turns_the_ok_preview_into_an_invalid_one() {
    let w = seeded_world();
    let dns = w.workspace().join("dns");
    std::fs::create_dir_all(&dns).expect("mkdir");
    w.endpoints(ONE_UPDATE);
    std::fs::rename(w.manifest_path(), dns.join("a.yaml")).expect("mv");
    w.pull_request("pull_request.opened.json")
        .var("INPUT_MANIFEST", "dns/*.yaml")
        .run_checked(0);
    let (marker, _) = preview(&w);
    assert!(marker.ends_with(" plan=ok -->"), "{marker}");

    // The pull request moves the manifests where the pattern does not look.
    std::fs::rename(dns.join("a.yaml"), dns.join("a.yml")).expect("mv");
    let ran = w
        .pull_request("pull_request.synchronize.json")
        .var("INPUT_MANIFEST", "dns/*.yaml")
        .run_checked(1);
    ran.assert_stderr_has("error: dns/*.yaml: no manifest matches this pattern");
    let (marker, body) = preview(&w);
    assert!(marker.ends_with(" plan=invalid -->"), "{marker}");
    assert!(body.contains("no manifest matches"), "{body}");
    assert_eq!(w.cf_writes(), 0);
}

#[test]
fn validate_still_exits_1_with_the_value_named_and_help() {
    let tmp = tempfile::tempdir().expect("tmp");
    for (value, needle) in [
        ("gone.yaml", "error: gone.yaml: no such file"),
        ("dns/*.yaml", "error: dns/*.yaml: no manifest matches"),
    ] {
        let out = edgeplan()
            .current_dir(tmp.path())
            .args(["validate", "-m", value])
            .output()
            .expect("run");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{value}: {stderr}");
        assert!(stderr.contains(needle), "{value}: {stderr}");
        assert!(stderr.contains("\n  help: "), "{value}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}

/// Through the API too: a `pull_request_target` tree too large to search (more than
/// `MAX_TREE_CALLS` directories a pattern may enter, the recursive listing truncated) is a
/// problem in the preview, not a failure that leaves the earlier one up.
#[test]
fn a_tree_too_large_to_search_through_the_api_is_a_problem_in_the_preview() {
    use crate::support::github_git::GitFile;
    use serde_json::Value;
    const HEAD: &str = "39f787c8132f9ccc956ed465c0af8bc33f641404";
    let w = crate::support::harness::World::for_action();
    let text = b"version: 1\nzone: example.com\nendpoints: []\n".to_vec();
    let paths: Vec<String> = (0..205).map(|i| format!("d{i:03}/x.yaml")).collect();
    let files: Vec<(&str, GitFile)> = paths
        .iter()
        .map(|p| (p.as_str(), GitFile::Blob(text.clone())))
        .collect();
    w.gh().commit(HEAD, &files);
    w.gh().truncate_trees_over(10);
    let mut payload = crate::support::harness::pr_payload("pull_request.opened.from-fork.json");
    payload["pull_request"]["head"]["sha"] = HEAD.into();
    payload["pull_request"]["merge_commit_sha"] = Value::Null;
    let ran = w
        .action("pull_request_target", &payload)
        .var("INPUT_MANIFEST", "*/x.yaml")
        .run_checked(1);
    ran.assert_stderr_has("too large to search");
    let comments = w.gh().comments(REPO, 19621);
    assert_eq!(comments.len(), 1, "{}", ran.dump());
    let marker = comments[0].marker();
    assert!(marker.ends_with(" plan=invalid -->"), "{marker}");
    assert!(
        comments[0].body.contains("too large to search"),
        "{}",
        comments[0].body
    );
}
