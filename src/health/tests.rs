//! Pure parts of the preflight: options, messages, the JSON shape, which endpoints are probed.
//! The probes themselves are tested against local servers in tests/it/health.rs.

use std::path::PathBuf;
use std::time::Duration;

use super::*;
use crate::plan::{Change, Health, RecordData, Zone};

/// A probe of the sentiment endpoint (also the plan JSON tests').
pub(crate) fn result(outcome: ProbeOutcome, public: Option<ProbeOutcome>) -> ProbeResult {
    ProbeResult {
        name: "sentiment.example.com".into(),
        target: "sentiment-abc-uc.a.run.app".into(),
        url: "https://sentiment-abc-uc.a.run.app/healthz".into(),
        outcome,
        latency_ms: 42,
        public_host: public.map(|outcome| HostCheck {
            host: "sentiment.example.com".into(),
            outcome,
        }),
    }
}

pub(crate) fn failed(reason: &str, status: Option<u16>) -> ProbeOutcome {
    ProbeOutcome::Failed {
        reason: reason.into(),
        status,
    }
}

#[test]
fn the_timeout_comes_from_the_environment_variable_when_set() {
    let default = ProbeOptions::with_timeout_env(None).expect("default");
    assert_eq!(default.timeout, Duration::from_secs(5));
    assert_eq!(default.concurrency, 8);
    let set = ProbeOptions::with_timeout_env(Some("250")).expect("250 ms");
    assert_eq!(set.timeout, Duration::from_millis(250));
    for bad in ["", "0", "-5", "1.5", "five", "600001"] {
        let err = ProbeOptions::with_timeout_env(Some(bad))
            .expect_err(bad)
            .to_string();
        assert!(err.contains(TIMEOUT_ENV), "{err}");
        assert!(err.contains("between 1 and 600000"), "{err}");
    }
}

#[test]
fn a_public_host_failure_behind_a_healthy_origin_is_a_warning_naming_the_fix() {
    let r = result(
        ProbeOutcome::Healthy { status: 200 },
        Some(failed("HTTP 404", Some(404))),
    );
    assert!(r.is_healthy(), "the origin itself is up");
    let warning = r.host_warning().expect("warning");
    assert_eq!(
        warning,
        "origin answers HTTP 200 for its own host but HTTP 404 for Host: sentiment.example.com: \
         configure sentiment.example.com as a custom domain on the origin's platform, or add a \
         Cloudflare Origin Rule that rewrites the Host header to sentiment-abc-uc.a.run.app \
         (https://developers.cloudflare.com/rules/origin-rules/features/#host-header)"
    );
    // No warning when both agree, or when the origin is down anyway (that is the error).
    let same = result(
        ProbeOutcome::Healthy { status: 200 },
        Some(ProbeOutcome::Healthy { status: 200 }),
    );
    assert_eq!(same.host_warning(), None);
    let down = result(
        failed("HTTP 503", Some(503)),
        Some(failed("HTTP 503", Some(503))),
    );
    assert_eq!(down.host_warning(), None);
}

#[test]
fn display_shows_status_latency_and_url() {
    let up = result(ProbeOutcome::Healthy { status: 204 }, None);
    assert_eq!(
        up.to_string(),
        "sentiment.example.com: healthy, HTTP 204 in 42 ms (https://sentiment-abc-uc.a.run.app/healthz)"
    );
    let down = result(failed("timed out after 5000 ms", None), None);
    assert_eq!(
        down.to_string(),
        "sentiment.example.com: unhealthy, timed out after 5000 ms after 42 ms (https://sentiment-abc-uc.a.run.app/healthz)"
    );
    let mismatch = result(
        ProbeOutcome::Healthy { status: 200 },
        Some(failed("HTTP 403", Some(403))),
    );
    // One line: the host warning is data (`host_warning`) that each presenter words on a line
    // of its own. It once rode here after a line break, which the terminal showed as a literal
    // `\n`, before the warning was printed a second time.
    let text = mismatch.to_string();
    assert_eq!(
        text,
        "sentiment.example.com: healthy, HTTP 200 in 42 ms (https://sentiment-abc-uc.a.run.app/healthz)"
    );
    assert!(mismatch.host_warning().is_some());
}

fn endpoint(name: &str, health: Option<&str>) -> Endpoint {
    Endpoint {
        name: name.into(),
        target: "origin.example.net".into(),
        proxied: true,
        ttl: 1,
        comment: None,
        adopt: false,
        health: health.map(|h| Health::Path(h.into())),
        line: 1,
    }
}

fn data(content: &str, comment: &str) -> RecordData {
    RecordData {
        content: content.into(),
        proxied: true,
        ttl: 1,
        comment: Some(comment.into()),
    }
}

fn change(
    action: Action,
    name: &str,
    before: Option<RecordData>,
    after: Option<RecordData>,
) -> Change {
    Change {
        action,
        name: name.into(),
        kind: "CNAME".into(),
        id: None,
        before,
        after,
    }
}

#[test]
fn only_creates_and_repoints_of_endpoints_with_health_are_probed() {
    let desired = Desired {
        source: PathBuf::from("edgeplan.yaml"),
        zone: "example.com".into(),
        zone_id: None,
        owner: "default".into(),
        previous_owners: Vec::new(),
        endpoints: vec![
            endpoint("new.example.com", Some("/h")),
            endpoint("moved.example.com", Some("/h")),
            endpoint("renamed-comment.example.com", Some("/h")),
            endpoint("unchanged.example.com", Some("/h")),
            endpoint("nohealth.example.com", None),
        ],
    };
    let origin = |comment| data("origin.example.net", comment);
    let plan = ZonePlan {
        source: desired.source.clone(),
        zone: Zone {
            id: "z".into(),
            name: "example.com".into(),
            batch_limit: 200,
            comment_limit: 100,
        },
        owner: "default".into(),
        previous_owners: Vec::new(),
        unmanaged: 0,
        wanted: Default::default(),
        long_comments: Vec::new(),
        changes: vec![
            change(Action::Create, "new.example.com", None, Some(origin("a"))),
            change(
                Action::Update,
                "moved.example.com",
                Some(data("old.example.net", "a")),
                Some(origin("a")),
            ),
            change(
                Action::Update,
                "renamed-comment.example.com",
                Some(origin("a")),
                Some(origin("b")),
            ),
            change(
                Action::Create,
                "nohealth.example.com",
                None,
                Some(origin("a")),
            ),
            change(Action::Delete, "gone.example.com", Some(origin("a")), None),
        ],
        unchanged: 1,
        owned: 4,
        conflicts: vec![],
        warnings: vec![],
    };
    let names: Vec<&str> = endpoints_to_probe(&desired, &plan)
        .iter()
        .map(|e| e.name.as_str())
        .collect();
    assert_eq!(names, ["new.example.com", "moved.example.com"]);
}
