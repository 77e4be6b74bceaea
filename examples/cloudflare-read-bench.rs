//! Benchmark: how many requests and how long edgeplan takes to read a 10,000-record zone.
//!
//! Starts the local Cloudflare in-process with 10,000 records and an injected latency per request,
//! then times `Provider::zone` plus `Provider::records` with the real client. The goal (issue B):
//! at most 3 list requests after the zone lookup, and under 150 ms in total with 20 ms latency.
//! Run it with `bench/cloudflare-read.sh` (release build); flags: `--records N`, `--latency-ms MS`,
//! `--runs N`.

#[path = "../tests/it/support/standalone.rs"]
mod support;

use std::process::ExitCode;
use std::time::{Duration, Instant};

use edgeplan::cloudflare::{ClientOptions, CloudflareClient};
use edgeplan::provider::Provider;
use edgeplan::secret::Secret;
use serde_json::json;
use support::bench::{self, Report, Spread, ms, number};
use support::cloudflare::{CloudflareServer, Plan, TOKEN};

fn main() -> ExitCode {
    bench::main(run)
}

fn run(args: &[String]) -> Result<Report, String> {
    let n = number(args, "--records", 10_000)? as usize;
    let latency = number(args, "--latency-ms", 20)?;
    let runs = number(args, "--runs", 5)?.max(1);

    let cf = CloudflareServer::start();
    cf.seed_zone("bench.example", Plan::Pro);
    for i in 0..n {
        cf.try_add_record(
            "bench.example",
            &json!({"type": "CNAME", "name": format!("m{i}"), "content": format!("origin-{i}.example.net"),
                    "proxied": true, "comment": format!("edgeplan:default | model {i}")}),
        )?;
    }
    cf.set_latency(latency);
    let client = CloudflareClient::new(&cf.url(), Secret::new(TOKEN), ClientOptions::default())
        .map_err(|e| e.to_string())?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;

    let mut times = Vec::new();
    let mut zone_times = Vec::new();
    let mut list_requests = 0;
    for _ in 0..runs {
        cf.clear_requests();
        let started = Instant::now();
        let count = runtime.block_on(async {
            let zone = client.zone("bench.example", None).await?;
            zone_times.push(started.elapsed());
            client.records(&zone).await.map(|r| r.len())
        });
        let elapsed = started.elapsed();
        let count = count.map_err(|e| e.to_string())?;
        if count != n {
            return Err(format!("read {count} records, expected {n}"));
        }
        list_requests = cf
            .requests()
            .iter()
            .filter(|r| r.path.ends_with("/dns_records"))
            .count();
        times.push(elapsed);
    }
    let spread = Spread::of(times);
    let zone_lookup = Spread::of(zone_times).median;
    Ok(Report {
        measured: format!(
            "records={n} latency={latency}ms runs={runs} zone_requests=1 list_requests={list_requests} \
             median={:.1}ms (zone lookup {:.1}ms) min={:.1}ms max={:.1}ms",
            ms(spread.median),
            ms(zone_lookup),
            ms(spread.min),
            ms(spread.max)
        ),
        goal: "<=3 list requests, <150 ms with 20 ms latency".to_string(),
        met: list_requests <= 3 && spread.median < Duration::from_millis(150),
    })
}
