//! What users see, snapshotted: text, Markdown and JSON for a realistic plan; plus the comment
//! size cap, escaping, determinism and the JSON Schema.

use std::path::PathBuf;

use sha2::Digest;

use super::{json, markdown, text};
use crate::manifest::Problem;
use crate::plan::{Desired, Endpoint, Live, Plan, Record, Zone, diff};

fn endpoint(name: &str, target: &str, line: usize) -> Endpoint {
    Endpoint {
        name: format!("{name}.example.com"),
        target: target.into(),
        proxied: true,
        ttl: 1,
        comment: None,
        adopt: false,
        health: None,
        line,
    }
}

fn record(
    id: &str,
    name: &str,
    kind: &str,
    content: &str,
    proxied: bool,
    comment: Option<&str>,
) -> Record {
    Record {
        id: id.into(),
        name: name.into(),
        kind: kind.into(),
        content: content.into(),
        proxied,
        ttl: if proxied { 1 } else { 3600 },
        comment: comment.map(str::to_owned),
    }
}

/// The manifest of tests/fixtures/plan/edgeplan.yaml, by hand, and a zone where it means a
/// create, an update, a delete, an adoption, an unchanged record and unmanaged records.
fn realistic() -> (Desired, Live) {
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

fn realistic_plan() -> Plan {
    let (d, l) = realistic();
    Plan {
        zones: vec![diff(&d, &l)],
    }
}

#[test]
fn text_for_a_realistic_plan() {
    insta::assert_snapshot!(text::render(&realistic_plan(), false), @r###"
example.com (owner ml-platform, tests/fixtures/plan/edgeplan.yaml)
  - delete ocr.example.com CNAME ocr-v1.ml-prod.example.net (proxied)
  - delete vision.example.com A 203.0.113.7 (not proxied, ttl 3600)
  ~ update summarize.example.com CNAME content summarize-old-uc.a.run.app -> summarize-abc123xyz-uc.a.run.app, proxied false -> true, ttl 3600 -> ttl auto
  + create sentiment.example.com CNAME -> sentiment-prod-1234567890.us-east-1.elb.amazonaws.com (proxied)
  + create vision.example.com CNAME -> gpu-vm-01.ml-prod.example.net (proxied)
  warning: adopting vision.example.com: the unowned A record 203.0.113.7 (id aa06) is deleted and the CNAME created in the same batch
  example.com: 2 to create, 1 to update, 2 to delete, 1 unchanged
"###);
}

#[test]
fn text_is_coloured_only_when_asked() {
    let plan = realistic_plan();
    assert!(!text::render(&plan, false).contains('\x1b'));
    let coloured = text::render(&plan, true);
    assert!(coloured.contains("\x1b[32m+ create\x1b[0m"), "{coloured}");
}

#[test]
fn markdown_for_a_realistic_plan() {
    let ctx = markdown::Context {
        run_url: Some("https://github.com/acme/models/actions/runs/42".into()),
        ..Default::default()
    };
    insta::assert_snapshot!(markdown::render(&realistic_plan(), &ctx), @r###"
<!-- edgeplan:preview -->
### edgeplan: DNS preview

| zone | owner | create | update | delete | unchanged | conflicts |
| --- | --- | ---: | ---: | ---: | ---: | ---: |
| `example.com` | `ml-platform` | 2 | 1 | 2 | 1 | 0 |

**On merge:** edgeplan re-reads each zone, re-plans and applies these changes to Cloudflare in one atomic batch per zone.

Plan fingerprint: `sha256:6430bf8b7126840d055b0d13e05c97531722256fdf931ab113dff3f663969f7c`

<details open><summary>example.com: 5 changes</summary>

| action | name | type | target before | target after | proxied before | proxied after | also changes |
| --- | --- | --- | --- | --- | --- | --- | --- |
| delete | `ocr.example.com` | CNAME | `ocr-v1.ml-prod.example.net` |  | true |  |  |
| delete | `vision.example.com` | A | `203.0.113.7` |  | false |  |  |
| update | `summarize.example.com` | CNAME | `summarize-old-uc.a.run.app` | `summarize-abc123xyz-uc.a.run.app` | false | true | ttl |
| create | `sentiment.example.com` | CNAME |  | `sentiment-prod-1234567890.us-east-1.elb.amazonaws.com` |  | true |  |
| create | `vision.example.com` | CNAME |  | `gpu-vm-01.ml-prod.example.net` |  | true |  |

**Warnings:**

- adopting vision.example.com: the unowned A record 203.0.113.7 (id aa06) is deleted and the CNAME created in the same batch

</details>


[Workflow run](https://github.com/acme/models/actions/runs/42)
"###);
}

#[test]
fn markdown_for_a_conflict() {
    let (mut d, mut l) = realistic();
    d.endpoints.truncate(1);
    l.records = vec![record(
        "bb01",
        "sentiment.example.com",
        "CNAME",
        "old | <b>x</b>",
        true,
        Some("edgeplan:search"),
    )];
    let plan = Plan {
        zones: vec![diff(&d, &l)],
    };
    let ctx = markdown::Context {
        manifest: Some("dns/models.yaml".into()),
        ..Default::default()
    };
    insta::assert_snapshot!(markdown::render(&plan, &ctx), @r###"
<!-- edgeplan:preview manifest=dns/models.yaml -->
### edgeplan: DNS preview

| zone | owner | create | update | delete | unchanged | conflicts |
| --- | --- | ---: | ---: | ---: | ---: | ---: |
| `example.com` | `ml-platform` | 0 | 0 | 0 | 0 | 1 |

**On merge:** nothing can be applied until the conflicts below are resolved.

Plan fingerprint: `sha256:7abae4e0f4c4d8769a1fa30e64d67c693bf99fadc8b41d9b18f54c0b8fcb74d4`

<details open><summary>example.com: 0 changes</summary>

**Conflicts** (the plan cannot be applied):

- sentiment.example.com (line 8) is held by a record owned by edgeplan:search: CNAME old \| &lt;b&gt;x&lt;/b&gt; (id bb01)
  - help: choose another name, or remove it from the manifest of owner \`search\` first

</details>
"###);
}

#[test]
fn markdown_for_manifest_problems() {
    let problems = vec![
        Problem {
            file: PathBuf::from("edgeplan.yaml"),
            line: 7,
            col: 5,
            message: "unknown field `proxed`, did you mean `proxied`?".into(),
            help: Some("valid keys: name, target, comment, proxied, ttl, adopt, health".into()),
        },
        Problem {
            file: PathBuf::from("edgeplan.yaml"),
            line: 9,
            col: 13,
            message: "target `10.0.0.1` is an IP address; a CNAME needs a hostname".into(),
            help: None,
        },
    ];
    insta::assert_snapshot!(markdown::render_problems(&problems, &markdown::Context::default()), @r###"
<!-- edgeplan:preview -->
### edgeplan: the manifest is invalid

2 problems found; nothing was planned. Fix them and push again; `edgeplan validate` shows the same locally.

<details open><summary>Problems</summary>

- `edgeplan.yaml:7:5` unknown field \`proxed\`, did you mean \`proxied\`?
  - help: valid keys: name, target, comment, proxied, ttl, adopt, health
- `edgeplan.yaml:9:13` target \`10.0.0.1\` is an IP address; a CNAME needs a hostname

</details>
"###);
}

#[test]
fn json_for_a_realistic_plan() {
    insta::assert_snapshot!(json::render(&realistic_plan()), @r###"
{
  "version": 1,
  "fingerprint": "sha256:6430bf8b7126840d055b0d13e05c97531722256fdf931ab113dff3f663969f7c",
  "has_changes": true,
  "zones": [
    {
      "zone": "example.com",
      "zone_id": "023e105f4ecef8ad9ca31a8372d0c353",
      "owner": "ml-platform",
      "manifest": "tests/fixtures/plan/edgeplan.yaml",
      "summary": {
        "create": 2,
        "update": 1,
        "delete": 2,
        "unchanged": 1,
        "conflicts": 0
      },
      "changes": [
        {
          "action": "delete",
          "name": "ocr.example.com",
          "type": "CNAME",
          "id": "aa05",
          "before": {
            "content": "ocr-v1.ml-prod.example.net",
            "proxied": true,
            "ttl": 1,
            "comment": "edgeplan:ml-platform | retired OCR"
          },
          "after": null
        },
        {
          "action": "delete",
          "name": "vision.example.com",
          "type": "A",
          "id": "aa06",
          "before": {
            "content": "203.0.113.7",
            "proxied": false,
            "ttl": 3600,
            "comment": null
          },
          "after": null
        },
        {
          "action": "update",
          "name": "summarize.example.com",
          "type": "CNAME",
          "id": "aa03",
          "before": {
            "content": "summarize-old-uc.a.run.app",
            "proxied": false,
            "ttl": 3600,
            "comment": "edgeplan:ml-platform | Llama summarizer"
          },
          "after": {
            "content": "summarize-abc123xyz-uc.a.run.app",
            "proxied": true,
            "ttl": 1,
            "comment": "edgeplan:ml-platform | Llama summarizer"
          }
        },
        {
          "action": "create",
          "name": "sentiment.example.com",
          "type": "CNAME",
          "id": null,
          "before": null,
          "after": {
            "content": "sentiment-prod-1234567890.us-east-1.elb.amazonaws.com",
            "proxied": true,
            "ttl": 1,
            "comment": "edgeplan:ml-platform | BERT sentiment v3"
          }
        },
        {
          "action": "create",
          "name": "vision.example.com",
          "type": "CNAME",
          "id": null,
          "before": null,
          "after": {
            "content": "gpu-vm-01.ml-prod.example.net",
            "proxied": true,
            "ttl": 1,
            "comment": "edgeplan:ml-platform"
          }
        }
      ],
      "conflicts": [],
      "warnings": [
        "adopting vision.example.com: the unowned A record 203.0.113.7 (id aa06) is deleted and the CNAME created in the same batch"
      ]
    }
  ]
}
"###);
}

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
    let ctx = markdown::Context::default();
    assert_eq!(text::render(&first, true), text::render(&second, true));
    assert_eq!(
        markdown::render(&first, &ctx),
        markdown::render(&second, &ctx)
    );
    assert_eq!(json::render(&first), json::render(&second));
    assert_eq!(first.fingerprint(), second.fingerprint());
}

#[test]
fn the_fingerprint_is_the_hash_of_the_json_without_its_fingerprint() {
    // Why: anyone must be able to check a fingerprint from the JSON alone.
    let plan = realistic_plan();
    let mut value: serde_json::Value = serde_json::from_str(&json::render(&plan)).expect("JSON");
    let shown = value["fingerprint"]
        .as_str()
        .expect("fingerprint")
        .to_owned();
    value.as_object_mut().expect("object").remove("fingerprint");
    let canonical = serde_json::to_string(&value).expect("JSON");
    assert_eq!(json::canonical(&plan), canonical);
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
    let body = markdown::render(&plan, &markdown::Context::default());
    assert!(
        body.len() < 65_536 && body.chars().count() < 65_536,
        "{} bytes",
        body.len()
    );
    assert!(body.len() <= markdown::BUDGET);
    assert!(body.starts_with("<!-- edgeplan:preview -->\n"));
    assert!(
        body.contains("| `example.com` | `ml-platform` | 5000 | 0 | 0 | 0 | 0 |"),
        "the counts are never cut"
    );
    assert!(
        body.contains(&plan.fingerprint()),
        "the fingerprint is never cut"
    );
    assert!(body.contains(markdown::TRUNCATED));
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
    let body = markdown::render(&realistic_plan(), &markdown::Context::default());
    assert!(!body.contains(markdown::TRUNCATED));
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
    let ctx = markdown::Context {
        budget: Some(20_000),
        ..Default::default()
    };
    let body = markdown::render(&plan, &ctx);
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
        let value: serde_json::Value = serde_json::from_str(&json::render(&plan)).expect("JSON");
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
