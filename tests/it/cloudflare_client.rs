//! The Cloudflare client against the local Cloudflare: zone lookup, listing with paging, batch.

use std::time::Duration;

use crate::support::cloudflare::{CloudflareServer, Plan, TOKEN, ZoneSpec};
use edgeplan::cloudflare::{ClientOptions, CloudflareClient};
use edgeplan::provider::{Batch, Error as ProviderError, Provider, Stored};

use crate::cloudflare_rules::cname;
use edgeplan::retry::Policy;
use edgeplan::secret::Secret;
use serde_json::json;

fn fast() -> ClientOptions {
    ClientOptions {
        retry: Policy {
            timeout: Duration::from_secs(5),
            budget: Duration::from_secs(5),
            base: Duration::from_millis(10),
            cap: Duration::from_millis(100),
            ..Policy::CLOUDFLARE
        },
        ..ClientOptions::default()
    }
}

fn client(cf: &CloudflareServer) -> CloudflareClient {
    CloudflareClient::new(&cf.url(), Secret::new(TOKEN), fast()).expect("client")
}

fn message(err: &ProviderError) -> String {
    format!("{err} | help: {}", err.help().unwrap_or(""))
}

#[tokio::test]
async fn zone_by_name_takes_the_one_active_zone_and_its_plan_limits() {
    let cf = CloudflareServer::start();
    cf.add_zone(ZoneSpec::new("example.com", Plan::Pro).status("pending"));
    let id = cf.seed_zone("example.com", Plan::Pro);
    cf.seed_zone("other.org", Plan::Free);
    let zone = client(&cf).zone("Example.COM.", None).await.expect("zone");
    assert_eq!(zone.id, id);
    assert_eq!(zone.name, "example.com");
    assert_eq!((zone.batch_limit, zone.comment_limit), (3_500, 500));
    let reqs = cf.requests();
    assert_eq!(reqs.len(), 1);
    assert_eq!(reqs[0].path, "/zones");
    assert_eq!(reqs[0].query("name"), Some("example.com"));
}

#[tokio::test]
async fn ambiguous_zone_name_lists_candidates_and_advises_zone_id() {
    let cf = CloudflareServer::start();
    let a = cf.add_zone(ZoneSpec::new("example.com", Plan::Free).account("aaaa", "Team A"));
    let b = cf.add_zone(ZoneSpec::new("example.com", Plan::Free).account("bbbb", "Team B"));
    let err = client(&cf)
        .zone("example.com", None)
        .await
        .expect_err("ambiguous");
    let text = message(&err);
    assert!(matches!(err, ProviderError::Rejected { .. }), "{text}");
    assert!(text.contains(&a) && text.contains(&b), "{text}");
    assert!(text.contains("Team A") && text.contains("Team B"), "{text}");
    assert!(text.contains("zone_id"), "{text}");
}

#[tokio::test]
async fn missing_zone_says_the_token_may_not_see_it() {
    let cf = CloudflareServer::start();
    let err = client(&cf)
        .zone("nowhere.example", None)
        .await
        .expect_err("missing");
    assert!(matches!(err, ProviderError::Rejected { .. }));
    assert!(
        message(&err).contains("not found, or the token cannot see it"),
        "{}",
        message(&err)
    );
}

