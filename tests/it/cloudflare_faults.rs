//! Retries, unknown write outcomes and authentication, against injected faults.
//!
//! Reads are retried through 429s (honouring `Retry-After`, which pauses every call sharing the
//! client), HTML 500s, empty 502s and stalls; a write whose answer is lost is reported as an
//! unknown outcome and never resent, which the request log proves. Token failures become advice
//! naming the missing permission and zone.

use std::time::{Duration, Instant};

use crate::support::cloudflare::{CloudflareServer, Fault, Plan, Scope, TOKEN};
use crate::support::harness::redact;
use edgeplan::cloudflare::{ClientOptions, CloudflareClient, Error};
use edgeplan::plan::Zone;
use edgeplan::provider::{Batch, Error as ProviderError, Provider};

use crate::cloudflare_rules::cname;
use edgeplan::retry::Policy;
use edgeplan::secret::Secret;
use serde_json::json;

fn options() -> ClientOptions {
    ClientOptions {
        retry: Policy {
            timeout: Duration::from_millis(500),
            budget: Duration::from_secs(5),
            base: Duration::from_millis(10),
            cap: Duration::from_millis(50),
            ..Policy::CLOUDFLARE
        },
        ..ClientOptions::default()
    }
}

fn client_with(cf: &CloudflareServer, token: &str) -> CloudflareClient {
    CloudflareClient::new(&cf.url(), Secret::new(token), options()).expect("client")
}

fn client(cf: &CloudflareServer) -> CloudflareClient {
    client_with(cf, TOKEN)
}

fn setup() -> (CloudflareServer, Zone) {
    let cf = CloudflareServer::start();
    let id = cf.seed_zone("example.com", Plan::Free);
    cf.add_record(
        "example.com",
        json!({"type": "A", "name": "www", "content": "192.0.2.1"}),
    );
    let zone = Zone {
        id,
        name: "example.com".into(),
        batch_limit: 200,
        comment_limit: 100,
    };
    (cf, zone)
}

fn post() -> Batch {
    Batch {
        posts: vec![cname(
            "api.example.com",
            "origin.example.net",
            "edgeplan:default",
        )],
        ..Batch::default()
    }
}

/// Sends [`post`] into `fault` and asserts that the outcome is unknown; the server is returned
/// for what it logged and stored.
async fn batch_with_unknown_outcome(fault: Fault) -> (CloudflareServer, ProviderError) {
    let (cf, zone) = setup();
    cf.inject(fault, 1);
    let err = client(&cf)
        .batch(&zone, &post())
        .await
        .expect_err("no answer");
    assert!(
        matches!(err, ProviderError::UnknownOutcome { .. }),
        "{err:?}"
    );
    (cf, err)
}

/// An error and its help, as a snapshot shows them: the zone id and the server's URL redacted.
fn error_snapshot(cf: &CloudflareServer, zone: &Zone, text: &str, err: &ProviderError) -> String {
    let url = cf.url();
    let values = [
        (zone.id.as_str(), "[zone-id]"),
        (url.as_str(), "[cloudflare]"),
    ];
    redact(
        &format!("{text}\nhelp: {}", err.help().unwrap_or("")),
        &values,
    )
}

fn batch_requests(cf: &CloudflareServer) -> usize {
    cf.requests()
        .iter()
        .filter(|r| r.path.ends_with("/batch"))
        .count()
}

#[tokio::test]
async fn rate_limit_429_waits_retry_after_then_succeeds() {
    let (cf, zone) = setup();
    cf.inject(Fault::rate_limit(1), 1);
    let started = Instant::now();
    let records = client(&cf).records(&zone).await.expect("records after 429");
    assert_eq!(records.len(), 1);
    assert!(
        started.elapsed() >= Duration::from_millis(950),
        "waited {:?}",
        started.elapsed()
    );
    let reqs = cf.requests();
    assert_eq!(reqs.len(), 2);
    assert_eq!(reqs[0].fault, Some(Fault::rate_limit(1)));
}

/// A `Retry-After` past the longest rate-limit wait (not the call's budget: a five-minute block
/// is waited out by default) ends the call at once, with advice.
#[tokio::test]
async fn rate_limit_longer_than_the_longest_rate_limit_wait_fails_at_once_with_advice() {
    let (cf, zone) = setup();
    cf.inject(Fault::rate_limit(300), 1);
    let started = Instant::now();
    let mut options = options();
    options.retry.rate_wait = Duration::from_secs(2);
    let err = CloudflareClient::new(&cf.url(), Secret::new(TOKEN), options)
        .expect("client")
        .records(&zone)
        .await
        .expect_err("longest rate-limit wait too short");
    assert!(started.elapsed() < Duration::from_secs(2));
    assert!(matches!(err, ProviderError::Api { .. }));
    assert!(err.to_string().contains("asks to wait 300 s"), "{err}");
    assert!(
        err.to_string().contains("EDGEPLAN_RATE_LIMIT_WAIT_MS"),
        "{err}"
    );
    assert!(
        err.help().is_some_and(|h| h.contains("1,200 requests")),
        "{err:?}"
    );
}

