//! Previews of pull requests from forks under `pull_request_target`: the manifests come from the
//! pull request's commit through the GitHub API (git trees and blobs of the base repository),
//! never from the workspace, which on that event holds the base branch. Nothing is written to the
//! workspace, no origin is probed unless `fork-probes` says so, and what cannot be read is said
//! in the sticky comment with the exit code of the contract.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use crate::support::github_git::{GitFile, encode};
use crate::support::harness::{REPO, World, pr_payload};
use crate::support::origin::{Behaviour, Origin};

/// The fork PR of the recorded payload (`danielrozenberg/amphtml` -> the base repository).
const PR: u64 = 19621;
const HEAD: &str = "39f787c8132f9ccc956ed465c0af8bc33f641404";
const MERGE: &str = "5a1b2c3d4e5f60718293a4b5c6d7e8f901234567";
/// The base branch's commit, the test merge commit's first parent.
const BASE: &str = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c";

/// The recorded fork payload aimed at the local servers, with `head` and the test merge commit.
fn fork_payload(head: &str, merge: Option<&str>) -> Value {
    let mut p = pr_payload("pull_request.opened.from-fork.json");
    p["pull_request"]["head"]["sha"] = head.into();
    p["pull_request"]["merge_commit_sha"] = merge.map_or(Value::Null, Value::from);
    p
}

fn manifest(endpoints: &[(&str, &str)], extra: &str) -> Vec<u8> {
    let mut text = format!("version: 1\nzone: example.com\n{extra}endpoints:\n");
    for (name, target) in endpoints {
        text.push_str(&format!("  - name: {name}\n    target: {target}\n"));
    }
    text.into_bytes()
}

/// Every file under `dir` with its content: what a run may not change.
fn listing(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("read_dir").flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.insert(
                    path.display().to_string(),
                    std::fs::read(&path).unwrap_or_default(),
                );
            }
        }
    }
    out
}

fn comment_body(w: &World) -> String {
    let comments = w.gh().comments(REPO, PR);
    assert_eq!(comments.len(), 1, "one sticky comment: {comments:?}");
    comments[0].body.clone()
}

#[test]
fn a_fork_is_previewed_from_its_merge_commit_and_never_from_the_workspace() {
    let w = World::for_action();
    let origin = Origin::start(Behaviour::Status(200));
    // The workspace holds the base branch's manifest, as after a checkout on this event.
    w.endpoints(&[("base-only", "base-origin.example.net")]);
    let health = format!("    health: {}\n", origin.url("/healthz"));
    let mut fork = manifest(&[("sentiment", "sentiment-fork.example.net")], "");
    fork.extend_from_slice(health.as_bytes());
    w.gh().commit(
        MERGE,
        &[
            ("edgeplan.yaml", GitFile::Blob(fork)),
            ("README.md", GitFile::Blob(b"hi".to_vec())),
        ],
    );
    w.gh().parents(MERGE, &[BASE, HEAD]);
    let before = listing(&w.workspace());

    let ran = w
        .action("pull_request_target", &fork_payload(HEAD, Some(MERGE)))
        .run_checked(0);

    assert_eq!(
        listing(&w.workspace()),
        before,
        "nothing written to the workspace"
    );
    assert!(
        origin.requests().is_empty(),
        "no probe sent: {}",
        ran.dump()
    );
    let body = comment_body(&w);
    assert!(body.contains("sentiment-fork.example.net"), "{body}");
    assert!(
        !body.contains("base-origin"),
        "the workspace was read: {body}"
    );
    assert_eq!(w.cf_writes(), 0);
    // What one manifest costs: who edgeplan is, the pull request as it is now (its current test
    // merge commit), the merge commit (are its parents the head?), its tree, one blob, the
    // comments (one page), the pull request again (still open at this head, right before the
    // write?), the comment itself, and the comments again (did a racing run post one too?).
    let log: Vec<String> = w
        .gh()
        .log()
        .iter()
        .map(|l| format!("{} {}", l.method, l.path))
        .collect();
    let tree = format!("GET /repos/{REPO}/git/trees/{MERGE}");
    assert_eq!(log.len(), 9, "{log:#?}");
    assert_eq!(w.gh().count("GET", "/pulls/"), 2, "{log:#?}");
    assert_eq!(
        w.gh().count("GET", &format!("/git/commits/{MERGE}")),
        1,
        "{log:#?}"
    );
    assert_eq!(log.iter().filter(|l| **l == tree).count(), 1, "{log:#?}");
    assert_eq!(w.gh().count("GET", "/git/blobs/"), 1, "{log:#?}");
    let fp = ran.fingerprint();
    let snap = w.redact(&body, &[(fp.as_str(), "[fingerprint]")]);
    insta::assert_snapshot!("fork_preview_comment", snap);
}

