//! Benchmark (ignored; run with `cargo test --locked --test it action_round_trips -- --ignored
//! --nocapture`): the sequential round trips of a one-zone pull-request preview, counted from
//! the local servers' request timestamps with a latency added to every request on both servers.
//! Requests received within half a latency of a round's first request share its round trip.

use std::time::{Duration, Instant};

use crate::action_pr::{NEW, one_update_world};
use crate::support::harness::{World, repo_file};
use crate::support::rounds::rounds;

const LATENCY_MS: u64 = 150;

/// One preview of `payload` with the latency on: its round trips, printed; and the requests.
fn preview(w: &World, payload: &str, what: &str) -> (usize, usize) {
    let before = w.gh().received().len();
    w.cf.clear_requests();
    let started = Instant::now();
    w.pull_request(payload)
        .var("INPUT_SKIP_HEALTH", "true")
        .run_checked(0);
    let took = started.elapsed();
    let mut received: Vec<_> = w.gh().received().into_iter().skip(before).collect();
    received.extend(
        (w.cf.requests().into_iter())
            .map(|l| (l.at, format!("cloudflare {} {}", l.method, l.path))),
    );
    let requests = received.len();
    let rounds = rounds(received, Duration::from_millis(LATENCY_MS));
    for (i, r) in rounds.iter().enumerate() {
        eprintln!("  round trip {}: {}", i + 1, r.join(" | "));
    }
    eprintln!(
        "one-zone preview, {what}: {requests} requests in {} sequential round trips ({LATENCY_MS} ms each), {} ms",
        rounds.len(),
        took.as_millis()
    );
    (requests, rounds.len())
}

#[test]
#[ignore = "benchmark: adds 150 ms to every request"]
fn a_one_zone_preview_has_four_sequential_round_trips() {
    let w = one_update_world();
    // A personal token: `GET /user` is asked.
    w.gh().token_user("octo-person");
    w.cf.set_latency(LATENCY_MS);
    w.gh().set_latency(LATENCY_MS);
    // The comment is created: then listed again (the rule for two racing runs).
    let (_, created) = preview(&w, "pull_request.opened.json", "comment created");
    // A new commit with another plan: the comment is updated in place.
    w.endpoints(&[("sentiment", NEW)]);
    let (_, updated) = preview(&w, "pull_request.synchronize.json", "comment updated");
    // The zone, the records, the pull request read again right before the write, the write
    // (and after a create, the listing again).
    assert!(updated <= 4, "{updated}");
    assert!(created <= 5, "{created}");
}

/// With Cloudflare slow and GitHub fast, whose comments are edgeplan's (`GET /user`) and their
/// listing are asked while the zone is read, before the records are; the pull request is read
/// again only after the records, right before the write.
#[test]
fn the_author_and_the_comment_listing_are_asked_while_cloudflare_is_read() {
    let w = one_update_world();
    w.gh().token_user("octo-person");
    w.cf.set_latency(300);
    w.cf.clear_requests();
    w.pull_request("pull_request.opened.json")
        .var("INPUT_SKIP_HEALTH", "true")
        .run_checked(0);
    let gh = w.gh().received();
    let at = |what: &str| {
        (gh.iter().find(|(_, w)| w.starts_with(what)))
            .map(|(at, _)| *at)
            .unwrap_or_else(|| panic!("no {what}: {gh:#?}"))
    };
    let cf = w.cf.requests();
    let records = (cf.iter().find(|l| l.path.ends_with("/dns_records")))
        .map(|l| l.at)
        .expect("the records were read");
    assert!(at("GET /user") < records, "{gh:#?}");
    assert!(
        at("GET /repos/octo-org/dns/issues/2/comments") < records,
        "{gh:#?}"
    );
    assert!(at("GET /repos/octo-org/dns/pulls/2") > records, "{gh:#?}");
    let comments = w.gh().comments(crate::support::harness::REPO, 2);
    assert_eq!(comments.len(), 1, "{comments:#?}");
    assert_eq!(comments[0].login, "octo-person");
}

/// A failed `GET /user` or a failed listing, now asked while Cloudflare is read, is still the
/// run's failure (exit 3) with nothing written.
#[test]
fn a_failed_author_or_listing_while_cloudflare_is_read_is_exit_3_and_writes_nothing() {
    for fragment in ["/user", "/issues/2/comments"] {
        let w = one_update_world();
        w.gh().token_user("octo-person");
        (w.gh()).fail_next_at("GET", fragment, 422, serde_json::json!({"message": "nope"}));
        w.pull_request("pull_request.opened.json")
            .var("INPUT_SKIP_HEALTH", "true")
            .run_checked(3);
        assert_eq!(w.gh_writes(), 0, "{fragment}");
        assert!(w.gh().comments(crate::support::harness::REPO, 2).is_empty());
        assert_eq!(w.cf_writes(), 0);
    }
}

/// The docs say how many sequential round trips a preview makes, and why the pull request read
/// again before the write is one of its own: the count the benchmark above asserts.
#[test]
fn the_docs_state_four_sequential_round_trips_and_why() {
    let action = repo_file("docs/action.md");
    let section = (action.split("#### Round trips of a preview").nth(1))
        .expect("docs/action.md has a `Round trips of a preview` section");
    let section = section.split("\n#").next().unwrap_or(section);
    for needed in [
        "**four sequential round trips**",
        "five when it creates its comment",
        "`GET /repos/{o}/{r}/pulls/{n}`",
        "Four, not three",
        "tests/it/action_round_trips.rs",
    ] {
        assert!(section.contains(needed), "docs/action.md lacks {needed:?}");
    }
    let bench = repo_file("BENCHMARKS.md");
    assert!(
        bench.contains("four sequential round trips, not three"),
        "BENCHMARKS.md says why a preview has four round trips"
    );
}
