//! `edgeplan apply` after a batch failed with an answer: a 5xx (did it land?) or a refusal
//! (did another apply get there first?). Run as the real binary against the local Cloudflare.
//!
//! After a 5xx the zone is read again: a batch that did not land is sent again within the retry
//! budget, one that landed is not. After a refusal the zone is read again and re-planned: an
//! empty plan means the zone already holds the change (exit 0), a plan the zone's changes made
//! different is sent again, anything else fails as before.

use std::time::{Duration, Instant};

use crate::support::cloudflare::Fault;
use crate::support::harness::{World, list, posts};

use crate::apply_faults::{
    applied_despite, assert_converged, nothing_landed_and_a_rerun_converges, world,
    world_faulting_the_first_batch,
};

/// One batch sent (`why`), and the zone converged with its four records.
fn assert_sent_once_and_converged(w: &World, why: &str) {
    assert_eq!(w.batches().len(), 1, "{why}");
    assert_eq!(w.records().len(), 4);
    assert_converged(w);
}

#[test]
fn a_502_on_a_batch_that_did_not_land_is_sent_again_and_the_apply_succeeds() {
    let w = world();
    let unowned = w.unowned_json();
    w.cf.fault_batch(0, Fault::BadGatewayEmpty);
    let run = w.apply().expect(0);
    run.assert_stderr_has("HTTP 502");
    run.assert_stderr_has(
        "nothing of it landed (the zone was read again to check); sending it again",
    );
    run.assert_stdout_has("3 created, 0 updated, 0 deleted in 1 batch request");
    run.assert_stdout_has("sent again 1 time(s)");
    let batches = w.batches();
    assert_eq!(batches.len(), 2, "the failed batch and its resend");
    assert_eq!(posts(&batches[1]).len(), 3);
    assert_eq!(
        batches[0].body, batches[1].body,
        "the same batch, re-planned"
    );
    assert_eq!(w.records().len(), 4, "nothing created twice");
    assert_eq!(w.unowned_json(), unowned);
    assert_converged(&w);
}

#[test]
fn a_502_on_a_batch_that_landed_is_not_sent_again() {
    let (w, run) = applied_despite(Fault::BadGatewayAfterWrite);
    run.assert_stderr_has("landed although the answer was an error");
    assert_sent_once_and_converged(&w, "it landed: nothing is resent");
}

#[test]
fn a_persistent_500_on_the_batch_exits_3_within_the_retry_budget() {
    let w = world();
    let before = w.state_json();
    w.cf.inject_from("POST", "/batch", 0, Fault::ServerErrorHtml, 20);
    let started = Instant::now();
    let run = w
        .run_with(&["apply", "--yes"], &[("EDGEPLAN_RETRY_BUDGET_MS", "1000")])
        .expect(3);
    let took = started.elapsed();
    assert!(took < Duration::from_secs(10), "not bounded: {took:?}");
    run.assert_stderr_has(
        "error: applying changes to zone example.com: Cloudflare failed with HTTP 500",
    );
    run.assert_stderr_has("nothing was applied (the zone was read again to check)");
    run.assert_stderr_has("the batch was sent 4 times, each answered with a server error, within the retry budget (EDGEPLAN_RETRY_BUDGET_MS)");
    assert!(!run.stderr.contains("<html>"), "raw HTML: {}", run.stderr);
    assert_eq!(w.batches().len(), 4, "one send and three resends");
    nothing_landed_and_a_rerun_converges(&w, &before);
}

#[test]
fn a_batch_refused_because_another_apply_made_the_same_change_first_succeeds() {
    // Two applies of one manifest at once: the other one's batch lands first, ours meets 81053.
    let (w, run) = applied_despite(Fault::SameWriteFirst);
    run.assert_stderr_has("81053");
    run.assert_stderr_has("already holds every change");
    run.assert_stdout_has("0 created, 0 updated, 0 deleted in 0 batch requests");
    run.assert_stdout_has("the zone already held 3 change(s)");
    run.assert_stdout_has("verified: a fresh plan is empty");
    assert_sent_once_and_converged(&w, "nothing sent again");
}

#[test]
fn a_delete_refused_with_81044_because_another_apply_deleted_it_first_succeeds() {
    let w = world();
    w.owned("retired", "old-model.example.net");
    w.cf.fault_batch(0, Fault::SameWriteFirst);
    let run = w.apply().expect(0);
    run.assert_stderr_has("81044");
    run.assert_stdout_has("the zone already held 4 change(s)");
    let batch = &w.batches()[0];
    assert_eq!(list(batch, "deletes").len(), 1);
    assert_eq!(w.records().len(), 4);
    assert_converged(&w);
}

#[test]
fn a_batch_refused_after_another_apply_made_part_of_the_change_sends_the_rest() {
    // The batch stalls on the server; meanwhile another apply (same owner) creates one of its
    // names. Ours is refused (81053); the re-plan leaves two creates, which are sent.
    let w = world_faulting_the_first_batch(Fault::Stall(Duration::from_millis(1000)));
    let run = std::thread::scope(|s| {
        s.spawn(|| {
            let deadline = Instant::now() + Duration::from_secs(10);
            while w.batches().is_empty() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(5));
            }
            w.owned("rerank", "rerank.lambda-url.on.aws")
        });
        w.apply()
    });
    run.assert_code(0);
    run.assert_stderr_has("81053");
    run.assert_stderr_has("the zone changed meanwhile; sending what is still missing");
    let batches = w.batches();
    assert_eq!(batches.len(), 2);
    assert_eq!(posts(&batches[1]).len(), 2, "only what was still missing");
    assert_converged(&w);
}
