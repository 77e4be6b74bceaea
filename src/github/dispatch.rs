//! The dispatch table of the contract in docs/action.md: from the event and the inputs, what the action
//! does and where it reports. Pure, so every row is a unit test.
//!
//! The security shape follows GitHub's guidance on untrusted triggers
//! (<https://securitylab.github.com/resources/github-actions-preventing-pwn-requests/>): a pull
//! request never applies, whatever the inputs say; apply happens only on the default branch
//! (`repository.default_branch` of the payload, never an assumed `main`); a fork PR, which gets no
//! secrets and a read-only token, is validated offline and not failed for what its author cannot
//! fix.

use super::event::{CommandInput, Context, Event, EventName};

/// The work to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Offline: parse and validate the manifests.
    Validate,
    /// Validate, read the live zones, compute the plan.
    Plan,
    /// Validate, re-plan against the live zones and apply.
    Apply,
}

/// Where the result goes, besides the step summary and outputs (always written).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Report {
    /// Create or update the one sticky comment on this PR.
    StickyComment { pr: u64 },
    /// Comment on the PR(s) the pushed commit merged (`GET /repos/{o}/{r}/commits/{sha}/pulls`).
    MergedPulls,
    /// Step summary only (no PR, commenting switched off, or a read-only token).
    SummaryOnly,
}

/// What the action should do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Run {
        step: Step,
        report: Report,
        /// Shown as a `::notice::` and in the step summary.
        notice: Option<String>,
    },
    /// Not allowed for this event: print `reason`, exit 1 (the contract in README, Commands).
    Refuse { reason: String, help: String },
    /// Nothing to do for this event (a pull request `closed`, `labeled`, ...): show `notice`,
    /// exit 0, read nothing and write no comment.
    Skip { notice: String },
}

/// The facts the table depends on, besides the event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Facts {
    /// The `command` input (`INPUT_COMMAND`).
    pub command: CommandInput,
    /// The `comment` input.
    pub comment: bool,
    /// A Cloudflare token is present (absent on fork PRs: secrets are withheld).
    pub has_cloudflare_token: bool,
}

impl Facts {
    /// The facts as the action's environment gives them.
    pub fn from_context(ctx: &Context, has_cloudflare_token: bool) -> Facts {
        Facts {
            command: ctx.inputs.command,
            comment: ctx.inputs.comment,
            has_cloudflare_token,
        }
    }
}

pub const FORK_NOTICE: &str = "This pull request comes from a fork (or runs without the repository's secrets), so the DNS preview cannot read Cloudflare. The manifest was validated offline; a maintainer sees the full preview once the change is merged or re-run from a branch of this repository.";

const NO_TOKEN_NOTICE: &str = "No Cloudflare token is available to this pull request (the `cloudflare-api-token` input is empty), so only offline validation ran. Give the preview job a read-only token (Zone:Zone:Read, Zone:DNS:Read) to see the DNS change.";

