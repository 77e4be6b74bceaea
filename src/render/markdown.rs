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

use super::json::action_name;

use crate::health::ProbeResult;
use crate::manifest::Problem;
use crate::plan::{Action, Change, Plan, ZonePlan};

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
    /// A link to the workflow run.
    pub run_url: Option<String>,
    /// What happens on merge, replacing the default sentence.
    pub on_merge: Option<String>,
    /// Byte budget; `None` means [`BUDGET`]. Tests lower it.
    pub budget: Option<usize>,
}

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
}

/// The comment body for a plan.
pub fn render(plan: &Plan, probes: &[ProbeResult], ctx: &Context) -> String {
    let mut head = String::new();
    let _ = writeln!(head, "{}", ctx.plan_marker(&plan.fingerprint()));
    let _ = writeln!(head, "### edgeplan: DNS preview\n");
    if plan.zones.is_empty() {
        let _ = writeln!(head, "No manifests were given; there is nothing to plan.");
    } else {
        let _ = writeln!(
            head,
            "| zone | owner | create | update | delete | unchanged | conflicts |"
        );
        let _ = writeln!(head, "| --- | --- | ---: | ---: | ---: | ---: | ---: |");
        for z in &plan.zones {
            let _ = writeln!(
                head,
                "| {} | {} | {} | {} | {} | {} | {} |",
                code(&z.zone.name),
                code(&z.owner),
                z.count(Action::Create),
                z.count(Action::Update),
                z.count(Action::Delete),
                z.unchanged,
                z.conflicts.len()
            );
        }
    }
    let _ = writeln!(head, "\n**On merge:** {}\n", on_merge(plan, ctx));
    let _ = writeln!(head, "Plan fingerprint: `{}`", plan.fingerprint());
    probe_table(&mut head, probes);

    let mut detail = Vec::new();
    for z in plan
        .zones
        .iter()
        .filter(|z| !z.changes.is_empty() || !z.conflicts.is_empty() || !z.warnings.is_empty())
    {
        zone_detail(&mut detail, z);
    }
    assemble(head, detail, ctx)
}

/// The origin checks: a short table, part of the head because apply refuses a failed origin.
fn probe_table(head: &mut String, probes: &[ProbeResult]) {
    if probes.is_empty() {
        return;
    }
    let _ = writeln!(
        head,
        "\n**Origin checks** (apply refuses an origin whose check fails):\n"
    );
    let _ = writeln!(head, "| name | result | latency | url |");
    let _ = writeln!(head, "| --- | --- | ---: | --- |");
    for p in probes {
        let result = if p.is_healthy() {
            format!("ok: {}", escape(&p.outcome.summary()))
        } else {
            format!("**failed**: {}", escape(&p.outcome.summary()))
        };
        let _ = writeln!(
            head,
            "| {} | {} | {} ms | {} |",
            code(&p.name),
            result,
            p.latency_ms,
            code(&p.url)
        );
    }
    for w in probes.iter().filter_map(|p| p.host_warning()) {
        let _ = writeln!(head, "\n> **Warning:** {}", escape(&w));
    }
}

/// The comment body for manifests that failed validation: every problem, located.
pub fn render_problems(problems: &[Problem], ctx: &Context) -> String {
    let mut head = String::new();
    let _ = writeln!(head, "{}", ctx.marker());
    let _ = writeln!(head, "### edgeplan: the manifest is invalid\n");
    let n = problems.len();
    let _ = writeln!(
        head,
        "{n} problem{} found; nothing was planned. Fix {} and push again; `edgeplan validate` shows the same locally.",
        if n == 1 { "" } else { "s" },
        if n == 1 { "it" } else { "them" }
    );
    let mut detail = vec![
        "<details open><summary>Problems</summary>".to_owned(),
        String::new(),
    ];
    for p in problems {
        detail.push(format!(
            "- {} {}",
            code(&format!("{}:{}:{}", p.file.display(), p.line, p.col)),
            escape(&p.message)
        ));
        if let Some(help) = &p.help {
            detail.push(format!("  - help: {}", escape(help)));
        }
    }
    detail.push(String::new());
    detail.push("</details>".to_owned());
    assemble(head, detail, ctx)
}

fn on_merge(plan: &Plan, ctx: &Context) -> String {
    if let Some(sentence) = &ctx.on_merge {
        return escape(sentence);
    }
    if plan.has_conflicts() {
        "nothing can be applied until the conflicts below are resolved.".into()
    } else if plan.has_changes() {
        "edgeplan re-reads each zone, re-plans and applies these changes to Cloudflare in one atomic batch per zone."
            .into()
    } else {
        "nothing to apply; the zones already match the manifests.".into()
    }
}

