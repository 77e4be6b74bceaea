//! `edgeplan apply` under faults, run as the real binary against the local Cloudflare. Each fault
//! ends either in the desired state, or in a clean failure where no batch is half-applied and a
//! second apply converges. The request log proves what was sent: a batch whose answer was lost
//! is never resent blindly, so nothing is created twice.

use std::time::{Duration, Instant};

use crate::support::cloudflare::{Fault, Scope};
use crate::support::harness::{Run, World, owned_names, posts};
use serde_json::{Value, json};

const THREE: &str = "  - name: sentiment\n    target: sentiment.elb.amazonaws.com\n  - name: embeddings\n    target: embeddings.a.run.app\n  - name: rerank\n    target: rerank.lambda-url.on.aws\n";

pub(crate) const WANTED: [&str; 3] = [
    "embeddings.example.com",
    "rerank.example.com",
    "sentiment.example.com",
];

/// A zone holding one record nobody owns, and the three-endpoint manifest (also the retry
/// tests').
pub(crate) fn world() -> World {
    let w = World::free();
    w.by_hand(
        json!({"type": "A", "name": "www", "content": "192.0.2.10", "proxied": true,
        "comment": "managed by hand"}),
    );
    w.manifest(THREE);
    w
}

/// [`world`] with `fault` waiting for the first batch request.
pub(crate) fn world_faulting_the_first_batch(fault: Fault) -> World {
    let w = world();
    w.cf.fault_batch(0, fault);
    w
}

/// An apply that meets `fault` on its first batch and still succeeds (exit 0).
pub(crate) fn applied_despite(fault: Fault) -> (World, Run) {
    let w = world_faulting_the_first_batch(fault);
    let run = w.apply().expect(0);
    (w, run)
}

/// 450 creates on Free, in 3 chunks of 200, 200 and 50, whose second chunk lands but its answer
/// is lost; applied, and succeeding (exit 0).
pub(crate) fn applied_despite_a_lost_chunk() -> (World, Run) {
    let w = World::free();
    w.many(450);
    w.cf.fault_batch(1, Fault::DropAfterWrite);
    let run = w.apply().expect(0);
    (w, run)
}

/// The zone holds the wanted records, each name once: nothing was created twice.
fn assert_wanted(w: &World) {
    assert_eq!(owned_names(&w.records()), WANTED);
    w.assert_one_record_per_name();
}

/// [`assert_wanted`], and the zone plans to nothing.
pub(crate) fn assert_converged(w: &World) {
    assert_wanted(w);
    assert_eq!(w.plan_code(), 0);
}

/// After a failed apply: nothing of it landed (the zone is still `before`), and once the faults
/// still aimed at requests are lifted, the next apply succeeds and converges.
pub(crate) fn nothing_landed_and_a_rerun_converges(w: &World, before: &[Value]) {
    assert_eq!(w.state_json(), before, "nothing landed");
    w.cf.state().aimed.clear();
    w.apply().expect(0);
    assert_converged(w);
}

#[test]
fn a_429_storm_is_waited_out_honouring_retry_after() {
    let w = world();
    let unowned = w.unowned_json();
    // One on the zone lookup, two on the batch: a 429 was not processed, so even the write is
    // resent, after the server's Retry-After.
    w.cf.inject(Fault::rate_limit(1), 1);
    for _ in 0..2 {
        w.cf.fault_batch(0, Fault::rate_limit(1));
    }
    let started = Instant::now();
    w.apply().expect(0);
    assert!(
        started.elapsed() >= Duration::from_secs(3),
        "Retry-After was not honoured: {:?}",
        started.elapsed()
    );
    assert_eq!(w.batches().len(), 3, "two refused by 429, one landed");
    assert_eq!(owned_names(&w.records()), WANTED);
    assert_eq!(w.unowned_json(), unowned);
    assert_eq!(w.plan_code(), 0);
}

