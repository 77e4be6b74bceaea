//! Hostile values through the real binary: a manifest, a zone record, a file name and an API
//! answer holding newlines, `%0A`, `::` workflow commands, `##[`, Markdown, HTML and
//! `@`-mentions must reach the runner (stdout and stderr), the PR comment and the step summary
//! inert; and the sticky comment is edited only when it is edgeplan's own (its identity:
//! `comment-author`, `GET /user`, else `github-actions[bot]`), never another bot's.

use crate::action_pr::{MARKER, NEW, ONE_UPDATE, older_preview, one_update_world};
use crate::support::github::{BOT_LOGIN, merged_pull, render_like_github};
use crate::support::harness::{REPO, Run, SHA, World, masked};
use serde_json::json;

/// Every injection the runner would act on, in one value.
const HOSTILE: &str = "v=1\n::set-output name=has-changes::true\r\n  ::add-mask::leak %0A::stop-commands::tok ##[warning]pwned";

/// The commands edgeplan itself prints; any other line starting with `::` is an injection.
const OWN_COMMANDS: &[&str] = &[
    "::group::",
    "::endgroup::",
    "::error ",
    "::error::",
    "::warning ",
    "::warning::",
    "::notice ",
    "::notice::",
];

/// No line of stdout or stderr (as the runner splits them, on `\r` and `\n`) starts with `::`
/// after white space, except edgeplan's own commands (on stdout; masks only first), and no line
/// holds `##[`.
fn assert_inert(ran: &Run) {
    let masks = masked(ran).len();
    for (stream, text) in [("stdout", &ran.stdout), ("stderr", &ran.stderr)] {
        for (i, line) in text.split(['\n', '\r']).enumerate() {
            assert!(
                !line.contains("##["),
                "`##[` on {stream}: {line:?}\n{}",
                ran.dump()
            );
            let t = line.trim_start_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
            if !t.starts_with("::") {
                continue;
            }
            let own = stream == "stdout"
                && ((i < masks && t.starts_with("::add-mask::"))
                    || OWN_COMMANDS.iter().any(|p| t.starts_with(p)));
            assert!(
                own,
                "a workflow command on {stream}: {line:?}\n{}",
                ran.dump()
            );
        }
    }
}

fn yaml(s: &str) -> String {
    serde_json::to_string(s).expect("json string is a YAML string")
}

#[test]
fn a_hostile_manifest_is_inert_on_both_streams() {
    let w = World::for_action();
    w.write_manifest(&format!(
        "version: 1\nzone: example.com\nendpoints:\n  - name: {}\n    target: {}\n",
        yaml(&format!("x{HOSTILE}")),
        yaml(&format!("y.example.net{HOSTILE}"))
    ));
    let ran = w.pull_request("pull_request.opened.json").run_checked(1);
    ran.assert_stderr_has("error: ");
    assert_inert(&ran);
    // The CLI prints the same problems.
    let cli = w.run_with(&["validate"], &[("GITHUB_ACTIONS", "true")]);
    cli.assert_code(1);
    assert_inert(&cli);
}

#[test]
fn hostile_zone_records_are_inert_in_the_plan_log_conflicts_and_the_cli() {
    let w = World::for_action();
    // Deleted (owned, not in the manifest): its content is in the plan log.
    w.by_hand(
        json!({"type": "CNAME", "name": "legacy", "content": format!("old.example.net{HOSTILE}"),
                     "proxied": true, "comment": "edgeplan:default"}),
    );
    // In the way of `sentiment`: a conflict quotes it on stderr and in annotations.
    w.by_hand(json!({"type": "TXT", "name": "sentiment", "content": HOSTILE}));
    w.endpoints(&[("sentiment", NEW)]);

    let ran = w.pull_request("pull_request.opened.json").run_checked(1);
    ran.assert_stderr_has("error: ");
    ran.assert_stdout_has("::group::");
    assert_inert(&ran);
    assert_eq!(ran.output("has-changes").as_deref(), Some("true"));

    for format in ["text", "markdown", "json"] {
        let cli = w.run_with(&["plan", "--format", format], &[("GITHUB_ACTIONS", "true")]);
        cli.assert_code(1);
        assert_inert(&cli);
    }
    let cli = w.run_with(&["apply", "--yes"], &[("GITHUB_ACTIONS", "true")]);
    cli.assert_code(1);
    assert_inert(&cli);
}

