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

use std::path::{Path, PathBuf};

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use crate::health::ProbeResult;
use crate::plan::Plan;
use crate::plan::verdict::Verdict;

use super::changes::{ORIGINS_DOCS, counts, zone_detail};
use super::comment::{BUDGET, TRUNCATED};
pub(crate) use super::escape::{code, escape, prose};
pub(crate) use super::verdict::Kind;

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
    /// One Markdown line under the verdict saying where the manifests were read from, when not
    /// from the workspace (a commit read through the GitHub API).
    pub source: Option<String>,
    /// Where files are shown at that commit (`{server}/{owner}/{repo}/blob/{sha}`): manifest
    /// lines link there. Without it, `file:line` is plain code.
    pub blob_url: Option<String>,
    /// The workspace the manifests were read from: paths in links are relative to it.
    pub workspace: Option<PathBuf>,
    /// Byte budget; `None` means [`BUDGET`]. Tests lower it.
    pub budget: Option<usize>,
    /// What the body is for; it decides the heading and whether it speaks of merge or apply.
    pub kind: Kind,
}

/// Past this many rows, a zone's changes are grouped by action and collapsed.
pub(crate) const ROWS_OPEN: usize = 25;

impl Context {
    /// The hidden first line.
    pub(crate) fn marker(&self) -> String {
        super::comment::marker(self.manifest.as_deref())
    }

    /// The hidden first line of a plan's comment: the fingerprint stands in the marker, the
    /// one place no value can forge (the apply report reads it from there).
    pub(crate) fn plan_marker(&self, fingerprint: &str) -> String {
        super::comment::preview_marker(self.manifest.as_deref(), Some(fingerprint))
    }

    fn budget(&self) -> usize {
        self.budget.unwrap_or(BUDGET)
    }

    fn footer(&self) -> String {
        super::comment::run_link(self.run_url.as_deref())
    }

    /// ` (commit `abc1234`)`, or nothing: the short hash, as GitHub shows a commit.
    pub(super) fn commit_note(&self) -> String {
        match self.commit.as_deref().filter(|c| !c.is_empty()) {
            Some(c) => format!(" (commit {})", code(short_sha(c))),
            None => String::new(),
        }
    }

    /// `` `file:line` ``, linked to the file at the commit the preview read when
    /// [`Context::blob_url`] is known: `{blob_url}/{path}#L{line}`, the path percent-encoded
    /// (a path is a value from the repository: nothing in it may end the link or add markup).
    pub(super) fn file_link(&self, source: &Path, line: usize, col: Option<usize>) -> String {
        let relative = self
            .workspace
            .as_deref()
            .and_then(|ws| source.strip_prefix(ws).ok())
            .unwrap_or(source);
        let path = relative.to_string_lossy().replace('\\', "/");
        let path = path.strip_prefix("./").unwrap_or(&path);
        let text = match col {
            // No place in a file (a path that names none): no link either.
            _ if line == 0 => return code(path),
            Some(col) => code(&format!("{path}:{line}:{col}")),
            None => code(&format!("{path}:{line}")),
        };
        match self.blob_url.as_deref() {
            Some(base) if !path.starts_with('/') && !path.split('/').any(|s| s == "..") => {
                format!("[{text}]({base}/{}#L{line})", percent_encode_path(path))
            }
            _ => text,
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

/// The comment body for a plan: the one-line outcome first (inside a `> [!CAUTION]` alert with
/// the refused names, the safe fix and the override when anything refuses the apply), then per
/// zone its counts, a table of changes, conflicts and warnings; the fingerprint once, at the end.
/// The verdict is the pipeline's (`run::pipeline`), worded by [`super::verdict`].
pub fn render(plan: &Plan, probes: &[ProbeResult], verdict: &Verdict, ctx: &Context) -> String {
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
pub(crate) fn refusal(verdict: &Verdict, ctx: &Context) -> String {
    let mut b = String::new();
    let headline = super::verdict::headline(verdict, ctx.kind, &code);
    alert(&mut b, verdict, &headline, ctx);
    b.push_str(&ctx.footer());
    b
}

/// The refusal, at the top: a GitHub alert holding the one-line outcome, the refused names, the
/// safe fix, then the override (<https://docs.github.com/en/get-started/writing-on-github/getting-started-with-writing-and-formatting-on-github/basic-writing-and-formatting-syntax#alerts>).
fn alert(head: &mut String, verdict: &Verdict, headline: &str, ctx: &Context) {
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

/// A commit's short hash as GitHub shows it: its first 7 characters.
pub(crate) fn short_sha(sha: &str) -> &str {
    sha.get(..7).unwrap_or(sha)
}

/// What a path in a link keeps as it is: RFC 3986's unreserved characters and `/`.
const PATH_KEEPS: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'/');

/// `path` with every byte outside `A-Z a-z 0-9 - . _ ~ /` percent-encoded, for a link.
fn percent_encode_path(path: &str) -> String {
    utf8_percent_encode(path, PATH_KEEPS).to_string()
}

/// Joins head, detail and footer, cutting the detail at a line boundary to fit the budget.
pub(super) fn assemble(head: String, detail: Vec<String>, end: &str, ctx: &Context) -> String {
    let footer = format!(
        "{end}{}{}",
        if end.is_empty() || ctx.run_url.is_none() {
            ""
        } else {
            "\n"
        },
        ctx.footer()
    );
    let mut out = head;
    out.push('\n');
    let full: usize = detail.iter().map(|l| l.len() + 1).sum();
    let top = format!(
        "> **Note:** this comment is truncated; {} holds the whole plan.\n\n",
        ctx.summary_link()
    );
    if out.len() + full + footer.len() > ctx.budget() {
        // Said at the top too, where a reader starts: after the marker and the verdict line.
        let at = out.find("\n\n").map_or(0, |i| i + 2);
        out.insert_str(at, &top);
    }
    if out.len() + full + footer.len() <= ctx.budget() {
        for line in &detail {
            out.push_str(line);
            out.push('\n');
        }
    } else {
        // Room for the note and for closing a `<details>` left open by the cut.
        let room = ctx.budget().saturating_sub(
            out.len() + footer.len() + TRUNCATED.len() + 2 * "\n</details>\n".len() + 2,
        );
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
        out.push_str(TRUNCATED);
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

#[cfg(test)]
mod tests {
    #[test]
    fn link_paths_encode_all_but_unreserved_characters_and_slashes() {
        assert_eq!(
            super::percent_encode_path("dns/my file~\u{e9}[x]#-_.yaml"),
            "dns/my%20file~%C3%A9%5Bx%5D%23-_.yaml"
        );
    }
}
