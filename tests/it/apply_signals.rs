//! SIGTERM and SIGINT during `edgeplan apply`: the process says on stderr what was in flight
//! and exits 143 (SIGTERM) or 130 (SIGINT), as shells report a process a signal ended. Run as
//! the real binary against the local Cloudflare, which holds a request open (a stall) so the
//! signal arrives at a known moment.

use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::support::cloudflare::Fault;
use crate::support::harness::{Run, World};

const THREE: &str = "  - name: sentiment\n    target: sentiment.elb.amazonaws.com\n  - name: embeddings\n    target: embeddings.a.run.app\n  - name: rerank\n    target: rerank.lambda-url.on.aws\n";

/// Starts `apply --yes`, waits until the local Cloudflare has seen a request `seen` says is the
/// one held open, sends `signal` (a `kill` name: TERM, INT) and returns the run. Bounded: the
/// held request stalls a few seconds, the process gets 10 s to exit after the signal.
fn interrupt(w: &World, seen: impl Fn(&World) -> bool, signal: &str) -> Run {
    let mut child = w
        .command(&["apply", "--yes"])
        // Longer than the stall: the client must not give up on the request first.
        .env("EDGEPLAN_HTTP_TIMEOUT_MS", "20000")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn edgeplan");
    let deadline = Instant::now() + Duration::from_secs(10);
    while !seen(w) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
    assert!(seen(w), "the held request never arrived");
    let killed = std::process::Command::new("kill")
        .arg(format!("-{signal}"))
        .arg(child.id().to_string())
        .status()
        .expect("run kill");
    assert!(killed.success(), "kill -{signal} failed");
    let deadline = Instant::now() + Duration::from_secs(10);
    while child.try_wait().expect("wait").is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    Run::from_output(child.wait_with_output().expect("output"))
}

fn world() -> World {
    let w = World::free();
    w.manifest(THREE);
    w
}

#[test]
fn sigterm_while_the_batch_is_in_flight_exits_143_saying_its_outcome_is_unknown() {
    let w = world();
    w.cf.fault_batch(0, Fault::Stall(Duration::from_secs(3)));
    let run = interrupt(&w, |w| !w.batches().is_empty(), "TERM");
    run.assert_code(143);
    run.assert_stderr_has(
        "error: interrupted by SIGTERM while the batch for zone example.com was sent: its outcome is unknown",
    );
    run.assert_stderr_has("run apply again: it re-reads the zone and converges");
    // The stalled batch still lands on the server; a re-run converges without duplicates.
    let deadline = Instant::now() + Duration::from_secs(10);
    while w.records().len() < 3 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    w.apply().expect(0).assert_stdout_has("Nothing to apply.");
    w.assert_one_record_per_name();
}

#[test]
fn sigint_before_any_write_exits_130_saying_nothing_was_sent() {
    let w = world();
    w.cf.inject_at(
        "GET",
        "/dns_records",
        0,
        Fault::Stall(Duration::from_secs(10)),
    );
    let run = interrupt(
        &w,
        |w| {
            w.cf.requests()
                .iter()
                .any(|r| r.path.ends_with("/dns_records"))
        },
        "INT",
    );
    run.assert_code(130);
    run.assert_stderr_has("error: interrupted by SIGINT before any change was sent");
    assert!(w.batches().is_empty());
    assert!(w.records().is_empty());
}
