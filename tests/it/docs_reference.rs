//! The manifest reference tables in README.md and docs/manifest.md are checked against the
//! manifest's key table (`edgeplan::manifest::key_paths`, which the schema printed by `edgeplan
//! schema` is generated from), both ways: a key added to the manifest must be documented, a key
//! documented must exist, and each row's type, required and default cells must say what the table
//! says. Why: a reference that drifts from the validator teaches typos that the strict loader then
//! rejects.

use std::collections::{BTreeMap, BTreeSet};

use edgeplan::manifest::{DefaultValue, Key, Presence, key_paths};
use serde_json::Value;

use crate::support::harness::repo_file;

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

/// One documented key: its path and its cells by column name (`type`, `default`, ...).
type Rows = BTreeMap<String, BTreeMap<String, String>>;

/// The cells of a table row; `\|` stays inside its cell.
fn cells(line: &str) -> Vec<String> {
    let inner = line.trim().trim_start_matches('|').trim_end_matches('|');
    let mut out = vec![String::new()];
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'|') => {
                chars.next();
                if let Some(last) = out.last_mut() {
                    last.push('|');
                }
            }
            '|' => out.push(String::new()),
            _ => {
                if let Some(last) = out.last_mut() {
                    last.push(c);
                }
            }
        }
    }
    out.into_iter().map(|c| c.trim().to_string()).collect()
}

/// The rows of every table whose first column is `key`, each key prefixed by `prefix(heading)`
/// where `heading` is the heading the table stands under.
fn key_tables(text: &str, prefix: impl Fn(&str) -> Option<&'static str>) -> Rows {
    let mut rows = Rows::new();
    let mut heading = "";
    let mut header: Option<Vec<String>> = None;
    for line in text.lines() {
        if line.starts_with('#') {
            heading = line;
            header = None;
            continue;
        }
        if !line.starts_with('|') {
            header = None;
            continue;
        }
        let row = cells(line);
        if row.first().map(String::as_str) == Some("key") {
            header = Some(row);
            continue;
        }
        let (Some(columns), Some(p)) = (&header, prefix(heading)) else {
            continue;
        };
        let Some(key) = row[0].strip_prefix('`').and_then(|k| k.strip_suffix('`')) else {
            continue;
        };
        let by_column = columns.iter().cloned().zip(row.iter().cloned()).collect();
        assert!(
            rows.insert(format!("{p}{key}"), by_column).is_none(),
            "{p}{key} documented twice"
        );
    }
    rows
}

/// Both ways: the documented keys are exactly the manifest's, and each row agrees with the key.
fn check(file: &str, rows: &Rows) {
    let keys: BTreeMap<String, &Key> = key_paths().into_iter().collect();
    let known: BTreeSet<&String> = keys.keys().collect();
    let documented: BTreeSet<&String> = rows.keys().collect();
    let missing: Vec<_> = known.difference(&documented).collect();
    let stale: Vec<_> = documented.difference(&known).collect();
    assert!(
        missing.is_empty(),
        "{file} lacks manifest keys: {missing:?}"
    );
    assert!(
        stale.is_empty(),
        "{file} documents keys the manifest does not have: {stale:?}"
    );
    for (path, row) in rows {
        let key = keys[path];
        let cell = |column: &str| row.get(column).map(String::as_str);
        // README abbreviates `boolean` to `bool`.
        let ty = cell("type").map(|t| if t == "bool" { "boolean" } else { t });
        assert_eq!(ty, Some(key.shape.doc_name()), "{file}: type of {path}");
        if let Some(required) = cell("required") {
            assert_eq!(
                required == "yes",
                key.required(),
                "{file}: required cell of {path}"
            );
        }
        let default = cell("default").unwrap_or("");
        let expected = match key.presence {
            // README's default column says `required`; docs/manifest.md leaves it empty.
            Presence::Required { .. } => {
                assert!(
                    default.is_empty() || default == "required",
                    "{file}: {path} is required, its default cell says {default:?}"
                );
                continue;
            }
            Presence::Optional(DefaultValue::Absent) => {
                assert!(
                    !default.starts_with('`') && default != "required",
                    "{file}: {path} has no default, its default cell says {default:?}"
                );
                continue;
            }
            Presence::Optional(DefaultValue::Bool(b)) => format!("`{b}`"),
            Presence::Optional(DefaultValue::Text(t) | DefaultValue::Inherit(t)) => {
                format!("`{t}`")
            }
        };
        assert_eq!(default, expected, "{file}: default of {path}");
    }
}

