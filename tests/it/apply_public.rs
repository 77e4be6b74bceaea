//! The public check after apply, through the binary: `edgeplan apply` against the local
//! Cloudflare, then `https://<public name>/healthz` sent to local HTTPS "edges" through
//! `EDGEPLAN_RESOLVE`, trusted through `SSL_CERT_FILE` pointing at an authority made at run time.
//! An edge that adds `cf-ray` stands for Cloudflare; one without it for anything else.

use std::time::{Duration, Instant};

use crate::support::cloudflare::{Fault, Plan};
use crate::support::harness::{Run, World};
use crate::support::origin::{Behaviour, Origin};
use crate::support::tls::{TestCa, TlsOrigin};

const RAY: &str = "8f1c2d3e4a5b6c7d-FRA";

/// A world whose manifest has one endpoint per label, each with a healthy origin (plain HTTP on
/// loopback, for the probe before apply) and `health: /healthz`, and the CA's file.
struct Setup {
    w: World,
    ca: TestCa,
    _origin: Origin,
    ca_file: String,
}

fn setup(labels: &[&str]) -> Setup {
    let w = World::free();
    let origin = Origin::start(Behaviour::Status(200));
    let mut endpoints = String::new();
    for label in labels {
        endpoints.push_str(&format!(
            "  - name: {label}\n    target: {label}-prod.models.example.net\n    health: {}\n",
            origin.url("/healthz")
        ));
    }
    w.manifest(&endpoints);
    let ca = TestCa::new();
    let ca_file = ca.write_pem(&w.runner_temp()).display().to_string();
    Setup {
        w,
        ca,
        _origin: origin,
        ca_file,
    }
}

impl Setup {
    /// `apply --yes ARGS` with each `(name, port)` resolved to 127.0.0.1:port.
    fn apply(&self, args: &[&str], resolve: &[(&str, u16)]) -> Run {
        let table: Vec<String> = resolve
            .iter()
            .map(|(name, port)| format!("{name}=127.0.0.1:{port}"))
            .collect();
        let mut all = vec!["apply", "--yes"];
        all.extend_from_slice(args);
        self.w.run_with(
            &all,
            &[
                ("EDGEPLAN_RESOLVE", &table.join(",")),
                ("SSL_CERT_FILE", &self.ca_file),
            ],
        )
    }

    fn edge(&self, name: &str, status: u16) -> TlsOrigin {
        TlsOrigin::start(&self.ca, &[name], status, &[("cf-ray", RAY)])
    }
}

/// A port on loopback where nothing listens.
fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}

#[test]
fn a_healthy_name_through_the_edge_is_reported_and_no_credential_reaches_it() {
    let s = setup(&["sentiment"]);
    let edge = s.edge("sentiment.example.com", 200);
    let run = s
        .apply(&[], &[("sentiment.example.com", edge.port)])
        .expect(0);
    run.assert_stdout_has(
        "Public check: the endpoint answers at its public name through Cloudflare.",
    );
    run.assert_stdout_has("ok   https://sentiment.example.com/healthz  HTTP 200 in ");
    run.assert_stdout_has(&format!("through Cloudflare (cf-ray {RAY}), 1 attempt"));
    assert_eq!(s.w.batches().len(), 1);

    let seen = edge.requests();
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert_eq!(seen[0].line, "GET /healthz HTTP/1.1");
    assert_eq!(seen[0].header("host"), Some("sentiment.example.com"));
    // Nothing that could carry a credential, and the token in no header at all.
    for (name, value) in &seen[0].headers {
        assert!(
            !matches!(
                name.as_str(),
                "authorization" | "cookie" | "proxy-authorization"
            ),
            "{name} sent to the public name"
        );
        assert!(!value.contains(&s.w.token), "the token in {name}");
    }
}

#[test]
fn an_answer_without_cf_ray_is_reported_as_not_through_cloudflare() {
    let s = setup(&["sentiment"]);
    let direct = TlsOrigin::start(&s.ca, &["sentiment.example.com"], 200, &[]);
    let run = s
        .apply(&[], &[("sentiment.example.com", direct.port)])
        .expect(0);
    run.assert_stdout_has("1 of 1 answered, but not through Cloudflare (no cf-ray header)");
    run.assert_stdout_has("not through Cloudflare (no cf-ray header), 1 attempt");
}