#[test]
fn a_glob_matching_more_files_than_a_preview_reads_is_refused_before_any_fetch() {
    let w = World::for_action();
    let files: Vec<(String, GitFile)> = (0..51)
        .map(|i| {
            (
                format!("dns/z{i:02}.yaml"),
                GitFile::Blob(manifest(&[(&format!("n{i}"), "o.example.net")], "")),
            )
        })
        .collect();
    let refs: Vec<(&str, GitFile)> = files.iter().map(|(p, f)| (p.as_str(), f.clone())).collect();
    w.gh().commit(HEAD, &refs);
    let ran = w
        .action("pull_request_target", &fork_payload(HEAD, None))
        .var("INPUT_MANIFEST", "dns/*.yaml")
        .run_checked(1);
    ran.assert_stderr_has("matches 51 files");
    let body = comment_body(&w);
    assert!(body.contains("a preview reads at most 50 files"), "{body}");
    assert_eq!(w.gh().count("GET", "/git/blobs/"), 0, "nothing fetched");
}

#[test]
fn without_the_cloudflare_token_the_commit_read_is_still_validated_and_said() {
    let w = World::for_action();
    commit_sentiment(&w, HEAD, "s.example.net");
    let ran = w
        .action("pull_request_target", &fork_payload(HEAD, None))
        .without_secrets()
        .run_checked(0);
    // A fork's run without secrets writes no comment: the summary says it all.
    let body = ran.summary.clone();
    assert!(body.contains("manifest valid"), "{body}");
    // The line is Markdown already: its commit is a code span, not escaped backticks.
    assert!(body.contains(&format!("head commit `{HEAD}`")), "{body}");
    assert!(!body.contains("\\`"), "{body}");
}

/// GitHub serves commit `sha`, whose manifest points `sentiment` at `target`.
fn commit_sentiment(w: &World, sha: &str, target: &str) {
    w.gh().commit(
        sha,
        &[(
            "edgeplan.yaml",
            GitFile::Blob(manifest(&[("sentiment", target)], "")),
        )],
    );
}

/// GitHub serves [`MERGE`] as the test merge commit of an earlier push (its parents are the
/// base and an older head), whose manifest points at `earlier.example.net`.
fn merge_of_an_earlier_push(w: &World) {
    let earlier = "1111111111111111111111111111111111111111";
    commit_sentiment(w, MERGE, "earlier.example.net");
    w.gh().parents(MERGE, &[BASE, earlier]);
}

#[test]
fn a_test_merge_commit_of_an_earlier_push_is_not_read() {
    // GitHub computes the test merge commit after the event: a push's payload can still name the
    // merge of the previous head, which GitHub serves. Its parents give it away.
    let w = World::for_action();
    merge_of_an_earlier_push(&w);
    commit_sentiment(&w, HEAD, "latest.example.net");
    w.action("pull_request_target", &fork_payload(HEAD, Some(MERGE)))
        .run_checked(0);
    let body = comment_body(&w);
    assert!(body.contains("latest.example.net"), "{body}");
    assert!(!body.contains("earlier.example.net"), "{body}");
    assert!(body.contains("is of an earlier push"), "{body}");
    assert!(body.contains(&format!("head commit `{HEAD}`")), "{body}");
    assert_eq!(w.gh().count("GET", &format!("/git/trees/{MERGE}")), 0);
}