#[test]
fn the_schema_has_exactly_the_keys_of_the_table() {
    let table: BTreeSet<String> = key_paths().into_iter().map(|(p, _)| p).collect();
    assert!(table.contains("endpoints[].target"), "{table:?}");
    assert_eq!(schema_paths(), table);
}

#[test]
fn the_readme_manifest_table_lists_exactly_the_manifest_keys() {
    let readme = repo_file("README.md");
    let section = readme
        .split("## The manifest")
        .nth(1)
        .and_then(|s| s.split("\n## ").next())
        .expect("README has a `## The manifest` section");
    let rows = key_tables(section, |_| Some(""));
    check("README.md", &rows);
}

#[test]
fn docs_manifest_has_a_row_for_exactly_every_key() {
    let rows = key_tables(&repo_file("docs/manifest.md"), |heading| match heading {
        "## Top-level keys" => Some(""),
        "### `defaults`" => Some("defaults."),
        "## Endpoint keys" => Some("endpoints[]."),
        _ => None,
    });
    check("docs/manifest.md", &rows);
}

/// The first fenced block of `lang` in `text`.
fn fenced<'a>(text: &'a str, lang: &str) -> &'a str {
    text.split(&format!("```{lang}\n"))
        .nth(1)
        .and_then(|rest| rest.split("\n```").next())
        .unwrap_or_else(|| panic!("no ```{lang} block"))
}

/// `documented` (a block of a doc) is `actual` line for line, where a documented line ending in
/// `…` stands for any line that starts the same.
fn assert_shown(what: &str, documented: &str, actual: &[&str]) {
    let shown: Vec<&str> = documented.lines().collect();
    assert_eq!(
        shown.len(),
        actual.len(),
        "{what}:\n{documented}\nactual:\n{}",
        actual.join("\n")
    );
    for (d, a) in shown.iter().zip(actual) {
        let same = match d.strip_suffix('…') {
            Some(prefix) => a.starts_with(prefix.trim_end()),
            None => d == a,
        };
        assert!(same, "{what} shows\n  {d}\nwhere it is\n  {a}");
    }
}

/// The comment docs/action.md shows is the one `action_pr::three_runs_…` snapshots.
#[test]
fn docs_action_shows_the_snapshotted_comment() {
    let snap = repo_file("tests/it/snapshots/it__action_pr__three_runs_comment.snap");
    let body = snap
        .splitn(3, "---\n")
        .nth(2)
        .expect("a snapshot body")
        .replace("[fingerprint]", "sha256:…");
    let lines: Vec<&str> = body.lines().collect();
    assert_shown(
        "docs/action.md",
        fenced(&repo_file("docs/action.md"), "markdown"),
        &lines,
    );
}

