//! Origin preflight: never point a model endpoint at an origin that cannot serve it.
//!
//! An endpoint's `health` (docs/manifest.md) names a path, probed at
//! `https://<target><path>`, or a full URL. [`probe_all`] GETs each one with bounded concurrency
//! and a short timeout and reports status and latency for the plan's text, markdown and JSON
//! outputs; `apply` refuses to create or repoint a record at an origin whose probe failed
//! ([`crate::plan::verdict::Reason::FailedOrigins`]) unless `--skip-health` is given.
//!
//! A healthy origin can still fail behind Cloudflare: a proxied CNAME makes Cloudflare send
//! `Host: <public name>`, and many platforms route on that header. So each origin is probed a
//! second time with `Host` set to the endpoint's public name (when the probe URL is on the
//! target itself), and a difference between the two answers becomes a warning naming the fix:
//! a custom domain on the platform, or a Cloudflare Origin Rule that rewrites the Host header
//! (<https://developers.cloudflare.com/rules/origin-rules/features/#host-header>). The second
//! probe is an approximation: its TLS SNI still names the target, whatever Cloudflare will send,
//! so it detects Host-based routing, not whether the origin's certificate covers the public name.
//! [`origin_hint`] adds what is known about the platform from its hostname alone.
//!
//! Probes use their own HTTP client, never the Cloudflare or GitHub clients, and send no
//! `Authorization` header, cookie or token of any kind.

mod hint;
mod probe;
pub mod public;
mod resolve;
mod url;

use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use crate::plan::{Action, Desired, Endpoint, ZonePlan};

pub(crate) use hint::{ORIGIN_RULE_DOCS, origin_hint};
pub(crate) use url::health_url;

/// The environment variable that overrides the per-probe timeout, in milliseconds (for tests).
pub(crate) const TIMEOUT_ENV: &str = "EDGEPLAN_HEALTH_TIMEOUT_MS";

/// The environment variable that sets the bound on the whole probe phase, in whole seconds.
pub const TOTAL_ENV: &str = "EDGEPLAN_HEALTH_TOTAL_TIMEOUT";

/// The default bound on the whole probe phase.
pub const DEFAULT_TOTAL: Duration = Duration::from_secs(60);

/// The proxy variables probes and the public check ignore (reqwest's defaults, as GitHub
/// documents them for self-hosted runners), in the order they are named when one is set.
pub(crate) const PROXY_ENVS: [&str; 6] = [
    "HTTPS_PROXY",
    "https_proxy",
    "ALL_PROXY",
    "all_proxy",
    "HTTP_PROXY",
    "http_proxy",
];

/// How probes run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProbeOptions {
    /// Per request: connect, TLS and response headers together. Default 5 s.
    pub timeout: Duration,
    /// The whole probe phase: an endpoint not probed within it is a failed probe. Default 60 s.
    pub total: Duration,
    /// Most origins probed at the same time. Default 8; 0 is read as 1.
    pub concurrency: usize,
    /// Also probe with `Host: <endpoint name>` to find origins that reject the public name.
    /// Default true.
    pub public_host_check: bool,
    pub reach: Reach,
}

/// How requests reach a name, for the origin probes and the public check alike.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reach {
    /// `EDGEPLAN_RESOLVE`: names answered from this table instead of DNS (a test seam; the
    /// address guard applies to these addresses too).
    pub resolve: Vec<(String, SocketAddr)>,
    /// The authorities trusted besides the built-in roots (`run::Settings::trust`: the system
    /// store and `SSL_CERT_FILE`); `None`: the built-in roots only.
    pub trust: Option<Arc<crate::tls::Trust>>,
    /// The first proxy variable of [`PROXY_ENVS`] set in the environment, if any. Probes never
    /// use it; a probe that cannot connect names it and `skip-health`.
    pub proxy_set: Option<&'static str>,
}

impl Default for ProbeOptions {
    fn default() -> Self {
        ProbeOptions {
            timeout: Duration::from_secs(5),
            total: DEFAULT_TOTAL,
            concurrency: 8,
            public_host_check: true,
            reach: Reach::default(),
        }
    }
}

