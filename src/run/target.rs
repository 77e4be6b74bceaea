//! Where `plan` and `apply` read and write: the sandbox, or Cloudflare. Never chosen silently:
//! without `--sandbox` and without a token the command fails and says how to pick one.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::cli::TargetArgs;
use crate::cloudflare::{ClientOptions, CloudflareClient, Error};
use crate::exit::Exit;
use crate::render::inert;
use crate::sandbox::Sandbox;

use super::Failure;
use super::settings::Settings;

pub(super) enum Target {
    Sandbox(Sandbox),
    Cloudflare(CloudflareClient),
}

/// Where a run is: the sandbox directory `args` name, if any, said on stderr first or on stdout
/// first as `to_stdout` says (text output: stdout; JSON and markdown: stderr), before anything
/// else is read. Under GitHub Actions a sandbox beside `CLOUDFLARE_API_TOKEN` is a usage error:
/// a workflow that holds a token means Cloudflare, and a stray `EDGEPLAN_SANDBOX` must not turn
/// its apply into a local one that reports "applied".
pub(super) fn announce(
    args: &TargetArgs,
    settings: &Settings,
    to_stdout: bool,
) -> Result<Option<PathBuf>, Failure> {
    let Some(dir) = args.sandbox_dir() else {
        return Ok(None);
    };
    refuse_beside_token(args, settings)?;
    let line = sandbox_notice(&dir, args.sandbox_source());
    // A closed pipe is not this line's business: the run goes on.
    let _ = match to_stdout {
        true => writeln!(std::io::stdout(), "{line}"),
        false => writeln!(std::io::stderr(), "{line}"),
    };
    Ok(Some(dir))
}

/// The first line of a sandbox run: the directory shown inert.
pub(super) fn sandbox_notice(dir: &Path, source: &str) -> String {
    format!(
        "Sandbox, not Cloudflare: the zones are the files in {} (from {source}).",
        inert(&dir.display().to_string())
    )
}

fn refuse_beside_token(args: &TargetArgs, settings: &Settings) -> Result<(), Failure> {
    if settings.in_actions && settings.cloudflare_token.is_some() {
        return Err(Failure::new(
            Exit::Usage,
            format!(
                "{} and CLOUDFLARE_API_TOKEN are both set under GitHub Actions: a sandbox run must not hold a Cloudflare token (it is unclear which one the workflow means)",
                args.sandbox_source()
            ),
        )
        .help(
            "remove EDGEPLAN_SANDBOX (or --sandbox) to plan and apply against Cloudflare, or remove CLOUDFLARE_API_TOKEN from the step's env to use the sandbox",
        ));
    }
    Ok(())
}

impl Target {
    /// The target `args` and `settings` name, for a run that has said where it is
    /// ([`announce`]); the Action's entry, [`Target::from_args`], says it here.
    pub(super) fn resolve(args: &TargetArgs, settings: &Settings) -> Result<Target, Failure> {
        Target::pick(args, settings, false)
    }

    /// The target, its sandbox said on stderr (the Action's log).
    pub(super) fn from_args(args: &TargetArgs, settings: &Settings) -> Result<Target, Failure> {
        Target::pick(args, settings, true)
    }

    fn pick(args: &TargetArgs, settings: &Settings, say: bool) -> Result<Target, Failure> {
        if let Some(dir) = args.sandbox_dir() {
            refuse_beside_token(args, settings)?;
            if say {
                let _ = writeln!(
                    std::io::stderr(),
                    "{}",
                    sandbox_notice(&dir, args.sandbox_source())
                );
            }
            return Ok(Target::Sandbox(Sandbox::new(dir)));
        }
        let Some(token) = &settings.cloudflare_token else {
            // NOTE: a usage error (64): the invocation names no target to plan against.
            return Err(Failure::new(
                Exit::Usage,
                "no Cloudflare API token: CLOUDFLARE_API_TOKEN is not set and no --sandbox was given",
            )
            .help(
                "export CLOUDFLARE_API_TOKEN (Zone:Zone:Read + Zone:DNS:Read to plan, Zone:DNS:Edit to apply), \
                 or try edgeplan locally with --sandbox DIR (or EDGEPLAN_SANDBOX=DIR)",
            ));
        };
        if let Some(refused) = super::settings::plain_http_refused(
            "CLOUDFLARE_BASE_URL",
            &settings.cloudflare_base_url,
        ) {
            return Err(refused);
        }
        let trust = settings.trust()?;
        settings
            .retry
            .cloudflare
            .clone()
            .map_err(|e| Error::Config(e.to_string()))
            .and_then(|retry| {
                let options = ClientOptions {
                    retry,
                    trust: Some(trust),
                    ..ClientOptions::default()
                };
                CloudflareClient::new(&settings.cloudflare_base_url, token.clone(), options)
            })
            .map(Target::Cloudflare)
            .map_err(|e| Failure::from(crate::provider::Error::from(e)))
    }
}

/// Runs `$body` with `$p` bound to whichever provider the target holds; the commands are generic
/// over [`crate::provider::Provider`], so this is the one place that picks the implementation.
macro_rules! with_provider {
    ($target:expr, $p:ident => $body:expr) => {
        match $target {
            $crate::run::target::Target::Sandbox($p) => $body,
            $crate::run::target::Target::Cloudflare($p) => $body,
        }
    };
}
pub(crate) use with_provider;
