//! Manifests on the command line: resolve the `-m` values ([`crate::resolve`], the same rule as
//! for a commit read through the API), load and validate, print problems.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::cli::{ManifestArgs, ManifestValue};
use crate::exit::Exit;
use crate::github::workflow;
use crate::manifest::{self, Problem, Problems};
use crate::plan::Desired;
use crate::resolve;

use super::Failure;
use super::settings::Settings;

pub(crate) fn validate(args: &ManifestArgs, settings: &Settings) -> Result<Exit, Failure> {
    let Some(manifests) = load_or_report(args, settings)? else {
        return Ok(Exit::Rejected);
    };
    let mut out = std::io::stdout().lock();
    for m in &manifests {
        let _ = writeln!(
            out,
            "{}: valid: zone {}, owner {}, {} endpoint{}",
            crate::render::inert::inert(&m.source.display().to_string()),
            m.zone,
            m.owner,
            m.endpoints.len(),
            if m.endpoints.len() == 1 { "" } else { "s" }
        );
    }
    Ok(Exit::Success)
}

/// Loads and validates the manifests; when any has problems, reports them (stderr, and
/// annotations under GitHub Actions) and returns `None`, on which a command exits 1.
pub(crate) fn load_or_report(
    args: &ManifestArgs,
    settings: &Settings,
) -> Result<Option<Vec<Desired>>, Failure> {
    Ok(match load_manifests(args, settings)? {
        Ok(manifests) => Some(manifests),
        Err(problems) => {
            report_problems(&problems, settings);
            None
        }
    })
}

/// What the `-m` values name on disk ([`crate::resolve`]): the files, in the order of the
/// values, each value's files sorted, each file once; and the files refused by name.
#[derive(Debug, Default)]
pub(crate) struct Resolved {
    pub paths: Vec<PathBuf>,
    pub refused: Vec<Problem>,
}

/// Resolves the `-m` values (then the positional paths, each one literal path) against the
/// current directory, printing the links and submodules a
/// pattern did not search as notices ([`print_notices`]). A value that is not a valid pattern
/// fails the command (usage); a value that names nothing (a missing path, a pattern without a
/// match) or searches too much is a problem named by the value, as a file refused by name is, and
/// as the API side reports the same cases ([`super::remote`]): the command exits 1 and the Action
/// shows them in the preview (`plan=invalid`).
pub(crate) fn manifest_paths(args: &ManifestArgs, in_actions: bool) -> Result<Resolved, Failure> {
    let mut out = Resolved::default();
    let mut seen = std::collections::HashSet::new();
    for value in args.values() {
        let wanted = match value {
            ManifestValue::Flag(v) => resolve::Wanted::parse(v),
            ManifestValue::Path(v) => resolve::Wanted::path(v),
        }
        .map_err(|e| Failure::new(Exit::Usage, e).help(PATTERN_HELP))?;
        let found = resolve::disk::resolve(&wanted, Path::new(""));
        print_notices(&found.notices, in_actions);
        if found.is_empty() {
            out.refused.push(named(
                &wanted.text,
                "no manifest matches this pattern".into(),
                NO_MATCH_HELP,
            ));
        }
        for refusal in found.refused {
            if !refusal.found {
                // The value names nothing: a problem of the value, with its own help.
                let help = if refusal.help == resolve::walk::LARGE_HELP {
                    refusal.help
                } else if wanted.is_pattern() {
                    NO_MATCH_HELP
                } else {
                    MISSING_HELP
                };
                out.refused
                    .push(named(&refusal.path, refusal.message, help));
                continue;
            }
            out.refused.push(Problem {
                file: PathBuf::from(&refusal.path),
                line: 0,
                col: 0,
                message: refusal.message,
                help: Some(refusal.help.to_string()),
            });
        }
        for path in found.files {
            if seen.insert(path.clone()) {
                out.paths.push(PathBuf::from(path));
            }
        }
    }
    Ok(out)
}

/// A problem of the value `path` itself (no line): its message without a leading `path: `,
/// which the printed location already says.
fn named(path: &str, message: String, help: &str) -> Problem {
    let message = message
        .strip_prefix(&format!("{path}: "))
        .map(str::to_string)
        .unwrap_or(message);
    Problem {
        file: PathBuf::from(path),
        line: 0,
        col: 0,
        message,
        help: Some(help.to_string()),
    }
}

