//! Issue 15, point 15, through the binary: the terminal output of `plan` and `apply` (warnings
//! wrapped to `COLUMNS` under their text, a `Plan:` line set apart, `No changes.`, the
//! fingerprint), the apply prompt (fingerprint, non-atomic chunks), and each subcommand's
//! `--help` (token, exit codes, an example).

use std::path::Path;

use crate::support::harness::{World, edgeplan, sandbox_copy};

fn example() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples/edgeplan.yaml")
        .to_string_lossy()
        .into_owned()
}

fn sandbox_plan(dir: &Path, extra: &[&str], columns: Option<&str>) -> (i32, String) {
    let mut cmd = edgeplan();
    cmd.args(["plan", "--sandbox"])
        .arg(dir)
        .args(["-m", &example(), "--skip-health"])
        .args(extra)
        .env_remove("CLOUDFLARE_API_TOKEN")
        .env_remove("GITHUB_ACTIONS");
    match columns {
        Some(c) => cmd.env("COLUMNS", c),
        None => cmd.env_remove("COLUMNS"),
    };
    let out = cmd.output().expect("run edgeplan");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn plan_text_wraps_warnings_sets_the_summary_apart_and_shows_the_fingerprint() {
    let dir = sandbox_copy();
    let (code, json) = sandbox_plan(dir.path(), &["--format", "json"], None);
    assert_eq!(code, 0, "{json}");
    let plan: serde_json::Value = serde_json::from_str(&json).expect("plan JSON");
    let fp = plan["fingerprint"].as_str().expect("fingerprint");

    for (columns, width) in [(Some("72"), 72), (None, 100), (Some("not-a-number"), 100)] {
        let (code, text) = sandbox_plan(dir.path(), &[], columns);
        assert_eq!(code, 0, "{text}");
        // Every warning line and its continuation fit (a single word longer than the width,
        // such as a long URL, may stand alone on its line).
        let mut in_warning = false;
        let mut continuations = 0;
        for line in text.lines() {
            if line.starts_with("  warning: ") {
                in_warning = true;
            } else if in_warning && line.starts_with("           ") {
                continuations += 1;
            } else {
                in_warning = false;
                continue;
            }
            let words = line.split_whitespace().count();
            assert!(
                line.chars().count() <= width || words == 1,
                "{columns:?}: {line:?} is wider than {width}\n{text}"
            );
        }
        assert!(
            continuations > 0,
            "{columns:?}: no warning was wrapped\n{text}"
        );
        assert!(
            text.ends_with(&format!(
                "\n\nPlan: 3 to create, 1 to update, 1 to adopt, 1 to delete.\nFingerprint: {fp}\n"
            )),
            "{text}"
        );
    }

    // After the apply, the same plan says so.
    let out = edgeplan()
        .args(["apply", "--sandbox"])
        .arg(dir.path())
        .args(["-m", &example(), "--skip-health", "--yes"])
        .env_remove("CLOUDFLARE_API_TOKEN")
        .output()
        .expect("apply");
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let (code, text) = sandbox_plan(dir.path(), &[], None);
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains("\n\nNo changes. The zones match the manifests.\nFingerprint: sha256:"),
        "{text}"
    );
    assert!(!text.contains("Plan:"), "{text}");
}

#[test]
fn every_subcommand_help_names_the_token_the_exit_codes_and_an_example() {
    for sub in ["validate", "plan", "apply", "action", "schema"] {
        let out = edgeplan().args([sub, "--help"]).output().expect("help");
        assert_eq!(out.status.code(), Some(0), "{sub}");
        let help = String::from_utf8_lossy(&out.stdout);
        for needle in [
            "CLOUDFLARE_API_TOKEN",
            "Exit codes: 0 ",
            "Example",
            "edgeplan ",
        ] {
            assert!(
                help.contains(needle),
                "{sub} --help lacks {needle:?}:\n{help}"
            );
        }
    }
    let plan = edgeplan().args(["plan", "--help"]).output().expect("help");
    let plan = String::from_utf8_lossy(&plan.stdout);
    assert!(plan.contains("2 the plan has changes"), "{plan}");
    assert!(plan.contains("64 usage error"), "{plan}");
}

/// The apply prompt's text on a terminal, answered "no" (exit 1); `None` where the terminal
/// cannot be had (see `apply_confirm::on_a_terminal`).
fn prompt_of(w: &World) -> Option<String> {
    let (code, text) = crate::apply_confirm::on_a_terminal(w, "no")?;
    assert_eq!(code, 1, "{text}");
    Some(text)
}

#[test]
fn the_apply_prompt_names_the_fingerprint_and_says_when_it_is_not_atomic() {
    let w = World::free();
    w.many(3);
    let fp = w.run(&["plan", "--format", "json"]).expect(0).stdout;
    let fp: serde_json::Value = serde_json::from_str(&fp).expect("json");
    let fp = fp["fingerprint"].as_str().expect("fingerprint").to_string();
    let Some(text) = prompt_of(&w) else {
        eprintln!("skipped: util-linux `script` is not available here");
        return;
    };
    assert!(
        text.contains(&format!(
            "Apply plan {fp} (3 changes)? Only 'yes' is accepted"
        )),
        "{text}"
    );
    assert!(!text.contains("chunks"), "{text}");

    // 250 creates on a Free zone (200 per batch): two requests, and the prompt says so.
    w.many(250);
    let text = prompt_of(&w).expect("script ran before");
    assert!(
        text.contains("example.com: the 250 changes go in 2 chunks of at most 200, each atomic but not together"),
        "{text}"
    );
    assert!(
        text.contains("250 changes go in 2 batch requests of at most 200"),
        "{text}"
    );
    assert!(w.batches().is_empty(), "nothing was applied");
}
