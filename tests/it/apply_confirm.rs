//! Confirmation and exit codes of `edgeplan apply` (the contract in README, Commands): off a
//! terminal it needs `--yes` or `CI=true`; conflicts and safety refusals exit 1 before anything is
//! sent; `--allow-deletes` lifts the safety refusal; without a token nothing is tried.

use crate::support::harness::{World, edgeplan, owned_names};
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
    run.assert_stderr_has("help: pass --yes (or set CI=true)");
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
    run.assert_stderr_has("api.example.com");
    run.assert_stderr_has(&id);
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
    run.assert_stderr_has("--allow-deletes");
    assert!(w.batches().is_empty());
    assert_eq!(w.state_json(), before);

    let run = w.run(&["apply", "--yes", "--allow-deletes"]).expect(0);
    run.assert_stdout_has("4 deleted");
    assert!(w.records().is_empty());
}

#[test]
/// No target at all is a usage error (64): neither a token nor a sandbox was given.
fn without_a_token_or_sandbox_apply_exits_64_naming_both() {
    let w = World::free();
    let manifest = w.manifest(ONE);
    let out = edgeplan()
        .args(["apply", "--yes", "-m"])
        .arg(&manifest)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(64));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("CLOUDFLARE_API_TOKEN"), "{stderr}");
    assert!(stderr.contains("--sandbox"), "{stderr}");
}

#[test]
fn an_invalid_manifest_exits_1_before_any_request() {
    let w = World::free();
    w.manifest("  - name: api\n    target: https://api-origin.example.net/v1\n");
    let run = w.apply().expect(1);
    run.assert_stderr_has("edgeplan.yaml:");
    assert!(w.cf.requests().is_empty());
}

/// `edgeplan apply -m <the world's manifest>` inside util-linux `script`, on a pseudo-terminal,
/// stdin and stdout piped: the one way the tests reach the confirmation prompt.
pub(crate) fn script_apply(w: &World) -> std::process::Command {
    use std::process::{Command, Stdio};
    let line = format!(
        "{} apply -m {}",
        env!("CARGO_BIN_EXE_edgeplan"),
        w.manifest_path().display()
    );
    let mut command = Command::new("script");
    command
        .args(["-qec", &line, "/dev/null"])
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("CLOUDFLARE_API_TOKEN", &w.token)
        .env("CLOUDFLARE_BASE_URL", w.cf.url())
        .env("EDGEPLAN_RETRY_BUDGET_MS", "4000")
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped());
    command
}

/// Runs `edgeplan apply` on a pseudo-terminal (util-linux `script`) and types `answer`.
/// `None` when util-linux `script` is not there (macOS's BSD `script` takes other flags, Windows
/// has none): the prompt cannot be reached off a terminal, and the tests skip.
pub(crate) fn on_a_terminal(w: &World, answer: &str) -> Option<(i32, String)> {
    use std::io::Write;
    use std::process::Stdio;
    if !cfg!(target_os = "linux") {
        return None;
    }
    let mut child = script_apply(w).stderr(Stdio::piped()).spawn().ok()?;
    // The pty buffers the answer until the prompt reads it.
    child
        .stdin
        .take()
        .map(|mut s| s.write_all(format!("{answer}\n").as_bytes()));
    let out = child.wait_with_output().ok()?;
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    Some((out.status.code().unwrap_or(-1), text))
}

#[test]
fn on_a_terminal_only_yes_applies() {
    let w = World::free();
    w.manifest(ONE);
    let Some((code, text)) = on_a_terminal(&w, "y") else {
        eprintln!("skipped: util-linux `script` is not available here");
        return;
    };
    assert!(text.contains("Only 'yes' is accepted"), "{text}");
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("nothing was changed"), "{text}");
    assert!(w.batches().is_empty());

    let (code, text) = on_a_terminal(&w, "yes").expect("script ran before");
    assert_eq!(code, 0, "{text}");
    assert_eq!(owned_names(&w.records()), ["api.example.com"]);
}
