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

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use super::escape::{code, escape, table};
use super::plural;
use crate::plan::Desired;
use crate::plan::verdict::{Counts, EditKind};

/// The marker of the single-manifest preview comment (without attributes).
pub const MARKER: &str = "<!-- edgeplan:preview -->";

/// What every preview marker starts with.
const PREVIEW: &str = "<!-- edgeplan:preview";

/// GitHub's limit on a comment body: 65,536 characters, counted in a unit that is disputed
/// (UTF-16 code units in JavaScript tools). Bytes are never fewer than either count, so a body
/// of at most this many bytes is within the limit however GitHub counts.
pub(crate) const GITHUB_LIMIT: usize = 65_536;

/// What edgeplan allows a comment, safely below [`GITHUB_LIMIT`]: the renderer sizes its bodies
/// to this many bytes (`render::markdown`), and [`clamp`], the last guard, cuts any body to this
/// many characters (and [`GITHUB_LIMIT`] bytes).
pub(crate) const BUDGET: usize = 60_000;

/// The note that ends a cut comment, whichever cut it (the renderer's budget or [`clamp`]).
pub const TRUNCATED: &str = "\n> **Note:** truncated; the full plan is in the job summary.\n";

/// The marker line: `<!-- edgeplan:preview -->`, or `<!-- edgeplan:preview manifest=PATH -->`
/// when several manifests are previewed in separate comments. The path is escaped so that it can
/// never close the HTML comment (`-->`) or break the line.
pub fn marker(manifest: Option<&str>) -> String {
    preview_marker(manifest, None)
}

/// The marker line of a preview with its attributes: `manifest` (escaped as in [`marker`]) and
/// the plan `fingerprint` (kept only when it is `sha256:` and 64 lowercase hex digits).
pub(crate) fn preview_marker(manifest: Option<&str>, fingerprint: Option<&str>) -> String {
    let mut attributes = String::new();
    if let Some(path) = manifest {
        attributes.push_str(" manifest=");
        attributes.push_str(&escape_attribute(path));
    }
    if let Some(fp) = fingerprint.filter(|fp| is_digest(fp)) {
        attributes.push_str(" fingerprint=");
        attributes.push_str(fp);
    }
    format!("{PREVIEW}{attributes} -->")
}

/// `sha256:` and 64 lowercase hex digits: a plan fingerprint, or a (zone, owner) digest of
/// `github::marker`.
pub(crate) fn is_digest(s: &str) -> bool {
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
    escape_attribute_with(path, true)
}

/// A marker attribute's value: ASCII letters, digits, `.`, `_` (and `/` when `keep_slash`) as
/// they are, one `-` at a time (never `--`, which would end the HTML comment), every other byte
/// percent-encoded. The one escaping of every marker (`github::marker` too).
pub(crate) fn escape_attribute_with(value: &str, keep_slash: bool) -> String {
    let keeps = if keep_slash {
        PATH_ATTRIBUTE_KEEPS
    } else {
        ATTRIBUTE_KEEPS
    };
    let mut escaped = String::new();
    let mut buf = [0u8; 4];
    for c in value.chars() {
        if c == '-' && escaped.ends_with('-') {
            escaped.push_str("%2D");
        } else {
            escaped.extend(utf8_percent_encode(c.encode_utf8(&mut buf), keeps));
        }
    }
    escaped
}

/// What a marker attribute keeps as it is: letters, digits, `.`, `_`, and `-`, which
/// [`escape_attribute_with`] keeps one at a time.
const ATTRIBUTE_KEEPS: &AsciiSet = &NON_ALPHANUMERIC.remove(b'.').remove(b'_').remove(b'-');
/// The same, and `/` (a path).
const PATH_ATTRIBUTE_KEEPS: &AsciiSet = &ATTRIBUTE_KEEPS.remove(b'/');

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
pub(crate) fn with_marker(marker: &str, body: &str) -> String {
    let with_marker = if has_marker(body, marker) {
        body.to_string()
    } else {
        format!("{marker}\n{body}")
    };
    clamp(&with_marker)
}

