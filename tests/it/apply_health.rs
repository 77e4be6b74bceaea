//! Origin preflight wired into `plan` and `apply`: apply refuses to point a name at an
//! origin whose probe fails, `--skip-health` overrides, and plan shows every probe (JSON `health`)
//! without letting it change the fingerprint.

use crate::support::harness::World;
use crate::support::origin::{Behaviour, Origin};

/// A manifest whose one endpoint names a `health` check on `origin`.
pub(crate) fn manifest_probing(w: &World, origin: &Origin) {
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
    // `plan` refuses like the apply it previews: exit 1 in every format, the words in each.
    for format in ["text", "markdown", "json"] {
        let plan = w.run(&["plan", "--format", format]).expect(1);
        plan.assert_stderr_has("--skip-health");
        match format {
            "markdown" => assert!(
                plan.stdout
                    .contains("Merge will be refused: origin check failed"),
                "{}",
                plan.dump()
            ),
            "json" => assert!(
                plan.stdout.contains("\"failed_origins\""),
                "{}",
                plan.dump()
            ),
            _ => assert!(
                plan.stdout
                    .contains("Apply would be refused: origin check failed"),
                "{}",
                plan.dump()
            ),
        }
    }
    // Under --detailed-exitcode too: 2 only when nothing refuses.
    w.run(&["plan", "--detailed-exitcode"]).expect(1);
    w.run(&["plan", "--detailed-exitcode", "--skip-health"])
        .expect(2);
}

#[test]
fn skip_health_applies_without_probing() {
    let w = World::free();
    let origin = Origin::start(Behaviour::Status(503));
    manifest_probing(&w, &origin);

    // `--skip-health` is about the origin before apply; the public check after it has its own
    // switch (off here: the public name is not served in this test).
    w.run(&["apply", "--yes", "--skip-health", "--public-check", "off"])
        .expect(0);
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

    // The public check after apply has its own tests (apply_public.rs); off here.
    w.run(&["apply", "--yes", "--public-check", "off"])
        .expect(0);
    assert_eq!(w.batches().len(), 1);
    assert_eq!(w.plan_code(), 0);
}

