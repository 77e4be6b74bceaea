//! The command line (the contract in README, Commands). Only the shape of the arguments lives here; `run`
//! decides what they mean.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

const EXAMPLES: &str = "\
Examples:
  edgeplan validate                              # check ./edgeplan.yaml offline
  edgeplan validate -m 'dns/*.yaml'              # several manifests, one zone each
  edgeplan plan --sandbox examples/sandbox -m examples/edgeplan.yaml --skip-health
  edgeplan plan --format json --out plan.json --detailed-exitcode
  edgeplan apply --yes                           # needs CLOUDFLARE_API_TOKEN (Zone:DNS:Edit)
  edgeplan schema > edgeplan.schema.json

Exit codes: 0 success, 1 rejected (invalid, conflict, refused), 2 plan has changes
(--detailed-exitcode), 3 API failure, 64 usage error.";

#[derive(Debug, Parser)]
#[command(
    name = "edgeplan",
    version,
    about = "Put ML model endpoints behind Cloudflare's proxy from a YAML manifest: validate, preview, apply atomically.",
    after_help = EXAMPLES,
    propagate_version = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Parse and validate manifests, offline.
    Validate(ManifestArgs),
    /// Show what would change in each zone.
    Plan(PlanArgs),
    /// Re-plan against the live zone and apply the changes atomically.
    Apply(ApplyArgs),
    /// The GitHub Action entry point: plan on pull requests, apply on merge.
    Action(ActionArgs),
    /// Print the manifest's JSON Schema.
    Schema,
}

#[derive(Debug, Args)]
pub struct ManifestArgs {
    /// Manifest file or glob; may repeat.
    #[arg(
        short = 'm',
        long = "manifest",
        value_name = "PATH",
        default_value = "edgeplan.yaml"
    )]
    pub manifests: Vec<String>,
}

#[derive(Debug, Args)]
pub struct TargetArgs {
    /// Use a local sandbox directory (one `<zone>.json` per zone) instead of Cloudflare
    /// [env: EDGEPLAN_SANDBOX].
    #[arg(long, value_name = "DIR")]
    pub sandbox: Option<PathBuf>,
}

impl TargetArgs {
    /// `--sandbox`, else a non-empty `EDGEPLAN_SANDBOX` (CI systems often export empty
    /// variables; an empty one means "not set").
    pub fn sandbox_dir(&self) -> Option<PathBuf> {
        self.sandbox.clone().or_else(|| {
            std::env::var_os("EDGEPLAN_SANDBOX")
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        })
    }
}

#[derive(Debug, Args)]
pub struct ActionArgs {
    #[command(flatten)]
    pub target: TargetArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Markdown,
    Json,
}

#[derive(Debug, Args)]
pub struct PlanArgs {
    #[command(flatten)]
    pub manifests: ManifestArgs,
    #[command(flatten)]
    pub target: TargetArgs,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
    /// Write the output to FILE instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Exit 2 when the plan has changes (0 when it has none).
    #[arg(long)]
    pub detailed_exitcode: bool,
    /// Accept a plan that deletes more than max(2, 25%) of the owned records.
    #[arg(long)]
    pub allow_deletes: bool,
    /// Do not probe origins named by `health`.
    #[arg(long)]
    pub skip_health: bool,
}

#[derive(Debug, Args)]
pub struct ApplyArgs {
    #[command(flatten)]
    pub manifests: ManifestArgs,
    #[command(flatten)]
    pub target: TargetArgs,
    /// Do not ask for confirmation.
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// Accept a plan that deletes more than max(2, 25%) of the owned records.
    #[arg(long)]
    pub allow_deletes: bool,
    /// Apply even when an origin's health probe fails.
    #[arg(long)]
    pub skip_health: bool,
}
