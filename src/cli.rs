//! The command line (the contract in README, Commands). Only the shape of the arguments lives here;
//! `run` decides what they mean.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

const EXAMPLES: &str = "\
Examples:
  edgeplan validate                              # check ./edgeplan.yaml offline
  edgeplan validate -m 'dns/*.yaml'              # several manifests, one zone each
  edgeplan plan --sandbox examples/sandbox -m examples/edgeplan.yaml --skip-health
  edgeplan plan --format json --out plan.json --detailed-exitcode
  edgeplan apply --yes                           # needs CLOUDFLARE_API_TOKEN (Zone:Zone:Read, Zone:DNS:Edit)
  edgeplan schema > edgeplan.schema.json
  edgeplan list -m 'dns/*.yaml' --format json    # manifests and zones, for a CI matrix
  edgeplan validate dns/*.yaml                   # paths as arguments (the shell expands them)
  edgeplan completions bash > ~/.local/share/bash-completion/completions/edgeplan

Exit codes: 0 success, 1 rejected (invalid, conflict, refused), 2 plan has changes
(--detailed-exitcode), 3 API failure, 64 usage error.";

/// `--version`: the first line stays `edgeplan X.Y.Z` (scripts match it exactly); the second
/// says which commit and target the binary was built from (build.rs: `EDGEPLAN_BUILD_COMMIT` at
/// build time, else "unknown", as for a plain `cargo build` from a tarball).
const LONG_VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    "\ncommit ",
    env!("EDGEPLAN_BUILD_COMMIT"),
    ", target ",
    env!("EDGEPLAN_BUILD_TARGET"),
);

#[derive(Debug, Parser)]
#[command(
    name = "edgeplan",
    version,
    long_version = LONG_VERSION,
    about = "Put ML model endpoints behind Cloudflare's proxy from a YAML manifest: validate, preview, apply atomically.",
    after_help = EXAMPLES,
    propagate_version = true
)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

impl Cli {
    /// The command line the binary parses: every command's `--version` (`edgeplan plan
    /// --version`) prints `edgeplan X.Y.Z` first, like `edgeplan --version`, instead of clap's
    /// `edgeplan-plan X.Y.Z` (the man pages name their commands themselves).
    pub(crate) fn command_line() -> clap::Command {
        use clap::CommandFactory;
        Cli::command().mut_subcommands(|c| c.display_name("edgeplan"))
    }
}

const VALIDATE_HELP: &str = "\
Offline: needs no token (CLOUDFLARE_API_TOKEN is not read).

Exit codes: 0 every manifest is valid, 1 a manifest is invalid (every problem is listed, with
file:line:col and a help line), 64 usage error.

Examples:
  edgeplan validate -m edgeplan.yaml -m 'dns/*.yaml'
  edgeplan validate dns/a.yaml dns/b.yaml          # arguments are paths, never patterns";

const PLAN_HELP: &str = "\
Environment:
  CLOUDFLARE_API_TOKEN   Zone:Zone:Read and Zone:DNS:Read; not needed with --sandbox
  CLOUDFLARE_BASE_URL    API base, default https://api.cloudflare.com/client/v4
  EDGEPLAN_SANDBOX       a sandbox directory, as --sandbox
  COLUMNS                width the text output is wrapped to (default: the terminal's, else 100)

Exit codes: 0 success (no changes, or changes without --detailed-exitcode), 1 rejected (invalid
manifest, conflict, too many deletes), 2 the plan has changes (--detailed-exitcode only), 3 an
API failed, 64 usage error (or neither CLOUDFLARE_API_TOKEN nor --sandbox).

Examples:
  CLOUDFLARE_API_TOKEN=... edgeplan plan -m edgeplan.yaml
  edgeplan plan --sandbox examples/sandbox -m examples/edgeplan.yaml --skip-health
  edgeplan plan --format json --out plan.json --detailed-exitcode";

const APPLY_HELP: &str = "\
Environment:
  CLOUDFLARE_API_TOKEN   Zone:Zone:Read, Zone:DNS:Read and Zone:DNS:Edit; not needed with --sandbox
  CLOUDFLARE_BASE_URL    API base, default https://api.cloudflare.com/client/v4
  EDGEPLAN_SANDBOX       a sandbox directory, as --sandbox
  CI=true                confirm without a prompt, as --yes
  SSL_CERT_FILE          extra certificate authorities to trust (a TLS-inspecting proxy's)

On a terminal apply shows the plan and its fingerprint and asks; only 'yes' goes ahead. A zone's
changes go in one atomic batch, or in several chunks (not atomic together) past the zone's batch
limit (200 on Free, 3,500 on paid plans); the prompt says which.

After applying, each created or repointed endpoint with `health` is requested at its public name
(https://NAME/PATH) until it answers or --public-check-timeout runs out, and the output says
whether Cloudflare served it (cf-ray) and what a 52x means. A failure warns (--public-check warn),
exits 1 with the DNS applied (fail), or is not checked (off).

Exit codes: 0 applied (or nothing to apply), 1 rejected (invalid manifest, conflict, too many
deletes, failed origin check, not confirmed, or with --public-check fail a failed public check
after the DNS was applied), 3 an API failed (stderr says which chunks landed),
64 usage error (or neither CLOUDFLARE_API_TOKEN nor --sandbox), 130/143 interrupted.

Examples:
  CLOUDFLARE_API_TOKEN=... edgeplan apply -m edgeplan.yaml
  edgeplan apply --sandbox /tmp/edgeplan-sandbox -m examples/edgeplan.yaml --skip-health --yes";

const ACTION_HELP: &str = "\
Reads the GitHub Actions environment (GITHUB_EVENT_NAME, GITHUB_EVENT_PATH, INPUT_*; see
docs/action.md). CLOUDFLARE_API_TOKEN comes from the action's `cloudflare-api-token` input,
GITHUB_TOKEN from `github-token`.

Exit codes: 0 success (previewed, applied, nothing to do), 1 rejected (invalid manifest, conflict,
too many deletes, apply refused for the event), 3 an API failed, 64 a bad input or payload.

Example (in a workflow step):
  - uses: edgeplan/edgeplan@<release commit sha>
    with: { cloudflare-api-token: ${{ secrets.CF_DNS_READ_TOKEN }} }";

const LIST_HELP: &str = "\
Offline: needs no token. Every manifest is validated first (problems are reported as by validate).
--format json prints one line, {\"include\": [{\"manifest\": PATH, \"zone\": ZONE, \"owner\": OWNER}, ...]},
in manifest order, for a GitHub Actions matrix: `strategy: {matrix: ${{ fromJSON(...) }}}`
(docs/action.md, Many zones).

Exit codes: 0 listed, 1 a manifest is invalid, 64 usage error.

Examples:
  edgeplan list -m 'dns/*.yaml'
  echo \"matrix=$(edgeplan list -m 'dns/*.yaml' --format json)\" >> \"$GITHUB_OUTPUT\"";

const SCHEMA_HELP: &str = "\
Offline: needs no token (CLOUDFLARE_API_TOKEN is not read). Exit codes: 0 printed, 64 usage error.

Example:
  edgeplan schema > edgeplan.schema.json";

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Parse and validate manifests, offline.
    #[command(after_help = VALIDATE_HELP)]
    Validate(ManifestArgs),
    /// Show what would change in each zone.
    #[command(after_help = PLAN_HELP)]
    Plan(PlanArgs),
    /// Re-plan against the live zone and apply the changes, one atomic batch per zone where the
    /// zone's batch limit allows.
    #[command(after_help = APPLY_HELP)]
    Apply(ApplyArgs),
    /// The GitHub Action entry point: plan on pull requests, apply on merge.
    #[command(after_help = ACTION_HELP)]
    Action(ActionArgs),
    /// Print the manifest's JSON Schema.
    #[command(after_help = SCHEMA_HELP)]
    Schema,
    /// List the manifests and their zones, offline (for a CI matrix).
    #[command(after_help = LIST_HELP)]
    List(ListArgs),
    /// Write a manifest for a zone's live CNAMEs: the first step when the zone already has records.
    #[command(after_help = IMPORT_HELP)]
    Import(ImportArgs),
    /// Print a shell completion script.
    #[command(after_help = COMPLETIONS_HELP)]
    Completions(CompletionsArgs),
    /// Print the man page (roff): edgeplan(1), or edgeplan-COMMAND(1) for one command.
    #[command(hide = true)]
    Man(ManArgs),
}

const IMPORT_HELP: &str = "\
Reads the live zone (CLOUDFLARE_API_TOKEN with Zone:Zone:Read and Zone:DNS:Read, or --sandbox)
and prints a manifest that validates: the zone's CNAMEs, apex first, then by name, every string
quoted, each record's note as `comment`, and `adopt: true` where the owner does not hold the
record yet. A plan with it shows only records taken over; apply it and the next plan is empty.
Records a manifest cannot hold unchanged (`_acme-challenge`, a TTL under 60, a note over the
zone's comment limit with the marker...) are left out and listed, by type and name, in a
comment at the end, with the counts of other owners' records and of other record types.

-o FILE is written atomically and never replaces an existing file unless --force is given.

Exit codes: 0 written, 1 the owner already holds records a manifest cannot hold (they are
named; a plan with the manifest would delete them), or the manifest would be over 1 MiB (nothing
is written either way), 3 an API failed, 64 usage error (a bad --zone or --owner, FILE exists
without --force, neither CLOUDFLARE_API_TOKEN nor --sandbox).

Examples:
  CLOUDFLARE_API_TOKEN=... edgeplan import --zone example.com --owner ml-platform -o edgeplan.yaml
  edgeplan import --sandbox examples/sandbox --zone example.com --owner ml-platform";

#[derive(Debug, Args)]
pub(crate) struct ImportArgs {
    /// The zone to read (its apex, such as `example.com`).
    #[arg(long, value_name = "ZONE")]
    pub zone: String,
    /// The owner the manifest is for: records it holds are imported as they are, records
    /// nobody owns get `adopt: true`, other owners' records are left to them.
    #[arg(long, value_name = "NAME", default_value = "default")]
    pub owner: String,
    /// Write the manifest to FILE (atomically) instead of standard output.
    #[arg(short = 'o', long = "out", value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Replace FILE when it exists.
    #[arg(long, requires = "out")]
    pub force: bool,
    #[command(flatten)]
    pub target: TargetArgs,
}

const COMPLETIONS_HELP: &str = "\
Offline. Exit codes: 0 printed, 64 usage error.

Examples:
  edgeplan completions bash > ~/.local/share/bash-completion/completions/edgeplan
  edgeplan completions zsh > ~/.zfunc/_edgeplan     # with fpath+=(~/.zfunc) before compinit
  edgeplan completions fish > ~/.config/fish/completions/edgeplan.fish
  edgeplan completions powershell >> $PROFILE";

#[derive(Debug, Args)]
pub(crate) struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: CompletionShell,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum CompletionShell {
    Bash,
    Zsh,
    Fish,
    Powershell,
}

#[derive(Debug, Args)]
pub(crate) struct ManArgs {
    /// A command (`plan`, ...): print its page, edgeplan-COMMAND(1), instead of edgeplan(1).
    pub command: Option<String>,
    /// Print the commands that have a page, one a line, instead of a page.
    #[arg(long, conflicts_with = "command")]
    pub list: bool,
}

#[derive(Debug, Args)]
pub(crate) struct ListArgs {
    #[command(flatten)]
    pub manifests: ManifestArgs,
    /// Output format: a line per manifest, or `{"include": [...]}` for `strategy.matrix`.
    #[arg(long, value_enum, default_value = "text")]
    pub format: ListFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ListFormat {
    Text,
    Json,
}

#[derive(Debug, Args)]
pub(crate) struct ManifestArgs {
    /// Manifest path, or a pattern when it holds `*`, `?` or `[` (`**` crosses directories; a
    /// pattern never follows a symbolic link); may repeat. Without it and without FILE
    /// arguments: edgeplan.yaml.
    #[arg(short = 'm', long = "manifest", value_name = "PATH")]
    pub manifests: Vec<String>,
    /// Manifest paths, each read as written, never as a pattern (so `-m dns/*.yaml` left
    /// unquoted, which the shell expands, works too).
    #[arg(value_name = "FILE")]
    pub paths: Vec<String>,
}

/// The manifest a command reads when it is given none.
pub(crate) const DEFAULT_MANIFEST: &str = "edgeplan.yaml";

/// One manifest value of the command line, as [`ManifestArgs::values`] gives them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ManifestValue<'a> {
    /// A `-m` value: a pattern when it holds `*`, `?` or `[`, else one path.
    Flag(&'a str),
    /// A positional argument: always one path, read literally.
    Path(&'a str),
}

impl ManifestArgs {
    /// The `-m` values in their order, then the positional paths in theirs; `edgeplan.yaml`
    /// when there are neither.
    pub(crate) fn values(&self) -> Vec<ManifestValue<'_>> {
        let mut values: Vec<ManifestValue<'_>> = self
            .manifests
            .iter()
            .map(|m| ManifestValue::Flag(m))
            .chain(self.paths.iter().map(|p| ManifestValue::Path(p)))
            .collect();
        if values.is_empty() {
            values.push(ManifestValue::Flag(DEFAULT_MANIFEST));
        }
        values
    }
}

#[derive(Debug, Args)]
pub(crate) struct TargetArgs {
    /// Use a local sandbox directory (one `<zone>.json` per zone) instead of Cloudflare
    /// [env: EDGEPLAN_SANDBOX].
    #[arg(long, value_name = "DIR")]
    pub sandbox: Option<PathBuf>,
}

impl TargetArgs {
    /// `--sandbox`, else a non-empty `EDGEPLAN_SANDBOX` (CI systems often export empty
    /// variables; an empty one means "not set").
    pub(crate) fn sandbox_dir(&self) -> Option<PathBuf> {
        self.sandbox.clone().or_else(|| {
            std::env::var_os("EDGEPLAN_SANDBOX")
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        })
    }

    /// Where [`TargetArgs::sandbox_dir`] came from: `EDGEPLAN_SANDBOX` when it names that
    /// directory (the Action hands the variable's value on as `sandbox`), else `--sandbox`.
    pub(crate) fn sandbox_source(&self) -> &'static str {
        let exported = std::env::var_os("EDGEPLAN_SANDBOX").filter(|v| !v.is_empty());
        match (&self.sandbox, exported) {
            (Some(dir), Some(env)) if dir.as_os_str() != env => "--sandbox",
            (Some(_), None) => "--sandbox",
            _ => "EDGEPLAN_SANDBOX",
        }
    }
}

#[derive(Debug, Args)]
pub(crate) struct ActionArgs {
    #[command(flatten)]
    pub target: TargetArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Format {
    Text,
    Markdown,
    Json,
}

#[derive(Debug, Args)]
pub(crate) struct PlanArgs {
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
pub(crate) struct ApplyArgs {
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
    /// After applying, request each created or repointed endpoint's `health` at its public name:
    /// `warn` reports a failure and exits as the apply did, `fail` exits 1 on a failure, `off`
    /// skips the check.
    #[arg(long, value_enum, value_name = "MODE", default_value_t = PublicCheck::Warn)]
    pub public_check: PublicCheck,
    /// The public check's bound in seconds, for all endpoints and retries together.
    #[arg(long, value_name = "SECONDS", default_value_t = 120,
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub public_check_timeout: u64,
}

/// What the public check after apply does with a failure (docs/apply.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum PublicCheck {
    /// Report it; the exit code is the apply's.
    Warn,
    /// Report it and exit 1 (the DNS change stays applied).
    Fail,
    /// Do not check.
    Off,
}
