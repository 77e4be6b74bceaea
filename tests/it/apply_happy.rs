//! `edgeplan apply` happy paths, run as the real binary against the local Cloudflare: creates,
//! updates, deletes and adoption land in one batch request, every record is proxied in the request
//! that creates it, a plan after an apply is empty, a second apply sends nothing, and the records
//! edgeplan does not own come out byte-identical.

use crate::support::harness::{World, list, owned_names, posts};
use serde_json::{Value, json};

/// A zone with history: records edgeplan must never touch, and two it owns.
fn seeded() -> World {
    let w = World::free();
    w.by_hand(
        json!({"type": "A", "name": "www", "content": "192.0.2.10", "proxied": true,
        "comment": "marketing site, managed by hand"}),
    );
    w.by_hand(
        json!({"type": "MX", "name": "@", "content": "mail.example.com", "priority": 10,
        "ttl": 3600}),
    );
    w.by_hand(
        json!({"type": "TXT", "name": "_dmarc", "content": "\"v=DMARC1; p=reject\"",
        "ttl": 3600}),
    );
    w.by_hand(json!({"type": "A", "name": "llm", "content": "203.0.113.7", "ttl": 300}));
    w.by_hand(
        json!({"type": "CNAME", "name": "embeddings", "content": "old.a.run.app",
        "proxied": true, "comment": "edgeplan:default | e5 embeddings"}),
    );
    w.by_hand(
        json!({"type": "CNAME", "name": "retired", "content": "retired.example.net",
        "proxied": true, "comment": "edgeplan:default"}),
    );
    w
}

const MANIFEST: &str = "  - name: sentiment
    target: sentiment-prod.us-east-1.elb.amazonaws.com
    comment: BERT sentiment v3
  - name: embeddings
    target: embeddings-7f3kq2xz4a-uc.a.run.app
    comment: e5 embeddings
  - name: llm
    target: gpu-a100-01.inference.example.net
    adopt: true
";

/// [`seeded`] after a first apply of [`MANIFEST`].
fn applied() -> World {
    let w = seeded();
    w.manifest(MANIFEST);
    w.apply().expect(0);
    w
}

#[test]
fn creates_updates_deletes_and_adoption_land_in_one_batch_and_converge() {
    let w = seeded();
    w.manifest(MANIFEST);
    let unowned_before: Vec<Value> = w
        .unowned_json()
        .into_iter()
        .filter(|r| r["name"] != "llm.example.com")
        .collect();
    let llm_a = w
        .records()
        .into_iter()
        .find(|r| r.name == "llm.example.com")
        .map(|r| r.id)
        .expect("seeded A");

    let run = w.apply().expect(0);
    run.assert_stdout_has("2 created, 1 updated, 2 deleted in 1 batch request");
    run.assert_stdout_has("applied plan sha256:");

    // One batch holds everything, the adopted A's delete beside its CNAME's create.
    let batches = w.batches();
    assert_eq!(batches.len(), 1, "one transaction");
    assert!(w.single_writes().is_empty(), "{:?}", w.single_writes());
    let deletes: Vec<Value> = list(&batches[0], "deletes");
    assert!(deletes.contains(&json!({"id": llm_a})), "{deletes:?}");
    let created: Vec<String> = posts(&batches[0])
        .iter()
        .map(|p| p["name"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(
        created,
        ["llm.example.com", "sentiment.example.com"],
        "{created:?}"
    );
    assert_eq!(list(&batches[0], "patches").len(), 1);

    assert_eq!(
        owned_names(&w.records()),
        [
            "embeddings.example.com",
            "llm.example.com",
            "sentiment.example.com"
        ]
    );
    let embeddings = w
        .records()
        .into_iter()
        .find(|r| r.name == "embeddings.example.com")
        .expect("embeddings");
    assert_eq!(embeddings.content, "embeddings-7f3kq2xz4a-uc.a.run.app");
    assert_eq!(
        embeddings.comment.as_deref(),
        Some("edgeplan:default | e5 embeddings")
    );
    assert!(embeddings.proxied);
    w.assert_one_record_per_name();

    // Why: apply must not touch what it does not own, not even a timestamp.
    assert_eq!(w.unowned_json(), unowned_before);
    assert_eq!(w.plan_code(), 0, "a plan after apply is empty");
}

#[test]
fn a_second_apply_sends_no_batch() {
    let w = applied();
    let state = w.state_json();
    w.cf.clear_requests();
    let run = w.apply().expect(0);
    run.assert_stdout_has("Nothing to apply.");
    assert!(w.batches().is_empty());
    assert!(w.single_writes().is_empty());
    assert_eq!(w.state_json(), state);
}

#[test]
fn every_record_is_created_proxied_in_the_request_that_creates_it() {
    // Why: a CNAME published unproxied, even for one request, exposes the origin hostname.
    let w = World::free();
    w.many(30);
    w.apply().expect(0);
    let batches = w.batches();
    assert_eq!(batches.len(), 1);
    let posts = posts(&batches[0]);
    assert_eq!(posts.len(), 30);
    for p in &posts {
        assert_eq!(p["proxied"], json!(true), "{p}");
        assert_eq!(p["ttl"], json!(1), "{p}");
        assert_eq!(p["type"], json!("CNAME"), "{p}");
    }
    // No later write turned the proxy on: the batch was the only write.
    assert!(w.single_writes().is_empty());
    assert!(w.records().iter().all(|r| r.proxied));
}

#[test]
fn a_dns_only_endpoint_is_created_with_its_ttl_and_proxied_ones_are_not_touched_by_it() {
    let w = World::free();
    w.manifest(
        "  - name: metrics.internal\n    target: prometheus-01.example.net\n    proxied: false\n    ttl: 300\n  - name: api\n    target: api.example.net\n",
    );
    w.apply().expect(0);
    let posts = posts(&w.batches()[0]);
    let metrics = posts
        .iter()
        .find(|p| p["name"] == "metrics.internal.example.com")
        .expect("metrics post");
    assert_eq!(metrics["proxied"], json!(false));
    assert_eq!(metrics["ttl"], json!(300));
    assert_eq!(w.plan_code(), 0);
}

#[test]
fn deletes_of_owned_records_leave_unowned_ones_byte_identical() {
    let w = applied();
    let unowned = w.unowned_json();
    // Drop one endpoint: its record (owned) goes, nothing else moves.
    w.manifest(
        "  - name: sentiment\n    target: sentiment-prod.us-east-1.elb.amazonaws.com\n    comment: BERT sentiment v3\n  - name: llm\n    target: gpu-a100-01.inference.example.net\n",
    );
    w.cf.clear_requests();
    let run = w.apply().expect(0);
    run.assert_stdout_has("0 created, 0 updated, 1 deleted");
    assert_eq!(w.batches().len(), 1);
    assert_eq!(
        owned_names(&w.records()),
        ["llm.example.com", "sentiment.example.com"]
    );
    assert_eq!(w.unowned_json(), unowned);
    assert_eq!(w.plan_code(), 0);
}
