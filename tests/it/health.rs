//! Origin probes against local origins on 127.0.0.1: what counts as healthy, what each failure
//! says, that timeouts and the concurrency bound hold, that no credential is ever sent, and that an
//! origin rejecting the public name is caught.

use std::time::{Duration, Instant};

use crate::support::origin::{Behaviour, Origin, closed_port, not_tls};
use edgeplan::health::{ProbeOptions, ProbeOutcome, probe_all};
use edgeplan::plan::{Endpoint, Health};

/// An endpoint whose origin is the loopback test server behind `url`.
fn endpoint(name: &str, url: &str) -> Endpoint {
    Endpoint {
        name: name.into(),
        target: "127.0.0.1".into(),
        proxied: true,
        ttl: 1,
        comment: None,
        adopt: false,
        health: Some(Health::Url(url.into())),
        line: 1,
    }
}

fn options(timeout_ms: u64) -> ProbeOptions {
    ProbeOptions {
        timeout: Duration::from_millis(timeout_ms),
        ..ProbeOptions::default()
    }
}

#[tokio::test]
async fn a_healthy_origin_reports_status_and_latency() {
    let origin = Origin::start(Behaviour::Status(200));
    let e = endpoint("sentiment.example.com", &origin.url("/healthz"));
    let results = probe_all(&[&e], &options(2_000)).await;
    assert_eq!(results.len(), 1);
    let r = &results[0];
    assert_eq!(r.outcome, ProbeOutcome::Healthy { status: 200 });
    assert_eq!(r.url, origin.url("/healthz"));
    assert!(r.latency_ms < 2_000, "{}", r.latency_ms);
    assert!(
        r.to_string()
            .starts_with("sentiment.example.com: healthy, HTTP 200 in "),
        "{r}"
    );
    assert!(results.iter().all(|r| r.is_healthy()));
    let requests = origin.requests();
    assert!(
        requests
            .iter()
            .all(|q| q.method == "GET" && q.path == "/healthz")
    );
}

#[tokio::test]
async fn a_503_origin_fails_and_apply_is_refused() {
    let origin = Origin::start(Behaviour::Status(503));
    let e = endpoint("sentiment.example.com", &origin.url("/healthz"));
    let results = probe_all(&[&e], &options(2_000)).await;
    assert_eq!(
        results[0].outcome,
        ProbeOutcome::Failed {
            reason: "HTTP 503".into(),
            status: Some(503)
        }
    );
    assert_eq!(
        results[0].public_host, None,
        "a down origin is not asked twice"
    );
    // What apply then refuses, and how it says so, is the verdict's (tests/it/apply_health.rs).
    assert!(!results[0].is_healthy());
}

#[tokio::test]
async fn a_redirect_counts_as_reachable_and_is_not_followed() {
    let elsewhere = Origin::start(Behaviour::Status(200));
    let origin = Origin::start(Behaviour::Redirect(elsewhere.url("/login")));
    let e = endpoint("sentiment.example.com", &origin.url("/"));
    let results = probe_all(&[&e], &options(2_000)).await;
    assert_eq!(results[0].outcome, ProbeOutcome::Healthy { status: 302 });
    assert!(elsewhere.requests().is_empty(), "redirect was followed");
}

#[tokio::test]
async fn a_hanging_origin_times_out_on_time() {
    let origin = Origin::start(Behaviour::Hang);
    let e = endpoint("sentiment.example.com", &origin.url("/healthz"));
    let started = Instant::now();
    let results = probe_all(&[&e], &options(300)).await;
    let took = started.elapsed();
    assert_eq!(
        results[0].outcome,
        ProbeOutcome::Failed {
            reason: "timed out after 300 ms".into(),
            status: None
        }
    );
    assert!(
        took < Duration::from_secs(3),
        "took {took:?} for a 300 ms timeout"
    );
    assert!(results[0].latency_ms >= 300, "{}", results[0].latency_ms);
}

#[tokio::test]
async fn an_origin_answering_404_for_the_public_name_is_caught() {
    let origin = Origin::start(Behaviour::OwnHostOnly);
    let e = endpoint("sentiment.example.com", &origin.url("/healthz"));
    let results = probe_all(&[&e], &options(2_000)).await;
    let r = &results[0];
    assert_eq!(r.outcome, ProbeOutcome::Healthy { status: 200 });
    let check = r.public_host.as_ref().expect("public-name probe ran");
    assert_eq!(check.host, "sentiment.example.com");
    assert_eq!(
        check.outcome,
        ProbeOutcome::Failed {
            reason: "HTTP 404".into(),
            status: Some(404)
        }
    );
    let warning = r.host_warning().expect("warning");
    assert!(
        warning.starts_with(
            "origin answers HTTP 200 for its own host but HTTP 404 for Host: sentiment.example.com"
        ),
        "{warning}"
    );
    let hosts: Vec<String> = origin
        .requests()
        .iter()
        .map(|q| q.header("host").unwrap_or("").to_string())
        .collect();
    assert_eq!(
        hosts,
        [
            format!("127.0.0.1:{}", origin.server.addr.port()),
            "sentiment.example.com".to_string()
        ]
    );
}

