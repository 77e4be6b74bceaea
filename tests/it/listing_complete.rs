//! A record listing that is not provably complete is never planned from (issue Q item 8): the
//! local Cloudflare pages one record at a time and then loses a page or overcounts, and
//! `edgeplan plan` and `edgeplan apply` exit 3 naming the zone, after reading a short listing
//! twice (a listing past the page cap once), with nothing written. The code before planned the
//! missing record as a create.

use crate::apply_faults::world;
use crate::support::cloudflare::{CloudflareServer, Fault};
use crate::support::harness::{Run, World};

/// [`world`] with `sentiment` already applied and listings one record a page, so the zone's
/// two records (`www`, then `sentiment`) span two pages.
fn paged() -> World {
    let w = world();
    w.owned("sentiment", "sentiment.elb.amazonaws.com");
    w.cf.set_max_per_page(1);
    w
}

fn listings(w: &World) -> usize {
    w.cf.requests()
        .iter()
        .filter(|r| {
            r.method == "GET" && r.path.ends_with("/dns_records") && r.query("page") == Some("1")
        })
        .count()
}

#[test]
fn a_paged_listing_that_is_complete_still_plans() {
    let w = paged();
    let run = w.run(&["plan"]);
    run.assert_code(0);
    assert_eq!(listings(&w), 1, "a complete listing is read once");
}

#[test]
fn a_lost_page_is_read_again_and_then_refused_with_exit_3() {
    // Page 2 holds `sentiment` (listings sort by type, then name).
    let (w, run) = plan_refused(|cf| cf.empty_record_page(2));
    run.assert_stderr_has("example.com")
        .assert_stderr_has("incomplete");
    assert_incomplete_help(&run);
    assert_eq!(listings(&w), 2, "page 1, read once more before giving up");
}

#[test]
fn fewer_records_than_total_count_stops_an_apply_with_nothing_written() {
    let w = paged();
    w.cf.overcount_records(1);
    let before = w.records();
    let run = w.apply();
    run.assert_code(3)
        .assert_stderr_has("example.com")
        .assert_stderr_has("1 missing");
    assert_eq!(w.cf_writes(), 0);
    assert_eq!(w.records(), before);
    assert_incomplete_help(&run);
}

/// `edgeplan plan` of a [`paged`] world whose local Cloudflare `lists` wrongly: refused with
/// exit 3, and no plan from a partial listing (each caller checks how often it was read).
fn plan_refused(lists: impl FnOnce(&CloudflareServer)) -> (World, Run) {
    let w = paged();
    lists(&w.cf);
    w.cf.clear_requests();
    let run = w.run(&["plan"]);
    run.assert_code(3);
    assert!(
        !run.stdout.contains("sentiment"),
        "no plan from a partial listing: {}",
        run.stdout
    );
    (w, run)
}

/// An incomplete listing is its own error with its own help: Cloudflare answered, so the help
/// says why pages can disagree and what to do, not to check `CLOUDFLARE_BASE_URL` (the help of
/// an answer of the wrong shape, which it was before).
fn assert_incomplete_help(run: &Run) {
    run.assert_stderr_has("the listing is incomplete after two reads")
        .assert_stderr_has("help: Cloudflare's pages are not one snapshot")
        .assert_stderr_has("run again once the zone is quiet");
    assert!(
        !run.stderr.contains("CLOUDFLARE_BASE_URL") && !run.stderr.contains("unexpected shape"),
        "{}",
        run.stderr
    );
}

/// A listing with more pages than edgeplan follows is refused from its first page: the pages
/// that would be followed cannot make it whole, so they are not read, nor is the first page read
/// again (a zone's size does not change between two reads), and it is never planned from.
#[test]
fn a_listing_past_the_page_cap_is_refused_without_reading_its_pages() {
    // Two records a page of one: 2,002 pages, past the cap of 2,000.
    let (w, run) = plan_refused(|cf| cf.overcount_records(2_000));
    run.assert_stderr_has("listing the records of zone example.com")
        .assert_stderr_has(
            "the listing is incomplete: it has 2002 pages and at most 2000 are followed",
        )
        .assert_stderr_has("help: edgeplan follows at most 2000 pages");
    assert_eq!(listings(&w), 1, "page 1, read once");
    assert_eq!(page_reads(&w, "2"), 0, "no page past the first is read");
}

/// The requests for record listing page `page`.
fn page_reads(w: &World, page: &str) -> usize {
    w.cf.requests()
        .iter()
        .filter(|r| {
            r.method == "GET" && r.path.ends_with("/dns_records") && r.query("page") == Some(page)
        })
        .count()
}

/// A page that still fails after its retries is an API failure (exit 3): the listing is not read
/// a second time, which would only double the requests spent on a server that is failing.
#[test]
fn a_page_that_failed_after_its_retries_is_not_read_a_second_time() {
    let w = paged();
    w.cf.clear_requests();
    // Every read of the records after the first page's answers 502.
    w.cf.inject_from("GET", "/dns_records", 1, Fault::BadGatewayEmpty, 50);
    let run = w.run_with(&["plan"], &[("EDGEPLAN_RETRY_BUDGET_MS", "1500")]);
    run.assert_code(3)
        .assert_stderr_has("listing the records of zone example.com")
        .assert_stderr_has("HTTP 502");
    assert_eq!(listings(&w), 1, "the listing is not started again");
    assert!(page_reads(&w, "2") >= 2, "the page itself was retried");
}
