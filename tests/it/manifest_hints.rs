//! Issue 15, point 8, through the binary: one run reports every problem of a file (a typo of a
//! required key no longer hides the value rules), and a hint never suggests a value that is
//! itself refused: every `key: value` a message or help of the corpus suggests is put into an
//! otherwise valid manifest, which must validate.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/corpus/invalid");

/// Keys of the manifest, top level and per endpoint (`defaults.` ones are written with the dot).
const TOP: &[&str] = &["version", "zone", "zone_id", "owner"];
const ENDPOINT: &[&str] = &[
    "name", "target", "comment", "proxied", "ttl", "adopt", "health",
];

fn validate(path: &Path) -> (i32, String) {
    let (out, _) = crate::manifest_corpus::validate(path);
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Every `` `key: value` `` code span in `text` whose key is a manifest key.
fn suggestions(text: &str) -> Vec<(String, String)> {
    let mut found = Vec::new();
    for span in text.split('`').skip(1).step_by(2) {
        let Some((key, value)) = span.split_once(": ") else {
            continue;
        };
        let bare = key.strip_prefix("defaults.").unwrap_or(key);
        if (TOP.contains(&key) || ENDPOINT.contains(&bare)) && !value.trim().is_empty() {
            found.push((key.to_string(), value.to_string()));
        }
    }
    found
}

/// A valid manifest with `key: value` in its place.
fn manifest_with(key: &str, value: &str) -> String {
    let mut top = vec![
        ("version".to_string(), "1".to_string()),
        ("zone".to_string(), "example.com".to_string()),
    ];
    let mut endpoint = vec![
        ("name".to_string(), "api".to_string()),
        ("target".to_string(), "origin.example.net".to_string()),
    ];
    let mut defaults = Vec::new();
    let set =
        |list: &mut Vec<(String, String)>, k: &str| match list.iter_mut().find(|(n, _)| n == k) {
            Some(entry) => entry.1 = value.to_string(),
            None => list.push((k.to_string(), value.to_string())),
        };
    if let Some(k) = key.strip_prefix("defaults.") {
        set(&mut defaults, k);
    } else if TOP.contains(&key) {
        set(&mut top, key);
    } else {
        set(&mut endpoint, key);
    }
    let mut text = String::new();
    for (k, v) in &top {
        text.push_str(&format!("{k}: {v}\n"));
    }
    if !defaults.is_empty() {
        text.push_str("defaults:\n");
        for (k, v) in &defaults {
            text.push_str(&format!("  {k}: {v}\n"));
        }
    }
    text.push_str("endpoints:\n");
    for (i, (k, v)) in endpoint.iter().enumerate() {
        let lead = if i == 0 { "  - " } else { "    " };
        text.push_str(&format!("{lead}{k}: {v}\n"));
    }
    text
}

fn corpus_files() -> Vec<PathBuf> {
    crate::manifest_corpus::files("invalid")
}

#[test]
fn every_value_a_corpus_message_suggests_validates() {
    let mut suggested: BTreeSet<(String, String)> = BTreeSet::new();
    let mut from: Vec<(String, String, String)> = Vec::new();
    for path in corpus_files() {
        let (_, stderr) = validate(&path);
        for (key, value) in suggestions(&stderr) {
            if suggested.insert((key.clone(), value.clone())) {
                let file = path
                    .file_name()
                    .unwrap_or_default()
                    .to_string_lossy()
                    .into_owned();
                from.push((key, value, file));
            }
        }
    }
    // The corpus holds hints of this kind; the test would prove nothing without them.
    for needle in [
        ("target", "foo.run.app"),
        ("zone", "example.com"),
        ("owner", "ml-team"),
    ] {
        assert!(
            suggested.contains(&(needle.0.to_string(), needle.1.to_string())),
            "no corpus message suggests {needle:?}: {suggested:#?}"
        );
    }
    let dir = tempfile::tempdir().expect("tmp");
    let mut refused = Vec::new();
    for (i, (key, value, file)) in from.iter().enumerate() {
        let path = dir.path().join(format!("s{i}.yaml"));
        let text = manifest_with(key, value);
        std::fs::write(&path, &text).expect("write");
        let (code, stderr) = validate(&path);
        if code != 0 {
            refused.push(format!(
                "{file} suggests `{key}: {value}`, refused:\n{text}{stderr}"
            ));
        }
    }
    assert!(refused.is_empty(), "{}", refused.join("\n"));
}

#[test]
fn one_run_reports_the_typo_the_url_zone_and_the_bad_owner() {
    let (code, stderr) = validate(&Path::new(CORPUS).join("every_problem_at_once.yaml"));
    assert_eq!(code, 1, "{stderr}");
    let errors: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("error: "))
        .collect();
    assert_eq!(errors.len(), 4, "{stderr}");
    for (line, needle) in [
        (2, "zone `https://example.org` looks like a URL"),
        (3, "owner `ML Team` is not valid"),
        (4, "unknown field `endpoint`, did you mean `endpoints`?"),
        (1, "missing required key `endpoints`"),
    ] {
        assert!(
            errors
                .iter()
                .any(|l| l.contains(&format!(".yaml:{line}:")) && l.contains(needle)),
            "line {line}: {needle}\n{stderr}"
        );
    }
    assert!(
        stderr.contains("help: write `zone: example.org`"),
        "{stderr}"
    );
    assert!(stderr.contains("help: write `owner: ml-team`"), "{stderr}");
}
