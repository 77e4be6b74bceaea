//! One test per diff rule of the ownership rules in the README, with plain values.

use super::safety::owned_deletes;
use super::test_support::{desired, endpoint, live, record};
use super::*;

fn actions(p: &ZonePlan) -> Vec<(Action, &str, &str)> {
    p.changes
        .iter()
        .map(|c| (c.action, c.name.as_str(), c.kind.as_str()))
        .collect()
}

/// A record at `api.example.com`, the name most rules are tried at.
fn api_record(id: &str, kind: &str, content: &str, comment: Option<&str>) -> Stored {
    record(id, "api.example.com", kind, content, comment)
}

/// A record at `api.example.com` that the owner `ml` holds.
fn owned_api(id: &str, kind: &str, content: &str) -> Stored {
    api_record(id, kind, content, Some("edgeplan:ml"))
}

/// The plan for one endpoint, `api` → `t.example.net` with `adopt: true`, over `records`.
fn adopting(records: Vec<Stored>) -> ZonePlan {
    let mut e = endpoint("api", "t.example.net");
    e.adopt = true;
    diff(&desired(vec![e]), &live(records))
}

/// The plan for one endpoint, `api` → `t.example.net`, over `records`.
fn api_plan(records: Vec<Stored>) -> ZonePlan {
    diff(
        &desired(vec![endpoint("api", "t.example.net")]),
        &live(records),
    )
}

#[test]
fn a_wanted_name_with_nothing_there_is_created_with_the_marker() {
    let mut e = endpoint("sentiment", "ALB.Example.NET.");
    e.comment = Some("BERT v3".into());
    let p = diff(&desired(vec![e]), &live(vec![]));
    assert_eq!(
        actions(&p),
        vec![(Action::Create, "sentiment.example.com", "CNAME")]
    );
    let after = p.changes[0].after.as_ref().expect("after");
    assert_eq!(after.content, "alb.example.net");
    assert_eq!(after.comment.as_deref(), Some("edgeplan:ml | BERT v3"));
    assert!((after.proxied, after.ttl) == (true, 1));
    assert!(p.conflicts.is_empty());
}

#[test]
fn an_owned_record_that_matches_is_unchanged() {
    let r = record(
        "1",
        "sentiment.example.com",
        "CNAME",
        "alb.example.net",
        Some("edgeplan:ml"),
    );
    let p = diff(
        &desired(vec![endpoint("sentiment", "alb.example.net")]),
        &live(vec![r]),
    );
    assert!(p.changes.is_empty());
    assert_eq!((p.unchanged, p.owned), (1, 1));
}

#[test]
fn case_trailing_dots_and_proxied_ttl_do_not_make_a_diff() {
    // Why: Cloudflare stores a proxied record's TTL as 1 and names without the dot; anything
    // else would be a perpetual diff.
    let mut r = record(
        "1",
        "Sentiment.Example.com.",
        "CNAME",
        "ALB.example.net.",
        Some("edgeplan:ml"),
    );
    r.data.ttl = 300;
    let mut e = endpoint("sentiment", "alb.example.net");
    e.ttl = 600;
    let p = diff(&desired(vec![e]), &live(vec![r]));
    assert!(p.changes.is_empty(), "{:?}", p.changes);
}

#[test]
fn owned_records_edited_by_hand_are_put_back_keeping_their_id() {
    for edit in ["content", "proxied", "ttl", "comment"] {
        let mut r = record(
            "id7",
            "sentiment.example.com",
            "CNAME",
            "alb.example.net",
            Some("edgeplan:ml"),
        );
        let mut e = endpoint("sentiment", "alb.example.net");
        match edit {
            "content" => r.data.content = "elsewhere.example.net".into(),
            "proxied" => r.data.proxied = false,
            "ttl" => {
                (r.data.proxied, r.data.ttl, e.proxied, e.ttl) = (false, 300, false, 600);
            }
            _ => r.data.comment = Some("edgeplan:ml | edited in the dashboard".into()),
        }
        let p = diff(&desired(vec![e]), &live(vec![r]));
        assert_eq!(
            actions(&p),
            vec![(Action::Update, "sentiment.example.com", "CNAME")],
            "{edit}"
        );
        assert_eq!(p.changes[0].id.as_deref(), Some("id7"));
    }
}

#[test]
fn owned_records_nobody_wants_are_deleted_and_others_left_alone() {
    let p = diff(
        &desired(vec![]),
        &live(vec![
            record(
                "1",
                "old.example.com",
                "CNAME",
                "x.example.net",
                Some("edgeplan:ml | gone"),
            ),
            record("2", "www.example.com", "A", "192.0.2.1", None),
            record(
                "3",
                "other.example.com",
                "CNAME",
                "y.example.net",
                Some("edgeplan:search"),
            ),
        ]),
    );
    assert_eq!(
        actions(&p),
        vec![(Action::Delete, "old.example.com", "CNAME")]
    );
    assert_eq!(p.owned, 1);
}

