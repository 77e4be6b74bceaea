//! The zone part of the comment: the counts line, the table of changes (four columns, adoption
//! as one row, grouped by change and collapsed past [`ROWS_OPEN`] rows), what refuses the plan at
//! a manifest line (linked to the file at the commit the preview read), and warnings (one line
//! each, the detail collapsed, one link to docs/origins.md).

use crate::health::origin_hint;
use crate::plan::owner::is_owned_by;
use crate::plan::{Action, Change, RecordData, ZonePlan};

use super::escape::{code, html, prose};
use super::markdown::{Context, ROWS_OPEN, plural};

/// Where docs/origins.md is published: the one link a warning about an origin carries.
pub const ORIGINS_DOCS: &str = "https://github.com/edgeplan/edgeplan/blob/main/docs/origins.md";

/// One zone's counts, one line: `example.com`, owner `ml-platform`: 2 to create, ...
pub(super) fn counts(z: &ZonePlan) -> String {
    let rows = rows(z);
    let n = |k: Kind| rows.iter().filter(|r| r.kind == k).count();
    let mut parts = Vec::new();
    for (k, label) in [
        (Kind::Create, "to create"),
        (Kind::Update, "to update"),
        (Kind::Delete, "to delete"),
        (Kind::Adopt, "to adopt"),
    ] {
        if n(k) > 0 {
            parts.push(format!("{} {label}", n(k)));
        }
    }
    parts.push(format!("{} unchanged", z.unchanged));
    if z.unmanaged > 0 {
        let n = z.unmanaged;
        parts.push(format!("{n} other record{} left alone", plural(n)));
    }
    if !z.conflicts.is_empty() {
        parts.push(format!(
            "**{} conflict{}**",
            z.conflicts.len(),
            plural(z.conflicts.len())
        ));
    }
    format!(
        "{}, owner {}: {}",
        code(&z.zone.name),
        code(&z.owner),
        parts.join(", ")
    )
}

/// How a change reads for people: the plan JSON keeps create, update and delete; the comment
/// shows an adoption (an unowned record deleted and the CNAME created at its name) as one row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Kind {
    Create,
    Update,
    Adopt,
    Delete,
}

impl Kind {
    fn label(self) -> &'static str {
        match self {
            Kind::Create => "create",
            Kind::Update => "update",
            Kind::Adopt => "adopt",
            Kind::Delete => "delete",
        }
    }
}

pub(super) struct Row<'a> {
    pub(super) kind: Kind,
    name: &'a str,
    before: Option<&'a RecordData>,
    after: Option<&'a RecordData>,
    /// The record type, when it changes (an adopted `A` becomes a `CNAME`) or is not a CNAME.
    kinds: String,
}

/// The rows of a zone's table, in plan order; an adoption's delete and create are one row.
pub(super) fn rows(z: &ZonePlan) -> Vec<Row<'_>> {
    let adopted = |c: &Change| {
        c.action == Action::Delete
            && !c
                .before
                .as_ref()
                .is_some_and(|b| is_owned_by(b.comment.as_deref(), &z.owner))
            && z.changes
                .iter()
                .any(|o| o.action == Action::Create && o.name == c.name)
    };
    let mut out = Vec::new();
    for c in &z.changes {
        if adopted(c) {
            continue; // shown with its create
        }
        let taken = (c.action == Action::Create)
            .then(|| z.changes.iter().find(|o| o.name == c.name && adopted(o)))
            .flatten();
        let kinds = match taken {
            Some(t) if t.kind != c.kind => format!("{} -> {}", t.kind, c.kind),
            _ if c.kind != crate::plan::RecordType::Cname => c.kind.to_string(),
            _ => String::new(),
        };
        out.push(Row {
            kind: match (c.action, taken) {
                (Action::Create, Some(_)) => Kind::Adopt,
                (Action::Create, None) => Kind::Create,
                (Action::Update, _) => Kind::Update,
                (Action::Delete, _) => Kind::Delete,
            },
            name: &c.name,
            before: taken.map_or(c.before.as_ref(), |t| t.before.as_ref()),
            after: c.after.as_ref(),
            kinds,
        });
    }
    out
}

