//! The bodies the action writes, each rendered from one outcome: the plan (preview or drift
//! report), the refused apply, the problems of an invalid manifest, the offline validation and
//! the apply report. Rendered twice where the comment's budget is smaller than the summary's.

use crate::github::event::{Context, EventName};
use crate::github::{files, workflow};
use crate::manifest::Problem;
use crate::plan::Desired;
use crate::plan::verdict::{EditKind, Verdict, edits};
use crate::render;
use crate::render::comment as comment_body;
use crate::render::comment::{append_notice, strip_marker};
use crate::render::markdown::CommentContext;

use super::super::Failure;
use super::super::pipeline::Outcome;

/// A result rendered twice: for the PR comment, under GitHub's comment size limit, and for the
/// step summary, under the summary's much larger budget, so that the comment's "truncated; the
/// full plan is in the job summary" is true.
pub(super) struct Bodies {
    /// With the hidden marker first.
    pub comment: String,
    /// Without the marker.
    pub summary: String,
}

impl Bodies {
    fn new(
        ctx: &Context,
        notice: Option<&str>,
        render: impl Fn(&CommentContext) -> String,
    ) -> Bodies {
        let mut comment = render(&markdown_context(ctx, None));
        append_notice(&mut comment, notice);
        let mut summary =
            strip_marker(&render(&markdown_context(ctx, Some(files::SUMMARY_BUDGET)))).to_string();
        append_notice(&mut summary, notice);
        Bodies { comment, summary }
    }

    /// The preview (a pull request) or the drift report (any other event): the verdict, worded
    /// by `render::verdict`, over the plan.
    pub(super) fn plan(ctx: &Context, outcome: &Outcome, notice: Option<&str>) -> Bodies {
        let kind = if matches!(
            ctx.event.name,
            EventName::PullRequest | EventName::PullRequestTarget
        ) {
            render::markdown::Kind::Preview
        } else {
            render::markdown::Kind::Drift
        };
        Bodies::new(ctx, notice, |md| {
            let md = CommentContext { kind, ..md.clone() };
            render::markdown::render(&outcome.plan, &outcome.probes, outcome.verdict(), &md)
        })
    }

    /// The report of an apply that was refused: it opens with the refusal (the names, the safe
    /// fix, then the override, as the Action can follow them), then the plan that was refused.
    pub(super) fn refused(ctx: &Context, outcome: &Outcome) -> Bodies {
        let mut bodies = Bodies::new(ctx, None, |md| {
            let md = CommentContext {
                kind: render::markdown::Kind::Refused,
                ..md.clone()
            };
            render::markdown::render(&outcome.plan, &outcome.probes, outcome.verdict(), &md)
        });
        bodies.comment = strip_marker(&bodies.comment).to_string();
        bodies
    }

    pub(super) fn problems(ctx: &Context, problems: &[Problem], notice: Option<&str>) -> Bodies {
        Bodies::new(ctx, notice, |md| {
            render::problems::render_problems(problems, md)
        })
    }
}

/// The step summary of a run refused before anything was planned (the event's rule): the
/// refusal alert alone.
pub(super) fn refusal(ctx: &Context, verdict: &Verdict) -> String {
    let md = CommentContext {
        kind: render::markdown::Kind::Refused,
        ..markdown_context(ctx, None)
    };
    render::markdown::refusal(verdict, &md)
}

fn markdown_context(ctx: &Context, budget: Option<usize>) -> CommentContext {
    CommentContext {
        manifest: ctx.inputs.comment_key(),
        run_url: ctx.run_url(),
        commit: ctx.sha.clone(),
        blob_url: blob_url(ctx),
        workspace: ctx.workspace.clone(),
        source: ctx.manifest_source.clone(),
        budget,
        ..Default::default()
    }
}

/// `{server}/{owner}/{repo}/blob/{sha}`: where the files the run read are shown at its commit.
fn blob_url(ctx: &Context) -> Option<String> {
    let repo = ctx.repository.as_ref()?;
    let sha = ctx
        .sha
        .as_deref()
        .filter(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_hexdigit()))?;
    Some(format!("{}/{repo}/blob/{sha}", ctx.server_url))
}

pub(super) fn validated_body(ctx: &Context, manifests: &[Desired]) -> String {
    let rows: Vec<comment_body::Validated<'_>> = manifests
        .iter()
        .map(|desired| comment_body::Validated {
            path: workflow::workspace_relative(&desired.source, ctx.workspace.as_deref()),
            desired,
        })
        .collect();
    comment_body::validated(&rows, ctx.run_url().as_deref())
}

pub(super) fn applied_body(
    ctx: &Context,
    outcome: &Outcome,
    failure: Option<&Failure>,
    fingerprint: &str,
    public_check: &str,
) -> String {
    let applied: Vec<_> = outcome.zones().filter(|z| z.applied.is_some()).collect();
    // Each name once: an adoption's delete and create are one edit.
    let names: Vec<(EditKind, &str)> = (applied.iter())
        .flat_map(|z| edits(z.plan))
        .map(|e| (e.kind, e.name()))
        .collect();
    let zones: Vec<comment_body::AppliedZone<'_>> = (applied.iter())
        .filter_map(|z| {
            let report = z.applied?;
            Some(comment_body::AppliedZone {
                zone: &report.zone,
                counts: z.verdict.counts,
                batches: report.batches,
                elapsed: report.elapsed,
            })
        })
        .collect();
    comment_body::applied(
        &zones,
        &names,
        outcome.has_changes(),
        failure.map(|f| comment_body::Stopped {
            message: &f.message,
            help: f.help.as_deref(),
        }),
        fingerprint,
        public_check,
        ctx.run_url().as_deref(),
    )
}
