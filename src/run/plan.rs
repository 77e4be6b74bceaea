//! `edgeplan plan`: the pipeline up to the review, presented as text, markdown or JSON.

use std::io::{IsTerminal, Write};

use crate::cli::{Format, PlanArgs};
use crate::exit::Exit;
use crate::render::{self, inert, inert_lines};

use super::pipeline::{self, Outcome};
use super::settings::Settings;
use super::target::{Target, with_provider};
use super::{Failure, load_or_report};

pub async fn run(args: &PlanArgs, settings: &Settings) -> Result<Exit, Failure> {
    plan(args, settings).await.map_err(inert_failure)
}

/// The failure with its message and help made inert (`render::inert`): they quote manifests,
/// zone records and API answers, and `run::main` prints them on stderr.
pub fn inert_failure(f: Failure) -> Failure {
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
    let Some(manifests) = load_or_report(&args.manifests, settings)? else {
        return Ok(Exit::Rejected);
    };
    let target = Target::from_args(&args.target, settings)?;
    let mut outcome =
        with_provider!(&target, p => pipeline::plan(p, manifests, args.allow_deletes).await)?;
    if !args.skip_health {
        pipeline::probe(&mut outcome, &settings.probe_options()?).await;
    }

    let output = match args.format {
        Format::Text => render::text::render_with(
            &outcome.plan,
            &outcome.probes,
            text_options(args.out.is_none(), settings),
        ),
        Format::Markdown => {
            // The comment body, with the verdict in the words every presenter uses.
            let origins = if args.skip_health {
                pipeline::Origins::NotChecked
            } else {
                pipeline::Origins::Checked
            };
            let verdict = outcome.verdict(origins);
            let (headline, lines) = verdict.words(&render::markdown::code, false);
            let zones = verdict.zone_words(&render::markdown::code);
            let ctx = render::markdown::Context {
                verdict: Some(render::markdown::Verdict {
                    headline,
                    lines,
                    zones,
                }),
                ..Default::default()
            };
            render::markdown::render(&outcome.plan, &outcome.probes, &ctx)
        }
        Format::Json => render::json::render(&outcome.plan, &outcome.probes),
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
    Ok(verdict(&outcome, args.detailed_exitcode))
}

/// Prints what blocks the plan (conflicts, safety refusals) and picks the exit code.
pub fn verdict(outcome: &Outcome, detailed: bool) -> Exit {
    if report_blockers(outcome) {
        return Exit::Rejected;
    }
    if detailed && outcome.has_changes() {
        Exit::Changes
    } else {
        Exit::Success
    }
}

/// Prints conflicts, comments too long for their zone and safety refusals on stderr; true when
/// there was any.
pub fn report_blockers(outcome: &Outcome) -> bool {
    let mut err = std::io::stderr().lock();
    for z in outcome.zones() {
        for r in z.plan.line_refusals() {
            let _ = writeln!(
                err,
                "error: {}:{}:1: {}",
                inert(&z.desired.source.display().to_string()),
                r.line,
                inert(&r.message)
            );
            let _ = writeln!(err, "  help: {}", inert(&r.help));
        }
        if let Some(why) = z.mass_delete {
            let _ = writeln!(err, "error: {}: {why}", inert(&z.plan.zone.name));
            let _ = writeln!(
                err,
                "  help: check the manifest; if the deletes are intended, pass --allow-deletes"
            );
        }
    }
    outcome.blocked()
}

/// Colour only on a terminal, and never with `NO_COLOR` set; warnings wrapped to `COLUMNS`,
/// else 100 columns.
pub fn text_options(to_stdout: bool, settings: &Settings) -> render::text::Options {
    render::text::Options {
        color: to_stdout && std::io::stdout().is_terminal() && !settings.no_color,
        width: render::text::width_from(settings.columns.as_deref()),
    }
}
