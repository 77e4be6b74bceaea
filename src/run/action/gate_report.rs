//! The apply report of the gate's refusal (`gate::Refused`), on the merged pull request (under
//! the apply report's marker, never a preview's: a preview marker would let a re-run pass) and
//! in the step summary. The refusal itself is a reason of the run's verdict
//! (`Reason::NotReviewed`), worded by `render::verdict` like every other: the report opens with
//! its alert (why, per pair; the safe fix, a new pull request; the override, `workflow_dispatch`
//! with `command: apply`), and the errors and annotations are the verdict's.
//!
//! Under the alert, the facts only the gate knows: a link to the reviewed preview, and whether
//! the manifest files changed between the commit the preview read (`commit=` in its marker) and
//! the merge (their blobs compared through `GET /repos/{o}/{r}/git/trees/{sha}?recursive=1`,
//! <https://docs.github.com/en/rest/git/trees#get-a-tree>; "unknown" when GitHub does not serve
//! one, as for a test merge commit it has dropped). Then the new plan.

use std::collections::BTreeMap;
use std::fmt::Write;

use crate::github::client::GitHubClient;
use crate::github::event::{Context, Repo};
use crate::github::{tree, workflow};
use crate::render;
use crate::render::markdown::{CommentContext, Kind, code, short_sha};

use super::super::pipeline::Outcome;
use super::gate::Refused;

/// Whether the manifest files changed since the preview.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Since {
    /// The same blobs at both commits: the zone changed (or what edgeplan plans from it).
    Same,
    /// These paths differ (or exist at one commit only).
    Changed(Vec<String>),
    /// Not known, and why.
    Unknown(String),
}

/// Compares the manifests' blobs at the preview's commit and at the merge.
pub(super) async fn since(
    client: &GitHubClient,
    repo: &Repo,
    ctx: &Context,
    outcome: &Outcome,
    refused: &Refused,
) -> Since {
    let (Some(from), Some(to)) = (refused.preview_commit.as_deref(), ctx.sha.as_deref()) else {
        return Since::Unknown("the preview names no commit".into());
    };
    let paths: Vec<String> = (outcome.zones())
        .map(|z| workflow::workspace_relative(&z.desired.source, ctx.workspace.as_deref()))
        .collect();
    let mut at = Vec::new();
    for sha in [from, to] {
        match tree::tree(client, repo, sha, true).await {
            Ok(t) if !t.truncated => at.push(
                (t.tree.into_iter())
                    .filter(|e| e.kind == "blob")
                    .map(|e| (e.path, e.sha))
                    .collect::<BTreeMap<String, String>>(),
            ),
            Ok(_) => {
                return Since::Unknown(format!(
                    "the tree of commit {} is too large to list at once",
                    short_sha(sha)
                ));
            }
            Err(e) => {
                return Since::Unknown(format!(
                    "GitHub does not serve the files of commit {} ({e})",
                    short_sha(sha)
                ));
            }
        }
    }
    let changed: Vec<String> = paths
        .into_iter()
        .filter(|p| at[0].get(p) != at[1].get(p))
        .collect();
    if changed.is_empty() {
        Since::Same
    } else {
        Since::Changed(changed)
    }
}

/// Whether the manifest files changed since the preview, in a sentence.
fn since_words(since: &Since, merge: &str) -> String {
    match since {
        Since::Same => format!(
            "The manifest files are the same at the preview's commit and at {}: the zone changed since the preview (another apply, or an edit in Cloudflare), or the preview is of another edgeplan.",
            code(merge)
        ),
        Since::Changed(paths) => format!(
            "The manifest files changed between the preview's commit and {}: {}.",
            code(merge),
            paths.iter().map(|p| code(p)).collect::<Vec<_>>().join(", ")
        ),
        Since::Unknown(why) => format!(
            "Whether the manifest files changed since the preview is unknown: {}.",
            render::markdown::escape(why)
        ),
    }
}

/// The apply report of a refusal (without its marker; the reporter adds it): the refusal alert
/// of the run's verdict (which holds the gate's reasons, worded by `render::verdict`), then the
/// reviewed preview and what changed since, then the plan that was refused.
pub(super) fn body(ctx: &Context, outcome: &Outcome, refused: &Refused, since: &Since) -> String {
    let mut facts = String::new();
    match (&refused.preview_url, &refused.preview_commit) {
        (Some(url), commit) if url.starts_with("https://") => {
            let _ = write!(facts, "The reviewed preview: [the preview comment]({url})");
            if let Some(c) = commit {
                let _ = write!(facts, ", computed at commit {}", code(short_sha(c)));
            }
            facts.push_str(".\n\n");
        }
        _ => {}
    }
    let merge = ctx.sha.as_deref().map(short_sha).unwrap_or("the merge");
    // Without a preview of edgeplan's own there is nothing to say what changed since.
    if refused.preview_url.is_some() {
        let _ = writeln!(facts, "{}\n", since_words(since, merge));
    }
    let md = CommentContext {
        manifest: ctx.inputs.comment_key(),
        run_url: ctx.run_url(),
        commit: ctx.sha.clone(),
        workspace: ctx.workspace.clone(),
        kind: Kind::Refused,
        budget: Some(render::comment::BUDGET.saturating_sub(facts.len() + 2_000)),
        ..CommentContext::default()
    };
    let plan = render::markdown::render(&outcome.plan, &outcome.probes, outcome.verdict(), &md);
    // The renderer's first line is a preview marker: never in an apply report.
    let plan = render::comment::strip_marker(&plan);
    // The facts go under the alert, before the plan's heading.
    match plan.find("\n### ") {
        Some(at) => format!("{}{facts}{}", &plan[..=at], &plan[at + 1..]),
        None => format!("{plan}\n{facts}"),
    }
}