/// A GitHub answer with HTML, a team mention and workflow commands in its message.
#[test]
fn a_hostile_api_answer_is_inert_on_stderr_in_annotations_and_in_the_summary() {
    let w = one_update_world();
    w.gh().fail_next(
        "POST",
        422,
        json!({"message": format!("@octo-org/admins <img src=x onerror=alert(1)> **bold** {HOSTILE}")}),
    );
    let ran = w.pull_request("pull_request.opened.json").run_checked(3);
    assert_inert(&ran);
    let html = render_like_github(&ran.summary);
    assert!(
        ran.summary.contains("**edgeplan failed: "),
        "{}",
        ran.dump()
    );
    assert_no_live_markup(&html, "@octo-org/admins");
}

/// No HTML element from a value and no live `mention` in `html` outside code.
fn assert_no_live_markup(html: &str, mention: &str) {
    assert!(!html.contains("<img"), "{html}");
    assert!(!html.contains("<strong>bold"), "{html}");
    let mut outside = String::new();
    let mut rest = html;
    while let Some(i) = rest.find("<code>") {
        outside.push_str(&rest[..i]);
        rest = rest[i..].split_once("</code>").map_or("", |(_, r)| r);
    }
    outside.push_str(rest);
    assert!(!outside.contains(mention), "a live {mention}:\n{html}");
}

#[test]
fn a_hostile_manifest_path_renders_inert_and_cannot_forge_the_preview_fingerprint() {
    let w = World::for_action();
    let fake = format!("sha256:{}", "ab".repeat(32));
    let name = format!("# Title `x` <img src=x onerror=alert(1)> @mallory {fake}.yaml");
    w.write_in_workspace(
        &name,
        &format!(
            "version: 1\nzone: example.com\nendpoints:\n  - name: sentiment\n    target: {NEW}\n"
        ),
    );
    // A same-repository PR without a Cloudflare token: the "manifest valid" comment.
    let ran = w
        .pull_request("pull_request.opened.json")
        .unset("CLOUDFLARE_API_TOKEN")
        .var("INPUT_MANIFEST", &name)
        .run_checked(0);
    assert_inert(&ran);
    let comments = w.gh().comments(REPO, 2);
    assert_eq!(comments.len(), 1, "{}", ran.dump());
    let body = &comments[0].body;
    assert!(body.contains("manifest valid"), "{body}");
    // Offline validation only: a preview that counts as none for the apply gate.
    let validated = format!("<!-- edgeplan:preview commit={SHA} plan=none -->");
    assert_eq!(body.lines().next(), Some(validated.as_str()), "{body}");
    for markdown in [body.as_str(), ran.summary.as_str()] {
        let html = render_like_github(markdown);
        assert_no_live_markup(&html, "@mallory");
        assert!(!html.contains("<h1"), "{html}");
    }

    // Merged: the apply report must not take the path's fake fingerprint for the preview's.
    w.gh().add_pull(REPO, SHA, merged_pull(2, "main", SHA));
    let pushed = w.push_to_main().var("INPUT_MANIFEST", &name).run_checked(0);
    assert_inert(&pushed);
    let report = apply_report(&w);
    assert!(
        report
            .body
            .contains("No edgeplan preview with a plan fingerprint"),
        "{}",
        report.body
    );
    assert!(!report.body.contains("differs"), "{}", report.body);
}

#[test]
fn the_preview_fingerprint_is_in_the_marker_and_an_old_marker_is_still_updated() {
    let w = one_update_world();
    let old = older_preview(&w);
    let ran = w.pull_request("pull_request.opened.json").run_checked(0);
    let comments = w.gh().comments(REPO, 2);
    assert_eq!(comments.len(), 1, "{comments:#?}");
    assert_eq!(comments[0].id, old);
    let first = comments[0].marker();
    // The fingerprint, then what the apply gate reads: the digest of the one (zone, owner)
    // pair, the commit read, and that it is a plan.
    let head = format!(
        "<!-- edgeplan:preview fingerprint={} v=1 reviewed=example.com/default:sha256:",
        ran.fingerprint()
    );
    assert!(first.starts_with(&head), "{first}");
    assert!(
        first.ends_with(&format!(" commit={SHA} plan=ok -->")),
        "{first}"
    );
    assert_eq!(
        first.len(),
        head.len() + 64 + format!(" commit={SHA} plan=ok -->").len()
    );
    // The apply report reads it from there.
    w.gh().add_pull(REPO, SHA, merged_pull(2, "main", SHA));
    w.endpoints(ONE_UPDATE);
    w.push_to_main().run_checked(0);
    let report = apply_report(&w);
    assert!(
        report.body.contains("matches the preview"),
        "{}",
        report.body
    );
}

