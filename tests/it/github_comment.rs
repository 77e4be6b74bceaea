//! The sticky comment and merged-PR lookup against the local GitHub server: the behaviours the
//! contract in docs/action.md promises (one comment, found on any page, unchanged means no write,
//! duplicates repaired, size and permission errors explained, GHES base path).

use crate::support::github::{BOT_LOGIN, GitHub, READ_TOKEN, WRITE_TOKEN, merged_pull};
use edgeplan::github::client::{Error, GitHubClient};
use edgeplan::github::comment::{self, Author, MARKER, Upserted};
use edgeplan::github::event::Repo;

const REPO: &str = "octo/hello";

fn repo() -> Repo {
    Repo::parse(REPO).expect("repo")
}

fn client(gh: &GitHub, token: &str) -> GitHubClient {
    gh.client(token, 2, 3)
}

#[tokio::test]
async fn three_upserts_with_changing_bodies_leave_one_comment() {
    let gh = GitHub::start();
    let c = client(&gh, WRITE_TOKEN);
    let mut urls = Vec::new();
    for (i, body) in ["plan A", "plan B", "plan C"].iter().enumerate() {
        let s = comment::upsert(&c, &repo(), 2, MARKER, body, &Author::default())
            .await
            .expect("upsert");
        assert_eq!(
            s.outcome,
            if i == 0 {
                Upserted::Created
            } else {
                Upserted::Updated
            }
        );
        urls.push(s.url);
    }
    let comments = gh.comments(REPO, 2);
    assert_eq!(comments.len(), 1);
    assert_eq!(comments[0].body, format!("{MARKER}\nplan C"));
    assert!(urls.iter().all(|u| u == &urls[0]), "{urls:?}");
    assert!(urls[0].ends_with(&format!("#issuecomment-{}", comments[0].id)));
    assert_eq!(gh.count("POST", "/comments"), 1);
    assert_eq!(gh.count("PATCH", "/issues/comments/"), 2);
    // Every request carried the token as a Bearer header.
    assert!(
        gh.log()
            .iter()
            .all(|l| l.authorization.as_deref() == Some(&format!("Bearer {WRITE_TOKEN}")))
    );
}

#[tokio::test]
async fn unchanged_body_makes_no_write() {
    let gh = GitHub::start();
    let c = client(&gh, WRITE_TOKEN);
    comment::upsert(&c, &repo(), 2, MARKER, "same", &Author::default())
        .await
        .expect("first");
    let writes_before = gh.log().iter().filter(|l| l.method != "GET").count();
    let s = comment::upsert(&c, &repo(), 2, MARKER, "same", &Author::default())
        .await
        .expect("second");
    assert_eq!(s.outcome, Upserted::Unchanged);
    let writes_after = gh.log().iter().filter(|l| l.method != "GET").count();
    assert_eq!(
        writes_before, writes_after,
        "no PATCH or POST for an identical body"
    );
}

#[tokio::test]
async fn sticky_comment_on_page_three_of_a_busy_pr_is_found() {
    let gh = GitHub::start();
    gh.seed_chatter(REPO, 9, 230);
    let old = gh.seed_comment(REPO, 9, BOT_LOGIN, "Bot", &format!("{MARKER}\nold plan"));
    gh.seed_chatter(REPO, 9, 20);
    let c = client(&gh, WRITE_TOKEN);
    let s = comment::upsert(&c, &repo(), 9, MARKER, "new plan", &Author::default())
        .await
        .expect("upsert");
    assert_eq!((s.id, s.outcome), (old, Upserted::Updated));
    let pages: Vec<String> = gh
        .log()
        .iter()
        .filter(|l| l.method == "GET")
        .map(|l| {
            l.query
                .iter()
                .find(|(k, _)| k == "page")
                .map(|(_, v)| v.clone())
                .unwrap_or_else(|| "1".into())
        })
        .collect();
    assert_eq!(pages, ["1", "2", "3"], "all pages listed, per_page=100");
    assert_eq!(gh.count("POST", "/comments"), 0, "no second comment");
    assert_eq!(gh.comments(REPO, 9).len(), 251);
}

