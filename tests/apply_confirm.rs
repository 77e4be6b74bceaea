//! Confirmation and exit codes of `edgeplan apply` (DESIGN.md section 3): off a terminal it needs
//! `--yes` or `CI=true`; conflicts and safety refusals exit 1 before anything is sent;
//! `--allow-deletes` lifts the safety refusal; without a token nothing is tried.

mod support;
#[path = "apply_common/mod.rs"]
mod common;

use common::{World, edgeplan, owned_names};
use serde_json::json;

const ONE: &str = "  - name: api\n    target: api-origin.example.net\n";

#[test]
fn off_a_terminal_without_yes_or_ci_apply_refuses_with_the_help() {
    let w = World::free();
    w.manifest(ONE);
    let run = w.run(&["apply"]).expect(1);
    assert!(
        run.stderr
            .starts_with("error: apply needs confirmation, and standard input is not a terminal"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("help: pass --yes (or set CI=true)"), "{}", run.stderr);
    assert!(w.cf.requests().is_empty(), "nothing was even read");
    // CI=false is not CI.
    w.run_with(&["apply"], &[("CI", "false")]).expect(1);
    assert!(w.records().is_empty());
}

#[test]
fn with_ci_true_apply_goes_ahead_without_a_prompt() {
    let w = World::free();
    w.manifest(ONE);
    w.run_with(&["apply"], &[("CI", "true")]).expect(0);
    assert_eq!(owned_names(&w.records()), ["api.example.com"]);
}

#[test]
fn a_conflict_exits_1_naming_the_record_and_sends_nothing() {
    let w = World::free();
    let id = w.by_hand(json!({"type": "A", "name": "api", "content": "192.0.2.1"}));
    w.manifest(ONE);
    let before = w.state_json();
    let run = w.apply().expect(1);
    assert!(run.stderr.contains("api.example.com"), "{}", run.stderr);
    assert!(run.stderr.contains(&id), "{}", run.stderr);
    assert!(run.stderr.contains(":1: "), "file:line:col: {}", run.stderr);
    assert!(w.batches().is_empty());
    assert_eq!(w.state_json(), before);
}

#[test]
fn too_many_deletes_are_refused_until_allow_deletes() {
    let w = World::free();
    for i in 0..4 {
        w.by_hand(json!({"type": "CNAME", "name": format!("old-{i}"),
            "content": "gone.example.net", "proxied": true, "comment": "edgeplan:default"}));
    }
    w.manifest("");
    let before = w.state_json();
    let run = w.apply().expect(1);
    assert!(run.stderr.contains("--allow-deletes"), "{}", run.stderr);
    assert!(w.batches().is_empty());
    assert_eq!(w.state_json(), before);

    let run = w.run(&["apply", "--yes", "--allow-deletes"]).expect(0);
    assert!(run.stdout.contains("4 deleted"), "{}", run.stdout);
    assert!(w.records().is_empty());
}

#[test]
fn without_a_token_or_sandbox_apply_exits_1_naming_both() {
    let w = World::free();
    let manifest = w.manifest(ONE);
    let out = edgeplan()
        .args(["apply", "--yes", "-m"])
        .arg(&manifest)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("CLOUDFLARE_API_TOKEN"), "{stderr}");
    assert!(stderr.contains("--sandbox"), "{stderr}");
}

#[test]
fn an_invalid_manifest_exits_1_before_any_request() {
    let w = World::free();
    w.manifest("  - name: api\n    target: https://api-origin.example.net/v1\n");
    let run = w.apply().expect(1);
    assert!(run.stderr.contains("edgeplan.yaml:"), "{}", run.stderr);
    assert!(w.cf.requests().is_empty());
}
