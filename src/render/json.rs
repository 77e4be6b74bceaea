//! The plan JSON, version 1 (documented in docs/plan-json.md, schema in
//! docs/plan.schema.json): the plan's wire form ([`crate::plan::wire`]) with its fingerprint,
//! and beside it the origin probes of this run (`health`) and the verdict (`verdict`: refused or
//! not, why, and the counts of edits), which are not part of the fingerprint: latency differs
//! from one run to the next, and the verdict depends on the run's flags.

use serde::Serialize;

use crate::health::{HostCheck, ProbeOutcome, ProbeResult};
use crate::plan::Plan;
use crate::plan::verdict::{Counts, Origins, Reason, Verdict};
use crate::plan::wire::{self, ZoneJson};

pub(crate) use crate::plan::wire::VERSION;

#[derive(Serialize)]
struct PlanJson<'a> {
    version: u32,
    fingerprint: String,
    has_changes: bool,
    zones: Vec<ZoneJson<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    health: Vec<ProbeJson<'a>>,
    /// Whether the plan may be applied, and why not; the counts of edits (an adoption once).
    /// Beside the plan, not in its fingerprint.
    verdict: VerdictJson<'a>,
}

#[derive(Serialize)]
struct VerdictJson<'a> {
    refused: bool,
    origins_checked: bool,
    changes: CountsJson,
    zones: Vec<ZoneVerdictJson<'a>>,
    /// Reasons of the whole run, which only the Action decides (never in `edgeplan plan`'s
    /// JSON): the plan is not the reviewed one, a stale commit.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    run_refused: Vec<ReasonJson<'a>>,
}

#[derive(Serialize)]
struct CountsJson {
    create: usize,
    update: usize,
    adopt: usize,
    delete: usize,
    total: usize,
}

#[derive(Serialize)]
struct ZoneVerdictJson<'a> {
    zone: &'a str,
    owner: &'a str,
    changes: CountsJson,
    batches: usize,
    refused: Vec<ReasonJson<'a>>,
}

/// One reason to refuse: its kind and the names it refuses.
#[derive(Serialize)]
struct ReasonJson<'a> {
    reason: &'static str,
    names: Vec<&'a str>,
}

fn counts(n: &Counts) -> CountsJson {
    CountsJson {
        create: n.create,
        update: n.update,
        adopt: n.adopt,
        delete: n.delete,
        total: n.total(),
    }
}

fn verdict(v: &Verdict) -> VerdictJson<'_> {
    VerdictJson {
        refused: v.refused(),
        origins_checked: v.origins == Origins::Checked,
        changes: counts(&v.counts()),
        zones: (v.zones.iter())
            .map(|z| ZoneVerdictJson {
                zone: &z.zone,
                owner: &z.owner,
                changes: counts(&z.counts),
                batches: z.batches,
                refused: z.reasons.iter().map(reason).collect(),
            })
            .collect(),
        run_refused: v.run_reasons.iter().map(reason).collect(),
    }
}

fn reason(r: &Reason) -> ReasonJson<'_> {
    ReasonJson {
        reason: match r {
            Reason::Conflicts(_) => "conflicts",
            Reason::LongComments(_) => "long_comments",
            Reason::MassDelete(_) => "mass_delete",
            Reason::FailedOrigins(_) => "failed_origins",
            Reason::NotReviewed { .. } => "not_reviewed",
            Reason::StaleCommit(_) => "stale_commit",
            Reason::EventRule(_) => "event_rule",
        },
        names: r.names(),
    }
}

/// One origin probe, as the plan JSON's `health` array shows it.
#[derive(Serialize)]
struct ProbeJson<'a> {
    name: &'a str,
    target: &'a str,
    url: &'a str,
    outcome: OutcomeJson<'a>,
    latency_ms: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    public_host: Option<HostCheckJson<'a>>,
}

#[derive(Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
enum OutcomeJson<'a> {
    Healthy {
        status: u16,
    },
    Failed {
        reason: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        status: Option<u16>,
    },
}

#[derive(Serialize)]
struct HostCheckJson<'a> {
    host: &'a str,
    outcome: OutcomeJson<'a>,
}

/// The plan JSON as written by `plan --format json`: pretty, with its fingerprint, the
/// origin probes and the verdict, newline-ended.
pub fn render(plan: &Plan, probes: &[ProbeResult], v: &Verdict) -> String {
    let doc = PlanJson {
        version: VERSION,
        fingerprint: plan.fingerprint(),
        has_changes: plan.has_changes(),
        zones: wire::zones(plan),
        health: probes.iter().map(probe).collect(),
        verdict: verdict(v),
    };
    let mut out = serde_json::to_string_pretty(&doc).unwrap_or_default();
    out.push('\n');
    out
}

fn probe(p: &ProbeResult) -> ProbeJson<'_> {
    ProbeJson {
        name: &p.name,
        target: &p.target,
        url: &p.url,
        outcome: outcome(&p.outcome),
        latency_ms: p.latency_ms,
        public_host: p.public_host.as_ref().map(host_check),
    }
}

fn outcome(o: &ProbeOutcome) -> OutcomeJson<'_> {
    match o {
        ProbeOutcome::Healthy { status } => OutcomeJson::Healthy { status: *status },
        ProbeOutcome::Failed { reason, status } => OutcomeJson::Failed {
            reason,
            status: *status,
        },
    }
}

fn host_check(h: &HostCheck) -> HostCheckJson<'_> {
    HostCheckJson {
        host: &h.host,
        outcome: outcome(&h.outcome),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::health::tests::{failed, result as probe};

    fn health(probes: &[ProbeResult]) -> serde_json::Value {
        let text = render(
            &Plan::default(),
            probes,
            &Verdict::of_plan(&Plan::default()),
        );
        let doc: serde_json::Value = serde_json::from_str(&text).expect("json");
        doc["health"].clone()
    }

    #[test]
    fn probe_results_in_the_plan_json() {
        let r = probe(
            ProbeOutcome::Healthy { status: 200 },
            Some(failed("HTTP 404", Some(404))),
        );
        assert_eq!(
            health(&[r])[0],
            serde_json::json!({
                "name": "sentiment.example.com",
                "target": "sentiment-abc-uc.a.run.app",
                "url": "https://sentiment-abc-uc.a.run.app/healthz",
                "outcome": {"state": "healthy", "status": 200},
                "latency_ms": 42,
                "public_host": {"host": "sentiment.example.com",
                                "outcome": {"state": "failed", "reason": "HTTP 404", "status": 404}}
            })
        );
        let timeout = health(&[probe(failed("timed out after 5000 ms", None), None)]);
        assert_eq!(
            timeout[0]["outcome"],
            serde_json::json!({"state": "failed", "reason": "timed out after 5000 ms"})
        );
        assert!(timeout[0].get("public_host").is_none());
        assert!(health(&[]).is_null(), "no probes, no `health` member");
    }
}