/// The payload names the test merge commit of an earlier push, but GitHub has computed the
/// current one since: the pull request as it is now names it, and it is what the preview reads.
#[test]
fn the_current_test_merge_commit_is_read_when_the_payloads_is_of_an_earlier_push() {
    let w = World::for_action();
    let current = "2222222222222222222222222222222222222222";
    merge_of_an_earlier_push(&w);
    commit_sentiment(&w, current, "merged.example.net");
    w.gh().parents(current, &[BASE, HEAD]);
    let payload = fork_payload(HEAD, Some(MERGE));
    let number = payload["number"].as_u64().expect("number");
    w.gh().deploys().set_merge_commit(number, HEAD, current);
    w.action("pull_request_target", &payload).run_checked(0);
    let body = comment_body(&w);
    assert!(body.contains("merged.example.net"), "{body}");
    assert!(!body.contains("earlier.example.net"), "{body}");
    assert_eq!(w.gh().count("GET", &format!("/git/trees/{MERGE}")), 0);
}

#[test]
fn a_glob_reads_every_matching_file_of_the_head_when_the_merge_commit_is_not_served() {
    let w = World::for_action();
    w.endpoints(&[("base-only", "base-origin.example.net")]);
    w.gh().commit(
        HEAD,
        &[
            (
                "dns/a.yaml",
                GitFile::Blob(manifest(
                    &[("alpha", "alpha.example.net")],
                    "owner: team-a\n",
                )),
            ),
            (
                "dns/b.yaml",
                GitFile::Executable(manifest(&[("beta", "beta.example.net")], "owner: team-b\n")),
            ),
            (
                "dns/deep/c.yaml",
                GitFile::Blob(manifest(
                    &[("gamma", "gamma.example.net")],
                    "owner: team-c\n",
                )),
            ),
        ],
    );
    let ran = w
        .action("pull_request_target", &fork_payload(HEAD, Some(MERGE)))
        .var("INPUT_MANIFEST", "dns/*.yaml")
        .run_checked(0);
    let body = comment_body(&w);
    for wanted in ["alpha.example.com", "beta.example.com", "head commit"] {
        assert!(body.contains(wanted), "{wanted}: {body}\n{}", ran.dump());
    }
    assert!(
        !body.contains("gamma"),
        "`*` stays in its directory: {body}"
    );
    assert_eq!(w.gh().count("GET", "/git/blobs/"), 2);
}

#[test]
fn what_cannot_be_read_is_refused_by_name_in_the_comment() {
    let w = World::for_action();
    w.endpoints(&[("base-only", "base-origin.example.net")]);
    let big = vec![b'#'; 1024 * 1024 + 1];
    let cases: [(&str, GitFile, &str); 4] = [
        (
            "link",
            GitFile::Link("../../../.git-credentials".into()),
            "symbolic link",
        ),
        ("module", GitFile::Submodule(HEAD.into()), "submodule"),
        ("big", GitFile::Blob(big), "larger than 1024 KiB"),
        (
            "elsewhere",
            GitFile::Blob(manifest(&[], "")),
            "edgeplan.yaml: no such file in commit",
        ),
    ];
    for (i, (name, file, needle)) in cases.into_iter().enumerate() {
        let head = format!("{i:0>40}");
        let path = if name == "elsewhere" {
            "other.yaml"
        } else {
            "edgeplan.yaml"
        };
        w.gh().commit(&head, &[(path, file)]);
        let ran = w
            .action("pull_request_target", &fork_payload(&head, None))
            .run_checked(1);
        ran.assert_stderr_has(needle);
        assert!(!ran.stderr.contains("panicked"), "{}", ran.dump());
        let body = comment_body(&w);
        assert!(body.contains(needle), "{name}: {body}");
        assert!(
            body.contains(&format!("head commit `{}", &head[..12])),
            "{body}"
        );
        if name == "link" {
            insta::assert_snapshot!("fork_link_refused_comment", w.redact(&body, &[]));
        }
        if name == "elsewhere" {
            // A path the commit does not have: named, never linked (the link would be a 404).
            assert!(body.contains("- `edgeplan.yaml` "), "{body}");
            assert!(!body.contains("/blob/"), "{body}");
            ran.assert_stderr_has("error: edgeplan.yaml: edgeplan.yaml: no such file");
        }
    }
    // The big blob was refused from the tree's size: never fetched.
    assert_eq!(w.gh().count("GET", "/git/blobs/"), 0);
}

