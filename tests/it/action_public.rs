//! The public check in the Action's apply (push to the default branch): the log, the
//! `public-health` output, the step summary and the report on the merged pull request, whose
//! snapshot is the example in docs/action.md; `public-check: fail` fails the step with the DNS
//! applied; a bad input stops the step before anything is written.

use crate::support::github::merged_pull;
use crate::support::harness::{REPO, Run, SHA, World};
use crate::support::origin::{Behaviour, Origin};
use crate::support::tls::{TestCa, TlsOrigin};

const RAY: &str = "8f1c2d3e4a5b6c7d-FRA";
const APPLIED: &str = "<!-- edgeplan:applied sha=";

/// A previewed and merged PR #2 whose manifest creates `sentiment` (healthy origin, `health:
/// /healthz`), its public name served by a local edge answering `status` with `cf-ray`; the push
/// step's result.
fn push(status: u16, inputs: &[(&str, &str)]) -> (World, Run, TlsOrigin) {
    let w = World::for_action();
    let origin = Origin::start(Behaviour::Status(200));
    w.manifest(&format!(
        "  - name: sentiment\n    target: sentiment-prod.models.example.net\n    health: {}\n",
        origin.url("/healthz")
    ));
    let ca = TestCa::new();
    let ca_file = ca.write_pem(&w.runner_temp()).display().to_string();
    let edge = TlsOrigin::start(&ca, &["sentiment.example.com"], status, &[("cf-ray", RAY)]);
    // The PR's preview first, as in a real merge: the report compares fingerprints.
    w.pull_request("pull_request.opened.json").run_checked(0);
    w.gh().add_pull(REPO, SHA, merged_pull(2, "main", SHA));
    let resolve = format!("sentiment.example.com=127.0.0.1:{}", edge.port);
    let mut step = w
        .push_to_main()
        .var("EDGEPLAN_RESOLVE", &resolve)
        .var("SSL_CERT_FILE", &ca_file)
        .var("INPUT_PUBLIC_CHECK_TIMEOUT", "2");
    for (k, v) in inputs {
        step = step.var(k, v);
    }
    let ran = step.run();
    (w, ran, edge)
}

fn report(w: &World) -> String {
    let comments = w.gh().comments(REPO, 2);
    comments
        .iter()
        .find(|c| c.body.starts_with(APPLIED))
        .unwrap_or_else(|| panic!("no apply report: {comments:#?}"))
        .body
        .clone()
}

/// Every duration (`12 ms`, `0.0 s`) replaced by `[time]`, for a snapshot.
fn without_timings(text: &str) -> String {
    text.lines()
        .map(|line| {
            let words: Vec<&str> = line.split(' ').collect();
            let mut out: Vec<String> = Vec::new();
            let mut i = 0;
            while i < words.len() {
                let unit = words
                    .get(i + 1)
                    .map(|u| u.trim_end_matches([',', ')', '|']));
                let number = words[i].trim_start_matches('(');
                if number.parse::<f64>().is_ok() && matches!(unit, Some("ms" | "s")) {
                    let open = &words[i][..words[i].len() - number.len()];
                    let rest = &words[i + 1][unit.map_or(0, str::len)..];
                    out.push(format!("{open}[time]{rest}"));
                    i += 2;
                } else {
                    out.push(words[i].to_string());
                    i += 1;
                }
            }
            out.join(" ")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn push_reports_the_public_check_in_the_log_output_summary_and_merged_pr() {
    let (w, ran, edge) = push(200, &[]);
    let ran = ran.expect(0);
    crate::support::harness::assert_no_tokens(&w, &ran);
    ran.assert_stdout_has(
        "Public check: the endpoint answers at its public name through Cloudflare.",
    );
    let json: serde_json::Value =
        serde_json::from_str(&ran.output("public-health").expect("public-health output"))
            .expect("JSON");
    let row = &json[0];
    assert_eq!(json.as_array().map(Vec::len), Some(1));
    assert_eq!(row["name"], "sentiment.example.com");
    assert_eq!(row["url"], "https://sentiment.example.com/healthz");
    assert_eq!(row["status"], 200);
    assert_eq!(row["through_cloudflare"], true);
    assert_eq!(row["cf_ray"], RAY);
    assert_eq!(row["ok"], true);
    assert!(row["reason"].is_null());
    assert!(row["latency_ms"].is_u64());
    ran.assert_summary_has("#### Public check");
    ran.assert_summary_has(&format!(
        "| `https://sentiment.example.com/healthz` | 200 | yes, cf-ray `{RAY}` | ok ("
    ));
    // The request carried no token of either kind.
    for seen in edge.requests() {
        for (name, value) in &seen.headers {
            assert!(name != "authorization" && name != "cookie", "{name}");
            assert!(
                !ran.tokens.iter().any(|t| value.contains(t.as_str())),
                "{name}"
            );
        }
    }
    let fingerprint = ran.fingerprint();
    let body = w.redact(&report(&w), &[(fingerprint.as_str(), "[fingerprint]")]);
    insta::assert_snapshot!("apply_report_with_public_check", without_timings(&body));
}

#[test]
fn public_check_fail_fails_the_step_with_the_dns_applied_and_the_report_posted() {
    let (w, ran, _edge) = push(522, &[("INPUT_PUBLIC_CHECK", "fail")]);
    let ran = ran.expect(1);
    crate::support::harness::assert_no_tokens(&w, &ran);
    ran.assert_stdout_has(
        "::error title=edgeplan::the public check failed for https://sentiment.example.com/healthz",
    );
    assert!(
        w.records()
            .iter()
            .any(|r| r.name == "sentiment.example.com")
    );
    let body = report(&w);
    assert!(
        body.contains("HTTP 522 from Cloudflare: the connection to the origin timed out"),
        "{body}"
    );
    assert!(
        body.contains("the step fails (public-check: fail)"),
        "{body}"
    );
    assert_eq!(
        ran.summary.matches("### edgeplan").count(),
        1,
        "one section: {}",
        ran.summary
    );
    let json: serde_json::Value =
        serde_json::from_str(&ran.output("public-health").expect("output")).expect("JSON");
    assert_eq!(json[0]["ok"], false);
    assert_eq!(json[0]["status"], 522);
}

#[test]
fn a_warning_by_default_and_a_bad_input_stops_the_step_before_any_write() {
    let (w, ran, _edge) = push(522, &[]);
    let ran = ran.expect(0);
    assert!(
        ran.stdout.contains("::warning title=edgeplan%3A public check::https://sentiment.example.com/healthz: HTTP 522"),
        "{}",
        ran.dump()
    );
    assert_eq!(w.batches().len(), 1);

    let (w, ran, edge) = push(200, &[("INPUT_PUBLIC_CHECK", "strict")]);
    let ran = ran.expect(64);
    ran.assert_stderr_has("`public-check`");
    assert!(w.batches().is_empty(), "nothing written");
    assert!(edge.requests().is_empty());
}

/// docs/action.md shows the report with the public check as the snapshot above holds it.
#[test]
fn docs_show_the_snapshotted_report() {
    let root = env!("CARGO_MANIFEST_DIR");
    let snap = std::fs::read_to_string(format!(
        "{root}/tests/it/snapshots/it__action_public__apply_report_with_public_check.snap"
    ))
    .expect("snapshot");
    let body = snap
        .splitn(3, "---\n")
        .nth(2)
        .expect("snapshot body")
        .trim_end();
    let docs = std::fs::read_to_string(format!("{root}/docs/action.md")).expect("docs");
    assert!(
        docs.contains(body),
        "docs/action.md does not show the snapshot's body:\n{body}"
    );
}
