//! The plan for a person at a terminal: one line per change, `+` create, `~` update, `-` delete,
//! with before -> after for what changed, then conflicts, warnings (wrapped to the width, with
//! their indent) and a summary line per zone; at the end, set apart, one `Plan:` line for the whole
//! run (or `No changes.`) and the plan's fingerprint.
//!
//! Colour and width are the caller's decisions ([`Options`]): colour on a terminal unless
//! `NO_COLOR` is set (<https://no-color.org/>), width from `COLUMNS` when it is set (a person's
//! explicit choice), else the terminal's own width (shells rarely export `COLUMNS`), else
//! [`DEFAULT_WIDTH`] ([`width_from`]); the renderer itself never looks at the environment or the
//! terminal, so output is a pure function of its arguments.

use std::fmt::Write;

use super::inert::{inert, inert_lines};
use super::plural;
use crate::health::ProbeResult;
use crate::plan::verdict::{Counts, Verdict, edits};
use crate::plan::{Action, Change, Holder, Plan, RecordData, ZonePlan, to_batches};

const RED: &str = "\x1b[31m";
const GREEN: &str = "\x1b[32m";
const YELLOW: &str = "\x1b[33m";
const BOLD: &str = "\x1b[1m";
const RESET: &str = "\x1b[0m";

/// The width text is wrapped to when the caller knows no better (not a terminal, no `COLUMNS`).
pub(crate) const DEFAULT_WIDTH: usize = 100;
/// Narrower than this, wrapping would leave a word or two per line: this is used instead.
const MIN_WIDTH: usize = 40;

/// How to render.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Options {
    /// ANSI colour.
    pub color: bool,
    /// Columns to wrap warnings to.
    pub width: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            color: false,
            width: DEFAULT_WIDTH,
        }
    }
}

/// The width to wrap to: `COLUMNS` when it holds a positive number (it wins, as in other tools),
/// else `terminal` (the width of the terminal the output goes to, when it goes to one), else
/// [`DEFAULT_WIDTH`].
pub(crate) fn width_from(columns: Option<&str>, terminal: Option<usize>) -> usize {
    columns
        .and_then(|c| c.trim().parse::<usize>().ok())
        .filter(|&c| c > 0)
        .or(terminal.filter(|&c| c > 0))
        .unwrap_or(DEFAULT_WIDTH)
}

/// Renders the whole plan at [`DEFAULT_WIDTH`]; ANSI colour only when `color`.
pub fn render(plan: &Plan, probes: &[ProbeResult], verdict: &Verdict, color: bool) -> String {
    render_with(
        plan,
        probes,
        verdict,
        Options {
            color,
            ..Options::default()
        },
    )
}

/// Renders the whole plan, ending with the verdict (the pipeline's, worded by
/// [`super::verdict`]) and the fingerprint.
pub(crate) fn render_with(
    plan: &Plan,
    probes: &[ProbeResult],
    verdict: &Verdict,
    options: Options,
) -> String {
    let paint = Paint(options.color);
    let width = options.width.max(MIN_WIDTH);
    let mut out = String::new();
    for (i, z) in plan.zones.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        zone(&mut out, z, paint, width);
    }
    if plan.zones.is_empty() {
        out.push_str("no manifests, nothing to plan\n");
    }
    if !probes.is_empty() {
        out.push_str("origin checks\n");
        for p in probes {
            let mark = if p.is_healthy() {
                paint.on(GREEN, "ok")
            } else {
                paint.on(RED, "FAILED")
            };
            let _ = writeln!(out, "  {mark} {}", inert(&p.to_string()));
            if let Some(w) = p.host_warning() {
                warning(&mut out, &w, paint, width);
            }
        }
    }
    if !plan.zones.is_empty() {
        let _ = writeln!(out, "\n{}", paint.on(BOLD, &total(verdict)));
        let _ = writeln!(out, "Fingerprint: {}", plan.fingerprint());
    }
    // Every value above is already inert; this guards the assembled lines as well.
    inert_lines(&out)
}

