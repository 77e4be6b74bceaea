//! Unit tests of `github::client`.

use super::*;

#[test]
fn link_header_next() {
    let mut h = HeaderMap::new();
    h.insert(
        "link",
        r#"<https://api.github.com/repositories/1/issues/2/comments?per_page=100&page=3>; rel="next", <https://api.github.com/repositories/1/issues/2/comments?per_page=100&page=5>; rel="last""#
            .parse()
            .expect("header"),
    );
    assert_eq!(
        next_link(&h).as_deref(),
        Some("https://api.github.com/repositories/1/issues/2/comments?per_page=100&page=3")
    );
    let mut last_only = HeaderMap::new();
    last_only.insert(
        "link",
        r#"<https://x/y?page=1>; rel="first""#.parse().expect("h"),
    );
    assert_eq!(next_link(&last_only), None);
    assert_eq!(next_link(&HeaderMap::new()), None);
}

#[test]
fn bad_tokens_and_urls_are_refused_without_panicking() {
    let new = |url: &str, token: &str| {
        GitHubClient::new(url, &Secret::new(token), Policy::GITHUB, Poll::GITHUB_PULLS)
    };
    assert!(matches!(
        new("https://api.github.com", "a\nb"),
        Err(Error::Config(_))
    ));
    assert!(matches!(new("not a url", "t"), Err(Error::Config(_))));
    assert!(matches!(new("/relative", "t"), Err(Error::Config(_))));
    let err = new("https://api.github.com", "bad token with spaces").expect_err("spaces");
    assert!(!err.to_string().contains("bad token"), "{err}");
}

#[test]
fn a_malformed_retry_setting_fails_only_when_a_client_is_made() {
    let api = "https://api.github.com";
    let bad: Result<(Policy, Poll), Malformed> = Err(Malformed {
        name: "EDGEPLAN_GITHUB_RETRY_MS",
        raw: "x".into(),
        example: 500,
    });
    assert!(matches!(
        GitHubClient::for_action(api, None, &bad, None),
        Ok(None)
    ));
    assert!(matches!(
        GitHubClient::for_action(api, Some(&Secret::new("t")), &bad, None),
        Err(Error::Config(m)) if m.contains("EDGEPLAN_GITHUB_RETRY_MS")
    ));
}

#[test]
fn recorded_pull_request_objects_parse_as_pull_summaries() {
    // `commits/{sha}/pulls` returns the same pull request shape as the webhook payloads.
    for (file, merged) in [
        ("pull_request.closed.merged.json", true),
        ("pull_request.closed.not-merged.json", false),
        ("pull_request.opened.from-fork.json", false),
    ] {
        let path = format!(
            "{}/tests/fixtures/github/{file}",
            env!("CARGO_MANIFEST_DIR")
        );
        let text = std::fs::read_to_string(&path).expect("fixture");
        let payload: serde_json::Value = serde_json::from_str(&text).expect("json");
        let pr: PullSummary = serde_json::from_value(payload["pull_request"].clone()).expect(file);
        assert_eq!(pr.merged_at.is_some(), merged, "{file}");
        assert!(pr.base.is_some(), "{file}");
    }
}