#[tokio::test]
async fn html_500_and_empty_502_are_retried_for_reads() {
    let (cf, zone) = setup();
    cf.inject(Fault::ServerErrorHtml, 1);
    cf.inject(Fault::BadGatewayEmpty, 1);
    let records = client(&cf).records(&zone).await.expect("records");
    assert_eq!(records.len(), 1);
    assert_eq!(cf.requests().len(), 3);
}

#[tokio::test]
async fn html_500_every_time_ends_as_an_api_error_not_a_panic() {
    let (cf, zone) = setup();
    cf.inject(Fault::ServerErrorHtml, 1_000);
    let mut opts = options();
    opts.retry.max_retries = 3;
    let c = CloudflareClient::new(&cf.url(), Secret::new(TOKEN), opts).expect("client");
    let raw = c.list_records(&zone.id).await.expect_err("500s");
    assert!(matches!(raw, Error::Http { status: 500, .. }), "{raw:?}");
    let err = c.records(&zone).await.expect_err("500s");
    assert!(matches!(err, ProviderError::Api { .. }));
    assert!(
        err.to_string()
            .contains("HTTP 500: 500 Internal Server Error"),
        "{err}"
    );
    assert_eq!(cf.requests().len(), 8, "1 try + 3 retries, twice");
}

#[tokio::test]
async fn stalled_read_times_out_and_is_retried() {
    let (cf, zone) = setup();
    cf.inject(Fault::Stall(Duration::from_millis(1_500)), 1);
    let records = client(&cf).records(&zone).await.expect("records");
    assert_eq!(records.len(), 1);
    assert_eq!(cf.requests().len(), 2);
}

#[tokio::test]
async fn batch_dropped_after_commit_is_an_unknown_outcome_and_not_resent() {
    let (cf, err) = batch_with_unknown_outcome(Fault::DropAfterWrite).await;
    assert!(err.to_string().contains("not resent"), "{err}");
    assert_eq!(batch_requests(&cf), 1, "the batch went out exactly once");
    // It did land: the caller's re-read sees it.
    assert!(
        cf.records("example.com")
            .iter()
            .any(|r| r.name == "api.example.com")
    );
}

#[tokio::test]
async fn batch_dropped_before_commit_is_also_unknown_and_changes_nothing() {
    let (cf, _) = batch_with_unknown_outcome(Fault::DropBeforeWrite).await;
    assert_eq!(batch_requests(&cf), 1);
    assert_eq!(cf.records("example.com").len(), 1);
}

#[tokio::test]
async fn batch_that_times_out_is_unknown_and_not_resent() {
    let (cf, err) = batch_with_unknown_outcome(Fault::Stall(Duration::from_millis(1_200))).await;
    assert!(err.to_string().contains("timed out"), "{err}");
    tokio::time::sleep(Duration::from_millis(900)).await;
    assert_eq!(batch_requests(&cf), 1);
    assert_eq!(
        cf.records("example.com").len(),
        2,
        "the stalled write committed later"
    );
}

#[tokio::test]
async fn batch_rate_limited_is_resent_because_it_was_not_processed() {
    let (cf, zone) = setup();
    cf.inject(Fault::rate_limit(0), 1);
    client(&cf)
        .batch(&zone, &post())
        .await
        .expect("batch after 429");
    assert_eq!(batch_requests(&cf), 2);
    assert_eq!(cf.records("example.com").len(), 2);
}

#[tokio::test]
async fn batch_answered_with_500_is_not_resent() {
    let (cf, zone) = setup();
    cf.inject(Fault::ServerErrorHtml, 1);
    let err = client(&cf).batch(&zone, &post()).await.expect_err("500");
    // Not resent by the client: apply reads the zone to tell whether it landed.
    assert!(matches!(err, ProviderError::Server { .. }), "{err:?}");
    assert_eq!(batch_requests(&cf), 1);
}

#[tokio::test]
async fn connection_refused_is_an_api_error_after_retries() {
    let (cf, zone) = setup();
    let url = cf.url();
    drop(cf);
    let mut opts = options();
    opts.retry.budget = Duration::from_millis(300);
    let c = CloudflareClient::new(&url, Secret::new(TOKEN), opts).expect("client");
    let err = c.records(&zone).await.expect_err("refused");
    assert!(matches!(err, ProviderError::Api { .. }), "{err:?}");
    assert!(err.to_string().contains("could not connect"), "{err}");
}