fn preview_by(w: &World, login: &str, kind: &str) -> u64 {
    w.gh().seed_comment(
        REPO,
        2,
        login,
        kind,
        &format!("{MARKER}\n### edgeplan: DNS preview\n\nby {login}"),
    )
}

fn body_of(w: &World, id: u64) -> Option<String> {
    w.gh()
        .comments(REPO, 2)
        .into_iter()
        .find(|c| c.id == id)
        .map(|c| c.body)
}

#[test]
fn other_bots_marker_comments_are_never_edited_or_deleted() {
    let w = one_update_world();
    let dependabot = preview_by(&w, "dependabot[bot]", "Bot");
    let mine = preview_by(&w, BOT_LOGIN, "Bot");
    let renovate = preview_by(&w, "renovate[bot]", "Bot");
    let ran = w.pull_request("pull_request.opened.json").run_checked(0);

    for (id, login) in [(dependabot, "dependabot[bot]"), (renovate, "renovate[bot]")] {
        let body = body_of(&w, id).unwrap_or_else(|| panic!("{login}'s comment deleted"));
        assert!(
            body.ends_with(&format!("by {login}")),
            "{login} edited: {body}"
        );
    }
    let body = body_of(&w, mine).expect("edgeplan's own comment");
    assert!(body.contains(": 1 to update, 1 unchanged"), "{body}");
    assert_eq!(w.gh().count("DELETE", "/comments"), 0);
    assert_eq!(w.gh().count("PATCH", &format!("/comments/{mine}")), 1);
    assert_eq!(w.gh().count("GET", "/user"), 1);
    // The fallback identity found another bot's marker: a warning that names the input.
    let warning = ran
        .stdout
        .lines()
        .find(|l| l.starts_with("::warning") && l.contains("renovate[bot]"))
        .unwrap_or_else(|| panic!("no warning\n{}", ran.dump()));
    assert!(warning.contains("comment-author"), "{warning}");
    assert_inert(&ran);
}

/// The comment `mine` holds the new preview; `other`'s (another identity's) is untouched.
fn assert_only_edited(w: &World, ran: &Run, mine: u64, other: u64) {
    assert!(
        body_of(w, other).is_some_and(|b| b.ends_with(&format!("by {BOT_LOGIN}"))),
        "{}",
        ran.dump()
    );
    let body = body_of(w, mine).expect("edgeplan's own comment");
    assert!(body.contains(": 1 to update, 1 unchanged"), "{body}");
}

#[test]
fn a_personal_token_edits_only_its_owners_comments() {
    let w = one_update_world();
    w.gh().token_user("octo-human");
    let bot = preview_by(&w, BOT_LOGIN, "Bot");
    let mine = preview_by(&w, "octo-human", "User");
    let ran = w.pull_request("pull_request.opened.json").run_checked(0);
    assert_only_edited(&w, &ran, mine, bot);
    assert!(!ran.stdout.contains("comment-author"), "{}", ran.dump());
}

#[test]
fn the_comment_author_input_names_the_app_whose_comments_are_edgeplans() {
    let w = one_update_world();
    let app = preview_by(&w, "edgeplan-app[bot]", "Bot");
    let actions = preview_by(&w, BOT_LOGIN, "Bot");
    let ran = w
        .pull_request("pull_request.opened.json")
        .var("INPUT_COMMENT_AUTHOR", "edgeplan-app[bot]")
        .run_checked(0);
    assert_only_edited(&w, &ran, app, actions);
    // Given by the input: no need to ask GitHub, and no warning.
    assert_eq!(w.gh().count("GET", "/user"), 0);
    assert!(!ran.stdout.contains("::warning"), "{}", ran.dump());
}

/// The apply report edgeplan left on pull request 2.
fn apply_report(w: &World) -> crate::support::github::StoredComment {
    w.gh()
        .comments(REPO, 2)
        .into_iter()
        .find(|c| c.body.starts_with("<!-- edgeplan:applied"))
        .expect("apply report")
}