/// A name the manifest author controls resolves to a private or metadata address: the probe is
/// not sent, the plan says why, and apply is refused. `EDGEPLAN_RESOLVE` stands in for DNS, and
/// the local origin listens on the port a forbidden address would be asked on, so a probe that
/// went through would be seen.
#[test]
fn probes_never_reach_private_link_local_or_metadata_addresses() {
    let origin = Origin::start(Behaviour::Status(200));
    let port = origin.port();
    for (answer, range) in [
        (format!("10.0.0.7:{port}"), "a private address"),
        (format!("169.254.169.254:{port}"), "link-local"),
        (format!("168.63.129.16:{port}"), "cloud metadata"),
        // Rebinding within one answer: one good address does not let the bad one through.
        (
            format!("127.0.0.1:{port},origin.internal.example=100.64.1.1:{port}"),
            "shared",
        ),
        // IPv6 forms carrying a non-public IPv4 address: the IPv4-mapped loopback is refused, not
        // taken for loopback, and NAT64 and 6to4 of the metadata address are refused.
        (format!("[::ffff:127.0.0.1]:{port}"), "IPv4-mapped"),
        (format!("[64:ff9b::a9fe:a9fe]:{port}"), "NAT64"),
        (format!("[2002:a9fe:a9fe::1]:{port}"), "6to4"),
    ] {
        let w = World::free();
        w.manifest(INTERNAL);
        let resolve = format!("origin.internal.example={answer}");
        let health = first_probe(&w, &[("EDGEPLAN_RESOLVE", &resolve)], 1);
        let reason = health["outcome"]["reason"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        assert!(
            reason.starts_with("not probed: origin.internal.example resolves to "),
            "{answer}: {reason}"
        );
        assert!(reason.contains(range), "{answer}: {reason}");
        let apply = w
            .run_with(&["apply", "--yes"], &[("EDGEPLAN_RESOLVE", &resolve)])
            .expect(1);
        apply.assert_stderr_has("not probed");
        assert!(w.batches().is_empty(), "a refused apply must not write");
    }
    assert!(
        origin.requests().is_empty(),
        "no probe reached the origin: {:?}",
        origin.requests().len()
    );
}

/// The seam resolves to loopback too, and the guard lets that through (the tests' origins live
/// there): the probe connects to the address that was checked. The local origin speaks plain HTTP,
/// so the https probe reaches it and fails its TLS handshake, which proves the connection was made.
#[test]
fn a_resolved_loopback_origin_is_connected_to() {
    let origin = Origin::start(Behaviour::Status(200));
    let w = World::free();
    w.manifest(INTERNAL);
    let resolve = format!("origin.internal.example=127.0.0.1:{}", port(&origin));
    let reason =
        first_probe(&w, &[("EDGEPLAN_RESOLVE", &resolve)], 1)["outcome"]["reason"].to_string();
    assert!(reason.contains("tls handshake"), "{reason}");
}

fn port(origin: &Origin) -> String {
    let url = origin.url("/");
    let rest = url.rsplit_once(':').expect("a port").1;
    rest.trim_end_matches('/').to_string()
}

/// One endpoint whose origin is a name the tests answer through `EDGEPLAN_RESOLVE`.
pub(crate) const INTERNAL: &str =
    "  - name: sentiment\n    target: origin.internal.example\n    health: /healthz\n";

/// `plan --format json` with `env`, and the plan's first probe result. A failed probe refuses
/// the apply, so `plan` exits 1 (it exited 0 before, a bug: the Action's preview exited 1 for the
/// same plan); a healthy one exits 0.
fn first_probe(w: &World, env: &[(&str, &str)], code: i32) -> serde_json::Value {
    let run = w.run_with(&["plan", "--format", "json"], env).expect(code);
    let plan: serde_json::Value = serde_json::from_str(&run.stdout).expect("plan JSON");
    plan["health"][0].clone()
}

/// Trust comes from the system store *and* `SSL_CERT_FILE`: an origin whose certificate is
/// signed by an authority only that file holds (a TLS-inspecting proxy's, say) is probed
/// successfully with it and fails as an unknown issuer without it. The name reaches the local
/// origin through `EDGEPLAN_RESOLVE`; TLS is still verified for the name.
#[test]
fn probes_trust_the_authority_in_ssl_cert_file_as_well_as_the_system_store() {
    use crate::support::tls::{TestCa, TlsOrigin};
    let ca = TestCa::new();
    let origin = TlsOrigin::start(&ca, &["origin.internal.example"], 200, &[]);
    let w = World::free();
    w.manifest(INTERNAL);
    let resolve = format!("origin.internal.example=127.0.0.1:{}", origin.port);
    let ca_file = ca.write_pem(&w.runner_temp());
    let ca_file = ca_file.display().to_string();

    let probe = first_probe(
        &w,
        &[("EDGEPLAN_RESOLVE", &resolve), ("SSL_CERT_FILE", &ca_file)],
        0,
    );
    assert_eq!(probe["outcome"]["state"], "healthy", "{probe}");
    let seen = origin.requests();
    assert_eq!(seen[0].line, "GET /healthz HTTP/1.1");
    assert_eq!(seen[0].header("host"), Some("origin.internal.example"));

    let reason =
        first_probe(&w, &[("EDGEPLAN_RESOLVE", &resolve)], 1)["outcome"]["reason"].to_string();
    assert!(reason.contains("UnknownIssuer"), "{reason}");

    // A file that holds no certificate is refused by name, not ignored.
    let bogus = w.runner_temp().join("bogus.pem");
    std::fs::write(&bogus, "nothing here\n").expect("write");
    let run = w.run_with(
        &["plan", "--format", "json"],
        &[
            ("EDGEPLAN_RESOLVE", &resolve),
            ("SSL_CERT_FILE", &bogus.display().to_string()),
        ],
    );
    assert!(
        run.stdout.contains("SSL_CERT_FILE=") || run.stderr.contains("SSL_CERT_FILE="),
        "{}",
        run.dump()
    );
}
