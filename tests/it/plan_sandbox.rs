//! The try-it path end to end, without the CLI: the seeded sandbox of examples/sandbox with the
//! manifest of examples/edgeplan.yaml (built by hand here until the manifest loader lands) plans
//! a create, an update, a delete, an adoption, and leaves unmanaged records alone; applying the
//! plan through the sandbox's provider and planning again gives an empty plan.

use std::path::PathBuf;

use edgeplan::plan::verdict::Verdict;
use edgeplan::plan::{Action, Desired, Endpoint, Live, Plan, check_safety, diff, to_batches};
use edgeplan::provider::Provider;
use edgeplan::render::{json, text};
use edgeplan::sandbox::Sandbox;

const SEED: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/examples/sandbox/example.com.json"
);

fn endpoint(name: &str, target: &str, comment: &str) -> Endpoint {
    Endpoint {
        name: format!("{name}.example.com"),
        target: target.into(),
        proxied: true,
        ttl: 1,
        comment: Some(comment.into()),
        adopt: false,
        health: None,
        line: 1,
    }
}

/// examples/edgeplan.yaml as the manifest loader will produce it.
fn example_manifest() -> Desired {
    let mut llm = endpoint(
        "llm",
        "gpu-a100-01.inference.example.net",
        "Llama 3 8B on vLLM (GPU VM)",
    );
    llm.adopt = true;
    let mut metrics = endpoint(
        "metrics.internal",
        "prometheus-01.inference.example.net",
        "",
    );
    (metrics.proxied, metrics.ttl, metrics.comment) = (false, 300, None);
    Desired {
        source: PathBuf::from("examples/edgeplan.yaml"),
        zone: "example.com".into(),
        zone_id: None,
        owner: "ml-platform".into(),
        previous_owners: Vec::new(),
        endpoints: vec![
            endpoint(
                "sentiment",
                "sentiment-prod-1234567890.us-east-1.elb.amazonaws.com",
                "BERT sentiment v3 (ALB us-east-1)",
            ),
            endpoint(
                "embeddings",
                "embeddings-7f3kq2xz4a-uc.a.run.app",
                "e5-large embeddings (Cloud Run)",
            ),
            endpoint(
                "rerank",
                "abcdefghijklmnopqrstuvwxyz012345.lambda-url.eu-west-1.on.aws",
                "cross-encoder reranker (Lambda)",
            ),
            llm,
            endpoint(
                "api.v2",
                "d-abc123xyz9.execute-api.us-east-1.amazonaws.com",
                "public inference API v2 (API Gateway)",
            ),
            metrics,
        ],
    }
}

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime")
        .block_on(f)
}

async fn plan(sb: &Sandbox, d: &Desired) -> Plan {
    let zone = sb.zone(&d.zone, d.zone_id.as_deref()).await.expect("zone");
    let records = sb.records(&zone).await.expect("records");
    Plan {
        zones: vec![diff(d, &Live { zone, records })],
    }
}

/// A sandbox on a fresh copy of the seed (kept while the directory lives), the zone file's path
/// and the example manifest.
fn seeded() -> (tempfile::TempDir, PathBuf, Sandbox, Desired) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("example.com.json");
    std::fs::copy(SEED, &path).expect("copy the seed");
    let sb = Sandbox::new(dir.path());
    (dir, path, sb, example_manifest())
}

#[test]
fn the_seed_shows_every_kind_of_change_and_leaves_unmanaged_records_alone() {
    let (_dir, _, sb, d) = seeded();
    let p = block_on(plan(&sb, &d));
    let z = &p.zones[0];
    let got: Vec<(Action, &str, &str)> = z
        .changes
        .iter()
        .map(|c| (c.action, c.name.as_str(), c.kind.as_str()))
        .collect();
    assert_eq!(
        got,
        vec![
            (Action::Delete, "llm.example.com", "A"),
            (Action::Delete, "ocr.example.com", "CNAME"),
            (Action::Update, "embeddings.example.com", "CNAME"),
            (Action::Create, "api.v2.example.com", "CNAME"),
            (Action::Create, "llm.example.com", "CNAME"),
            (Action::Create, "metrics.internal.example.com", "CNAME"),
            (Action::Create, "sentiment.example.com", "CNAME"),
        ]
    );
    assert_eq!((z.unchanged, z.owned), (1, 3));
    assert!(z.conflicts.is_empty());
    assert!(check_safety(z, false).is_ok());
    let shown = text::render(&p, &[], &Verdict::of_plan(&p), false);
    for untouched in ["www.example.com", "_dmarc", "mail.example.com"] {
        assert!(
            !shown.contains(untouched),
            "{untouched} must be left alone:\n{shown}"
        );
    }
}

#[test]
fn plan_apply_plan_again_is_empty_and_untouched_records_keep_their_bytes() {
    for limit in [200, 2] {
        let (_dir, path, sb, d) = seeded();
        let before = std::fs::read_to_string(&path).expect("seed");
        let sb = sb.with_limits(limit, 100);
        let p = block_on(plan(&sb, &d));
        let z = &p.zones[0];
        let batches = to_batches(z, z.zone.batch_limit);
        assert_eq!(batches.len(), if limit == 200 { 1 } else { 4 });
        for batch in &batches {
            block_on(sb.batch(&z.zone, batch)).expect("the sandbox accepts the plan's batches");
        }
        let again = block_on(plan(&sb, &d));
        assert!(
            !again.has_changes(),
            "{}",
            text::render(&again, &[], &Verdict::of_plan(&again), false)
        );

        let after = std::fs::read_to_string(&path).expect("zone file");
        let seed: Vec<Box<serde_json::value::RawValue>> =
            serde_json::from_str(&before).expect("seed JSON");
        let mut kept = 0;
        for raw in &seed {
            let r: serde_json::Value = serde_json::from_str(raw.get()).expect("record");
            let name = r["name"].as_str().unwrap_or_default();
            let untouched = [
                "example.com",
                "www.example.com",
                "_dmarc.example.com",
                "rerank.example.com",
            ]
            .contains(&name);
            // Records the batches did not touch keep their exact text; the others do not.
            assert_eq!(after.contains(raw.get()), untouched, "{name}");
            kept += usize::from(untouched);
        }
        assert_eq!(kept, 4);
    }
}

#[test]
fn the_same_zone_gives_byte_identical_json_across_runs() {
    let (_dir, _, sb, d) = seeded();
    let (a, b) = (block_on(plan(&sb, &d)), block_on(plan(&sb, &d)));
    let first = json::render(&a, &[], &Verdict::of_plan(&a));
    let second = json::render(&b, &[], &Verdict::of_plan(&b));
    assert_eq!(first, second);
}
