//! Inside one apply, a re-plan (after an unknown outcome or a refused batch) may send only
//! changes that were in the plan checked before writing; a zone that changed meanwhile stops
//! with exit 3, "the zone changed while applying" (DESIGN section 6). Run as the real binary
//! against the local Cloudflare: the batch's connection is dropped, and while the zone is read
//! again someone deletes a record by hand.

use std::process::Stdio;
use std::time::Duration;

use crate::support::cloudflare::Fault;
use crate::support::harness::{Run, World, wait_until};

use crate::action_push::seeded;

fn world() -> World {
    seeded(World::free())
}

/// The read of the records that waits while someone changes the zone by hand.
const STALL: Fault = Fault::Stall(Duration::from_millis(800));

/// The first batch's connection closes before it is acted on (outcome unknown), and the read of
/// the records numbered `read` (from 0) is a [`STALL`].
pub(crate) fn unknown_outcome_then_a_stalled_read(w: &World, read: usize) {
    w.cf.fault_batch(0, Fault::DropBeforeWrite);
    w.cf.inject_at("GET", "/dns_records", read, STALL);
}

/// Waits for the [`STALL`]ed read, then deletes `sentiment` by hand meanwhile.
pub(crate) fn delete_sentiment_during_the_stalled_read(w: &World) {
    let stalled = || w.cf.requests().iter().any(|r| r.fault == Some(STALL));
    wait_until(stalled, || w.cf.requests());
    w.change_by_hand(|records| records.retain(|r| r.name != "sentiment.example.com"));
}

/// The names the zone holds.
fn names(w: &World) -> Vec<String> {
    let mut n: Vec<String> = w.records().into_iter().map(|r| r.name).collect();
    n.sort();
    n
}

#[test]
fn a_replan_that_finds_a_change_nobody_checked_stops_the_zone() {
    let w = world();
    // The batch's connection closes before it is acted on (outcome unknown); the read that
    // follows waits, and meanwhile the record the plan updates is deleted by hand: the fresh plan
    // would create it, which is not what was checked.
    unknown_outcome_then_a_stalled_read(&w, 1);
    let child = w
        .command(&["apply", "--yes"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start edgeplan");
    delete_sentiment_during_the_stalled_read(&w);
    let run = Run::from_output(child.wait_with_output().expect("wait")).expect(3);
    run.assert_stderr_has("the zone changed while applying");
    run.assert_stderr_has("sentiment.example.com");
    assert_eq!(w.batches().len(), 1, "nothing sent after the re-plan");
    assert!(names(&w).is_empty(), "{:?}", names(&w));
}

/// The control: the same unknown outcome without anyone touching the zone re-plans to what was
/// checked and converges.
#[test]
fn a_replan_within_the_checked_plan_converges() {
    let w = world();
    w.cf.fault_batch(0, Fault::DropBeforeWrite);
    let run = w.apply().expect(0);
    run.assert_stdout_has("re-planned 1 time(s) after an unknown outcome");
    assert_eq!(w.batches().len(), 2);
    assert_eq!(
        names(&w),
        vec!["embeddings.example.com", "sentiment.example.com"]
    );
}
