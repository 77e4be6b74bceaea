//! The public check after apply: does `https://<public name><path>` answer, through Cloudflare?
//!
//! The user's goal is not a DNS record but a model answering at its public name. After an apply
//! that created a record, repointed one, or switched one from DNS-only to proxied, each such
//! endpoint with a `health` is requested at its public name, the endpoints concurrently, retrying
//! with backoff inside one bounded total (a new proxied name takes seconds to minutes to answer at
//! the edge). Each result says whether the answer came through Cloudflare (a `cf-ray` header) and,
//! on failure, what the status means in words. Requests go through the same guarded resolver and
//! trust as the origin probes, and carry no credentials.
//!
//! Cloudflare's own 5xx codes and limits: docs/origins.md,
//! <https://developers.cloudflare.com/support/troubleshooting/http-status-codes/cloudflare-5xx-errors/>.

use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::Url;

use super::probe::Prober;
use super::{ProbeOutcome, Reach, health_url};
use crate::plan::{Action, Desired, Health, ZonePlan};

/// How long the whole check may take, all endpoints and retries together, by default.
pub(crate) const DEFAULT_TOTAL: Duration = Duration::from_secs(120);

/// One public URL to check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicTarget {
    /// The endpoint's FQDN.
    pub name: String,
    pub url: Url,
}

/// How the check runs.
#[derive(Debug, Clone)]
pub struct PublicOptions {
    /// For the whole check.
    pub total: Duration,
    /// For one request.
    pub per_request: Duration,
    /// The first wait between attempts; doubled each time, at most 10 s.
    pub first_wait: Duration,
    pub concurrency: usize,
    pub reach: Reach,
}

impl Default for PublicOptions {
    fn default() -> Self {
        PublicOptions {
            total: DEFAULT_TOTAL,
            per_request: Duration::from_secs(10),
            first_wait: Duration::from_secs(1),
            concurrency: 8,
            reach: Reach::default(),
        }
    }
}

/// What the check found for one endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicResult {
    pub name: String,
    pub url: String,
    /// The last attempt's outcome: healthy on 2xx/3xx, else the status or failure in words.
    pub outcome: ProbeOutcome,
    /// The last attempt's time to the response headers.
    pub latency_ms: u64,
    /// The answer carried `cf-ray`: it came through Cloudflare's edge.
    pub via_cloudflare: bool,
    pub cf_ray: Option<String>,
    pub attempts: u32,
}

/// The endpoints an apply of `plan` makes newly reachable at their public name: a created record,
/// a repointed one, or one switched from DNS-only to proxied; only those with a `health`.
pub(crate) fn targets(plan: &ZonePlan, desired: &Desired) -> Vec<PublicTarget> {
    let mut out = Vec::new();
    for change in &plan.changes {
        let newly = match (change.action, &change.before, &change.after) {
            (Action::Create, _, Some(_)) => true,
            (Action::Update, Some(before), Some(after)) => {
                before.content != after.content || (!before.proxied && after.proxied)
            }
            _ => false,
        };
        if !newly {
            continue;
        }
        let Some(endpoint) = desired
            .endpoints
            .iter()
            .find(|e| crate::plan::normalise::name(&e.name) == change.name)
        else {
            continue;
        };
        let Some(health) = &endpoint.health else {
            continue;
        };
        // A wildcard is no one name to request (and no TLS server name): not checked.
        if change.name.starts_with("*.") {
            continue;
        }
        if let Some(url) = public_url(&change.name, health) {
            out.push(PublicTarget {
                name: change.name.clone(),
                url,
            });
        }
    }
    out
}

/// `https://<name><path>`: a `health` path as it is, a `health` URL's path and query on the
/// public name.
fn public_url(name: &str, health: &Health) -> Option<Url> {
    let path = match health {
        Health::Path(path) => path.clone(),
        Health::Url(raw) => {
            let url = Url::parse(raw).ok()?;
            match url.query() {
                Some(q) => format!("{}?{q}", url.path()),
                None => url.path().to_string(),
            }
        }
    };
    health_url(name, &Health::Path(path)).ok()
}

