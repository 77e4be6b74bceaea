//! The Action's docs agree with each other and with the example workflows: one table of token
//! scopes per job (docs/action.md, "Token scopes per job", copied in README.md) that every job of
//! `examples/workflows/` follows (Cloudflare token, GitHub `permissions:`, environment); a manual
//! `plan` needs neither the edit token nor the `production` environment; one `uses:` pin in
//! README.md, docs/action.md and every example, which says it is a placeholder until a release
//! replaces it (docs/release.md); the README's workflows are the example files byte for byte;
//! no doc, example or `--help` of the binary names Zone:DNS:Edit without Zone:Zone:Read; the
//! examples' preview jobs start only for the pull request activities edgeplan previews.
//! Why: a user copies the example and follows the README; when they disagree, the preview is
//! green and the apply fails.

use std::collections::{BTreeMap, BTreeSet};

use crate::support::harness::repo_file;

/// The all-zero commit: no release has it, so a copied workflow fails instead of running
/// something unexpected.
const PLACEHOLDER: &str = "0000000000000000000000000000000000000000";

/// The example workflows, by file name.
fn examples() -> BTreeMap<String, String> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/workflows");
    let mut out = BTreeMap::new();
    for entry in std::fs::read_dir(&dir).expect("examples/workflows") {
        let path = entry.expect("entry").path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("")
            .to_string();
        if name.ends_with(".yml") || name.ends_with(".yaml") {
            out.insert(
                name.clone(),
                repo_file(&format!("examples/workflows/{name}")),
            );
        }
    }
    assert!(out.len() >= 3, "{out:?}");
    out
}

/// One row of the scopes table.
#[derive(Debug)]
struct Row {
    job: String,
    cloudflare: String,
    permissions: BTreeSet<String>,
    environment: Option<String>,
}

/// The table under "### Token scopes per job" of docs/action.md, as text and as rows.
fn scopes_table() -> (String, Vec<Row>) {
    let action = repo_file("docs/action.md");
    let section = action
        .split("### Token scopes per job")
        .nth(1)
        .expect("docs/action.md has a Token scopes per job section");
    let start = section.find("| job |").expect("the table");
    let text = section[start..]
        .split("\n\n")
        .next()
        .unwrap_or_default()
        .to_string();
    let rows = text
        .lines()
        .skip(2)
        .map(|line| {
            let cells: Vec<String> = line
                .trim_matches('|')
                .split(" | ")
                .map(|c| c.trim().to_string())
                .collect();
            assert_eq!(cells.len(), 5, "{line}");
            Row {
                job: cells[0].clone(),
                cloudflare: cells[2].clone(),
                permissions: cells[3]
                    .split(", ")
                    .map(|p| p.trim_matches('`').to_string())
                    .collect(),
                environment: (cells[4] != "none").then(|| cells[4].trim_matches('`').to_string()),
            }
        })
        .collect();
    (text, rows)
}

/// One job of a workflow, read line by line (the examples' own two-space layout).
#[derive(Debug, Default)]
struct Job {
    id: String,
    condition: String,
    environment: Option<String>,
    permissions: BTreeSet<String>,
    /// The secret given to `cloudflare-api-token`, and the comment lines just above it.
    token: Option<(String, String)>,
}

fn jobs(workflow: &str) -> Vec<Job> {
    let body = workflow.split("\njobs:\n").nth(1).expect("a jobs: section");
    let lines: Vec<&str> = body.lines().collect();
    let mut jobs: Vec<Job> = Vec::new();
    let mut in_permissions = false;
    let mut in_condition = false;
    for (i, line) in lines.iter().enumerate() {
        let indent = line.len() - line.trim_start().len();
        let text = line.trim();
        // A folded `if: >-`: its lines, joined by spaces.
        if in_condition && indent == 6 && !text.is_empty() {
            if let Some(job) = jobs.last_mut() {
                job.condition = format!("{} {text}", job.condition).trim().to_string();
            }
            continue;
        }
        in_condition = false;
        if indent == 2 && text.ends_with(':') && !text.starts_with('#') {
            jobs.push(Job {
                id: text.trim_end_matches(':').to_string(),
                ..Job::default()
            });
            in_permissions = false;
            continue;
        }
        let Some(job) = jobs.last_mut() else { continue };
        if indent == 4 {
            in_permissions = text == "permissions:";
            if let Some(c) = text.strip_prefix("if: ") {
                in_condition = c == ">-";
                job.condition = if in_condition {
                    String::new()
                } else {
                    c.to_string()
                };
            }
            if let Some(e) = text.strip_prefix("environment: ") {
                job.environment = Some(e.to_string());
            }
        } else if in_permissions && indent == 6 && !text.is_empty() {
            let perm = text.split(" #").next().unwrap_or(text).trim();
            job.permissions.insert(perm.to_string());
        } else if indent > 4 {
            in_permissions = false;
        }
        if let Some(rest) = text.strip_prefix("cloudflare-api-token: ${{ secrets.") {
            let secret = rest.trim_end_matches(" }}").to_string();
            let comments: Vec<&str> = lines[..i]
                .iter()
                .rev()
                .take_while(|l| l.trim_start().starts_with('#'))
                .map(|l| l.trim())
                .collect();
            job.token = Some((secret, comments.join(" ")));
        }
    }
    jobs
}

