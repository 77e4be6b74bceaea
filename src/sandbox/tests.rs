//! The sandbox: Cloudflare's batch rules, the two file shapes, atomic all-or-nothing writes.

use std::path::Path;

use super::*;
use crate::plan::test_support::zone;
use crate::plan::{Record, RecordData, Stored};

const LISTING: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/cloudflare/lexicon-2025-dns-records-list.json"
);

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a runtime")
        .block_on(f)
}

fn cname(name: &str, target: &str) -> Record {
    Record {
        name: name.into(),
        kind: "CNAME".into(),
        data: RecordData {
            content: target.into(),
            proxied: true,
            ttl: 1,
            comment: Some("edgeplan:ml".into()),
        },
    }
}

/// `record` changed by `edit`.
fn with(mut record: Record, edit: impl FnOnce(&mut Record)) -> Record {
    edit(&mut record);
    record
}

/// An unproxied record with a TTL of 300 and no comment.
fn rec(id: &str, name: &str, kind: &str, content: &str) -> Stored {
    let mut r = crate::plan::test_support::record(id, name, kind, content, None);
    (r.data.proxied, r.data.ttl) = (false, 300);
    r
}

fn counter() -> impl FnMut() -> String {
    let mut n = 0u32;
    move || {
        n += 1;
        format!("{n:032x}")
    }
}

/// Applies `batch` to `records`; on refusal asserts nothing changed and returns the message.
fn refusal(records: Vec<Stored>, batch: Batch) -> String {
    let mut work = records.clone();
    let err = apply_to(&mut work, &batch, &zone(), &mut counter()).expect_err("refused");
    assert_eq!(work, records, "a refused batch must change nothing");
    err.to_string()
}

#[test]
fn a_cname_beside_an_address_or_cname_is_refused_with_81053() {
    for kind in ["A", "CNAME", "TXT"] {
        let content = if kind == "A" {
            "192.0.2.1"
        } else {
            "x.example.net"
        };
        let batch = Batch {
            posts: vec![cname("api.example.com", "t.example.net")],
            ..Batch::default()
        };
        let msg = refusal(vec![rec("1", "api.example.com", kind, content)], batch);
        assert!(msg.contains("81053"), "{kind}: {msg}");
    }
}

#[test]
fn an_address_beside_a_cname_is_refused_with_81054() {
    let batch = Batch {
        posts: vec![with(cname("api.example.com", "192.0.2.1"), |r| {
            r.kind = "A".into();
            (r.data.proxied, r.data.ttl) = (false, 300);
        })],
        ..Batch::default()
    };
    let msg = refusal(
        vec![rec("1", "api.example.com", "CNAME", "t.example.net")],
        batch,
    );
    assert!(msg.contains("81054"), "{msg}");
}

#[test]
fn deletes_run_first_so_a_batch_can_replace_an_address_with_a_cname() {
    let mut records = vec![rec("1", "api.example.com", "A", "192.0.2.1")];
    let batch = Batch {
        deletes: vec!["1".into()],
        posts: vec![cname("API.example.com.", "T.example.net")],
        ..Batch::default()
    };
    let applied = apply_to(&mut records, &batch, &zone(), &mut counter()).expect("accepted");
    assert_eq!(applied.posts, vec![format!("{:032x}", 1)]);
    assert_eq!(
        (records[0].name.as_str(), records[0].data.content.as_str()),
        ("api.example.com", "t.example.net")
    );
}

#[test]
fn identical_records_are_refused_with_81058() {
    let txt = with(cname("t.example.com", "v"), |r| {
        r.kind = "TXT".into();
        r.data.proxied = false;
    });
    let msg = refusal(
        vec![rec("1", "t.example.com", "TXT", "v")],
        Batch {
            posts: vec![txt],
            ..Batch::default()
        },
    );
    assert!(msg.contains("81058"), "{msg}");
}

#[test]
fn record_level_rules_are_enforced() {
    let a = || cname("a.example.com", "t.example.net");
    let cases: Vec<(Record, &str)> = vec![
        (
            with(a(), |r| (r.data.ttl, r.data.proxied) = (30, false)),
            "9021",
        ),
        (
            with(a(), |r| (r.data.ttl, r.data.proxied) = (86_401, false)),
            "9021",
        ),
        (
            with(cname("a.example.com", "v"), |r| r.kind = "TXT".into()),
            "9004",
        ),
        (cname("a.example.com", "192.0.2.7"), "9007"),
        (cname("a.example.com", "a.example.com"), "own name"),
        (cname("a.other.org", "t.example.net"), "not inside the zone"),
        (
            with(a(), |r| r.data.comment = Some("x".repeat(101))),
            "101 characters",
        ),
        (
            with(a(), |r| r.data.comment = Some("a\nb".into())),
            "line break",
        ),
    ];
    for (record, expected) in cases {
        let msg = refusal(
            vec![],
            Batch {
                posts: vec![record.clone()],
                ..Batch::default()
            },
        );
        assert!(msg.contains(expected), "{record:?}: {msg}");
    }
}

