//! One HTTP probe: GET a URL, no redirects, a short timeout, and a reason a person can act on.
//!
//! The client is built here and nowhere else, with nothing that could carry a credential: no
//! default headers, no cookie store, no redirects (a redirect could leave for another host, and a
//! 3xx already proves the origin is up). URLs with `user:password@` are refused before they get
//! here (see [`super::url`]), so no `Authorization` header is ever sent.
//!
//! NOTE: probes speak HTTP/1.1 only. It is what Cloudflare uses towards origins unless HTTP/2 to
//! origin is switched on, and it is the protocol in which an explicit `Host` header (the
//! public-name check) is sent as written; in HTTP/2 the authority travels as `:authority`.

use std::error::Error as _;
use std::time::{Duration, Instant};

use reqwest::{Client, StatusCode, Url, header, redirect};

use super::ProbeOutcome;
use super::resolve::{Forbidden, Guarded, check_literal};

pub(super) struct Prober {
    client: Result<Client, String>,
    timeout: Duration,
    /// The proxy variable set in the environment (never used), named when a connection fails.
    proxy_set: Option<&'static str>,
}

impl Prober {
    /// A prober resolving and trusting as `reach` says (the built-in roots only when it names
    /// no trust).
    pub(super) fn new(timeout: Duration, reach: &super::Reach) -> Prober {
        let builder = Client::builder()
            .dns_resolver(std::sync::Arc::new(Guarded::with_table(&reach.resolve)))
            // Never through a proxy: a proxy would resolve the name itself, out of the address
            // guard's sight (DESIGN section 1).
            .no_proxy()
            .redirect(redirect::Policy::none())
            .timeout(timeout)
            .connect_timeout(timeout)
            .http1_only()
            .user_agent(concat!(
                "edgeplan/",
                env!("CARGO_PKG_VERSION"),
                " (origin health probe)"
            ));
        let builder = match &reach.trust {
            Some(trust) => trust.apply(builder),
            None => builder,
        };
        let client = builder
            .build()
            .map_err(|e| format!("could not start the HTTP client for probes: {e}"));
        Prober {
            client,
            timeout,
            proxy_set: reach.proxy_set,
        }
    }

    /// GETs `url`, with `Host: host` when given, and returns the outcome and the time it took.
    pub(super) async fn probe(&self, url: &Url, host: Option<&str>) -> (ProbeOutcome, u64) {
        let (answer, latency_ms) = self.fetch(url, host).await;
        let outcome = match answer {
            Ok(answer) => classify(answer.status),
            Err(reason) => ProbeOutcome::Failed {
                reason,
                status: None,
            },
        };
        (outcome, latency_ms)
    }

    /// GETs `url` (with `Host: host` when given): the answer's status and `cf-ray` header, or why
    /// there was none; and the time it took. The body is never read.
    pub(super) async fn fetch(
        &self,
        url: &Url,
        host: Option<&str>,
    ) -> (Result<Answer, String>, u64) {
        let client = match &self.client {
            Ok(c) => c,
            Err(e) => return (Err(e.clone()), 0),
        };
        // A literal address never reaches the resolver: checked here.
        if let Err(forbidden) = check_literal(url.host_str().unwrap_or_default()) {
            return (Err(format!("not probed: {forbidden}")), 0);
        }
        let mut request = client.get(url.clone());
        if let Some(host) = host {
            request = request.header(header::HOST, host);
        }
        let started = Instant::now();
        let result = request.send().await;
        let latency_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        let answer = match result {
            Ok(response) => Ok(Answer {
                status: response.status(),
                cf_ray: response
                    .headers()
                    .get("cf-ray")
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned),
            }),
            Err(err) => Err(with_proxy_note(
                describe(&err, self.timeout),
                &err,
                self.proxy_set,
            )),
        };
        (answer, latency_ms)
    }
}

/// What came back: the status line and whether Cloudflare's edge answered (`cf-ray`).
pub(super) struct Answer {
    pub status: StatusCode,
    pub cf_ray: Option<String>,
}

/// 2xx and 3xx are healthy: the origin is up and serving that name.
pub(super) fn classify(status: StatusCode) -> ProbeOutcome {
    let code = status.as_u16();
    if status.is_success() || status.is_redirection() {
        ProbeOutcome::Healthy { status: code }
    } else {
        ProbeOutcome::Failed {
            reason: format!("HTTP {code}"),
            status: Some(code),
        }
    }
}

/// The reason, followed, when a proxy variable is set and no connection was made, by what that
/// likely means: this runner reaches the internet only through the proxy, which probes never use.
fn with_proxy_note(reason: String, err: &reqwest::Error, proxy: Option<&'static str>) -> String {
    match proxy {
        Some(var) if err.is_connect() && !reason.starts_with("not probed") => format!(
            "{reason} ({var} is set, and probes and the public check never use a proxy: if this runner reaches the internet only through it, they cannot run here; use skip-health, and public-check off)"
        ),
        _ => reason,
    }
}

