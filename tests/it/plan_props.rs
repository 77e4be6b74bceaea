//! Properties of the plan over random zones and manifests (the ownership rules in the README):
//! no change ever touches a record the owner does not own, except one an endpoint adopts; every
//! batch the plan produces is one Cloudflare's rules accept (the sandbox's rules), whatever the
//! batch limit; and once applied, the next plan is empty.

use std::path::PathBuf;

use edgeplan::plan::{
    Action, Desired, Endpoint, Live, Record, RecordData, Stored, Zone, diff, owner, to_batches,
};
use edgeplan::provider::Batch;
use edgeplan::sandbox::apply_to;
use proptest::prelude::*;

const OWNER: &str = "ml";
const COMMENTS: [Option<&str>; 8] = [
    None,
    Some("hand made"),
    Some("edgeplan:ml"),
    Some("edgeplan:ml | note"),
    Some("edgeplan:other"),
    Some("edgeplan:other | theirs"),
    // Near misses: not this owner's, whatever they look like.
    Some("edgeplan:ml-platform"),
    Some("edgeplan: ml"),
];
const KINDS: [&str; 4] = ["A", "AAAA", "CNAME", "TXT"];

fn zone(batch_limit: usize) -> Zone {
    Zone {
        id: "z".into(),
        name: "example.com".into(),
        batch_limit,
        comment_limit: 100,
    }
}

fn name(i: usize) -> String {
    format!("n{i}.example.com")
}

fn target(i: usize) -> String {
    format!("origin-{i}.example.net")
}

fn ids() -> impl FnMut() -> String {
    let mut n = 0u64;
    move || {
        n += 1;
        format!("{n:032x}")
    }
}

/// A random live zone that Cloudflare could hold: records are posted one by one through the
/// sandbox's rules and those it refuses (a CNAME beside an A, ...) are dropped.
fn live_zone() -> impl Strategy<Value = Vec<Stored>> {
    prop::collection::vec(
        (0..6usize, 0..4usize, 0..4usize, any::<bool>(), 0..8usize),
        0..14,
    )
    .prop_map(|specs| {
        let mut records = Vec::new();
        let mut next = ids();
        for (n, k, c, proxied, comment) in specs {
            let kind = KINDS[k];
            let content = match kind {
                "A" => format!("192.0.2.{c}"),
                "AAAA" => format!("2001:db8::{c}"),
                "CNAME" => target(c),
                _ => format!("txt-{c}"),
            };
            let proxied = proxied && kind != "TXT";
            let post = Record {
                name: name(n),
                kind: kind.into(),
                data: RecordData {
                    content,
                    proxied,
                    ttl: if proxied { 1 } else { 300 },
                    comment: COMMENTS[comment].map(str::to_owned),
                },
            };
            let batch = Batch {
                posts: vec![post],
                ..Batch::default()
            };
            let _ = apply_to(&mut records, &batch, &zone(200), &mut next);
        }
        records
    })
}

fn manifest() -> impl Strategy<Value = Vec<Endpoint>> {
    prop::collection::btree_map(
        0..6usize,
        (
            0..4usize,
            any::<bool>(),
            any::<bool>(),
            any::<bool>(),
            prop::sample::select(vec![1u32, 300]),
        ),
        0..6,
    )
    .prop_map(|m| {
        m.into_iter()
            .enumerate()
            .map(|(line, (n, (t, proxied, adopt, comment, ttl)))| Endpoint {
                name: name(n),
                target: target(t),
                proxied,
                // A proxied endpoint with a TTL is refused by the manifest, but the diff
                // must still read it as automatic.
                ttl,
                comment: comment.then(|| "model".to_owned()),
                adopt,
                health: None,
                line: line + 1,
            })
            .collect()
    })
}

fn desired(endpoints: Vec<Endpoint>) -> Desired {
    Desired {
        source: PathBuf::from("edgeplan.yaml"),
        zone: "example.com".into(),
        zone_id: None,
        owner: OWNER.into(),
        previous_owners: Vec::new(),
        endpoints,
    }
}

fn owned(r: &Stored) -> bool {
    owner::is_owned_by(r.data.comment.as_deref(), OWNER)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn the_plan_touches_only_owned_or_adopted_records(records in live_zone(), endpoints in manifest()) {
        let d = desired(endpoints);
        let plan = diff(&d, &Live { zone: zone(200), records: records.clone() });
        for c in plan.changes.iter().filter(|c| c.action != Action::Create) {
            let id = c.id.as_deref().expect("updates and deletes carry an id");
            let r = records.iter().find(|r| r.id == id).expect("the record exists");
            if owned(r) {
                continue;
            }
            let adopting = d.endpoints.iter().any(|e| e.adopt && e.name == r.name);
            prop_assert!(adopting, "touched a record it does not own: {r:?} by {c:?}");
            prop_assert!(owner::owner_of(r.data.comment.as_deref()).is_none(), "touched another owner's record: {r:?}");
            prop_assert!(r.kind.proxiable(), "adopted a {}", r.kind);
        }
        // A conflict blocks its name entirely: no change at a conflicting name.
        for conflict in &plan.conflicts {
            prop_assert!(plan.changes.iter().all(|c| c.name != conflict.name));
        }
    }

    #[test]
    fn applying_the_plan_then_planning_again_is_empty(
        records in live_zone(),
        endpoints in manifest(),
        limit in prop_oneof![Just(200usize), 1..4usize],
    ) {
        let d = desired(endpoints);
        let zone = zone(limit);
        let plan = diff(&d, &Live { zone: zone.clone(), records: records.clone() });
        prop_assume!(plan.conflicts.is_empty());

        let mut live = records.clone();
        let mut next = ids();
        for batch in to_batches(&plan, limit) {
            prop_assert!(batch.len() <= limit);
            if let Err(e) = apply_to(&mut live, &batch, &zone, &mut next) {
                return Err(TestCaseError::fail(format!("Cloudflare's rules refused {batch:?}: {e}")));
            }
        }
        let again = diff(&d, &Live { zone: zone.clone(), records: live.clone() });
        prop_assert!(again.changes.is_empty(), "not empty after apply: {:?}", again.changes);
        prop_assert!(again.conflicts.is_empty());

        // Records nobody asked to change are exactly as they were.
        let adopted = |r: &Stored| d.endpoints.iter().any(|e| e.adopt && e.name == r.name);
        for r in records.iter().filter(|r| !owned(r) && !adopted(r)) {
            prop_assert!(live.contains(r), "an unowned record changed or vanished: {r:?}");
        }
    }
}
