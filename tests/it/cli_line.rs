//! Issue 25, items 5 to 8, through the binary: manifest paths as arguments (literal, beside `-m`
//! patterns), shell completions and the man page from the clap definitions, the two-line
//! `--version`, the text width taken from the terminal (`COLUMNS` still wins), and the help for a
//! name in another zone, which names that zone.

use std::path::Path;
use std::process::Output;

use crate::support::harness::{edgeplan, sandbox_copy};

fn manifest(zone: &str) -> String {
    format!(
        "version: 1\nzone: {zone}\nendpoints:\n  - name: api\n    target: api.origin.example.net\n"
    )
}

/// `edgeplan ARGS` run in `dir`.
fn run_in(dir: &Path, args: &[&str]) -> Output {
    edgeplan()
        .current_dir(dir)
        .args(args)
        .output()
        .expect("run edgeplan")
}

fn text(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr)
}

/// `edgeplan ARGS` run in `dir` exits with `code` and its output contains `needle`.
fn exits_saying(dir: &Path, args: &[&str], code: i32, needle: &str) {
    let out = run_in(dir, args);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(code), "{args:?}: {t}");
    assert!(t.contains(needle), "{args:?}: {t}");
}

/// `edgeplan validate a.yaml b.yaml` and an unquoted `-m dns/*.yaml` (which reaches edgeplan as
/// `-m dns/a.yaml dns/b.yaml`) failed with "unexpected argument"; a positional path is read as
/// written, even with pattern characters, while the same `-m` value stays a pattern.
#[test]
fn manifest_paths_as_arguments_are_literal_paths() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir(dir.path().join("dns")).expect("mkdir");
    for zone in ["a", "b"] {
        std::fs::write(
            dir.path().join(format!("dns/{zone}.yaml")),
            manifest(&format!("{zone}.example.com")),
        )
        .expect("write");
    }
    std::fs::write(dir.path().join("dns/[c].yaml"), manifest("c.example.com")).expect("write");

    for args in [
        &["validate", "dns/a.yaml", "dns/b.yaml"][..],
        &["validate", "-m", "dns/a.yaml", "dns/b.yaml"],
        &["list", "dns/a.yaml", "./dns//b.yaml"],
    ] {
        let out = run_in(dir.path(), args);
        let t = text(&out);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {t}");
        assert!(
            t.contains("a.example.com") && t.contains("b.example.com"),
            "{args:?}: {t}"
        );
    }

    // Literal as an argument; a pattern (matching `dns/c.yaml`, absent) after `-m`.
    exits_saying(
        dir.path(),
        &["validate", "dns/[c].yaml"],
        0,
        "zone c.example.com",
    );
    exits_saying(
        dir.path(),
        &["validate", "-m", "dns/[c].yaml"],
        1,
        "no manifest matches this pattern",
    );

    // A missing argument is named; without any value the default is still edgeplan.yaml.
    exits_saying(
        dir.path(),
        &["validate", "dns/a.yaml", "dns/missing.yaml"],
        1,
        "error: dns/missing.yaml:",
    );
    exits_saying(dir.path(), &["validate"], 1, "error: edgeplan.yaml:");
}

/// Each shell's script is printed; bash (and zsh and fish, where installed) accept it.
#[test]
fn completions_print_a_script_each_shell_accepts() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (shell, checker, needle) in [
        ("bash", "bash", "complete -F"),
        ("zsh", "zsh", "#compdef edgeplan"),
        ("fish", "fish", "complete -c edgeplan"),
        ("powershell", "", "Register-ArgumentCompleter"),
    ] {
        let out = edgeplan()
            .args(["completions", shell])
            .output()
            .expect("run");
        let script = String::from_utf8_lossy(&out.stdout).into_owned();
        assert_eq!(out.status.code(), Some(0), "{shell}: {}", text(&out));
        assert!(script.contains(needle), "{shell}: {script}");
        for sub in ["validate", "plan", "apply", "completions"] {
            assert!(script.contains(sub), "{shell} lacks {sub}");
        }
        if checker.is_empty() {
            continue;
        }
        let file = dir.path().join(format!("edgeplan.{shell}"));
        std::fs::write(&file, &script).expect("write");
        match std::process::Command::new(checker)
            .arg("-n")
            .arg(&file)
            .output()
        {
            Ok(check) => assert!(
                check.status.success(),
                "{checker} -n refused the script: {}",
                text(&check)
            ),
            Err(_) if shell != "bash" => eprintln!("skipped: {checker} is not installed"),
            Err(e) => panic!("bash: {e}"),
        }
    }
    let out = edgeplan()
        .args(["completions", "tcsh"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(64), "{}", text(&out));
}

