//! The pull request comment (docs/action.md, "The sticky comment").
//!
//! The first line is the hidden marker `<!-- edgeplan:preview -->` by which the action finds its
//! own sticky comment again. GitHub refuses comment bodies over 65,536 characters
//! (<https://docs.github.com/en/rest/issues/comments#create-an-issue-comment>, the `body` limit),
//! so the comment is
//! built in two parts: a head (marker, counts per zone, what happens on merge, the fingerprint)
//! that is never cut, and the detail (tables, conflicts, warnings) inside `<details>` that is cut
//! at a line boundary to fit a conservative budget, with a note pointing at the job summary.

use std::fmt::Write;

use crate::health::ProbeResult;
use crate::plan::owner::is_owned_by;
use crate::plan::{Action, Change, Plan, RecordData, ZonePlan};

use super::escape::html;
pub use super::escape::{code, escape, prose};
pub use super::problems::render_problems;

/// The most bytes a comment may use. GitHub's limit is 65,536 characters; bytes are never fewer
/// than characters, so staying under this many bytes keeps both counts safely under the limit.
pub const BUDGET: usize = 60_000;

/// The note that ends a truncated comment.
pub const TRUNCATED: &str = "truncated; the full plan is in the job summary";

/// The optional parts of a comment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Context {
    /// Goes into the marker (`<!-- edgeplan:preview manifest=PATH -->`) when several manifests are
    /// previewed in separate comments.
    pub manifest: Option<String>,
    /// A link to the workflow run (its job summary holds the whole plan).
    pub run_url: Option<String>,
    /// The commit the plan was computed from (`GITHUB_SHA`; on a pull request, the test merge).
    pub commit: Option<String>,
    /// What merge (or the next apply) would do, as the pipeline decided it; without one, the
    /// comment says what the plan alone shows.
    pub verdict: Option<Verdict>,
    /// Byte budget; `None` means [`BUDGET`]. Tests lower it.
    pub budget: Option<usize>,
}

/// The verdict in words, already Markdown (values in code spans, text escaped by its author,
/// `run::pipeline::Verdict::words`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Verdict {
    /// One line: what merge does, or why it will be refused.
    pub headline: String,
    /// Detail: per zone, per refusal reason, and the fix.
    pub lines: Vec<String>,
}

/// Past this many rows, a zone's changes are grouped by action and collapsed.
pub const ROWS_OPEN: usize = 25;

impl Context {
    /// The hidden first line.
    pub fn marker(&self) -> String {
        super::comment::marker(self.manifest.as_deref())
    }

    /// The hidden first line of a plan's comment: the fingerprint stands in the marker, the
    /// one place no value can forge (the apply report reads it from there).
    pub fn plan_marker(&self, fingerprint: &str) -> String {
        super::comment::preview_marker(self.manifest.as_deref(), Some(fingerprint))
    }

    fn budget(&self) -> usize {
        self.budget.unwrap_or(BUDGET)
    }

    fn footer(&self) -> String {
        super::comment::run_link(self.run_url.as_deref())
    }

    /// ` (commit `abc1234`)`, or nothing.
    pub(super) fn commit_note(&self) -> String {
        match self.commit.as_deref().filter(|c| !c.is_empty()) {
            Some(c) => format!(" (commit {})", code(c.get(..12).unwrap_or(c))),
            None => String::new(),
        }
    }

    /// Where the whole plan is: the job summary of this run.
    fn summary_link(&self) -> String {
        match &self.run_url {
            Some(url) => format!("the [job summary]({url})"),
            None => "the job summary".into(),
        }
    }
}

/// The comment body for a plan: the verdict first, then per zone its counts, a table of changes
/// (grouped and collapsed past [`ROWS_OPEN`] rows), conflicts and warnings; the fingerprint.
pub fn render(plan: &Plan, probes: &[ProbeResult], ctx: &Context) -> String {
    let mut head = String::new();
    let _ = writeln!(head, "{}", ctx.plan_marker(&plan.fingerprint()));
    let fallback;
    let verdict = match &ctx.verdict {
        Some(v) => v,
        None => {
            fallback = plan_verdict(plan);
            &fallback
        }
    };
    let _ = writeln!(
        head,
        "**{}**{}
",
        verdict.headline,
        ctx.commit_note()
    );
    let big = plan.zones.iter().any(|z| rows(z).len() > ROWS_OPEN);
    if big {
        let _ = writeln!(
            head,
            "> **Note:** over {ROWS_OPEN} changes in a zone: they are grouped by change and collapsed below; {} holds the whole plan.\n",
            ctx.summary_link()
        );
    }
    for line in &verdict.lines {
        let _ = writeln!(head, "- {line}");
    }
    if !verdict.lines.is_empty() {
        head.push('\n');
    }
    let _ = writeln!(head, "### edgeplan DNS preview\n");
    if plan.zones.is_empty() {
        let _ = writeln!(head, "No manifests were given; there is nothing to plan.\n");
    }
    if super::zones::many(plan) {
        head.push_str(&super::zones::table(plan));
    } else {
        for z in &plan.zones {
            let _ = writeln!(head, "- {}\n", counts(z));
        }
    }
    let _ = writeln!(head, "Plan fingerprint: `{}`", plan.fingerprint());
    probe_table(&mut head, probes);

    let mut detail = Vec::new();
    for z in plan
        .zones
        .iter()
        .filter(|z| !z.changes.is_empty() || !z.conflicts.is_empty() || !z.warnings.is_empty())
    {
        zone_detail(&mut detail, z, !super::zones::many(plan));
    }
    assemble(head, detail, ctx)
}

