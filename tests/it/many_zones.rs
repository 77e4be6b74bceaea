//! Many zones in one run: read and applied a few at a time against one token, with one rate
//! limit between them. The output is the one a zone-by-zone run gives; a 429 on one zone pauses
//! every zone; a zone that fails to apply does not stop the others. Run as the real binary
//! against the local Cloudflare.

use std::process::Command;
use std::time::Duration;

use crate::support::cloudflare::{Fault, Logged, Plan};
use crate::support::github::merged_pull;
use crate::support::harness::{REPO, Run, SHA, World, edgeplan};
use crate::support::rounds::rounds;

/// `n` zones `zNN.example` (Pro), each with a manifest `dns/zNN.yaml` of `endpoints(i)` endpoints;
/// returns their ids in manifest order.
fn zones(w: &World, n: usize, endpoints: impl Fn(usize) -> usize) -> Vec<String> {
    (0..n)
        .map(|i| {
            let name = format!("z{i:02}.example");
            let id = w.cf.seed_zone(&name, Plan::Pro);
            let mut text = format!("version: 1\nzone: {name}\nendpoints:\n");
            for e in 0..endpoints(i) {
                text.push_str(&format!(
                    "  - name: ep-{e}\n    target: o-{e}.{name}.origin.net\n"
                ));
            }
            w.write_in_workspace(&format!("dns/z{i:02}.yaml"), &text);
            id
        })
        .collect()
}

/// `edgeplan ARGS -m <each manifest>` against the local Cloudflare, like [`World::run`].
fn run(w: &World, args: &[&str], manifests: &[String]) -> Run {
    let mut cmd: Command = edgeplan();
    cmd.args(args);
    for m in manifests {
        cmd.arg("-m").arg(w.workspace().join(m));
    }
    cmd.env("CLOUDFLARE_API_TOKEN", &w.token)
        .env("CLOUDFLARE_BASE_URL", w.cf.url())
        .env("EDGEPLAN_HTTP_TIMEOUT_MS", "2000")
        .env("EDGEPLAN_RETRY_BUDGET_MS", "4000")
        .env("CI", "true");
    Run::from_output(cmd.output().expect("run edgeplan"))
}

fn manifests(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("dns/z{i:02}.yaml")).collect()
}

fn zone_lookups(log: &[Logged]) -> (usize, usize) {
    let zones = log.iter().filter(|r| r.path == "/zones");
    let named = zones.clone().filter(|r| r.query("name").is_some()).count();
    (zones.count() - named, named)
}

/// Zones are read together, and answers come back in any order: the plan JSON must still be the
/// one a run of each manifest alone gives, zone by zone in manifest order.
#[test]
fn many_zones_plan_together_as_each_alone_would_in_manifest_order() {
    let w = World::free();
    // Sizes that finish out of order: the later zones are the smaller ones.
    zones(&w, 12, |i| 12 - i);
    w.cf.set_latency(5);
    let all = manifests(12);
    w.cf.clear_requests();
    let together = run(&w, &["plan", "--format", "json"], &all).expect(0);
    let log = w.cf.requests();
    let json: serde_json::Value = serde_json::from_str(&together.stdout).expect("plan JSON");
    let mut alone = Vec::new();
    for m in &all {
        let one = run(&w, &["plan", "--format", "json"], std::slice::from_ref(m)).expect(0);
        let one: serde_json::Value = serde_json::from_str(&one.stdout).expect("plan JSON");
        alone.extend(one["zones"].as_array().expect("zones").iter().cloned());
    }
    assert_eq!(json["zones"], serde_json::Value::Array(alone));
    let names: Vec<&str> = (json["zones"].as_array().expect("zones").iter())
        .map(|z| z["zone"].as_str().expect("zone"))
        .collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted, "sorted by zone, as the manifests are");
    // Twelve lookups became one listing of the token's zones (13 zones: one page).
    assert_eq!(zone_lookups(&log), (1, 0), "{log:?}");
    assert_eq!(
        log.len(),
        1 + 12,
        "one listing, one page of records per zone"
    );
    // And the same run gives the same bytes.
    let again = run(&w, &["plan", "--format", "json"], &all).expect(0);
    assert_eq!(again.stdout, together.stdout);
}

