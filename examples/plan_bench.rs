//! Benchmark of the pure plan (issue C's target: under 50 ms for a 10,000-record zone and a
//! 1,000-endpoint manifest, no network), and of the comment for a huge plan (24,000 creates and
//! one update: the Markdown must take under a second and keep the update's name). Not a timed
//! test: run it in a release build, `bench/plan.sh` or
//! `cargo run --release --example plan_bench`, and read the figures.
//!
//! The zone: 10,000 records, 1,000 of them owned CNAMEs (half matching, a quarter edited by hand,
//! a quarter no longer wanted), the rest unowned A, TXT and CNAME records. The manifest: 1,000
//! endpoints, 750 at owned names and 250 new.

// Tests and examples may print; shipped code prints only through src/output.rs.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::path::PathBuf;
use std::time::{Duration, Instant};

use edgeplan::plan::verdict::Verdict;
use edgeplan::plan::{
    Desired, Endpoint, Live, Plan, RecordData, RecordType, Stored, Zone, diff, to_batches,
};
use edgeplan::render::{json, markdown, text};

fn main() {
    let (desired, live) = inputs();
    let runs = 30;
    let mut diffs = Vec::with_capacity(runs);
    let mut plan = None;
    for _ in 0..runs {
        let start = Instant::now();
        let p = diff(&desired, &live);
        diffs.push(start.elapsed());
        plan = Some(p);
    }
    let Some(zone_plan) = plan else { return };
    let changes = zone_plan.changes.len();
    let plan = Plan {
        zones: vec![zone_plan],
    };

    let time = |f: &dyn Fn() -> usize| {
        let mut t: Vec<Duration> = (0..runs)
            .map(|_| {
                let start = Instant::now();
                std::hint::black_box(f());
                start.elapsed()
            })
            .collect();
        t.sort();
        t
    };
    let batches = time(&|| to_batches(&plan.zones[0], 200).len());
    let verdict = Verdict::of_plan(&plan);
    let as_json = time(&|| json::render(&plan, &[], &verdict).len());
    let as_text = time(&|| text::render(&plan, &[], &verdict, false).len());
    let md = markdown::CommentContext::default();
    let as_markdown = time(&|| markdown::render(&plan, &[], &verdict, &md).len());
    diffs.sort();

    println!(
        "zone: {} records, manifest: {} endpoints, plan: {changes} changes",
        live.records.len(),
        desired.endpoints.len()
    );
    for (what, t) in [
        ("diff", &diffs),
        ("to_batches", &batches),
        ("json", &as_json),
        ("text", &as_text),
        ("markdown", &as_markdown),
    ] {
        println!(
            "{what:>10}: median {:>8.2} ms, min {:>8.2} ms, max {:>8.2} ms ({runs} runs)",
            ms(t[t.len() / 2]),
            ms(t[0]),
            ms(t[t.len() - 1])
        );
    }
    huge();
}

/// 24,000 creates and one update in one zone: the comment (Markdown) and the text, timed; the
/// update's name must be in the comment.
fn huge() {
    let mut endpoints: Vec<Endpoint> = (0..24_000)
        .map(|i| {
            endpoint(
                &format!("new-{i:05}.example.com"),
                &format!("o{i}.example.net"),
                None,
                i + 2,
            )
        })
        .collect();
    endpoints.push(endpoint(
        "repointed.example.com",
        "new-target.example.net",
        None,
        1,
    ));
    let desired = desired(endpoints);
    let live = Live {
        zone: zone(),
        records: vec![Stored {
            id: "r1".into(),
            name: "repointed.example.com".into(),
            kind: RecordType::Cname,
            data: RecordData {
                content: "old-target.example.net".into(),
                proxied: true,
                ttl: 1,
                comment: Some("edgeplan:ml-platform".into()),
            },
        }],
    };
    let plan = Plan {
        zones: vec![diff(&desired, &live)],
    };
    let verdict = Verdict::of_plan(&plan);
    let md = markdown::CommentContext::default();
    let once = |f: &dyn Fn() -> String| {
        let mut t: Vec<(Duration, usize)> = (0..5)
            .map(|_| {
                let start = Instant::now();
                let out = std::hint::black_box(f());
                (start.elapsed(), out.len())
            })
            .collect();
        t.sort();
        t[t.len() / 2]
    };
    let body = markdown::render(&plan, &[], &verdict, &md);
    assert!(
        body.contains("`repointed.example.com`"),
        "the update's name is cut from the comment"
    );
    let (m, m_len) = once(&|| markdown::render(&plan, &[], &verdict, &md));
    let (t, t_len) = once(&|| text::render(&plan, &[], &verdict, false));
    println!("huge plan: 24,000 creates + 1 update in one zone");
    println!(
        "  markdown: median {:>8.2} ms ({m_len} bytes, the update's name kept; 5 runs)",
        ms(m)
    );
    println!(
        "      text: median {:>8.2} ms ({t_len} bytes; 5 runs)",
        ms(t)
    );
}

/// `example.com`, owned by `ml-platform`, wanting `endpoints`.
fn desired(endpoints: Vec<Endpoint>) -> Desired {
    Desired {
        source: PathBuf::from("edgeplan.yaml"),
        zone: "example.com".into(),
        zone_id: None,
        owner: "ml-platform".into(),
        previous_owners: Vec::new(),
        endpoints,
    }
}

/// The live `example.com` zone, with a large batch limit.
fn zone() -> Zone {
    Zone {
        id: "023e105f4ecef8ad9ca31a8372d0c353".into(),
        name: "example.com".into(),
        batch_limit: 3_500,
        comment_limit: 100,
    }
}

/// A proxied endpoint `name -> target` at `line`.
fn endpoint(name: &str, target: &str, comment: Option<String>, line: usize) -> Endpoint {
    Endpoint {
        name: name.into(),
        target: target.into(),
        proxied: true,
        ttl: 1,
        comment,
        adopt: false,
        health: None,
        line,
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn inputs() -> (Desired, Live) {
    let mut records = Vec::with_capacity(10_000);
    for i in 0..1_000 {
        let content = if i % 4 == 1 {
            format!("edited-{i}.example.net")
        } else {
            format!("origin-{i}.example.net")
        };
        records.push(Stored {
            id: format!("{i:032x}"),
            name: format!("model-{i}.example.com"),
            kind: RecordType::Cname,
            data: RecordData {
                content,
                proxied: true,
                ttl: 1,
                comment: Some(format!("edgeplan:ml-platform | model {i}")),
            },
        });
    }
    for i in 1_000..10_000 {
        let (kind, content) = match i % 3 {
            0 => ("A", format!("192.0.{}.{}", i / 256 % 256, i % 256)),
            1 => ("TXT", format!("verification-{i}")),
            _ => ("CNAME", format!("host-{i}.elsewhere.example.org")),
        };
        records.push(Stored {
            id: format!("{i:032x}"),
            name: format!("svc-{i}.example.com"),
            kind: kind.into(),
            data: RecordData {
                content,
                proxied: false,
                ttl: 3600,
                comment: (i % 5 == 0).then(|| "managed by hand".to_owned()),
            },
        });
    }
    // Owned 0..750 stay wanted, 750..1000 go; 250 new names are added.
    let endpoints = (0..750)
        .chain(2_000_000..2_000_250)
        .enumerate()
        .map(|(line, i)| {
            endpoint(
                &format!("model-{i}.example.com"),
                &format!("origin-{i}.example.net"),
                Some(format!("model {i}")),
                line + 1,
            )
        })
        .collect();
    let desired = desired(endpoints);
    let zone = zone();
    (desired, Live { zone, records })
}
