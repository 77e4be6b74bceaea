//! Benchmark: `edgeplan apply` of 1,000 creates on a Free zone, with latency injected per request.
//!
//! Starts the local Cloudflare (the code of `examples/cloudflare-server.rs`, in-process so its
//! request log can be read) with an empty Free zone and 20 ms latency, then runs the edgeplan
//! binary given by `--bin` (the release build; see `bench/apply.sh`) as a user would: `edgeplan
//! apply --yes` with a 1,000-endpoint manifest and a scrubbed environment. Each run starts from an
//! empty zone. Reports the requests made (by method and path, from the server's log) and the wall
//! time of the whole process, median of `--runs`. Goal (issue 5): 5 batch requests on a Free zone
//! (200 per batch), and a wall time dominated by the 8 round trips, not by edgeplan.
//!
//! Flags: `--bin PATH` (required), `--endpoints N` (1000), `--latency-ms MS` (20), `--runs N` (5).

#[path = "../tests/it/support/standalone.rs"]
mod support;

use std::collections::BTreeMap;
use std::process::ExitCode;

use support::bench::{self, Report, Spread, flag, ms, number};
use support::cloudflare::{CloudflareServer, Plan};

fn main() -> ExitCode {
    bench::main(run)
}

fn run(args: &[String]) -> Result<Report, String> {
    let bin = flag(args, "--bin").ok_or("--bin PATH (the edgeplan binary) is required")?;
    let n = number(args, "--endpoints", 1000)? as usize;
    let latency = number(args, "--latency-ms", 20)?;
    let runs = number(args, "--runs", 5)?.max(1);

    let dir = tempfile::tempdir().map_err(|e| format!("temp dir: {e}"))?;
    let manifest = dir.path().join("edgeplan.yaml");
    let mut text = String::from("version: 1\nzone: bench.example\nendpoints:\n");
    for i in 0..n {
        text.push_str(&format!(
            "  - name: model-{i:04}\n    target: origin-{i}.inference.example.net\n    comment: model {i}\n"
        ));
    }
    std::fs::write(&manifest, text).map_err(|e| format!("write manifest: {e}"))?;

    let cf = CloudflareServer::start();
    cf.seed_zone("bench.example", Plan::Free);
    cf.set_latency(latency);

    let mut times = Vec::new();
    let mut requests = BTreeMap::new();
    for run in 0..runs {
        if let Some(zone) = cf.state().zones.first_mut() {
            zone.records.clear();
        }
        cf.clear_requests();
        let (_, elapsed) = bench::timed(
            bench::edgeplan(bin, &cf)
                .args(["apply", "--yes", "-m"])
                .arg(&manifest),
            bin,
            &format!("run {}", run + 1),
        )?;
        let stored = cf.records("bench.example").len();
        if stored != n {
            return Err(format!("run {}: {stored} records, expected {n}", run + 1));
        }
        requests.clear();
        for r in cf.requests() {
            let path = r.path.rsplit('/').next().unwrap_or("").to_string();
            *requests
                .entry(format!("{} {}", r.method, path))
                .or_insert(0usize) += 1;
        }
        times.push(elapsed);
    }
    let spread = Spread::of(times);
    let total: usize = requests.values().sum();
    let batches = requests.get("POST batch").copied().unwrap_or(0);
    let detail: Vec<String> = requests.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let want = n.div_ceil(200);
    Ok(Report {
        measured: format!(
            "endpoints={n} zone=free latency={latency}ms runs={runs} requests={total} ({}) \
             median={:.0}ms min={:.0}ms max={:.0}ms",
            detail.join(", "),
            ms(spread.median),
            ms(spread.min),
            ms(spread.max)
        ),
        goal: format!("{want} batch requests for {n} creates on Free"),
        met: batches == want,
    })
}