#[tokio::test]
async fn read_only_token_plans_but_apply_gets_10000_with_advice() {
    let (cf, zone) = setup();
    cf.set_token("reader", Scope::read_only());
    let c = client_with(&cf, "reader");
    c.zone("example.com", None).await.expect("zone");
    c.records(&zone).await.expect("records");
    let err = c.batch(&zone, &post()).await.expect_err("no edit");
    assert!(matches!(err, ProviderError::Api { .. }), "{err:?}");
    let snap = error_snapshot(&cf, &zone, &err.to_string(), &err);
    insta::assert_snapshot!("read_only_token_batch_error", snap);
    assert!(
        !format!("{err:?}").contains("reader"),
        "the token never shows"
    );
}

#[tokio::test]
async fn dns_only_token_cannot_look_up_zones_9109() {
    let (cf, _) = setup();
    cf.set_token("dnsonly", Scope::dns_only());
    let err = client_with(&cf, "dnsonly")
        .zone("example.com", None)
        .await
        .expect_err("9109");
    let text = err.to_string();
    assert!(
        text.contains("the token is invalid, or lacks Zone:Read/DNS:Read on example.com")
            && text.contains("9109"),
        "{text}"
    );
}

#[tokio::test]
async fn token_for_another_zone_does_not_see_this_one() {
    let (cf, zone) = setup();
    cf.set_token("scoped", Scope::edit().for_zones(&["other.org"]));
    let c = client_with(&cf, "scoped");
    let err = c.zone("example.com", None).await.expect_err("hidden");
    assert!(
        err.to_string().contains("or the token cannot see it"),
        "{err}"
    );
    let err = c.records(&zone).await.expect_err("10000");
    assert!(
        err.to_string()
            .contains("lacks Zone:DNS:Read on example.com"),
        "{err}"
    );
}

#[tokio::test]
async fn expired_and_unknown_and_malformed_tokens() {
    let (cf, zone) = setup();
    let mut expired = Scope::edit();
    expired.status = "expired".into();
    cf.set_token("old-token", expired);
    let err = client_with(&cf, "old-token")
        .records(&zone)
        .await
        .expect_err("expired");
    let expired_text = err.to_string();

    let err = client_with(&cf, "not-a-known-token")
        .records(&zone)
        .await
        .expect_err("unknown");
    assert!(matches!(err, ProviderError::Api { .. }));
    let unknown_text = err.to_string();

    let err = client_with(&cf, "has spaces!")
        .records(&zone)
        .await
        .expect_err("malformed");
    let text = format!("{err} {err:?} {:?}", err.help());
    assert!(
        !text.contains("has spaces"),
        "the token never shows: {text}"
    );
    let snap = error_snapshot(
        &cf,
        &zone,
        &format!("{expired_text}\n{unknown_text}\n{err}"),
        &err,
    );
    insta::assert_snapshot!("expired_unknown_malformed_token_errors", snap);
}

#[tokio::test]
async fn no_credentials_is_9106() {
    let (cf, zone) = setup();
    let raw = reqwest::get(format!("{}/zones/{}/dns_records", cf.url(), zone.id))
        .await
        .expect("send");
    assert_eq!(raw.status().as_u16(), 400);
    let body: serde_json::Value = raw.json().await.expect("json");
    assert_eq!(body["errors"][0]["code"], json!(9106));
}

#[tokio::test]
async fn a_429_pauses_every_call_that_shares_the_client() {
    let (cf, zone) = setup();
    cf.inject(Fault::rate_limit(1), 1);
    let c = client(&cf);
    let started = Instant::now();
    let first = tokio::spawn({
        let (c, zone) = (c.clone(), zone.clone());
        async move { c.records(&zone).await }
    });
    // The first call meets the 429, which pauses the client's gate.
    while c.gate().remaining().is_zero() {
        assert!(started.elapsed() < Duration::from_secs(1), "no 429 met");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let second = c.records(&zone).await.expect("second call");
    let second_done = started.elapsed();
    let first = first.await.expect("task").expect("first call");
    assert_eq!((first.len(), second.len()), (1, 1));
    // Without the shared pause the second call would have gone at once (the fault was spent).
    assert!(
        second_done >= Duration::from_millis(950),
        "the second call did not wait for the first one's Retry-After: {second_done:?}"
    );
    let reqs = cf.requests();
    assert_eq!(reqs.len(), 3, "{reqs:?}");
    assert_eq!(reqs.iter().filter(|r| r.fault.is_some()).count(), 1);
}