#[tokio::test]
async fn the_public_name_probe_can_be_switched_off() {
    let origin = Origin::start(Behaviour::OwnHostOnly);
    let e = endpoint("sentiment.example.com", &origin.url("/healthz"));
    let opts = ProbeOptions {
        public_host_check: false,
        ..options(2_000)
    };
    let results = probe_all(&[&e], &opts).await;
    assert_eq!(results[0].public_host, None);
    assert_eq!(origin.requests().len(), 1);
}

#[tokio::test]
async fn probes_never_send_credentials() {
    let origin = Origin::start(Behaviour::Status(200));
    let plain = endpoint("a.example.com", &origin.url("/healthz"));
    // URL credentials would become a Basic Authorization header in reqwest: refused unsent.
    let port = origin.server.addr.port();
    let with_userinfo = endpoint(
        "b.example.com",
        &format!("http://user:tok-123@127.0.0.1:{port}/healthz"),
    );
    let results = probe_all(&[&plain, &with_userinfo], &options(2_000)).await;
    assert!(results[0].is_healthy());
    match &results[1].outcome {
        ProbeOutcome::Failed { reason, .. } => {
            assert!(reason.contains("carries credentials"), "{reason}");
            assert!(!reason.contains("tok-123"), "{reason}");
        }
        other => panic!("userinfo URL was probed: {other:?}"),
    }
    let requests = origin.requests();
    assert_eq!(
        requests.len(),
        2,
        "own-host and public-name probes of a.example.com only"
    );
    for q in &requests {
        for (name, value) in &q.headers {
            assert!(
                !matches!(
                    name.as_str(),
                    "authorization" | "cookie" | "proxy-authorization"
                ),
                "probe sent {name}: {value}"
            );
            assert!(!value.contains("tok-123"), "probe sent {name}: {value}");
        }
        let agent = q.header("user-agent").unwrap_or("");
        assert!(agent.starts_with("edgeplan/"), "{agent}");
    }
}

#[tokio::test]
async fn concurrency_is_bounded_and_results_keep_their_order() {
    let origin = Origin::start(Behaviour::Slow(Duration::from_millis(150)));
    let names: Vec<String> = (0..12).map(|i| format!("m{i}.example.com")).collect();
    let endpoints: Vec<Endpoint> = names
        .iter()
        .map(|n| endpoint(n, &origin.url("/healthz")))
        .collect();
    let refs: Vec<&Endpoint> = endpoints.iter().collect();
    let opts = ProbeOptions {
        concurrency: 3,
        public_host_check: false,
        ..options(5_000)
    };
    let started = Instant::now();
    let results = probe_all(&refs, &opts).await;
    let took = started.elapsed();
    assert_eq!(
        results.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(),
        names.iter().map(String::as_str).collect::<Vec<_>>()
    );
    assert!(results.iter().all(|r| r.is_healthy()));
    assert_eq!(origin.requests().len(), 12);
    let peak = origin.max_in_flight();
    assert!(peak <= 3, "{peak} probes ran at once with a bound of 3");
    assert!(peak >= 2, "probes did not run in parallel (peak {peak})");
    // 12 probes of 150 ms, 3 at a time: 4 rounds, so at least 600 ms.
    assert!(took >= Duration::from_millis(590), "{took:?}");
}

#[tokio::test]
async fn tls_failures_and_refused_connections_say_so() {
    let tls_port = not_tls();
    let refused_port = closed_port();
    let tls = endpoint(
        "tls.example.com",
        &format!("https://127.0.0.1:{tls_port}/healthz"),
    );
    let refused = endpoint(
        "refused.example.com",
        &format!("http://127.0.0.1:{refused_port}/healthz"),
    );
    let results = probe_all(&[&tls, &refused], &options(2_000)).await;
    let reasons: Vec<String> = results.iter().map(|r| r.outcome.summary()).collect();
    assert!(reasons[0].starts_with("TLS error: "), "{reasons:?}");
    assert_eq!(reasons[1], "connection refused", "{reasons:?}");
}

#[tokio::test]
async fn plain_http_to_a_public_host_is_refused_without_a_request() {
    let mut e = endpoint("sentiment.example.com", "http://origin.example.net/healthz");
    e.target = "origin.example.net".into();
    let no_health = Endpoint {
        health: None,
        ..e.clone()
    };
    let results = probe_all(&[&e, &no_health], &options(500)).await;
    assert_eq!(results.len(), 1, "endpoints without health are skipped");
    assert!(
        results[0].outcome.summary().contains("uses plain http"),
        "{}",
        results[0].outcome.summary()
    );
    assert_eq!(results[0].latency_ms, 0);
}

/// Through the binary: proxies, IPv6 forms that carry an IPv4 address, and the probe phase's
/// one bound.
#[path = "health_bounds.rs"]
mod bounds;
