//! Where `plan` and `apply` read and write: the sandbox, or Cloudflare. Never chosen silently:
//! without `--sandbox` and without a token the command fails and says how to pick one.

use crate::cli::TargetArgs;
use crate::cloudflare::{Client, ClientOptions, Error};
use crate::exit::Exit;
use crate::sandbox::Sandbox;

use super::Failure;
use super::settings::Settings;

pub enum Target {
    Sandbox(Sandbox),
    Cloudflare(Client),
}

impl Target {
    pub fn from_args(args: &TargetArgs, settings: &Settings) -> Result<Target, Failure> {
        if let Some(dir) = args.sandbox_dir() {
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
                Client::new(&settings.cloudflare_base_url, token.clone(), options)
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
