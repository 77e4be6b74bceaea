//! Every recorded Cloudflare response in tests/fixtures/cloudflare parses into the right thing:
//! old and new record shapes, zones, and each failure into the right typed error and class.

use edgeplan::cloudflare::error::{Class, Error, from_response};
use edgeplan::cloudflare::wire::{ApiRecord, ApiZone, Deleted, Envelope};
use edgeplan::cloudflare::{normalise, to_plan_zone};

fn fixture(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/tests/fixtures/cloudflare/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn envelope<T: serde::de::DeserializeOwned>(name: &str) -> Envelope<T> {
    serde_json::from_slice(&fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn every_fixture_file_is_covered_by_a_test_here() {
    // A new fixture must get an assertion below: this fails until it does.
    let dir = format!("{}/tests/fixtures/cloudflare", env!("CARGO_MANIFEST_DIR"));
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("fixtures dir")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".json"))
        .collect();
    names.sort();
    let source = include_str!("cloudflare_fixtures.rs");
    for name in names {
        assert!(
            source.matches(&format!("\"{name}\"")).count() >= 1,
            "fixture {name} has no test"
        );
    }
}

#[test]
fn record_lists_2025_and_empty() {
    let list: Envelope<Vec<ApiRecord>> = envelope("lexicon-2025-dns-records-list.json");
    assert_eq!(list.success, Some(true));
    let records = list.result.expect("result");
    assert_eq!(records.len(), 15);
    let info = list.result_info.expect("result_info");
    assert_eq!(
        (info.per_page, info.total_pages, info.total_count),
        (Some(100), Some(1), Some(15))
    );
    let cname = records.iter().find(|r| r.kind == "CNAME").expect("a CNAME");
    assert_eq!(cname.comment, None);
    assert_eq!(cname.tags.as_deref(), Some(&[][..]));
    assert_eq!(cname.zone_name, None);
    assert_eq!(
        cname.created_on.as_deref(),
        Some("2025-08-27T20:36:18.239692Z")
    );
    let n = normalise(cname);
    assert_eq!(
        (n.name.as_str(), n.data.content.as_str(), n.data.ttl),
        ("docs.byemike.org", "docs.example.com", 3600)
    );

    let empty: Envelope<Vec<ApiRecord>> = envelope("lexicon-2025-dns-records-list-empty.json");
    assert_eq!(empty.result.expect("result").len(), 0);
    assert_eq!(empty.result_info.and_then(|i| i.total_pages), Some(1));
}

#[test]
fn single_records_create_put_delete() {
    let a: Envelope<ApiRecord> = envelope("lexicon-2025-dns-record-create-a-unproxiable.json");
    let a = a.result.expect("result");
    assert_eq!(
        (a.kind.as_str(), a.content.as_str(), a.proxiable),
        ("A", "127.0.0.1", Some(false))
    );

    let cname: Envelope<ApiRecord> = envelope("lexicon-2025-dns-record-create-cname.json");
    assert_eq!(
        cname.result.expect("result").id,
        "904da6487f281228aa9c21f690416436"
    );

    let put: Envelope<ApiRecord> = envelope("lexicon-2025-dns-record-put.json");
    let put = put.result.expect("result");
    assert_ne!(put.created_on, put.modified_on);
    assert_eq!(put.name, "updated.test.byemike.org");

    let deleted: Envelope<Deleted> = envelope("lexicon-2025-dns-record-delete.json");
    assert_eq!(
        deleted.result.expect("result").id.as_deref(),
        Some("a6a6a43291417c5a659aac665c3409a3")
    );
}

#[test]
fn legacy_record_shapes_2017_and_2018() {
    let proxied: Envelope<ApiRecord> = envelope("libcloud-2018-dns-record-create-proxied-a.json");
    let proxied = proxied.result.expect("result");
    assert!(proxied.proxied);
    assert_eq!(proxied.zone_name.as_deref(), Some("example.com"));
    assert_eq!(proxied.tags, None);
    assert_eq!(normalise(&proxied).data.ttl, 1);

    let page: Envelope<Vec<ApiRecord>> = envelope("octodns-2017-dns-records-page-1.json");
    let info = page.result_info.expect("result_info");
    assert_eq!(
        (info.per_page, info.total_pages, info.total_count),
        (Some(10), Some(3), Some(27))
    );
    let records = page.result.expect("result");
    assert_eq!(records.len(), 10);
    assert!(
        records
            .iter()
            .any(|r| r.kind == "MX" && r.priority.is_some())
    );
}

#[test]
fn zone_lists_give_plan_limits_and_candidates() {
    let zones: Envelope<Vec<ApiZone>> = envelope("lexicon-2025-zones-list.json");
    let zones = zones.result.expect("result");
    assert_eq!(zones.len(), 3);
    let z = &zones[0];
    assert_eq!(
        (z.name.as_str(), z.status.as_deref()),
        ("byemike.org", Some("active"))
    );
    assert!(z.is_free());
    let plan = to_plan_zone(z);
    assert_eq!((plan.batch_limit, plan.comment_limit), (200, 100));
    assert_eq!(
        z.account.as_ref().and_then(|a| a.id.as_deref()),
        Some("8d76151cc3a22bf025f36489c7a0be23")
    );

    let old: Envelope<Vec<ApiZone>> = envelope("octodns-2017-zones-page-1.json");
    assert_eq!(old.result_info.and_then(|i| i.total_pages), Some(3));
    let old = old.result.expect("result");
    assert_eq!(old[0].status.as_deref(), Some("pending"));
    assert_eq!(old[0].account, None);
}

fn api_error(name: &str, status: u16) -> edgeplan::cloudflare::ApiFailure {
    match from_response("POST", "/zones/x/dns_records", status, &fixture(name)) {
        Error::Api(f) => f,
        other => panic!("{name}: {other:?}"),
    }
}

#[test]
fn error_envelopes_become_typed_errors() {
    let f = api_error("lexicon-2025-error-81058-identical-record.json", 400);
    assert_eq!((f.code(), f.class()), (81058, Class::Conflict));

    let f = api_error("libcloud-error-1004-dns-validation-error-chain.json", 400);
    assert_eq!((f.code(), f.class()), (1004, Class::InvalidInput));
    assert_eq!(f.innermost().map(|m| m.code), Some(9011));
    assert_eq!(
        f.summary(),
        "9011 Length of content is invalid (in 1004 DNS Validation Error)"
    );

    let f = api_error(
        "libcloud-error-7003-7000-invalid-record-identifier.json",
        400,
    );
    assert_eq!((f.code(), f.class()), (7003, Class::BadIdentifier));
    assert!(f.has_code(7000));

    let f = api_error("libcloud-error-1001-invalid-zone-identifier.json", 404);
    assert_eq!((f.code(), f.class()), (1001, Class::NotFound));

    let f = api_error("lego-error-6003-6103-invalid-request-headers.json", 400);
    assert_eq!((f.code(), f.class()), (6003, Class::Permission));
    assert_eq!(f.innermost().map(|m| m.code), Some(6103));
}

#[test]
fn every_recorded_fixture_names_its_source_and_licence() {
    // tests/fixtures/{cloudflare,github,github-api}/SOURCES.md: one table row per file, with its
    // licence.
    for dir in ["cloudflare", "github", "github-api"] {
        let dir = format!("{}/tests/fixtures/{dir}", env!("CARGO_MANIFEST_DIR"));
        let sources = std::fs::read_to_string(format!("{dir}/SOURCES.md")).expect("SOURCES.md");
        for entry in std::fs::read_dir(&dir).expect("fixtures dir").flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if !name.ends_with(".json") {
                continue;
            }
            let row = sources
                .lines()
                .find(|l| l.starts_with('|') && l.contains(&name))
                .unwrap_or_else(|| panic!("{dir}/{name} has no row in SOURCES.md"));
            assert!(
                ["| MIT |", "| Apache-2.0 |", "| MIT OR Apache-2.0 |"]
                    .iter()
                    .any(|l| row.contains(l)),
                "{name}: no licence in its row"
            );
        }
    }
}