/// The run's verdict, set apart like Terraform's: `Plan: 2 to create, 1 to update, 0 to delete.`
/// over every zone (an adoption is one change, `to adopt`), or `No changes.`; then, when anything
/// refuses the apply, the one-line outcome that says why.
pub(crate) fn total(verdict: &Verdict) -> String {
    let n = verdict.counts();
    let mut line = if verdict.has_changes() {
        let adopt = if n.adopt > 0 {
            format!(" {} to adopt,", n.adopt)
        } else {
            String::new()
        };
        format!(
            "Plan: {} to create, {} to update,{adopt} {} to delete.",
            n.create, n.update, n.delete
        )
    } else if verdict.refused() {
        "Plan: no changes besides what is refused.".to_string()
    } else {
        "No changes. The zones match the manifests.".to_string()
    };
    if verdict.refused() {
        let why = super::verdict::headline(verdict, super::markdown::Kind::Plan, &|v| inert(v));
        let _ = write!(line, "\n{why}.");
    }
    line
}

/// The zones whose changes go in several batch requests: (zone, changes, requests, limit). Each
/// request is one transaction; together they are not.
pub(crate) fn chunked(plan: &Plan) -> Vec<(&str, usize, usize, usize)> {
    plan.zones
        .iter()
        .filter_map(|z| {
            let n = to_batches(z, z.zone.batch_limit).len();
            (n > 1).then_some((z.zone.name.as_str(), z.changes.len(), n, z.zone.batch_limit))
        })
        .collect()
}

/// The apply prompt: the change count, the fingerprint of the plan it applies, and, when a zone's
/// changes go in several requests, that the apply is not atomic.
pub(crate) fn prompt(plan: &Plan) -> String {
    let n: usize = plan.zones.iter().map(|z| z.changes.len()).sum();
    let mut text = format!(
        "Apply plan {} ({n} change{})?",
        plan.fingerprint(),
        plural(n)
    );
    for (zone, changes, requests, limit) in chunked(plan) {
        let _ = write!(
            text,
            " {}: the {changes} changes go in {requests} chunks of at most {limit}, each atomic but not together (a failure part-way leaves the earlier chunks applied).",
            inert(zone)
        );
    }
    text.push_str(" Only 'yes' is accepted: ");
    text
}

/// `  warning: text`, wrapped to `width` with continuation lines under the text.
fn warning(out: &mut String, text: &str, paint: Paint, width: usize) {
    const LABEL: &str = "warning: ";
    let indent = 2 + LABEL.len();
    let lines = wrap(&inert(text), width.saturating_sub(indent));
    for (i, line) in lines.iter().enumerate() {
        if i == 0 {
            let _ = writeln!(out, "  {}{line}", paint.on(YELLOW, LABEL.trim_end()) + " ");
        } else {
            let _ = writeln!(out, "{:indent$}{line}", "");
        }
    }
}

/// Greedy word wrap to `width` characters; a word longer than the width stands on its own line.
pub(crate) fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut len = 0;
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        let w = word.chars().count();
        if len > 0 && len + 1 + w > width {
            lines.push(std::mem::take(&mut line));
            len = 0;
        }
        if len > 0 {
            line.push(' ');
            len += 1;
        }
        line.push_str(word);
        len += w;
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

#[derive(Clone, Copy)]
struct Paint(bool);

impl Paint {
    fn on(self, style: &str, text: &str) -> String {
        if self.0 {
            format!("{style}{text}{RESET}")
        } else {
            text.to_owned()
        }
    }
}

fn zone(out: &mut String, z: &ZonePlan, paint: Paint, width: usize) {
    let _ = writeln!(
        out,
        "{} (owner {}, {})",
        paint.on(BOLD, &inert(&z.zone.name)),
        inert(&z.owner),
        inert(&z.source.display().to_string())
    );
    for c in &z.changes {
        let _ = writeln!(out, "  {}", change(c, paint));
    }
    // NOTE: one line each; the full message and its help are the command's error on stderr
    // (errors print once).
    for c in &z.conflicts {
        let holder = match &c.holder {
            Holder::Unowned => "a record nobody owns".to_owned(),
            Holder::Owner(o) => format!("a record of owner `{}`", inert(o)),
        };
        let _ = writeln!(
            out,
            "  {} {} is held by {holder} ({} {})",
            paint.on(RED, "! conflict"),
            inert(&c.name),
            inert(c.record.kind.as_str()),
            inert(&c.record.data.content)
        );
    }
    for w in &z.warnings {
        warning(out, &w.to_string(), paint, width);
    }
    for line in transfers(z) {
        let _ = writeln!(out, "  {}", inert(&line));
    }
    let _ = writeln!(out, "  {}", summary(z));
    let requests = to_batches(z, z.zone.batch_limit).len();
    if requests > 1 {
        let _ = writeln!(
            out,
            "  {} changes go in {requests} batch requests of at most {} (the zone's limit): each is atomic, together they are not",
            z.changes.len(),
            z.zone.batch_limit
        );
    }
}

