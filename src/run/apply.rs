//! `edgeplan apply`: plan against the live zone, check, confirm, apply each zone atomically,
//! verify (README, Commands, and docs/apply.md).
//!
//! The plan shown and confirmed is always computed from a fresh read of each zone, never loaded
//! from a file, so what is applied is what the zone needs now. Confirmation follows the contract:
//! a prompt on a terminal (only `yes` goes ahead), and off a terminal `--yes` or `CI=true`, so a
//! script that forgot the flag fails loudly instead of hanging on a prompt nobody sees.

use std::io::{BufRead, IsTerminal, Write};
use std::sync::atomic::{AtomicBool, Ordering};

use crate::cli::ApplyArgs;
use crate::exit::Exit;
use crate::plan::{Desired, Plan};
use crate::provider::Provider;
use crate::render::{self, inert};

use super::pipeline::{self, ApplyEvent};
use super::plan::{inert_failure, probe_options, report_refusal, text_options};
use super::public::{self, PublicCheckSettings};
use super::settings::Settings;
use super::target::{Target, with_provider};
use super::{Failure, load_or_report};

pub(super) async fn run(args: &ApplyArgs, settings: &Settings) -> Result<Exit, Failure> {
    apply(args, settings).await.map_err(inert_failure)
}

async fn apply(args: &ApplyArgs, settings: &Settings) -> Result<Exit, Failure> {
    super::target::announce(&args.target, settings, true)?;
    let interactive = std::io::stdin().is_terminal();
    if !args.yes && !interactive && !settings.ci {
        return Err(Failure::new(
            Exit::Rejected,
            "apply needs confirmation, and standard input is not a terminal",
        )
        .help("pass --yes (or set CI=true) to apply without a prompt"));
    }
    let Some(manifests) = load_or_report(&args.manifests, settings)? else {
        return Ok(Exit::Rejected);
    };
    let target = Target::resolve(&args.target, settings)?;
    let sandbox = matches!(target, Target::Sandbox(_));
    let run = Run {
        args,
        settings,
        interactive,
        sandbox,
    };
    with_provider!(&target, p => apply_all(p, manifests, &run).await)
}

/// One apply's flags and settings.
struct Run<'a> {
    args: &'a ApplyArgs,
    settings: &'a Settings,
    interactive: bool,
    /// The target is the sandbox: nothing is published, so there is no public check.
    sandbox: bool,
}

async fn apply_all<P: Provider>(
    provider: &P,
    manifests: Vec<Desired>,
    run: &Run<'_>,
) -> Result<Exit, Failure> {
    let (args, settings, interactive) = (run.args, run.settings, run.interactive);
    let check = PublicCheckSettings::from_args(args);
    check.ready(settings)?;
    let options = probe_options(args.skip_health, settings)?;
    let review = pipeline::Review {
        allow_deletes: args.allow_deletes,
        probes: options.as_ref(),
    };
    let mut outcome = pipeline::plan(provider, manifests, review).await?;
    {
        let mut out = std::io::stdout().lock();
        let text = render::text::render_with(
            &outcome.plan,
            &outcome.probes,
            outcome.verdict(),
            text_options(true, settings),
        );
        let _ = out.write_all(text.as_bytes());
        let _ = out.flush();
    }
    // The one verdict: every reason is printed, and any refuses the whole apply.
    report_refusal(outcome.verdict());
    if outcome.verdict().refused() {
        return Ok(Exit::Rejected);
    }
    if !outcome.has_changes() {
        outln!("Nothing to apply.");
        return Ok(Exit::Success);
    }
    if !args.yes && interactive && !settings.ci && !confirm(&outcome.plan) {
        errln!("Apply cancelled; nothing was changed.");
        return Ok(Exit::Rejected);
    }
    let fingerprint = outcome.fingerprint();
    let applied = pipeline::apply(provider, &mut outcome, &mut |event| match event {
        ApplyEvent::Progress(line) => errln!("{}", inert(line)),
        ApplyEvent::Applied(report) => outln!("{}", inert(&report.line(Some(&fingerprint)))),
    })
    .await
    .map_err(|f| {
        f.into_failure(
            "fix the cause and run apply again: it re-reads the zone and applies only what is missing",
        )
    });
    // The zones that landed are public now, whatever another zone met: they are checked, and
    // an apply failure still decides the exit code.
    let checked = match public::run(&outcome, &check, settings, run.sandbox).await? {
        Some(results) => public::print(&results, &check),
        None => Ok(()),
    };
    applied.and(checked).map(|()| Exit::Success)
}

/// Asks on the terminal, naming the plan's fingerprint and any zone whose changes go in several
/// non-atomic chunks ([`render::text::prompt`]).
fn confirm(plan: &Plan) -> bool {
    err!("{}", render::text::prompt(plan));
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    AT_PROMPT.store(true, Ordering::SeqCst);
    let read = std::io::stdin().lock().read_line(&mut answer);
    AT_PROMPT.store(false, Ordering::SeqCst);
    if read.is_err() {
        return false;
    }
    answer.trim() == "yes"
}

/// Set while apply waits for the answer at the confirmation prompt.
static AT_PROMPT: AtomicBool = AtomicBool::new(false);

/// Whether apply is waiting at the confirmation prompt: a signal now (Ctrl-C) ends it with nothing
/// applied, exit 130 (`main`'s signal handler says so).
pub fn at_prompt() -> bool {
    AT_PROMPT.load(Ordering::SeqCst)
}