#[test]
fn the_edge_codes_are_explained_and_a_failure_only_warns() {
    let s = setup(&["a", "b", "c"]);
    let edges = [
        s.edge("a.example.com", 522),
        s.edge("b.example.com", 525),
        s.edge("c.example.com", 526),
    ];
    let run = s
        .apply(
            &["--public-check-timeout", "2"],
            &[
                ("a.example.com", edges[0].port),
                ("b.example.com", edges[1].port),
                ("c.example.com", edges[2].port),
            ],
        )
        .expect(0);
    run.assert_stdout_has(
        "Public check: 3 of 3 failed (a warning: the DNS change is applied and stays).",
    );
    for (label, words) in [
        (
            "a",
            "HTTP 522 from Cloudflare: the connection to the origin timed out",
        ),
        (
            "b",
            "HTTP 525 from Cloudflare: the TLS handshake with the origin failed",
        ),
        (
            "c",
            "HTTP 526 from Cloudflare: the origin's certificate is not valid for the zone's Full (strict) TLS mode",
        ),
    ] {
        run.assert_stderr_has(&format!(
            "warning: public check: https://{label}.example.com/healthz: {words}"
        ));
    }
    assert_eq!(s.w.records().len(), 3, "applied all the same");
    assert_eq!(s.w.plan_code(), 0);
}

#[test]
fn a_name_not_reachable_at_first_is_retried_until_it_answers() {
    let s = setup(&["late"]);
    let port = closed_port();
    let ca = std::sync::Arc::new(TestCa::new());
    // The edge comes up 1.5 s after the apply started: the first attempts are refused.
    let s = Setup {
        ca_file: ca
            .write_pem(&s.w.tmp.path().join("steps"))
            .display()
            .to_string(),
        ..s
    };
    let later = ca.clone();
    let edge = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(1_500));
        TlsOrigin::start_on(port, &later, &["late.example.com"], 200, &[("cf-ray", RAY)])
    });
    let run = s
        .apply(
            &["--public-check-timeout", "20"],
            &[("late.example.com", port)],
        )
        .expect(0);
    let edge = edge.join().expect("edge");
    run.assert_stdout_has("the endpoint answers at its public name through Cloudflare");
    let attempts = attempts(&run.stdout);
    assert!(attempts > 1, "retried: {}", run.dump());
    assert!(attempts < 6, "backs off (1 s, 2 s, ...): {}", run.dump());
    assert_eq!(edge.requests().len(), 1);
}

#[test]
fn the_whole_check_is_bounded_in_time() {
    let s = setup(&["never", "nowhere", "silent"]);
    // Accepts connections and never answers (not even the TLS handshake).
    let silent = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let silent_port = silent.local_addr().expect("addr").port();
    let started = Instant::now();
    let run = s
        .apply(
            &["--public-check-timeout", "2"],
            &[
                ("never.example.com", closed_port()),
                ("nowhere.example.com", closed_port()),
                ("silent.example.com", silent_port),
            ],
        )
        .expect(0);
    let elapsed = started.elapsed();
    drop(silent);
    run.assert_stderr_has("warning: public check: https://silent.example.com/healthz: ");
    run.assert_stderr_has(
        "warning: public check: https://never.example.com/healthz: connection refused",
    );
    run.assert_stdout_has("Public check: 3 of 3 failed");
    assert!(attempts(&run.stdout) > 1, "retried: {}", run.dump());
    // Three names, one bound of 2 s for all (room left for the apply and a slow machine).
    assert!(elapsed < Duration::from_secs(8), "bounded: {elapsed:?}");
}

#[test]
fn fail_mode_exits_1_and_leaves_the_dns_applied() {
    let s = setup(&["sentiment"]);
    let edge = s.edge("sentiment.example.com", 522);
    let run = s
        .apply(
            &["--public-check", "fail", "--public-check-timeout", "2"],
            &[("sentiment.example.com", edge.port)],
        )
        .expect(1);
    run.assert_stderr_has(
        "error: the public check failed for https://sentiment.example.com/healthz; the DNS change is applied and stays",
    );
    run.assert_stderr_has("help: ");
    run.assert_stdout_has("the step fails (public-check: fail)");
    assert!(
        s.w.records()
            .iter()
            .any(|r| r.name == "sentiment.example.com"),
        "the record stays"
    );
    assert_eq!(s.w.plan_code(), 0, "a fresh plan is empty");

    // `off` sends nothing to the public name.
    let s = setup(&["sentiment"]);
    let edge = s.edge("sentiment.example.com", 522);
    s.apply(
        &["--public-check", "off"],
        &[("sentiment.example.com", edge.port)],
    )
    .expect(0);
    assert!(edge.requests().is_empty());
}

