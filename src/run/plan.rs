//! `edgeplan plan`: the pipeline up to the review, presented as text, markdown or JSON.

use std::io::{IsTerminal, Write};

use crate::cli::{Format, PlanArgs};
use crate::exit::Exit;
use crate::health::ProbeOptions;
use crate::render::verdict::Front;
use crate::render::{self, inert, inert_lines};

use super::pipeline::{self, Verdict};
use super::settings::Settings;
use super::target::{Target, with_provider};
use super::{Failure, load_or_report};

pub(super) async fn run(args: &PlanArgs, settings: &Settings) -> Result<Exit, Failure> {
    plan(args, settings).await.map_err(inert_failure)
}

/// The failure with its message and help made inert (`render::inert`): they quote manifests,
/// zone records and API answers, and `run::main` prints them on stderr.
pub(super) fn inert_failure(f: Failure) -> Failure {
    Failure {
        exit: f.exit,
        message: inert(&f.message),
        help: f.help.as_deref().map(inert),
    }
}

/// Text for stdout under GitHub Actions (`GITHUB_ACTIONS=true`): every line guarded
/// (`render::inert_lines`); JSON keeps its values, with `##[` written `##\u005b` (the same
/// string to a JSON reader).
fn for_stdout(output: String, format: Format, in_actions: bool) -> String {
    if !in_actions {
        return output;
    }
    match format {
        Format::Json => output.replace("##[", "##\\u005b"),
        Format::Text | Format::Markdown => inert_lines(&output),
    }
}

async fn plan(args: &PlanArgs, settings: &Settings) -> Result<Exit, Failure> {
    super::target::announce(&args.target, settings, args.format == Format::Text)?;
    let Some(manifests) = load_or_report(&args.manifests, settings)? else {
        return Ok(Exit::Rejected);
    };
    let target = Target::resolve(&args.target, settings)?;
    let options = probe_options(args.skip_health, settings)?;
    let review = pipeline::Review {
        allow_deletes: args.allow_deletes,
        probes: options.as_ref(),
    };
    let outcome = with_provider!(&target, p => pipeline::plan(p, manifests, review).await)?;
    let verdict = outcome.verdict();

    let output = match args.format {
        Format::Text => render::text::render_with(
            &outcome.plan,
            &outcome.probes,
            verdict,
            text_options(args.out.is_none(), settings),
        ),
        // The comment body, as the Action's preview writes it.
        Format::Markdown => render::markdown::render(
            &outcome.plan,
            &outcome.probes,
            verdict,
            &render::markdown::CommentContext::default(),
        ),
        Format::Json => render::json::render(&outcome.plan, &outcome.probes, verdict),
    };
    match &args.out {
        Some(path) => std::fs::write(path, &output).map_err(|e| {
            Failure::new(
                Exit::Rejected,
                format!("cannot write {}: {e}", path.display()),
            )
        })?,
        None => {
            let output = for_stdout(output, args.format, settings.in_actions);
            let mut out = std::io::stdout().lock();
            let _ = out.write_all(output.as_bytes());
            let _ = out.flush();
        }
    }
    report_refusal(verdict);
    Ok(pipeline::exit(verdict, args.detailed_exitcode))
}

/// Prints every reason the apply is refused on stderr, each with its help (the command line's
/// flags), every line inert.
pub(super) fn report_refusal(verdict: &Verdict) {
    let mut err = std::io::stderr().lock();
    let blockers = render::verdict::blockers(verdict, Front::Cli);
    for p in &blockers {
        let at = match (&p.file, p.line) {
            (Some(f), Some(line)) => format!("{}:{line}:1: ", f.display()),
            (Some(f), None) => format!("{}: ", f.display()),
            (None, _) => String::new(),
        };
        let _ = writeln!(
            err,
            "error: {}{}",
            inert(&at),
            inert_lines(&p.message).trim_end()
        );
        let _ = writeln!(err, "  help: {}", inert(&p.help));
    }
}

/// How origins are probed at the command line: not at all under `--skip-health`.
pub(super) fn probe_options(
    skip_health: bool,
    settings: &Settings,
) -> Result<Option<ProbeOptions>, Failure> {
    Ok(match skip_health {
        true => None,
        false => Some(settings.probe_options()?),
    })
}

/// Colour only on a terminal, and never with `NO_COLOR` set; warnings wrapped to `COLUMNS`,
/// else to the width of the terminal stdout is (`TIOCGWINSZ`; the console's buffer on Windows),
/// else 100 columns.
pub(super) fn text_options(to_stdout: bool, settings: &Settings) -> render::text::Options {
    let terminal = to_stdout && std::io::stdout().is_terminal();
    let terminal_width = terminal
        .then(|| terminal_size::terminal_size_of(std::io::stdout()))
        .flatten()
        .map(|(terminal_size::Width(w), _)| usize::from(w));
    render::text::Options {
        color: terminal && !settings.no_color,
        width: render::text::width_from(settings.columns.as_deref(), terminal_width),
    }
}
