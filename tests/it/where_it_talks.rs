//! Issue 24, "honest about where it is talking to", through the binary: a plain-http API base
//! only on loopback (exit 64 before any request), `SSL_CERT_FILE` a bounded regular file whose
//! every certificate block parses, and a sandbox run that says so first (and under GitHub
//! Actions is never mixed with a Cloudflare token).

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use crate::support::harness::{Run, World, bounded, edgeplan, sandbox_copy};

const EXAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/edgeplan.yaml");
const NOTICE: &str = "Sandbox, not Cloudflare: the zones are the files in ";

fn world() -> World {
    let w = World::free();
    w.endpoints(&[("sentiment", "sentiment-prod.us-east-1.elb.amazonaws.com")]);
    w
}

// Item 4: plain http only to loopback.

#[test]
fn a_plain_http_cloudflare_base_url_off_loopback_is_refused_before_any_request() {
    let w = world();
    for url in [
        "http://example.invalid/client/v4",
        "http://localhost:@example.invalid/client/v4",
    ] {
        let mut cmd = w.command(&["plan", "--skip-health"]);
        cmd.env("CLOUDFLARE_BASE_URL", url);
        let run = bounded(cmd, Duration::from_secs(20)).0.expect(64);
        run.assert_stderr_has("CLOUDFLARE_BASE_URL");
        run.assert_stderr_has("example.invalid");
        run.assert_stderr_has("help: use an https:// URL");
    }
    // Loopback plain http (every other test) still plans, against the local server.
    w.run(&["plan", "--skip-health"]).expect(0);
    assert!(!w.cf.requests().is_empty(), "loopback http is used");
}

#[test]
fn the_action_refuses_a_plain_http_github_api_url_off_loopback() {
    let w = World::for_action();
    w.endpoints(&[("sentiment", "sentiment-prod.us-east-1.elb.amazonaws.com")]);
    let run = w
        .pull_request("pull_request.opened.json")
        .var("GITHUB_API_URL", "http://10.0.0.1")
        .var("INPUT_SKIP_HEALTH", "true")
        .run_checked(64);
    run.assert_stderr_has("GITHUB_API_URL");
    run.assert_stderr_has("10.0.0.1");
    assert!(
        w.cf.requests().is_empty(),
        "nothing sent to Cloudflare either"
    );
}

// Item 7: SSL_CERT_FILE.

fn plan_with_cert_file(w: &World, file: &Path) -> Run {
    let mut cmd = w.command(&["plan", "--skip-health"]);
    cmd.env("SSL_CERT_FILE", file);
    bounded(cmd, Duration::from_secs(20)).0
}

fn ca_pem() -> String {
    let key = rcgen::KeyPair::generate().expect("key");
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("params");
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    params.self_signed(&key).expect("CA").pem()
}

#[test]
fn a_cert_file_that_is_not_a_regular_file_is_refused_quickly() {
    let w = world();
    let dir = w.tmp.path().join("certs-dir");
    std::fs::create_dir_all(&dir).expect("mkdir");
    let mut files = vec![Path::new("/dev/zero").to_path_buf(), dir];
    #[cfg(unix)]
    {
        let fifo = w.tmp.path().join("certs.fifo");
        let made = Command::new("mkfifo").arg(&fifo).status().expect("mkfifo");
        assert!(made.success());
        files.push(fifo);
    }
    for file in files {
        let run = plan_with_cert_file(&w, &file).expect(64);
        run.assert_stderr_has("SSL_CERT_FILE=");
        run.assert_stderr_has("regular");
    }
    assert!(w.cf.requests().is_empty(), "refused before any request");
}

#[test]
fn a_cert_file_over_the_bound_is_refused() {
    let w = world();
    let big = w.tmp.path().join("big.pem");
    let file = std::fs::File::create(&big).expect("create");
    file.set_len(8 * 1024 * 1024 + 1).expect("sparse file");
    let run = plan_with_cert_file(&w, &big).expect(64);
    run.assert_stderr_has("larger than 8 MiB");
}

