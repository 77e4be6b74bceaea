//! The plan for a person at a terminal: one line per change, `+` create, `~` update, `-` delete,
//! with before -> after for what changed, then conflicts, warnings and a summary line per zone.
//!
//! Colour is the caller's decision (`color`): on a terminal unless `NO_COLOR` is set
//! (<https://no-color.org/>); the renderer itself never looks at the environment, so output is a
//! pure function of its arguments.

use std::fmt::Write;

use super::inert::{inert, inert_lines};
use crate::health::ProbeResult;
use crate::plan::{Action, Change, Holder, Plan, RecordData, ZonePlan};

const RED: &str = "\x1b[31m";
const GREEN: &str = "\x1b[32m";
const YELLOW: &str = "\x1b[33m";
const BOLD: &str = "\x1b[1m";
const RESET: &str = "\x1b[0m";

/// Renders the whole plan; ANSI colour only when `color`.
pub fn render(plan: &Plan, probes: &[ProbeResult], color: bool) -> String {
    let paint = Paint(color);
    let mut out = String::new();
    for (i, z) in plan.zones.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        zone(&mut out, z, paint);
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
                let _ = writeln!(out, "  {} {}", paint.on(YELLOW, "warning:"), inert(&w));
            }
        }
    }
    // Every value above is already inert; this guards the assembled lines as well.
    inert_lines(&out)
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

fn zone(out: &mut String, z: &ZonePlan, paint: Paint) {
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
        let _ = writeln!(out, "  {} {}", paint.on(YELLOW, "warning:"), inert(w));
    }
    let _ = writeln!(out, "  {}", summary(z));
}

/// `example.com: 1 to create, 1 to update, 1 to delete, 4 unchanged`, plus conflicts if any.
pub fn summary(z: &ZonePlan) -> String {
    let mut line = format!(
        "{}: {} to create, {} to update, {} to delete, {} unchanged",
        inert(&z.zone.name),
        z.count(Action::Create),
        z.count(Action::Update),
        z.count(Action::Delete),
        z.unchanged
    );
    if !z.conflicts.is_empty() {
        let n = z.conflicts.len();
        let _ = write!(
            line,
            "; {n} conflict{} (the plan cannot be applied)",
            if n == 1 { "" } else { "s" }
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
pub fn describe(d: &RecordData) -> String {
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
pub fn differences(before: &RecordData, after: &RecordData) -> String {
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
    #[test]
    fn control_characters_from_the_zone_never_reach_the_terminal() {
        assert_eq!(super::inert("a\x1b[2Jb\nc"), "a\\u{1b}[2Jb\\nc");
    }
}