const PATTERN_HELP: &str = "a value with `*`, `?` or `[` is a pattern (`*` within a directory, `**` across them); write `[*]`, `[?]`, `[[]` for the character itself";
const MISSING_HELP: &str = "pass the manifest with -m PATH or as an argument (default edgeplan.yaml in the current directory)";
const NO_MATCH_HELP: &str = "check the pattern; quote it so the shell does not expand it first";

/// Prints each notice on stderr and, under GitHub Actions, as a `::notice::` too. Notices quote
/// file names, so each is made inert.
pub(super) fn print_notices(notices: &[String], in_actions: bool) {
    let mut err = std::io::stderr().lock();
    for n in notices {
        let _ = writeln!(err, "notice: {}", crate::render::inert::inert(n));
    }
    if in_actions {
        let mut cmds = workflow::Commands::new(crate::output::Stdout);
        for n in notices {
            let _ = cmds.notice(n);
        }
    }
}

/// Loads and validates every manifest, from where `settings.sources` allows; the inner `Err` holds
/// the problems found, in file order and by line within a file: the first
/// [`manifest::MAX_PROBLEMS`] of all files together, then one saying how many more there are.
pub(crate) fn load_manifests(
    args: &ManifestArgs,
    settings: &Settings,
) -> Result<Result<Vec<Desired>, Vec<Problem>>, Failure> {
    let resolved = manifest_paths(args, settings.in_actions)?;
    let mut manifests = Vec::new();
    let mut problems = Problems::default();
    if !resolved.refused.is_empty() {
        // Never a partial set: a refused file refuses the run.
        return Ok(Err(resolved.refused));
    }
    for path in &resolved.paths {
        match manifest::load(path, &settings.sources) {
            Ok(m) => manifests.push(m),
            Err(p) => problems.append(p),
        }
    }
    Ok(checked_set(manifests, problems))
}

/// The manifests, when neither they nor their set ([`manifest::check_set`], checked only when
/// each is valid) have a problem; else the problems, as printed.
pub(super) fn checked_set(
    manifests: Vec<Desired>,
    mut problems: Problems,
) -> Result<Vec<Desired>, Vec<Problem>> {
    if problems.is_empty() {
        problems.append(Problems {
            shown: manifest::check_set(&manifests),
            more: 0,
        });
    }
    if problems.is_empty() {
        Ok(manifests)
    } else {
        Err(problems.into_list())
    }
}

/// Prints manifest problems on stderr and, under GitHub Actions (`GITHUB_ACTIONS=true`), also as
/// `::error` annotations on their lines, paths relative to `GITHUB_WORKSPACE`.
pub(crate) fn report_problems(problems: &[Problem], settings: &Settings) {
    print_problems(problems);
    if settings.in_actions {
        let annotations = workflow::problem_annotations(problems, settings.workspace.as_deref());
        let mut cmds = workflow::Commands::new(crate::output::Stdout);
        let _ = cmds.annotate(workflow::limit(annotations, 10));
    }
}

/// Prints manifest problems as `error: FILE:LINE:COL: message` with `  help:` lines. The path,
/// the message and the help quote the manifest, so each is made inert (`render::inert`): one
/// line each, never a workflow command.
pub(crate) fn print_problems(problems: &[Problem]) {
    use crate::render::inert;
    let mut err = std::io::stderr().lock();
    for p in problems {
        let _ = writeln!(
            err,
            "error: {}: {}",
            inert(&p.location()),
            inert(&p.message)
        );
        if let Some(help) = &p.help {
            let _ = writeln!(err, "  help: {}", inert(help));
        }
    }
    // The cap's own line (`... and N more problems`) is not a problem.
    let n = problems
        .iter()
        .filter(|p| !p.message.starts_with("... and "))
        .count();
    if n < problems.len() {
        let _ = writeln!(err, "{n} problems shown");
    } else if n > 1 {
        let _ = writeln!(err, "{n} problems found");
    }
}
