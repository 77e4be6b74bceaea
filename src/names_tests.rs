//! One meaning per name: a struct, enum, trait, union or type alias name is defined in one place
//! of shipped code, so a reader who meets it knows which one is meant without opening two files.
//!
//! The check reads the source text of `src/` (the same files as [`super::layering`]: test folders,
//! `*tests.rs`, `test_support.rs` and the inline `#[cfg(test)] mod` at a file's end are left
//! out), collects every definition, those inside function bodies included, and fails on a name
//! defined twice unless [`ALLOWED`] holds it with its reason. Associated types in `impl` blocks
//! (`type Error = Error;`, `type Value = ...`) fill a trait's slot rather than define a name and
//! are not counted.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::layering::{collect, production_part};

/// Names defined more than once on purpose, each with why.
const ALLOWED: &[(&str, &str)] = &[(
    "Error",
    "each module's own error type, the Rust idiom (`cloudflare::Error`, `github::Error`, \
     `manifest::de::Error`): always read with its module's name in front",
)];

/// The kinds of item whose name is a type's.
const KEYWORDS: &[&str] = &["struct", "enum", "trait", "type", "union"];

/// The type name a line defines, if it defines one: `pub(crate) struct Plan {` gives `Plan`.
fn defined(line: &str) -> Option<&str> {
    let indented = line.starts_with(char::is_whitespace);
    let mut rest = line.trim_start();
    if let Some(after) = rest.strip_prefix("pub") {
        rest = match after.strip_prefix('(') {
            Some(scope) => scope.split_once(')')?.1,
            None => after,
        }
        .trim_start();
    }
    let (keyword, rest) = rest.split_once(' ')?;
    if !KEYWORDS.contains(&keyword) || (keyword == "type" && indented) {
        return None;
    }
    let end = rest
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(rest.len());
    let name = &rest[..end];
    name.starts_with(|c: char| c.is_ascii_uppercase())
        .then_some(name)
}

/// Every type name of shipped code with the files that define it.
fn definitions() -> BTreeMap<String, Vec<PathBuf>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut paths = Vec::new();
    collect(&src, &mut paths);
    let mut found: BTreeMap<String, Vec<PathBuf>> = BTreeMap::new();
    for path in paths {
        let text = std::fs::read_to_string(&path).expect("read a source file");
        for line in production_part(&text).lines() {
            if let Some(name) = defined(line) {
                let relative = path.strip_prefix(&src).unwrap_or(&path).to_path_buf();
                found.entry(name.to_string()).or_default().push(relative);
            }
        }
    }
    found
}

#[test]
fn a_definition_line_gives_its_name() {
    assert_eq!(defined("pub struct Plan {"), Some("Plan"));
    assert_eq!(defined("pub(crate) enum Kind {"), Some("Kind"));
    assert_eq!(
        defined("pub(in crate::run) trait Probe: Send {"),
        Some("Probe")
    );
    assert_eq!(defined("    struct Failure {"), Some("Failure"));
    assert_eq!(defined("type ModPath = Vec<String>;"), Some("ModPath"));
    assert_eq!(
        defined("pub type Result<T> = std::result::Result<T, Error>;"),
        Some("Result")
    );
    assert_eq!(defined("    type Error = Error;"), None);
    assert_eq!(defined("pub fn plan() -> Plan {"), None);
    assert_eq!(defined("// a struct Plan here"), None);
}

#[test]
fn each_type_name_has_one_meaning() {
    let found = definitions();
    assert!(found.len() > 100, "type names found: {}", found.len());
    for (name, why) in ALLOWED {
        assert!(
            found.get(*name).is_some_and(|files| files.len() > 1),
            "{name} is defined once or not at all: take it out of ALLOWED ({why})"
        );
    }
    let twice: Vec<String> = found
        .iter()
        .filter(|(name, files)| files.len() > 1 && !ALLOWED.iter().any(|(a, _)| a == name))
        .map(|(name, files)| {
            let files: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
            format!("{name}: {}", files.join(", "))
        })
        .collect();
    assert!(
        twice.is_empty(),
        "type names defined more than once (rename one, or add it to ALLOWED with why):\n{}",
        twice.join("\n")
    );
}