/// Checks every target, at most `options.concurrency` at a time, each retried until it answers
/// 2xx/3xx, answers with a status retrying cannot change, or the total runs out.
pub async fn check_all(targets: &[PublicTarget], options: &PublicOptions) -> Vec<PublicResult> {
    let prober = Arc::new(Prober::new(options.per_request, &options.reach));
    let deadline = Instant::now() + options.total;
    let permits = Arc::new(tokio::sync::Semaphore::new(options.concurrency.max(1)));
    let mut tasks = tokio::task::JoinSet::new();
    for (index, target) in targets.iter().cloned().enumerate() {
        let (prober, permits, first_wait) = (prober.clone(), permits.clone(), options.first_wait);
        tasks.spawn(async move {
            (
                index,
                check_one(&prober, &permits, target, deadline, first_wait).await,
            )
        });
    }
    let mut done = Vec::with_capacity(targets.len());
    while let Some(joined) = tasks.join_next().await {
        if let Ok(result) = joined {
            done.push(result);
        }
    }
    done.sort_by_key(|(index, _)| *index);
    done.into_iter().map(|(_, result)| result).collect()
}

/// One target's attempts. A permit is held for each request, not across the waits between
/// them, so a name that keeps failing does not keep the others from their turn.
async fn check_one(
    prober: &Prober,
    permits: &tokio::sync::Semaphore,
    target: PublicTarget,
    deadline: Instant,
    first_wait: Duration,
) -> PublicResult {
    let mut wait = first_wait;
    let mut attempts = 0;
    loop {
        attempts += 1;
        // No attempt runs past the check's bound, whatever the per-request timeout.
        let permit = permits.acquire().await.ok();
        let left = deadline.saturating_duration_since(Instant::now());
        let (answer, latency_ms) =
            match tokio::time::timeout(left, prober.fetch(&target.url, None)).await {
                Ok(fetched) => fetched,
                Err(_) => (
                    Err("no answer before the public check's time ran out".to_string()),
                    u64::try_from(left.as_millis()).unwrap_or(u64::MAX),
                ),
            };
        drop(permit);
        let (outcome, cf_ray, settled) = match answer {
            Ok(answer) => {
                let status = answer.status.as_u16();
                let via = answer.cf_ray.is_some();
                let outcome = match super::probe::classify(answer.status) {
                    ProbeOutcome::Healthy { status } => ProbeOutcome::Healthy { status },
                    ProbeOutcome::Failed { .. } => ProbeOutcome::Failed {
                        reason: meaning(status, via),
                        status: Some(status),
                    },
                };
                // A 4xx other than 408/429 will not change by waiting; 5xx and the edge's 52x
                // may, while a new name settles.
                let settled = outcome.is_healthy()
                    || ((400..500).contains(&status) && !matches!(status, 408 | 429));
                (outcome, answer.cf_ray, settled)
            }
            Err(reason) => {
                let settled = reason.starts_with("not probed");
                (
                    ProbeOutcome::Failed {
                        reason: not_yet(&reason),
                        status: None,
                    },
                    None,
                    settled,
                )
            }
        };
        let out_of_time = Instant::now() + wait >= deadline;
        if settled || out_of_time {
            return PublicResult {
                name: target.name,
                url: target.url.to_string(),
                outcome,
                latency_ms,
                via_cloudflare: cf_ray.is_some(),
                cf_ray,
                attempts,
            };
        }
        tokio::time::sleep(wait).await;
        wait = (wait * 2).min(Duration::from_secs(10));
    }
}

/// A failed request in words, with what it usually means this soon after an apply.
fn not_yet(reason: &str) -> String {
    if reason.starts_with("DNS lookup failed") {
        // The prober words it for an origin; here the name is the public one.
        let reason = reason.replace("the origin's hostname", "the public name");
        format!("{reason} (the new name is not visible to this runner's resolver yet)")
    } else {
        reason.to_string()
    }
}

