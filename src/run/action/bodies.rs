//! The bodies the action writes, each rendered from one outcome: the plan (preview or drift
//! report), the refused apply, the problems of an invalid manifest, the offline validation and
//! the apply report. Rendered twice where the comment's budget is smaller than the summary's.

use crate::github::event::{Context, EventName};
use crate::github::{files, workflow};
use crate::manifest::Problem;
use crate::plan::{Action, Desired};
use crate::render;
use crate::render::comment as comment_body;
use crate::render::comment::{append_notice, strip_marker};
use crate::render::markdown::Context as MdContext;

use super::super::Failure;
use super::super::pipeline::{Outcome, Verdict};

/// A result rendered twice: for the PR comment, under GitHub's comment size limit, and for the
/// step summary, under the summary's much larger budget, so that the comment's "truncated; the
/// full plan is in the job summary" is true.
pub struct Bodies {
    /// With the hidden marker first.
    pub comment: String,
    /// Without the marker.
    pub summary: String,
}

impl Bodies {
    fn new(ctx: &Context, notice: Option<&str>, render: impl Fn(&MdContext) -> String) -> Bodies {
        let mut comment = render(&markdown_context(ctx, None));
        append_notice(&mut comment, notice);
        let mut summary =
            strip_marker(&render(&markdown_context(ctx, Some(files::SUMMARY_BUDGET)))).to_string();
        append_notice(&mut summary, notice);
        Bodies { comment, summary }
    }

    pub fn plan(
        ctx: &Context,
        outcome: &Outcome,
        verdict: &Verdict,
        notice: Option<&str>,
    ) -> Bodies {
        let drift = !matches!(
            ctx.event.name,
            EventName::PullRequest | EventName::PullRequestTarget
        );
        let (headline, lines) = verdict.words(&render::markdown::code, drift);
        let zones = verdict.zone_words(&render::markdown::code);
        let words = render::markdown::Verdict {
            headline,
            lines,
            zones,
        };
        Bodies::new(ctx, notice, |md| {
            let md = MdContext {
                verdict: Some(words.clone()),
                kind: if drift {
                    render::markdown::Kind::Drift
                } else {
                    render::markdown::Kind::Preview
                },
                ..md.clone()
            };
            render::markdown::render(&outcome.plan, &outcome.probes, &md)
        })
    }

    /// The report of an apply that was refused: the reasons first, each with its fix as the
    /// Action can follow it, then the plan that was refused.
    pub fn refused(ctx: &Context, outcome: &Outcome, verdict: &Verdict) -> Bodies {
        let lines = verdict.refusal_lines(&render::markdown::code);
        let headline = format!(
            "Apply refused, nothing was applied: {}",
            verdict.reasons(&render::markdown::code)
        );
        let words = render::markdown::Verdict {
            headline,
            lines,
            zones: verdict.zone_words(&render::markdown::code),
        };
        let mut bodies = Bodies::new(ctx, None, |md| {
            let md = MdContext {
                verdict: Some(words.clone()),
                kind: render::markdown::Kind::Refused,
                ..md.clone()
            };
            render::markdown::render(&outcome.plan, &outcome.probes, &md)
        });
        let head = "### edgeplan: apply refused\n\n";
        bodies.summary = format!("{head}{}", bodies.summary);
        bodies.comment = format!("{head}{}", strip_marker(&bodies.comment));
        bodies
    }

    pub fn problems(ctx: &Context, problems: &[Problem], notice: Option<&str>) -> Bodies {
        Bodies::new(ctx, notice, |md| {
            render::markdown::render_problems(problems, md)
        })
    }
}

fn markdown_context(ctx: &Context, budget: Option<usize>) -> MdContext {
    MdContext {
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

pub fn validated_body(ctx: &Context, manifests: &[Desired]) -> String {
    let rows: Vec<comment_body::Validated<'_>> = manifests
        .iter()
        .map(|desired| comment_body::Validated {
            path: workflow::workspace_relative(&desired.source, ctx.workspace.as_deref()),
            desired,
        })
        .collect();
    comment_body::validated(&rows, ctx.run_url().as_deref())
}

pub fn applied_body(
    ctx: &Context,
    outcome: &Outcome,
    failure: Option<&Failure>,
    fingerprint: &str,
    public_check: &str,
) -> String {
    let names: Vec<(&str, &str)> = outcome
        .zones()
        .filter(|z| z.applied.is_some())
        .flat_map(|z| z.plan.changes.iter())
        .map(|c| {
            let action = match c.action {
                Action::Create => "create",
                Action::Update => "update",
                Action::Delete => "delete",
            };
            (action, c.name.as_str())
        })
        .collect();
    comment_body::applied(
        &outcome.reports(),
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
