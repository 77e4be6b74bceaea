//! The pull request comment (docs/action.md, "The sticky comment").
//!
//! The first line is the hidden marker `<!-- edgeplan:preview -->` by which the action finds its
//! own sticky comment again. GitHub refuses comment bodies over 65,536 characters
//! (<https://docs.github.com/en/rest/issues/comments#create-an-issue-comment>, the `body` limit),
//! so the comment is built in three parts: a head that is never cut (the marker, the one-line
//! outcome, in a `> [!CAUTION]` alert with the safe fix and the override when anything refuses
//! the apply, the counts per zone or the table of many zones, the origin checks), the detail
//! (tables, conflicts, warnings) inside `<details>`, cut at a line boundary to fit a
//! conservative budget with a note pointing at the job summary, and an end that is never cut
//! (the fingerprint, once, and the run link). In the detail, every zone's deletes, adoptions,
//! updates and proxy switches come before any zone's collapsed creates, so creates are cut first.
//! The words of the verdict are [`super::verdict`]'s; this module lays them out.

use std::fmt::Write;

use crate::health::ProbeResult;
use crate::plan::Plan;
use crate::plan::verdict::Verdict;

use super::body::assemble;
pub use super::body::{CommentContext, ROWS_OPEN, short_sha};
use super::changes::{ORIGINS_DOCS, counts, zone_detail};
pub(crate) use super::escape::{code, escape, prose};
pub use super::verdict::Kind;

/// The comment body for a plan: the one-line outcome first (inside a `> [!CAUTION]` alert with
/// the refused names, the safe fix and the override when anything refuses the apply), then per
/// zone its counts, a table of changes, conflicts and warnings; the fingerprint once, at the end.
/// The verdict is the pipeline's (`run::pipeline`), worded by [`super::verdict`].
pub fn render(
    plan: &Plan,
    probes: &[ProbeResult],
    verdict: &Verdict,
    ctx: &CommentContext,
) -> String {
    let mut head = String::new();
    let _ = writeln!(head, "{}", ctx.plan_marker(&plan.fingerprint()));
    let headline = super::verdict::headline(verdict, ctx.kind, &code);
    if verdict.refused() {
        alert(&mut head, verdict, &headline, ctx);
    } else {
        let _ = writeln!(head, "**{headline}**{}\n", ctx.commit_note());
    }
    if let Some(line) = &ctx.source {
        let _ = writeln!(head, "{line}\n");
    }
    let cut = super::changes::collapsed(plan);
    if let Some(note) = cut {
        let _ = writeln!(head, "> **Note:** {note}.\n");
    }
    let notes = super::verdict::notes(verdict, ctx.kind, &code);
    for line in &notes {
        let _ = writeln!(head, "- {line}");
    }
    if !notes.is_empty() {
        head.push('\n');
    }
    let _ = writeln!(head, "### {}\n", ctx.kind.title());
    if plan.zones.is_empty() {
        let _ = writeln!(head, "No manifests were given; there is nothing to plan.\n");
    }
    let many = super::zones::many(verdict);
    if many {
        head.push_str(&super::zones::table(verdict));
    } else {
        for z in &verdict.zones {
            let _ = writeln!(head, "- {}\n", counts(z));
        }
    }
    probe_table(&mut head, probes);
    // One blank line before the detail (`assemble` adds it).
    while head.ends_with("\n\n") {
        head.pop();
    }

    let mut detail = Vec::new();
    let mut creates = Vec::new();
    for z in plan
        .zones
        .iter()
        .filter(|z| !z.changes.is_empty() || !z.conflicts.is_empty() || !z.warnings.is_empty())
    {
        zone_detail(&mut detail, &mut creates, z, ctx, !many);
    }
    let footer = format!("Plan fingerprint: `{}`\n", plan.fingerprint());
    // Deletes, adoptions and updates come before every collapsed create, so the budget cuts
    // creates first; when even they do not fit, the first line says how many there are.
    let risky = verdict.counts().total() - verdict.counts().create;
    let needed = head.len() + detail.iter().map(|l| l.len() + 1).sum::<usize>() + footer.len();
    if risky > 0 && needed + 200 > ctx.budget() {
        // At the end of the one-line outcome's line.
        let at = (head.find("**")).and_then(|i| head[i..].find('\n').map(|e| i + e));
        if let Some(at) = at {
            head.insert_str(
                at,
                &format!(
                    " (the list of its {risky} deletes, adoptions and updates is cut below; {} has them all)",
                    ctx.summary_link()
                ),
            );
        }
    }
    detail.extend(creates);
    assemble(head, detail, &footer, ctx)
}

/// A refusal decided before there was a plan to show (the event's rule): the alert alone, then
/// the run link.
pub fn refusal(verdict: &Verdict, ctx: &CommentContext) -> String {
    let mut b = String::new();
    let headline = super::verdict::headline(verdict, ctx.kind, &code);
    alert(&mut b, verdict, &headline, ctx);
    b.push_str(&ctx.footer());
    b
}

/// The refusal, at the top: a GitHub alert holding the one-line outcome, the refused names, the
/// safe fix, then the override
/// (<https://docs.github.com/en/get-started/writing-on-github/getting-started-with-writing-and-formatting-on-github/basic-writing-and-formatting-syntax#alerts>).
fn alert(head: &mut String, verdict: &Verdict, headline: &str, ctx: &CommentContext) {
    let words = super::verdict::alert(verdict, ctx.kind, &code);
    let _ = writeln!(head, "> [!CAUTION]");
    let _ = writeln!(head, "> **{headline}**{}", ctx.commit_note());
    if !words.names.is_empty() {
        let _ = writeln!(head, ">\n> Refused:");
        for n in &words.names {
            let _ = writeln!(head, "> - {n}");
        }
    }
    if !words.fixes.is_empty() {
        let _ = writeln!(head, ">\n> To fix:");
        for f in &words.fixes {
            let _ = writeln!(head, "> - {f}");
        }
    }
    if !words.overrides.is_empty() {
        let _ = writeln!(head, ">\n> To override:");
        for o in &words.overrides {
            let _ = writeln!(head, "> - {o}");
        }
    }
    head.push('\n');
}

/// The origin checks: a short table, part of the head because apply refuses a failed origin.
/// No latency: it changes every run, and the sticky comment is re-sent only when its content does.
fn probe_table(head: &mut String, probes: &[ProbeResult]) {
    if probes.is_empty() {
        return;
    }
    if !head.ends_with("\n\n") {
        head.push('\n');
    }
    let _ = writeln!(
        head,
        "**Origin checks** (apply refuses an origin whose check fails):\n"
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
    // One line each, one link to docs/origins.md (which links Cloudflare's Origin Rules); what
    // to do collapsed under it.
    for p in probes.iter().filter(|p| p.host_warning().is_some()) {
        let Some(check) = &p.public_host else {
            continue;
        };
        let _ = writeln!(
            head,
            "\n- **Warning:** {} answers {} for its own host but {} for the public name ([origins]({ORIGINS_DOCS}))\n  <details><summary>what to do</summary>configure {} as a custom domain on the origin's platform, or add a Cloudflare Origin Rule that rewrites the Host header to {}.</details>",
            code(&p.target),
            escape(&p.outcome.summary()),
            escape(&check.outcome.summary()),
            super::escape::html(&check.host),
            super::escape::html(&p.target)
        );
    }
}
