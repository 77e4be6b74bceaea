//! Cloudflare's record rules, as the local server enforces them and the client reports them:
//! each refusal reaches the caller as the right typed error, code and class, and as advice.

use std::time::Duration;

use crate::support::cloudflare::{CloudflareServer, Plan};
use edgeplan::cloudflare::{ApiFailure, Class, ClientOptions, CloudflareClient, Error};
use edgeplan::plan::{Record, RecordData};
use edgeplan::provider::{Batch, Error as ProviderError, Provider};
use edgeplan::retry::Policy;
use edgeplan::secret::Secret;
use serde_json::json;

/// A client with a short retry budget (also the rules agreement table's).
pub(crate) fn client(cf: &CloudflareServer) -> CloudflareClient {
    let options = ClientOptions {
        retry: Policy {
            budget: Duration::from_secs(2),
            base: Duration::from_millis(10),
            ..Policy::CLOUDFLARE
        },
        ..ClientOptions::default()
    };
    CloudflareClient::new(
        &cf.url(),
        Secret::new(crate::support::cloudflare::TOKEN),
        options,
    )
    .expect("client")
}

/// A record to write (also the rules agreement table's).
pub(crate) fn rec(kind: &str, name: &str, content: &str, proxied: bool, ttl: u32) -> Record {
    Record {
        name: name.into(),
        kind: kind.into(),
        data: RecordData {
            content: content.into(),
            proxied,
            ttl,
            comment: None,
        },
    }
}

/// A proxied CNAME with a comment (the record edgeplan writes).
pub(crate) fn cname(name: &str, target: &str, comment: &str) -> Record {
    let mut r = rec("CNAME", name, target, true, 1);
    r.data.comment = Some(comment.into());
    r
}

fn api(err: Error) -> ApiFailure {
    match err {
        Error::Api(f) => f,
        other => panic!("expected an API failure, got {other:?}"),
    }
}

/// A server with the Free zone `example.com` holding one A record `name`: the server, the zone's
/// id and the record's.
fn zone_with_an_a_record(name: &str) -> (CloudflareServer, String, String) {
    let cf = CloudflareServer::start();
    let z = cf.seed_zone("example.com", Plan::Free);
    let id = cf.add_record(
        "example.com",
        json!({"type": "A", "name": name, "content": "192.0.2.1"}),
    );
    (cf, z, id)
}

/// Posts `record` in a batch through the provider, which must refuse it.
async fn provider_refuses(cf: &CloudflareServer, record: Record) -> ProviderError {
    let c = client(cf);
    let zone = c.zone("example.com", None).await.expect("zone");
    let batch = Batch {
        posts: vec![record],
        ..Batch::default()
    };
    c.batch(&zone, &batch).await.expect_err("refused")
}

/// Posts `record` in a batch and returns the failure with its innermost code.
async fn refuse(cf: &CloudflareServer, zone_id: &str, record: Record) -> (ApiFailure, i64) {
    let before = cf.records("example.com");
    let batch = Batch {
        posts: vec![record],
        ..Batch::default()
    };
    let failure = api(client(cf)
        .send_batch(zone_id, &batch)
        .await
        .expect_err("refused"));
    assert_eq!(
        cf.records("example.com"),
        before,
        "a refused batch changes nothing"
    );
    let inner = failure.innermost().map_or(0, |m| m.code);
    (failure, inner)
}

#[tokio::test]
async fn validation_rules_give_1004_with_the_cause_chained() {
    let cf = CloudflareServer::start();
    let z = cf.seed_zone("example.com", Plan::Free);
    let cases = [
        (rec("CNAME", "a.example.com", "192.0.2.1", true, 1), 9007),
        (
            rec("CNAME", "a.example.com", "a.example.com", true, 1),
            9007,
        ),
        (rec("TXT", "a.example.com", "hello", true, 1), 9004),
        (rec("A", "a.example.com", "10.0.0.1", true, 1), 9041),
        (
            rec("CNAME", "a.example.com", "o.example.net", false, 30),
            9021,
        ),
        (
            rec("CNAME", "a.example.com", "o.example.net", false, 90_000),
            9021,
        ),
        (rec("CNAME", "a.example.com", "", false, 1), 9011),
    ];
    for (record, code) in cases {
        let (failure, inner) = refuse(&cf, &z, record.clone()).await;
        assert_eq!(
            (failure.status, failure.code(), inner),
            (400, 1004, code),
            "{record:?}"
        );
        assert_eq!(failure.class(), Class::InvalidInput);
    }
}

#[tokio::test]
async fn proxied_records_are_stored_with_ttl_1() {
    let cf = CloudflareServer::start();
    let z = cf.seed_zone("example.com", Plan::Free);
    let r = client(&cf)
        .write_record(
            &z,
            None,
            &rec("CNAME", "a.example.com", "o.example.net", true, 300),
        )
        .await
        .expect("created");
    assert_eq!((r.proxied, r.ttl), (true, 1));
}