#[test]
fn proxied_records_are_stored_with_automatic_ttl() {
    let mut records = vec![];
    let batch = Batch {
        posts: vec![with(cname("a.example.com", "t.example.net"), |r| {
            r.data.ttl = 300
        })],
        ..Batch::default()
    };
    apply_to(&mut records, &batch, &zone(), &mut counter()).expect("accepted");
    assert_eq!(records[0].data.ttl, 1);
}

#[test]
fn unknown_ids_and_oversized_batches_are_refused() {
    let msg = refusal(
        vec![],
        Batch {
            deletes: vec!["nope".into()],
            ..Batch::default()
        },
    );
    assert!(msg.contains("81044"), "{msg}");
    let msg = refusal(
        vec![],
        Batch {
            puts: vec![Stored::new(
                "nope".into(),
                cname("a.example.com", "t.example.net"),
            )],
            ..Batch::default()
        },
    );
    assert!(msg.contains("81044"), "{msg}");
    let posts = (0..201)
        .map(|i| cname(&format!("n{i}.example.com"), "t.example.net"))
        .collect();
    assert!(
        refusal(
            vec![],
            Batch {
                posts,
                ..Batch::default()
            }
        )
        .contains("allows 200")
    );
}

#[test]
fn a_later_failure_undoes_earlier_items_of_the_batch() {
    let records = vec![rec("1", "old.example.com", "CNAME", "x.example.net")];
    let batch = Batch {
        deletes: vec!["1".into()],
        posts: vec![
            cname("ok.example.com", "t.example.net"),
            cname("bad.example.com", "192.0.2.1"),
        ],
        ..Batch::default()
    };
    assert!(refusal(records, batch).contains("posts[1]"));
}

#[test]
fn a_put_keeps_the_id_and_may_replace_itself_without_81053() {
    let mut records = vec![rec("1", "api.example.com", "CNAME", "x.example.net")];
    let batch = Batch {
        puts: vec![Stored::new(
            "1".into(),
            cname("api.example.com", "t.example.net"),
        )],
        ..Batch::default()
    };
    apply_to(&mut records, &batch, &zone(), &mut counter()).expect("accepted");
    assert_eq!(
        (records[0].id.as_str(), records[0].data.content.as_str()),
        ("1", "t.example.net")
    );
}

fn seed(dir: &Path, zone: &str, text: &str) -> std::path::PathBuf {
    let path = dir.join(format!("{zone}.json"));
    std::fs::write(&path, text).expect("seed");
    path
}

#[test]
fn a_real_listing_seeds_a_zone_and_untouched_records_keep_their_bytes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let listing = std::fs::read_to_string(LISTING).expect("fixture");
    let path = seed(dir.path(), "byemike.org", &listing);
    let sb = Sandbox::new(dir.path());
    let zone = block_on(sb.zone("ByeMike.org.", None)).expect("zone");
    assert_eq!(zone.id, derived_zone_id("byemike.org"));
    assert_eq!(zone.id.len(), 32);
    let records = block_on(sb.records(&zone)).expect("records");
    assert_eq!(records.len(), 15);
    let docs = records
        .iter()
        .find(|r| r.name == "docs.byemike.org")
        .expect("docs")
        .id
        .clone();

    let batch = Batch {
        deletes: vec![docs.clone()],
        posts: vec![cname("docs.byemike.org", "docs-new.example.net")],
        ..Batch::default()
    };
    block_on(sb.batch(&zone, &batch)).expect("applied");

    let after = std::fs::read_to_string(&path).expect("read back");
    let value: serde_json::Value = serde_json::from_str(&after).expect("still JSON");
    assert_eq!(
        value["success"], true,
        "the envelope's other members survive"
    );
    let original: serde_json::Value = serde_json::from_str(&listing).expect("fixture JSON");
    let originals = original["result"].as_array().expect("array");
    // Every record but the deleted one appears with exactly the bytes it had.
    let untouched = file::ZoneFile::read(Path::new(LISTING), "byemike.org").expect("fixture");
    for (raw, r) in untouched.raw.iter().zip(&untouched.records) {
        assert_eq!(after.contains(raw.get()), r.id != docs, "{}", r.name);
    }
    assert_eq!(
        value["result"].as_array().map(Vec::len),
        Some(originals.len())
    );
    let records = block_on(sb.records(&zone)).expect("records");
    let new = records
        .iter()
        .find(|r| r.name == "docs.byemike.org")
        .expect("created");
    assert!(
        new.id.len() == 32
            && new
                .id
                .chars()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
    );
    assert!(new.data.proxied && new.data.ttl == 1);
}

