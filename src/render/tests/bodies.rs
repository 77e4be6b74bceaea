//! Whole comment bodies for the plans a busy reviewer can misread, snapshotted and rendered as
//! GitHub renders them ([`super::github::check`]): a big zone with deletes and a proxy switch,
//! many zones with one refused, 24,000 creates and one update, and a refusal alert.

use std::path::PathBuf;

use super::github::check;
use super::{endpoint, record};
use crate::plan::verdict::{FailedOrigin, Origins, Reviewed, Verdict};
use crate::plan::{Desired, Endpoint, Live, Plan, Stored, Zone, check_safety, diff};
use crate::render::{comment, markdown};

fn zone(name: &str, batch_limit: usize) -> Zone {
    Zone {
        id: format!("id-{name}"),
        name: name.into(),
        batch_limit,
        comment_limit: 100,
    }
}

fn desired(zone: &str, endpoints: Vec<Endpoint>) -> Desired {
    Desired {
        source: PathBuf::from(format!("dns/{zone}.yaml")),
        zone: zone.into(),
        zone_id: None,
        owner: "ml".into(),
        previous_owners: Vec::new(),
        endpoints,
    }
}

fn owned(id: &str, name: &str, target: &str) -> Stored {
    record(id, name, "CNAME", target, true, Some("edgeplan:ml"))
}

fn ctx() -> markdown::CommentContext {
    markdown::CommentContext {
        run_url: Some("https://github.com/acme/dns/actions/runs/42".into()),
        commit: Some("0123456789abcdef0123456789abcdef01234567".into()),
        ..Default::default()
    }
}

/// The body, with its fingerprint as `[fingerprint]` (it changes with any detail of the plan).
fn body(plan: &Plan, verdict: &Verdict, ctx: &markdown::CommentContext) -> String {
    markdown::render(plan, &[], verdict, ctx).replace(&plan.fingerprint(), "[fingerprint]")
}

/// Snapshots the whole body `md` as `name`, after checking the `lines` the test is about: a
/// snapshot accepted in a hurry cannot drop them.
fn snapshot_saying(name: &str, md: &str, lines: &[&str]) {
    for line in lines {
        assert!(md.contains(line), "{md}");
    }
    insta::assert_snapshot!(name, md);
}

#[test]
fn a_big_zone_shows_its_deletes_adoption_and_proxy_switch_open_and_only_creates_collapsed() {
    // Why: past 25 changes every group collapsed, so "3 delete" and a proxied -> DNS-only
    // switch looked like "40 create".
    let mut endpoints: Vec<Endpoint> = (0..40)
        .map(|i| endpoint(&format!("new-{i:02}"), &format!("o{i}.example.net"), i + 20))
        .collect();
    let mut switched = endpoint("billing", "billing.example.net", 5);
    switched.proxied = false;
    switched.ttl = 300;
    endpoints.push(switched);
    let mut vision = endpoint("vision", "gpu.example.net", 6);
    vision.adopt = true;
    endpoints.push(vision);
    let mut records = vec![
        owned("b1", "billing.example.com", "billing.example.net"),
        record("v1", "vision.example.com", "A", "203.0.113.7", false, None),
    ];
    for (i, gone) in ["old-a", "old-b", "old-c"].iter().enumerate() {
        records.push(owned(
            &format!("g{i}"),
            &format!("{gone}.example.com"),
            "x.example.net",
        ));
    }
    for i in 0..10 {
        let name = format!("kept-{i}");
        endpoints.push(endpoint(&name, &format!("k{i}.example.net"), 70 + i));
        records.push(owned(
            &format!("k{i}"),
            &format!("{name}.example.com"),
            &format!("k{i}.example.net"),
        ));
    }
    let zp = diff(
        &desired("example.com", endpoints),
        &Live {
            zone: zone("example.com", 200),
            records,
        },
    );
    assert!(check_safety(&zp, false).is_ok());
    let plan = Plan { zones: vec![zp] };
    let verdict = Verdict::of_plan(&plan);
    let md = body(&plan, &verdict, &ctx());
    let html = check(&md);
    assert!(
        md.lines().nth(1).is_some_and(|l| l.starts_with(
            "**Merge applies 45 changes to `example.com` in one atomic batch (3 to delete, 1 to adopt, 1 to update, 40 to create)"
        )),
        "the first line names them: {md}"
    );
    let creates = md
        .find("<details><summary>example.com: 40 creates</summary>")
        .expect("creates collapsed");
    for name in ["old-a", "old-b", "old-c", "vision", "billing"] {
        let row = md.find(&format!("`{name}.example.com`")).expect(name);
        assert!(
            row < creates,
            "{name} is not listed before the collapsed creates: {md}"
        );
        // Hostnames are code spans whose text is the hostname, byte for byte.
        assert!(
            html.contains(&format!("<code>{name}.example.com</code>")),
            "{html}"
        );
    }
    snapshot_saying(
        "big_zone_with_deletes_and_a_proxy_switch",
        &md,
        &["| update, ttl | `billing.example.com` | `billing.example.net` | ● -> ○ |"],
    );
}

