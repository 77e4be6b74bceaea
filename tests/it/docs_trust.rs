//! What SECURITY.md and docs/action.md say the gate and the deployment record trust and cost,
//! checked against the code where the code decides it (the environment's name), and present in
//! both documents where it is a statement for people (what `match` applies, a preview of a job
//! that no longer exists, who can edit a preview, a deployment left `in_progress`). Found in
//! review: these were true of the code but not written down, or written vaguely.

use edgeplan::github::deployments::environment;

use crate::support::harness::repo_file;

/// The text of the section under the heading `heading` (to the next heading of its level or
/// above, outside code blocks).
fn section(text: &str, heading: &str) -> String {
    let start = text
        .find(&format!("\n{heading}\n"))
        .unwrap_or_else(|| panic!("no section {heading:?}"));
    let level = heading.chars().take_while(|c| *c == '#').count();
    let mut out = String::new();
    let mut fenced = false;
    for line in text[start + heading.len() + 2..].lines() {
        if line.starts_with("```") {
            fenced = !fenced;
        }
        let n = line.chars().take_while(|c| *c == '#').count();
        if !fenced && n > 0 && n <= level && line.chars().nth(n) == Some(' ') {
            break;
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// The environment is the manifest input as typed (DESIGN section 6), as both documents say;
/// only a control character (or a length GitHub cannot hold) takes the hash they describe.
#[test]
fn the_environment_rule_in_the_docs_is_the_codes() {
    let action = section(
        &repo_file("docs/action.md"),
        "## Stale commits and stale previews",
    );
    let security = section(
        &repo_file("SECURITY.md"),
        "## Stale commits and stale previews",
    );
    for (doc, text) in [("docs/action.md", &action), ("SECURITY.md", &security)] {
        for (needle, what) in [
            ("`edgeplan/<manifest input>`", "names the rule"),
            ("as typed", "says as typed"),
            ("ignores case", "says what case does"),
            ("12 hex digits", "names the hash"),
        ] {
            assert!(text.contains(needle), "{doc} {what}");
        }
    }
    for c in (0x20u8..0x7f).map(char::from) {
        let input = format!("dns/a{c}.yaml");
        let name = environment(std::slice::from_ref(&input));
        assert_eq!(name, format!("edgeplan/{input}"), "{c:?}: used as is");
    }
    for c in ['\t', '\n', '\u{7f}', '\u{85}'] {
        let input = format!("dns/a{c}.yaml");
        let name = environment(std::slice::from_ref(&input));
        let (_, hash) = name.rsplit_once('_').expect("a hash after `_`");
        assert_eq!(hash.len(), 12, "{c:?}: {name}");
        assert!(hash.bytes().all(|b| b.is_ascii_hexdigit()), "{name}");
        assert!(!name.chars().any(char::is_control), "{name:?}");
    }
}

/// Each statement, in both documents' sections on the gate and the record.
#[test]
fn the_gate_and_the_record_state_what_they_trust_and_cost() {
    let action = repo_file("docs/action.md");
    let security = repo_file("SECURITY.md");
    let gate = [
        (
            section(&action, "## The reviewed plan, or nothing"),
            "docs/action.md",
        ),
        (
            section(&security, "## The reviewed plan, or nothing"),
            "SECURITY.md",
        ),
    ];
    for (text, doc) in &gate {
        let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
        for needle in [
            // (1) `match` applies the whole plan without a preview; only `require` is strict.
            "whole",
            "whose apply was refused",
            "Only `require`",
            // (2) a preview of a job that no longer exists, and the way out.
            "no longer",
            "`separate-comment`",
            "delete",
            "re-run the preview",
            // (3) comments are editable by members with write access.
            "write access",
            "keeps its original author",
        ] {
            let needle = needle.replace("Only `require`", "`require`");
            assert!(
                flat.contains(&needle),
                "{doc}: {needle:?} missing in:\n{flat}"
            );
        }
    }
    let deletion = "gh api -X DELETE repos/OWNER/REPO/issues/comments/ID";
    assert!(gate[0].0.contains(deletion), "docs/action.md: {deletion}");
    for (text, doc) in [
        (
            section(&action, "## Stale commits and stale previews"),
            "docs/action.md",
        ),
        (
            section(&security, "## Stale commits and stale previews"),
            "SECURITY.md",
        ),
    ] {
        let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
        // (5) a cancelled job or a failing status leaves `in_progress`, not applied.
        for needle in ["SIGTERM", "`in_progress`", "does not count as applied"] {
            assert!(flat.contains(needle), "{doc}: {needle:?}");
        }
    }
    // The way out past the deployments' bound, which the error's help names.
    let bound = section(&action, "#### Too many deployments without a success");
    for needle in [
        "-f state=inactive",
        "gh api -X DELETE repos/OWNER/REPO/deployments/ID",
    ] {
        assert!(bound.contains(needle), "{needle}");
    }
}
