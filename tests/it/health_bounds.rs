//! Origin probes and the public check through the binary, at their edges: a proxy in the
//! environment is never used by them (and named, with `skip-health`, when a probe cannot connect),
//! and the whole probe phase has one bound that names what it cut off. (An IPv6 form carrying a
//! non-public IPv4 address is refused with the other forbidden addresses, in `apply_health.rs`.)

use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::apply_health::INTERNAL;
use crate::support::harness::{Run, World};
use crate::support::origin::{Behaviour, Origin, closed_port};
use crate::support::tls::{TestCa, TlsOrigin};

/// A "proxy" on loopback that only counts the connections made to it, and closes them.
struct Proxy {
    url: String,
    connections: Arc<AtomicUsize>,
}

impl Proxy {
    fn start() -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let connections = Arc::new(AtomicUsize::new(0));
        let seen = connections.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                seen.fetch_add(1, Ordering::SeqCst);
                drop(stream);
            }
        });
        Proxy { url, connections }
    }

    fn contacted(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }

    /// Every proxy variable reqwest reads, pointed here; the API clients (which may use a
    /// proxy) reach the local Cloudflare directly through `NO_PROXY`, which names only the
    /// literal loopback, not the names the probes ask for.
    fn env(&self) -> Vec<(&'static str, String)> {
        let mut env: Vec<(&'static str, String)> = [
            "HTTPS_PROXY",
            "https_proxy",
            "HTTP_PROXY",
            "http_proxy",
            "ALL_PROXY",
            "all_proxy",
        ]
        .into_iter()
        .map(|name| (name, self.url.clone()))
        .collect();
        env.push(("NO_PROXY", "127.0.0.1,localhost".into()));
        env
    }
}

fn run(w: &World, args: &[&str], env: &[(&str, String)]) -> Run {
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    w.run_with(args, &env)
}

fn probes(run: &Run) -> Vec<serde_json::Value> {
    let plan: serde_json::Value = serde_json::from_str(&run.stdout).expect("plan JSON");
    plan["health"].as_array().cloned().unwrap_or_default()
}

/// With every proxy variable set, the probe before apply and the public check after it go
/// straight to the addresses `EDGEPLAN_RESOLVE` gives (TLS verified for the names), and the
/// proxy sees no connection at all.
#[test]
fn probes_and_the_public_check_never_use_a_proxy() {
    let proxy = Proxy::start();
    let ca = TestCa::new();
    let origin = TlsOrigin::start(&ca, &["origin.internal.example"], 200, &[]);
    let edge = TlsOrigin::start(&ca, &["sentiment.example.com"], 200, &[("cf-ray", "1-FRA")]);
    let w = World::free();
    w.manifest(INTERNAL);
    let mut env = proxy.env();
    env.push((
        "EDGEPLAN_RESOLVE",
        format!(
            "origin.internal.example=127.0.0.1:{},sentiment.example.com=127.0.0.1:{}",
            origin.port, edge.port
        ),
    ));
    env.push((
        "SSL_CERT_FILE",
        ca.write_pem(&w.runner_temp()).display().to_string(),
    ));

    let plan = run(&w, &["plan", "--format", "json"], &env).expect(0);
    assert_eq!(
        probes(&plan)[0]["outcome"]["state"],
        "healthy",
        "{}",
        plan.dump()
    );
    let apply = run(&w, &["apply", "--yes", "--public-check", "fail"], &env).expect(0);
    apply.assert_stdout_has("ok   https://sentiment.example.com/healthz  HTTP 200");
    assert_eq!(w.batches().len(), 1);
    assert!(
        !origin.requests().is_empty(),
        "the probe went to the origin"
    );
    assert!(
        !edge.requests().is_empty(),
        "the public check went to the edge"
    );
    assert_eq!(proxy.contacted(), 0, "the proxy was used");
}