/// A `Retry-After` past the longest rate-limit wait (here 2 s; 360 s by default, so Cloudflare's
/// five-minute block is waited out) ends the apply at once, with nothing applied.
#[test]
fn a_retry_after_beyond_the_longest_rate_limit_wait_fails_cleanly_and_a_rerun_converges() {
    let mut w = world_faulting_the_first_batch(Fault::rate_limit(60));
    w.env
        .push(("EDGEPLAN_RATE_LIMIT_WAIT_MS".into(), "2000".into()));
    let before = w.state_json();
    let started = Instant::now();
    let run = w.apply().expect(3);
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "waited in vain: {:?}",
        started.elapsed()
    );
    run.assert_stderr_has("rate");
    run.assert_stderr_has("past the longest rate-limit wait (2.0 s per request");
    run.assert_stderr_has("nothing was applied (the zone was read again to check)");
    assert_eq!(w.state_json(), before, "the zone is unchanged");
    w.apply().expect(0);
    assert_eq!(owned_names(&w.records()), WANTED);
}

#[test]
fn html_500s_on_reads_are_retried_and_the_apply_lands() {
    let w = world();
    w.cf.inject(Fault::ServerErrorHtml, 3);
    w.apply().expect(0);
    assert_eq!(owned_names(&w.records()), WANTED);
    assert_eq!(w.batches().len(), 1);
    assert_eq!(w.plan_code(), 0);
}

#[test]
fn an_html_500_on_the_batch_fails_cleanly_and_a_rerun_converges() {
    // Every batch answered 500: after each, the zone is read again (a 500 may come from a proxy
    // after the commit); it shows nothing landed, so the batch is sent again within the budget
    // (one send and three resends), then the apply gives up. (apply_retry has a 500 that passes.)
    let w = world();
    w.cf.inject_from("POST", "/batch", 0, Fault::ServerErrorHtml, 20);
    let before = w.state_json();
    let run = w.apply().expect(3);
    assert_eq!(w.batches().len(), 4);
    assert!(
        !run.stderr.contains("<html>"),
        "raw HTML shown: {}",
        run.stderr
    );
    let snap = w.redact(&run.stderr, &[]);
    insta::assert_snapshot!("html_500_stderr", snap);
    nothing_landed_and_a_rerun_converges(&w, &before);
}

#[test]
fn a_batch_dropped_before_commit_is_re_planned_and_sent_again() {
    let (w, run) = applied_despite(Fault::DropBeforeWrite);
    run.assert_stderr_has("re-planning");
    run.assert_stdout_has("re-planned 1 time(s)");
    let batches = w.batches();
    assert_eq!(batches.len(), 2, "the re-plan found nothing landed");
    assert_eq!(posts(&batches[1]).len(), 3);
    assert_wanted(&w);
}

#[test]
fn a_batch_dropped_after_commit_is_not_sent_twice() {
    // Why: Cloudflare has no idempotency keys; resending a batch that landed would create every
    // record twice (or fail on 81058 half-way through a re-run).
    let (w, run) = applied_despite(Fault::DropAfterWrite);
    run.assert_stdout_has("re-planned 1 time(s)");
    assert_eq!(w.batches().len(), 1, "the write landed: nothing is resent");
    assert_wanted(&w);
    assert_eq!(w.records().len(), 4);
    assert_eq!(w.plan_code(), 0);
}

#[test]
fn a_chunk_dropped_after_commit_sends_only_what_is_still_missing() {
    let (w, _) = applied_despite_a_lost_chunk();
    let sizes: Vec<usize> = w.batches().iter().map(|b| posts(b).len()).collect();
    assert_eq!(sizes, [200, 200, 50], "chunk 2 landed and was not resent");
    assert_eq!(w.records().len(), 450);
    w.assert_one_record_per_name();
}