#[tokio::test]
async fn zone_id_is_checked_against_the_zone_name() {
    let cf = CloudflareServer::start();
    let id = cf.seed_zone("example.com", Plan::Free);
    let c = client(&cf);
    assert_eq!(c.zone("example.com", Some(&id)).await.expect("zone").id, id);
    // The lookup of `name` by `id` fails: the error and its message.
    let refused = async |name: &str, id: &str| {
        let err = c.zone(name, Some(id)).await.expect_err(id);
        let text = message(&err);
        (err, text)
    };
    let (_, text) = refused("example.org", &id).await;
    assert!(
        text.contains("is the zone example.com, not example.org"),
        "{text}"
    );
    // Well-formed but unknown: the id is stale (exit 1).
    let (err, text) = refused("example.com", "0123456789abcdef0123456789abcdef").await;
    assert!(matches!(err, ProviderError::Rejected { .. }), "{text}");
    // Malformed: Cloudflare answers 7003 (exit 3) and the help says what a zone id looks like.
    let (err, text) = refused("example.com", "1234").await;
    assert!(matches!(err, ProviderError::Api { .. }), "{text}");
    assert!(
        text.contains("7003") && text.contains("32-character"),
        "{text}"
    );
    // A zone name used as id never reaches the API.
    let before = cf.requests().len();
    let (_, text) = refused("example.com", "example.com").await;
    assert!(text.contains("malformed"), "{text}");
    assert_eq!(cf.requests().len(), before);
}

#[tokio::test]
async fn listing_follows_clamped_pages_and_normalises() {
    // With `total_pages`, and without it (the official `result_info` schema lists only `count`,
    // `page`, `per_page` and `total_count`): the page count then comes from `total_count`.
    for omit_total_pages in [false, true] {
        listing(omit_total_pages).await;
    }
}

async fn listing(omit_total_pages: bool) {
    let cf = CloudflareServer::start();
    cf.set_max_per_page(3);
    if omit_total_pages {
        cf.omit_total_pages();
    }
    let id = cf.seed_zone("example.com", Plan::Free);
    for i in 0..8 {
        cf.add_record(
            "example.com",
            json!({"type": "A", "name": format!("h{i}"), "content": format!("192.0.2.{i}")}),
        );
    }
    cf.add_record("example.com", json!({"type": "CNAME", "name": "API.Example.com.", "content": "Origin.Example.NET.", "proxied": true, "ttl": 300, "comment": "edgeplan:default"}));
    cf.add_record(
        "example.com",
        json!({"type": "TXT", "name": "@", "content": "v=spf1 -all", "comment": ""}),
    );
    let c = client(&cf);
    let zone = c.zone("example.com", Some(&id)).await.expect("zone");
    cf.clear_requests();
    let records = c.records(&zone).await.expect("records");
    assert_eq!(records.len(), 10);
    let reqs = cf.requests();
    // per_page=5000 asked, 3 echoed: 10 records take 4 pages, each asked once.
    assert_eq!(reqs.len(), 4, "{reqs:?}");
    let mut pages: Vec<&str> = reqs.iter().filter_map(|r| r.query("page")).collect();
    pages.sort();
    assert_eq!(pages, ["1", "2", "3", "4"]);
    assert!(reqs.iter().all(|r| r.query("per_page") == Some("5000")));
    let api = records.iter().find(|r| r.kind == "CNAME").expect("cname");
    assert_eq!(
        (api.name.as_str(), api.data.content.as_str(), api.data.ttl),
        ("api.example.com", "origin.example.net", 1)
    );
    assert_eq!(api.data.comment.as_deref(), Some("edgeplan:default"));
    let txt = records.iter().find(|r| r.kind == "TXT").expect("txt");
    assert_eq!(
        (txt.name.as_str(), txt.data.comment.as_ref()),
        ("example.com", None)
    );
    let mut ids: Vec<&str> = records.iter().map(|r| r.id.as_str()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 10, "records are unique by id");
}

#[tokio::test]
async fn empty_zone_lists_in_one_request() {
    let cf = CloudflareServer::start();
    let id = cf.seed_zone("example.com", Plan::Free);
    let c = client(&cf);
    let zone = c.zone("example.com", Some(&id)).await.expect("zone");
    cf.clear_requests();
    assert!(c.records(&zone).await.expect("records").is_empty());
    assert_eq!(cf.requests().len(), 1);
}