#[tokio::test]
async fn duplicates_are_cleaned_and_the_newest_kept() {
    // A retried POST whose first response was lost leaves two markers behind.
    let gh = GitHub::start();
    let first = gh.seed_comment(REPO, 3, BOT_LOGIN, "Bot", &format!("{MARKER}\nv1"));
    gh.seed_chatter(REPO, 3, 2);
    let second = gh.seed_comment(REPO, 3, BOT_LOGIN, "Bot", &format!("{MARKER}\nv1"));
    // A person quoting the marker is not ours to touch.
    let quoted = gh.seed_comment(REPO, 3, "mallory", "User", &format!("{MARKER}\nhaha"));
    let c = client(&gh, WRITE_TOKEN);
    let s = comment::upsert(&c, &repo(), 3, MARKER, "v2", &Author::default())
        .await
        .expect("upsert");
    assert_eq!((s.id, s.removed), (second, 1));
    let ids: Vec<u64> = gh.comments(REPO, 3).iter().map(|c| c.id).collect();
    assert!(!ids.contains(&first), "older duplicate deleted");
    assert!(ids.contains(&second) && ids.contains(&quoted));
    assert_eq!(gh.count("DELETE", &format!("/comments/{first}")), 1);
}

#[tokio::test]
async fn separate_manifest_markers_keep_separate_comments() {
    let gh = GitHub::start();
    let c = client(&gh, WRITE_TOKEN);
    for m in ["dns/a.yaml", "dns/b.yaml", "dns/a.yaml"] {
        comment::upsert(
            &c,
            &repo(),
            4,
            &comment::marker(Some(m)),
            m,
            &Author::default(),
        )
        .await
        .expect("upsert");
    }
    assert_eq!(gh.comments(REPO, 4).len(), 2);
}

#[tokio::test]
async fn body_too_long_is_surfaced_with_advice() {
    let gh = GitHub::start();
    let c = client(&gh, WRITE_TOKEN);
    // Bypass the clamp to see what GitHub's 422 turns into.
    let err = c
        .create_comment(&repo(), 2, &"x".repeat(65_537))
        .await
        .expect_err("422");
    assert_eq!(err.status(), Some(422));
    assert!(
        err.to_string()
            .contains("Body is too long (maximum is 65536 characters)"),
        "{err}"
    );
    assert!(err.help().is_some_and(|h| h.contains("65,536")));
    // Through upsert the clamp keeps the request under the limit.
    let s = comment::upsert(
        &c,
        &repo(),
        2,
        MARKER,
        &"y\n".repeat(40_000),
        &Author::default(),
    )
    .await
    .expect("clamped");
    assert_eq!(s.outcome, Upserted::Created);
    // The one truncation note, the same as the renderer's own cut.
    let body = &gh.comments(REPO, 2)[0].body;
    assert!(
        body.ends_with(edgeplan::render::comment::TRUNCATED),
        "{body}"
    );
}

#[tokio::test]
async fn read_only_token_gets_permission_advice() {
    let gh = GitHub::start();
    let c = client(&gh, READ_TOKEN);
    let err = comment::upsert(&c, &repo(), 2, MARKER, "x", &Author::default())
        .await
        .expect_err("403");
    assert_eq!(err.status(), Some(403));
    assert!(
        err.to_string()
            .contains("Resource not accessible by integration")
    );
    assert!(
        err.help()
            .is_some_and(|h| h.contains("pull-requests: write"))
    );
    assert!(!format!("{err} {err:?}").contains(READ_TOKEN));
}

#[tokio::test]
async fn wrong_token_is_bad_credentials_and_never_echoed() {
    let gh = GitHub::start();
    let c = client(&gh, "ghp_wrong_token_0000");
    let err = c.list_issue_comments(&repo(), 2).await.expect_err("401");
    assert_eq!(err.status(), Some(401));
    assert!(err.to_string().contains("Bad credentials"), "{err}");
    assert!(!format!("{err} {err:?} {:?}", err.help()).contains("ghp_wrong_token_0000"));
}

#[tokio::test]
async fn ghes_base_path_is_kept_on_every_page() {
    let gh = GitHub::start_with_prefix("/api/v3");
    gh.seed_chatter(REPO, 5, 150);
    let c = client(&gh, WRITE_TOKEN);
    assert!(gh.api_url().ends_with("/api/v3"));
    let s = comment::upsert(&c, &repo(), 5, MARKER, "plan", &Author::default())
        .await
        .expect("upsert");
    assert_eq!(s.outcome, Upserted::Created);
    let log = gh.log();
    assert_eq!(log.len(), 3, "{log:?}");
    assert!(
        log.iter()
            .all(|l| l.path.starts_with("/api/v3/repos/octo/hello/")),
        "{log:?}"
    );
    assert!(
        log.iter().all(|l| l.authorization.is_some()),
        "token sent on the Link page too"
    );
}

