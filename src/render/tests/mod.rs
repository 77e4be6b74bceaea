//! What users see: snapshots of text, Markdown and JSON for a realistic plan ([`snapshots`]),
//! and the properties of the output ([`properties`]): the comment size cap, determinism, the
//! fingerprint and the JSON Schema.

mod bodies;
mod properties;
mod snapshots;

use std::path::PathBuf;

use crate::plan::{Desired, Endpoint, Live, Plan, Stored, Zone, diff, test_support};

pub(super) fn endpoint(name: &str, target: &str, line: usize) -> Endpoint {
    Endpoint {
        line,
        ..test_support::endpoint(name, target)
    }
}

/// A record as the zone holds it; an unproxied one with a TTL of an hour.
pub(super) fn record(
    id: &str,
    name: &str,
    kind: &str,
    content: &str,
    proxied: bool,
    comment: Option<&str>,
) -> Stored {
    let mut r = test_support::record(id, name, kind, content, comment);
    r.data.proxied = proxied;
    r.data.ttl = if proxied { 1 } else { 3600 };
    r
}

/// The manifest of tests/fixtures/plan/edgeplan.yaml, by hand, and a zone where it means a
/// create, an update, a delete, an adoption, an unchanged record and unmanaged records.
pub(super) fn realistic() -> (Desired, Live) {
    let mut sentiment = endpoint(
        "sentiment",
        "sentiment-prod-1234567890.us-east-1.elb.amazonaws.com",
        8,
    );
    sentiment.comment = Some("BERT sentiment v3".into());
    let mut summarize = endpoint("summarize", "summarize-abc123xyz-uc.a.run.app", 12);
    summarize.comment = Some("Llama summarizer".into());
    let embeddings = endpoint(
        "embeddings",
        "abcdefghijklmnop.lambda-url.us-east-1.on.aws",
        15,
    );
    let mut vision = endpoint("vision", "gpu-vm-01.ml-prod.example.net", 17);
    vision.adopt = true;
    let desired = Desired {
        source: PathBuf::from("tests/fixtures/plan/edgeplan.yaml"),
        zone: "example.com".into(),
        zone_id: None,
        owner: "ml-platform".into(),
        previous_owners: Vec::new(),
        endpoints: vec![sentiment, summarize, embeddings, vision],
    };
    let live = Live {
        zone: Zone {
            id: "023e105f4ecef8ad9ca31a8372d0c353".into(),
            name: "example.com".into(),
            batch_limit: 200,
            comment_limit: 100,
        },
        records: vec![
            record("aa01", "www.example.com", "A", "192.0.2.10", true, None),
            record(
                "aa02",
                "example.com",
                "MX",
                "mail.example.com",
                false,
                Some("mail, by hand"),
            ),
            record(
                "aa03",
                "summarize.example.com",
                "CNAME",
                "summarize-old-uc.a.run.app",
                false,
                Some("edgeplan:ml-platform | Llama summarizer"),
            ),
            record(
                "aa04",
                "embeddings.example.com",
                "CNAME",
                "abcdefghijklmnop.lambda-url.us-east-1.on.aws",
                true,
                Some("edgeplan:ml-platform"),
            ),
            record(
                "aa05",
                "ocr.example.com",
                "CNAME",
                "ocr-v1.ml-prod.example.net",
                true,
                Some("edgeplan:ml-platform | retired OCR"),
            ),
            record(
                "aa06",
                "vision.example.com",
                "A",
                "203.0.113.7",
                false,
                None,
            ),
        ],
    };
    (desired, live)
}

pub(super) fn realistic_plan() -> Plan {
    let (d, l) = realistic();
    Plan {
        zones: vec![diff(&d, &l)],
    }
}
#[path = "../../../tests/it/support/gfm.rs"]
mod gfm;
mod github;
