//! Unit tests of `github::event`.

use super::*;
use std::collections::HashMap;

fn fixture(name: &str) -> String {
    format!(
        "{}/tests/fixtures/github/{name}",
        env!("CARGO_MANIFEST_DIR")
    )
}

fn context(vars: &[(&str, &str)]) -> Result<Context, ContextError> {
    let map: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    Context::from_vars(|k| map.get(k).cloned(), None)
}

fn event(event_name: &str, file: &str) -> Event {
    let path = fixture(file);
    context(&[
        ("GITHUB_EVENT_NAME", event_name),
        ("GITHUB_EVENT_PATH", &path),
    ])
    .unwrap_or_else(|e| panic!("{file}: {e}"))
    .event
}

/// The event of a `pull_request` run whose payload is `payload`.
fn pull_request_payload(payload: serde_json::Value) -> Event {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("event.json");
    std::fs::write(&path, payload.to_string()).expect("write");
    let p = path.to_str().expect("utf-8").to_string();
    context(&[
        ("GITHUB_EVENT_NAME", "pull_request"),
        ("GITHUB_EVENT_PATH", &p),
    ])
    .expect("parses")
    .event
}

#[test]
fn every_recorded_payload_parses() {
    let dir = fixture("");
    let mut count = 0;
    for entry in std::fs::read_dir(&dir).expect("fixtures dir") {
        let path = entry.expect("entry").path();
        if path.extension().and_then(|e| e.to_str()) != Some("json") {
            continue;
        }
        let file = path.file_name().and_then(|f| f.to_str()).unwrap_or("");
        let name = file.split('.').next().unwrap_or("");
        let ev = event(name, file);
        assert_eq!(ev.name.as_str(), name, "{file}");
        assert!(ev.default_branch.is_some(), "{file}: default branch");
        if name == "pull_request" {
            assert!(ev.pull_request.is_some(), "{file}: PR number");
        }
        count += 1;
    }
    assert_eq!(count, 12, "every fixture in {dir} was read");
}

#[test]
fn pull_request_fields() {
    let ev = event("pull_request", "pull_request.opened.json");
    let pr = ev.pull_request.expect("pr");
    assert_eq!(pr.number, 2);
    assert!(!pr.from_fork);
    assert_eq!(ev.default_branch.as_deref(), Some("master"));
}

#[test]
fn the_test_merge_commit_is_read_when_github_had_computed_it() {
    // What a pull_request_target preview reads first; null until GitHub has tried the merge.
    let ev = event("pull_request", "pull_request.synchronize.app-capture.json");
    let pr = ev.pull_request.expect("pr");
    assert_eq!(
        pr.merge_commit_sha.as_deref(),
        Some("d392f60e8ace6bd6965807ff3adf8578b90ee9aa")
    );
    let ev = event("pull_request", "pull_request.opened.json");
    assert_eq!(ev.pull_request.expect("pr").merge_commit_sha, None);
    let probes = |v: &str| context(&[("INPUT_FORK_PROBES", v)]).map(|c| c.inputs.fork_probes);
    assert_eq!(probes(""), Ok(false), "off by default");
    assert_eq!(probes("true"), Ok(true));
    assert!(probes("yes").is_err());
}

#[test]
fn fork_pull_request_is_detected() {
    let ev = event("pull_request", "pull_request.opened.from-fork.json");
    let pr = ev.pull_request.expect("pr");
    assert_eq!(pr.number, 19621);
    assert!(pr.from_fork);
    assert_eq!(ev.default_branch.as_deref(), Some("main"));
}

#[test]
fn push_to_default_branch_uses_the_payload_default_branch() {
    let main = event("push", "push.main.json");
    assert!(main.on_default_branch());
    let master = event("push", "push.master.squash-merge.json");
    assert_eq!(master.default_branch.as_deref(), Some("master"));
    assert!(master.on_default_branch());
}

#[test]
fn workflow_dispatch_without_command_input() {
    let ev = event("workflow_dispatch", "workflow_dispatch.json");
    assert_eq!(ev.dispatch_command, None);
    assert_eq!(ev.git_ref.as_deref(), Some("refs/heads/master"));
    assert!(ev.on_default_branch());
}

#[test]
fn workflow_dispatch_command_input_is_read_and_checked() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("event.json");
    let write = |cmd: &str| {
        std::fs::write(
            &path,
            format!(
                r#"{{"inputs":{{"command":"{cmd}"}},"ref":"refs/heads/dev","repository":{{"default_branch":"main"}}}}"#
            ),
        )
        .expect("write");
    };
    let p = path.to_string_lossy().to_string();
    write("apply");
    let ctx = context(&[
        ("GITHUB_EVENT_NAME", "workflow_dispatch"),
        ("GITHUB_EVENT_PATH", &p),
    ])
    .expect("ctx");
    assert_eq!(ctx.event.dispatch_command, Some(CommandInput::Apply));
    assert!(!ctx.event.on_default_branch());
    write("destroy");
    let err = context(&[
        ("GITHUB_EVENT_NAME", "workflow_dispatch"),
        ("GITHUB_EVENT_PATH", &p),
    ])
    .expect_err("bad command");
    assert!(matches!(err, ContextError::BadCommand { .. }), "{err}");
}