/// `transfer 2 records from ml-team to search (previous_owners)`, one line per previous owner the plan takes records over
/// from (`previous_owners`: the updates rewrite their marker).
pub(crate) fn transfers(z: &ZonePlan) -> Vec<String> {
    z.transfers()
        .into_iter()
        .map(|(from, n)| {
            format!(
                "transfer {n} record{} from {from} to {} (previous_owners)",
                plural(n),
                z.owner
            )
        })
        .collect()
}

/// `example.com: 1 to create, 1 to update, 1 to delete, 4 unchanged`, plus conflicts if any.
/// An adoption counts once (`1 to adopt`), as everywhere ([`crate::plan::verdict::edits`]).
pub(crate) fn summary(z: &ZonePlan) -> String {
    let n = Counts::of(&edits(z));
    let adopt = if n.adopt > 0 {
        format!(" {} to adopt,", n.adopt)
    } else {
        String::new()
    };
    let mut line = format!(
        "{}: {} to create, {} to update,{adopt} {} to delete, {} unchanged",
        inert(&z.zone.name),
        n.create,
        n.update,
        n.delete,
        z.unchanged
    );
    if z.unmanaged > 0 {
        let n = z.unmanaged;
        let _ = write!(line, ", {n} other record{} left alone", plural(n));
    }
    if !z.conflicts.is_empty() {
        let n = z.conflicts.len();
        let _ = write!(
            line,
            "; {n} conflict{} (the plan cannot be applied)",
            plural(n)
        );
    }
    line
}

fn change(c: &Change, paint: Paint) -> String {
    let (sign, style) = match c.action {
        Action::Create => ("+ create", GREEN),
        Action::Update => ("~ update", YELLOW),
        Action::Delete => ("- delete", RED),
    };
    let detail = match (&c.before, &c.after) {
        (None, Some(after)) => format!("-> {}", describe(after)),
        (Some(before), None) => describe(before),
        (Some(before), Some(after)) => differences(before, after),
        (None, None) => String::new(),
    };
    // Record content comes from the zone, where anyone with DNS access can write it.
    let rest = inert(&format!("{} {} {detail}", c.name, c.kind));
    format!("{} {rest}", paint.on(style, sign))
}

/// `target (proxied)` or `target (not proxied, ttl 300)`.
pub(crate) fn describe(d: &RecordData) -> String {
    let proxy = if d.proxied {
        "proxied".to_owned()
    } else {
        format!("not proxied, {}", ttl(d.ttl))
    };
    format!("{} ({proxy})", d.content)
}

fn ttl(ttl: u32) -> String {
    if ttl == 1 {
        "ttl auto".into()
    } else {
        format!("ttl {ttl}")
    }
}

/// Only the fields that change: `content a -> b, proxied false -> true`.
pub(crate) fn differences(before: &RecordData, after: &RecordData) -> String {
    let mut parts = Vec::new();
    if before.content != after.content {
        parts.push(format!("content {} -> {}", before.content, after.content));
    }
    if before.proxied != after.proxied {
        parts.push(format!("proxied {} -> {}", before.proxied, after.proxied));
    }
    if before.ttl != after.ttl {
        parts.push(format!("{} -> {}", ttl(before.ttl), ttl(after.ttl)));
    }
    if before.comment != after.comment {
        parts.push(format!(
            "comment {} -> {}",
            quoted(&before.comment),
            quoted(&after.comment)
        ));
    }
    parts.join(", ")
}

