//! `edgeplan list`: the manifests and their zones, offline, for a CI matrix (DESIGN section 3).
//!
//! `--format json` is one line, `{"include": [{"manifest", "zone", "owner"}, ...]}`: what GitHub
//! Actions takes as `strategy.matrix` through `fromJSON`, so a workflow can run one job per
//! manifest, each with its own sticky comment and a concurrency group per zone
//! (docs/action.md, Many zones;
//! <https://docs.github.com/en/actions/writing-workflows/choosing-what-your-workflow-does/running-variations-of-jobs-in-a-workflow>).
//! Paths are relative to `GITHUB_WORKSPACE` when it is set, as the next job's checkout sees them,
//! and written as patterns that match exactly them ([`crate::resolve::escape`]: `dns/[a].yaml`
//! is listed as `dns/[[]a[]].yaml`), so that a listed path given back with `-m` or as the
//! `manifest` input names that one file: a value with `*`, `?` or `[` is always a pattern.

use std::io::Write;

use serde::Serialize;

use crate::cli::{ListArgs, ListFormat};
use crate::exit::Exit;
use crate::github::workflow::workspace_relative;
use crate::plan::Desired;
use crate::render::inert::inert;
use crate::resolve::escape;

use super::settings::Settings;
use super::{Failure, load_or_report};

/// The JSON wire type: a matrix `include` list (more fields may be added).
#[derive(Debug, Serialize)]
struct Matrix<'a> {
    include: Vec<MatrixEntry<'a>>,
}

#[derive(Debug, Serialize)]
struct MatrixEntry<'a> {
    manifest: String,
    zone: &'a str,
    owner: &'a str,
}

pub(super) fn run(args: &ListArgs, settings: &Settings) -> Result<Exit, Failure> {
    let Some(manifests) = load_or_report(&args.manifests, settings)? else {
        return Ok(Exit::Rejected);
    };
    // A path with a line break would become two lines of the next job's `manifest` input.
    if let Some(d) = manifests
        .iter()
        .find(|d| d.source.to_string_lossy().chars().any(char::is_control))
    {
        return Err(Failure::new(
            Exit::Rejected,
            format!(
                "{}: a manifest path with a control character cannot go into a matrix",
                inert(&d.source.display().to_string())
            ),
        )
        .help("rename the file"));
    }
    let text = render(&manifests, settings, args.format);
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
    Ok(Exit::Success)
}

/// The listing in `format`, manifests in the order they were given.
fn render(manifests: &[Desired], settings: &Settings, format: ListFormat) -> String {
    let include: Vec<MatrixEntry<'_>> = manifests
        .iter()
        .map(|d| MatrixEntry {
            manifest: escape(&workspace_relative(
                &d.source,
                settings.workspace.as_deref(),
            )),
            zone: &d.zone,
            owner: &d.owner,
        })
        .collect();
    match format {
        ListFormat::Json => {
            // One line: `echo "matrix=..." >> "$GITHUB_OUTPUT"` takes it as it is.
            let json = serde_json::to_string(&Matrix { include }).unwrap_or_default();
            format!("{json}\n")
        }
        ListFormat::Text => include
            .iter()
            .map(|e| {
                format!(
                    "{}\tzone {}\towner {}\n",
                    inert(&e.manifest),
                    inert(e.zone),
                    inert(e.owner)
                )
            })
            .collect(),
    }
}
