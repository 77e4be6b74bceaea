//! Manifests on the command line: expand `-m` globs, load and validate, print problems.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::cli::ManifestArgs;
use crate::exit::Exit;
use crate::github::workflow;
use crate::manifest::{self, Problem, Problems};
use crate::plan::Desired;

use super::Failure;
use super::settings::Settings;

pub fn validate(args: &ManifestArgs, settings: &Settings) -> Result<Exit, Failure> {
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
pub fn load_or_report(
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

/// Expands the `-m` arguments (globs allowed) into files, in order, without duplicates.
pub fn manifest_paths(args: &ManifestArgs) -> Result<Vec<PathBuf>, Failure> {
    let mut paths: Vec<PathBuf> = Vec::new();
    for pattern in &args.manifests {
        // A file that exists by this very name is that file, whatever its characters (the
        // paths `edgeplan list` gives a matrix come back here as they are).
        let is_glob = pattern.contains(['*', '?', '[']) && !Path::new(pattern).is_file();
        if !is_glob {
            let path = PathBuf::from(pattern);
            if !path.exists() {
                return Err(Failure::new(Exit::Rejected, format!("{pattern}: no such file")).help(
                    "pass the manifest with -m PATH (default edgeplan.yaml in the current directory)",
                ));
            }
            if !paths.contains(&path) {
                paths.push(path);
            }
            continue;
        }
        let matches = glob::glob(pattern).map_err(|e| {
            Failure::new(
                Exit::Usage,
                format!("bad manifest pattern `{pattern}`: {e}"),
            )
        })?;
        let mut found: Vec<PathBuf> = matches
            .filter_map(Result::ok)
            .filter(|p| p.is_file())
            .collect();
        found.sort();
        if found.is_empty() {
            return Err(
                Failure::new(Exit::Rejected, format!("no manifest matches `{pattern}`"))
                    .help("check the pattern; quote it so the shell does not expand it first"),
            );
        }
        for path in found {
            if !paths.contains(&path) {
                paths.push(path);
            }
        }
    }
    Ok(paths)
}

/// Loads and validates every manifest, from where `settings.sources` allows; the inner `Err` holds
/// the problems found, in file order and by line within a file: the first
/// [`manifest::MAX_PROBLEMS`] of all files together, then one saying how many more there are.
pub fn load_manifests(
    args: &ManifestArgs,
    settings: &Settings,
) -> Result<Result<Vec<Desired>, Vec<Problem>>, Failure> {
    let paths = manifest_paths(args)?;
    let mut manifests = Vec::new();
    let mut problems = Problems::default();
    for path in &paths {
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
pub fn report_problems(problems: &[Problem], settings: &Settings) {
    print_problems(problems);
    if settings.in_actions {
        let annotations = workflow::problem_annotations(problems, settings.workspace.as_deref());
        let mut cmds = workflow::Commands::new(std::io::stdout());
        let _ = cmds.annotate(workflow::limit(annotations, 10));
    }
}

/// Prints manifest problems as `error: FILE:LINE:COL: message` with `  help:` lines. The path,
/// the message and the help quote the manifest, so each is made inert (`render::inert`): one
/// line each, never a workflow command.
pub fn print_problems(problems: &[Problem]) {
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
