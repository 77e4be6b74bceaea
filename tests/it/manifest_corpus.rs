//! Runs the real binary over every manifest in tests/corpus: each invalid one must exit 1 with
//! the expected message on the expected line (its `.expect` sidecar: `LINE<TAB>substring`), and
//! never panic; each valid one must exit 0. This is what a user feels, so it is tested end to end.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/corpus");

/// `edgeplan validate -m PATH` outside Actions, and how long it took.
pub(crate) fn validate(path: &Path) -> (Output, Duration) {
    let started = Instant::now();
    let output = Command::new(env!("CARGO_BIN_EXE_edgeplan"))
        .args(["validate", "-m"])
        .arg(path)
        .env_remove("GITHUB_ACTIONS")
        .output()
        .expect("run edgeplan");
    (output, started.elapsed())
}

/// The corpus manifests in `dir` (`valid`, `invalid`), sorted.
pub(crate) fn files(dir: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(Path::new(CORPUS).join(dir))
        .expect("corpus dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    files
}

#[test]
fn every_invalid_manifest_exits_1_with_its_message_on_its_line() {
    let files = files("invalid");
    assert!(
        files.len() >= 40,
        "the corpus shrank to {} files",
        files.len()
    );
    let mut failures = Vec::new();
    for path in &files {
        let expect = std::fs::read_to_string(path.with_extension("expect"))
            .unwrap_or_else(|_| panic!("{} has no .expect sidecar", path.display()));
        let (line, substring) = expect
            .trim_end_matches('\n')
            .split_once('\t')
            .expect("LINE<TAB>text");
        let (output, elapsed) = validate(path);
        let stderr = String::from_utf8_lossy(&output.stderr);
        let prefix = format!("error: {}:{line}:", path.display());
        let found = stderr
            .lines()
            .any(|l| l.starts_with(&prefix) && l.contains(substring));
        if output.status.code() != Some(1) || !found || stderr.contains("panicked") {
            failures.push(format!(
                "{}: exit {:?}, wanted line {line} with `{substring}`, got:\n{stderr}",
                path.display(),
                output.status.code()
            ));
        }
        // Bad input is refused quickly, alias bombs included (debug build, shared machine).
        assert!(
            elapsed < Duration::from_secs(2),
            "{} took {elapsed:?}",
            path.display()
        );
        assert!(
            output.stdout.is_empty(),
            "{} printed on stdout",
            path.display()
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_valid_manifest_exits_0() {
    let mut paths = files("valid");
    paths.push(Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/edgeplan.yaml"));
    for path in paths {
        let (output, _) = validate(&path);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{}: {}",
            path.display(),
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(String::from_utf8_lossy(&output.stdout).contains("valid: zone "));
    }
}

#[test]
fn a_file_over_one_mebibyte_is_refused_before_parsing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("big.yaml");
    let mut text = String::from("version: 1\nzone: example.com\nendpoints:\n");
    while text.len() <= 1024 * 1024 {
        text.push_str("  # padding padding padding padding padding padding padding padding\n");
    }
    std::fs::write(&path, text).expect("write");
    let (output, elapsed) = validate(&path);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(":1:1: the manifest is larger than 1024 KiB"),
        "{stderr}"
    );
    assert!(elapsed < Duration::from_secs(2));
}

/// Writes `a.yaml` and `b.yaml`, runs `validate -m a.yaml -m b.yaml`, expects exit 1 and
/// returns both paths and stderr.
fn validate_pair(a_text: &str, b_text: &str) -> (PathBuf, PathBuf, String) {
    let dir = tempfile::tempdir().expect("tempdir");
    let (a, b) = (dir.path().join("a.yaml"), dir.path().join("b.yaml"));
    std::fs::write(&a, a_text).expect("write");
    std::fs::write(&b, b_text).expect("write");
    let output = Command::new(env!("CARGO_BIN_EXE_edgeplan"))
        .args(["validate", "-m"])
        .arg(&a)
        .arg("-m")
        .arg(&b)
        .output()
        .expect("run edgeplan");
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    // The paths stay meaningful in messages after the directory is gone.
    (a, b, stderr)
}

#[test]
fn two_manifests_for_the_same_zone_and_owner_name_both_files() {
    let text = "version: 1\nzone: example.com\nendpoints: []\n";
    let (a, b, stderr) = validate_pair(text, text);
    assert!(
        stderr.contains(&format!("error: {}:1:1:", b.display())),
        "{stderr}"
    );
    assert!(stderr.contains(&a.display().to_string()), "{stderr}");
}

/// Two owners of one zone asking for the same name would both plan a create, and the second
/// apply would fail half-way (81053): the set is refused before any plan, naming both lines.
#[test]
fn one_name_wanted_by_two_manifests_of_a_zone_names_both_lines() {
    let (a, b, stderr) = validate_pair(
        "version: 1\nzone: example.com\nendpoints:\n  - name: api\n    target: t.example.net\n",
        "version: 1\nzone: example.com\nowner: search\nendpoints:\n  - name: other\n    target: t.example.net\n  - name: API.example.com.\n    target: u.example.net\n",
    );
    assert!(
        stderr.contains(&format!(
            "error: {}:7:1: api.example.com is also wanted by {}:4",
            b.display(),
            a.display()
        )),
        "{stderr}"
    );
}