impl ProbeOptions {
    /// The defaults, with the timeout from `timeout` (the content of `EDGEPLAN_HEALTH_TIMEOUT_MS`),
    /// the phase's bound from `total` (`EDGEPLAN_HEALTH_TOTAL_TIMEOUT`) and the resolve table
    /// from `resolve` (`EDGEPLAN_RESOLVE`) when they are set. The caller reads the environment
    /// (`run::Settings`).
    pub(crate) fn from_values(
        timeout: Option<&str>,
        total: Option<&str>,
        resolve: Option<&str>,
    ) -> Result<ProbeOptions, TimeoutEnvError> {
        let mut options = ProbeOptions::with_timeout_env(timeout)?;
        if let Some(raw) = total.filter(|v| !v.trim().is_empty()) {
            match raw.trim().parse::<u64>() {
                Ok(secs @ 1..=MAX_TOTAL_SECS) => options.total = Duration::from_secs(secs),
                _ => {
                    return Err(TimeoutEnvError {
                        name: TOTAL_ENV,
                        value: raw.to_string(),
                        expected: "whole seconds between 1 and 3600, or unset it for the default 60",
                    });
                }
            }
        }
        if let Some(raw) = resolve {
            options.reach.resolve = parse_resolve(raw).map_err(|value| TimeoutEnvError {
                name: RESOLVE_ENV,
                value,
                expected: "NAME=IP:PORT[,NAME=IP:PORT...]",
            })?;
        }
        Ok(options)
    }

    /// The defaults, with the timeout from `value` (the variable's content) when given.
    pub(crate) fn with_timeout_env(value: Option<&str>) -> Result<ProbeOptions, TimeoutEnvError> {
        let mut options = ProbeOptions::default();
        if let Some(raw) = value {
            match raw.trim().parse::<u64>() {
                Ok(ms @ 1..=600_000) => options.timeout = Duration::from_millis(ms),
                _ => {
                    return Err(TimeoutEnvError {
                        name: TIMEOUT_ENV,
                        value: raw.to_string(),
                        expected: "whole milliseconds between 1 and 600000, or unset it for the default 5000",
                    });
                }
            }
        }
        Ok(options)
    }
}

/// The longest bound [`TOTAL_ENV`] may set: an hour.
pub const MAX_TOTAL_SECS: u64 = 3600;

/// A probe setting holds something it cannot mean: [`TIMEOUT_ENV`] not a timeout in milliseconds
/// between 1 and 600000, or [`RESOLVE_ENV`] not a table of `NAME=IP:PORT`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{name}=`{value}` is not valid: set it to {expected}")]
pub(crate) struct TimeoutEnvError {
    pub name: &'static str,
    /// The variable's content (or the entry that is wrong), as set.
    pub value: String,
    pub expected: &'static str,
}

/// The test seam for name resolution (docs/health.md): `NAME=IP:PORT[,NAME=IP:PORT...]`.
pub(crate) const RESOLVE_ENV: &str = "EDGEPLAN_RESOLVE";

/// Reads `NAME=IP:PORT[,...]`; the entry that is wrong on failure.
pub(crate) fn parse_resolve(raw: &str) -> Result<Vec<(String, SocketAddr)>, String> {
    raw.split(',')
        .map(str::trim)
        .filter(|entry| !entry.is_empty())
        .map(|entry| {
            let (name, addr) = entry.split_once('=').ok_or_else(|| entry.to_string())?;
            let addr = addr.trim().parse().map_err(|_| entry.to_string())?;
            let name = name.trim().trim_end_matches('.').to_ascii_lowercase();
            if name.is_empty() {
                return Err(entry.to_string());
            }
            Ok((name, addr))
        })
        .collect()
}

/// What one probe found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProbeOutcome {
    /// 2xx or 3xx.
    Healthy { status: u16 },
    /// Anything else: the HTTP status, a TLS error, a timeout, a refused connection...
    Failed { reason: String, status: Option<u16> },
}