/// What the plan alone says merge would do (without the safety limit or origin probes, which
/// the pipeline's verdict adds): used when the caller gives no verdict (`plan --format markdown`).
fn plan_verdict(plan: &Plan) -> Verdict {
    let conflicts: usize = plan.zones.iter().map(|z| z.conflicts.len()).sum();
    let headline = if conflicts > 0 {
        format!(
            "Merge will be refused: {conflicts} conflict{} with records edgeplan does not own",
            plural(conflicts)
        )
    } else if plan.has_long_comments() {
        "Merge will be refused: a comment is longer than its zone accepts".into()
    } else if !plan.has_changes() {
        "Merge changes nothing: every zone already matches the manifests.".into()
    } else {
        let parts: Vec<String> = plan
            .zones
            .iter()
            .filter(|z| !z.changes.is_empty())
            .map(|z| {
                let chunks = crate::plan::to_batches(z, z.zone.batch_limit).len();
                format!(
                    "{} change{} to {} {}",
                    z.changes.len(),
                    plural(z.changes.len()),
                    code(&z.zone.name),
                    if chunks <= 1 {
                        "in one atomic batch".to_string()
                    } else {
                        format!("in {chunks} batches, not atomic")
                    }
                )
            })
            .collect();
        format!("Merge applies {}", parts.join("; "))
    };
    Verdict {
        headline,
        lines: Vec::new(),
    }
}

pub(super) fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// One zone's counts, one line: `example.com`, owner `ml-platform`: 2 to create, ...
fn counts(z: &ZonePlan) -> String {
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

/// The origin checks: a short table, part of the head because apply refuses a failed origin.
/// No latency: it changes every run, and the sticky comment is re-sent only when its content does.
fn probe_table(head: &mut String, probes: &[ProbeResult]) {
    if probes.is_empty() {
        return;
    }
    let _ = writeln!(
        head,
        "\n**Origin checks** (apply refuses an origin whose check fails):\n"
    );
    let _ = writeln!(head, "| name | origin check | url |");
    let _ = writeln!(head, "| --- | --- | --- |");
    for p in probes {
        let result = if p.is_healthy() {
            format!("ok: {}", escape(&p.outcome.summary()))
        } else {
            format!("**failed**: {}", escape(&p.outcome.summary()))
        };
        let _ = writeln!(
            head,
            "| {} | {} | {} |",
            code(&p.name),
            result,
            code(&p.url)
        );
    }
    for w in probes.iter().filter_map(|p| p.host_warning()) {
        let _ = writeln!(head, "\n> **Warning:** {}", prose(&w));
    }
}

/// How a change reads for people: the plan JSON keeps create, update and delete; the comment
/// shows an adoption (an unowned record deleted and the CNAME created at its name) as one row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
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

struct Row<'a> {
    kind: Kind,
    name: &'a str,
    before: Option<&'a RecordData>,
    after: Option<&'a RecordData>,
    /// The record type, when it changes (an adopted `A` becomes a `CNAME`) or is not a CNAME.
    kinds: String,
}

/// The rows of a zone's table, in plan order; an adoption's delete and create are one row.
fn rows(z: &ZonePlan) -> Vec<Row<'_>> {
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

fn zone_detail(out: &mut Vec<String>, z: &ZonePlan, open: bool) {
    let rows = rows(z);
    out.push(format!(
        "<details{}><summary>{}: {} change{}</summary>",
        if open { " open" } else { "" },
        html(&z.zone.name),
        rows.len(),
        plural(rows.len())
    ));
    out.push(String::new());
    if !z.conflicts.is_empty() {
        out.push("**Conflicts** (merge refuses the plan until they are resolved):".into());
        out.push(String::new());
        for c in &z.conflicts {
            out.push(format!("- {}", prose(&c.message())));
            out.push(format!("  - help: {}", prose(&c.help())));
        }
        out.push(String::new());
    }
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
    if !z.warnings.is_empty() {
        out.push("**Warnings:**".into());
        out.push(String::new());
        for w in &z.warnings {
            out.push(format!("- {}", prose(w)));
        }
        out.push(String::new());
    }
    out.push("</details>".into());
    out.push(String::new());
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

/// Joins head, detail and footer, cutting the detail at a line boundary to fit the budget.
pub(super) fn assemble(head: String, detail: Vec<String>, ctx: &Context) -> String {
    let footer = ctx.footer();
    let note = format!("\n> **Note:** {TRUNCATED}.\n");
    let mut out = head;
    out.push('\n');
    let full: usize = detail.iter().map(|l| l.len() + 1).sum();
    if out.len() + full + footer.len() <= ctx.budget() {
        for line in &detail {
            out.push_str(line);
            out.push('\n');
        }
    } else {
        // Room for the note and for closing a `<details>` left open by the cut.
        let room = ctx
            .budget()
            .saturating_sub(out.len() + footer.len() + note.len() + 2 * "\n</details>\n".len() + 2);
        let mut used = 0;
        let mut open = 0usize;
        for line in &detail {
            if used + line.len() + 1 > room {
                break;
            }
            used += line.len() + 1;
            if line.starts_with("<details") {
                open += 1;
            } else if line == "</details>" {
                open = open.saturating_sub(1);
            }
            out.push_str(line);
            out.push('\n');
        }
        // A cut inside a collapsed group leaves two blocks open (the group and its zone).
        for _ in 0..open {
            out.push_str("\n</details>\n");
        }
        out.push_str(&note);
    }
    if !footer.is_empty() {
        // A blank line first, so the link is a paragraph of its own.
        if !out.ends_with("\n\n") {
            out.push('\n');
        }
        out.push_str(&footer);
    }
    out
}
