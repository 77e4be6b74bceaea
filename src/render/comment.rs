//! The comment bodies the action posts and their hidden markers, built in one place: the sticky
//! preview's marker (`<!-- edgeplan:preview -->`, with attributes inside it: ` manifest=PATH`
//! when several manifests are previewed separately, ` fingerprint=sha256:...` for a plan), the
//! apply report's marker, the size guard, and the bodies that are not a plan (the offline
//! validation result, the apply report).
//!
//! A comment is a preview when its first line starts with `<!-- edgeplan:preview` and ends with
//! `-->`; which preview it is (its identity) is the `manifest` attribute, so a preview written
//! before the fingerprint attribute existed is found and updated all the same. The plan
//! fingerprint the apply report compares with is read from the marker only: no value in the
//! body (a manifest path, a record) can forge it there, since the marker is edgeplan's own first
//! line and every attribute value is escaped.
//!
//! GitHub rejects bodies over 65,536 characters with 422, counted in a unit that is disputed
//! (UTF-16 code units in JavaScript tools); [`clamp`] cuts at a line boundary under 60,000
//! characters and 65,536 bytes with a note, and keeps the marker line.

use std::fmt::Write;

use super::markdown::{code, escape};
use crate::apply::ZoneReport;
use crate::plan::Desired;

/// The marker of the single-manifest preview comment (without attributes).
pub const MARKER: &str = "<!-- edgeplan:preview -->";

/// What every preview marker starts with.
const PREVIEW: &str = "<!-- edgeplan:preview";

/// Characters allowed in a comment body: GitHub's limit is 65,536, counted in a unit that is
/// disputed (UTF-16 code units in JavaScript tools), so edgeplan budgets below it in both.
pub const MAX_CHARS: usize = 60_000;
pub const MAX_BYTES: usize = 65_536;

const TRUNCATED: &str = "\n\n> **Truncated**: this comment reached GitHub's size limit; the full plan is in the job summary.\n";

/// The marker line: `<!-- edgeplan:preview -->`, or `<!-- edgeplan:preview manifest=PATH -->`
/// when several manifests are previewed in separate comments. The path is escaped so that it can
/// never close the HTML comment (`-->`) or break the line.
pub fn marker(manifest: Option<&str>) -> String {
    preview_marker(manifest, None)
}

/// The marker line of a preview with its attributes: `manifest` (escaped as in [`marker`]) and
/// the plan `fingerprint` (kept only when it is `sha256:` and 64 lowercase hex digits).
pub fn preview_marker(manifest: Option<&str>, fingerprint: Option<&str>) -> String {
    let mut attributes = String::new();
    if let Some(path) = manifest {
        attributes.push_str(" manifest=");
        attributes.push_str(&escape_attribute(path));
    }
    if let Some(fp) = fingerprint.filter(|fp| is_fingerprint(fp)) {
        attributes.push_str(" fingerprint=");
        attributes.push_str(fp);
    }
    format!("{PREVIEW}{attributes} -->")
}

/// `sha256:` and 64 lowercase hex digits.
fn is_fingerprint(s: &str) -> bool {
    s.strip_prefix("sha256:").is_some_and(|hex| {
        hex.len() == 64
            && hex
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    })
}

/// The attributes of a preview marker line (`None` when `line` is not one), in order.
fn preview_attributes(line: &str) -> Option<Vec<(&str, &str)>> {
    let inner = line.trim_end().strip_prefix(PREVIEW)?.strip_suffix("-->")?;
    if !(inner.is_empty() || inner.starts_with(char::is_whitespace)) {
        return None; // `<!-- edgeplan:previewer -->` is another marker
    }
    Some(
        inner
            .split_whitespace()
            .map(|a| a.split_once('=').unwrap_or((a, "")))
            .collect(),
    )
}

/// The manifest attribute of a preview marker: which preview a comment is.
fn preview_identity<'a>(attributes: &[(&str, &'a str)]) -> Option<&'a str> {
    attributes
        .iter()
        .find(|(k, _)| *k == "manifest")
        .map(|(_, v)| *v)
}

fn escape_attribute(path: &str) -> String {
    let mut escaped = String::new();
    for c in path.chars() {
        match c {
            'a'..='z' | 'A'..='Z' | '0'..='9' | '.' | '_' | '/' => escaped.push(c),
            '-' if !escaped.ends_with('-') => escaped.push('-'),
            other => {
                let mut buf = [0u8; 4];
                for b in other.encode_utf8(&mut buf).bytes() {
                    escaped.push_str(&format!("%{b:02X}"));
                }
            }
        }
    }
    escaped
}

