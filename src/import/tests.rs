//! The pure part of import against plain records: what is written, what is left out and why.

use super::*;
use crate::plan::test_support::zone;
use crate::plan::{Record, RecordData};

fn rec(id: &str, name: &str, kind: &str, content: &str, comment: Option<&str>) -> Stored {
    Stored::new(
        id.into(),
        Record {
            name: name.into(),
            kind: RecordType::parse(kind),
            data: RecordData {
                content: content.into(),
                proxied: kind == "CNAME",
                ttl: 1,
                comment: comment.map(str::to_string),
            },
        },
    )
}

#[test]
fn the_apex_comes_first_then_names_bytewise_and_every_string_is_quoted() {
    let records = [
        rec("1", "b.example.com", "CNAME", "o.example.net", None),
        rec(
            "2",
            "example.com",
            "CNAME",
            "apex.example.net",
            Some("edgeplan:ml | home"),
        ),
        rec("3", "*.example.com", "CNAME", "w.example.net", None),
        rec(
            "4",
            "true.example.com",
            "CNAME",
            "t.example.net",
            Some("123"),
        ),
        rec("5", "mail.example.com", "MX", "mx.example.net", None),
        rec(
            "6",
            "x.example.com",
            "CNAME",
            "x.example.net",
            Some("edgeplan:search"),
        ),
    ];
    let got = build(&zone(), &records, "ml").expect("import");
    let body: Vec<&str> = got
        .text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .collect();
    assert_eq!(
        body,
        [
            "version: 1",
            "zone: \"example.com\"",
            "owner: \"ml\"",
            "endpoints:",
            "  - name: \"@\"",
            "    target: \"apex.example.net\"",
            "    proxied: true",
            "    comment: \"home\"",
            "  - name: \"*\"",
            "    target: \"w.example.net\"",
            "    proxied: true",
            "    adopt: true",
            "  - name: \"b\"",
            "    target: \"o.example.net\"",
            "    proxied: true",
            "    adopt: true",
            "  - name: \"true\"",
            "    target: \"t.example.net\"",
            "    proxied: true",
            "    comment: \"123\"",
            "    adopt: true",
        ]
    );
    assert_eq!((got.endpoints, got.adopted, got.other_owners), (4, 3, 1));
    assert_eq!(got.unmanaged.get("MX"), Some(&1));
    assert!(got.text.ends_with(
        "\n# Not imported: 1 record of other owners; records of types edgeplan does not manage (1 MX).\n"
    ));
}

#[test]
fn what_a_manifest_cannot_hold_is_left_out_by_type_and_name_and_this_owners_records_are_flagged() {
    let mut long = rec("3", "long.example.com", "CNAME", "l.example.net", None);
    long.data.comment = Some("n".repeat(95));
    let mut short_ttl = rec("4", "fast.example.com", "CNAME", "f.example.net", None);
    (short_ttl.data.proxied, short_ttl.data.ttl) = (false, 30);
    let records = [
        rec(
            "1",
            "_acme-challenge.example.com",
            "CNAME",
            "a.example.net",
            None,
        ),
        rec(
            "2",
            "bell.example.com",
            "CNAME",
            "b.example.net",
            Some("ring \u{7} secret-content"),
        ),
        long,
        short_ttl,
        rec("5", "ip.example.com", "A", "192.0.2.1", Some("edgeplan:ml")),
        rec(
            "6",
            "sp.example.com",
            "CNAME",
            "s.example.net",
            Some("edgeplan:ml |  padded"),
        ),
        rec(
            "7",
            "empty.example.com",
            "CNAME",
            "e.example.net",
            Some("edgeplan:ml | "),
        ),
        // Nobody's record with an empty comment: adopted, the marker replaces it.
        rec("8", "blank.example.com", "CNAME", "e.example.net", Some("")),
    ];
    let got = build(&zone(), &records, "ml").expect("import");
    let reasons: Vec<(&str, bool, &SkipReason)> = got
        .left_out
        .iter()
        .map(|l| (l.name.as_str(), l.owned, &l.reason))
        .collect();
    assert_eq!(
        reasons,
        [
            ("_acme-challenge.example.com", false, &SkipReason::Name),
            ("bell.example.com", false, &SkipReason::Note),
            ("empty.example.com", true, &SkipReason::EmptyNote),
            ("fast.example.com", false, &SkipReason::Ttl),
            ("ip.example.com", true, &SkipReason::NotCname),
            (
                "long.example.com",
                false,
                &SkipReason::NoteTooLong {
                    length: 109,
                    limit: 100
                }
            ),
            ("sp.example.com", true, &SkipReason::Spaces),
        ]
    );
    assert_eq!(got.own_left_out().len(), 3);
    assert_eq!((got.endpoints, got.adopted), (1, 1), "{}", got.text);
    assert!(got.text.contains("name: \"blank\""), "{}", got.text);
    assert!(!got.text.contains("secret-content"), "{}", got.text);
    assert!(
        got.text
            .contains("#   CNAME _acme-challenge.example.com: its name")
    );
}

#[test]
fn a_cname_cycle_between_live_records_is_broken_by_leaving_one_record_out() {
    let records = [
        rec("1", "a.example.com", "CNAME", "b.example.com", None),
        rec("2", "b.example.com", "CNAME", "a.example.com", None),
        rec("3", "c.example.com", "CNAME", "c.example.net", None),
    ];
    let got = build(&zone(), &records, "ml").expect("import");
    // The validator names the cycle at one endpoint; without it the other one validates.
    assert_eq!(got.endpoints, 2, "{}", got.text);
    assert_eq!(got.left_out.len(), 1);
    assert_eq!(got.left_out[0].reason, SkipReason::Invalid);
}
