//! The dispatch table of the contract in docs/action.md: from the event and the inputs, what the
//! action does and where it reports. Pure, so every row is a unit test.
//!
//! The security shape follows GitHub's guidance on untrusted triggers
//! (<https://securitylab.github.com/resources/github-actions-preventing-pwn-requests/>): a pull
//! request never applies, whatever the inputs say; apply happens only on the default branch
//! (`repository.default_branch` of the payload, never an assumed `main`); a fork PR, which gets no
//! secrets and a read-only token, is validated offline and not failed for what its author cannot
//! fix.

use super::event::{CommandInput, Context, Event, EventName};
use crate::plan::verdict::EventRule;

/// The work to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Step {
    /// Offline: parse and validate the manifests.
    Validate,
    /// Validate, read the live zones, compute the plan.
    Plan,
    /// Validate, re-plan against the live zones and apply.
    Apply,
}

/// Where the result goes, besides the step summary and outputs (always written).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Report {
    /// Create or update the one sticky comment on this PR.
    StickyComment { pr: u64 },
    /// Comment on the PR(s) the pushed commit merged (`GET /repos/{o}/{r}/commits/{sha}/pulls`).
    MergedPulls,
    /// Step summary only (no PR, commenting switched off, or a read-only token).
    SummaryOnly,
}

/// What the action should do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Decision {
    Run {
        step: Step,
        report: Report,
        /// Shown as a `::notice::` and in the step summary.
        notice: Option<String>,
    },
    /// Not allowed for this event: the run's verdict refuses it, exit 1 (the contract in README,
    /// Commands); `render::verdict` words it.
    Refuse(EventRule),
    /// Nothing to do for this event (a pull request `closed`, `labeled`, ...): show `notice`,
    /// exit 0, read nothing and write no comment.
    Skip { notice: String },
}

/// The facts the table depends on, besides the event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Facts {
    /// The `command` input (`INPUT_COMMAND`).
    pub command: CommandInput,
    /// The `comment` input.
    pub comment: bool,
    /// A Cloudflare token is present (absent on fork PRs: secrets are withheld).
    pub has_cloudflare_token: bool,
}

impl Facts {
    /// The facts as the action's environment gives them.
    pub(crate) fn from_context(ctx: &Context, has_cloudflare_token: bool) -> Facts {
        Facts {
            command: ctx.inputs.command,
            comment: ctx.inputs.comment,
            has_cloudflare_token,
        }
    }
}

/// The label that approves a pull request's deletes over the safety limit (DESIGN section 2):
/// only people with triage or write access can set it. `labeled`/`unlabeled` for it re-run the
/// preview; a push apply reads it on the pull request it merged, at apply time.
pub(crate) const ALLOW_DELETES_LABEL: &str = "edgeplan/allow-deletes";

/// Whether a label named `name` is [`ALLOW_DELETES_LABEL`] (GitHub compares label names without
/// case).
pub(crate) fn is_allow_deletes(name: &str) -> bool {
    name.eq_ignore_ascii_case(ALLOW_DELETES_LABEL)
}

pub(crate) const FORK_NOTICE: &str = "This pull request comes from a fork (or runs without the repository's secrets), so the DNS preview cannot read Cloudflare. The manifest was validated offline; a maintainer sees the full preview once the change is merged or re-run from a branch of this repository.";

const NO_TOKEN_NOTICE: &str = "No Cloudflare token is available to this pull request (the `cloudflare-api-token` input is empty), so only offline validation ran. Give the preview job a read-only token (Zone:Zone:Read, Zone:DNS:Read) to see the DNS change.";

/// Decides per the contract in docs/action.md.
pub(crate) fn decide(event: &Event, facts: Facts) -> Decision {
    let requested = match (facts.command, event.dispatch_command) {
        (CommandInput::Auto, Some(from_dispatch)) if event.name == EventName::WorkflowDispatch => {
            from_dispatch
        }
        (command, _) => command,
    };
    if event.name.is_pull_request() {
        pull_request(event, &facts, requested)
    } else {
        branch(event, &facts, requested)
    }
}

/// The report, unless the `comment` input turned comments off.
fn summary_or(facts: &Facts, report: Report) -> Report {
    if facts.comment {
        report
    } else {
        Report::SummaryOnly
    }
}

/// The pull request activities that change what the PR proposes, and so get a preview:
/// `opened`, `synchronize` (new commits), `reopened`, and `edited` only when the base branch
/// changed (`changes.base`; a new title or body changes nothing the plan reads), and
/// `labeled`/`unlabeled` only for [`ALLOW_DELETES_LABEL`] (it changes whether the deletes are
/// approved; another label changes nothing). A payload with no `action` at all (hand-made, or an
/// old runner) is previewed, as before.
fn previews(event: &Event) -> bool {
    match event.action.as_deref() {
        None | Some("opened" | "synchronize" | "reopened") => true,
        Some("edited") => event.base_changed,
        Some("labeled" | "unlabeled") => event.label.as_deref().is_some_and(is_allow_deletes),
        Some(_) => false,
    }
}