#[tokio::test]
async fn comments_are_limited_by_plan_and_refuse_line_breaks() {
    let cf = CloudflareServer::start();
    let free = cf.seed_zone("example.com", Plan::Free);
    let long = "x".repeat(101);
    let mut r = rec("CNAME", "a.example.com", "o.example.net", true, 1);
    r.data.comment = Some(long.clone());
    let (failure, _) = refuse(&cf, &free, r.clone()).await;
    assert_eq!(failure.code(), 1004);
    r.data.comment = Some("two\nlines".into());
    let (failure, _) = refuse(&cf, &free, r.clone()).await;
    assert_eq!(failure.code(), 1004);
    // The same 101 characters fit a paid plan's 500.
    let pro = cf.seed_zone("example.org", Plan::Pro);
    r.name = "a.example.org".into();
    r.data.comment = Some(long);
    client(&cf)
        .write_record(&pro, None, &r)
        .await
        .expect("fits on Pro");
}

#[tokio::test]
async fn conflicts_81053_81054_81058_name_the_record_holding_the_name() {
    let (cf, z, a) = zone_with_an_a_record("api");
    cf.add_record("example.com", json!({"type": "CNAME", "name": "web", "content": "o.example.net", "comment": "edgeplan:other"}));
    cf.add_record(
        "example.com",
        json!({"type": "TXT", "name": "txt", "content": "hello"}),
    );

    let (f, _) = refuse(
        &cf,
        &z,
        rec("CNAME", "api.example.com", "o.example.net", true, 1),
    )
    .await;
    assert_eq!((f.code(), f.class()), (81053, Class::Conflict));
    let (f, _) = refuse(&cf, &z, rec("A", "web.example.com", "192.0.2.9", false, 1)).await;
    assert_eq!((f.code(), f.class()), (81054, Class::Conflict));
    let (f, _) = refuse(&cf, &z, rec("TXT", "txt.example.com", "hello", false, 1)).await;
    assert_eq!((f.code(), f.class()), (81058, Class::Conflict));

    // Through the provider: exit 1, and the message names the holder.
    let err = provider_refuses(
        &cf,
        rec("CNAME", "api.example.com", "o.example.net", true, 1),
    )
    .await;
    let text = err.to_string();
    assert!(matches!(err, ProviderError::Rejected { .. }), "{text}");
    assert!(text.contains("81053"), "{text}");
    assert!(
        text.contains(&format!(
            "api.example.com is already held by the A record 192.0.2.1 (id {a}"
        )),
        "{text}"
    );
    assert!(err.help().is_some_and(|h| h.contains("adopt")));
}

#[tokio::test]
async fn batch_is_all_or_nothing_and_returns_the_first_error() {
    let (cf, z, keep) = zone_with_an_a_record("keep");
    let before = cf.records("example.com");
    let batch = Batch {
        deletes: vec![keep],
        posts: vec![
            rec("CNAME", "ok.example.com", "o.example.net", true, 1),
            rec("CNAME", "bad.example.com", "192.0.2.7", true, 1),
            rec("TXT", "bad2.example.com", "x", true, 1),
        ],
        ..Batch::default()
    };
    let f = api(client(&cf)
        .send_batch(&z, &batch)
        .await
        .expect_err("refused"));
    assert_eq!(
        f.innermost().map(|m| m.code),
        Some(9007),
        "the first error, not the second"
    );
    assert_eq!(f.errors.len(), 1);
    assert_eq!(cf.records("example.com"), before);
}

#[tokio::test]
async fn unknown_record_ids_give_81044_and_malformed_ones_7003() {
    let cf = CloudflareServer::start();
    let z = cf.seed_zone("example.com", Plan::Free);
    let c = client(&cf);
    let gone = Batch {
        deletes: vec!["0123456789abcdef0123456789abcdef".into()],
        ..Batch::default()
    };
    let f = api(c.send_batch(&z, &gone).await.expect_err("unknown"));
    assert_eq!(
        (f.status, f.code(), f.class()),
        (404, 81044, Class::NotFound)
    );
    let f = api(c.delete_record(&z, "nope").await.expect_err("malformed"));
    assert_eq!(
        (f.status, f.code(), f.class()),
        (400, 7003, Class::BadIdentifier)
    );
    assert!(f.has_code(7000));
    let zone = c.zone("example.com", None).await.expect("zone");
    let err = c.batch(&zone, &gone).await.expect_err("stale");
    assert!(matches!(err, ProviderError::Rejected { .. }), "{err}");
    assert!(err.to_string().contains("no longer exists"), "{err}");
}

#[tokio::test]
async fn quotas_81045_and_tags_9300() {
    let (cf, z, _) = zone_with_an_a_record("one");
    cf.set_record_quota("example.com", 1);
    let two = rec("CNAME", "two.example.com", "o.example.net", true, 1);
    let (f, _) = refuse(&cf, &z, two.clone()).await;
    assert_eq!((f.code(), f.class()), (81045, Class::Quota));
    let err = provider_refuses(&cf, two).await;
    assert!(matches!(err, ProviderError::Rejected { .. }));
    assert!(err.help().is_some_and(|h| h.contains("record")), "{err:?}");

    // Tags are not something edgeplan sends; the raw API shows the Free quota of 0.
    let raw = reqwest::Client::new()
        .post(format!("{}/zones/{z}/dns_records", cf.url()))
        .bearer_auth(crate::support::cloudflare::TOKEN)
        .json(&json!({"type": "TXT", "name": "t", "content": "x", "tags": ["team:ml"]}))
        .send()
        .await
        .expect("send");
    assert_eq!(raw.status().as_u16(), 400);
    let body: serde_json::Value = raw.json().await.expect("json");
    assert_eq!(body["errors"][0]["error_chain"][0]["code"], json!(9300));
}