/// What a status means for a model behind Cloudflare: the edge's own 52x codes and the proxy's
/// limits in words (docs/origins.md says more, with sources).
pub(crate) fn meaning(status: u16, via_cloudflare: bool) -> String {
    let edge = |words: &str| format!("HTTP {status} from Cloudflare: {words}");
    if !via_cloudflare {
        return format!(
            "HTTP {status}, not through Cloudflare (no cf-ray header): the name does not reach Cloudflare's proxy yet, or something in front of it answered"
        );
    }
    match status {
        520 => edge("the origin sent an empty or unexpected answer"),
        521 => edge("the origin refused the connection"),
        522 => edge("the connection to the origin timed out"),
        523 => edge("the origin is unreachable (its address or route)"),
        524 => edge(
            "the origin took longer than the proxy waits for a response (100 s on most plans); stream long generations or make them asynchronous",
        ),
        525 => edge("the TLS handshake with the origin failed"),
        526 => edge("the origin's certificate is not valid for the zone's Full (strict) TLS mode"),
        530 => edge("the origin could not be resolved or reached (a 1xxx error page)"),
        413 => edge(
            "the request body is larger than the plan accepts (100 MB on Free and Pro, 200 MB on Business)",
        ),
        _ => format!("HTTP {status} through Cloudflare"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::test_support::{desired, endpoint, zone_plan};
    use crate::plan::{Change, RecordData, RecordType};

    fn data(content: &str, proxied: bool) -> RecordData {
        RecordData {
            content: content.into(),
            proxied,
            ttl: 1,
            comment: Some("edgeplan:ml".into()),
        }
    }

    fn change(
        action: Action,
        label: &str,
        before: Option<RecordData>,
        after: Option<RecordData>,
    ) -> Change {
        Change {
            action,
            name: format!("{label}.example.com"),
            kind: RecordType::Cname,
            id: (action != Action::Create).then(|| format!("id-{label}")),
            before,
            after,
        }
    }

    #[test]
    fn created_repointed_and_newly_proxied_names_are_checked_and_nothing_else() {
        let mut endpoints = Vec::new();
        for label in ["new", "moved", "proxied", "comment", "bare", "*.models"] {
            let mut e = endpoint(label, "o.example.net");
            if label != "bare" {
                e.health = Some(Health::Url("https://o.example.net/healthz?deep=1".into()));
            }
            endpoints.push(e);
        }
        let d = desired(endpoints);
        let mut plan = zone_plan(0);
        let o = || data("o.example.net", true);
        plan.changes = vec![
            change(Action::Create, "new", None, Some(o())),
            change(
                Action::Update,
                "moved",
                Some(data("old.example.net", true)),
                Some(o()),
            ),
            change(
                Action::Update,
                "proxied",
                Some(data("o.example.net", false)),
                Some(o()),
            ),
            change(Action::Update, "comment", Some(o()), Some(o())),
            change(Action::Create, "bare", None, Some(o())),
            // A wildcard is no one name to request.
            change(Action::Create, "*.models", None, Some(o())),
            change(Action::Delete, "gone", Some(o()), None),
        ];
        let found: Vec<String> = targets(&plan, &d)
            .iter()
            .map(|t| t.url.to_string())
            .collect();
        assert_eq!(
            found,
            [
                "https://new.example.com/healthz?deep=1",
                "https://moved.example.com/healthz?deep=1",
                "https://proxied.example.com/healthz?deep=1",
            ]
        );
    }

    #[test]
    fn a_name_not_resolving_yet_is_said_to_be_the_public_one() {
        let words = not_yet("DNS lookup failed: no A or AAAA record for the origin's hostname");
        assert!(
            words.contains("no A or AAAA record for the public name"),
            "{words}"
        );
        assert!(
            words.contains("not visible to this runner's resolver yet"),
            "{words}"
        );
        assert_eq!(not_yet("connection refused"), "connection refused");
    }

    #[test]
    fn the_edge_codes_are_explained() {
        assert!(meaning(522, true).contains("timed out"));
        assert!(meaning(524, true).contains("100 s"));
        assert!(meaning(525, true).contains("TLS handshake"));
        assert!(meaning(526, true).contains("Full (strict)"));
        assert!(meaning(413, true).contains("100 MB"));
        assert!(meaning(200, false).contains("not through Cloudflare"));
    }
}
