//! The public check after apply, presented: text for the terminal and the log, Markdown for the
//! step summary and the merged pull request's report, and the JSON of the `public-health` output.
//!
//! Every value here comes from a manifest (the name, the path) or from whatever answered at the
//! public name (`cf-ray`, error text): made inert for the terminal ([`crate::render::inert`]) and
//! escaped or put in code spans for Markdown. What the check does is in `health::public`;
//! docs/apply.md describes the output.

use serde::Serialize;

use super::escape::{code, escape, table};
use super::inert::inert;
use crate::health::ProbeOutcome;
use crate::health::public::PublicResult;

/// Whether a failure fails the step (`public-check: fail`) or only warns: it changes the words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stakes {
    Warn,
    Fail,
}

/// One line per endpoint under a heading; empty when nothing was checked.
pub(crate) fn text(results: &[PublicResult], stakes: Stakes) -> String {
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
pub(crate) fn markdown(results: &[PublicResult], stakes: Stakes) -> String {
    if results.is_empty() {
        return String::new();
    }
    // Four columns, so the table fits a pull request comment; latency and attempts go with the
    // result.
    let rows = results.iter().map(|r| {
        let via = match (&r.cf_ray, r.via_cloudflare) {
            (Some(ray), true) => format!("yes, cf-ray {}", code(ray)),
            (_, true) => "yes".to_string(),
            (_, false) => "no".to_string(),
        };
        let result = match &r.outcome {
            ProbeOutcome::Healthy { .. } => "ok".to_string(),
            ProbeOutcome::Failed { reason, .. } => escape(reason),
        };
        vec![
            code(&r.url),
            status(&r.outcome).map_or("-".to_string(), |s| s.to_string()),
            via,
            format!("{result} ({} ms, {})", r.latency_ms, attempts(r.attempts)),
        ]
    });
    format!(
        "#### Public check\n\n{}\n\n{}",
        escape(&capitalised(&headline(results, stakes))),
        table(
            "| endpoint | status | through Cloudflare | result |\n|---|---:|---|---|\n",
            rows
        )
    )
}

fn capitalised(s: &str) -> String {
    let mut chars = s.chars();
    chars.next().map_or(String::new(), |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

/// The `public-health` output: one object per endpoint checked.
pub(crate) fn json(results: &[PublicResult]) -> String {
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
                ProbeOutcome::Healthy { .. } => None,
                ProbeOutcome::Failed { reason, .. } => Some(reason),
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
pub(crate) fn failed(results: &[PublicResult]) -> Vec<&PublicResult> {
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

fn status(outcome: &ProbeOutcome) -> Option<u16> {
    match outcome {
        ProbeOutcome::Healthy { status } => Some(*status),
        ProbeOutcome::Failed { status, .. } => *status,
    }
}

/// `1 attempt`, `3 attempts`.
fn attempts(n: u32) -> String {
    match n {
        1 => "1 attempt".to_string(),
        n => format!("{n} attempts"),
    }
}

/// `HTTP 200 in 35 ms, through Cloudflare (cf-ray ...)`, or the reason it failed.
fn detail(r: &PublicResult) -> String {
    let attempts = attempts(r.attempts);
    let via = match &r.cf_ray {
        Some(ray) => format!("through Cloudflare (cf-ray {ray})"),
        None => "not through Cloudflare (no cf-ray header)".to_string(),
    };
    match &r.outcome {
        ProbeOutcome::Healthy { status } => {
            format!("HTTP {status} in {} ms, {via}, {attempts}", r.latency_ms)
        }
        ProbeOutcome::Failed { reason, .. } => format!("{reason} ({attempts})"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(outcome: ProbeOutcome, cf_ray: Option<&str>) -> PublicResult {
        PublicResult {
            name: "a.example.com".into(),
            url: "https://a.example.com/h|x".into(),
            outcome,
            latency_ms: 12,
            via_cloudflare: cf_ray.is_some(),
            cf_ray: cf_ray.map(str::to_string),
            attempts: 2,
        }
    }

    #[test]
    fn hostile_answers_stay_inert_in_every_format() {
        // A `cf-ray` and a reason as an answer at the public name could send them.
        let evil = "x\n::error::owned @team <img src=x>";
        let results = [
            result(ProbeOutcome::Healthy { status: 200 }, Some(evil)),
            result(
                ProbeOutcome::Failed {
                    reason: format!("TLS error: {evil}"),
                    status: None,
                },
                None,
            ),
        ];
        let text = text(&results, Stakes::Warn);
        assert!(
            text.lines().all(|l| !l.trim_start().starts_with("::")),
            "{text}"
        );
        assert_eq!(text.lines().count(), 3, "one line per endpoint: {text}");
        let md = markdown(&results, Stakes::Fail);
        // In a code span a value is literal; in prose HTML and mentions are escaped.
        assert!(
            md.contains("| yes, cf-ray `x ::error::owned @team <img src=x>` |"),
            "{md}"
        );
        assert!(md.contains("@&#8203;team &lt;img src=x&gt; ("), "{md}");
        assert!(md.contains("`https://a.example.com/h\\|x`"), "{md}");
        assert!(md.contains("1 of 2 failed (the step fails"), "{md}");
        let json: serde_json::Value = serde_json::from_str(&json(&results)).expect("JSON");
        assert_eq!(json[0]["cf_ray"], evil);
        assert_eq!(json[1]["status"], serde_json::Value::Null);
        assert_eq!(json[1]["ok"], false);
    }

    #[test]
    fn nothing_checked_renders_nothing_and_the_section_goes_before_the_run_link() {
        assert_eq!(text(&[], Stakes::Warn), "");
        assert_eq!(markdown(&[], Stakes::Warn), "");
        let body = crate::render::comment::applied(
            &[],
            &[],
            false,
            None,
            "sha256:f",
            "#### Public check\n",
            Some("u"),
        );
        assert!(
            body.ends_with(
                "#### Public check\n\nPlan fingerprint: `sha256:f`\n\n[Workflow run](u)\n"
            ),
            "{body}"
        );
    }
}
