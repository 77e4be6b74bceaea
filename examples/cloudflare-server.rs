//! The local Cloudflare (tests/it/support/cloudflare) as a standalone process, for benchmarks,
//! manual tries, and pointing other tools (octoDNS) at a Cloudflare that keeps state.
//!
//! ```text
//! cargo run --example cloudflare-server -- --port 8787 --zone example.com:free \
//!     --seed records.json --latency-ms 20 --max-per-page 5000 --token my-token
//! ```
//!
//! Prints the API base URL (`http://127.0.0.1:PORT/client/v4`) on the first line of stdout, then
//! serves until killed. `--seed` takes a JSON file holding either a `GET dns_records` answer
//! (`{"result": [...]}`) or a bare array of records; each record goes to the zone its name ends
//! in, or to the last `--zone` given when the name is relative. `--record-quota` sets every zone's
//! record quota (as Cloudflare does for large Enterprise zones). `GET /__stats` (no token) answers
//! the number of requests served so far; `GET /__stats?reset=1` also resets the count.

// Tests and examples may print; shipped code prints only through src/output.rs.
#![allow(clippy::print_stdout, clippy::print_stderr)]

#[path = "../tests/it/support/standalone.rs"]
mod support;

use std::io::Write;
use std::process::ExitCode;

use serde_json::{Value, json};
use support::cloudflare::{CloudflareServer, Plan, Scope, TOKEN};

const USAGE: &str = "usage: cloudflare-server [--port N] [--zone NAME[:free|pro|business|enterprise]]... \
[--seed FILE.json]... [--generate N] [--latency-ms MS] [--max-per-page N] [--token TOKEN] \
[--read-only-token TOKEN] [--record-quota N]";

fn main() -> ExitCode {
    match run(std::env::args().skip(1).collect()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}\n{USAGE}");
            ExitCode::from(64)
        }
    }
}

#[derive(Default)]
struct Args {
    port: u16,
    zones: Vec<(String, Plan)>,
    seeds: Vec<String>,
    generate: usize,
    latency_ms: u64,
    max_per_page: Option<usize>,
    token: Option<String>,
    read_only: Vec<String>,
    record_quota: Option<usize>,
}

fn parse(argv: Vec<String>) -> Result<Args, String> {
    let mut args = Args::default();
    let mut it = argv.into_iter();
    while let Some(flag) = it.next() {
        if flag == "-h" || flag == "--help" {
            println!("{USAGE}");
            std::process::exit(0);
        }
        let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value"));
        let number = |v: String| {
            v.parse::<u64>()
                .map_err(|_| format!("{flag}: `{v}` is not a number"))
        };
        match flag.as_str() {
            "--port" => {
                args.port =
                    u16::try_from(number(value()?)?).map_err(|_| "--port: too large".to_string())?
            }
            "--zone" => {
                let v = value()?;
                let (name, plan) = v.split_once(':').unwrap_or((&v, "free"));
                let plan = Plan::parse(plan)
                    .ok_or_else(|| format!("--zone {v}: unknown plan `{plan}`"))?;
                args.zones.push((name.to_ascii_lowercase(), plan));
            }
            "--seed" => args.seeds.push(value()?),
            "--generate" => args.generate = number(value()?)? as usize,
            "--latency-ms" => args.latency_ms = number(value()?)?,
            "--max-per-page" => args.max_per_page = Some(number(value()?)? as usize),
            "--token" => args.token = Some(value()?),
            "--read-only-token" => args.read_only.push(value()?),
            "--record-quota" => args.record_quota = Some(number(value()?)? as usize),
            other => return Err(format!("unknown flag `{other}`")),
        }
    }
    Ok(args)
}

fn run(argv: Vec<String>) -> Result<(), String> {
    let args = parse(argv)?;
    let cf = CloudflareServer::start_on(args.port);
    for (name, plan) in &args.zones {
        cf.seed_zone(name, *plan);
    }
    let last_zone = args.zones.last().map(|(n, _)| n.clone());
    for file in &args.seeds {
        let text = std::fs::read_to_string(file).map_err(|e| format!("--seed {file}: {e}"))?;
        let value: Value =
            serde_json::from_str(&text).map_err(|e| format!("--seed {file}: {e}"))?;
        let records = value
            .get("result")
            .unwrap_or(&value)
            .as_array()
            .ok_or_else(|| format!("--seed {file}: expected a `result` array of records"))?;
        for record in records {
            let name = record
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or("@")
                .to_ascii_lowercase();
            let zone = args
                .zones
                .iter()
                .map(|(z, _)| z)
                .filter(|z| name == **z || name.ends_with(&format!(".{z}")))
                .max_by_key(|z| z.len())
                .cloned()
                .or_else(|| last_zone.clone())
                .ok_or_else(|| format!("--seed {file}: give --zone before seeding records"))?;
            cf.try_add_record(&zone, record)
                .map_err(|e| format!("--seed {file}: {e}"))?;
        }
    }
    if args.generate > 0 {
        let zone = last_zone.ok_or("--generate needs a --zone")?;
        for i in 0..args.generate {
            let record = json!({"type": "A", "name": format!("host-{i}"),
                "content": format!("192.0.{}.{}", (i / 250) % 250, i % 250 + 1),
                "comment": if i % 2 == 0 { Value::Null } else { json!("edgeplan:default") }});
            cf.try_add_record(&zone, &record)?;
        }
    }
    // Cloudflare raises the record quota of Enterprise zones on request; benchmarks of 10,000+
    // record zones need that, or every create would be refused with 81045.
    if let Some(quota) = args.record_quota {
        for (name, _) in &args.zones {
            cf.set_record_quota(name, quota);
        }
    }
    cf.set_latency(args.latency_ms);
    if let Some(max) = args.max_per_page {
        cf.set_max_per_page(max);
    }
    if let Some(token) = &args.token {
        cf.remove_token(TOKEN);
        cf.set_token(token, Scope::edit());
    }
    for token in &args.read_only {
        cf.set_token(token, Scope::read_only());
    }
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{}", cf.url());
    let _ = out.flush();
    drop(out);
    loop {
        std::thread::park();
    }
}
