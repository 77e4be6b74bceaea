//! Origin preflight wired into `plan` and `apply` (issue H): apply refuses to point a name at an
//! origin whose probe fails, `--skip-health` overrides, and plan shows every probe (JSON `health`)
//! without letting it change the fingerprint.

use crate::support::harness::World;
use crate::support::origin::{Behaviour, Origin};

fn manifest_probing(w: &World, origin: &Origin) {
    w.manifest(&format!(
        "  - name: sentiment\n    target: sentiment-prod.models.example.net\n    health: {}\n",
        origin.url("/healthz")
    ));
}

#[test]
fn apply_refuses_an_origin_whose_probe_fails_and_sends_nothing() {
    let w = World::free();
    let origin = Origin::start(Behaviour::Status(503));
    manifest_probing(&w, &origin);

    let run = w.apply().expect(1);
    run.assert_stderr_has("sentiment.example.com");
    run.assert_stderr_has("503");
    run.assert_stderr_has("--skip-health");
    assert!(w.batches().is_empty(), "a refused apply must not write");
    assert_eq!(origin.requests().len(), 1, "one probe");
    assert!(
        origin.requests()[0].header("authorization").is_none(),
        "probes never carry a token"
    );
}

#[test]
fn skip_health_applies_without_probing() {
    let w = World::free();
    let origin = Origin::start(Behaviour::Status(503));
    manifest_probing(&w, &origin);

    w.run(&["apply", "--yes", "--skip-health"]).expect(0);
    assert_eq!(w.batches().len(), 1);
    assert!(origin.requests().is_empty(), "--skip-health sends no probe");
}

#[test]
fn a_healthy_origin_is_applied_and_the_plan_shows_the_probe_outside_the_fingerprint() {
    let w = World::free();
    let origin = Origin::start(Behaviour::Status(200));
    manifest_probing(&w, &origin);

    let probed = w.run(&["plan", "--format", "json"]).expect(0);
    let skipped = w
        .run(&["plan", "--format", "json", "--skip-health"])
        .expect(0);
    let probed: serde_json::Value = serde_json::from_str(&probed.stdout).expect("plan JSON");
    let skipped: serde_json::Value = serde_json::from_str(&skipped.stdout).expect("plan JSON");
    let health = probed["health"].as_array().expect("health array");
    assert_eq!(health.len(), 1);
    assert_eq!(health[0]["name"], "sentiment.example.com");
    assert_eq!(health[0]["outcome"]["state"], "healthy");
    assert!(skipped.get("health").is_none());
    assert_eq!(
        probed["fingerprint"], skipped["fingerprint"],
        "probes (and their latency) stay out of the fingerprint"
    );

    w.apply().expect(0);
    assert_eq!(w.batches().len(), 1);
    assert_eq!(w.plan_code(), 0);
}