/// Sixty zones under latency: the listing's two pages are asked together (the token sees at
/// least the sixty zones, so there are at least two), and then every zone's records at once, not
/// eight at a time: two sequential round trips, whatever the latency (BENCHMARKS.md, "Many zones
/// under latency"). The plan is still every zone's, in manifest order.
#[test]
fn sixty_zones_are_listed_in_one_round_and_read_in_one_more() {
    const LATENCY_MS: u64 = 300;
    let w = World::free();
    zones(&w, 60, |_| 1);
    w.cf.set_latency(LATENCY_MS);
    w.cf.clear_requests();
    let out = run(&w, &["plan", "--format", "json"], &manifests(60)).expect(0);
    let json: serde_json::Value = serde_json::from_str(&out.stdout).expect("plan JSON");
    let names: Vec<&str> = (json["zones"].as_array().expect("zones").iter())
        .map(|z| z["zone"].as_str().expect("zone"))
        .collect();
    let want: Vec<String> = (0..60).map(|i| format!("z{i:02}.example")).collect();
    assert_eq!(names, want);
    let log = w.cf.requests();
    assert_eq!(zone_lookups(&log), (2, 0), "{log:?}");
    // Requests received within half a latency of the first one of their kind share its round.
    let round = |what: &dyn Fn(&Logged) -> bool| {
        let at: Vec<_> = log.iter().filter(|r| what(r)).map(|r| (r.at, ())).collect();
        let total = at.len();
        let first = (rounds(at, Duration::from_millis(LATENCY_MS))
            .into_iter()
            .next())
        .expect("requests of that kind");
        (first.len(), total)
    };
    let listing = round(&|r: &Logged| r.path == "/zones");
    assert_eq!(listing, (2, 2), "both listing pages in one round: {log:?}");
    let records = round(&|r: &Logged| r.path.ends_with("/dns_records"));
    assert_eq!(records, (60, 60), "every zone read in one round: {log:?}");
}

/// With `zone_id` the id is known: the records are read while the zone is checked, one round
/// trip instead of two; a `zone_id` of another zone is still refused (exit 1), its records unused.
#[test]
fn with_zone_id_the_records_are_read_while_the_zone_is_checked() {
    const LATENCY_MS: u64 = 300;
    let w = World::free();
    let id = w.cf.seed_zone("z00.example", Plan::Pro);
    let other = w.cf.seed_zone("z01.example", Plan::Pro);
    let manifest = |id: &str| {
        format!(
            "version: 1\nzone: z00.example\nzone_id: {id}\nendpoints:\n  - name: ep\n    target: o.origin.net\n"
        )
    };
    w.write_in_workspace("dns/z00.yaml", &manifest(&id));
    w.cf.set_latency(LATENCY_MS);
    w.cf.clear_requests();
    let out = run(&w, &["plan", "--format", "json"], &manifests(1)).expect(0);
    let json: serde_json::Value = serde_json::from_str(&out.stdout).expect("plan JSON");
    assert_eq!(json["zones"][0]["summary"]["create"], 1, "{json}");
    let log = w.cf.requests();
    let at = |path: &str| {
        (log.iter().find(|r| r.path == path))
            .map(|r| r.at)
            .unwrap_or_else(|| panic!("no {path}: {log:?}"))
    };
    let check = at(&format!("/zones/{id}"));
    let records = at(&format!("/zones/{id}/dns_records"));
    let apart = records.max(check).duration_since(records.min(check));
    assert!(
        apart < Duration::from_millis(LATENCY_MS / 2),
        "the records waited for the check: {apart:?}"
    );
    w.write_in_workspace("dns/z00.yaml", &manifest(&other));
    // A failed check ends the zone at once: a records read still in flight is not waited for.
    w.cf.set_latency(0);
    w.cf.inject_at(
        "GET",
        "/dns_records",
        0,
        Fault::Stall(Duration::from_secs(8)),
    );
    let started = std::time::Instant::now();
    let out = run(&w, &["plan", "--format", "json"], &manifests(1)).expect(1);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "the failed check waited for the records read: {:?}",
        started.elapsed()
    );
    assert!(
        out.stderr.contains(&format!(
            "zone_id {other} is the zone z01.example, not z00.example"
        )),
        "{}",
        out.stderr
    );
}