/// A short reason for a request that got no response: timeout, TLS, refused, DNS, or the
/// innermost cause.
fn describe(err: &reqwest::Error, timeout: Duration) -> String {
    if err.is_timeout() {
        return format!("timed out after {} ms", timeout.as_millis());
    }
    let mut innermost = err.to_string();
    let mut dns = false;
    let mut source = err.source();
    while let Some(cause) = source {
        if let Some(forbidden) = cause.downcast_ref::<Forbidden>() {
            return format!("not probed: {forbidden}");
        }
        if let Some(tls) = cause.downcast_ref::<rustls::Error>() {
            return format!("TLS error: {tls}");
        }
        if let Some(io) = cause.downcast_ref::<std::io::Error>() {
            if let Some(tls) = tls_inside(io) {
                return format!("TLS error: {tls}");
            }
            match io.kind() {
                std::io::ErrorKind::ConnectionRefused => return "connection refused".into(),
                std::io::ErrorKind::ConnectionReset => {
                    return "connection reset by the origin".into();
                }
                std::io::ErrorKind::TimedOut => {
                    return format!("timed out after {} ms", timeout.as_millis());
                }
                std::io::ErrorKind::NetworkUnreachable | std::io::ErrorKind::HostUnreachable => {
                    return "no network route to the origin (unreachable from this runner)".into();
                }
                _ => {}
            }
        }
        let text = cause.to_string();
        if text.contains("dns error") {
            dns = true;
        }
        innermost = text;
        source = cause.source();
    }
    let innermost = readable(&innermost);
    if dns {
        // The resolver's own text is a debug dump (`proto error: no records found for Query {
        // name: Name("host."), ... }`); the name and "no address" is what a person needs.
        if innermost.contains("no records found") {
            "DNS lookup failed: no A or AAAA record for the origin's hostname".to_string()
        } else {
            format!("DNS lookup failed: {innermost}")
        }
    } else if err.is_connect() {
        format!("could not connect: {innermost}")
    } else {
        format!("request failed: {innermost}")
    }
}

/// A cause's text without the layers of its wrappers: `proto error: io error: Network is
/// unreachable (os error 101)` reads `network is unreachable`.
fn readable(text: &str) -> String {
    let mut t = text.trim();
    for layer in [
        "proto error: ",
        "io error: ",
        "error sending request: ",
        "client error: ",
    ] {
        while let Some(rest) = t.strip_prefix(layer) {
            t = rest.trim_start();
        }
    }
    if let Some(i) = t.rfind(" (os error ")
        && t.ends_with(')')
    {
        t = &t[..i];
    }
    let mut out = t.to_string();
    if let Some(first) = out.get(..1)
        && out
            .get(1..2)
            .is_some_and(|c| c.chars().all(char::is_lowercase))
    {
        out.replace_range(..1, &first.to_ascii_lowercase());
    }
    out
}

/// The rustls error that tokio-rustls wraps in an `io::Error` (which the connector wraps in
/// another). `io::Error::source` skips the wrapped error itself, so unwrap by hand.
fn tls_inside(io: &std::io::Error) -> Option<&rustls::Error> {
    let mut inner = io.get_ref()?;
    loop {
        if let Some(tls) = inner.downcast_ref::<rustls::Error>() {
            return Some(tls);
        }
        inner = inner.downcast_ref::<std::io::Error>()?.get_ref()?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_probe_error_reads_without_its_wrappers() {
        assert_eq!(
            readable("proto error: io error: Network is unreachable (os error 101)"),
            "network is unreachable"
        );
        assert_eq!(
            readable("io error: Connection refused (os error 111)"),
            "connection refused"
        );
        assert_eq!(readable("HTTP/2 GOAWAY"), "HTTP/2 GOAWAY");
        assert_eq!(readable("no records found"), "no records found");
    }

    #[test]
    fn two_and_three_hundreds_are_healthy_everything_else_fails_with_its_code() {
        assert_eq!(
            classify(StatusCode::OK),
            ProbeOutcome::Healthy { status: 200 },
            "200"
        );
        assert_eq!(
            classify(StatusCode::FOUND),
            ProbeOutcome::Healthy { status: 302 },
            "302"
        );
        assert_eq!(
            classify(StatusCode::SERVICE_UNAVAILABLE),
            ProbeOutcome::Failed {
                reason: "HTTP 503".into(),
                status: Some(503)
            }
        );
        assert!(matches!(
            classify(StatusCode::NOT_FOUND),
            ProbeOutcome::Failed {
                status: Some(404),
                ..
            }
        ));
    }
}
