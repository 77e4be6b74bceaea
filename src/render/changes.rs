//! The zone part of the comment: the counts line, the table of changes (four columns, an
//! adoption as one row, the old target under the new one, proxied or DNS-only as a mark), what
//! refuses the plan at a manifest line (linked to the file at the commit the preview read), and
//! warnings (one line each, the detail collapsed, one link to docs/origins.md). Past
//! [`ROWS_OPEN`] edits in a zone, only the creates are collapsed, after everything else: deletes,
//! adoptions, updates and proxy switches are never collapsed and are cut last.

use crate::health::origin_hint;
use crate::plan::verdict::{Edit, EditKind, Reason, ZoneVerdict, edits};
use crate::plan::{Plan, RecordData, RecordType, Warning, ZonePlan};

use super::body::{CommentContext, ROWS_OPEN};
use super::escape::{code, escape, html, prose};
use super::plural;
use super::verdict::label;

/// Where docs/origins.md is published: the one link a warning about an origin carries.
pub(super) const ORIGINS_DOCS: &str =
    "https://github.com/edgeplan/edgeplan/blob/main/docs/origins.md";

/// One zone's counts, one line: `example.com`, owner `ml-platform`: 2 to create, ...
pub(super) fn counts(z: &ZoneVerdict) -> String {
    let mut parts = Vec::new();
    if z.has_changes() {
        parts.push(super::verdict::counts(&z.counts));
    }
    parts.push(format!("{} unchanged", z.unchanged));
    if z.left_alone > 0 {
        let n = z.left_alone;
        parts.push(format!("{n} other record{} left alone", plural(n)));
    }
    for r in &z.reasons {
        if let Reason::Conflicts(c) = r {
            parts.push(format!("**{} conflict{}**", c.len(), plural(c.len())));
        }
    }
    format!(
        "{}, owner {}: {}",
        code(&z.zone),
        code(&z.owner),
        parts.join(", ")
    )
}

/// True for the edits a reviewer must see: deletes, adoptions, updates and proxy switches. They
/// are never collapsed, and are cut last.
fn risky(e: &Edit<'_>) -> bool {
    e.kind != EditKind::Create || e.proxy_switch()
}

/// The note under the one-line outcome when a zone's creates are collapsed: `None` when none is.
pub(super) fn collapsed(plan: &Plan) -> Option<String> {
    let creates: usize = (plan.zones.iter())
        .map(edits)
        .filter(|e| e.len() > ROWS_OPEN)
        .map(|e| e.iter().filter(|e| !risky(e)).count())
        .sum();
    (creates > 0).then(|| {
        format!(
            "{creates} create{} collapsed below, after the deletes, adoptions and updates, which are never collapsed",
            plural(creates)
        )
    })
}

const PROXIED: &str = "\u{25cf}";
const DNS_ONLY: &str = "\u{25cb}";

/// The legend under a table of changes.
fn legend() -> String {
    format!("{PROXIED} proxied, {DNS_ONLY} DNS-only")
}

/// One row: the change, the name, the target (the old one under the new), proxied or DNS-only
/// as a mark (old -> new).
fn row(e: &Edit<'_>) -> String {
    let mark = |d: &RecordData| if d.proxied { PROXIED } else { DNS_ONLY };
    let (before, after) = (e.before(), e.after());
    let target = match (before, after) {
        (Some(b), Some(a)) if b.content == a.content => code(&a.content),
        (Some(b), Some(a)) => format!("{}<br>was {}", code(&a.content), code(&b.content)),
        (Some(b), None) => format!("removed<br>was {}", code(&b.content)),
        (None, Some(a)) => code(&a.content),
        (None, None) => String::new(),
    };
    let proxied = match (before, after) {
        (Some(b), Some(a)) if b.proxied != a.proxied => format!("{} -> {}", mark(b), mark(a)),
        (_, Some(d)) | (Some(d), None) => mark(d).to_string(),
        (None, None) => String::new(),
    };
    let mut change = label(e.kind).to_string();
    let from = e.replaces.unwrap_or(e.change);
    if from.kind != e.change.kind {
        change.push_str(&format!(" ({} -> {})", from.kind, e.change.kind));
    } else if e.change.kind != RecordType::Cname {
        change.push_str(&format!(" ({})", e.change.kind));
    }
    if let (Some(b), Some(a)) = (before, after)
        && e.replaces.is_none()
    {
        let mut also = Vec::new();
        if b.ttl != a.ttl {
            also.push("ttl");
        }
        if b.comment != a.comment {
            also.push("comment");
        }
        if !also.is_empty() {
            change.push_str(&format!(", {}", also.join(", ")));
        }
    }
    format!("| {change} | {} | {target} | {proxied} |", code(e.name()))
}

const HEADER: [&str; 2] = [
    "| change | name | target | proxied |",
    "| --- | --- | --- | --- |",
];

