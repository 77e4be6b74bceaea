//! What a hostile manifest in a pull request must not achieve, through the real binary: reading a
//! runner file through a symbolic link and echoing it, hanging on a device or a FIFO, flooding the
//! output through aliases, sneaking an IP target, a private health URL or invisible control
//! characters past `validate`. Each run is bounded in time, so a regression fails in seconds
//! instead of hanging the suite.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::support::harness::{Run, World, bounded, edgeplan};

/// A credential as `git credential-store` keeps it; the canary must never be printed.
const CANARY: &str = "ghs_LEAKCANARY0123456789abcdefghijklmnop";

/// `edgeplan validate -m path` outside GitHub Actions, bounded.
fn validate(path: &Path) -> (Run, Duration) {
    let mut cmd = edgeplan();
    cmd.args(["validate", "-m"]).arg(path);
    bounded(cmd, Duration::from_secs(20))
}

/// True when `text` holds no raw control or bidirectional character (line breaks aside).
fn inert(text: &str) -> bool {
    !text.chars().any(|c| {
        (c.is_control() && c != '\n')
            || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' | '\u{061c}')
    })
}

fn symlink(target: &Path, link: &Path) {
    std::os::unix::fs::symlink(target, link)
        .unwrap_or_else(|e| panic!("{} -> {}: {e}", link.display(), target.display()));
}

/// A file outside the workspace holding a credential, as `~/.git-credentials` does on a runner.
fn credentials(w: &World) -> std::path::PathBuf {
    let home = w.tmp.path().join("home");
    std::fs::create_dir_all(&home).expect("mkdir home");
    let path = home.join(".git-credentials");
    std::fs::write(
        &path,
        format!("https://x-access-token:{CANARY}@github.com\n"),
    )
    .expect("write credentials");
    path
}

/// The canary is in neither the run's output nor any comment.
fn assert_no_canary(w: &World, ran: &Run) {
    let comments = w
        .gh()
        .all_comments()
        .into_iter()
        .map(|c| ("a comment", c.body));
    for (place, text) in std::iter::once(("the run", ran.dump())).chain(comments) {
        assert!(!text.contains("LEAKCANARY"), "leaked in {place}:\n{text}");
    }
}

#[test]
fn a_manifest_linked_to_a_runner_file_is_refused_under_actions_and_nothing_is_echoed() {
    let w = World::for_action();
    let secret = credentials(&w);
    symlink(&secret, &w.manifest_path());
    let ran = w.pull_request("pull_request.opened.json").run().expect(1);
    assert_no_canary(&w, &ran);
    ran.assert_stderr_has("symbolic link");
    ran.assert_stderr_has("outside the workspace");

    // A directory on the way counts as much as the file itself.
    std::fs::remove_file(w.manifest_path()).expect("rm link");
    symlink(secret.parent().expect("home"), &w.workspace().join("dns"));
    let ran = w
        .pull_request("pull_request.opened.json")
        .var("INPUT_MANIFEST", "dns/.git-credentials")
        .run()
        .expect(1);
    assert_no_canary(&w, &ran);
    ran.assert_stderr_has("symbolic link");

    // `validate` under Actions follows the same rule.
    let ws = w.workspace().to_string_lossy().into_owned();
    let mut cmd = edgeplan();
    cmd.args(["validate", "-m", "dns/.git-credentials"])
        .current_dir(w.workspace())
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_WORKSPACE", &ws);
    let (ran, _) = bounded(cmd, Duration::from_secs(20));
    assert_eq!(ran.code, 1, "{}", ran.dump());
    assert!(!ran.dump().contains("LEAKCANARY"), "{}", ran.dump());
    ran.assert_stderr_has("symbolic link");
}

#[test]
fn a_link_into_the_checkouts_git_directory_is_refused_under_actions() {
    let w = World::for_action();
    let git = w.workspace().join(".git");
    std::fs::create_dir_all(&git).expect("mkdir .git");
    std::fs::write(
        git.join("config"),
        format!("[http]\n\textraheader = AUTHORIZATION: basic {CANARY}\n"),
    )
    .expect("write config");
    symlink(Path::new(".git/config"), &w.manifest_path());
    let ran = w.pull_request("pull_request.opened.json").run().expect(1);
    assert_no_canary(&w, &ran);
    ran.assert_stderr_has("symbolic link");
}

