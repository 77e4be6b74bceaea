//! The repository stands alone: a clone with nothing beside it builds, tests and reads. No file
//! may name a path outside the repository (a sibling checkout of design notes or fixtures) or a
//! tracker's issue number, since a stranger's clone has neither.

use std::path::{Path, PathBuf};

/// Every text file of the repository, without build output and VCS data.
fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read_dir").flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if matches!(name.as_str(), ".git" | "target" | "corpus" | "artifacts") {
            continue;
        }
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() {
            files(&path, out);
        } else if kind.is_file() {
            out.push(path);
        }
    }
}

#[test]
fn nothing_names_a_file_outside_the_repository() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut all = Vec::new();
    files(root, &mut all);
    // Built by parts, so this file does not match itself.
    let outside = [
        format!("..{}shared", '/'),
        format!("DESIGN{}md", '.'),
        format!("shared {}", "design folder"),
        format!("reference/{}", "cloudflare-api.md"),
        format!("reference/{}", "github-actions.md"),
    ];
    let mut found = Vec::new();
    for path in &all {
        let Ok(text) = std::fs::read_to_string(path) else {
            continue; // binary
        };
        for needle in &outside {
            for (n, line) in text.lines().enumerate() {
                if line.contains(needle.as_str()) {
                    found.push(format!(
                        "{}:{}: {}",
                        path.strip_prefix(root).unwrap_or(path).display(),
                        n + 1,
                        line.trim()
                    ));
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "references outside the repository:\n{}",
        found.join("\n")
    );
}

#[test]
fn docs_and_scripts_name_no_issue_numbers() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut all = Vec::new();
    files(root, &mut all);
    let mut found = Vec::new();
    for path in all.iter().filter(|p| {
        p.extension()
            .is_some_and(|e| e == "md" || e == "sh" || e == "yml" || e == "toml")
    }) {
        let Ok(text) = std::fs::read_to_string(path) else {
            continue;
        };
        for (n, line) in text.lines().enumerate() {
            let lower = line.to_ascii_lowercase();
            let mut rest = lower.as_str();
            while let Some(i) = rest.find("issue ") {
                let after = &rest[i + "issue ".len()..];
                let after = after.strip_prefix('#').unwrap_or(after);
                if after.starts_with(|c: char| c.is_ascii_digit()) {
                    found.push(format!(
                        "{}:{}: {}",
                        path.strip_prefix(root).unwrap_or(path).display(),
                        n + 1,
                        line.trim()
                    ));
                    break;
                }
                rest = &rest[i + 1..];
            }
        }
    }
    assert!(
        found.is_empty(),
        "issue numbers in docs or scripts:\n{}",
        found.join("\n")
    );
}