#[test]
fn a_bad_input_or_an_unreadable_payload_is_named_in_the_error() {
    // A boolean input that is not `true`/`false` names the input; a payload that cannot be read
    // names its path.
    for (var, value, named) in [
        ("INPUT_ALLOW_DELETES", "yes", "allow-deletes"),
        (
            "GITHUB_EVENT_PATH",
            "/nonexistent/event.json",
            "/nonexistent/event.json",
        ),
    ] {
        let err = context(&[(var, value)]).expect_err(var);
        assert!(err.to_string().contains(named), "{var}: {err}");
    }
}

#[test]
fn environment_defaults_and_tokens() {
    let ctx = context(&[
        ("GITHUB_ACTIONS", "true"),
        ("GITHUB_REPOSITORY", "octo/hello"),
        ("GITHUB_RUN_ID", "42"),
        ("GITHUB_TOKEN", "ghs_secret"),
        ("CLOUDFLARE_API_TOKEN", ""),
        ("INPUT_MANIFEST", "dns/a.yaml\n\n  dns/b.yaml  \n"),
        ("INPUT_COMMAND", "plan"),
    ])
    .expect("ctx");
    assert_eq!(
        ctx.run_url().as_deref(),
        Some("https://github.com/octo/hello/actions/runs/42")
    );
    assert_eq!(ctx.inputs.manifests, ["dns/a.yaml", "dns/b.yaml"]);
    assert_eq!(ctx.inputs.command, CommandInput::Plan);

    let bare = context(&[]).expect("bare");
    assert_eq!(bare.inputs, Inputs::default());
    assert_eq!(bare.event.name, EventName::Other(String::new()));
}

#[test]
fn repo_parse() {
    assert_eq!(
        Repo::parse("o/r"),
        Some(Repo {
            owner: "o".into(),
            name: "r".into()
        })
    );
    assert_eq!(Repo::parse("o"), None);
    assert_eq!(Repo::parse("/r"), None);
    assert_eq!(Repo::parse("o/r/x"), None);
}

#[test]
fn pull_request_action_and_base_change_are_read() {
    let ev = event("pull_request", "pull_request.closed.merged.json");
    assert_eq!(ev.action.as_deref(), Some("closed"));
    assert!(!ev.base_changed);
    let ev = event("pull_request", "pull_request.synchronize.json");
    assert_eq!(ev.action.as_deref(), Some("synchronize"));
    let ev = event("push", "push.main.json");
    assert_eq!(ev.action, None);

    // `edited` with and without `changes.base` (the webhook docs' shape: `ref.from`, `sha.from`).
    let base = serde_json::json!({"ref": {"from": "main"}, "sha": {"from": "abc"}});
    let ev = pull_request_payload(serde_json::json!({
        "action": "edited", "number": 3, "pull_request": {"number": 3},
        "changes": {"base": base},
    }));
    assert_eq!(ev.action.as_deref(), Some("edited"));
    assert!(ev.base_changed);
    let ev = pull_request_payload(serde_json::json!({
        "action": "edited", "number": 3, "pull_request": {"number": 3},
        "changes": {"title": {"from": "old"}},
    }));
    assert!(!ev.base_changed);
    // Odd shapes are tolerated, never a refused payload.
    let ev = pull_request_payload(serde_json::json!({"action": 5, "changes": "x"}));
    assert_eq!(ev.action, None);
    assert!(!ev.base_changed);
}

#[test]
fn labels_and_the_label_of_a_labeled_event_are_read() {
    let ev = event("pull_request", "pull_request.synchronize.json");
    let pr = ev.pull_request.expect("a pull request");
    assert_eq!(pr.labels, vec!["bug".to_string()]);
    assert!(pr.has_label("Bug"));
    assert!(!pr.has_label("edgeplan/allow-deletes"));
    assert_eq!(ev.label, None);

    let ev = pull_request_payload(serde_json::json!({
        "action": "labeled", "number": 3,
        "label": {"name": "edgeplan/allow-deletes", "color": "d73a4a"},
        "pull_request": {"number": 3, "labels": [{"name": "edgeplan/allow-deletes"}, {"id": 1}]},
    }));
    assert_eq!(ev.label.as_deref(), Some("edgeplan/allow-deletes"));
    let pr = ev.pull_request.expect("a pull request");
    assert!(pr.has_label("edgeplan/allow-deletes"));
    assert_eq!(pr.labels.len(), 1);
    // Odd shapes are tolerated, never a refused payload.
    let ev = pull_request_payload(serde_json::json!({
        "action": "labeled", "number": 3, "label": "x",
        "pull_request": {"number": 3, "labels": {"name": "edgeplan/allow-deletes"}},
    }));
    assert_eq!(ev.label, None);
    assert_eq!(
        ev.pull_request.expect("a pull request").labels,
        Vec::<String>::new()
    );
}
