//! Unit tests of `render::comment`: markers, the size guard, the apply report.

use super::*;

#[test]
fn fingerprint_is_read_from_the_marker_only() {
    let fp = format!("sha256:{}", "ab12".repeat(16));
    let marked = preview_marker(None, Some(&fp));
    assert_eq!(
        marked,
        format!("<!-- edgeplan:preview fingerprint={fp} -->")
    );
    let body = format!(
        "{marked}\n**Fingerprint** `{fp}`\nlater sha256:{}",
        "cd".repeat(32)
    );
    assert_eq!(preview_fingerprint(&body), Some(fp.clone()));
    // A fingerprint in the body (a manifest path, a record) is never read.
    assert_eq!(preview_fingerprint(&format!("{MARKER}\n`{fp}`")), None);
    assert_eq!(preview_fingerprint(&format!("{fp}\n{marked}")), None);
    // Only a well-formed one is written or read.
    for bad in [
        "sha256:abc",
        &format!("sha256:{}", "A".repeat(64)),
        &format!("sha256:{}", "a".repeat(65)),
    ] {
        assert_eq!(preview_marker(None, Some(bad)), MARKER);
        let forged = format!("<!-- edgeplan:preview fingerprint={bad} -->\n");
        assert_eq!(preview_fingerprint(&forged), None);
    }
    assert_eq!(
        preview_marker(Some("dns/a.yaml"), Some(&fp)),
        format!("<!-- edgeplan:preview manifest=dns/a.yaml fingerprint={fp} -->")
    );
}

#[test]
fn a_new_run_link_alone_is_not_a_change() {
    let a = format!("{MARKER}\nplan A\n\n[Workflow run](https://github.com/o/r/actions/runs/1)\n");
    let b = a.replace("runs/1", "runs/2");
    assert!(same_content(&a, &b));
    assert!(!same_content(&a, &b.replace("plan A", "plan B")));
    assert!(!same_content(&a, &format!("{a}more\n")));
}

#[test]
fn marking_a_preview_applied_is_idempotent_and_keeps_the_marker() {
    let preview = format!("{MARKER}\n**Merge applies 1 change**\n\nrest\n");
    let run = Some("https://github.com/o/r/actions/runs/7");
    let once = mark_applied(&preview, "0123456789abcdef", run);
    assert!(once.starts_with(&format!("{MARKER}\n> **Applied** on merge (commit `0123456`) by [this workflow run](https://github.com/o/r/actions/runs/7)")), "{once}");
    assert!(
        once.ends_with("**Merge applies 1 change**\n\nrest\n"),
        "{once}"
    );
    assert_eq!(mark_applied(&once, "0123456789abcdef", run), once);
    // A later run replaces the line instead of adding one.
    let again = mark_applied(
        &once,
        "fedcba",
        Some("https://github.com/o/r/actions/runs/8"),
    );
    assert_eq!(again.matches(APPLIED_NOTE).count(), 1, "{again}");
    assert!(
        again.contains("runs/8") && !again.contains("runs/7"),
        "{again}"
    );
    assert!(has_marker(&again, MARKER));
}

#[test]
fn the_apply_report_leads_with_the_match() {
    assert_eq!(
        lead_with("### t\n\nbody\n", "match"),
        "### t\n\nmatch\n\nbody\n"
    );
    assert_eq!(lead_with("body\n", "match"), "match\n\nbody\n");
}

#[test]
fn markers() {
    assert_eq!(marker(None), "<!-- edgeplan:preview -->");
    assert_eq!(
        marker(Some("dns/prod.yaml")),
        "<!-- edgeplan:preview manifest=dns/prod.yaml -->"
    );
    // `-->` inside a path must not close the HTML comment early.
    let m = marker(Some("a-->b c"));
    assert_eq!(m, "<!-- edgeplan:preview manifest=a-%2D%3Eb%20c -->");
    assert_eq!(m.matches("-->").count(), 1);
}

#[test]
fn attribute_values_keep_their_escaping_byte_for_byte() {
    // Markers written by an earlier edgeplan must still be found: the escaping never changes.
    let value = "a--b/c d~\u{e9}---%";
    assert_eq!(
        escape_attribute_with(value, false),
        "a-%2Db%2Fc%20d%7E%C3%A9-%2D-%25"
    );
    assert_eq!(
        escape_attribute_with(value, true),
        "a-%2Db/c%20d%7E%C3%A9-%2D-%25"
    );
    assert_eq!(escape_attribute_with("-", false), "-");
}