/// The man page comes from the same definitions: edgeplan(1) lists the commands, and each
/// command has its page.
#[test]
fn the_man_page_is_generated_from_the_command_line() {
    let out = edgeplan().arg("man").output().expect("run");
    let page = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(page.contains(".TH edgeplan 1"), "{page}");
    for sub in ["validate", "plan", "apply", "completions"] {
        assert!(page.contains(sub), "edgeplan(1) lacks {sub}");
    }
    let out = edgeplan().args(["man", "plan"]).output().expect("run");
    let page = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(page.contains(".TH edgeplan-plan 1"), "{page}");
    assert!(page.contains("detailed\\-exitcode"), "{page}");
    let out = edgeplan().args(["man", "nope"]).output().expect("run");
    assert_eq!(out.status.code(), Some(64), "{}", text(&out));
    // The release workflow writes a page for each command `--list` names.
    let out = edgeplan().args(["man", "--list"]).output().expect("run");
    let list = String::from_utf8_lossy(&out.stdout).into_owned();
    for sub in COMMANDS {
        assert!(list.lines().any(|l| l == sub), "{list}");
    }
    assert!(!list.lines().any(|l| l == "man" || l == "help"), "{list}");
    let release = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join(".github/workflows/release.yml"),
    )
    .expect("release.yml");
    assert!(
        release.contains("man --list"),
        "release.yml writes every page"
    );
    for shell in ["bash", "zsh", "fish", "powershell"] {
        assert!(
            release.contains(&format!("completions {shell} >")),
            "{shell}"
        );
    }
}

/// Issue 25, item 12: docs/install.md says what a source build needs and how to put edgeplan on
/// the PATH, with the toolchain `rust-toolchain.toml` pins.
#[test]
fn install_docs_state_what_a_source_build_needs() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let install = std::fs::read_to_string(root.join("docs/install.md")).expect("install.md");
    let toolchain =
        std::fs::read_to_string(root.join("rust-toolchain.toml")).expect("rust-toolchain.toml");
    let channel = toolchain
        .lines()
        .find_map(|l| l.strip_prefix("channel = "))
        .map(|c| c.trim_matches('"'))
        .expect("channel");
    for needle in [
        &format!("Rust {channel}")[..],
        "C compiler",
        "2 GB of memory and 4 GB of disk",
        "crates.io",
        "cargo install --locked --path .",
        "edgeplan completions bash",
        "edgeplan man",
    ] {
        assert!(install.contains(needle), "docs/install.md lacks {needle:?}");
    }
}

/// The first line stays `edgeplan X.Y.Z` (the release scripts compare it exactly); the second
/// names the commit ("unknown" without `EDGEPLAN_BUILD_COMMIT` at build time) and the target.
#[test]
fn version_has_the_version_then_the_commit_and_target() {
    let out = edgeplan().arg("--version").output().expect("run");
    assert_eq!(out.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{stdout}");
    assert_eq!(lines[0], format!("edgeplan {}", env!("CARGO_PKG_VERSION")));
    // build.rs sets both variables for every build ("unknown" for a commit it was not given).
    assert_eq!(
        lines[1],
        format!(
            "commit {}, target {}",
            env!("EDGEPLAN_BUILD_COMMIT"),
            env!("EDGEPLAN_BUILD_TARGET")
        ),
        "{stdout}"
    );
    let (_, target) = lines[1].split_once(", target ").expect("target");
    assert!(target.contains('-') && !target.contains(' '), "{stdout}");
    // `-V` stays one line.
    let out = edgeplan().arg("-V").output().expect("run");
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 1);
}

