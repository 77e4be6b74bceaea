//! Chunking past the zone's batch limit (Free 200, paid 3,500), counted from the local
//! Cloudflare's request log, and the report of which chunks landed when one fails.

use crate::support::cloudflare::{Fault, Plan};
use crate::support::harness::{World, list, posts};

#[test]
fn a_thousand_creates_on_a_free_zone_take_exactly_five_batch_requests() {
    let w = World::free();
    w.many(1000);
    let run = w.apply().expect(0);
    let batches = w.batches();
    assert_eq!(batches.len(), 5, "1,000 / 200");
    assert!(batches.iter().all(|b| posts(b).len() == 200));
    assert!(w.single_writes().is_empty());
    // Reads: the zone lookup, the listing before, the listing that verifies.
    let gets = w.cf.requests().iter().filter(|r| r.method == "GET").count();
    assert_eq!(gets, 3, "{:?}", w.cf.requests());
    for k in 1..=5 {
        run.assert_stderr_has(&format!("applying chunk {k} of 5"));
    }
    run.assert_stderr_has("800 of 1000 done");
    run.assert_stdout_has("1000 created, 0 updated, 0 deleted in 5 batch requests");
    assert_eq!(w.records().len(), 1000);
    w.assert_one_record_per_name();
    assert_eq!(w.plan_code(), 0);
}

#[test]
fn a_paid_zone_takes_a_thousand_creates_in_one_batch() {
    let w = World::new(Plan::Pro);
    w.many(1000);
    w.apply().expect(0);
    assert_eq!(w.batches().len(), 1);
    assert_eq!(w.records().len(), 1000);
}

#[test]
fn a_failure_in_chunk_three_of_five_says_which_chunks_landed_and_a_rerun_converges() {
    let w = World::free();
    w.many(1000);
    // Chunk 3 answered 500 every time it is sent (it is sent again while the zone, read again,
    // shows nothing of it landed, within the retry budget).
    w.cf.inject_from("POST", "/batch", 2, Fault::ServerErrorHtml, 20);
    let run = w.apply().expect(3);
    run.assert_stderr_has(
        "chunks 1-2 of 5 landed; chunk 3 failed and nothing of it was applied \
             (the zone was read again to check); chunks 4-5 were not sent",
    );
    run.assert_stderr_has("chunk 3 of 5 was sent 4 times, each answered with a server error");
    run.assert_stderr_has("help: ");
    assert_eq!(w.batches().len(), 6, "chunks 1-2, then chunk 3 four times");
    w.cf.state().aimed.clear();
    assert_eq!(
        w.records().len(),
        400,
        "chunks 1-2 whole, nothing of chunk 3"
    );

    w.cf.clear_requests();
    w.apply().expect(0);
    assert_eq!(w.batches().len(), 3, "600 left: three chunks");
    assert_eq!(w.records().len(), 1000);
    w.assert_one_record_per_name();
    assert_eq!(w.plan_code(), 0);
}

#[test]
fn deletes_go_in_the_first_chunks() {
    // Why: deletes free names and record quota before the creates need them.
    let w = World::free();
    w.many(300);
    w.apply().expect(0);
    // Keep ep-0000..ep-0049, drop 250 owned records, add 250 new endpoints.
    let mut eps = String::new();
    for i in 0..50 {
        eps.push_str(&format!(
            "  - name: ep-{i:04}\n    target: origin-{i}.models.example.net\n"
        ));
    }
    for i in 0..250 {
        eps.push_str(&format!(
            "  - name: new-{i:04}\n    target: new-{i}.models.example.net\n"
        ));
    }
    w.manifest(&eps);
    w.cf.clear_requests();
    w.run(&["apply", "--yes", "--allow-deletes"]).expect(0);
    let batches = w.batches();
    let shape: Vec<(usize, usize)> = batches
        .iter()
        .map(|b| (list(b, "deletes").len(), posts(b).len()))
        .collect();
    assert_eq!(shape, [(200, 0), (50, 150), (0, 100)], "{shape:?}");
    assert_eq!(w.records().len(), 300);
    assert_eq!(w.plan_code(), 0);
}

/// A zone answered without `plan` (deprecated in Cloudflare's schema) gets the Free limits, and
/// plan and apply say so on stderr instead of falling back silently; a zone with its plan says
/// nothing of it.
#[test]
fn a_zone_answered_without_its_plan_gets_free_limits_and_says_so() {
    let w = World::new(Plan::Pro);
    w.cf.state().without_plan = true;
    w.many(300);
    let warning = "warning: zone example.com: Cloudflare did not say the zone's plan \
                   (`plan` is deprecated in its API); assuming the Free plan's limits: at most 200 \
                   changes per batch and record comments of at most 100 characters";
    let plan = w.run(&["plan"]);
    plan.assert_stderr_has(warning);
    let run = w.apply().expect(0);
    run.assert_stderr_has(warning);
    assert_eq!(
        run.stderr.matches("did not say the zone's plan").count(),
        1,
        "once per zone: {}",
        run.dump()
    );
    assert_eq!(
        w.batches().len(),
        2,
        "300 at the Free limit of 200: {}",
        run.dump()
    );

    w.cf.state().without_plan = false;
    let plan = w.run(&["plan"]);
    assert!(
        !plan.stderr.contains("did not say the zone's plan"),
        "{}",
        plan.dump()
    );
}
