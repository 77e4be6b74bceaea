//! The words of the apply gate's refusal (`gate::Refused`): the apply report on the merged pull
//! request (under the apply report's marker, never a preview's: a preview marker would let a
//! re-run pass), the step summary, and the error the step ends with.
//!
//! The report says why nothing was written, links the reviewed preview, says whether the
//! manifest files changed between the commit the preview read (`commit=` in its marker) and the
//! merge (their blobs compared through `GET /repos/{o}/{r}/git/trees/{sha}?recursive=1`,
//! <https://docs.github.com/en/rest/git/trees#get-a-tree>; "unknown" when GitHub does not serve
//! one, as for a test merge commit it has dropped), and the deliberate ways forward:
//! `workflow_dispatch` with `command: apply`, or a new pull request. Then the new plan.

use std::collections::BTreeMap;
use std::fmt::Write;

use crate::exit::Exit;
use crate::github::client::Client;
use crate::github::event::{Context, Repo};
use crate::github::{tree, workflow};
use crate::render;
use crate::render::markdown::{Context as MdContext, Kind, code};

use super::super::Failure;
use super::super::pipeline::Outcome;
use super::gate::{Mismatch, Refused, short};

/// Whether the manifest files changed since the preview.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Since {
    /// The same blobs at both commits: the zone changed (or what edgeplan plans from it).
    Same,
    /// These paths differ (or exist at one commit only).
    Changed(Vec<String>),
    /// Not known, and why.
    Unknown(String),
}

/// Compares the manifests' blobs at the preview's commit and at the merge.
pub async fn since(
    client: &Client,
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
                    short(sha)
                ));
            }
            Err(e) => {
                return Since::Unknown(format!(
                    "GitHub does not serve the files of commit {} ({e})",
                    short(sha)
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

/// One sentence per reason; `code` puts values in code spans (Markdown) or backticks (text).
pub fn reasons(refused: &Refused, code: &dyn Fn(&str) -> String) -> Vec<String> {
    refused
        .reasons
        .iter()
        .map(|r| match r {
            Mismatch::Differs {
                pair,
                reviewed,
                planned,
            } => format!(
                "{}: the plan differs from the one reviewed (reviewed {}, now {})",
                code(pair),
                code(digest_short(reviewed)),
                code(digest_short(planned))
            ),
            Mismatch::PreviewInvalid => "the pull request's preview shows a manifest with problems (`plan=invalid`), so no plan of it was reviewed".into(),
            Mismatch::Missing { pair } => format!(
                "{}: this change is in no preview on the pull request",
                code(pair)
            ),
            Mismatch::Versions { found } => format!(
                "the preview's digests are of another version ({}; this edgeplan compares {}): it was written by another edgeplan",
                code(&format!("v={found}")),
                code(&format!("v={}", crate::plan::REVIEW_VERSION))
            ),
            Mismatch::Disagree { pair } => format!(
                "{}: two previews on the pull request show different plans",
                code(pair)
            ),
            Mismatch::OtherIdentity { logins } => format!(
                "the only previews on the pull request are by {}, not by the identity this apply runs as",
                logins.iter().map(|l| code(l)).collect::<Vec<_>>().join(", ")
            ),
            Mismatch::NoPreview { direct: true } => {
                "this push merged no pull request, and `reviewed-plan: require` applies only a reviewed plan".into()
            }
            Mismatch::NoPreview { direct: false } => {
                "the pull request has no edgeplan preview, and `reviewed-plan: require` applies only a reviewed plan".into()
            }
            Mismatch::Unreadable { why } => format!(
                "a preview's marker cannot be read ({}), so what it reviewed is not known",
                code(why)
            ),
        })
        .collect()
}

fn digest_short(d: &str) -> &str {
    d.get(..19).unwrap_or(d)
}

/// The deliberate ways forward, as the Action can follow them.
const FORWARD: &str = "if the new plan is what should happen, apply it deliberately: run the workflow by hand on the default branch (`workflow_dispatch` with `command: apply`, which is not compared with a preview), or open a new pull request, whose preview shows this plan, and merge it";

/// The help naming `comment-author`, when the previews are another identity's.
const IDENTITY: &str = "if edgeplan previews as that identity (a GitHub App token), set the apply job's `comment-author` input to its login, for example `my-app[bot]`";

/// The error the step ends with (exit 1).
pub fn failure(refused: &Refused) -> Failure {
    let plain = |s: &str| format!("`{s}`");
    let reasons = reasons(refused, &plain);
    let other = (refused.reasons.iter()).any(|r| matches!(r, Mismatch::OtherIdentity { .. }));
    Failure::new(
        Exit::Rejected,
        format!(
            "apply refused, nothing was written: the plan is not the reviewed one: {}",
            reasons.join("; ")
        ),
    )
    .help(if other { IDENTITY } else { FORWARD })
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

/// The apply report of a refusal (without its marker; the reporter adds it).
pub fn body(ctx: &Context, outcome: &Outcome, refused: &Refused, since: &Since) -> String {
    let mut b = String::from("### edgeplan: apply refused\n\n");
    let on = match refused.pull {
        Some(n) => format!(" on #{n}"),
        None => String::new(),
    };
    let _ = writeln!(
        b,
        "> [!CAUTION]\n> **Apply refused, nothing was applied: the plan is not the one reviewed{on}.**\n"
    );
    for r in reasons(refused, &code) {
        let _ = writeln!(b, "- {r}");
    }
    b.push('\n');
    match (&refused.preview_url, &refused.preview_commit) {
        (Some(url), commit) if url.starts_with("https://") => {
            let _ = write!(b, "The reviewed preview: [the preview comment]({url})");
            if let Some(c) = commit {
                let _ = write!(b, ", computed at commit {}", code(short(c)));
            }
            b.push_str(".\n\n");
        }
        _ => {}
    }
    let merge = ctx.sha.as_deref().map(short).unwrap_or("the merge");
    // Without a preview of edgeplan's own there is nothing to say what changed since.
    if refused.preview_url.is_some() {
        let _ = writeln!(b, "{}\n", since_words(since, merge));
    }
    let other = (refused.reasons.iter()).any(|r| matches!(r, Mismatch::OtherIdentity { .. }));
    let _ = writeln!(
        b,
        "**The way forward:** {}.\n",
        render::markdown::prose(if other { IDENTITY } else { FORWARD })
    );
    let md = MdContext {
        manifest: ctx.inputs.comment_key(),
        run_url: ctx.run_url(),
        commit: ctx.sha.clone(),
        workspace: ctx.workspace.clone(),
        kind: Kind::Refused,
        budget: Some(render::markdown::BUDGET.saturating_sub(b.len() + 2_000)),
        ..MdContext::default()
    };
    let plan = render::markdown::render(&outcome.plan, &outcome.probes, outcome.verdict(), &md);
    // The renderer's first line is a preview marker: never in an apply report.
    b.push_str(render::comment::strip_marker(&plan));
    b
}