/// True when `body`'s first line is `marker`: for a preview marker, any preview marker with
/// the same `manifest` attribute (the fingerprint and other attributes may differ, or be
/// missing in a comment written by an older edgeplan); for any other marker, exactly it.
pub fn has_marker(body: &str, marker: &str) -> bool {
    let Some(first) = body.lines().next().map(str::trim_end) else {
        return false;
    };
    match (preview_attributes(marker), preview_attributes(first)) {
        (Some(want), Some(have)) => preview_identity(&want) == preview_identity(&have),
        (Some(_), None) => false,
        (None, _) => first == marker,
    }
}

/// The body with `marker` as its first line (added when missing), clamped to size.
pub fn with_marker(marker: &str, body: &str) -> String {
    let with_marker = if has_marker(body, marker) {
        body.to_string()
    } else {
        format!("{marker}\n{body}")
    };
    clamp(&with_marker)
}

/// Cuts `body` at a line boundary so it stays under [`MAX_CHARS`] characters and [`MAX_BYTES`]
/// bytes, with a note; the first line (the marker) is always kept.
pub fn clamp(body: &str) -> String {
    if body.chars().count() <= MAX_CHARS && body.len() <= MAX_BYTES {
        return body.to_string();
    }
    let char_room = MAX_CHARS - TRUNCATED.chars().count();
    let byte_room = MAX_BYTES - TRUNCATED.len();
    let mut end = 0;
    let mut chars = 0;
    for line in body.split_inclusive('\n') {
        let n = line.chars().count();
        if chars + n > char_room || end + line.len() > byte_room {
            break;
        }
        chars += n;
        end += line.len();
    }
    if end == 0 {
        // A single enormous first line: keep what fits, on a char boundary.
        end = body
            .char_indices()
            .take(char_room)
            .map(|(i, c)| i + c.len_utf8())
            .take_while(|&e| e <= byte_room)
            .last()
            .unwrap_or(0);
    }
    format!("{}{TRUNCATED}", &body[..end])
}

/// The start of the footer line linking the workflow run (`render::markdown` writes it).
const RUN_LINK: &str = "[Workflow run](";

/// True when two bodies are equal once their workflow-run link lines are set aside. Every run
/// has a new `GITHUB_RUN_ID`, so comparing whole bodies would re-send an otherwise identical
/// preview on every push; the link then keeps pointing at the run that produced the content.
pub fn same_content(a: &str, b: &str) -> bool {
    fn content(s: &str) -> impl Iterator<Item = &str> {
        s.lines()
            .filter(|l| !l.starts_with(RUN_LINK))
            .map(str::trim_end)
    }
    a == b || content(a).eq(content(b))
}

/// The marker of the apply report on a merged PR, one per pushed commit, so that re-running the
/// apply job updates its report instead of posting another.
pub fn apply_marker(sha: &str) -> String {
    let sha: String = sha.chars().filter(char::is_ascii_alphanumeric).collect();
    format!("<!-- edgeplan:applied sha={sha} -->")
}

/// [`apply_marker`] for the job of one manifest input (a matrix of jobs, each with its own
/// comments): `<!-- edgeplan:applied sha=SHA manifest=PATH -->`, the path escaped as in [`marker`].
pub fn apply_marker_for(sha: &str, manifest: Option<&str>) -> String {
    let plain = apply_marker(sha);
    match manifest {
        Some(path) => format!(
            "{} manifest={} -->",
            plain.trim_end_matches(" -->"),
            escape_attribute(path)
        ),
        None => plain,
    }
}

/// The plan fingerprint (`sha256:<64 hex>`) of a preview comment, read from its marker's
/// `fingerprint` attribute only (never from the body, where a value could forge one). The apply
/// report compares it with the fingerprint of what was applied.
pub fn preview_fingerprint(body: &str) -> Option<String> {
    let first = body.lines().next()?;
    preview_attributes(first)?
        .into_iter()
        .find(|(k, v)| *k == "fingerprint" && is_fingerprint(v))
        .map(|(_, v)| v.to_string())
}

/// The body without its hidden first-line marker (the step summary needs no marker).
pub fn strip_marker(body: &str) -> &str {
    match body.split_once('\n') {
        Some((first, rest)) if first.starts_with("<!--") => rest,
        _ => body,
    }
}

/// Appends a notice (a fork, a missing token) as a quoted note; it can name a branch, so it is
/// escaped like any value.
pub fn append_notice(body: &mut String, notice: Option<&str>) {
    if let Some(n) = notice {
        let _ = write!(body, "\n> **Note:** {}\n", escape(n));
    }
}

