//! Benchmark: the many-zones plan under latency, side by side with the same plan at 0 ms.
//!
//! Starts the local Cloudflare (the code of `examples/cloudflare-server.rs`, in-process so its
//! request log can be read) with `--zones` Pro zones `zNNN.example`, each holding `--records`
//! records once applied, `--managed` of which are model endpoints: before the plan a zone holds
//! the `records - managed` other records (80 % A, 10 % TXT, 10 % unproxied CNAME, as
//! `bench/gen.py`), so the plan is `managed` creates per zone. One manifest per zone; the binary
//! given by `--bin` (the release build; see `bench/many-zones-latency.sh`) runs
//! `edgeplan plan -m 'DIR/dns/*.yaml'` as a user would, with a scrubbed environment.
//!
//! Each run plans twice against the same server, once with 0 ms and once with `--latency-ms`
//! added before every answer, alternating which goes first, so both see the same machine load.
//! Reports the wall time of each (median of `--runs`, min and max), their ratio, the requests
//! made and, for the latency run, the sequential rounds the server saw (a request received
//! within half the latency of a round's first request shares its round). Every run's stdout
//! must be byte-identical to the first one's. Goal (issue 24, item 17): the latency run takes at
//! most 1.25x the 0 ms run.
//!
//! Flags: `--bin PATH` (required), `--zones N` (100), `--records N` (1000), `--managed N` (60),
//! `--latency-ms MS` (20), `--runs N` (3).

// Tests and examples may print; shipped code prints only through src/output.rs.
#![allow(clippy::print_stdout, clippy::print_stderr)]

#[path = "../tests/it/support/standalone.rs"]
mod support;

use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use serde_json::json;
use support::bench::{self, Report, Spread, flag, ms, number};
use support::cloudflare::{CloudflareServer, Plan};
use support::rounds::rounds;

/// The most the latency run may take, as a multiple of the 0 ms run.
const GOAL: f64 = 1.25;

fn main() -> ExitCode {
    bench::main(run)
}

/// What one plan took and what the server saw.
struct Sample {
    wall: Duration,
    requests: usize,
    /// With latency only: without it a round cannot be told from the next.
    rounds: Option<usize>,
    stdout: Vec<u8>,
}

fn run(args: &[String]) -> Result<Report, String> {
    let bin = flag(args, "--bin").ok_or("--bin PATH (the edgeplan binary) is required")?;
    let zones = number(args, "--zones", 100)? as usize;
    let records = number(args, "--records", 1000)? as usize;
    let managed = number(args, "--managed", 60)? as usize;
    let latency = number(args, "--latency-ms", 20)?;
    let runs = number(args, "--runs", 3)?.max(1);
    if managed > records {
        return Err("--managed must not exceed --records".into());
    }

    let dir = tempfile::tempdir().map_err(|e| format!("temp dir: {e}"))?;
    std::fs::create_dir(dir.path().join("dns")).map_err(|e| format!("mkdir dns: {e}"))?;
    let cf = CloudflareServer::start();
    for z in 0..zones {
        let name = format!("z{z:03}.example");
        cf.seed_zone(&name, Plan::Pro);
        for i in 0..records - managed {
            cf.try_add_record(&name, &unrelated(i, &name))?;
        }
        let mut text = format!("version: 1\nzone: {name}\nendpoints:\n");
        for j in 0..managed {
            text.push_str(&format!(
                "  - name: model-{j}\n    target: model-{j}.origin.example.net\n"
            ));
        }
        std::fs::write(dir.path().join(format!("dns/{name}.yaml")), text)
            .map_err(|e| format!("write manifest: {e}"))?;
    }
    let pattern = dir.path().join("dns").join("*.yaml");

    let mut fast = Vec::new();
    let mut slow = Vec::new();
    for run in 0..runs {
        // Alternate which goes first, so that neither always meets a warmer machine.
        let order = if run % 2 == 0 {
            [0, latency]
        } else {
            [latency, 0]
        };
        for ms in order {
            let sample = plan(&cf, bin, &pattern, ms)?;
            let want = format!("{managed} to create, 0 to update, 0 to delete");
            let said = String::from_utf8_lossy(&sample.stdout)
                .matches(&want)
                .count();
            if said != zones {
                return Err(format!(
                    "run {} ({ms} ms): `{want}` said for {said} of {zones} zones",
                    run + 1
                ));
            }
            let first = fast.first().or(slow.first()).map(|s: &Sample| &s.stdout);
            if first.is_some_and(|f| *f != sample.stdout) {
                return Err(format!(
                    "run {} ({ms} ms): stdout differs from the first run's",
                    run + 1
                ));
            }
            if ms == 0 { &mut fast } else { &mut slow }.push(sample);
        }
    }
    let line = |label: String, samples: &mut Vec<Sample>| {
        samples.sort_by_key(|s| s.wall);
        let s = &samples[samples.len() / 2];
        let spread = Spread::of(samples.iter().map(|s| s.wall).collect());
        let rounds = match s.rounds {
            Some(n) => format!(" in {n} sequential rounds"),
            None => String::new(),
        };
        println!(
            "{label}: median {:.0} ms (min {:.0}, max {:.0}, n={}), {} requests{rounds}",
            ms(spread.median),
            ms(spread.min),
            ms(spread.max),
            samples.len(),
            s.requests,
        );
        spread.median
    };
    println!(
        "zones={zones} records per zone={records} (managed {managed}, plan: {managed} creates each) runs={runs}"
    );
    let base = line("0 ms".into(), &mut fast);
    let added = line(format!("{latency} ms"), &mut slow);
    let ratio = added.as_secs_f64() / base.as_secs_f64().max(f64::EPSILON);
    Ok(Report {
        measured: format!("ratio {latency} ms / 0 ms: {ratio:.2}x"),
        goal: format!("at most {GOAL}x"),
        met: ratio <= GOAL,
    })
}

/// The `i`-th record of a zone that is not a model endpoint (as `bench/gen.py`).
fn unrelated(i: usize, zone: &str) -> serde_json::Value {
    let name = format!("host-{i}.{zone}");
    let (kind, content) = match i % 10 {
        8 => ("TXT", format!("bench-{i}")),
        9 => ("CNAME", format!("alias-{i}.other.example.net")),
        _ => ("A", format!("198.51.{}.{}", (i / 250) % 250, i % 250 + 1)),
    };
    json!({"type": kind, "name": name, "content": content, "proxied": false, "ttl": 300})
}

/// `edgeplan plan` of every manifest with `latency_ms` added to each answer.
fn plan(
    cf: &CloudflareServer,
    bin: &str,
    pattern: &Path,
    latency_ms: u64,
) -> Result<Sample, String> {
    cf.set_latency(latency_ms);
    cf.clear_requests();
    let (out, wall) = bench::timed(
        bench::edgeplan(bin, cf)
            .env("NO_COLOR", "1")
            .env("CI", "true")
            .arg("plan")
            .arg("-m")
            .arg(pattern),
        bin,
        &format!("plan ({latency_ms} ms)"),
    )?;
    let log = cf.requests();
    Ok(Sample {
        wall,
        requests: log.len(),
        rounds: (latency_ms > 0).then(|| {
            let received = log.iter().map(|r| (r.at, ())).collect();
            rounds(received, Duration::from_millis(latency_ms)).len()
        }),
        stdout: out.stdout,
    })
}
