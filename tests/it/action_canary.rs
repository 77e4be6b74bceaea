//! The canary: distinctive Cloudflare and GitHub token values never appear in stdout (outside the
//! `::add-mask::` lines that open it), stderr, the step outputs, the step summary, the plan JSON,
//! or anything sent to or stored on GitHub, in every flow of the action, including the ones where
//! an API refuses the token and the error is reported. The README (Tokens and scopes) says: "Tokens
//! are secrets: they never appear in any output, log, comment, summary or error message".
//!
//! The other `action_*` tests run the same check after each of their runs; this file adds the
//! failure flows, where an error message is the likeliest place for a token to leak.

use crate::support::cloudflare::{Fault, Scope};
use crate::support::github::merged_pull;
use crate::support::harness::{
    CF_TOKEN, GH_TOKEN, REPO, Run, SHA, World, assert_no_tokens, masked,
};

/// Tokens neither local server accepts: what comes back is an authentication error.
const BAD_CF: &str = "cfcanary_rejected_Hh3Jk9Pq2Xw";
const BAD_GH: &str = "ghp_canary_rejected_Vb7Nm1Qs5Zt";

fn world() -> World {
    let w = World::for_action();
    w.owned("sentiment", "old.elb.amazonaws.com");
    w.endpoints(&[("sentiment", "new.elb.amazonaws.com")]);
    w
}

#[test]
fn tokens_never_leak_in_the_successful_flows() {
    let w = world();
    let preview = w.pull_request("pull_request.opened.json").run_checked(0);
    assert_eq!(masked(&preview), [GH_TOKEN, CF_TOKEN]);

    w.gh().add_pull(REPO, SHA, merged_pull(2, "main", SHA));
    w.push_to_main().run_checked(0);
    // The comment bodies were checked against the server's stored state; make sure there were
    // some to check.
    assert_eq!(w.gh().comments(REPO, 2).len(), 2);
}

#[test]
fn tokens_never_leak_when_the_apis_refuse_them() {
    let w = world();

    // Cloudflare does not know the token: 403, code 10000.
    let cf_refused = w
        .pull_request("pull_request.opened.json")
        .var("CLOUDFLARE_API_TOKEN", BAD_CF)
        .run_checked(3);
    cf_refused.assert_stderr_has("error:");
    cf_refused.assert_summary_has("**edgeplan failed: ");
    cf_refused.assert_stdout_has("::error ");

    // A token that may read but not edit, on apply: the batch is refused with 403.
    w.cf.set_token(BAD_CF, Scope::read_only());
    let read_only = w
        .push_to_main()
        .var("CLOUDFLARE_API_TOKEN", BAD_CF)
        .run_checked(3);
    read_only.assert_summary_has("**Apply failed:**");
    assert_eq!(
        read_only
            .summary
            .matches("Zone:DNS:Edit on example.com")
            .count(),
        1,
        "the failure is in the summary once\n{}",
        read_only.dump()
    );

    // GitHub does not know the token: 401 Bad credentials on the comment list.
    let gh_refused = w
        .pull_request("pull_request.opened.json")
        .var("GITHUB_TOKEN", BAD_GH)
        .run_checked(3);
    gh_refused.assert_stderr_has("401");
    // The token was sent only as the Authorization header.
    assert!(
        w.gh()
            .log()
            .iter()
            .any(|l| l.authorization.as_deref() == Some(&format!("Bearer {BAD_GH}")))
    );

    // Cloudflare failing with 5xx until the retry budget is spent.
    w.cf.inject(Fault::BadGatewayEmpty, 1_000);
    w.pull_request("pull_request.opened.json").run_checked(3);
}

#[test]
fn malformed_tokens_are_masked_line_by_line_and_never_echoed() {
    let w = world();
    // A token pasted with a trailing newline and a second line: GitHub's client refuses it
    // before sending; every line is masked first.
    let two_lines = "ghp_canary_line_one_Kx2\nghp_canary_line_two_Lw3";
    let ran = w
        .pull_request("pull_request.opened.json")
        .var("GITHUB_TOKEN", two_lines)
        .run_checked(3);
    let masks = masked(&ran);
    assert!(
        masks.contains(&"ghp_canary_line_one_Kx2".to_string()),
        "{masks:?}"
    );
    assert!(
        masks.contains(&"ghp_canary_line_two_Lw3".to_string()),
        "{masks:?}"
    );
    ran.assert_stderr_has("GitHub token");
    assert!(
        w.gh().log().is_empty(),
        "nothing sent with a malformed token"
    );
}

#[test]
fn tokens_never_leak_in_refusals_forks_and_invalid_manifests() {
    let w = world();
    w.pull_request("pull_request.opened.json")
        .command("apply")
        .run_checked(1);

    w.pull_request("pull_request.opened.from-fork.json")
        .without_secrets()
        .run_checked(0);

    w.write_manifest("version: 1\nzone: example.com\nendpoints:\n  - name: a\n    target: https://x.example.net/\n");
    w.pull_request("pull_request.opened.json").run_checked(1);
    assert_eq!(w.gh().comments(REPO, 2).len(), 1);
}

/// The check itself must be able to fail: a token after the masks, in stderr, or a mask printed
/// late are each caught.
#[test]
fn the_canary_check_catches_leaks() {
    let w = World::for_action();
    let clean = Run {
        tokens: vec![GH_TOKEN.into(), CF_TOKEN.into()],
        code: 0,
        stdout: format!("::add-mask::{GH_TOKEN}\n::add-mask::{CF_TOKEN}\nplan\n"),
        stderr: String::new(),
        output_file: String::new(),
        summary: String::new(),
    };
    assert_no_tokens(&w, &clean);
    let leaks = [
        Run {
            stdout: format!("{}oops {CF_TOKEN}\n", clean.stdout),
            ..clean.clone()
        },
        Run {
            stderr: format!("error: bad token {GH_TOKEN}"),
            ..clean.clone()
        },
        Run {
            summary: format!("token {CF_TOKEN}"),
            ..clean.clone()
        },
        Run {
            stdout: format!("plan\n::add-mask::{GH_TOKEN}\n::add-mask::{CF_TOKEN}\n"),
            ..clean.clone()
        },
    ];
    for (i, leak) in leaks.iter().enumerate() {
        let caught =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| assert_no_tokens(&w, leak)));
        assert!(caught.is_err(), "leak {i} was not caught");
    }
}