/// The row a job of `file` follows.
fn row_for<'a>(rows: &'a [Row], file: &str, job: &Job) -> &'a Row {
    let fork = file.contains("fork-preview");
    rows.iter()
        .find(|r| {
            r.job.starts_with(&format!("`{}`", job.id)) && r.job.contains("fork preview") == fork
        })
        .unwrap_or_else(|| panic!("{file}: job `{}` has no row in the scopes table", job.id))
}

#[test]
fn every_example_job_has_the_scopes_of_its_row_and_the_readme_shows_the_same_table() {
    let (text, rows) = scopes_table();
    assert!(rows.len() >= 4, "{rows:?}");
    assert!(
        repo_file("README.md").contains(&text),
        "README.md must show docs/action.md's scopes table verbatim:\n{text}"
    );
    let mut used = BTreeSet::new();
    for (file, workflow) in examples() {
        for job in jobs(&workflow) {
            let row = row_for(&rows, &file, &job);
            used.insert(row.job.clone());
            let what = format!("{file}: job `{}`", job.id);
            assert_eq!(job.permissions, row.permissions, "{what}: permissions");
            assert_eq!(job.environment, row.environment, "{what}: environment");
            let (kind, scopes) = row
                .cloudflare
                .split_once(": ")
                .unwrap_or((&row.cloudflare, ""));
            match (kind, &job.token) {
                ("none", None) => {}
                (level @ ("read" | "edit"), Some((secret, comment))) => {
                    let (secret_level, scope) = if level == "read" {
                        ("READ", "Read")
                    } else {
                        ("EDIT", "Edit")
                    };
                    assert_eq!(secret, &format!("CF_DNS_{secret_level}_TOKEN"), "{what}");
                    assert_eq!(
                        scopes,
                        format!("Zone:Zone:Read, Zone:DNS:{scope}"),
                        "{what}"
                    );
                    assert!(
                        comment.contains(&format!("Zone:Zone:Read and Zone:DNS:{scope}")),
                        "{what}: the token's comment names its scopes: {comment}"
                    );
                }
                _ => panic!(
                    "{what}: token {:?} does not fit `{}`",
                    job.token, row.cloudflare
                ),
            }
        }
    }
    let all: BTreeSet<String> = rows.iter().map(|r| r.job.clone()).collect();
    assert_eq!(used, all, "every row of the table is a job of some example");
}

#[test]
fn a_manual_plan_needs_only_the_read_token_and_no_environment() {
    for (file, workflow) in examples() {
        for job in jobs(&workflow) {
            let what = format!("{file}: job `{}` (if: {})", job.id, job.condition);
            if job.environment.is_some() || job.token.as_ref().is_some_and(|t| t.0.contains("EDIT"))
            {
                assert!(
                    job.condition.contains("inputs.command == 'apply'")
                        && !job.condition.contains("!="),
                    "{what}: a job with the edit token or an environment runs for a manual apply only, never a manual plan"
                );
            }
            if job.condition.contains("inputs.command == 'plan'") {
                assert_eq!(job.environment, None, "{what}");
                assert_eq!(
                    job.token.as_ref().map(|t| t.0.as_str()),
                    Some("CF_DNS_READ_TOKEN"),
                    "{what}"
                );
            }
        }
        let planned = jobs(&workflow)
            .iter()
            .any(|j| j.condition.contains("inputs.command == 'plan'"));
        let applied = jobs(&workflow)
            .iter()
            .any(|j| j.condition.contains("inputs.command == 'apply'"));
        let dispatch_jobs = file != "edgeplan-fork-preview.yml";
        if dispatch_jobs {
            assert!(
                planned && applied,
                "{file}: a job for a manual plan and one for a manual apply"
            );
            assert!(
                workflow.contains("allow-deletes: ${{ inputs.allow-deletes == 'true' }}"),
                "{file}: the manual apply takes the `allow-deletes` choice"
            );
            assert!(
                workflow.contains("workflow_dispatch:"),
                "{file}: takes manual runs"
            );
        }
        assert!(
            workflow.contains("types: [opened, synchronize, reopened, edited, labeled, unlabeled]"),
            "{file}: the label's activities re-run the preview"
        );
    }
}