/// One zone's detail: refusals at manifest lines, the table of changes, warnings; `open` unless
/// many zones share the comment. Past [`ROWS_OPEN`] edits, the creates go to `later` (cut
/// first, collapsed), and everything else stays here.
pub(super) fn zone_detail(
    out: &mut Vec<String>,
    later: &mut Vec<String>,
    z: &ZonePlan,
    ctx: &CommentContext,
    open: bool,
) {
    let edits = edits(z);
    let big = edits.len() > ROWS_OPEN;
    let (shown, creates): (Vec<&Edit<'_>>, Vec<&Edit<'_>>) =
        edits.iter().partition(|e| !big || risky(e));
    let refused = !z.conflicts.is_empty() || !z.long_comments.is_empty();
    if !shown.is_empty() || refused || !z.warnings.is_empty() {
        out.push(format!(
            "<details{}><summary>{}, owner {}</summary>",
            if open { " open" } else { "" },
            html(&z.zone.name),
            html(&z.owner)
        ));
        out.push(String::new());
        refusals(out, z, ctx);
        for (from, n) in z.transfers() {
            out.push(format!(
                "Transfer {n} record{} from {} to {} (`previous_owners`).",
                plural(n),
                code(from),
                code(&z.owner)
            ));
            out.push(String::new());
        }
        if !shown.is_empty() {
            out.extend(HEADER.map(String::from));
            out.extend(shown.iter().map(|e| row(e)));
            out.push(String::new());
            out.push(legend());
            out.push(String::new());
        }
        warnings(out, z);
        out.push("</details>".into());
        out.push(String::new());
    }
    if !creates.is_empty() {
        later.push(format!(
            "<details><summary>{}: {} create{}</summary>",
            html(&z.zone.name),
            creates.len(),
            plural(creates.len())
        ));
        later.push(String::new());
        later.extend(HEADER.map(String::from));
        later.extend(creates.iter().map(|e| row(e)));
        later.push(String::new());
        later.push("</details>".into());
        later.push(String::new());
    }
}

/// What refuses the plan at a manifest line (conflicts, comments too long for the zone), each
/// with its `file:line` linked to the file at the commit the preview read, and its help.
fn refusals(out: &mut Vec<String>, z: &ZonePlan, ctx: &CommentContext) {
    let refusals = z.line_refusals();
    if refusals.is_empty() {
        return;
    }
    let who = ctx.kind.refuser();
    out.push(format!(
        "**Refused** ({who} refuses the plan until these are resolved):"
    ));
    out.push(String::new());
    for r in &refusals {
        out.push(format!(
            "- {} {}: {}",
            ctx.file_link(&z.source, r.line, None),
            r.title,
            prose(&r.message)
        ));
        out.push(format!("  - help: {}", prose(&r.help)));
    }
    out.push(String::new());
}

/// Warnings, one line each, names and targets as code spans. A warning about an origin's
/// platform names the platform with one link to docs/origins.md, and keeps what to do in a
/// collapsed detail.
fn warnings(out: &mut Vec<String>, z: &ZonePlan) {
    if z.warnings.is_empty() {
        return;
    }
    out.push("**Warnings:**".into());
    out.push(String::new());
    for w in &z.warnings {
        match w {
            Warning::Platform { name, target, .. } => match origin_hint(target) {
                Some(hint) => {
                    out.push(format!(
                        "- {} -> {}: {} may not answer for the public name ([origins]({ORIGINS_DOCS}))",
                        code(name),
                        code(target),
                        prose(hint.platform),
                    ));
                    out.push(format!(
                        "  <details><summary>what to do</summary>{} {}</details>",
                        html(hint.behaviour),
                        html(hint.fix)
                    ));
                }
                None => out.push(format!("- {}", escape(&w.to_string()))),
            },
            Warning::Duplicate { name, line } => out.push(format!(
                "- {} is listed more than once (again on line {line}); only the first entry is planned",
                code(name)
            )),
            Warning::Replaces {
                name,
                kind,
                content,
            } => out.push(format!(
                "- adopting {}: the unowned {} record {} is deleted and the CNAME created in the same batch",
                code(name),
                code(kind.as_str()),
                code(content)
            )),
            Warning::TakesOver {
                name,
                content,
                owner,
            } => out.push(format!(
                "- adopting {}: the unowned CNAME record {} is taken over and marked {}",
                code(name),
                code(content),
                code(&format!("edgeplan:{owner}"))
            )),
            Warning::NoteRemoved { name, note } => out.push(format!(
                "- {}: its note {} is removed, as the manifest has no `comment` for it; copy the note into the endpoint's `comment` to keep it",
                code(name),
                code(&crate::plan::note_excerpt(note))
            )),
            Warning::NotProxied { name, target } => out.push(format!(
                "- {} is not proxied: its origin {} is published in DNS and reachable directly",
                code(name),
                code(target)
            )),
            Warning::TtlIgnored { name, ttl } => out.push(format!(
                "- {}: ttl {ttl} is ignored; proxied records always use automatic TTL",
                code(name)
            )),
        }
    }
    out.push(String::new());
}