/// Two manifests: a lookup each costs no more than a listing, so no listing is made.
#[test]
fn two_zones_are_looked_up_by_name() {
    let w = World::free();
    zones(&w, 2, |_| 1);
    w.cf.clear_requests();
    run(&w, &["plan", "--format", "json"], &manifests(2)).expect(0);
    assert_eq!(zone_lookups(&w.cf.requests()), (0, 2));
}

/// An account of many more zones than manifests: the first page of the listing says it would
/// take more requests than a lookup each, so the listing stops there and each zone is looked up.
#[test]
fn a_listing_longer_than_the_lookups_stops_after_its_first_page() {
    let w = World::free();
    zones(&w, 3, |_| 1);
    for i in 0..160 {
        w.cf.seed_zone(&format!("other-{i:03}.example"), Plan::Free);
    }
    w.cf.clear_requests();
    run(&w, &["plan", "--format", "json"], &manifests(3)).expect(0);
    let log = w.cf.requests();
    assert_eq!(zone_lookups(&log), (1, 3), "{log:?}");
    let listing = log
        .iter()
        .find(|r| r.path == "/zones" && r.query("name").is_none());
    assert_eq!(listing.and_then(|r| r.query("page")), Some("1"));
}

/// A listing that lacks a zone (added while the pages were read) is not the last word: that
/// zone is looked up by name.
#[test]
fn a_zone_the_listing_lacks_is_looked_up_by_name() {
    let w = World::free();
    zones(&w, 3, |_| 1);
    w.cf.unlist("z01.example");
    w.cf.clear_requests();
    let out = run(&w, &["plan", "--format", "json"], &manifests(3)).expect(0);
    let json: serde_json::Value = serde_json::from_str(&out.stdout).expect("plan JSON");
    assert_eq!(json["zones"][1]["zone"], "z01.example", "{json}");
    let log = w.cf.requests();
    assert_eq!(
        zone_lookups(&log),
        (1, 1),
        "one listing, one lookup: {log:?}"
    );
}

/// Cloudflare's rate limit holds every request with the same credentials (per user for a user
/// token, per token for an account-owned token): a 429 with `Retry-After` met by one zone's read
/// must hold every zone's requests for that long, then every zone finishes.
#[test]
fn a_429_on_one_zone_pauses_every_zone_and_all_finish() {
    let w = World::free();
    let ids = zones(&w, 24, |_| 2);
    w.cf.set_latency(50);
    let records = format!("/zones/{}/dns_records", ids[0]);
    w.cf.inject_at("GET", &records, 0, Fault::rate_limit(1));
    w.cf.clear_requests();
    let out = run(&w, &["plan", "--format", "json"], &manifests(24)).expect(0);
    let json: serde_json::Value = serde_json::from_str(&out.stdout).expect("plan JSON");
    let zones = json["zones"].as_array().expect("zones");
    assert_eq!(zones.len(), 24);
    assert!(zones.iter().all(|z| z["summary"]["create"] == 2), "{json}");
    let log = w.cf.requests();
    let limited = log
        .iter()
        .find(|r| r.fault.is_some())
        .expect("the 429 was served")
        .at;
    // The 429 is answered 50 ms after it arrived; requests already on their way may land just
    // after. From then until Retry-After has passed, nothing may arrive.
    let quiet = (limited + Duration::from_millis(200))..(limited + Duration::from_millis(950));
    let during: Vec<&Logged> = log.iter().filter(|r| quiet.contains(&r.at)).collect();
    assert!(during.is_empty(), "requests during the pause: {during:?}");
    let after = log
        .iter()
        .filter(|r| r.at >= limited + Duration::from_millis(950))
        .count();
    // Every zone's read starts in the first round (up to 100 at once), so after the pause comes
    // the limited zone's read again, and nothing else was held back unsent.
    assert!(
        after >= 1,
        "the limited zone was read again after the pause: {after} requests after it"
    );
    assert_eq!(log.iter().filter(|r| r.path == records).count(), 2);
}

