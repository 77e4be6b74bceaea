//! What the benchmark examples share: their flags and their exit codes.

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