#[test]
fn links_inside_the_workspace_and_files_the_workflow_names_are_still_read() {
    let w = World::for_action();
    w.write_in_workspace(
        "dns/zone.yaml",
        "version: 1\nzone: example.com\nendpoints:\n  - name: api\n    target: api.example.net\n",
    );
    symlink(Path::new("dns/zone.yaml"), &w.manifest_path());
    let ran = w.pull_request("pull_request.opened.json").run_checked(0);
    ran.assert_summary_has("api.example.com");

    // A real file under RUNNER_TEMP, named by the workflow, is not a link at all.
    let temp = w.runner_temp().join("generated.yaml");
    std::fs::copy(w.workspace().join("dns/zone.yaml"), &temp).expect("copy");
    w.pull_request("pull_request.synchronize.json")
        .var("INPUT_MANIFEST", &temp.to_string_lossy())
        .run_checked(0);
}

#[test]
fn outside_actions_a_value_is_quoted_as_a_short_escaped_excerpt() {
    let w = World::free();
    let long = format!("{}{CANARY}", "x".repeat(200));
    let cases = [
        // The whole file is one string (what a credentials file parses to).
        format!("\"{long}\"\n"),
        format!("version: 1\nzone: example.com\nendpoints: \"{long}\"\n"),
        format!(
            "version: 1\nzone: example.com\nendpoints:\n  - name: a\n    target: \"{long} x\"\n"
        ),
        format!(
            "version: 1\nzone: example.com\nendpoints:\n  - name: a\n    target: b.example.net\n    ttl: \"{long}\"\n"
        ),
        format!(
            "version: 1\nzone: example.com\nendpoints:\n  - name: a\n    target: b.example.net\n    {long}: 1\n"
        ),
        format!("version: 1\nzone: example.com\nowner: \"{long}\"\nendpoints: []\n"),
        format!("version: 1\nzone: example.com\nzone_id: \"{long}\"\nendpoints: []\n"),
        format!("version: 1\nzone: \"{long}.com\"\nendpoints: []\n"),
        format!(
            "version: 1\nzone: example.com\nendpoints:\n  - name: a\n    target: b.example.net\n    health: \"http://{long}.example/\"\n"
        ),
        format!(
            "version: 1\nzone: example.com\nendpoints:\n  - name: a\n    target: b.example.net\n    health: \"/{long} x\"\n"
        ),
    ];
    for text in cases {
        let path = w.write_manifest(&text);
        let (ran, _) = validate(&path);
        assert_eq!(ran.code, 1, "{text}\n{}", ran.dump());
        assert!(
            !ran.stderr.contains("LEAKCANARY"),
            "the whole value was echoed for\n{text}\n{}",
            ran.stderr
        );
        assert!(ran.stderr.contains('…'), "no excerpt mark:\n{}", ran.stderr);
        assert!(ran.stderr.len() < 2_000, "{}", ran.stderr);
    }
}

#[test]
fn a_link_to_a_character_device_or_a_fifo_is_refused_without_hanging() {
    let w = World::free();
    let mut cases = Vec::new();
    for dev in ["/dev/ptmx", "/dev/zero"] {
        if Path::new(dev).exists() {
            let link = w.workspace().join(format!("{}.yaml", &dev[5..]));
            symlink(Path::new(dev), &link);
            cases.push(link);
        }
    }
    let fifo = w.workspace().join("fifo.yaml");
    let made = Command::new("mkfifo").arg(&fifo).status().expect("mkfifo");
    assert!(made.success());
    cases.push(fifo.clone());
    let linked_fifo = w.workspace().join("linked-fifo.yaml");
    symlink(&fifo, &linked_fifo);
    cases.push(linked_fifo);
    cases.push(w.workspace());
    for path in &cases {
        let (ran, elapsed) = validate(path);
        assert_eq!(ran.code, 1, "{}: {}", path.display(), ran.dump());
        ran.assert_stderr_has("not a regular file");
        assert!(
            elapsed < Duration::from_secs(10),
            "{}: {elapsed:?}",
            path.display()
        );
    }
    // The action takes the same road.
    let w = World::for_action();
    symlink(&fifo, &w.manifest_path());
    let mut ran = None;
    let started = Instant::now();
    std::thread::scope(|s| {
        let h = s.spawn(|| w.pull_request("pull_request.opened.json").run());
        while !h.is_finished() && started.elapsed() < Duration::from_secs(20) {
            std::thread::sleep(Duration::from_millis(20));
        }
        if !h.is_finished() {
            // Unblock the reader so the test ends, then fail.
            let _ = std::fs::OpenOptions::new().write(true).open(&fifo);
        }
        ran = h.join().ok();
    });
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "the action hung on a FIFO"
    );
    let ran = ran.expect("ran");
    assert_eq!(ran.code, 1, "{}", ran.dump());
}