/// `edgeplan --help` and every subcommand's `--help`, through the binary: the words a user reads
/// first about the token.
fn help_texts() -> Vec<(String, String)> {
    let help = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_edgeplan"))
            .args(args)
            .env("COLUMNS", "200")
            .output()
            .expect("run edgeplan");
        assert!(out.status.success(), "edgeplan {args:?}: {out:?}");
        String::from_utf8(out.stdout).expect("utf-8 help")
    };
    let top = help(&["--help"]);
    let commands: Vec<String> = top
        .split("Commands:\n")
        .nth(1)
        .expect("a Commands: section")
        .lines()
        .take_while(|l| !l.trim().is_empty())
        .filter_map(|l| l.split_whitespace().next().map(String::from))
        .filter(|c| c != "help")
        .collect();
    assert!(
        ["validate", "plan", "apply", "action", "import"]
            .iter()
            .all(|c| commands.iter().any(|k| k == c)),
        "{commands:?}"
    );
    let mut texts = vec![("edgeplan --help".to_string(), top)];
    for command in commands {
        let text = help(&[&command, "--help"]);
        texts.push((format!("edgeplan {command} --help"), text));
    }
    texts
}

#[test]
fn no_doc_names_the_edit_scope_without_zone_read_or_claims_zone_id_skips_it() {
    let mut docs = workflow_docs();
    docs.extend(help_texts());
    for (file, text) in &docs {
        for line in text.lines().filter(|l| l.contains("Zone:DNS:Edit")) {
            assert!(
                line.contains("Zone:Zone:Read"),
                "{file}: the edit token needs Zone:Zone:Read too: {line}"
            );
        }
        let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(
            !flat.contains("or set `zone_id`"),
            "{file}: `zone_id` does not spare Zone:Zone:Read (GET /zones/{{zone_id}} is still read)"
        );
    }
}

/// The files that show workflows, each with its text: the README, docs/action.md and every
/// example workflow.
fn workflow_docs() -> Vec<(String, String)> {
    let mut docs: Vec<(String, String)> = vec![
        ("README.md".into(), repo_file("README.md")),
        ("docs/action.md".into(), repo_file("docs/action.md")),
    ];
    docs.extend(
        examples()
            .into_iter()
            .map(|(f, t)| (format!("examples/workflows/{f}"), t)),
    );
    docs
}

/// Every `uses: edgeplan/edgeplan@...` line's pin and comment.
fn pins(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|l| l.split("uses: edgeplan/edgeplan@").nth(1))
        .filter(|rest| !rest.starts_with('`') && !rest.is_empty())
        .map(|rest| rest.trim().to_string())
        .collect()
}

#[test]
fn one_pin_everywhere_and_a_placeholder_says_so() {
    let mut all: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let files = workflow_docs();
    for (file, text) in &files {
        let found = pins(text);
        assert!(!found.is_empty(), "{file} pins edgeplan");
        for pin in found {
            all.entry(pin).or_default().push(file.clone());
        }
    }
    assert_eq!(
        all.len(),
        1,
        "one pin in README, docs/action.md and the examples: {all:#?}"
    );
    let pin = all.keys().next().cloned().unwrap_or_default();
    let (sha, comment) = pin.split_once(" # ").unwrap_or((&pin, ""));
    assert_eq!(sha.len(), 40, "a full commit SHA: {pin}");
    assert!(sha.bytes().all(|b| b.is_ascii_hexdigit()), "{pin}");
    if sha == PLACEHOLDER {
        assert!(comment.starts_with("PLACEHOLDER, not a release"), "{pin}");
        for (file, text) in &files {
            if file.starts_with("examples/") {
                assert!(
                    text.contains("!!! PLACEHOLDER PIN")
                        && text.contains("FAILS until you replace it"),
                    "{file}: a banner a reader cannot miss"
                );
            }
        }
    } else {
        let version = comment.strip_prefix('v').unwrap_or("");
        assert!(
            version.split('.').count() == 3
                && version
                    .split('.')
                    .all(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit())),
            "a release pin carries its version as `# vX.Y.Z`: {pin}"
        );
        for (file, text) in &files {
            assert!(
                !text.contains("PLACEHOLDER"),
                "{file}: the placeholder words outlive the release"
            );
        }
    }
    assert!(
        repo_file("docs/release.md")
            .contains("After each release, pin the examples and README to the release commit"),
        "docs/release.md has the step"
    );
}