/// The footer line linking the workflow run, when there is one (every body ends with it).
pub fn run_link(run_url: Option<&str>) -> String {
    match run_url {
        Some(url) => format!("{RUN_LINK}{url})\n"),
        None => String::new(),
    }
}

/// One manifest in the offline validation result.
pub struct Validated<'a> {
    /// The manifest path as the reader knows it (relative to the workspace).
    pub path: String,
    pub desired: &'a Desired,
}

/// The preview body when only offline validation ran (no Cloudflare token, by choice or on a
/// fork): every manifest with its zone, owner and endpoint count.
pub fn validated(manifests: &[Validated<'_>], run_url: Option<&str>) -> String {
    let mut body = format!("{}\n### edgeplan: manifest valid\n\n", marker(None));
    body.push_str("| manifest | zone | owner | endpoints |\n|---|---|---|---:|\n");
    for m in manifests {
        let _ = writeln!(
            body,
            "| {} | {} | {} | {} |",
            code(&m.path),
            code(&m.desired.zone),
            code(&m.desired.owner),
            m.desired.endpoints.len()
        );
    }
    body.push_str("\nOnly offline validation ran; no DNS preview was computed.\n");
    if run_url.is_some() {
        let _ = write!(body, "\n{}", run_link(run_url));
    }
    body
}

/// What stopped an apply, as the report shows it.
pub struct Stopped<'a> {
    pub message: &'a str,
    pub help: Option<&'a str>,
}

/// The apply report (step summary, and the merged pull request's comment under its own
/// marker): a row per zone applied, the failure if any, and the plan fingerprint.
pub fn applied(
    reports: &[&ZoneReport],
    has_changes: bool,
    failure: Option<Stopped<'_>>,
    fingerprint: &str,
    run_url: Option<&str>,
) -> String {
    let mut body = String::from("### edgeplan: apply\n\n");
    if !has_changes {
        body.push_str("Nothing to apply: every zone already matches the manifests.\n\n");
    }
    if !reports.is_empty() {
        body.push_str("| zone | created | updated | deleted | batches | time |\n|---|---:|---:|---:|---:|---:|\n");
        for r in reports {
            let _ = writeln!(
                body,
                "| {} | {} | {} | {} | {} | {:.1} s |",
                code(&r.zone),
                r.created,
                r.updated,
                r.deleted,
                r.batches,
                r.elapsed.as_secs_f64()
            );
        }
        body.push_str("\nEach zone was re-read after applying: a fresh plan is empty.\n\n");
    }
    if let Some(f) = failure {
        let _ = write!(body, "**Apply failed:** {}\n\n", escape(f.message));
        if let Some(h) = f.help {
            let _ = write!(body, "{}\n\n", escape(h));
        }
    }
    let _ = writeln!(body, "Plan fingerprint: `{fingerprint}`");
    if run_url.is_some() {
        let _ = write!(body, "\n{}", run_link(run_url));
    }
    body
}

#[cfg(test)]
mod tests {
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
        assert_eq!(
            apply_marker("abc123"),
            "<!-- edgeplan:applied sha=abc123 -->"
        );
    }

    #[test]
    fn a_new_run_link_alone_is_not_a_change() {
        let a =
            format!("{MARKER}\nplan A\n\n[Workflow run](https://github.com/o/r/actions/runs/1)\n");
        let b = a.replace("runs/1", "runs/2");
        assert!(same_content(&a, &b));
        assert!(!same_content(&a, &b.replace("plan A", "plan B")));
        assert!(!same_content(&a, &format!("{a}more\n")));
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
        let applied = apply_marker("abc");
        assert!(has_marker(&format!("{applied}\n"), &applied));
        assert!(!has_marker(&format!("{MARKER}\n"), &applied));
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
        assert!(out.chars().count() <= MAX_CHARS && out.len() <= MAX_BYTES);
        assert!(out.ends_with(TRUNCATED));
        assert!(out[..out.len() - TRUNCATED.len()].ends_with(line));
        // Multi-byte text is limited by bytes before characters.
        let wide = format!("{MARKER}\n{}", "é\n".repeat(40_000));
        let out = clamp(&wide);
        assert!(out.len() <= MAX_BYTES, "{}", out.len());
        // One huge line is cut on a character boundary.
        let one = "ü".repeat(70_000);
        assert!(clamp(&one).len() <= MAX_BYTES);
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
}