#[tokio::test]
async fn reads_retry_after_a_5xx_and_posts_do_not() {
    let gh = GitHub::start();
    let c = client(&gh, WRITE_TOKEN);
    gh.fail_next("GET", 502, serde_json::json!({"message": "Server Error"}));
    assert!(
        c.list_issue_comments(&repo(), 2)
            .await
            .expect("retried")
            .is_empty()
    );
    assert_eq!(gh.count("GET", "/comments"), 2);

    gh.fail_next("POST", 502, serde_json::json!({"message": "Server Error"}));
    let err = c
        .create_comment(&repo(), 2, "x")
        .await
        .expect_err("no retry");
    assert!(matches!(err, Error::Api { status: 502, .. }), "{err:?}");
    assert_eq!(gh.count("POST", "/comments"), 1, "a POST is sent once");
}

#[tokio::test]
async fn merged_pulls_for_a_commit_prefer_the_merge_commit() {
    let gh = GitHub::start();
    let sha = "a".repeat(40);
    gh.add_pull(
        REPO,
        &sha,
        merged_pull(11, "trunk", "b".repeat(40).as_str()),
    );
    gh.add_pull(REPO, &sha, merged_pull(12, "trunk", &sha));
    gh.add_pull(REPO, &sha, merged_pull(13, "release", &sha));
    let mut open = merged_pull(14, "trunk", &sha);
    open["merged_at"] = serde_json::Value::Null;
    gh.add_pull(REPO, &sha, open);
    gh.pulls_empty_for(2);
    let c = client(&gh, WRITE_TOKEN);
    let pulls = c
        .pulls_for_commit(&repo(), &sha, "trunk")
        .await
        .expect("pulls");
    let numbers: Vec<u64> = pulls.iter().map(|p| p.number).collect();
    assert_eq!(
        numbers,
        [12, 11],
        "merged into trunk only, merge commit first"
    );
    assert_eq!(
        gh.count("GET", "/pulls"),
        3,
        "retried while the list was empty"
    );

    let url = comment::post(&c, &repo(), 12, "applied")
        .await
        .expect("post");
    assert!(url.contains("/pull/12#issuecomment-"), "{url}");
}

#[tokio::test]
async fn direct_push_has_no_pull_requests() {
    let gh = GitHub::start();
    let c = client(&gh, WRITE_TOKEN);
    let pulls = c
        .pulls_for_commit(&repo(), &"c".repeat(40), "main")
        .await
        .expect("pulls");
    assert!(pulls.is_empty());
    assert_eq!(
        gh.count("GET", "/pulls"),
        3,
        "gave up after the bounded retries"
    );
}

#[test]
fn the_server_refuses_a_comment_whose_links_github_would_break() {
    // Every comment body posted in these tests is rendered as GitHub does and its links checked;
    // this is the check failing where it should.
    let escaped =
        "see https://developers.cloudflare.com/rules/origin-rules/features/\\#host-header";
    let problem = crate::support::github::rendered_link_problem(escaped).expect("a broken link");
    assert!(problem.contains("%5C#host-header"), "{problem}");
    let plain = "see <https://developers.cloudflare.com/rules/origin-rules/features/#host-header>";
    assert_eq!(crate::support::github::rendered_link_problem(plain), None);
    assert_eq!(
        crate::support::github::rendered_link_problem("plan A"),
        None
    );
}

#[test]
fn the_server_refuses_a_comment_that_github_would_show_badly() {
    use crate::support::github::rendered_link_problem as problem;
    // A double escape shows its backslash: `\\_` renders as `\_`.
    let shown = problem("owner ml\\\\_team").expect("a literal backslash");
    assert!(shown.contains("literal backslash"), "{shown}");
    // Inside a code span a backslash is the value's own.
    assert_eq!(problem("`C:\\models\\x`"), None);
    // A link that did not render, or that goes nowhere on GitHub.
    assert!(problem("[file](a b)").is_some_and(|p| p.contains("did not render")));
    assert!(problem("[file](edgeplan.yaml#L3)").is_some_and(|p| p.contains("goes nowhere")));
    // A table wider than a PR comment.
    let wide = "| a | b | c | d | e | f |\n|---|---|---|---|---|---|\n| 1 | 2 | 3 | 4 | 5 | 6 |\n";
    assert!(problem(wide).is_some_and(|p| p.contains("wider than 5 columns")));
    let fits = "| a | b | c | d | e |\n|---|---|---|---|---|\n| 1 | 2 | 3 | 4 | 5 |\n";
    assert_eq!(problem(fits), None);
}