#[test]
fn the_readme_shows_the_example_workflows_byte_for_byte() {
    let readme = repo_file("README.md");
    let examples = examples();
    let blocks: Vec<&str> = readme
        .split("```yaml\n")
        .skip(1)
        .filter_map(|rest| rest.split("```\n").next())
        .filter(|block| block.contains("uses: edgeplan/edgeplan@"))
        .collect();
    assert!(!blocks.is_empty(), "README.md shows a workflow");
    for block in &blocks {
        assert!(
            examples.values().any(|e| e == block),
            "every workflow README.md shows is an example file byte for byte:\n{block}"
        );
    }
    let main = examples
        .get("edgeplan.yml")
        .expect("examples/workflows/edgeplan.yml");
    assert!(
        blocks.contains(&main.as_str()),
        "README.md shows edgeplan.yml"
    );
}

/// A GitHub Actions expression of the subset the examples' `if:` use (`||`, `&&`, `!`, `==`,
/// `!=`, parentheses, `'strings'`, context paths), evaluated against `context`: `||`/`&&` give
/// an operand like GitHub's, strings compare case-insensitively, a missing property is null.
fn evaluate(expression: &str, context: &serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    let mut tokens: Vec<String> = Vec::new();
    let chars: Vec<char> = expression.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '\'' {
            let end = (i + 1..chars.len())
                .find(|&j| chars[j] == '\'')
                .unwrap_or_else(|| panic!("unterminated string in {expression}"));
            tokens.push(chars[i..=end].iter().collect());
            i = end + 1;
        } else if ["||", "&&", "==", "!="].iter().any(|op| {
            chars.get(i..i + 2).map(|s| s.iter().collect::<String>()) == Some((*op).into())
        }) {
            tokens.push(chars[i..i + 2].iter().collect());
            i += 2;
        } else if "()!".contains(c) {
            tokens.push(c.to_string());
            i += 1;
        } else {
            let end = (i..chars.len())
                .find(|&j| !(chars[j].is_alphanumeric() || "._-".contains(chars[j])))
                .unwrap_or(chars.len());
            assert!(end > i, "unexpected {c:?} in {expression}");
            tokens.push(chars[i..end].iter().collect());
            i = end;
        }
    }
    fn truthy(v: &Value) -> bool {
        match v {
            Value::Null => false,
            Value::Bool(b) => *b,
            Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
            Value::String(s) => !s.is_empty(),
            _ => true,
        }
    }
    fn equal(a: &Value, b: &Value) -> bool {
        match (a, b) {
            (Value::String(a), Value::String(b)) => a.eq_ignore_ascii_case(b),
            _ => a == b,
        }
    }
    struct Parser<'a> {
        tokens: &'a [String],
        at: usize,
        context: &'a Value,
    }
    impl Parser<'_> {
        fn peek(&self) -> Option<&str> {
            self.tokens.get(self.at).map(String::as_str)
        }
        fn next(&mut self) -> String {
            self.at += 1;
            self.tokens.get(self.at - 1).cloned().expect("more tokens")
        }
        fn or(&mut self) -> Value {
            let mut v = self.and();
            while self.peek() == Some("||") {
                self.next();
                let r = self.and();
                if !truthy(&v) {
                    v = r;
                }
            }
            v
        }
        fn and(&mut self) -> Value {
            let mut v = self.unary();
            while self.peek() == Some("&&") {
                self.next();
                let r = self.unary();
                if truthy(&v) {
                    v = r;
                }
            }
            v
        }
        fn unary(&mut self) -> Value {
            if self.peek() == Some("!") {
                self.next();
                return Value::Bool(!truthy(&self.unary()));
            }
            let left = self.primary();
            match self.peek() {
                Some("==") => {
                    self.next();
                    Value::Bool(equal(&left, &self.primary()))
                }
                Some("!=") => {
                    self.next();
                    Value::Bool(!equal(&left, &self.primary()))
                }
                _ => left,
            }
        }
        fn primary(&mut self) -> Value {
            let token = self.next();
            if token == "(" {
                let v = self.or();
                assert_eq!(self.next(), ")");
                return v;
            }
            if let Some(s) = token.strip_prefix('\'') {
                return Value::String(s.trim_end_matches('\'').to_string());
            }
            token
                .split('.')
                .try_fold(self.context, |v, key| v.get(key))
                .cloned()
                .unwrap_or(Value::Null)
        }
    }
    let mut parser = Parser {
        tokens: &tokens,
        at: 0,
        context,
    };
    let value = parser.or();
    assert_eq!(parser.at, tokens.len(), "all of {expression} read");
    value
}