fn quoted(c: &Option<String>) -> String {
    match c {
        Some(c) => format!("{c:?}"),
        None => "none".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::tests::realistic_plan;

    #[test]
    fn control_characters_from_the_zone_never_reach_the_terminal() {
        assert_eq!(super::inert("a\x1b[2Jb\nc"), "a\\u{1b}[2Jb\\nc");
    }

    #[test]
    fn warnings_wrap_to_the_width_under_their_text() {
        let mut plan = realistic_plan();
        let long = "word ".repeat(60);
        plan.zones[0].warnings = vec![crate::plan::Warning::Duplicate {
            name: long.trim().to_string(),
            line: 1,
        }];
        for width in [60, 100, 140] {
            let out = render_with(
                &plan,
                &[],
                &Verdict::of_plan(&plan),
                Options {
                    color: false,
                    width,
                },
            );
            let lines: Vec<&str> = out
                .lines()
                .skip_while(|l| !l.starts_with("  warning: word"))
                .take_while(|l| l.starts_with("  warning:") || l.starts_with("           word"))
                .collect();
            assert!(lines.len() > 1, "{out}");
            assert!(
                lines.iter().all(|l| l.chars().count() <= width),
                "{width}: {out}"
            );
            assert_eq!(lines.concat().matches("word").count(), 60, "{out}");
        }
        // A width too narrow to read is raised; `COLUMNS` parses or falls back to 100.
        assert_eq!(width_from(Some("132"), None), 132);
        assert_eq!(width_from(Some("wide"), None), DEFAULT_WIDTH);
        assert_eq!(width_from(Some("0"), None), DEFAULT_WIDTH);
        assert_eq!(width_from(None, None), DEFAULT_WIDTH);
        // The terminal's width when `COLUMNS` says nothing usable; `COLUMNS` wins when it does.
        assert_eq!(width_from(None, Some(57)), 57);
        assert_eq!(width_from(Some("wide"), Some(57)), 57);
        assert_eq!(width_from(Some("132"), Some(57)), 132);
        assert_eq!(width_from(None, Some(0)), DEFAULT_WIDTH);
        assert_eq!(wrap("a verylongword b", 4), ["a", "verylongword", "b"]);
    }

    #[test]
    fn the_summary_line_is_set_apart_with_the_fingerprint() {
        let plan = realistic_plan();
        let out = render(&plan, &[], &Verdict::of_plan(&plan), false);
        let fp = plan.fingerprint();
        assert!(
            out.ends_with(&format!(
                "\n\nPlan: 1 to create, 1 to update, 1 to adopt, 1 to delete.\nFingerprint: {fp}\n"
            )),
            "{out}"
        );
        let coloured = render(&plan, &[], &Verdict::of_plan(&plan), true);
        assert!(coloured.contains("\x1b[1mPlan: 1 to create"), "{coloured}");
    }

    #[test]
    fn no_changes_says_so() {
        let mut plan = realistic_plan();
        plan.zones[0].changes.clear();
        let out = render(&plan, &[], &Verdict::of_plan(&plan), false);
        assert!(
            out.contains("\n\nNo changes. The zones match the manifests.\nFingerprint: sha256:"),
            "{out}"
        );
        assert!(!out.contains("Plan:"), "{out}");
        assert!(!out.contains("batch requests"), "{out}");
    }

    #[test]
    fn the_prompt_names_the_fingerprint_and_chunks() {
        let mut plan = realistic_plan();
        let fp = plan.fingerprint();
        let p = prompt(&plan);
        assert_eq!(
            p,
            format!("Apply plan {fp} (5 changes)? Only 'yes' is accepted: ")
        );
        // A zone whose 5 changes go 2 at a time: three requests, not atomic together.
        plan.zones[0].zone.batch_limit = 2;
        let p = prompt(&plan);
        assert!(
            p.contains("example.com: the 5 changes go in 3 chunks of at most 2"),
            "{p}"
        );
        assert!(p.contains("not together"), "{p}");
        let out = render(&plan, &[], &Verdict::of_plan(&plan), false);
        assert!(
            out.contains("  5 changes go in 3 batch requests of at most 2 (the zone's limit)"),
            "{out}"
        );
    }
}