/// Once writing, one zone's API failure does not stop the others (DESIGN section 6): they land
/// and say so, the failed zone says what it landed, the exit code is 3, and a second apply
/// converges.
#[test]
fn one_zone_failing_to_apply_does_not_stop_the_others() {
    let w = World::free();
    let ids = zones(&w, 6, |_| 3);
    let all = manifests(6);
    let batch = format!("/zones/{}/dns_records/batch", ids[2]);
    w.cf.inject_from("POST", &batch, 0, Fault::ServerErrorHtml, 20);
    let failed = run(&w, &["apply", "--yes"], &all).expect(3);
    w.cf.state().aimed.clear();
    for i in [0, 1, 3, 4, 5] {
        let name = format!("z{i:02}.example");
        assert_eq!(w.cf.records(&name).len(), 3, "{name} landed");
        assert!(
            failed.stdout.contains(&format!("{name}:")) || failed.stdout.contains(&name),
            "{name} reported: {}",
            failed.stdout
        );
    }
    assert!(w.cf.records("z02.example").is_empty());
    assert!(failed.stderr.contains("z02.example"), "{}", failed.stderr);
    assert!(
        failed.stderr.contains("no chunk landed") || failed.stderr.contains("landed"),
        "what landed is said: {}",
        failed.stderr
    );
    let again = run(&w, &["apply", "--yes"], &all).expect(0);
    assert!(again.stdout.contains("z02.example"), "{}", again.stdout);
    assert_eq!(w.cf.records("z02.example").len(), 3);
    run(&w, &["plan", "--detailed-exitcode"], &all).expect(0);
}

/// Apply of many zones: one batch per zone, every zone converged.
#[test]
fn many_zones_apply_in_one_batch_each() {
    let w = World::free();
    zones(&w, 20, |_| 60);
    let all = manifests(20);
    w.cf.clear_requests();
    run(&w, &["apply", "--yes"], &all).expect(0);
    let batches = w.batches();
    assert_eq!(batches.len(), 20);
    let mut paths: Vec<&str> = batches.iter().map(|b| b.path.as_str()).collect();
    paths.sort();
    paths.dedup();
    assert_eq!(paths.len(), 20, "one batch per zone");
    run(&w, &["plan", "--detailed-exitcode"], &all).expect(0);
}

/// `edgeplan list --format json` is the `strategy.matrix` of a workflow (`fromJSON`): one entry
/// per manifest, paths relative to the workspace the next job checks out, offline.
#[test]
fn list_gives_the_matrix_of_manifests_and_zones() {
    let w = World::free();
    zones(&w, 3, |_| 1);
    w.write_in_workspace(
        "dns/team/models.yaml",
        "version: 1\nzone: example.com\nowner: ml\nendpoints: []\n",
    );
    let list = |format: &str| {
        let out = edgeplan()
            .current_dir(w.workspace())
            .args(["list", "-m", "dns/**/*.yaml", "--format", format])
            .env("GITHUB_WORKSPACE", w.workspace())
            .output()
            .expect("run edgeplan");
        Run::from_output(out).expect(0)
    };
    let json = list("json");
    assert_eq!(json.stdout.lines().count(), 1, "one line for GITHUB_OUTPUT");
    let matrix: serde_json::Value = serde_json::from_str(&json.stdout).expect("JSON");
    assert_eq!(
        matrix,
        serde_json::json!({"include": [
            {"manifest": "dns/team/models.yaml", "zone": "example.com", "owner": "ml"},
            {"manifest": "dns/z00.yaml", "zone": "z00.example", "owner": "default"},
            {"manifest": "dns/z01.yaml", "zone": "z01.example", "owner": "default"},
            {"manifest": "dns/z02.yaml", "zone": "z02.example", "owner": "default"},
        ]})
    );
    let text = list("text");
    assert_eq!(
        text.stdout,
        "dns/team/models.yaml\tzone example.com\towner ml\n\
         dns/z00.yaml\tzone z00.example\towner default\n\
         dns/z01.yaml\tzone z01.example\towner default\n\
         dns/z02.yaml\tzone z02.example\towner default\n"
    );
    assert!(w.cf.requests().is_empty(), "offline");
    // An invalid manifest is reported as validate reports it, and nothing is listed.
    w.write_in_workspace(
        "dns/z01.yaml",
        "version: 1\nzone: z01.example\nendpoints: [}\n",
    );
    let out = edgeplan()
        .current_dir(w.workspace())
        .args(["list", "-m", "dns/*.yaml", "--format", "json"])
        .output()
        .expect("run edgeplan");
    let bad = Run::from_output(out).expect(1);
    assert!(bad.stdout.is_empty(), "{}", bad.stdout);
    assert!(bad.stderr.contains("dns/z01.yaml:3"), "{}", bad.stderr);
}