fn zone_detail(out: &mut Vec<String>, z: &ZonePlan) {
    out.push(format!(
        "<details open><summary>{}: {} change{}</summary>",
        html(&z.zone.name),
        z.changes.len(),
        if z.changes.len() == 1 { "" } else { "s" }
    ));
    out.push(String::new());
    if !z.conflicts.is_empty() {
        out.push("**Conflicts** (the plan cannot be applied):".into());
        out.push(String::new());
        for c in &z.conflicts {
            out.push(format!("- {}", escape(&c.message())));
            out.push(format!("  - help: {}", escape(&c.help())));
        }
        out.push(String::new());
    }
    if !z.changes.is_empty() {
        out.push("| action | name | type | target before | target after | proxied before | proxied after | also changes |".into());
        out.push("| --- | --- | --- | --- | --- | --- | --- | --- |".into());
        for c in &z.changes {
            out.push(row(c));
        }
        out.push(String::new());
    }
    if !z.warnings.is_empty() {
        out.push("**Warnings:**".into());
        out.push(String::new());
        for w in &z.warnings {
            out.push(format!("- {}", escape(w)));
        }
        out.push(String::new());
    }
    out.push("</details>".into());
    out.push(String::new());
}

fn row(c: &Change) -> String {
    let target =
        |d: Option<&crate::plan::RecordData>| d.map_or("".to_owned(), |d| code(&d.content));
    let proxied =
        |d: Option<&crate::plan::RecordData>| d.map_or("".to_owned(), |d| d.proxied.to_string());
    let also = match (&c.before, &c.after) {
        (Some(b), Some(a)) => {
            let mut parts = Vec::new();
            if b.ttl != a.ttl {
                parts.push("ttl");
            }
            if b.comment != a.comment {
                parts.push("comment");
            }
            parts.join(", ")
        }
        _ => String::new(),
    };
    format!(
        "| {} | {} | {} | {} | {} | {} | {} | {} |",
        action_name(c.action),
        code(&c.name),
        c.kind,
        target(c.before.as_ref()),
        target(c.after.as_ref()),
        proxied(c.before.as_ref()),
        proxied(c.after.as_ref()),
        also
    )
}

/// Joins head, detail and footer, cutting the detail at a line boundary to fit the budget.
fn assemble(head: String, detail: Vec<String>, ctx: &Context) -> String {
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
            .saturating_sub(out.len() + footer.len() + note.len() + "\n</details>\n\n".len() + 1);
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
        if open > 0 {
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

/// A code span, safe inside a table cell: a value shown literally (no mention, link or HTML
/// is live inside one).
pub fn code(s: &str) -> String {
    format!(
        "`{}`",
        s.replace('`', "'")
            .replace('|', "\\|")
            .replace(['\n', '\r'], " ")
    )
}

/// Text from a manifest or a zone, made inert: no HTML, no table breaks, no stray emphasis, no
/// `@`-mentions. A web address in the text becomes an autolink (`<https://...>`), whose content
/// Markdown takes literally: escaping its characters instead would put the backslashes into the
/// link (GitHub renders `https://x/\#y` as a link to `https://x/%5C#y`).
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut prev: Option<char> = None;
    let mut i = 0;
    while let Some(ch) = s[i..].chars().next() {
        let boundary = prev.is_none_or(|p| !p.is_ascii_alphanumeric());
        if boundary && let Some(len) = web_address(&s[i..]) {
            out.push('<');
            out.push_str(&s[i..i + len]);
            out.push('>');
            prev = s[..i + len].chars().next_back();
            i += len;
            continue;
        }
        // GitHub links a bare `www.` name by itself, with any escapes in it: an entity for the
        // first `w` keeps it text.
        if boundary
            && s[i..]
                .get(..4)
                .is_some_and(|w| w.eq_ignore_ascii_case("www."))
        {
            out.push_str(&format!("&#{};", u32::from(ch)));
            prev = Some(ch);
            i += ch.len_utf8();
            continue;
        }
        match ch {
            '\n' | '\r' => out.push(' '),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            // A zero-width space after `@` keeps a name from notifying anyone, and an address
            // from becoming a `mailto:` link.
            '@' => out.push_str("@&#8203;"),
            '|' | '*' | '_' | '`' | '[' | ']' | '\\' | '#' | '~' => {
                out.push('\\');
                out.push(ch);
            }
            _ => out.push(ch),
        }
        prev = Some(ch);
        i += ch.len_utf8();
    }
    out
}

/// The length of the `http://`, `https://` or `ftp://` address at the start of `s`, if there is
/// one: a run of characters allowed in a URL, less trailing punctuation, that can stand inside
/// `<...>` as a CommonMark autolink (no spaces, `<`, `>`, backslashes, backticks or `|`).
fn web_address(s: &str) -> Option<usize> {
    let scheme = ["https://", "http://", "ftp://"].into_iter().find(|p| {
        s.get(..p.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(p))
    })?;
    let mut len = s
        .bytes()
        .position(|b| !(b.is_ascii_alphanumeric() || b"-._~:/?#[]@!$&'()*+,;=%".contains(&b)))
        .unwrap_or(s.len());
    // Punctuation that ends a sentence, or closes a parenthesis opened before the address, is
    // not part of it.
    while len > scheme.len() {
        let last = s.as_bytes()[len - 1];
        let unbalanced_paren = last == b')' && {
            let url = &s[..len];
            url.matches(')').count() > url.matches('(').count()
        };
        if b".,:;!?'*".contains(&last) || unbalanced_paren {
            len -= 1;
        } else {
            break;
        }
    }
    (len > scheme.len()).then_some(len)
}

fn html(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