/// A YAML document with the anchored string `value` used `n` times where something else is
/// expected, built by `layout`.
fn aliases(value: &str, n: usize, layout: &str) -> String {
    let uses = |sep: &str| vec!["*x"; n].join(sep);
    match layout {
        // Endpoints must be mappings.
        "endpoints" => format!(
            "version: 1\nzone: example.com\nx: &x \"{value}\"\nendpoints: [{}]\n",
            uses(",")
        ),
        // Endpoint keys must be known words.
        "keys" => format!(
            "version: 1\nzone: example.com\nx: &x \"{value}\"\nendpoints: [{{name: a, target: b.example.net, {}}}]\n",
            uses(" : 1,") + " : 1"
        ),
        // Booleans.
        "proxied" => format!(
            "version: 1\nzone: example.com\nx: &x \"{value}\"\nendpoints: [{}]\n",
            vec!["{name: a, target: b.example.net, proxied: *x}"; n].join(",")
        ),
        _ => unreachable!(),
    }
}

#[test]
fn aliases_cannot_flood_the_output_or_the_time() {
    let w = World::free();
    let big = "a".repeat(500_000);
    let small = "b".repeat(100);
    let cases = [
        (&big, 150_000, "endpoints"),
        (&big, 30, "endpoints"),
        (&big, 30, "keys"),
        (&big, 30, "proxied"),
        (&small, 150_000, "endpoints"),
        (&small, 100_000, "keys"),
        (&small, 20_000, "proxied"),
    ];
    for (value, n, layout) in cases {
        let text = aliases(value, n, layout);
        let path = w.write_manifest(&text);
        let (ran, elapsed) = validate(&path);
        let what = format!("{} chars x {n} in {layout}", value.len());
        assert_eq!(
            ran.code,
            1,
            "{what}: {}",
            &ran.stderr[..ran.stderr.len().min(2000)]
        );
        assert!(
            ran.stderr.len() < 40_000,
            "{what}: {} bytes of stderr",
            ran.stderr.len()
        );
        assert!(
            elapsed < Duration::from_secs(15),
            "{what}: took {elapsed:?}"
        );
    }
    // Many problems: the first 100 (the unknown key `x`, then 99 endpoints), then one line
    // saying how many more.
    let path = w.write_manifest(&aliases(&small, 5_000, "endpoints"));
    let (ran, _) = validate(&path);
    let errors: Vec<&str> = ran
        .stderr
        .lines()
        .filter(|l| l.starts_with("error: "))
        .collect();
    assert_eq!(errors.len(), 101, "{}", &ran.stderr[..2000]);
    assert!(
        errors[100].ends_with(": ... and 4901 more problems"),
        "{}",
        errors[100]
    );
}

/// Writes one endpoint's manifest around `lines` and asserts `validate` refuses it on `line`
/// with `needle`, printing nothing raw.
#[track_caller]
fn refused(w: &World, text: &str, line: usize, needle: &str) {
    let path = w.write_manifest(text);
    let (ran, _) = validate(&path);
    let prefix = format!("{}:{line}:", path.display());
    assert!(
        ran.code == 1
            && ran
                .stderr
                .lines()
                .any(|l| l.contains(&prefix) && l.contains(needle)),
        "wanted line {line} with {needle:?} for\n{text}\n{}",
        ran.dump()
    );
    assert!(
        inert(&ran.stderr) && inert(&ran.stdout),
        "raw control character in\n{}",
        ran.dump()
    );
}