/// A runner that reaches the internet only through a proxy: a probe that cannot connect says a
/// proxy is set, that probes never use one, and names `skip-health`.
#[test]
fn a_probe_that_cannot_connect_with_a_proxy_set_says_so_and_names_skip_health() {
    let proxy = Proxy::start();
    let w = World::free();
    w.manifest(INTERNAL);
    let mut env = proxy.env();
    env.push((
        "EDGEPLAN_RESOLVE",
        format!("origin.internal.example=127.0.0.1:{}", closed_port()),
    ));
    let plan = run(&w, &["plan", "--format", "json"], &env).expect(1);
    let reason = probes(&plan)[0]["outcome"]["reason"].to_string();
    assert!(reason.contains("connection refused"), "{reason}");
    assert!(reason.contains("HTTPS_PROXY is set"), "{reason}");
    assert!(reason.contains("never use a proxy"), "{reason}");
    assert!(reason.contains("skip-health"), "{reason}");
    assert_eq!(proxy.contacted(), 0);

    // Without a proxy variable, the failure is only what happened.
    let env: Vec<(&str, String)> = env
        .into_iter()
        .filter(|(k, _)| k.starts_with("EDGEPLAN"))
        .collect();
    let plan = run(&w, &["plan", "--format", "json"], &env).expect(1);
    let reason = probes(&plan)[0]["outcome"]["reason"].to_string();
    assert!(!reason.contains("proxy"), "{reason}");
}

/// Origins that accept and never answer, a per-probe timeout far longer than the phase's bound:
/// the phase ends at its bound, every endpoint cut off is a failed probe that names the bound,
/// and the apply refuses (unless `--skip-health`).
#[test]
fn the_whole_probe_phase_is_bounded_and_names_what_it_cut_off() {
    let hanging: Vec<Origin> = (0..3).map(|_| Origin::start(Behaviour::Hang)).collect();
    let w = World::free();
    let mut endpoints = String::new();
    for (i, origin) in hanging.iter().enumerate() {
        endpoints.push_str(&format!(
            "  - name: model{i}\n    target: model{i}.models.example.net\n    health: {}\n",
            origin.url("/healthz")
        ));
    }
    w.manifest(&endpoints);
    let env = [
        ("EDGEPLAN_HEALTH_TIMEOUT_MS", "60000".to_string()),
        ("EDGEPLAN_HEALTH_TOTAL_TIMEOUT", "1".to_string()),
    ];

    let started = Instant::now();
    let plan = run(&w, &["plan", "--format", "json"], &env).expect(1);
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "the phase ran {:?}",
        started.elapsed()
    );
    let probes = probes(&plan);
    assert_eq!(probes.len(), 3, "{}", plan.dump());
    for (i, probe) in probes.iter().enumerate() {
        assert_eq!(probe["name"], format!("model{i}.example.com"), "{probe}");
        let reason = probe["outcome"]["reason"].to_string();
        assert!(
            reason.contains("not probed within the probe phase's bound of 1 s"),
            "{reason}"
        );
        assert!(reason.contains("EDGEPLAN_HEALTH_TOTAL_TIMEOUT"), "{reason}");
    }

    let started = Instant::now();
    let apply = run(&w, &["apply", "--yes"], &env).expect(1);
    assert!(started.elapsed() < Duration::from_secs(15));
    apply.assert_stderr_has("model2.example.com");
    apply.assert_stderr_has("not probed within");
    apply.assert_stderr_has("--skip-health");
    assert!(w.batches().is_empty(), "a refused apply must not write");

    // A bound that is not whole seconds in range is a usage error naming the variable.
    for bad in ["0", "soon", "3601"] {
        let run = run(
            &w,
            &["plan"],
            &[("EDGEPLAN_HEALTH_TOTAL_TIMEOUT", bad.to_string())],
        );
        assert_eq!(run.code, 64, "{bad}: {}", run.dump());
        run.assert_stderr_has("EDGEPLAN_HEALTH_TOTAL_TIMEOUT");
    }
}

/// docs/origins.md and SECURITY.md state the bound (its variable and default, as the code has
/// them), the proxy rule and the IPv6 rules.
#[test]
fn the_docs_state_the_bound_the_proxy_rule_and_the_ipv6_rules() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    // The text with its line breaks and indents read as single spaces.
    let read = |p: &str| {
        let text = std::fs::read_to_string(root.join(p)).expect(p);
        text.split_whitespace().collect::<Vec<_>>().join(" ")
    };
    let origins = read("docs/origins.md");
    let security = read("SECURITY.md");
    let default = format!("{} s by default", edgeplan::health::DEFAULT_TOTAL.as_secs());
    for doc in [&origins, &security] {
        for words in [
            edgeplan::health::TOTAL_ENV,
            default.as_str(),
            "HTTPS_PROXY",
            "ALL_PROXY",
            "HTTP_PROXY",
            "skip-health",
            "`::ffff:127.0.0.1`",
            "`fec0::/10`",
            "`64:ff9b:1::/48`",
        ] {
            assert!(doc.contains(words), "{words}");
        }
    }
    assert!(origins.contains(&format!("1 to {}", edgeplan::health::MAX_TOTAL_SECS)));
}