#[tokio::test]
async fn batch_applies_deletes_puts_posts_atomically() {
    let cf = CloudflareServer::start();
    cf.seed_zone("example.com", Plan::Free);
    let a = cf.add_record(
        "example.com",
        json!({"type": "A", "name": "api", "content": "192.0.2.1"}),
    );
    let old = cf.add_record("example.com", json!({"type": "CNAME", "name": "old", "content": "x.example.net", "comment": "edgeplan:default"}));
    let c = client(&cf);
    let zone = c.zone("example.com", None).await.expect("zone");
    // Replacing the A with a CNAME at the same name works because deletes go first.
    let batch = Batch {
        deletes: vec![a.clone()],
        patches: Vec::new(),
        puts: vec![Stored::new(
            old.clone(),
            cname("old.example.com", "y.example.net", "edgeplan:default"),
        )],
        posts: vec![cname(
            "api.example.com",
            "origin.example.net",
            "edgeplan:default | BERT",
        )],
    };
    c.batch(&zone, &batch).await.expect("batch");
    let recs = cf.records("example.com");
    assert_eq!(recs.len(), 2);
    let api = recs
        .iter()
        .find(|r| r.name == "api.example.com")
        .expect("api");
    assert_eq!(
        (api.kind.as_str(), api.proxied, api.ttl),
        ("CNAME", true, 1)
    );
    assert_eq!(api.comment.as_deref(), Some("edgeplan:default | BERT"));
    let moved = recs.iter().find(|r| r.id == old).expect("put keeps the id");
    assert_eq!(
        (moved.content.as_str(), moved.proxied),
        ("y.example.net", true)
    );
    let sent = cf
        .requests()
        .into_iter()
        .find(|r| r.path.ends_with("/batch"))
        .expect("batch sent");
    let body = sent.body.expect("body");
    assert_eq!(body["posts"][0]["ttl"], json!(1));
    assert_eq!(body["posts"][0]["proxied"], json!(true));
    assert_eq!(body["deletes"], json!([{"id": a}]));

    // An empty batch sends nothing.
    cf.clear_requests();
    c.batch(&zone, &Batch::default()).await.expect("empty");
    assert!(cf.requests().is_empty());
}

#[tokio::test]
async fn batch_over_the_plan_limit_is_refused_before_sending() {
    let cf = CloudflareServer::start();
    cf.seed_zone("example.com", Plan::Free);
    let c = client(&cf);
    let zone = c.zone("example.com", None).await.expect("zone");
    let posts = (0..201)
        .map(|i| cname(&format!("h{i}.example.com"), "o.example.net", "edgeplan:x"))
        .collect();
    let err = c
        .batch(
            &zone,
            &Batch {
                posts,
                ..Batch::default()
            },
        )
        .await
        .expect_err("too big");
    assert!(message(&err).contains("limit of 200"), "{}", message(&err));
    assert!(!cf.requests().iter().any(|r| r.path.ends_with("/batch")));
}

#[tokio::test]
async fn single_record_writes_round_trip() {
    let cf = CloudflareServer::start();
    let zid = cf.seed_zone("example.com", Plan::Free);
    let c = client(&cf);
    let rec = c
        .write_record(
            &zid,
            None,
            &cname("www.example.com", "o.example.net", "edgeplan:default"),
        )
        .await
        .expect("create");
    assert_eq!(rec.id.len(), 32);
    assert!(rec.proxied && rec.ttl == 1);
    let put = c
        .write_record(&zid, Some(&rec.id), &{
            let mut r = cname("www.example.com", "p.example.net", "");
            (r.data.proxied, r.data.ttl) = (false, 300);
            r
        })
        .await
        .expect("put");
    assert_eq!(
        (put.content.as_str(), put.ttl, put.comment.as_ref()),
        ("p.example.net", 300, None)
    );
    assert_eq!(put.created_on, rec.created_on);
    assert_eq!(
        c.delete_record(&zid, &rec.id).await.expect("delete"),
        Some(rec.id)
    );
    assert!(cf.records("example.com").is_empty());
}
