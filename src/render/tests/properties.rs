//! Properties of the rendered output: size cap, determinism, fingerprint, schema.

use sha2::Digest;

use super::{endpoint, realistic, realistic_plan, record};
use crate::plan::verdict::Verdict;
use crate::plan::{Plan, diff};
use crate::render::{comment, json, markdown, text};

#[test]
fn every_output_is_byte_identical_whatever_the_zone_listing_order() {
    let (d, mut l) = realistic();
    let first = Plan {
        zones: vec![diff(&d, &l)],
    };
    l.records.reverse();
    let second = Plan {
        zones: vec![diff(&d, &l)],
    };
    let ctx = markdown::CommentContext::default();
    assert_eq!(
        text::render(&first, &[], &Verdict::of_plan(&first), true),
        text::render(&second, &[], &Verdict::of_plan(&second), true)
    );
    assert_eq!(
        markdown::render(&first, &[], &Verdict::of_plan(&first), &ctx),
        markdown::render(&second, &[], &Verdict::of_plan(&second), &ctx)
    );
    assert_eq!(
        json::render(&first, &[], &Verdict::of_plan(&first)),
        json::render(&second, &[], &Verdict::of_plan(&second))
    );
    assert_eq!(first.fingerprint(), second.fingerprint());
}

#[test]
fn the_fingerprint_is_the_hash_of_the_json_without_its_fingerprint() {
    // Why: anyone must be able to check a fingerprint from the JSON alone.
    let plan = realistic_plan();
    let mut value: serde_json::Value =
        serde_json::from_str(&json::render(&plan, &[], &Verdict::of_plan(&plan))).expect("JSON");
    let shown = value["fingerprint"]
        .as_str()
        .expect("fingerprint")
        .to_owned();
    value.as_object_mut().expect("object").remove("fingerprint");
    // The verdict depends on the run's flags and probes, not on the plan alone.
    value.as_object_mut().expect("object").remove("verdict");
    // Outside the fingerprint too: what edgeplan leaves alone in the zone.
    for zone in value["zones"].as_array_mut().expect("zones") {
        zone.as_object_mut().expect("zone").remove("unmanaged");
    }
    let canonical = serde_json::to_string(&value).expect("JSON");
    assert_eq!(crate::plan::wire::canonical(&plan), canonical);
    let hex: String = sha2::Sha256::digest(canonical.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(shown, format!("sha256:{hex}"));
    assert_eq!(shown, plan.fingerprint());
}

/// A plan with `n` creates of long names.
fn huge(n: usize) -> Plan {
    let (mut d, mut l) = realistic();
    d.endpoints = (0..n)
        .map(|i| {
            endpoint(
                &format!("model-{i:05}-with-a-rather-long-name"),
                &format!("origin-{i:05}.ml-prod.example.net"),
                i + 8,
            )
        })
        .collect();
    l.records.clear();
    Plan {
        zones: vec![diff(&d, &l)],
    }
}

#[test]
fn a_5000_change_comment_stays_under_githubs_limit_with_a_truncation_note() {
    let plan = huge(5000);
    let body = markdown::render(
        &plan,
        &[],
        &Verdict::of_plan(&plan),
        &markdown::CommentContext::default(),
    );
    assert!(
        body.len() < 65_536 && body.chars().count() < 65_536,
        "{} bytes",
        body.len()
    );
    assert!(body.len() <= comment::BUDGET);
    let marker = format!(
        "<!-- edgeplan:preview fingerprint={} -->\n",
        plan.fingerprint()
    );
    assert!(body.starts_with(&marker));
    assert!(
        body.lines().nth(1).is_some_and(|l| l
            .starts_with("**Merge applies 5000 changes to `example.com` in 25 batches, not atomic (5000 to create)")),
        "the counts are never cut, and open the comment: {}", &body[..400]
    );
    assert!(
        body.contains(&plan.fingerprint()),
        "the fingerprint is never cut"
    );
    assert!(body.contains(comment::TRUNCATED));
    // Cut at a line boundary: the last table row shown is whole, and the details block is closed.
    assert!(body.contains("model-00000-with-a-rather-long-name"));
    assert!(!body.contains("model-04999-with-a-rather-long-name"));
    assert_eq!(
        body.matches("<details").count(),
        body.matches("</details>").count()
    );
    for line in body.lines().filter(|l| l.starts_with("| create")) {
        assert!(line.ends_with(" |"), "a cut row: {line}");
    }
}

#[test]
fn a_small_plan_is_not_truncated_and_multibyte_text_counts_in_bytes() {
    let body = markdown::render(
        &realistic_plan(),
        &[],
        &Verdict::of_plan(&realistic_plan()),
        &markdown::CommentContext::default(),
    );
    assert!(!body.contains(comment::TRUNCATED));
    // 3-byte characters: a character budget alone would overshoot the byte count.
    let (mut d, mut l) = realistic();
    d.endpoints = (0..3000)
        .map(|i| {
            let mut e = endpoint(&format!("m{i}"), "o.example.net", 1);
            e.comment = Some("模型".repeat(10));
            e
        })
        .collect();
    l.records.clear();
    let plan = Plan {
        zones: vec![diff(&d, &l)],
    };
    let ctx = markdown::CommentContext {
        budget: Some(20_000),
        ..Default::default()
    };
    let body = markdown::render(&plan, &[], &Verdict::of_plan(&plan), &ctx);
    assert!(body.len() <= 20_000, "{}", body.len());
}

#[test]
fn the_plan_json_validates_against_the_documented_schema() {
    let schema_path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/plan.schema.json");
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(schema_path).expect("schema file"))
            .expect("schema JSON");
    let validator = jsonschema::validator_for(&schema).expect("a valid schema");
    let (d, mut l) = realistic();
    let conflicted = {
        l.records.push(record(
            "cc01",
            "sentiment.example.com",
            "TXT",
            "v",
            false,
            None,
        ));
        Plan {
            zones: vec![diff(&d, &l)],
        }
    };
    for plan in [realistic_plan(), conflicted, huge(3), Plan::default()] {
        let value: serde_json::Value =
            serde_json::from_str(&json::render(&plan, &[], &Verdict::of_plan(&plan)))
                .expect("JSON");
        let errors: Vec<String> = validator
            .iter_errors(&value)
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{errors:?}");
    }
    // And the schema does reject something: a test that cannot fail proves nothing.
    let bad = serde_json::json!({"version": 2, "zones": []});
    assert!(!validator.is_valid(&bad));
}