#[test]
fn a_listed_path_comes_back_as_that_file_and_a_line_break_never_reaches_the_matrix() {
    let w = World::free();
    let manifest = "version: 1\nzone: example.com\nendpoints: []\n";
    // A name with pattern characters is listed escaped as a pattern, and given back as the next
    // job's `manifest` it is that one file, not a pattern that also matches `dns/a.yaml`.
    w.write_in_workspace("dns/[a].yaml", manifest);
    w.write_in_workspace(
        "dns/a.yaml",
        "version: 1\nzone: other.example\nendpoints: []\n",
    );
    let run = |args: &[&str]| {
        let out = edgeplan()
            .current_dir(w.workspace())
            .args(args)
            .output()
            .expect("run edgeplan");
        Run::from_output(out)
    };
    let listed = run(&["list", "-m", "dns/*.yaml", "--format", "text"]).expect(0);
    assert_eq!(
        listed.stdout,
        "dns/[[]a[]].yaml\tzone example.com\towner default\n\
         dns/a.yaml\tzone other.example\towner default\n"
    );
    let again = run(&["list", "-m", "dns/[[]a[]].yaml", "--format", "text"]).expect(0);
    assert_eq!(
        again.stdout,
        "dns/[[]a[]].yaml\tzone example.com\towner default\n"
    );
    // Unescaped, `[a]` is a pattern (DESIGN section 1), never first tried as a file name.
    let pattern = run(&["list", "-m", "dns/[a].yaml", "--format", "text"]).expect(0);
    assert_eq!(
        pattern.stdout,
        "dns/a.yaml\tzone other.example\towner default\n"
    );
    w.write_in_workspace("dns/two\nlines.yaml", manifest);
    let refused = run(&["list", "-m", "dns/two*", "--format", "json"]).expect(1);
    assert!(refused.stdout.is_empty(), "{}", refused.stdout);
    refused.assert_stderr_has("control character");
}