impl ProbeOutcome {
    pub fn is_healthy(&self) -> bool {
        matches!(self, ProbeOutcome::Healthy { .. })
    }

    /// `HTTP 200` or the failure reason.
    pub fn summary(&self) -> String {
        match self {
            ProbeOutcome::Healthy { status } => format!("HTTP {status}"),
            ProbeOutcome::Failed { reason, .. } => reason.clone(),
        }
    }
}

/// The origin's answer when asked for the public name, as Cloudflare will ask.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostCheck {
    /// The `Host` header sent: the endpoint's FQDN.
    pub host: String,
    pub outcome: ProbeOutcome,
}

/// The preflight of one endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProbeResult {
    /// The endpoint's FQDN.
    pub name: String,
    /// The CNAME target.
    pub target: String,
    /// The URL probed.
    pub url: String,
    pub outcome: ProbeOutcome,
    /// Time to the response headers (or to the failure), in milliseconds.
    pub latency_ms: u64,
    /// The second probe, with `Host: <name>`; absent when not run.
    pub public_host: Option<HostCheck>,
}

impl ProbeResult {
    /// True when the origin answered 2xx or 3xx for its own hostname. This is what `apply`
    /// requires.
    pub fn is_healthy(&self) -> bool {
        self.outcome.is_healthy()
    }

    /// A warning when the origin serves its own hostname but not the public name.
    pub fn host_warning(&self) -> Option<String> {
        let check = self.public_host.as_ref()?;
        if !self.outcome.is_healthy() || check.outcome.is_healthy() {
            return None;
        }
        Some(format!(
            "origin answers {} for its own host but {} for Host: {}: configure {} as a custom domain on the origin's platform, or add a Cloudflare Origin Rule that rewrites the Host header to {} ({})",
            self.outcome.summary(),
            check.outcome.summary(),
            check.host,
            check.host,
            self.target,
            ORIGIN_RULE_DOCS
        ))
    }
}

impl fmt::Display for ProbeResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.outcome {
            ProbeOutcome::Healthy { status } => write!(
                f,
                "{}: healthy, HTTP {status} in {} ms ({})",
                self.name, self.latency_ms, self.url
            )?,
            ProbeOutcome::Failed { reason, .. } => write!(
                f,
                "{}: unhealthy, {reason} after {} ms ({})",
                self.name, self.latency_ms, self.url
            )?,
        }
        // NOTE: one line: the host warning is data (`host_warning`) that each presenter words
        // on its own line; a line break here reached the terminal escaped, as a literal `\n`.
        Ok(())
    }
}