#[test]
fn many_zones_with_one_refused_say_nothing_is_applied_anywhere() {
    // Why: with 12 zones and one refused, the other rows said "one atomic batch" under "Merge
    // will be refused".
    let mut plans = Vec::new();
    for i in 0..12 {
        let name = format!("z{i:02}.example");
        let (endpoints, records) = if i == 5 {
            // Every owned record goes: over the safety limit.
            let records = (0..4)
                .map(|j| owned(&format!("r{j}"), &format!("m{j}.{name}"), "o.example.net"))
                .collect();
            (Vec::new(), records)
        } else {
            let endpoints = (0..2)
                .map(|j| endpoint(&format!("m{j}.{name}"), "o.example.net", j + 5))
                .collect();
            (endpoints, Vec::new())
        };
        let mut d = desired(&name, endpoints);
        for e in &mut d.endpoints {
            e.name = e.name.trim_end_matches(".example.com").to_string();
        }
        plans.push(diff(
            &d,
            &Live {
                zone: zone(&name, 200),
                records,
            },
        ));
    }
    let mass: Vec<_> = plans.iter().map(|z| check_safety(z, false).err()).collect();
    assert!(mass[5].is_some() && mass.iter().filter(|m| m.is_some()).count() == 1);
    let plan = Plan { zones: plans };
    let verdict = Verdict::new(
        plan.zones.iter().zip(&mass).map(|(plan, m)| Reviewed {
            plan,
            mass_delete: m.as_ref(),
            failed_origins: Vec::new(),
        }),
        Origins::Checked,
    );
    let md = body(&plan, &verdict, &ctx());
    check(&md);
    assert_eq!(md.lines().nth(1), Some("> [!CAUTION]"), "{md}");
    assert!(!md.contains("atomic"), "a row promises an apply: {md}");
    assert_eq!(
        md.matches("| nothing: the apply is refused |").count(),
        11,
        "{md}"
    );
    snapshot_saying(
        "many_zones_with_one_refused",
        &md,
        &["| `z05.example` | `ml` | **refused**: 4 deletes over the limit of 2"],
    );
}

