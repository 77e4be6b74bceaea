//! Through the real binary against the local Cloudflare: updates go as batch patches and keep a
//! person's `tags` and `settings`; repairing an owner's duplicates is not a mass delete; the plan
//! JSON counts the records edgeplan leaves alone, outside the fingerprint.

use crate::support::cloudflare::Plan;
use crate::support::harness::World;
use serde_json::{Value, json};

#[test]
fn updates_keep_the_tags_and_settings_of_owned_and_adopted_records() {
    let w = World::new(Plan::Pro);
    w.by_hand(
        json!({"type": "CNAME", "name": "embeddings", "content": "old.a.run.app",
        "proxied": true, "comment": "edgeplan:default", "tags": ["team:ml"],
        "settings": {"ipv4_only": true}}),
    );
    w.by_hand(
        json!({"type": "CNAME", "name": "llm", "content": "gpu-old.example.net",
        "proxied": false, "ttl": 300, "comment": "by hand", "tags": ["cost:gpu", "owner:ops"],
        "settings": {"ipv4_only": true}}),
    );
    w.manifest(
        "  - name: embeddings
    target: embeddings-7f3kq2xz4a-uc.a.run.app
  - name: llm
    target: gpu-a100-01.inference.example.net
    adopt: true
",
    );
    w.apply().expect(0);

    let batch = w.batches().pop().expect("one batch");
    let body = batch.body.expect("JSON body");
    assert_eq!(body["patches"].as_array().map(Vec::len), Some(2), "{body}");
    assert_eq!(body["puts"].as_array().map(Vec::len), Some(0), "{body}");
    for (name, tags) in [
        ("embeddings.example.com", vec!["team:ml"]),
        ("llm.example.com", vec!["cost:gpu", "owner:ops"]),
    ] {
        let r = w
            .records()
            .into_iter()
            .find(|r| r.name == name)
            .expect(name);
        assert_eq!(r.tags, tags, "{name}");
        assert_eq!(
            r.settings.get("ipv4_only"),
            Some(&Value::Bool(true)),
            "{name}"
        );
        assert!(
            r.proxied
                && r.comment
                    .as_deref()
                    .is_some_and(|c| c.starts_with("edgeplan:default"))
        );
    }
}

#[test]
fn repairing_an_owners_duplicates_at_one_name_is_not_a_mass_delete() {
    // Four records of the owner at one name, as a past race between two applies left them.
    let w = World::free();
    for _ in 0..4 {
        w.owned("api", "origin.example.net");
    }
    w.manifest("  - name: api\n    target: origin.example.net\n");
    let run = w.apply().expect(0);
    run.assert_stdout_has("0 created, 0 updated, 3 deleted");
    w.assert_one_record_per_name();
}

fn plan_json(w: &World) -> Value {
    let run = w.run(&["plan", "--format", "json", "--skip-health"]);
    serde_json::from_str(&run.stdout).expect("plan JSON")
}

#[test]
fn unmanaged_counts_what_is_left_alone_outside_the_fingerprint() {
    let w = World::free();
    w.by_hand(json!({"type": "MX", "name": "@", "content": "mail.example.com", "priority": 10}));
    w.by_hand(json!({"type": "A", "name": "llm", "content": "203.0.113.7", "ttl": 300}));
    w.by_hand(
        json!({"type": "CNAME", "name": "other", "content": "x.example.net",
        "comment": "edgeplan:someone-else"}),
    );
    w.owned("embeddings", "old.a.run.app");
    w.manifest(
        "  - name: embeddings\n    target: new.a.run.app\n  - name: llm\n    target: gpu.example.net\n    adopt: true\n",
    );
    let before = plan_json(&w);
    // The MX and the other owner's CNAME; the adopted A is touched, the owned CNAME is managed.
    assert_eq!(before["zones"][0]["unmanaged"], json!(2), "{before}");

    w.by_hand(json!({"type": "TXT", "name": "_dmarc", "content": "v=DMARC1; p=reject"}));
    let after = plan_json(&w);
    assert_eq!(after["zones"][0]["unmanaged"], json!(3), "{after}");
    assert_eq!(before["fingerprint"], after["fingerprint"]);
}
