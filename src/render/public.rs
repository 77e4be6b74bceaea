//! The public check after apply, presented: text for the terminal and the log, Markdown for the
//! step summary and the merged pull request's report, and the JSON of the `public-health` output.
//!
//! Every value here comes from a manifest (the name, the path) or from whatever answered at the
//! public name (`cf-ray`, error text): made inert for the terminal ([`crate::render::inert`]) and
//! escaped or put in code spans for Markdown. What the check does is in `health::public`;
//! docs/apply.md describes the output.

use serde::Serialize;

use super::escape::{code, escape};
use super::inert::inert;
use crate::health::Outcome;
use crate::health::public::PublicResult;

/// Whether a failure fails the step (`public-check: fail`) or only warns: it changes the words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stakes {
    Warn,
    Fail,
}

/// One line per endpoint under a heading; empty when nothing was checked.
pub fn text(results: &[PublicResult], stakes: Stakes) -> String {
    if results.is_empty() {
        return String::new();
    }
    let mut out = format!("Public check: {}\n", headline(results, stakes));
    for r in results {
        let mark = if r.outcome.is_healthy() {
            "ok  "
        } else {
            "FAIL"
        };
        out.push_str(&format!(
            "  {mark} {}  {}\n",
            inert(&r.url),
            inert(&detail(r))
        ));
    }
    out
}

/// A section for the step summary and the apply report; empty when nothing was checked.
pub fn markdown(results: &[PublicResult], stakes: Stakes) -> String {
    if results.is_empty() {
        return String::new();
    }
    let mut out = format!(
        "#### Public check\n\n{}\n\n| endpoint | status | through Cloudflare | cf-ray | latency | attempts | result |\n|---|---:|---|---|---:|---:|---|\n",
        escape(&capitalised(&headline(results, stakes)))
    );
    for r in results {
        let status = status(&r.outcome).map_or("-".to_string(), |s| s.to_string());
        let ray = r.cf_ray.as_deref().map_or("-".to_string(), code);
        let result = match &r.outcome {
            Outcome::Healthy { .. } => "ok".to_string(),
            Outcome::Failed { reason, .. } => escape(reason),
        };
        out.push_str(&format!(
            "| {} | {status} | {} | {ray} | {} ms | {} | {result} |\n",
            code(&r.url),
            if r.via_cloudflare { "yes" } else { "no" },
            r.latency_ms,
            r.attempts,
        ));
    }
    out
}

/// `body` (the apply report) with `section` before its closing `[Workflow run](...)` link, or at
/// its end when it has none.
pub fn insert(body: &mut String, section: &str) {
    if section.is_empty() {
        return;
    }
    match body.rfind("\n[Workflow run](") {
        Some(i) => body.insert_str(i + 1, &format!("{section}\n")),
        None => body.push_str(&format!("\n{section}")),
    }
}

fn capitalised(s: &str) -> String {
    let mut chars = s.chars();
    chars.next().map_or(String::new(), |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

/// The `public-health` output: one object per endpoint checked.
pub fn json(results: &[PublicResult]) -> String {
    let rows: Vec<Row<'_>> = results
        .iter()
        .map(|r| Row {
            name: &r.name,
            url: &r.url,
            status: status(&r.outcome),
            latency_ms: r.latency_ms,
            through_cloudflare: r.via_cloudflare,
            cf_ray: r.cf_ray.as_deref(),
            ok: r.outcome.is_healthy(),
            reason: match &r.outcome {
                Outcome::Healthy { .. } => None,
                Outcome::Failed { reason, .. } => Some(reason),
            },
            attempts: r.attempts,
        })
        .collect();
    serde_json::to_string(&rows).unwrap_or_else(|_| "[]".to_string())
}

/// The wire shape of one `public-health` entry (docs/action.md, Outputs).
#[derive(Serialize)]
struct Row<'a> {
    name: &'a str,
    url: &'a str,
    status: Option<u16>,
    latency_ms: u64,
    through_cloudflare: bool,
    cf_ray: Option<&'a str>,
    ok: bool,
    reason: Option<&'a str>,
    attempts: u32,
}

/// The names that failed, for a warning or an error line.
pub fn failed(results: &[PublicResult]) -> Vec<&PublicResult> {
    results.iter().filter(|r| !r.outcome.is_healthy()).collect()
}

fn headline(results: &[PublicResult], stakes: Stakes) -> String {
    let n = results.len();
    let bad = failed(results).len();
    let direct = results
        .iter()
        .filter(|r| r.outcome.is_healthy() && !r.via_cloudflare)
        .count();
    if bad > 0 {
        let consequence = match stakes {
            Stakes::Warn => "a warning: the DNS change is applied and stays",
            Stakes::Fail => {
                "the step fails (public-check: fail); the DNS change is applied and stays"
            }
        };
        return format!("{bad} of {n} failed ({consequence}).");
    }
    if direct > 0 {
        return format!(
            "{direct} of {n} answered, but not through Cloudflare (no cf-ray header): the name does not reach Cloudflare's proxy yet, or the record is DNS-only."
        );
    }
    if n == 1 {
        "the endpoint answers at its public name through Cloudflare.".to_string()
    } else {
        format!("all {n} endpoints answer at their public names through Cloudflare.")
    }
}

fn status(outcome: &Outcome) -> Option<u16> {
    match outcome {
        Outcome::Healthy { status } => Some(*status),
        Outcome::Failed { status, .. } => *status,
    }
}

/// `HTTP 200 in 35 ms, through Cloudflare (cf-ray ...)`, or the reason it failed.
fn detail(r: &PublicResult) -> String {
    let attempts = match r.attempts {
        1 => "1 attempt".to_string(),
        n => format!("{n} attempts"),
    };
    let via = match (&r.cf_ray, r.via_cloudflare) {
        (Some(ray), _) => format!("through Cloudflare (cf-ray {ray})"),
        _ => "not through Cloudflare (no cf-ray header)".to_string(),
    };
    match &r.outcome {
        Outcome::Healthy { status } => {
            format!("HTTP {status} in {} ms, {via}, {attempts}", r.latency_ms)
        }
        Outcome::Failed { reason, .. } => format!("{reason} ({attempts})"),
    }
}
