//! The manifest reference in README.md and docs/manifest.md is checked against the schema that
//! `edgeplan schema` prints, both ways: a key added to the manifest must be documented, and a key
//! documented must exist. Why: a reference that drifts from the validator teaches typos that the
//! strict loader then rejects.

use std::collections::BTreeSet;

use serde_json::Value;

/// Every key path of the schema: `zone`, `defaults.ttl`, `endpoints[].name`, ...
fn schema_paths() -> BTreeSet<String> {
    fn walk(node: &Value, prefix: &str, out: &mut BTreeSet<String>) {
        if let Some(props) = node.get("properties").and_then(Value::as_object) {
            for (key, child) in props {
                let path = format!("{prefix}{key}");
                out.insert(path.clone());
                walk(child, &format!("{path}."), out);
                if let Some(items) = child.get("items") {
                    walk(items, &format!("{path}[]."), out);
                }
            }
        }
        for defs in ["$defs", "definitions"] {
            if let Some(map) = node.get(defs).and_then(Value::as_object) {
                for d in map.values() {
                    walk(d, prefix, out);
                }
            }
        }
    }
    let mut out = BTreeSet::new();
    walk(&edgeplan::manifest::schema(), "", &mut out);
    out
}

/// The first cell of every table row that is a code span: `| \`key\` | ...`.
fn documented_keys(text: &str) -> BTreeSet<String> {
    text.lines()
        .filter_map(|l| l.strip_prefix("| `"))
        .filter_map(|l| l.split_once('`'))
        .map(|(key, _)| key.to_string())
        .collect()
}

fn read(path: &str) -> String {
    std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path))
        .unwrap_or_else(|e| panic!("read {path}: {e}"))
}

#[test]
fn the_readme_manifest_table_lists_exactly_the_schema_keys() {
    let schema = schema_paths();
    assert!(schema.contains("endpoints[].target"), "{schema:?}");
    let readme = read("README.md");
    let section = readme
        .split("## The manifest")
        .nth(1)
        .and_then(|s| s.split("\n## ").next())
        .expect("README has a `## The manifest` section");
    let documented = documented_keys(section);
    let missing: Vec<_> = schema.difference(&documented).collect();
    let stale: Vec<_> = documented.difference(&schema).collect();
    assert!(
        missing.is_empty(),
        "README lacks manifest keys: {missing:?}"
    );
    assert!(
        stale.is_empty(),
        "README documents keys the manifest does not have: {stale:?}"
    );
}

#[test]
fn docs_manifest_has_a_row_for_every_key() {
    let documented = documented_keys(&read("docs/manifest.md"));
    let missing: Vec<String> = schema_paths()
        .iter()
        .map(|p| p.rsplit('.').next().unwrap_or(p).to_string())
        .filter(|leaf| !documented.contains(leaf))
        .collect();
    assert!(
        missing.is_empty(),
        "docs/manifest.md lacks rows for: {missing:?}"
    );
}