#[test]
fn a_truncated_tree_is_walked_only_into_the_directories_that_can_hold_the_manifest() {
    let w = World::for_action();
    let mut files: Vec<(String, GitFile)> = (0..30)
        .map(|i| (format!("docs/page-{i}.md"), GitFile::Blob(b"text".to_vec())))
        .collect();
    files.push((
        "dns/zones/example.yaml".into(),
        GitFile::Blob(manifest(&[("deep", "deep.example.net")], "")),
    ));
    let refs: Vec<(&str, GitFile)> = files.iter().map(|(p, f)| (p.as_str(), f.clone())).collect();
    w.gh().commit(HEAD, &refs);
    w.gh().truncate_trees_over(10);
    let ran = w
        .action("pull_request_target", &fork_payload(HEAD, None))
        .var("INPUT_MANIFEST", "dns/zones/example.yaml")
        .run_checked(0);
    assert!(
        comment_body(&w).contains("deep.example.com"),
        "{}",
        ran.dump()
    );
    // The recursive listing (truncated), then the root, `dns` and `dns/zones` one level each;
    // never `docs`.
    assert_eq!(w.gh().count("GET", "/git/trees/"), 4, "{:#?}", w.gh().log());
}

#[test]
fn a_force_pushed_commit_is_a_clear_refusal_and_leaves_the_comment_alone() {
    let w = World::for_action();
    w.endpoints(&[("base-only", "base-origin.example.net")]);
    let ran = w
        .action("pull_request_target", &fork_payload(HEAD, Some(MERGE)))
        .run_checked(1);
    ran.assert_stderr_has(&format!(
        "error: the pull request's commit {HEAD} is not in {REPO} any more"
    ));
    ran.assert_stderr_has("help: the pull request was force-pushed");
    ran.assert_summary_has("**edgeplan refused: the pull request's commit");
    assert!(
        w.gh().comments(REPO, PR).is_empty(),
        "a newer run owns the comment"
    );
    assert_eq!(w.cf.requests().len(), 0, "nothing planned");
}

#[test]
fn apply_stays_refused_and_probes_run_only_when_asked() {
    let w = World::for_action();
    let ran = w
        .action("pull_request_target", &fork_payload(HEAD, None))
        .command("apply")
        .run_checked(1);
    ran.assert_stderr_has("apply is refused on `pull_request_target`");
    assert_eq!(
        w.gh().count("GET", "/git/"),
        0,
        "nothing read: {}",
        ran.dump()
    );

    let origin = Origin::start(Behaviour::Status(200));
    let mut fork = manifest(&[("sentiment", "sentiment-fork.example.net")], "");
    fork.extend_from_slice(format!("    health: {}\n", origin.url("/healthz")).as_bytes());
    w.gh()
        .commit(HEAD, &[("edgeplan.yaml", GitFile::Blob(fork))]);
    let ran = w
        .action("pull_request_target", &fork_payload(HEAD, None))
        .var("INPUT_FORK_PROBES", "true")
        .run_checked(0);
    assert_eq!(origin.requests().len(), 1, "{}", ran.dump());
}

#[test]
fn the_servers_base64_is_what_edgeplan_decodes() {
    // Two implementations, one each side, must agree (GitHub's line breaks included): the test
    // server's own encoder, and the blob reader over the `base64` crate.
    let mut bytes = Vec::new();
    for n in 0..200u32 {
        let blob = edgeplan::github::tree::Blob {
            content: encode(&bytes),
            encoding: "base64".into(),
            size: Some(bytes.len() as u64),
        };
        assert_eq!(
            edgeplan::github::tree::decode(&blob).as_deref(),
            Ok(&bytes[..])
        );
        bytes.push((n.wrapping_mul(97) % 256) as u8);
    }
}