/// Cuts `body` at a line boundary so it stays under [`BUDGET`] characters and [`GITHUB_LIMIT`]
/// bytes, with a note; the first line (the marker) is always kept.
pub(crate) fn clamp(body: &str) -> String {
    if body.chars().count() <= BUDGET && body.len() <= GITHUB_LIMIT {
        return body.to_string();
    }
    let char_room = BUDGET - TRUNCATED.chars().count();
    let byte_room = GITHUB_LIMIT - TRUNCATED.len();
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

/// The plan fingerprint (`sha256:<64 hex>`) of a preview comment, read from its marker's
/// `fingerprint` attribute only (never from the body, where a value could forge one). The apply
/// report compares it with the fingerprint of what was applied.
pub fn preview_fingerprint(body: &str) -> Option<String> {
    let first = body.lines().next()?;
    preview_attributes(first)?
        .into_iter()
        .find(|(k, v)| *k == "fingerprint" && is_digest(v))
        .map(|(_, v)| v.to_string())
}

/// The body without its hidden first-line marker (the step summary needs no marker).
pub(crate) fn strip_marker(body: &str) -> &str {
    match body.split_once('\n') {
        Some((first, rest)) if first.starts_with("<!--") => rest,
        _ => body,
    }
}

/// Appends a notice (a fork, a missing token) as a quoted note. It is edgeplan's own text whose
/// backtick spans are code (an input's name), and it can name a branch, so it goes through
/// [`super::escape::prose`]: values escaped, spans as code, never literal backticks.
pub(crate) fn append_notice(body: &mut String, notice: Option<&str>) {
    if let Some(n) = notice {
        let _ = write!(body, "\n> **Note:** {}\n", super::escape::prose(n));
    }
}

/// The footer line linking the workflow run, when there is one (every body ends with it).
pub(crate) fn run_link(run_url: Option<&str>) -> String {
    match run_url {
        Some(url) => format!("{RUN_LINK}{url})\n"),
        None => String::new(),
    }
}

/// One manifest in the offline validation result.
pub(crate) struct Validated<'a> {
    /// The manifest path as the reader knows it (relative to the workspace).
    pub path: String,
    pub desired: &'a Desired,
}

/// The preview body when only offline validation ran (no Cloudflare token, by choice or on a
/// fork): every manifest with its zone, owner and endpoint count.
pub(crate) fn validated(manifests: &[Validated<'_>], run_url: Option<&str>) -> String {
    let n = manifests.len();
    let mut body = format!(
        "{}\n**edgeplan: manifest valid ({n} file{}); only offline validation ran, so no DNS preview was computed.**\n\n",
        marker(None),
        plural(n),
    );
    body.push_str(&table(
        "| manifest | zone | owner | endpoints |\n|---|---|---|---:|\n",
        manifests.iter().map(|m| {
            vec![
                code(&m.path),
                code(&m.desired.zone),
                code(&m.desired.owner),
                m.desired.endpoints.len().to_string(),
            ]
        }),
    ));
    if run_url.is_some() {
        let _ = write!(body, "\n{}", run_link(run_url));
    }
    body
}

/// The names an apply report lists; past this many it counts the rest.
const NAMES_LISTED: usize = 100;

/// What stopped an apply, as the report shows it.
pub(crate) struct Stopped<'a> {
    pub message: &'a str,
    pub help: Option<&'a str>,
}

/// One zone an apply wrote to, as the report shows it.
pub(crate) struct AppliedZone<'a> {
    pub zone: &'a str,
    /// The edits applied (an adoption once), from the run's verdict.
    pub counts: Counts,
    /// Batch requests that landed.
    pub batches: usize,
    pub elapsed: std::time::Duration,
}