#[test]
fn marker_matching_is_on_the_first_line_by_manifest() {
    assert!(has_marker("<!-- edgeplan:preview -->\r\nbody", MARKER));
    assert!(!has_marker("quote:\n<!-- edgeplan:preview -->", MARKER));
    assert!(!has_marker(
        "<!-- edgeplan:preview manifest=a.yaml -->\n",
        MARKER
    ));
    // The fingerprint (or any other attribute) does not change which preview it is, and an
    // older marker without it is the same preview.
    let fp = format!("sha256:{}", "0".repeat(64));
    let new = preview_marker(None, Some(&fp));
    assert!(has_marker(&format!("{new}\nx"), MARKER));
    assert!(has_marker("<!-- edgeplan:preview -->\nx", &new));
    let a = marker(Some("a.yaml"));
    assert!(has_marker(
        &format!("{}\n", preview_marker(Some("a.yaml"), Some(&fp))),
        &a
    ));
    assert!(!has_marker(&format!("{new}\n"), &a));
    assert!(!has_marker("<!-- edgeplan:previewer -->\n", MARKER));
    assert!(!has_marker("<!-- edgeplan:preview\n-->", MARKER));
    // Other markers match exactly.
    let applied = "<!-- edgeplan:applied sha=abc -->";
    assert!(has_marker(&format!("{applied}\n"), applied));
    assert!(!has_marker(&format!("{MARKER}\n"), applied));
    assert!(!has_marker(&format!("{applied}\n"), MARKER));
    assert_eq!(with_marker(MARKER, "hi"), "<!-- edgeplan:preview -->\nhi");
    assert_eq!(
        with_marker(MARKER, "<!-- edgeplan:preview -->\nhi"),
        "<!-- edgeplan:preview -->\nhi"
    );
}

#[test]
fn clamp_cuts_at_a_line_and_keeps_the_marker() {
    let line = "| create | a.example.com | x.elb.amazonaws.com | proxied |\n";
    let big = format!("{MARKER}\n{}", line.repeat(5_000));
    let out = clamp(&big);
    assert!(out.starts_with(MARKER));
    assert!(out.chars().count() <= BUDGET && out.len() <= GITHUB_LIMIT);
    assert!(out.ends_with(TRUNCATED));
    assert!(out[..out.len() - TRUNCATED.len()].ends_with(line));
    // Multi-byte text is limited by bytes before characters.
    let wide = format!("{MARKER}\n{}", "é\n".repeat(40_000));
    let out = clamp(&wide);
    assert!(out.len() <= GITHUB_LIMIT, "{}", out.len());
    // One huge line is cut on a character boundary.
    let one = "ü".repeat(70_000);
    assert!(clamp(&one).len() <= GITHUB_LIMIT);
    assert_eq!(clamp("small"), "small");
}

#[test]
fn strip_marker_only_strips_an_html_comment_line() {
    assert_eq!(
        strip_marker("<!-- edgeplan:preview -->\n### x\n"),
        "### x\n"
    );
    assert_eq!(strip_marker("### x\n<!-- y -->\n"), "### x\n<!-- y -->\n");
}

#[test]
fn a_large_apply_report_lists_a_bounded_number_of_names_and_keeps_its_fingerprint() {
    let names: Vec<String> = (0..1500).map(|i| format!("n{i}.example.com")).collect();
    let pairs: Vec<(crate::plan::verdict::EditKind, &str)> = names
        .iter()
        .map(|n| (crate::plan::verdict::EditKind::Create, n.as_str()))
        .collect();
    let fp = format!("sha256:{}", "ab".repeat(32));
    let body = applied(&[], &pairs, true, None, &fp, "", Some("https://x.test/run"));
    assert!(body.contains("1500 names changed"), "{body}");
    assert_eq!(body.matches("- create ").count(), NAMES_LISTED);
    assert!(body.contains("... and 1400 more"), "{body}");
    assert!(body.len() < 16_000, "{} bytes", body.len());
    assert!(body.contains(&fp) && body.contains("https://x.test/run"));
}