/// Probes every endpoint that has a `health`, at most `options.concurrency` at a time, and
/// returns one result per such endpoint in the order given. Endpoints without `health` are
/// skipped. Never fails: a `health` that cannot be probed is a failed result saying why.
///
/// The whole phase is bounded by `options.total`: an endpoint whose probe has not finished by
/// then (still waiting for its turn, or for its origin) is a failed result that says so.
///
/// Spawns its probes as tokio tasks, so it must run inside a tokio runtime (as every command
/// does).
pub async fn probe_all(endpoints: &[&Endpoint], options: &ProbeOptions) -> Vec<ProbeResult> {
    let deadline = tokio::time::Instant::now() + options.total;
    let prober = Arc::new(probe::Prober::new(options.timeout, &options.reach));
    let permits = Arc::new(tokio::sync::Semaphore::new(options.concurrency.max(1)));
    let mut tasks = tokio::task::JoinSet::new();
    // Each result beside its endpoint's place among those with `health`, put back in that order
    // once every probe is in.
    let mut done: Vec<(usize, ProbeResult)> = Vec::new();
    // What each spawned probe is about, to name the ones the bound cuts off.
    let mut spawned: Vec<(usize, String, String, String)> = Vec::new();
    let with_health = endpoints
        .iter()
        .filter_map(|e| Some((*e, e.health.as_ref()?)));
    for (index, (endpoint, health)) in with_health.enumerate() {
        let url = match health_url(&endpoint.target, health) {
            Ok(url) => url,
            Err(err) => {
                done.push((
                    index,
                    ProbeResult {
                        name: endpoint.name.clone(),
                        target: endpoint.target.clone(),
                        url: health_text(health),
                        outcome: ProbeOutcome::Failed {
                            reason: format!("not probed: {err}"),
                            status: None,
                        },
                        latency_ms: 0,
                        public_host: None,
                    },
                ));
                continue;
            }
        };
        // NOTE: the public-name probe only makes sense against the target itself; a health URL
        // on another host (a status page) would answer for that host, not for the origin.
        let check_host = options.public_host_check
            && url
                .host_str()
                .is_some_and(|h| h.eq_ignore_ascii_case(endpoint.target.trim_end_matches('.')));
        let (name, target) = (endpoint.name.clone(), endpoint.target.clone());
        spawned.push((index, name.clone(), target.clone(), url.to_string()));
        let (prober, permits) = (prober.clone(), permits.clone());
        tasks.spawn(async move {
            // The semaphore is never closed, so acquiring only fails if it were; then run anyway.
            let _permit = permits.acquire_owned().await.ok();
            let (outcome, latency_ms) = prober.probe(&url, None).await;
            // A down origin is the error already; asking it a second question only doubles the
            // wait.
            let public_host = if check_host && outcome.is_healthy() {
                let (outcome, _) = prober.probe(&url, Some(&name)).await;
                Some(HostCheck {
                    host: name.clone(),
                    outcome,
                })
            } else {
                None
            };
            let result = ProbeResult {
                name,
                target,
                url: url.to_string(),
                outcome,
                latency_ms,
                public_host,
            };
            (index, result)
        });
    }
    loop {
        match tokio::time::timeout_at(deadline, tasks.join_next()).await {
            Ok(Some(Ok(probed))) => done.push(probed),
            // NOTE: a task is only aborted below, after this loop, so a join error here is a
            // probe that panicked: a bug. The shipped profiles abort on panic before this is
            // reached; elsewhere (tests, debug builds) the panic carries on here rather than
            // passing for a failed probe.
            Ok(Some(Err(err))) => std::panic::resume_unwind(err.into_panic()),
            Ok(None) => break,
            Err(_elapsed) => {
                tasks.abort_all();
                let total_ms = u64::try_from(options.total.as_millis()).unwrap_or(u64::MAX);
                for (index, name, target, url) in spawned {
                    if done.iter().any(|(i, _)| *i == index) {
                        continue;
                    }
                    done.push((
                        index,
                        ProbeResult {
                            name,
                            target,
                            url,
                            outcome: ProbeOutcome::Failed {
                                reason: format!(
                                    "not probed within the probe phase's bound of {} s ({TOTAL_ENV})",
                                    options.total.as_secs_f64()
                                ),
                                status: None,
                            },
                            latency_ms: total_ms,
                            public_host: None,
                        },
                    ));
                }
                break;
            }
        }
    }
    done.sort_by_key(|(index, _)| *index);
    done.into_iter().map(|(_, result)| result).collect()
}

fn health_text(health: &crate::plan::Health) -> String {
    match health {
        crate::plan::Health::Path(p) | crate::plan::Health::Url(p) => p.clone(),
    }
}

/// The endpoints of `desired` whose change in `plan` points a name at an origin: a create, or an
/// update that changes the CNAME target. Only those that have `health` are returned.
///
/// A change of comment, TTL or proxied status alone sends no traffic anywhere new, so it is not
/// held up by a probe.
pub(crate) fn endpoints_to_probe<'a>(desired: &'a Desired, plan: &ZonePlan) -> Vec<&'a Endpoint> {
    desired
        .endpoints
        .iter()
        .filter(|e| e.health.is_some())
        .filter(|e| {
            plan.changes.iter().any(|c| {
                c.name == e.name
                    && match c.action {
                        Action::Create => true,
                        Action::Update => {
                            c.before.as_ref().map(|b| &b.content)
                                != c.after.as_ref().map(|a| &a.content)
                        }
                        Action::Delete => false,
                    }
            })
        })
        .collect()
}

#[cfg(test)]
pub(crate) mod tests;
