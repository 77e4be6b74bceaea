//! A batch that landed but whose answer was lost is counted in the report (issue Q item 10): the
//! re-read after the lost answer proves it landed, so the report says how many records were
//! created and in how many batch requests, not "0 created, 0 batches".

use crate::apply_faults::{applied_despite, applied_despite_a_lost_chunk};
use crate::support::cloudflare::Fault;
use crate::support::harness::World;

#[test]
fn a_batch_whose_answer_was_lost_is_counted_as_landed() {
    let (w, run) = applied_despite(Fault::DropAfterWrite);
    run.assert_stdout_has("3 created, 0 updated, 0 deleted in 1 batch request")
        .assert_stdout_has("1 of them landed although the answer was lost")
        .assert_stdout_has("re-planned 1 time(s)");
    assert_eq!(w.batches().len(), 1);
}

#[test]
fn a_chunk_whose_answer_was_lost_is_counted_with_the_others() {
    let (w, run) = applied_despite_a_lost_chunk();
    run.assert_stdout_has("450 created, 0 updated, 0 deleted in 3 batch requests");
    assert_eq!(w.batches().len(), 3);
}

#[test]
fn a_batch_lost_before_it_was_written_is_not_counted_twice() {
    let (w, run) = applied_despite(Fault::DropBeforeWrite);
    run.assert_stdout_has("3 created, 0 updated, 0 deleted in 1 batch request");
    assert!(
        !run.stdout.contains("answer was lost"),
        "it did not land the first time: {}",
        run.stdout
    );
    assert_eq!(w.batches().len(), 2);
}

/// The Action's step summary (markdown) reads the same report: its batches column says the
/// batch that landed without an answer.
#[test]
fn the_step_summary_counts_a_batch_whose_answer_was_lost() {
    let w = World::for_action();
    w.owned("sentiment", "sentiment-old.us-east-1.elb.amazonaws.com");
    w.endpoints(&[
        ("sentiment", "sentiment-new.us-east-1.elb.amazonaws.com"),
        ("embeddings", "embeddings-7f3kq2xz4a-uc.a.run.app"),
    ]);
    w.cf.fault_batch(0, Fault::DropAfterWrite);
    let ran = w.push_to_main().run_checked(0);
    assert_eq!(w.batches().len(), 1, "never resent");
    let row = ran
        .summary
        .lines()
        .find(|l| l.starts_with("| `example.com`"))
        .unwrap_or_else(|| panic!("no row for the zone: {}", ran.summary));
    let cells: Vec<&str> = row.split('|').map(str::trim).collect();
    assert_eq!(cells.get(3), Some(&"1"), "batches: {row}");
}
