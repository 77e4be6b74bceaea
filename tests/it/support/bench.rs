//! What the benchmark examples share: their flags, their report and their exit codes.

// The benchmarks print their report; shipped code prints only through src/output.rs.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::process::{Command, ExitCode, Output, Stdio};
use std::time::{Duration, Instant};

use super::cloudflare::{CloudflareServer, TOKEN};

/// The value after the flag `name` in `args`, if the flag is there.
pub fn flag<'a>(args: &'a [String], name: &str) -> Option<&'a str> {
    let i = args.iter().position(|a| a == name)?;
    args.get(i + 1).map(String::as_str)
}

/// The number after the flag `name`, or `default` without the flag.
pub fn number(args: &[String], name: &str, default: u64) -> Result<u64, String> {
    if !args.iter().any(|a| a == name) {
        return Ok(default);
    }
    let v = flag(args, name).ok_or_else(|| format!("{name} needs a number"))?;
    v.parse()
        .map_err(|_| format!("{name}: `{v}` is not a number"))
}

/// What a benchmark found: the line of its measurements, the goal it checks and whether it was
/// met.
pub struct Report {
    pub measured: String,
    pub goal: String,
    pub met: bool,
}

/// A benchmark's `main`: runs `bench` with the command line's flags, prints its [`Report`] and
/// returns its [`exit`] code.
pub fn main(bench: fn(&[String]) -> Result<Report, String>) -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    exit(bench(&args).map(|report| {
        println!("{}", report.measured);
        let met = if report.met { "met" } else { "NOT met" };
        println!("goal ({}): {met}", report.goal);
        report.met
    }))
}

/// The median, the fastest and the slowest of a benchmark's runs.
pub struct Spread {
    pub median: Duration,
    pub min: Duration,
    pub max: Duration,
}

impl Spread {
    /// The spread of `times`, which holds at least one run.
    pub fn of(mut times: Vec<Duration>) -> Spread {
        times.sort();
        Spread {
            median: times[times.len() / 2],
            min: times[0],
            max: times[times.len() - 1],
        }
    }
}

/// `d` in milliseconds.
pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// A benchmark's exit code: 0 when its goal was met, 1 when not, 64 when it could not run (the
/// error is printed).
pub fn exit(outcome: Result<bool, String>) -> ExitCode {
    match outcome {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(64)
        }
    }
}

/// The edgeplan binary `bin` as a user runs it against the local Cloudflare `cf`: a scrubbed
/// environment (`PATH`, the token and the server's address only) and no input.
pub fn edgeplan(bin: &str, cf: &CloudflareServer) -> Command {
    let mut command = Command::new(bin);
    command
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("CLOUDFLARE_API_TOKEN", TOKEN)
        .env("CLOUDFLARE_BASE_URL", cf.url())
        .stdin(Stdio::null());
    command
}

/// Runs `command` (the edgeplan binary `bin`) to its end and times it; a run that fails is an
/// error that starts with `what` and carries its exit code and stderr.
pub fn timed(command: &mut Command, bin: &str, what: &str) -> Result<(Output, Duration), String> {
    let started = Instant::now();
    let out = command.output().map_err(|e| format!("run {bin}: {e}"))?;
    let elapsed = started.elapsed();
    if !out.status.success() {
        return Err(format!(
            "{what}: exit {:?}\n{}",
            out.status.code(),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok((out, elapsed))
}