#[test]
fn an_unowned_record_of_any_type_at_a_wanted_name_is_a_conflict() {
    for kind in ["A", "AAAA", "CNAME", "TXT", "MX"] {
        let r = api_record("9", kind, "v", Some("hand made"));
        let p = api_plan(vec![r]);
        assert!(p.changes.is_empty(), "{kind}");
        assert_eq!(p.conflicts.len(), 1, "{kind}");
        assert_eq!(p.conflicts[0].holder, Holder::Unowned);
        assert!(p.conflicts[0].message().contains("(id 9)"));
    }
}

#[test]
fn another_owner_is_always_a_conflict_even_with_adopt() {
    let p = adopting(vec![api_record(
        "9",
        "CNAME",
        "x.example.net",
        Some("edgeplan:search | theirs"),
    )]);
    assert!(p.changes.is_empty());
    assert_eq!(p.conflicts[0].holder, Holder::Owner("search".into()));
    assert!(p.conflicts[0].help().contains("search"));
}

#[test]
fn adopting_an_unowned_cname_updates_it_in_place() {
    let p = adopting(vec![api_record("9", "CNAME", "old.example.net", None)]);
    assert_eq!(
        actions(&p),
        vec![(Action::Update, "api.example.com", "CNAME")]
    );
    assert_eq!(p.changes[0].id.as_deref(), Some("9"));
    assert_eq!(
        p.changes[0]
            .after
            .as_ref()
            .and_then(|a| a.comment.as_deref()),
        Some("edgeplan:ml")
    );
    assert!(
        p.warnings
            .iter()
            .any(|w| w.to_string().contains("adopting api.example.com"))
    );
}

#[test]
fn adopting_addresses_deletes_them_and_creates_the_cname() {
    let p = adopting(vec![
        api_record("a1", "A", "192.0.2.1", None),
        api_record("a2", "AAAA", "2001:db8::1", None),
    ]);
    assert_eq!(
        actions(&p),
        vec![
            (Action::Delete, "api.example.com", "A"),
            (Action::Delete, "api.example.com", "AAAA"),
            (Action::Create, "api.example.com", "CNAME"),
        ]
    );
    // Adopted deletes are not the owner's records: the safety threshold ignores them.
    assert_eq!(owned_deletes(&p), 0);
}

#[test]
fn adopt_never_takes_over_txt_or_mx() {
    let p = adopting(vec![api_record("t", "TXT", "v=spf1 -all", None)]);
    assert!(p.changes.is_empty());
    assert!(p.conflicts[0].help().contains("TXT"));
}

#[test]
fn a_stray_owned_record_beside_the_cname_is_deleted() {
    let p = api_plan(vec![
        owned_api("c", "CNAME", "t.example.net"),
        owned_api("a", "A", "192.0.2.1"),
    ]);
    assert_eq!(actions(&p), vec![(Action::Delete, "api.example.com", "A")]);
    assert_eq!(p.unchanged, 1);
}

#[test]
fn an_owned_address_at_a_wanted_name_is_replaced_not_retyped() {
    // Why: changing a record's type in place is undocumented; delete + create is one batch.
    let p = api_plan(vec![owned_api("a", "A", "192.0.2.1")]);
    assert_eq!(
        actions(&p),
        vec![
            (Action::Delete, "api.example.com", "A"),
            (Action::Create, "api.example.com", "CNAME")
        ]
    );
}

#[test]
fn two_owned_cnames_keep_the_matching_one() {
    let p = api_plan(vec![
        owned_api("z", "CNAME", "t.example.net"),
        owned_api("b", "CNAME", "old.example.net"),
    ]);
    assert_eq!(
        actions(&p),
        vec![(Action::Delete, "api.example.com", "CNAME")]
    );
    assert_eq!(p.changes[0].id.as_deref(), Some("b"));
}

#[test]
fn changes_are_sorted_deletes_updates_creates_then_by_name() {
    let p = diff(
        &desired(vec![
            endpoint("zeta", "t.example.net"),
            endpoint("alpha", "t.example.net"),
            endpoint("upd", "new.example.net"),
        ]),
        &live(vec![
            record(
                "2",
                "old-b.example.com",
                "CNAME",
                "x.example.net",
                Some("edgeplan:ml"),
            ),
            record(
                "1",
                "old-a.example.com",
                "CNAME",
                "x.example.net",
                Some("edgeplan:ml"),
            ),
            record(
                "3",
                "upd.example.com",
                "CNAME",
                "x.example.net",
                Some("edgeplan:ml"),
            ),
        ]),
    );
    let names: Vec<_> = p.changes.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "old-a.example.com",
            "old-b.example.com",
            "upd.example.com",
            "alpha.example.com",
            "zeta.example.com"
        ]
    );
}

#[test]
fn the_listing_order_of_the_zone_does_not_change_the_plan() {
    let records = vec![
        owned_api("c", "CNAME", "o.example.net"),
        owned_api("d", "CNAME", "p.example.net"),
        record(
            "e",
            "gone.example.com",
            "CNAME",
            "p.example.net",
            Some("edgeplan:ml"),
        ),
    ];
    let d = desired(vec![endpoint("api", "t.example.net")]);
    let mut reversed = records.clone();
    reversed.reverse();
    assert_eq!(diff(&d, &live(records)), diff(&d, &live(reversed)));
}