const HEAD: &str = "version: 1\nzone: example.com\nendpoints:\n  - name: api\n";

#[test]
fn ip_targets_in_every_spelling_are_refused() {
    let w = World::free();
    for target in [
        "\"1.2.3.4.\"",
        "\"[::1]\"",
        "\"::1.\"",
        "\"[2001:db8::1]\"",
        "203.0.113.9.",
    ] {
        refused(
            &w,
            &format!("{HEAD}    target: {target}\n"),
            5,
            "is an IP address",
        );
    }
}

#[test]
fn health_urls_are_judged_by_the_probers_rule() {
    let w = World::free();
    let head = format!("{HEAD}    target: api.example.net\n");
    for (health, needle) in [
        ("https://10.0.0.1/h", "private"),
        ("https://169.254.169.254/latest/meta-data/", "link-local"),
        ("https://[fd00:ec2::254]/", "metadata"),
        ("https://[::ffff:169.254.169.254]/", "link-local"),
        ("https://168.63.129.16/", "metadata"),
        // Not loopback to the prober, so not loopback to validate either.
        ("http://127.0.0.1.nip.io/h", "plain http"),
    ] {
        refused(&w, &format!("{head}    health: \"{health}\"\n"), 6, needle);
    }
    for ok in [
        "http://127.0.0.2:8080/h",
        "http://[::1]:9/h",
        "http://localhost/h",
        "https://status.example.org/up",
    ] {
        let path = w.write_manifest(&format!("{head}    health: \"{ok}\"\n"));
        let (ran, _) = validate(&path);
        assert_eq!(ran.code, 0, "{ok}: {}", ran.dump());
    }
}

#[test]
fn control_and_bidirectional_characters_are_refused_everywhere() {
    let w = World::free();
    let t = "    target: api.example.net\n";
    let cases: Vec<(String, usize)> = vec![
        (format!("{HEAD}{t}    comment: \"ok \\u202E txt\"\n"), 6),
        (format!("{HEAD}{t}    comment: \"bell \\a\"\n"), 6),
        (format!("{HEAD}{t}    comment: \"tab\\there\"\n"), 6),
        (format!("{HEAD}{t}    comment: \"del \\x7f\"\n"), 6),
        (format!("{HEAD}{t}    comment: \"c1 \\x9b\"\n"), 6),
        (format!("{HEAD}{t}    comment: \"lrm \\u200E\"\n"), 6),
        (format!("{HEAD}{t}    comment: \"alm \\u061C\"\n"), 6),
        (format!("{HEAD}{t}    comment: \"isolate \\u2066\"\n"), 6),
        (format!("{HEAD}    target: \"api\\u202E.example.net\"\n"), 5),
        (format!("{HEAD}    target: \"api.example.net\\t\"\n"), 5),
        ("version: 1\nzone: example.com\nendpoints:\n  - name: \"a\\u202Eb\"\n    target: x.example.net\n".into(), 4),
        ("version: 1\nzone: \"example\\u202E.com\"\nendpoints: []\n".into(), 2),
        ("version: 1\nzone: example.com\nowner: \"ml\\u2067\"\nendpoints: []\n".into(), 3),
        (format!("{HEAD}{t}    health: \"/h\\u202E\"\n"), 6),
        (format!("{HEAD}{t}    \"adopt\\u202E\": true\n"), 6),
        // Raw in the text: a plain value, and a YAML comment a reviewer would read reordered.
        (format!("{HEAD}{t}    comment: ok \u{202E} txt\n"), 6),
        (format!("{HEAD}{t}    # \u{202E} harmless\n"), 6),
        (format!("{HEAD}{t}    comment: bell \u{7}\n"), 6),
    ];
    for (text, line) in cases {
        refused(&w, &text, line, "control character");
    }
    // Line breaks in a comment keep their own message.
    refused(
        &w,
        &format!("{HEAD}{t}    comment: \"a\\nb\"\n"),
        6,
        "line break",
    );
}
