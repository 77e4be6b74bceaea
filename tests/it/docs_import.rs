//! The import docs against the binary: every `edgeplan import` command shown in README.md,
//! docs/import.md and docs/action.md uses only flags `edgeplan import --help` lists, the README's
//! sandbox example runs, and the trailing comment shown in docs/import.md is what import prints
//! for such a zone. Why: a first step that fails as written, or a documented output that is not
//! the real one, loses the user at the start.

use serde_json::json;

use crate::support::harness::{Run, edgeplan, repo_file};

/// The `edgeplan import ...` (or `cargo run -- import ...`) commands in `text`, up to the end of
/// the line or a `#` comment; one in inline code ends at its closing backtick, on the next line
/// when the prose wraps it.
fn import_commands(text: &str) -> Vec<String> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    for (n, line) in lines.iter().enumerate() {
        let starts = line
            .match_indices("edgeplan import ")
            .chain(line.match_indices("-- import "));
        for (i, _) in starts {
            let inline = line[..i]
                .rfind('`')
                .is_some_and(|b| line[b + 1..i].find('`').is_none())
                && line[..i].matches('`').count() % 2 == 1;
            let mut rest = line[i..].to_string();
            if inline && !rest.contains('`') {
                rest.push(' ');
                rest.push_str(lines.get(n + 1).copied().unwrap_or_default());
            }
            let end = match inline {
                true => rest.find('`'),
                false => rest.find('#'),
            }
            .unwrap_or(rest.len());
            out.push(rest[..end].trim().to_string());
        }
    }
    out
}

#[test]
fn documented_import_commands_use_only_its_flags_and_the_readme_example_runs() {
    let help =
        Run::from_output(edgeplan().args(["import", "--help"]).output().expect("run")).expect(0);
    let mut seen = 0;
    for file in ["README.md", "docs/import.md", "docs/action.md"] {
        for command in import_commands(&repo_file(file)) {
            let words = command
                .split_whitespace()
                .map(|w| w.trim_matches(['[', ']', ',', '.']));
            for flag in words.filter(|w| w.starts_with('-') && *w != "--") {
                assert!(
                    help.stdout.contains(&format!("{flag} "))
                        || help.stdout.contains(&format!("{flag},")),
                    "{file}: `{command}` uses {flag}, which `edgeplan import --help` does not list"
                );
            }
            seen += 1;
        }
    }
    assert!(seen >= 6, "{seen} import commands found");

    let readme = repo_file("README.md");
    let at = readme
        .find("## Start from a zone that already has records")
        .expect("README: the import section");
    let next = readme[at + 3..]
        .find("\n## ")
        .map_or(readme.len(), |n| at + 3 + n);
    let section = &readme[at..next];
    let sandbox = import_commands(section)
        .into_iter()
        .find(|c| c.contains("--sandbox"))
        .expect("README: an import on the sandbox");
    let args: Vec<&str> = sandbox.split_whitespace().skip(2).collect();
    let run = Run::from_output(
        edgeplan()
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .arg("import")
            .args(&args)
            .output()
            .expect("run"),
    )
    .expect(0);
    run.assert_stdout_has("owner: \"ml-platform\"");
}

#[test]
fn docs_import_shows_the_trailing_comment_import_prints() {
    let cname = |name: &str, comment: Option<String>| {
        json!({"id": name, "type": "CNAME", "name": format!("{name}.example.com"),
               "content": "origin.example.net", "proxied": true, "comment": comment})
    };
    let mut zone = vec![
        cname("_acme-challenge", None),
        json!({"id": "fast", "type": "CNAME", "name": "fast.example.com",
               "content": "origin.example.net", "proxied": false, "ttl": 30}),
        // `edgeplan:default | ` is 19 characters: 19 + 93 = 112.
        cname("long", Some("n".repeat(93))),
        json!({"id": "a1", "type": "A", "name": "a1.example.com", "content": "192.0.2.1"}),
        json!({"id": "a2", "type": "A", "name": "a2.example.com", "content": "192.0.2.2"}),
        json!({"id": "mx", "type": "MX", "name": "example.com", "content": "mail.example.net", "priority": 10}),
        json!({"id": "txt", "type": "TXT", "name": "example.com", "content": "\"v=spf1 -all\""}),
    ];
    for n in 0..4 {
        zone.push(cname(&format!("theirs{n}"), Some("edgeplan:search".into())));
    }
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("example.com.json"), json!(zone).to_string()).expect("zone");
    let run = Run::from_output(
        edgeplan()
            .args(["import", "--zone", "example.com", "--sandbox"])
            .arg(dir.path())
            .output()
            .expect("run"),
    )
    .expect(0);

    let doc = repo_file("docs/import.md");
    let at = doc.find("## What is left out, and why").expect("section");
    let block = &doc[at..];
    let start = block.find("```yaml\n").expect("a yaml block") + "```yaml\n".len();
    let shown = &block[start..start + block[start..].find("```").expect("fence end")];
    assert!(
        run.stdout.ends_with(&format!("\n{shown}")),
        "docs/import.md shows:\n{shown}\nimport prints:\n{}",
        run.stdout
    );
}