#[test]
fn warnings_name_unproxied_endpoints_and_ignored_ttls() {
    let mut open = endpoint("open", "vm.example.net");
    (open.proxied, open.ttl) = (false, 300);
    let mut ttl = endpoint("ttl", "t.example.net");
    ttl.ttl = 600;
    let p = diff(&desired(vec![open, ttl]), &live(vec![]));
    assert!(
        p.warnings
            .iter()
            .any(|w| w.to_string().contains("open.example.com is not proxied"))
    );
    assert!(
        p.warnings
            .iter()
            .any(|w| w.to_string().contains("ttl 600 is ignored"))
    );
    let created = p
        .changes
        .iter()
        .find(|c| c.name == "open.example.com")
        .and_then(|c| c.after.as_ref());
    assert_eq!(created.map(|a| (a.proxied, a.ttl)), Some((false, 300)));
}

#[test]
fn the_fingerprint_follows_the_plan() {
    let creating = |label| Plan {
        zones: vec![diff(
            &desired(vec![endpoint(label, "t.example.net")]),
            &live(vec![]),
        )],
    };
    let (a, b) = (creating("a"), creating("b"));
    assert!(a.fingerprint().starts_with("sha256:"));
    assert_eq!(a.fingerprint().len(), "sha256:".len() + 64);
    assert_eq!(a.fingerprint(), a.clone().fingerprint());
    assert_ne!(a.fingerprint(), b.fingerprint());
    assert!(a.has_changes());
    assert!(!Plan::default().has_changes());
}

/// `ml` renamed from `ml-team`: with `previous_owners: [ml-team]` the old owner's records are
/// the manifest's own: the wanted one is updated in place (marker rewritten), the other deleted,
/// both counted as owned, and another owner's record stays a conflict.
#[test]
fn previous_owners_records_count_as_own() {
    let mut d = desired(vec![
        endpoint("api", "t.example.net"),
        endpoint("web", "w.example.net"),
    ]);
    d.previous_owners = vec![PreviousOwner {
        name: "ml-team".into(),
        line: 4,
    }];
    let l = live(vec![
        api_record(
            "r1",
            "CNAME",
            "t.example.net",
            Some("edgeplan:ml-team | BERT"),
        ),
        record(
            "r2",
            "gone.example.com",
            "CNAME",
            "g.example.net",
            Some("edgeplan:ml-team"),
        ),
        record(
            "r3",
            "web.example.com",
            "CNAME",
            "w.example.net",
            Some("edgeplan:search"),
        ),
    ]);
    let p = diff(&d, &l);
    assert_eq!(
        actions(&p),
        vec![
            (Action::Delete, "gone.example.com", "CNAME"),
            (Action::Update, "api.example.com", "CNAME"),
        ]
    );
    assert_eq!(p.owned, 2);
    assert_eq!(p.transfers(), vec![("ml-team", 1)]);
    assert_eq!(safety::owned_deletes(&p), 1);
    assert_eq!(p.conflicts.len(), 1);
    // search's only record is at a wanted name: two teams wanting one name is likelier than a
    // rename, so the help does not invite taking it over.
    assert!(!p.conflicts[0].rename_likely);
    assert!(!p.conflicts[0].help().contains("previous_owners"));
    let kinds: Vec<_> = verdict::edits(&p).iter().map(|e| e.kind).collect();
    assert_eq!(
        kinds,
        [verdict::EditKind::Delete, verdict::EditKind::Update]
    );
    // The note goes: the endpoint has no comment.
    assert!(p.warnings.iter().any(|w| matches!(
        w,
        Warning::NoteRemoved { name, note } if name == "api.example.com" && note == "BERT"
    )));
    // Without previous_owners every one of ml-team's records is someone else's.
    d.previous_owners.clear();
    let q = diff(&d, &l);
    assert_eq!(q.owned, 0);
    let holders: Vec<_> = q.conflicts.iter().map(|c| c.holder.clone()).collect();
    assert_eq!(
        holders,
        [
            Holder::Owner("ml-team".into()),
            Holder::Owner("search".into())
        ]
    );
}

/// The reviewed= digest covers a transfer: it is an update whose `before` names the old owner,
/// so a plan that takes records from another previous owner is another plan.
#[test]
fn the_review_digest_covers_who_records_are_transferred_from() {
    let plan_from = |old: &str| {
        let mut d = desired(vec![endpoint("api", "t.example.net")]);
        d.previous_owners = vec![PreviousOwner {
            name: old.into(),
            line: 4,
        }];
        let marker = format!("edgeplan:{old}");
        diff(
            &d,
            &live(vec![api_record(
                "r1",
                "CNAME",
                "t.example.net",
                Some(&marker),
            )]),
        )
    };
    let (a, b) = (plan_from("ml-team"), plan_from("ml-old"));
    assert_eq!(a.transfers(), vec![("ml-team", 1)]);
    assert_ne!(review::pair(&a).digest, review::pair(&b).digest);
    assert_eq!(
        review::pair(&a).digest,
        review::pair(&plan_from("ml-team")).digest
    );
}