/// Decides per the contract in docs/action.md.
pub fn decide(event: &Event, facts: Facts) -> Decision {
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
/// changed (`changes.base`; a new title or body changes nothing the plan reads). A payload with no
/// `action` at all (hand-made, or an old runner) is previewed, as before.
fn previews(event: &Event) -> bool {
    match event.action.as_deref() {
        None | Some("opened" | "synchronize" | "reopened") => true,
        Some("edited") => event.base_changed,
        Some(_) => false,
    }
}

/// `pull_request` and `pull_request_target`: preview only, never apply.
fn pull_request(event: &Event, facts: &Facts, requested: CommandInput) -> Decision {
    let pr = event.pull_request.as_ref();
    if requested == CommandInput::Apply {
        return Decision::Refuse {
            reason: format!(
                "apply is refused on `{}`: a pull request only previews the change",
                event.name.as_str()
            ),
            help: "apply runs on push to the default branch after merge, or from workflow_dispatch on the default branch; remove `command: apply` from the pull request job".into(),
        };
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
        } else {
            format!("`{action}`")
        };
        // `closed` after a merge: the push to the default branch applies and reports; a preview
        // now would re-plan against a zone being changed and could rewrite the sticky comment.
        return Decision::Skip {
            notice: format!(
                "`{}` {what}: nothing to preview (edgeplan previews a pull request when it is opened, reopened, synchronized or its base branch changes); no comment written",
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
                return Decision::Refuse {
                    reason: format!(
                        "apply is refused on `{}`: it only runs on push or workflow_dispatch",
                        event.name.as_str()
                    ),
                    help:
                        "run apply from a push to the default branch or a workflow_dispatch on it"
                            .into(),
                };
            }
            if !on_default {
                return Decision::Refuse {
                    reason: format!(
                        "apply is refused on `{branch}`: it only runs on the default branch `{default}`"
                    ),
                    help: format!(
                        "merge the change into `{default}`, or dispatch the workflow on `{default}`"
                    ),
                };
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
mod tests {
    use super::*;
    use crate::github::event::PullRequest;

    fn ev(name: EventName, git_ref: &str, default: &str) -> Event {
        Event {
            name,
            pull_request: None,
            default_branch: Some(default.into()),
            git_ref: Some(git_ref.into()),
            dispatch_command: None,
            action: None,
            base_changed: false,
        }
    }

    fn pr_event(name: EventName, fork: bool) -> Event {
        Event {
            pull_request: Some(PullRequest {
                number: 7,
                head_sha: Some("h".into()),
                base_ref: Some("trunk".into()),
                from_fork: fork,
            }),
            ..ev(name, "refs/pull/7/merge", "trunk")
        }
    }

    fn facts(command: CommandInput) -> Facts {
        Facts {
            command,
            comment: true,
            has_cloudflare_token: true,
        }
    }

    fn step_report(d: &Decision) -> (Step, Report) {
        match d {
            Decision::Run { step, report, .. } => (*step, *report),
            Decision::Refuse { reason, .. } => panic!("refused: {reason}"),
            Decision::Skip { notice } => panic!("skipped: {notice}"),
        }
    }

    fn with_action(name: EventName, action: &str, base_changed: bool) -> Event {
        Event {
            action: Some(action.into()),
            base_changed,
            ..pr_event(name, false)
        }
    }

    #[test]
    fn pull_requests_preview_only_when_the_proposed_change_can_differ() {
        for name in [EventName::PullRequest, EventName::PullRequestTarget] {
            for (action, base_changed) in [
                ("opened", false),
                ("synchronize", false),
                ("reopened", false),
                ("edited", true),
            ] {
                let d = decide(
                    &with_action(name.clone(), action, base_changed),
                    facts(CommandInput::Auto),
                );
                assert_eq!(
                    step_report(&d),
                    (Step::Plan, Report::StickyComment { pr: 7 }),
                    "{action}"
                );
            }
            for (action, base_changed) in [
                ("closed", false),
                ("edited", false),
                ("labeled", false),
                ("assigned", false),
                ("ready_for_review", false),
                ("converted_to_draft", false),
            ] {
                for command in [
                    CommandInput::Auto,
                    CommandInput::Plan,
                    CommandInput::Validate,
                ] {
                    let d = decide(
                        &with_action(name.clone(), action, base_changed),
                        facts(command),
                    );
                    let Decision::Skip { notice } = d else {
                        panic!("{action}: must skip, got {d:?}")
                    };
                    assert!(notice.contains(&format!("`{action}`")), "{notice}");
                    assert!(notice.contains("no comment written"), "{notice}");
                }
            }
        }
    }

    #[test]
    fn apply_on_a_closed_pull_request_is_still_refused() {
        // `on: pull_request: types: [closed]` with `command: apply` is a mistake worth failing.
        let d = decide(
            &with_action(EventName::PullRequest, "closed", false),
            facts(CommandInput::Apply),
        );
        assert!(matches!(d, Decision::Refuse { .. }), "{d:?}");
    }

    #[test]
    fn an_odd_action_is_not_echoed() {
        let d = decide(
            &with_action(EventName::PullRequest, "x`\n::warning::y", false),
            facts(CommandInput::Auto),
        );
        let Decision::Skip { notice } = d else {
            panic!("{d:?}")
        };
        assert!(!notice.contains("::"), "{notice}");
        assert!(notice.contains("(unrecognised action)"), "{notice}");
    }

    #[test]
    fn pull_requests_plan_with_a_sticky_comment() {
        for name in [EventName::PullRequest, EventName::PullRequestTarget] {
            let d = decide(&pr_event(name, false), facts(CommandInput::Auto));
            assert_eq!(
                step_report(&d),
                (Step::Plan, Report::StickyComment { pr: 7 })
            );
        }
    }

    #[test]
    fn pull_requests_never_apply() {
        for name in [EventName::PullRequest, EventName::PullRequestTarget] {
            let d = decide(&pr_event(name, false), facts(CommandInput::Apply));
            let Decision::Refuse { reason, .. } = d else {
                panic!("apply on a PR must be refused: {d:?}")
            };
            assert!(reason.contains("pull request"), "{reason}");
        }
    }

    #[test]
    fn fork_pull_request_validates_offline_with_a_notice_and_no_comment() {
        let f = Facts {
            has_cloudflare_token: false,
            ..facts(CommandInput::Auto)
        };
        let d = decide(&pr_event(EventName::PullRequest, true), f);
        assert_eq!(
            d,
            Decision::Run {
                step: Step::Validate,
                report: Report::SummaryOnly,
                notice: Some(FORK_NOTICE.into())
            }
        );
    }

    #[test]
    fn same_repo_pull_request_without_token_still_comments_validation() {
        let f = Facts {
            has_cloudflare_token: false,
            ..facts(CommandInput::Auto)
        };
        let d = decide(&pr_event(EventName::PullRequest, false), f);
        assert_eq!(
            step_report(&d),
            (Step::Validate, Report::StickyComment { pr: 7 })
        );
    }

    #[test]
    fn pull_request_target_fork_with_secrets_plans_and_comments() {
        // pull_request_target runs with a write token and secrets even for forks.
        let d = decide(
            &pr_event(EventName::PullRequestTarget, true),
            facts(CommandInput::Auto),
        );
        assert_eq!(
            step_report(&d),
            (Step::Plan, Report::StickyComment { pr: 7 })
        );
    }

    #[test]
    fn comment_false_means_summary_only() {
        let f = Facts {
            comment: false,
            ..facts(CommandInput::Auto)
        };
        let d = decide(&pr_event(EventName::PullRequest, false), f);
        assert_eq!(step_report(&d), (Step::Plan, Report::SummaryOnly));
        let d = decide(&ev(EventName::Push, "refs/heads/trunk", "trunk"), f);
        assert_eq!(step_report(&d), (Step::Apply, Report::SummaryOnly));
    }

    #[test]
    fn push_to_default_branch_applies_then_comments_merged_prs() {
        let d = decide(
            &ev(EventName::Push, "refs/heads/trunk", "trunk"),
            facts(CommandInput::Auto),
        );
        assert_eq!(step_report(&d), (Step::Apply, Report::MergedPulls));
    }

    #[test]
    fn push_elsewhere_plans_with_a_notice() {
        let d = decide(
            &ev(EventName::Push, "refs/heads/feature", "trunk"),
            facts(CommandInput::Auto),
        );
        let Decision::Run {
            step: Step::Plan,
            report: Report::SummaryOnly,
            notice: Some(n),
        } = d
        else {
            panic!("{d:?}")
        };
        assert!(n.contains("feature") && n.contains("trunk"), "{n}");
    }

    #[test]
    fn push_to_main_when_the_default_is_master_does_not_apply() {
        // Never hard-code `main`: the payload's default branch decides.
        let d = decide(
            &ev(EventName::Push, "refs/heads/main", "master"),
            facts(CommandInput::Auto),
        );
        assert_eq!(step_report(&d).0, Step::Plan);
    }

    #[test]
    fn explicit_apply_on_another_branch_is_refused() {
        let d = decide(
            &ev(EventName::Push, "refs/heads/feature", "trunk"),
            facts(CommandInput::Apply),
        );
        assert!(matches!(d, Decision::Refuse { .. }), "{d:?}");
    }

    #[test]
    fn workflow_dispatch_plans_by_default_and_applies_on_request() {
        let mut e = ev(EventName::WorkflowDispatch, "refs/heads/trunk", "trunk");
        let d = decide(&e, facts(CommandInput::Auto));
        assert_eq!(step_report(&d), (Step::Plan, Report::SummaryOnly));
        e.dispatch_command = Some(CommandInput::Apply);
        let d = decide(&e, facts(CommandInput::Auto));
        assert_eq!(step_report(&d), (Step::Apply, Report::SummaryOnly));
        // The action input, when set, wins over the dispatch payload.
        let d = decide(&e, facts(CommandInput::Plan));
        assert_eq!(step_report(&d), (Step::Plan, Report::SummaryOnly));
    }

    #[test]
    fn workflow_dispatch_apply_off_the_default_branch_is_refused() {
        let mut e = ev(EventName::WorkflowDispatch, "refs/heads/dev", "trunk");
        e.dispatch_command = Some(CommandInput::Apply);
        let Decision::Refuse { reason, help } = decide(&e, facts(CommandInput::Auto)) else {
            panic!("must refuse")
        };
        assert!(
            reason.contains("`dev`") && reason.contains("`trunk`"),
            "{reason}"
        );
        assert!(help.contains("trunk"), "{help}");
    }

    #[test]
    fn schedule_is_a_drift_plan_and_never_applies() {
        let e = ev(EventName::Schedule, "refs/heads/trunk", "trunk");
        assert_eq!(
            step_report(&decide(&e, facts(CommandInput::Auto))),
            (Step::Plan, Report::SummaryOnly)
        );
        assert!(matches!(
            decide(&e, facts(CommandInput::Apply)),
            Decision::Refuse { .. }
        ));
    }

    #[test]
    fn unknown_events_plan_with_a_notice() {
        let e = ev(
            EventName::Other("merge_group".into()),
            "refs/heads/trunk",
            "trunk",
        );
        let Decision::Run {
            step: Step::Plan,
            notice: Some(n),
            ..
        } = decide(&e, facts(CommandInput::Auto))
        else {
            panic!("plan with notice")
        };
        assert!(n.contains("merge_group"), "{n}");
    }

    #[test]
    fn validate_command_only_validates() {
        for e in [
            pr_event(EventName::PullRequest, false),
            ev(EventName::Push, "refs/heads/trunk", "trunk"),
            ev(EventName::Schedule, "refs/heads/trunk", "trunk"),
        ] {
            assert_eq!(
                step_report(&decide(&e, facts(CommandInput::Validate))).0,
                Step::Validate
            );
        }
    }

    #[test]
    fn unknown_default_branch_never_applies() {
        let mut e = ev(EventName::Push, "refs/heads/main", "x");
        e.default_branch = None;
        assert_eq!(
            step_report(&decide(&e, facts(CommandInput::Auto))).0,
            Step::Plan
        );
    }
}
