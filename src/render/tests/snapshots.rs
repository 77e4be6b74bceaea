//! Inline snapshots of what users see, for a realistic plan.

use std::path::PathBuf;

use super::{realistic, realistic_plan, record};
use crate::manifest::Problem;
use crate::plan::verdict::Verdict;
use crate::plan::{Plan, diff};
use crate::render::{json, markdown, problems, text};

#[test]
fn text_for_a_realistic_plan() {
    insta::assert_snapshot!(text::render(&realistic_plan(), &[], &Verdict::of_plan(&realistic_plan()), false), @r###"
example.com (owner ml-platform, tests/fixtures/plan/edgeplan.yaml)
  - delete ocr.example.com CNAME ocr-v1.ml-prod.example.net (proxied)
  - delete vision.example.com A 203.0.113.7 (not proxied, ttl 3600)
  ~ update summarize.example.com CNAME content summarize-old-uc.a.run.app -> summarize-abc123xyz-uc.a.run.app, proxied false -> true, ttl 3600 -> ttl auto
  + create sentiment.example.com CNAME -> sentiment-prod-1234567890.us-east-1.elb.amazonaws.com (proxied)
  + create vision.example.com CNAME -> gpu-vm-01.ml-prod.example.net (proxied)
  warning: adopting vision.example.com: the unowned A record 203.0.113.7 is deleted and the CNAME
           created in the same batch
  example.com: 1 to create, 1 to update, 1 to adopt, 1 to delete, 1 unchanged, 2 other records left alone

Plan: 1 to create, 1 to update, 1 to adopt, 1 to delete.
Fingerprint: sha256:1a637f34ef4bcf99a94dbd3196ae1d7c7696fa3b7edf9a60e619e4b540f6b88f
"###);
}

#[test]
fn text_is_coloured_only_when_asked() {
    let plan = realistic_plan();
    assert!(!text::render(&plan, &[], &Verdict::of_plan(&plan), false).contains('\x1b'));
    let coloured = text::render(&plan, &[], &Verdict::of_plan(&plan), true);
    assert!(coloured.contains("\x1b[32m+ create\x1b[0m"), "{coloured}");
}

#[test]
fn markdown_for_a_realistic_plan() {
    let ctx = markdown::CommentContext {
        run_url: Some("https://github.com/acme/models/actions/runs/42".into()),
        ..Default::default()
    };
    insta::assert_snapshot!(markdown::render(&realistic_plan(), &[], &Verdict::of_plan(&realistic_plan()), &ctx), @r###"
<!-- edgeplan:preview fingerprint=sha256:1a637f34ef4bcf99a94dbd3196ae1d7c7696fa3b7edf9a60e619e4b540f6b88f -->
**Merge applies 4 changes to `example.com` in one atomic batch (1 to delete, 1 to adopt, 1 to update, 1 to create)**

### edgeplan DNS preview

- `example.com`, owner `ml-platform`: 1 to delete, 1 to adopt, 1 to update, 1 to create, 1 unchanged, 2 other records left alone

<details open><summary>example.com, owner ml-platform</summary>

| change | name | target | proxied |
| --- | --- | --- | --- |
| delete | `ocr.example.com` | removed<br>was `ocr-v1.ml-prod.example.net` | ● |
| update, ttl | `summarize.example.com` | `summarize-abc123xyz-uc.a.run.app`<br>was `summarize-old-uc.a.run.app` | ○ -> ● |
| create | `sentiment.example.com` | `sentiment-prod-1234567890.us-east-1.elb.amazonaws.com` | ● |
| adopt (A -> CNAME) | `vision.example.com` | `gpu-vm-01.ml-prod.example.net`<br>was `203.0.113.7` | ○ -> ● |

● proxied, ○ DNS-only

**Warnings:**

- adopting `vision.example.com`: the unowned `A` record `203.0.113.7` is deleted and the CNAME created in the same batch

</details>

Plan fingerprint: `sha256:1a637f34ef4bcf99a94dbd3196ae1d7c7696fa3b7edf9a60e619e4b540f6b88f`

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
    let ctx = markdown::CommentContext {
        manifest: Some("dns/models.yaml".into()),
        ..Default::default()
    };
    insta::assert_snapshot!(markdown::render(&plan, &[], &Verdict::of_plan(&plan), &ctx), @r###"
<!-- edgeplan:preview manifest=dns/models.yaml fingerprint=sha256:7abae4e0f4c4d8769a1fa30e64d67c693bf99fadc8b41d9b18f54c0b8fcb74d4 -->
> [!CAUTION]
> **Merge will be refused: 1 conflict in `example.com`**
>
> Refused:
> - `sentiment.example.com` (held by a record edgeplan may not touch)
>
> To fix:
> - `example.com`: resolve the 1 conflict at the manifest line named below: choose another name, set `adopt: true` on an endpoint to take over an unowned record, or free the name in its owner's manifest.

### edgeplan DNS preview

- `example.com`, owner `ml-platform`: 0 unchanged, 1 other record left alone, **1 conflict**

<details open><summary>example.com, owner ml-platform</summary>

**Refused** (merge refuses the plan until these are resolved):

- `tests/fixtures/plan/edgeplan.yaml:8` conflict: sentiment.example.com (line 8) is held by a record owned by edgeplan:search: CNAME old \| &lt;b&gt;x&lt;/b&gt; (id bb01)
  - help: choose another name, or remove it from the manifest of owner `search` first

</details>

Plan fingerprint: `sha256:7abae4e0f4c4d8769a1fa30e64d67c693bf99fadc8b41d9b18f54c0b8fcb74d4`
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
    insta::assert_snapshot!(problems::render_problems(&problems, &markdown::CommentContext::default()), @r###"
<!-- edgeplan:preview -->
**Merge will be refused: the manifest is invalid (2 problems)**

Nothing was planned. Fix them and push again; `edgeplan validate` shows the same locally.

<details open><summary>Problems</summary>

- `edgeplan.yaml:7:5` unknown field `proxed`, did you mean `proxied`?
  - help: valid keys: name, target, comment, proxied, ttl, adopt, health
- `edgeplan.yaml:9:13` target `10.0.0.1` is an IP address; a CNAME needs a hostname

</details>
"###);
}

#[test]
fn json_for_a_realistic_plan() {
    insta::assert_snapshot!(json::render(&realistic_plan(), &[], &Verdict::of_plan(&realistic_plan())), @r###"
{
  "version": 1,
  "fingerprint": "sha256:1a637f34ef4bcf99a94dbd3196ae1d7c7696fa3b7edf9a60e619e4b540f6b88f",
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
        "adopting vision.example.com: the unowned A record 203.0.113.7 is deleted and the CNAME created in the same batch"
      ],
      "unmanaged": 2
    }
  ],
  "verdict": {
    "refused": false,
    "origins_checked": true,
    "changes": {
      "create": 1,
      "update": 1,
      "adopt": 1,
      "delete": 1,
      "total": 4
    },
    "zones": [
      {
        "zone": "example.com",
        "owner": "ml-platform",
        "changes": {
          "create": 1,
          "update": 1,
          "adopt": 1,
          "delete": 1,
          "total": 4
        },
        "batches": 1,
        "refused": []
      }
    ]
  }
}
"###);
}
