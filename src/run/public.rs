//! The public check after apply, for `edgeplan apply` and the Action's apply: which endpoints to
//! check (from the applied plan), with what bound and trust, and what a failure does to the exit
//! code. The check itself is `health::public`; its presentation `render::public`.
//!
//! A failure is a warning by default: the DNS change is applied and correct, and a new proxied
//! name can take minutes to answer everywhere. `fail` turns a failure into exit 1 for teams that
//! want a red check; `off` skips the check. `skip-health` is about the origin probes before
//! apply and does not change the public check (docs/apply.md).

use std::time::Duration;

use crate::cli::{ApplyArgs, PublicCheck as Mode};
use crate::exit::Exit;
use crate::github::inputs::{Inputs, PublicCheckInput};
use crate::health::public::{self, PublicOptions, PublicResult, PublicTarget};
use crate::render::inert;
use crate::render::public::Stakes;

use super::Failure;
use super::pipeline::Outcome;
use super::settings::Settings;

/// How the public check runs: its mode and its bound for all endpoints and retries together.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct PublicCheckSettings {
    pub mode: Mode,
    pub total: Duration,
}

impl PublicCheckSettings {
    /// Checks, before anything is applied, that the check can run with these settings (its
    /// resolver and trust come from them): a bad value stops the run while nothing is written.
    pub(super) fn ready(&self, settings: &Settings) -> Result<(), Failure> {
        if self.mode != Mode::Off {
            settings.probe_options()?;
        }
        Ok(())
    }

    /// From `--public-check` and `--public-check-timeout`.
    pub(super) fn from_args(args: &ApplyArgs) -> PublicCheckSettings {
        PublicCheckSettings {
            mode: args.public_check,
            total: Duration::from_secs(args.public_check_timeout),
        }
    }

    /// From the Action's inputs `public-check` and `public-check-timeout`, parsed (and a bad
    /// value refused, naming the input) with every other input by `github::inputs`.
    pub(super) fn from_inputs(inputs: &Inputs) -> PublicCheckSettings {
        PublicCheckSettings {
            mode: match inputs.public_check {
                PublicCheckInput::Warn => Mode::Warn,
                PublicCheckInput::Fail => Mode::Fail,
                PublicCheckInput::Off => Mode::Off,
            },
            total: inputs.public_check_timeout.unwrap_or(public::DEFAULT_TOTAL),
        }
    }

    pub(super) fn stakes(&self) -> Stakes {
        if self.mode == Mode::Fail {
            Stakes::Fail
        } else {
            Stakes::Warn
        }
    }
}

/// The endpoints the apply in `outcome` made newly reachable: created, repointed, or switched
/// from DNS-only to proxied, with a `health`, in the zones that were applied.
pub(super) fn targets(outcome: &Outcome) -> Vec<PublicTarget> {
    outcome
        .zones()
        .filter(|z| z.applied.is_some())
        .flat_map(|z| public::targets(z.plan, z.desired))
        .collect()
}

/// Runs the check: `None` when it is off, or when nothing reached the internet (the sandbox).
pub(super) async fn run(
    outcome: &Outcome,
    check: &PublicCheckSettings,
    settings: &Settings,
    sandbox: bool,
) -> Result<Option<Vec<PublicResult>>, Failure> {
    if check.mode == Mode::Off {
        return Ok(None);
    }
    let targets = targets(outcome);
    if sandbox {
        if !targets.is_empty() {
            errln!(
                "note: no public check: the sandbox publishes nothing, so {} endpoint(s) have no public name to request",
                targets.len()
            );
        }
        return Ok(None);
    }
    if targets.is_empty() {
        return Ok(Some(Vec::new()));
    }
    let probes = settings.probe_options()?;
    let options = PublicOptions {
        total: check.total,
        per_request: check.total.min(PublicOptions::default().per_request),
        reach: probes.reach,
        ..PublicOptions::default()
    };
    errln!(
        "Checking {} endpoint(s) at their public names (at most {} s)...",
        targets.len(),
        check.total.as_secs()
    );
    Ok(Some(public::check_all(&targets, &options).await))
}

/// `edgeplan apply`'s report: the results on stdout, a warning per failed endpoint on stderr,
/// and with `--public-check fail` the failure to exit with.
pub(super) fn print(results: &[PublicResult], check: &PublicCheckSettings) -> Result<(), Failure> {
    out!("{}", crate::render::public::text(results, check.stakes()));
    if check.mode == Mode::Warn {
        for r in crate::render::public::failed(results) {
            errln!("warning: public check: {}", inert(&warning(r)));
        }
    }
    failure(results, check).map_or(Ok(()), Err)
}

/// One failed endpoint in a line: its URL and why.
pub(super) fn warning(r: &PublicResult) -> String {
    match &r.outcome {
        crate::health::ProbeOutcome::Failed { reason, .. } => format!("{}: {reason}", r.url),
        crate::health::ProbeOutcome::Healthy { status } => format!("{}: HTTP {status}", r.url),
    }
}

/// With `public-check: fail`, the failure the step exits with when an endpoint failed.
pub(super) fn failure(results: &[PublicResult], check: &PublicCheckSettings) -> Option<Failure> {
    let failed = crate::render::public::failed(results);
    if check.mode != Mode::Fail || failed.is_empty() {
        return None;
    }
    let names: Vec<&str> = failed.iter().map(|r| r.url.as_str()).collect();
    Some(
        Failure::new(
            Exit::Rejected,
            format!(
                "the public check failed for {}; the DNS change is applied and stays",
                names.join(", ")
            ),
        )
        .help(
            "fix what the reason names (the origin, its TLS, the zone's SSL mode) and run the apply again, which checks again; or report this as a warning with --public-check warn (the action input `public-check: warn`)",
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_inputs_default_to_a_warning_within_two_minutes() {
        let default = PublicCheckSettings::from_inputs(&Inputs::default());
        assert_eq!(default.mode, Mode::Warn);
        assert_eq!(default.total, Duration::from_secs(120));
        let set = PublicCheckSettings::from_inputs(&Inputs {
            public_check: PublicCheckInput::Fail,
            public_check_timeout: Some(Duration::from_secs(30)),
            ..Inputs::default()
        });
        assert_eq!((set.mode, set.total), (Mode::Fail, Duration::from_secs(30)));
    }
}