#[test]
fn twenty_four_thousand_creates_keep_the_one_update_in_the_comment_and_the_summary() {
    // Why: the repoint's name was cut from the comment and the job summary, and the Markdown
    // took 21 s (a quadratic pairing of adoptions); bench/plan.sh times it (BENCHMARKS.md).
    let mut endpoints: Vec<Endpoint> = (0..24_000)
        .map(|i| endpoint(&format!("n{i:05}"), &format!("o{i}.example.net"), i + 10))
        .collect();
    endpoints.push(endpoint("repointed", "new-target.example.net", 5));
    let zp = diff(
        &desired("example.com", endpoints),
        &Live {
            zone: zone("example.com", 3_500),
            records: vec![owned(
                "r1",
                "repointed.example.com",
                "old-target.example.net",
            )],
        },
    );
    let plan = Plan { zones: vec![zp] };
    let verdict = Verdict::of_plan(&plan);
    let comment = body(&plan, &verdict, &ctx());
    let summary = body(
        &plan,
        &verdict,
        &markdown::CommentContext {
            budget: Some(crate::github::files::SUMMARY_BUDGET),
            ..ctx()
        },
    );
    for (what, md, budget) in [
        ("comment", &comment, comment::BUDGET),
        ("summary", &summary, crate::github::files::SUMMARY_BUDGET),
    ] {
        assert!(md.len() <= budget, "{what}: {} bytes", md.len());
        assert!(
            md.contains("| update | `repointed.example.com` | `new-target.example.net`<br>was `old-target.example.net` | ● |"),
            "{what}: the update's name is cut"
        );
        assert!(md.contains("Plan fingerprint: `[fingerprint]`"), "{what}");
        check(md);
    }
    assert!(
        comment.contains(comment::TRUNCATED),
        "the comment is cut (creates only)"
    );
    // The whole comment is 60 kB of create rows: the snapshot holds what a reviewer reads
    // before them (the head and the zone's open block) and the end.
    let open_block = comment.find("</details>").expect("the zone's block") + "</details>".len();
    let end = comment.rfind("\n> **Note:**").expect("the truncation note");
    let excerpt = format!(
        "{}\n[... create rows ...]\n{}",
        &comment[..open_block],
        &comment[end..]
    );
    insta::assert_snapshot!(
        "twenty_four_thousand_creates_and_one_update_excerpt",
        excerpt
    );
}

#[test]
fn a_refusal_is_an_alert_at_the_top_with_names_then_the_safe_fix_then_the_override() {
    let mut long = endpoint("summary", "summary.example.net", 9);
    long.comment = Some("x".repeat(120));
    let zp = diff(
        &desired(
            "example.com",
            vec![
                endpoint("api", "api.example.net", 5),
                endpoint("www", "www.example.net", 7),
                long,
            ],
        ),
        &Live {
            zone: zone("example.com", 200),
            records: vec![record(
                "t1",
                "api.example.com",
                "TXT",
                "v=spf1 -all",
                false,
                None,
            )],
        },
    );
    let plan = Plan { zones: vec![zp] };
    let verdict = Verdict::new(
        [Reviewed {
            plan: &plan.zones[0],
            mass_delete: None,
            failed_origins: vec![FailedOrigin {
                name: "www.example.com".into(),
                url: "https://www.example.net/healthz".into(),
                why: "HTTP 503".into(),
            }],
        }],
        Origins::Checked,
    );
    let md = body(&plan, &verdict, &ctx());
    let html = check(&md);
    assert!(html.contains("markdown-alert-caution"), "{html}");
    let at = |s: &str| md.find(s).unwrap_or_else(|| panic!("{s} in {md}"));
    assert!(at("> [!CAUTION]") < at("> Refused:"));
    assert!(at("> Refused:") < at("> To fix:"));
    assert!(at("> To fix:") < at("> To override:"));
    assert!(at("> To override:") < at("### edgeplan DNS preview"));
    insta::assert_snapshot!("refusal_alert", md);
}

#[test]
fn when_even_the_deletes_are_cut_the_first_line_says_how_many_and_that_the_list_is_cut() {
    let records: Vec<Stored> = (0..3_000)
        .map(|i| {
            owned(
                &format!("d{i}"),
                &format!("gone-{i:04}.example.com"),
                "x.example.net",
            )
        })
        .collect();
    let zp = diff(
        &desired("example.com", Vec::new()),
        &Live {
            zone: zone("example.com", 3_500),
            records,
        },
    );
    let plan = Plan { zones: vec![zp] };
    let md = body(&plan, &Verdict::of_plan(&plan), &ctx());
    assert!(md.len() <= comment::BUDGET, "{} bytes", md.len());
    let first = md.lines().nth(1).unwrap_or_default();
    assert!(
        first.starts_with("**Merge applies 3000 changes to `example.com` in one atomic batch (3000 to delete)** (commit `0123456`) (the list of its 3000 deletes, adoptions and updates is cut below;"),
        "{first}"
    );
    assert!(md.contains("`gone-0000.example.com`") && !md.contains("`gone-2999.example.com`"));
    check(&md);
}