/// `pull_request` and `pull_request_target`: preview only, never apply.
fn pull_request(event: &Event, facts: &Facts, requested: CommandInput) -> Decision {
    let pr = event.pull_request.as_ref();
    if requested == CommandInput::Apply {
        return Decision::Refuse(EventRule::PullRequest {
            event: event.name.as_str().into(),
        });
    }
    if !previews(event) {
        // GitHub's activity names are lower-case words; anything else is not echoed.
        let action = event
            .action
            .as_deref()
            .filter(|a| !a.is_empty() && a.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'))
            .unwrap_or("(unrecognised action)");
        let what = if action == "edited" {
            "`edited` without a new base branch".to_string()
        } else if matches!(action, "labeled" | "unlabeled") {
            format!("`{action}` for another label than `{ALLOW_DELETES_LABEL}`")
        } else {
            format!("`{action}`")
        };
        // `closed` after a merge: the push to the default branch applies and reports; a preview
        // now would re-plan against a zone being changed and could rewrite the sticky comment.
        return Decision::Skip {
            notice: format!(
                "`{}` {what}: nothing to preview (edgeplan previews a pull request when it is opened, reopened, synchronized, its base branch changes or the label `{ALLOW_DELETES_LABEL}` is added or removed); no comment written",
                event.name.as_str()
            ),
        };
    }
    // A fork PR on `pull_request` has a read-only token: a comment would fail with 403.
    let can_comment = !(event.name == EventName::PullRequest && pr.is_some_and(|p| p.from_fork));
    let report = match pr {
        Some(p) if can_comment => summary_or(facts, Report::StickyComment { pr: p.number }),
        _ => Report::SummaryOnly,
    };
    if requested == CommandInput::Validate {
        return run(Step::Validate, report, None);
    }
    if !facts.has_cloudflare_token {
        let notice = if pr.is_some_and(|p| p.from_fork) {
            FORK_NOTICE
        } else {
            NO_TOKEN_NOTICE
        };
        return run(Step::Validate, report, Some(notice.to_string()));
    }
    let notice = pr.is_none().then(|| {
        "the event payload names no pull request, so the preview goes to the step summary only"
            .to_string()
    });
    run(Step::Plan, report, notice)
}

/// Push, workflow_dispatch, schedule and anything else: apply only on the default branch.
fn branch(event: &Event, facts: &Facts, requested: CommandInput) -> Decision {
    let on_default = event.on_default_branch();
    let branch = event
        .git_ref
        .as_deref()
        .map(|r| r.strip_prefix("refs/heads/").unwrap_or(r))
        .unwrap_or("(unknown ref)");
    let default = event.default_branch.as_deref().unwrap_or("(unknown)");

    match requested {
        CommandInput::Validate => return run(Step::Validate, Report::SummaryOnly, None),
        CommandInput::Plan => return run(Step::Plan, Report::SummaryOnly, None),
        CommandInput::Apply => {
            let allowed = matches!(event.name, EventName::Push | EventName::WorkflowDispatch);
            if !allowed {
                return Decision::Refuse(EventRule::Event {
                    event: event.name.as_str().into(),
                });
            }
            if !on_default {
                return Decision::Refuse(EventRule::Branch {
                    branch: branch.to_string(),
                    default: default.to_string(),
                });
            }
            let report = if event.name == EventName::Push {
                summary_or(facts, Report::MergedPulls)
            } else {
                Report::SummaryOnly
            };
            return run(Step::Apply, report, None);
        }
        CommandInput::Auto => {}
    }

    match &event.name {
        EventName::Push if on_default => {
            run(Step::Apply, summary_or(facts, Report::MergedPulls), None)
        }
        EventName::Push => run(
            Step::Plan,
            Report::SummaryOnly,
            Some(format!(
                "push to `{branch}`, not the default branch `{default}`: planned only, nothing applied"
            )),
        ),
        // `Auto` on workflow_dispatch without a `command` input: plan, the safe default.
        EventName::WorkflowDispatch | EventName::Schedule => {
            run(Step::Plan, Report::SummaryOnly, None)
        }
        other => run(
            Step::Plan,
            Report::SummaryOnly,
            Some(format!(
                "event `{}` has no dedicated behaviour: planned only, nothing applied",
                if other.as_str().is_empty() {
                    "(none)"
                } else {
                    other.as_str()
                }
            )),
        ),
    }
}

fn run(step: Step, report: Report, notice: Option<String>) -> Decision {
    Decision::Run {
        step,
        report,
        notice,
    }
}

#[cfg(test)]
#[path = "dispatch_tests.rs"]
mod tests;