/// The preview job of every example starts exactly for the pull request activities edgeplan
/// previews (docs/action.md, "What happens per event"): a job started for another label or a
/// title edit would cancel the preview in progress (`cancel-in-progress: true` per pull request)
/// and then write nothing, leaving the pull request without a preview.
#[test]
fn the_example_preview_jobs_start_only_for_activities_edgeplan_previews() {
    use serde_json::json;
    let label = "edgeplan/allow-deletes";
    // (action, label, changes, previewed)
    let activities = [
        ("opened", None, json!(null), true),
        ("synchronize", None, json!(null), true),
        ("reopened", None, json!(null), true),
        (
            "edited",
            None,
            json!({"base": {"ref": {"from": "dev"}}}),
            true,
        ),
        ("edited", None, json!({"title": {"from": "old"}}), false),
        ("edited", None, json!(null), false),
        ("labeled", Some(label), json!(null), true),
        ("unlabeled", Some(label), json!(null), true),
        ("labeled", Some("EdgePlan/Allow-Deletes"), json!(null), true),
        ("labeled", Some("bug"), json!(null), false),
        ("unlabeled", Some("bug"), json!(null), false),
        ("closed", None, json!(null), false),
        ("assigned", None, json!(null), false),
    ];
    for (file, workflow) in examples() {
        let preview = jobs(&workflow)
            .into_iter()
            .find(|j| j.id == "preview")
            .unwrap_or_else(|| panic!("{file}: a preview job"));
        assert!(
            workflow.contains("cancel-in-progress: true"),
            "{file}: the preview cancels"
        );
        let fork = workflow.contains("\n  pull_request_target:");
        let event = if fork {
            "pull_request_target"
        } else {
            "pull_request"
        };
        let head = if fork { "someone/fork" } else { "o/r" };
        for (action, name, changes, previewed) in &activities {
            let mut payload = json!({
                "action": action,
                "pull_request": {"number": 2, "head": {"repo": {"full_name": head}}},
            });
            if let Some(n) = name {
                payload["label"] = json!({ "name": n });
            }
            if !changes.is_null() {
                payload["changes"] = changes.clone();
            }
            let context = json!({
                "github": {"event_name": event, "event": payload, "repository": "o/r"},
                "inputs": {},
            });
            let started = evaluate(&preview.condition, &context);
            let started = !matches!(
                started,
                serde_json::Value::Null | serde_json::Value::Bool(false)
            );
            assert_eq!(
                started,
                *previewed,
                "{file}: `{event}` `{action}` (label {name:?}, changes {changes}) {} the preview job; if: {}",
                if started { "starts" } else { "does not start" },
                preview.condition
            );
        }
        if fork {
            // A pull request from a branch of the repository: edgeplan.yml previews it.
            let context = json!({"github": {"event_name": event, "repository": "o/r",
                "event": {"action": "opened", "pull_request": {"head": {"repo": {"full_name": "o/r"}}}}}});
            assert_eq!(
                evaluate(&preview.condition, &context),
                json!(false),
                "{file}"
            );
        } else {
            // A push never previews; in the matrix a manual plan does.
            let push = json!({"github": {"event_name": "push", "event": {}}, "inputs": {}});
            assert!(
                !matches!(
                    evaluate(&preview.condition, &push),
                    serde_json::Value::Bool(true)
                ),
                "{file}"
            );
        }
    }
}