/// The apply report (step summary, and the merged pull request's comment under its own
/// marker). It opens with the one-line outcome; then what was applied per zone (a row each,
/// four columns), the failure if any with its fix, each name changed once (collapsed), the
/// public check's section (Markdown, maybe empty), and the plan fingerprint once, at the end.
/// On the pull request the second paragraph says whether it matches the preview
/// ([`lead_with`]).
pub(crate) fn applied(
    zones: &[AppliedZone<'_>],
    names: &[(EditKind, &str)],
    has_changes: bool,
    failure: Option<Stopped<'_>>,
    fingerprint: &str,
    public_check: &str,
    run_url: Option<&str>,
) -> String {
    let mut total = Counts::default();
    for z in zones {
        total.add(&z.counts);
    }
    let n = total.total();
    let applied = format!(
        "{n} change{} to {} zone{} ({})",
        plural(n),
        zones.len(),
        plural(zones.len()),
        super::verdict::counts(&total)
    );
    let mut body = match &failure {
        Some(f) if zones.is_empty() => format!("**Apply failed:** {}\n\n", escape(f.message)),
        Some(f) => format!(
            "**Apply failed part-way:** {applied} landed; then {}\n\n",
            escape(f.message)
        ),
        None if !has_changes => {
            "**Nothing to apply: every zone already matches the manifests.**\n\n".to_string()
        }
        None => format!("**Applied {applied}.**\n\n"),
    };
    if let Some(h) = failure.as_ref().and_then(|f| f.help) {
        let _ = write!(body, "help: {}\n\n", super::escape::prose(h));
    }
    // The section's title in the step summary, under the outcome.
    body.push_str("### edgeplan: apply\n\n");
    if !zones.is_empty() {
        body.push_str(&table(
            "| zone | changes | batches | time |\n|---|---|---:|---:|\n",
            zones.iter().map(|z| {
                vec![
                    code(z.zone),
                    super::verdict::counts(&z.counts),
                    z.batches.to_string(),
                    format!("{:.1} s", z.elapsed.as_secs_f64()),
                ]
            }),
        ));
        body.push_str("\nEach zone was re-read after applying: a fresh plan is empty.\n\n");
    }
    if !names.is_empty() {
        let n = names.len();
        let _ = write!(
            body,
            "<details><summary>{n} name{} changed</summary>\n\n",
            plural(n)
        );
        // A bounded list, so that what follows (the public check, the fingerprint, the run
        // link) stays inside the comment's size limit.
        for (kind, name) in names.iter().take(NAMES_LISTED) {
            let _ = writeln!(body, "- {} {}", super::verdict::label(*kind), code(name));
        }
        if n > NAMES_LISTED {
            let _ = writeln!(
                body,
                "- ... and {} more (the plan JSON of the run lists every change)",
                n - NAMES_LISTED
            );
        }
        body.push_str("\n</details>\n\n");
    }
    if !public_check.is_empty() {
        let _ = writeln!(body, "{public_check}");
    }
    let _ = writeln!(body, "Plan fingerprint: `{fingerprint}`");
    if run_url.is_some() {
        let _ = write!(body, "\n{}", run_link(run_url));
    }
    body
}

/// `body` with `line` as its second paragraph, right after the one-line outcome it opens with
/// (bold, or the alert of a refusal; else after its `### ` title, or first of all): the apply
/// report says there whether it matches the preview.
pub(crate) fn lead_with(body: &str, line: &str) -> String {
    if (body.starts_with("**") || body.starts_with("> [!"))
        && let Some((first, rest)) = body.split_once("\n\n")
    {
        return format!("{first}\n\n{line}\n\n{rest}");
    }
    match body.split_once('\n') {
        Some((title, rest)) if title.starts_with("### ") => {
            format!("{title}\n\n{line}\n{}", rest)
        }
        _ => format!("{line}\n\n{body}"),
    }
}

/// The start of the line an apply adds to the preview it applied.
const APPLIED_NOTE: &str = "> **Applied**";

/// The preview comment `body` after an apply: the line after its marker says it was applied on
/// merge, at which commit and by which run (a link). Idempotent: an earlier such line is
/// replaced, so re-running the apply job never stacks them; the body is returned unchanged when
/// it already says exactly this.
pub(crate) fn mark_applied(body: &str, sha: &str, run_url: Option<&str>) -> String {
    let (first, rest) = body.split_once('\n').unwrap_or((body, ""));
    let rest = match rest.split_once('\n') {
        Some((line, after)) if line.starts_with(APPLIED_NOTE) => after.trim_start_matches('\n'),
        _ if rest.starts_with(APPLIED_NOTE) => "",
        _ => rest,
    };
    let sha: String = sha
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(7)
        .collect();
    let by = match run_url {
        Some(url) => format!(" by [this workflow run]({url})"),
        None => String::new(),
    };
    format!(
        "{first}\n{APPLIED_NOTE} on merge (commit `{sha}`){by}; the preview below is what was planned.\n\n{rest}"
    )
}

#[cfg(test)]
#[path = "comment_tests.rs"]
mod tests;