/// A matrix job per manifest keeps its own sticky comment: `separate-comment: true` puts the
/// manifest input in the marker, so the jobs of one pull request never overwrite each other,
/// and each job's next run updates its own comment.
#[test]
fn each_matrix_job_keeps_its_own_sticky_comment() {
    let w = World::for_action();
    for zone in ["a.example", "b.example"] {
        w.cf.seed_zone(zone, Plan::Pro);
        w.write_in_workspace(
            &format!("dns/{zone}.yaml"),
            &format!(
                "version: 1\nzone: {zone}\nendpoints:\n  - name: m\n    target: m.origin.net\n"
            ),
        );
    }
    let preview = |manifest: &str| {
        w.pull_request("pull_request.opened.json")
            .var("INPUT_MANIFEST", manifest)
            .var("INPUT_SEPARATE_COMMENT", "true")
            .run_checked(0);
    };
    preview("dns/a.example.yaml");
    preview("dns/b.example.yaml");
    preview("dns/a.example.yaml");
    let comments = w.gh().comments(REPO, 2);
    let firsts: Vec<&str> = comments
        .iter()
        .map(|c| c.body.lines().next().unwrap_or(""))
        .collect();
    assert_eq!(comments.len(), 2, "{firsts:?}");
    assert!(firsts[0].starts_with("<!-- edgeplan:preview manifest=dns/a.example.yaml "));
    assert!(firsts[1].starts_with("<!-- edgeplan:preview manifest=dns/b.example.yaml "));
    assert!(comments[1].body.contains("b.example"));
    assert!(!comments[1].body.contains("a.example"));

    // On merge, each job's report is its own too, and compared with its own preview.
    w.gh().add_pull(REPO, SHA, merged_pull(2, "main", SHA));
    for manifest in ["dns/a.example.yaml", "dns/b.example.yaml"] {
        w.push_to_main()
            .var("INPUT_MANIFEST", manifest)
            .var("INPUT_SEPARATE_COMMENT", "true")
            .run_checked(0);
    }
    let reports: Vec<String> = (w.gh().comments(REPO, 2).into_iter())
        .map(|c| c.body)
        .filter(|b| b.starts_with("<!-- edgeplan:applied"))
        .collect();
    assert_eq!(reports.len(), 2, "{reports:#?}");
    assert!(reports[0].starts_with(&format!(
        "<!-- edgeplan:applied sha={SHA} manifest=dns/a.example.yaml -->"
    )));
    assert!(reports[1].starts_with(&format!(
        "<!-- edgeplan:applied sha={SHA} manifest=dns/b.example.yaml -->"
    )));
    assert!(
        reports.iter().all(|r| r.contains("matches the preview")),
        "{reports:#?}"
    );
}

/// `sha256:<64 hex>` replaced by `[fingerprint]` (zone ids are random, so the fingerprint is).
fn without_fingerprints(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find("sha256:") {
        out.push_str(&rest[..at]);
        out.push_str("[fingerprint]");
        rest = rest.get(at + "sha256:".len() + 64..).unwrap_or("");
    }
    out.push_str(rest);
    out
}

/// A hundred zones of sixty creates each (6,000 changes) in one preview: a table of every zone
/// first (the head, never cut), each zone's detail collapsed after it, and the whole under
/// GitHub's 65,536 characters; the step summary holds the rest.
#[test]
fn a_hundred_zone_preview_is_one_comment_under_the_limit_with_a_table_first() {
    let w = World::for_action();
    for i in 0..100 {
        let zone = format!("m{i:03}.example");
        w.cf.seed_zone(&zone, Plan::Pro);
        let mut text = format!("version: 1\nzone: {zone}\nendpoints:\n");
        for e in 0..60 {
            text.push_str(&format!(
                "  - name: model-{e:02}\n    target: model-{e:02}.origin.net\n"
            ));
        }
        w.write_in_workspace(&format!("dns/m{i:03}.yaml"), &text);
    }
    let run = w
        .pull_request("pull_request.opened.json")
        .var("INPUT_MANIFEST", "dns/m*.yaml")
        .run_checked(0);
    let bodies: Vec<String> = (w.gh().comments(REPO, 2).into_iter())
        .map(|c| c.body)
        .collect();
    let [body] = bodies.as_slice() else {
        panic!("one comment for every zone: {bodies:#?}")
    };
    assert!(
        body.chars().count() < 65_536,
        "{} characters",
        body.chars().count()
    );
    assert_eq!(body.matches("\n| `m0").count(), 100, "a row per zone");
    assert!(
        !body.contains("<details open>"),
        "every zone's detail is collapsed"
    );
    // Only the creates, collapsed: a zone without anything else has no other block.
    assert!(body.contains("<details><summary>m000.example: 60 creates</summary>"));
    assert!(!body.contains("<summary>m000.example, owner"), "{body}");
    let head_end = body.find("<details").expect("the detail");
    insta::assert_snapshot!(
        "hundred_zone_comment_head",
        without_fingerprints(&body[..head_end])
    );
    run.assert_summary_has("m099.example: 60 creates");
}
