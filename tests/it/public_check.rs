//! The public check after apply, against local HTTPS "edges" signed by a test authority and
//! reached through the resolve table: through Cloudflare or not, the edge's 52x explained, a name
//! that is not up yet retried inside the bound, and the whole check bounded in time.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::support::tls::{TestCa, TlsOrigin};
use edgeplan::health::public::{PublicOptions, PublicTarget, check_all};
use edgeplan::health::{ProbeOutcome, Reach};

const RAY: &str = "8f1c2d3e4a5b6c7d-FRA";

fn target(name: &str) -> PublicTarget {
    PublicTarget {
        name: name.into(),
        url: format!("https://{name}/healthz").parse().expect("url"),
    }
}

/// Options trusting `ca`, resolving each name to its local edge, with a total of `total_ms`.
fn options(ca: &TestCa, resolve: &[(&str, u16)], total_ms: u64) -> PublicOptions {
    let dir = tempfile::tempdir().expect("tmp");
    let trust = edgeplan::tls::load(Some(&ca.write_pem(dir.path()))).expect("trust");
    PublicOptions {
        total: Duration::from_millis(total_ms),
        per_request: Duration::from_secs(2),
        first_wait: Duration::from_millis(100),
        reach: Reach {
            resolve: resolve
                .iter()
                .map(|(n, port)| (n.to_string(), ([127, 0, 0, 1], *port).into()))
                .collect(),
            trust: Some(Arc::new(trust)),
            ..Reach::default()
        },
        ..PublicOptions::default()
    }
}

#[tokio::test]
async fn through_cloudflare_or_not_and_the_edge_codes_in_words() {
    let ca = TestCa::new();
    let edge = TlsOrigin::start(&ca, &["sentiment.example.com"], 200, &[("cf-ray", RAY)]);
    let direct = TlsOrigin::start(&ca, &["direct.example.com"], 200, &[]);
    let refused = TlsOrigin::start(&ca, &["refused.example.com"], 521, &[("cf-ray", RAY)]);
    let opts = options(
        &ca,
        &[
            ("sentiment.example.com", edge.port),
            ("direct.example.com", direct.port),
            ("refused.example.com", refused.port),
        ],
        1_500,
    );
    let names = [
        "sentiment.example.com",
        "direct.example.com",
        "refused.example.com",
    ];
    let targets: Vec<PublicTarget> = names.iter().map(|n| target(n)).collect();
    let results = check_all(&targets, &opts).await;

    assert_eq!(results[0].outcome, ProbeOutcome::Healthy { status: 200 });
    assert!(results[0].via_cloudflare);
    assert_eq!(results[0].cf_ray.as_deref(), Some(RAY));
    assert_eq!(results[0].attempts, 1);

    assert_eq!(results[1].outcome, ProbeOutcome::Healthy { status: 200 });
    assert!(
        !results[1].via_cloudflare,
        "no cf-ray: not through Cloudflare"
    );

    let ProbeOutcome::Failed { reason, status } = &results[2].outcome else {
        panic!("521 is a failure: {:?}", results[2]);
    };
    assert_eq!(*status, Some(521));
    assert!(
        reason.contains("the origin refused the connection"),
        "{reason}"
    );
    assert!(
        results[2].attempts > 1,
        "a 52x is retried while the name settles"
    );
    // Every request went to the public name, with nothing that could carry a credential.
    for seen in edge.requests().iter().chain(&refused.requests()) {
        assert_eq!(seen.line, "GET /healthz HTTP/1.1");
        assert!(seen.header("authorization").is_none() && seen.header("cookie").is_none());
    }
}

#[tokio::test]
async fn a_name_not_up_yet_is_retried_and_the_whole_check_is_bounded() {
    let ca = Arc::new(TestCa::new());
    // The edge starts answering only after a while: connections are refused until then.
    let port = {
        let free = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        free.local_addr().expect("addr").port()
    };
    let later = ca.clone();
    let edge = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(400));
        TlsOrigin::start_on(port, &later, &["late.example.com"], 200, &[("cf-ray", RAY)])
    });
    // Port 9 (discard) on loopback: nothing listens, every attempt is refused.
    let opts = options(
        &ca,
        &[("late.example.com", port), ("never.example.com", 9)],
        2_500,
    );
    let started = Instant::now();
    let results = check_all(
        &[target("late.example.com"), target("never.example.com")],
        &opts,
    )
    .await;
    let elapsed = started.elapsed();
    let edge = edge.join().expect("edge");

    assert_eq!(
        results[0].outcome,
        ProbeOutcome::Healthy { status: 200 },
        "{:?}",
        results[0]
    );
    assert!(
        results[0].attempts > 1,
        "retried until the name answered: {:?}",
        results[0]
    );
    assert_eq!(edge.requests().len(), 1);
    assert!(results[1].attempts > 1, "{:?}", results[1]);
    let ProbeOutcome::Failed { reason, .. } = &results[1].outcome else {
        panic!("nothing listens: {:?}", results[1]);
    };
    assert!(reason.contains("connection refused"), "{reason}");
    // One bound for the whole check, whatever the number of names (with room for a slow machine).
    assert!(elapsed < Duration::from_secs(6), "bounded: {elapsed:?}");
    assert!(
        elapsed >= Duration::from_millis(1_000),
        "the failing name used its time: {elapsed:?}"
    );
}