#[test]
fn a_refused_batch_leaves_the_file_byte_identical() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = r#"[{"id": "1", "name": "api.example.com", "type": "A", "content": "192.0.2.1", "ttl": 300, "custom": {"kept": true}}]"#;
    let path = seed(dir.path(), "example.com", text);
    let sb = Sandbox::new(dir.path());
    let zone = block_on(sb.zone("example.com", None)).expect("zone");
    let batch = Batch {
        posts: vec![
            cname("new.example.com", "t.example.net"),
            cname("api.example.com", "t.example.net"),
        ],
        ..Batch::default()
    };
    let err = block_on(sb.batch(&zone, &batch)).expect_err("81053");
    assert!(err.to_string().contains("81053"));
    assert_eq!(std::fs::read_to_string(&path).expect("read"), text);
    // No temporary file is left behind either; the lock file stays (it holds nothing).
    let mut names: Vec<String> = std::fs::read_dir(dir.path())
        .expect("dir")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, [".example.com.json.lock", "example.com.json"]);
}

/// Applies one write to a record carrying a person's tags and settings; the record's JSON after.
fn written(patch: bool) -> serde_json::Value {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = r#"[{"id": "1", "name": "api.example.com", "type": "CNAME", "content": "x.example.net", "ttl": 1, "proxied": true, "tags": ["team:ml"], "settings": {"ipv4_only": true}, "created_on": "2025-01-01T00:00:00Z"}]"#;
    let path = seed(dir.path(), "example.com", text);
    let sb = Sandbox::new(dir.path());
    let zone = block_on(sb.zone("example.com", None)).expect("zone");
    let write = vec![Stored::new(
        "1".into(),
        cname("api.example.com", "t.example.net"),
    )];
    let batch = if patch {
        Batch {
            patches: write,
            ..Batch::default()
        }
    } else {
        Batch {
            puts: write,
            ..Batch::default()
        }
    };
    block_on(sb.batch(&zone, &batch)).expect("applied");
    let value: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("read")).expect("JSON");
    let r = value[0].clone();
    assert_eq!(
        (r["content"].as_str(), r["comment"].as_str()),
        (Some("t.example.net"), Some("edgeplan:ml"))
    );
    assert_eq!(r["created_on"], "2025-01-01T00:00:00Z");
    r
}

/// Cloudflare: a patch changes only the fields it names; a put is an overwrite where every
/// unspecified field takes its default, so the sandbox drops tags and settings on a put.
#[test]
fn a_patch_keeps_unknown_fields_and_a_put_resets_them() {
    let patched = written(true);
    assert_eq!(patched["tags"][0], "team:ml");
    assert_eq!(patched["settings"]["ipv4_only"], true);
    let put = written(false);
    assert_eq!(put["tags"], serde_json::json!([]));
    assert_eq!(put["settings"], serde_json::json!({}));
}

#[test]
fn a_missing_zone_file_says_which_file_to_create() {
    let dir = tempfile::tempdir().expect("tempdir");
    let err = block_on(Sandbox::new(dir.path()).zone("example.com", None)).expect_err("missing");
    let expected = dir.path().join("example.com.json");
    assert!(
        err.to_string().contains(&expected.display().to_string()),
        "{err}"
    );
    assert!(err.help().is_some_and(|h| h.contains("create")));
}

#[test]
fn bad_files_and_wrong_zone_ids_are_refused_with_the_path() {
    let dir = tempfile::tempdir().expect("tempdir");
    seed(dir.path(), "example.com", r#"{"errors": []}"#);
    seed(dir.path(), "example.org", r#"[{"name": "x"}]"#);
    seed(dir.path(), "example.net", "[]");
    let sb = Sandbox::new(dir.path());
    assert!(
        block_on(sb.zone("example.com", None))
            .expect_err("no result")
            .to_string()
            .contains("result")
    );
    assert!(
        block_on(sb.zone("example.org", None))
            .expect_err("no id")
            .to_string()
            .contains("example.org.json")
    );
    let err = block_on(sb.zone("example.net", Some("0123"))).expect_err("wrong id");
    assert!(err.to_string().contains("does not belong"), "{err}");
    assert!(block_on(sb.zone("../etc", None)).is_err());
}