/// The attempts of the first result line of the text output (`..., N attempts`).
fn attempts(stdout: &str) -> u32 {
    let line = stdout
        .lines()
        .find(|l| l.contains("attempt"))
        .unwrap_or_else(|| panic!("no result line: {stdout}"));
    let words: Vec<&str> = line.split([' ', '(', ')', ',']).collect();
    let at = words
        .iter()
        .position(|w| w.starts_with("attempt"))
        .expect("attempts");
    words[at - 1].parse().expect("a count")
}

/// What the check adds to an apply in the healthy case: the whole process timed with the check
/// on and off, interleaved, each from an empty zone, median of 25 (figures in docs/apply.md,
/// Performance), and the check's own request as it reports it.
/// Run by hand: `cargo test --test it measure_the_public_check -- --ignored --nocapture`.
#[test]
#[ignore = "a measurement, not a check"]
fn measure_the_public_check() {
    const RUNS: usize = 25;
    let (mut on, mut off, mut request) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..RUNS {
        for check in ["warn", "off"] {
            let s = setup(&["sentiment"]);
            let edge = s.edge("sentiment.example.com", 200);
            let started = Instant::now();
            let run = s
                .apply(
                    &["--public-check", check],
                    &[("sentiment.example.com", edge.port)],
                )
                .expect(0);
            let ms = started.elapsed().as_secs_f64() * 1000.0;
            if check == "off" {
                off.push(ms);
                continue;
            }
            on.push(ms);
            let reported = run
                .stdout
                .split("HTTP 200 in ")
                .nth(1)
                .and_then(|r| r.split(' ').next().and_then(|n| n.parse::<f64>().ok()));
            request.push(reported.expect("a latency"));
        }
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        (v[RUNS / 2], v[0], v[RUNS - 1])
    };
    let (on, off, request) = (median(&mut on), median(&mut off), median(&mut request));
    println!(
        "apply, 1 endpoint, healthy, {RUNS} runs: check on median {:.0} ms (min {:.0}, max {:.0}); off median {:.0} ms (min {:.0}, max {:.0}); the check's request median {:.0} ms (min {:.0}, max {:.0})",
        on.0, on.1, on.2, off.0, off.1, off.2, request.0, request.1, request.2
    );
}

#[test]
fn a_setting_the_check_cannot_use_stops_the_apply_before_anything_is_written() {
    // The origin probes are skipped, so only the public check reads the resolver table: a bad
    // one is found before the apply, not after the DNS changed.
    let s = setup(&["sentiment"]);
    let run =
        s.w.run_with(
            &["apply", "--yes", "--skip-health"],
            &[("EDGEPLAN_RESOLVE", "not a table")],
        )
        .expect(64);
    run.assert_stderr_has("EDGEPLAN_RESOLVE");
    assert!(s.w.batches().is_empty(), "nothing was written");
    // With the check off, the same setting does not matter.
    s.w.run_with(
        &["apply", "--yes", "--skip-health", "--public-check", "off"],
        &[("EDGEPLAN_RESOLVE", "not a table")],
    )
    .expect(0);
}

#[test]
fn the_zones_that_landed_are_checked_even_when_another_zone_failed() {
    let s = setup(&["sentiment"]);
    let edge = s.edge("sentiment.example.com", 200);
    // A second manifest, for a zone whose batches all fail: it does not stop the first zone,
    // and the first zone's new name is public, so it is checked.
    let other = s.w.cf.seed_zone("other.example", Plan::Free);
    s.w.write_in_workspace(
        "other.yaml",
        "version: 1\nzone: other.example\nendpoints:\n  - name: api\n    target: api-origin.example.net\n",
    );
    let batch = format!("/zones/{other}/dns_records/batch");
    s.w.cf
        .inject_from("POST", &batch, 0, Fault::ServerErrorHtml, 20);
    let other_manifest = s.w.workspace().join("other.yaml").display().to_string();
    let run = s
        .apply(
            &["-m", &other_manifest],
            &[("sentiment.example.com", edge.port)],
        )
        .expect(3);
    run.assert_stdout_has("https://sentiment.example.com/healthz");
    run.assert_stdout_has("cf-ray");
    assert!(run.stderr.contains("other.example"), "{}", run.stderr);
    assert_eq!(
        edge.requests().len(),
        1,
        "the landed zone's name was requested"
    );
}