#[test]
fn a_conflict_that_appears_during_the_apply_is_refused_whole_and_named() {
    // The batch stalls on the server; meanwhile someone creates an A record at one of its names.
    // Cloudflare refuses the whole batch (81053) and the message names the record and the rule.
    let w = world_faulting_the_first_batch(Fault::Stall(Duration::from_millis(1500)));
    let before = w.state_json();
    let (intruder, stderr) = std::thread::scope(|s| {
        let adder = s.spawn(|| {
            let deadline = Instant::now() + Duration::from_secs(10);
            while w.batches().is_empty() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(5));
            }
            w.by_hand(json!({"type": "A", "name": "rerank", "content": "198.51.100.9"}))
        });
        let run = w.apply().expect(1);
        (adder.join().expect("adder"), run.stderr)
    });
    let more = [(intruder.as_str(), "[record-id]")];
    let snap = w.redact(&stderr, &more);
    insta::assert_snapshot!("intruder_stderr", snap);
    let mut expected = before.clone();
    expected.push(crate::support::harness::rec_json(
        &w.records()
            .into_iter()
            .find(|r| r.id == intruder)
            .expect("intruder"),
    ));
    expected.sort_by(|a, b| a["id"].as_str().cmp(&b["id"].as_str()));
    assert_eq!(w.state_json(), expected, "nothing of the batch landed");

    // The re-run re-plans: now a plain conflict, refused before anything is sent.
    w.cf.clear_requests();
    let run = w.apply().expect(1);
    run.assert_stderr_has("adopt: true");
    assert!(w.batches().is_empty());
    // Adopting converges.
    w.manifest(&format!("{THREE}    adopt: true\n"));
    w.apply().expect(0);
    assert_wanted(&w);
}

#[test]
fn a_cname_that_appears_between_plan_and_apply_is_a_conflict_and_nothing_is_sent() {
    let w = world();
    assert_eq!(w.plan_code(), 2);
    w.by_hand(json!({"type": "CNAME", "name": "sentiment", "content": "someone-else.example.net"}));
    let before = w.state_json();
    w.cf.clear_requests();
    let run = w.apply().expect(1);
    run.assert_stderr_has("sentiment.example.com");
    run.assert_stderr_has("a record edgeplan does not own");
    assert!(w.batches().is_empty());
    assert_eq!(w.state_json(), before);
}

#[test]
fn a_record_changed_by_hand_between_plan_and_apply_is_re_planned_from_the_live_zone() {
    let w = world();
    w.apply().expect(0);
    // A new endpoint is planned...
    w.manifest(&format!(
        "{THREE}  - name: llm\n    target: gpu-01.inference.example.net\n"
    ));
    let planned = w.run(&["plan", "--format", "json"]).expect(0);
    planned.assert_stdout_has("\"create\": 1");
    // ...then, by hand, one owned record is deleted and another repointed.
    let recs = w.records();
    let sentiment = recs
        .iter()
        .find(|r| r.name == "sentiment.example.com")
        .expect("sentiment");
    let rerank = recs
        .iter()
        .find(|r| r.name == "rerank.example.com")
        .expect("rerank");
    {
        let mut state = w.cf.state();
        let zone = state.zones.iter_mut().next().expect("zone");
        zone.records.retain(|r| r.id != sentiment.id);
        if let Some(r) = zone.records.iter_mut().find(|r| r.id == rerank.id) {
            r.content = "hijacked.example.net".into();
        }
    }
    w.cf.clear_requests();
    let run = w.apply().expect(0);
    run.assert_stdout_has("2 created, 1 updated, 0 deleted");
    let batch = &w.batches()[0];
    assert_eq!(
        crate::support::harness::list(batch, "patches")[0]["id"],
        json!(rerank.id)
    );
    assert_eq!(w.plan_code(), 0);
    w.assert_one_record_per_name();
}

#[test]
fn a_read_only_token_exits_3_naming_zone_dns_edit() {
    let w = world();
    w.cf.set_token("read-only", Scope::read_only());
    let mut w = w;
    w.token = "read-only".into();
    let before = w.state_json();
    let run = w.apply().expect(3);
    run.assert_stderr_has("Zone:DNS:Edit");
    assert!(
        !run.stderr.contains("read-only\n"),
        "token leaked: {}",
        run.stderr
    );
    assert_eq!(w.state_json(), before);
}

#[test]
fn unknown_outcomes_without_end_give_up_after_three_re_plans_with_exit_3() {
    let w = world();
    for _ in 0..4 {
        w.cf.fault_batch(0, Fault::DropBeforeWrite);
    }
    let run = w.apply().expect(3);
    run.assert_stderr_has("whether the batch landed is unknown");
    assert_eq!(
        w.batches().len(),
        4,
        "one try and three re-plans, never a blind resend"
    );
    assert_eq!(w.records().len(), 1, "nothing landed");
    w.apply().expect(0);
    assert_eq!(owned_names(&w.records()), WANTED);
}