/// The commands `--help` lists, each with a man page (`man` itself is hidden and has none).
const COMMANDS: [&str; 8] = [
    "validate",
    "plan",
    "apply",
    "action",
    "schema",
    "list",
    "import",
    "completions",
];

/// Every command's `--version` and `-V` start with the same `edgeplan X.Y.Z` line as
/// `edgeplan --version` (DESIGN section 3), never clap's `edgeplan-plan X.Y.Z`.
#[test]
fn every_command_s_version_says_edgeplan() {
    let first = format!("edgeplan {}", env!("CARGO_PKG_VERSION"));
    for command in COMMANDS.iter().chain(&["man"]) {
        for flag in ["--version", "-V"] {
            let out = edgeplan().args([command, flag]).output().expect("run");
            let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
            assert_eq!(out.status.code(), Some(0), "{command} {flag}: {out:?}");
            assert_eq!(
                stdout.lines().next(),
                Some(first.as_str()),
                "edgeplan {command} {flag}: {stdout}"
            );
        }
    }
    // The long form keeps its second line.
    let out = edgeplan()
        .args(["plan", "--version"])
        .output()
        .expect("run");
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 2);
}

/// The plan's text on a terminal `cols` wide (util-linux `script`, `stty cols`), with `COLUMNS`
/// set or not; `None` where util-linux `script` is not available.
fn plan_on_a_terminal(cols: u16, columns: Option<&str>) -> Option<String> {
    if !cfg!(target_os = "linux") {
        return None;
    }
    let dir = sandbox_copy();
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/edgeplan.yaml");
    let line = format!(
        "stty cols {cols} rows 50; exec {} plan --sandbox {} -m {} --skip-health",
        env!("CARGO_BIN_EXE_edgeplan"),
        dir.path().display(),
        example.display()
    );
    let mut cmd = std::process::Command::new("script");
    cmd.args(["-qec", &line, "/dev/null"])
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("NO_COLOR", "1")
        .stdin(std::process::Stdio::null());
    if let Some(c) = columns {
        cmd.env("COLUMNS", c);
    }
    let out = cmd.output().ok()?;
    if !out.status.success() {
        return None;
    }
    Some(String::from_utf8_lossy(&out.stdout).replace('\r', ""))
}

/// The width of the widest warning line (continuations included) of a plan's text; a line of
/// one word (a long URL) may be wider than any width and is not counted.
fn warning_width(text: &str) -> usize {
    let mut in_warning = false;
    let mut widest = 0;
    for line in text.lines() {
        if line.starts_with("  warning: ") {
            in_warning = true;
        } else if !(in_warning && line.starts_with("           ")) {
            in_warning = false;
            continue;
        }
        if line.split_whitespace().count() > 1 {
            widest = widest.max(line.chars().count());
        }
    }
    widest
}

/// Shells rarely export `COLUMNS`: the width of the terminal is used, and `COLUMNS` wins when set.
#[test]
fn text_is_wrapped_to_the_terminal_width_unless_columns_is_set() {
    let Some(narrow) = plan_on_a_terminal(60, None) else {
        eprintln!("skipped: util-linux `script` is not available here");
        return;
    };
    assert!(narrow.contains("warning: "), "{narrow}");
    let w = warning_width(&narrow);
    assert!(w <= 60 && w > 40, "widest warning line {w}:\n{narrow}");
    let wide = plan_on_a_terminal(60, Some("90")).expect("script ran before");
    let w = warning_width(&wide);
    assert!(
        w > 60 && w <= 90,
        "widest warning line {w} with COLUMNS=90:\n{wide}"
    );
}

/// "sentiment.example.org is outside the zone example.com" suggests the zone as well as a name.
#[test]
fn a_name_in_another_zone_suggests_the_zone() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("edgeplan.yaml"),
        "version: 1\nzone: example.com\nendpoints:\n  - name: sentiment.example.org\n    target: api.origin.example.net\n",
    )
    .expect("write");
    let out = run_in(dir.path(), &["validate"]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(1), "{t}");
    assert!(t.contains("error: edgeplan.yaml:4:"), "{t}");
    assert!(t.contains("outside the zone example.com"), "{t}");
    assert!(t.contains("write `zone: example.org`"), "{t}");
    assert!(t.contains("`name: sentiment`"), "{t}");
}