/// README's "Try it" shows what the first `plan` of the example prints (a wrapped warning's
/// other lines left out), and what the plan after the apply says.
#[test]
fn readme_try_it_shows_what_plan_prints() {
    let readme = repo_file("README.md");
    let section = readme.split("## Try it").nth(1).expect("a Try it section");
    let sandbox = crate::support::harness::sandbox_copy();
    let run = |args: &[&str]| {
        let out = crate::support::harness::edgeplan()
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env("COLUMNS", "100")
            .arg(args[0])
            .arg("--sandbox")
            .arg(sandbox.path())
            .args(["-m", "examples/edgeplan.yaml", "--skip-health"])
            .args(&args[1..])
            .output()
            .expect("run edgeplan");
        assert!(out.status.success(), "{out:?}");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let printed = run(&["plan"]);
    let lines: Vec<&str> = printed
        .lines()
        .filter(|l| !l.starts_with("           "))
        .collect();
    assert_shown("README's Try it", fenced(section, "text"), &lines);
    run(&["apply", "--yes"]);
    let after = run(&["plan"]);
    let last = "No changes. The zones match the manifests.";
    assert!(after.contains(last) && section.contains(last), "{after}");
}

/// Cloudflare's rate limit (1,200 requests per five minutes) is per user for a user token and per
/// token for an account-owned token
/// (https://developers.cloudflare.com/fundamentals/api/reference/limits/): no doc may say it is
/// simply "per token", which would tell a user that several tokens of one user (one per matrix job)
/// have a limit each.
#[test]
fn no_doc_says_the_cloudflare_rate_limit_is_simply_per_token() {
    let mut files: Vec<String> = [
        "README.md",
        "ARCHITECTURE.md",
        "SECURITY.md",
        "src/run/pipeline.rs",
        "src/cloudflare/advice.rs",
        "src/cloudflare/mod.rs",
        "src/retry/mod.rs",
        "src/retry/gate.rs",
        "src/retry/notice.rs",
        "src/retry/tests.rs",
        "tests/it/many_zones.rs",
    ]
    .iter()
    .map(|f| f.to_string())
    .collect();
    for dir in ["docs", "examples/workflows"] {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
        for entry in std::fs::read_dir(&root).unwrap_or_else(|e| panic!("read {dir}: {e}")) {
            let name = entry
                .expect("dir entry")
                .file_name()
                .to_string_lossy()
                .into_owned();
            if name.ends_with(".md") || name.ends_with(".yml") {
                files.push(format!("{dir}/{name}"));
            }
        }
    }
    let mut bad = Vec::new();
    for file in &files {
        // One line of prose: comment markers, string continuations and line breaks dropped.
        let raw = repo_file(file);
        let words: Vec<&str> = raw
            .split_whitespace()
            .filter(|w| !matches!(*w, "#" | "//" | "///" | "//!" | "\\" | "\""))
            .collect();
        let text = words.join(" ").to_lowercase();
        for phrase in ["per token", "per-token", "token's rate limit"] {
            for (at, _) in text.match_indices(phrase) {
                let mut start = at.saturating_sub(300);
                while !text.is_char_boundary(start) {
                    start -= 1;
                }
                let mut end = (at + 300).min(text.len());
                while !text.is_char_boundary(end) {
                    end += 1;
                }
                let near = &text[start..end];
                if !(near.contains("per user") && near.contains("account-owned")) {
                    bad.push(format!("{file}: ...{}...", &text[start..end]));
                }
            }
        }
    }
    assert!(
        bad.is_empty(),
        "Cloudflare's limit is per user for a user token and per token for an account-owned \
         token; these say only \"per token\":\n{}",
        bad.join("\n\n")
    );
}

/// The matrix example keys both concurrency groups on the manifest, not the zone: several
/// manifests of one zone (different owners) must not cancel each other's previews, and an apply
/// group keeps every waiting run (`queue: max`, by default GitHub keeps one pending run per group)
/// and never cancels one half-way.
#[test]
fn the_matrix_example_keys_concurrency_on_the_manifest() {
    let text = repo_file("examples/workflows/edgeplan-matrix.yml");
    // A job: from `  <job>:` to the next line indented by exactly two spaces (the next job).
    let block = |job: &str| -> String {
        let start = text
            .find(&format!("\n  {job}:\n"))
            .unwrap_or_else(|| panic!("no job {job}"));
        text[start + 1..]
            .lines()
            .enumerate()
            .take_while(|(i, l)| {
                *i == 0
                    || !(l.starts_with("  ")
                        && l[2..].starts_with(|c: char| c.is_ascii_alphanumeric()))
            })
            .map(|(_, l)| format!("{l}\n"))
            .collect()
    };
    let group = |job: &str| -> String {
        let b = block(job);
        let line = b
            .lines()
            .find(|l| l.trim_start().starts_with("group:"))
            .unwrap_or_else(|| panic!("{job} has no concurrency group"));
        line.trim().to_string()
    };
    for job in ["preview", "apply"] {
        let g = group(job);
        assert!(g.contains("matrix.manifest"), "{job}: {g}");
        assert!(!g.contains("matrix.zone"), "{job}: {g}");
    }
    let apply = block("apply");
    assert!(apply.contains("queue: max"), "{apply}");
    assert!(apply.contains("cancel-in-progress: false"), "{apply}");
}