/// One row: the change, the name, old -> new target, proxied or DNS-only (old -> new).
fn row(r: &Row<'_>) -> String {
    let word = |d: &RecordData| if d.proxied { "proxied" } else { "DNS-only" };
    let target = match (r.before, r.after) {
        (Some(b), Some(a)) if b.content == a.content => code(&a.content),
        (Some(b), Some(a)) => format!("{} -> {}", code(&b.content), code(&a.content)),
        (Some(b), None) => format!("{} -> removed", code(&b.content)),
        (None, Some(a)) => code(&a.content),
        (None, None) => String::new(),
    };
    let proxied = match (r.before, r.after) {
        (Some(b), Some(a)) if b.proxied != a.proxied => format!("{} -> {}", word(b), word(a)),
        (_, Some(d)) | (Some(d), None) => word(d).to_string(),
        (None, None) => String::new(),
    };
    let mut change = r.kind.label().to_string();
    if !r.kinds.is_empty() {
        change.push_str(&format!(" ({})", r.kinds));
    }
    if let (Some(b), Some(a)) = (r.before, r.after)
        && r.kind == Kind::Update
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
    format!("| {change} | {} | {target} | {proxied} |", code(r.name))
}

/// One zone's detail block: refusals at manifest lines, the table, warnings.
/// One zone's changes, refusals and warnings; `open` unless many zones share the comment.
pub(super) fn zone_detail(out: &mut Vec<String>, z: &ZonePlan, ctx: &Context, open: bool) {
    let rows = rows(z);
    out.push(format!(
        "<details{}><summary>{}: {} change{}</summary>",
        if open { " open" } else { "" },
        html(&z.zone.name),
        rows.len(),
        plural(rows.len())
    ));
    out.push(String::new());
    refusals(out, z, ctx);
    const HEADER: [&str; 2] = [
        "| change | name | target | proxied |",
        "| --- | --- | --- | --- |",
    ];
    if rows.len() > ROWS_OPEN {
        for kind in [Kind::Create, Kind::Update, Kind::Adopt, Kind::Delete] {
            let group: Vec<&Row<'_>> = rows.iter().filter(|r| r.kind == kind).collect();
            if group.is_empty() {
                continue;
            }
            out.push(format!(
                "<details><summary>{} {}</summary>",
                group.len(),
                kind.label()
            ));
            out.push(String::new());
            out.extend(HEADER.map(String::from));
            out.extend(group.iter().map(|r| row(r)));
            out.push(String::new());
            out.push("</details>".into());
            out.push(String::new());
        }
    } else if !rows.is_empty() {
        out.extend(HEADER.map(String::from));
        out.extend(rows.iter().map(row));
        out.push(String::new());
    }
    warnings(out, z);
    out.push("</details>".into());
    out.push(String::new());
}

/// What refuses the plan at a manifest line (conflicts, comments too long for the zone), each
/// with its `file:line` linked to the file at the commit the preview read, and its help.
fn refusals(out: &mut Vec<String>, z: &ZonePlan, ctx: &Context) {
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

/// Warnings, one line each. A warning about an origin's platform (`name -> target: hint`) names
/// the platform with one link to docs/origins.md, and keeps what to do in a collapsed detail.
fn warnings(out: &mut Vec<String>, z: &ZonePlan) {
    if z.warnings.is_empty() {
        return;
    }
    out.push("**Warnings:**".into());
    out.push(String::new());
    for w in &z.warnings {
        match platform_warning(w) {
            Some((name, target, hint)) => {
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
            None => out.push(format!("- {}", prose(w))),
        }
    }
    out.push(String::new());
}

/// A platform warning (`name -> target: hint`, as the pipeline writes it) split into its name,
/// target and hint; `None` for any other warning.
fn platform_warning(w: &str) -> Option<(&str, &str, crate::health::OriginHint)> {
    let (name, rest) = w.split_once(" -> ")?;
    let (target, text) = rest.split_once(": ")?;
    let hint = origin_hint(target)?;
    (text == hint.to_string()).then_some((name, target, hint))
}