#[test]
fn one_broken_certificate_block_beside_a_good_one_is_refused_by_its_index() {
    let w = world();
    let file = w.tmp.path().join("bundle.pem");
    let broken =
        "-----BEGIN CERTIFICATE-----\nTUlJQm9uZSBicm9rZW4gYmxvY2s=\n-----END CERTIFICATE-----\n";
    std::fs::write(&file, format!("# a comment\n{}\n{broken}", ca_pem())).expect("write");
    let run = plan_with_cert_file(&w, &file).expect(64);
    run.assert_stderr_has("certificate block 2");
    // Text between blocks is ignored, and a good bundle plans.
    std::fs::write(
        &file,
        format!("Subject: my CA\n{}\ntrailing words\n", ca_pem()),
    )
    .expect("write");
    plan_with_cert_file(&w, &file).expect(0);
}

#[test]
fn a_trusted_certificate_block_gets_a_warning_naming_its_label() {
    let w = world();
    let file = w.tmp.path().join("trusted.pem");
    let trusted = ca_pem().replace("CERTIFICATE-----", "TRUSTED CERTIFICATE-----");
    std::fs::write(&file, format!("{}{trusted}", ca_pem())).expect("write");
    let run = plan_with_cert_file(&w, &file).expect(0);
    run.assert_stderr_has("warning: SSL_CERT_FILE=");
    run.assert_stderr_has("`TRUSTED CERTIFICATE`");
}

// Item 14: a sandbox says so first.

fn sandbox_run(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut cmd = edgeplan();
    cmd.args(args)
        .args(["--skip-health", "-m", EXAMPLE])
        .env("EDGEPLAN_SANDBOX", dir)
        .env("CLOUDFLARE_API_TOKEN", "cf-token-that-is-not-used");
    for (k, v) in env {
        cmd.env(k, v);
    }
    bounded(cmd, Duration::from_secs(30)).0
}

#[test]
fn an_exported_sandbox_says_so_first_even_beside_a_token() {
    let sandbox = sandbox_copy();
    let text = sandbox_run(sandbox.path(), &["plan"], &[]).expect(0);
    let first = text.stdout.lines().next().unwrap_or_default();
    assert!(first.starts_with(NOTICE), "{}", text.stdout);
    assert!(first.ends_with("(from EDGEPLAN_SANDBOX)."), "{first}");

    for format in ["json", "markdown"] {
        let run = sandbox_run(sandbox.path(), &["plan", "--format", format], &[]).expect(0);
        let first = run.stderr.lines().next().unwrap_or_default();
        assert!(first.starts_with(NOTICE), "{format}: {}", run.stderr);
        assert!(
            !run.stdout.contains(NOTICE),
            "{format}: stdout stays the output"
        );
    }
    let json = sandbox_run(sandbox.path(), &["plan", "--format", "json"], &[]).expect(0);
    serde_json::from_str::<serde_json::Value>(&json.stdout).expect("stdout is the plan JSON");

    let applied = sandbox_run(sandbox.path(), &["apply", "--yes"], &[]).expect(0);
    let first = applied.stdout.lines().next().unwrap_or_default();
    assert!(first.starts_with(NOTICE), "{}", applied.stdout);
}

#[test]
fn under_actions_a_sandbox_beside_a_cloudflare_token_is_a_usage_error() {
    let sandbox = sandbox_copy();
    for args in [&["plan"][..], &["apply", "--yes"][..]] {
        let run = sandbox_run(sandbox.path(), args, &[("GITHUB_ACTIONS", "true")]).expect(64);
        run.assert_stderr_has("EDGEPLAN_SANDBOX and CLOUDFLARE_API_TOKEN");
    }
    // The Action too.
    let w = World::for_action();
    w.endpoints(&[("sentiment", "sentiment-prod.us-east-1.elb.amazonaws.com")]);
    let run = w
        .pull_request("pull_request.opened.json")
        .var("EDGEPLAN_SANDBOX", &sandbox.path().to_string_lossy())
        .var("INPUT_SKIP_HEALTH", "true")
        .run_checked(64);
    run.assert_stderr_has("EDGEPLAN_SANDBOX and CLOUDFLARE_API_TOKEN");
    assert!(w.cf.requests().is_empty());
    // Without the token the Action uses the sandbox and says so.
    let run = w
        .pull_request("pull_request.opened.json")
        .var("EDGEPLAN_SANDBOX", &sandbox.path().to_string_lossy())
        .var("INPUT_SKIP_HEALTH", "true")
        .unset("CLOUDFLARE_API_TOKEN")
        .run();
    run.assert_stderr_has(NOTICE);
}
