//! Tests of [`super`].

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
        label: None,
    }
}

fn pr_event(name: EventName, fork: bool) -> Event {
    Event {
        pull_request: Some(PullRequest {
            number: 7,
            head_sha: Some("h".into()),
            merge_commit_sha: None,
            from_fork: fork,
            labels: Vec::new(),
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
        Decision::Refuse(rule) => panic!("refused: {rule:?}"),
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
fn the_allow_deletes_label_and_only_it_re_runs_the_preview() {
    for name in [EventName::PullRequest, EventName::PullRequestTarget] {
        for action in ["labeled", "unlabeled"] {
            for label in [ALLOW_DELETES_LABEL, "EdgePlan/Allow-Deletes"] {
                let event = Event {
                    label: Some(label.into()),
                    ..with_action(name.clone(), action, false)
                };
                assert_eq!(
                    step_report(&decide(&event, facts(CommandInput::Auto))),
                    (Step::Plan, Report::StickyComment { pr: 7 }),
                    "{action} {label}"
                );
            }
            for label in [Some("bug"), Some("edgeplan/allow-deletes-later"), None] {
                let event = Event {
                    label: label.map(String::from),
                    ..with_action(name.clone(), action, false)
                };
                let d = decide(&event, facts(CommandInput::Auto));
                let Decision::Skip { notice } = d else {
                    panic!("{action} {label:?}: must skip, got {d:?}")
                };
                assert!(notice.contains(ALLOW_DELETES_LABEL), "{notice}");
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
        let event = name.as_str().to_string();
        let d = decide(&pr_event(name, false), facts(CommandInput::Apply));
        assert_eq!(
            d,
            Decision::Refuse(EventRule::PullRequest { event }),
            "apply on a PR must be refused"
        );
    }
}

#[test]
fn fork_pull_request_validates_offline_with_a_notice_and_no_comment() {
    let f = without_token();
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
    let f = without_token();
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

/// What a push of `git_ref` decides when `default` is the default branch.
fn push(git_ref: &str, default: &str, command: CommandInput) -> Decision {
    decide(&ev(EventName::Push, git_ref, default), facts(command))
}

#[test]
fn push_to_default_branch_applies_then_comments_merged_prs() {
    let d = push("refs/heads/trunk", "trunk", CommandInput::Auto);
    assert_eq!(step_report(&d), (Step::Apply, Report::MergedPulls));
}

#[test]
fn push_elsewhere_plans_with_a_notice() {
    let d = push("refs/heads/feature", "trunk", CommandInput::Auto);
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
    let d = push("refs/heads/main", "master", CommandInput::Auto);
    assert_eq!(step_report(&d).0, Step::Plan);
}

#[test]
fn explicit_apply_on_another_branch_is_refused() {
    let d = push("refs/heads/feature", "trunk", CommandInput::Apply);
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
    assert_eq!(
        decide(&e, facts(CommandInput::Auto)),
        Decision::Refuse(EventRule::Branch {
            branch: "dev".into(),
            default: "trunk".into()
        })
    );
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

/// Automatic command, no Cloudflare token (a fork, or a repository without the secret).
fn without_token() -> Facts {
    Facts {
        has_cloudflare_token: false,
        ..facts(CommandInput::Auto)
    }
}
