//! Compressed answers: both API clients ask for gzip and read it decompressed, and the response
//! size limit counts decompressed bytes, so a gzip bomb (a small compressed answer that inflates
//! past the limit) is stopped at the limit with a clear error (exit 3) and nothing applied.
//! The local Cloudflare and GitHub answer gzip whenever a request asks for it
//! (`support::http`), so every test that runs the binary reads compressed answers.

use std::time::{Duration, Instant};

use crate::support::cloudflare::Fault;
use crate::support::harness::{REPO, Run, World, owned_names};
use crate::support::http::{Reply, Response, Server, gzip_bomb, handler};

/// 64 MiB, the response size limit, and one byte more.
const PAST_THE_LIMIT: usize = (64 << 20) + 1;

/// A pull request's preview reads Cloudflare and GitHub through gzip: the local servers
/// compressed what they sent because the requests asked for it, and the preview came out as
/// without compression. Before, neither client asked.
#[test]
fn both_api_clients_ask_for_gzip_and_read_it() {
    let w = crate::action_pr::one_update_world();
    w.pull_request("pull_request.opened.json").run_checked(0);
    assert!(
        w.cf.gzipped() >= 2,
        "the zone and its records came gzipped: {}",
        w.cf.gzipped()
    );
    assert!(
        w.gh().gzipped() >= 1,
        "GitHub's answers came gzipped: {}",
        w.gh().gzipped()
    );
    let comments = w.gh().comments(REPO, 2);
    assert_eq!(comments.len(), 1, "{comments:#?}");
    assert!(
        comments[0].body.contains(crate::action_pr::NEW),
        "the preview was planned from the decompressed records: {}",
        comments[0].body
    );
}

/// A record listing answered with a gzip bomb: about 64 KiB on the wire, past 64 MiB
/// decompressed. The apply stops at the limit, names it, exits 3 and writes nothing.
#[test]
fn a_cloudflare_gzip_bomb_stops_at_the_size_limit_and_nothing_is_applied() {
    let w = crate::apply_faults::world();
    let bomb = gzip_bomb(PAST_THE_LIMIT);
    assert!(
        bomb.len() < 1 << 20,
        "a bomb: {} bytes compressed",
        bomb.len()
    );
    w.cf.inject_at("GET", "/dns_records", 0, Fault::GzipBomb(PAST_THE_LIMIT));
    let before = w.records();
    let started = Instant::now();
    // A per-attempt deadline that inflating 64 MiB cannot reach on a loaded machine: the limit
    // stops the answer, not the clock (a read cut off by the clock would be sent again).
    let ran = apply_with_a_long_deadline(&w);
    ran.assert_code(3)
        .assert_stderr_has("listing the records of zone example.com")
        .assert_stderr_has("longer than 64 MiB, the response size limit (counted decompressed)")
        .assert_stderr_has("help: no Cloudflare answer comes near that size");
    assert!(
        !ran.stderr.contains("retry budget"),
        "a read cut off at the limit is not retried, so its help does not blame the budget: {}",
        ran.stderr
    );
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(
        w.cf.requests().len(),
        2,
        "the zone, then the listing, not read again"
    );
    assert_eq!(w.cf_writes(), 0, "nothing was sent to be written");
    assert_eq!(w.records(), before);
    assert!(
        !ran.stdout.contains("created") && !ran.stdout.to_lowercase().contains("applied"),
        "nothing is claimed applied: {}",
        ran.stdout
    );
}

/// A GitHub API that answers every request with a gzip bomb: the preview stops at the limit,
/// names it and exits 3, and no comment is claimed.
#[test]
fn a_github_gzip_bomb_stops_at_the_size_limit_with_exit_3() {
    let bomb = gzip_bomb(PAST_THE_LIMIT);
    let asked = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = asked.clone();
    let server = Server::start(
        0,
        handler(move |_| {
            let body = bomb.clone();
            counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            async move {
                Reply::Send(
                    Response::new(200, "application/json", body).header("content-encoding", "gzip"),
                )
            }
        }),
    );
    let w = World::for_action();
    let started = Instant::now();
    let ran = w
        .pull_request("pull_request.opened.json")
        .var("GITHUB_API_URL", &server.url())
        .run();
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "{:?}",
        started.elapsed()
    );
    ran.assert_code(3)
        .assert_stderr_has("longer than 64 MiB, the response size limit (counted decompressed)");
    assert_eq!(
        ran.output("comment-url").unwrap_or_default(),
        "",
        "no comment is claimed"
    );
    // An answer past the limit is not asked for again: it would be as long the next time (the
    // run's first calls go out together, each once).
    let asked = asked.load(std::sync::atomic::Ordering::SeqCst);
    assert!(
        asked <= 2,
        "{asked} requests: an oversized answer was asked for again"
    );
}

/// A batch answered with a gzip bomb (the local Cloudflare did not act on it): its answer is cut
/// off at the limit, so its outcome is unknown; it is never resent blindly. The zone is read
/// again, which proves it did not land, and only then is it sent again: the apply ends with each
/// wanted record once, and the report counts the batch that landed.
#[test]
fn a_gzip_bomb_answering_a_batch_is_an_unknown_outcome_checked_by_reading_the_zone() {
    let w = crate::apply_faults::world();
    w.cf.fault_batch(0, Fault::GzipBomb(PAST_THE_LIMIT));
    let ran = apply_with_a_long_deadline(&w);
    ran.assert_code(0)
        .assert_stderr_has("answer cut off at the response size limit after it was sent")
        .assert_stdout_has("3 created, 0 updated, 0 deleted in 1 batch request")
        .assert_stdout_has("verified: a fresh plan is empty");
    let batches = w.batches();
    assert_eq!(batches.len(), 2, "sent again only after the re-read");
    assert!(batches[0].fault.is_some() && batches[1].fault.is_none());
    let methods: Vec<String> = w.cf.requests().into_iter().map(|r| r.method).collect();
    assert_eq!(
        methods,
        ["GET", "GET", "POST", "GET", "POST", "GET"],
        "the zone is read between the two batches"
    );
    assert_eq!(owned_names(&w.records()), crate::apply_faults::WANTED);
    w.assert_one_record_per_name();
}

/// `edgeplan apply --yes` with a per-attempt deadline (20 s) that inflating a bomb cannot reach on
/// a loaded machine.
fn apply_with_a_long_deadline(w: &World) -> Run {
    w.run_with(
        &["apply", "--yes"],
        &[("EDGEPLAN_HTTP_TIMEOUT_MS", "20000")],
    )
}
