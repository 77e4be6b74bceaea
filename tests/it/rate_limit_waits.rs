//! Rate-limit waits as the services document them, through the binary against the local servers.
//!
//! A `Retry-After` that names no wait (zero, or a date already past) falls back to the normal
//! backoff: resending at once would only meet the limit again (issue 24 item 9).

use std::time::Duration;

use crate::support::cloudflare::Fault;

use crate::apply_faults::world;

/// The gaps between the first `n + 1` requests the local Cloudflare received.
fn first_gaps(w: &crate::support::harness::World, n: usize) -> Vec<Duration> {
    let log = w.cf.requests();
    assert!(log.len() > n, "only {} requests", log.len());
    log.windows(2)
        .take(n)
        .map(|pair| pair[1].at.duration_since(pair[0].at))
        .collect()
}

/// The one line of `stderr` that `is_it` picks out: a wait is said once, however long it lasts.
fn said_once(stderr: &str, is_it: impl Fn(&str) -> bool) -> &str {
    let said: Vec<&str> = stderr.lines().filter(|l| is_it(l)).collect();
    assert_eq!(said.len(), 1, "said once:\n{stderr}");
    said[0]
}

/// Fails unless `line` holds each of `parts`, the first at its start.
fn assert_line(line: &str, parts: &[&str]) {
    if let Some((first, rest)) = parts.split_first() {
        assert!(line.starts_with(first), "{line}");
        for part in rest {
            assert!(line.contains(part), "{line}: no {part}");
        }
    }
}

fn backs_off_when_told(value: &str) {
    let w = world();
    w.cf.inject(Fault::RateLimitSaying(value.to_string()), 2);
    // A budget of 8 s makes the first backoff step 500 ms (375 ms at least, with jitter).
    let run = w
        .run_with(&["plan"], &[("EDGEPLAN_RETRY_BUDGET_MS", "8000")])
        .expect(0);
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    for gap in first_gaps(&w, 2) {
        assert!(
            gap >= Duration::from_millis(300),
            "`Retry-After: {value}` was resent after {gap:?}, without the backoff"
        );
        assert!(gap < Duration::from_secs(5), "waited {gap:?}");
    }
}

#[test]
fn a_retry_after_date_in_the_past_falls_back_to_the_backoff() {
    backs_off_when_told("Thu, 01 Jan 1970 00:00:00 GMT");
}

#[test]
fn a_retry_after_of_zero_falls_back_to_the_backoff() {
    backs_off_when_told("0");
}

// GitHub's rate limits (issue 24 item 11), the longest rate-limit wait (item 12) and the notice
// of a call that has no answer (item 15).

use std::net::TcpListener;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use serde_json::json;

use crate::support::harness::{Run, World};

/// GitHub's message for a secondary rate limit (403, no `retry-after`).
const SECONDARY: &str = "You have exceeded a secondary rate limit and have been temporarily blocked from content creation. Please retry your request again later.";

/// The gap between the first `POST` the local GitHub received and the next one: the wait before
/// the comment was created again.
fn post_gap(w: &World) -> Duration {
    let posts: Vec<std::time::Instant> = (w.gh().received().into_iter())
        .filter(|(_, what)| what.starts_with("POST ") && what.ends_with("/comments"))
        .map(|(at, _)| at)
        .collect();
    assert_eq!(posts.len(), 2, "the comment was created on the second try");
    posts[1].duration_since(posts[0])
}

/// The preview `ran` exited 0 with its one comment created, on the second try: the wait before
/// that try.
fn created_once_after(w: &World, ran: &Run) -> Duration {
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    assert_eq!(w.gh().comments(crate::support::harness::REPO, 2).len(), 1);
    post_gap(w)
}

/// A pull request preview whose comment write meets `status` with `body` and `headers` first.
fn preview_meeting(
    status: u16,
    body: &str,
    headers: &[(&str, &str)],
    env: &[(&str, &str)],
) -> (World, Run, Duration) {
    let w = World::for_action();
    w.manifest("  - name: sentiment\n    target: sentiment.elb.amazonaws.com\n");
    w.gh()
        .fail_next_with("POST", status, json!({"message": body}), headers);
    let mut step = w
        .pull_request("pull_request.opened.json")
        .var("INPUT_SKIP_HEALTH", "true");
    for (k, v) in env {
        step = step.var(k, v);
    }
    let started = Instant::now();
    let ran = step.run();
    (w, ran, started.elapsed())
}

/// [`preview_meeting`] GitHub's primary limit spent, reset `reset_in` seconds from now.
fn preview_meeting_a_spent_limit(reset_in: u64, env: &[(&str, &str)]) -> (World, Run, Duration) {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).expect("clock");
    let reset = (now.as_secs() + reset_in).to_string();
    preview_meeting(
        403,
        "API rate limit exceeded for installation ID 1.",
        &[
            ("x-ratelimit-remaining", "0"),
            ("x-ratelimit-reset", &reset),
        ],
        env,
    )
}

/// GitHub's primary limit spent (`x-ratelimit-remaining: 0`): the request waits until
/// `x-ratelimit-reset`, says so on stderr, and goes again. Before, it was retried after 0.5, 1
/// and 2 s (a POST not at all) and failed.
#[test]
fn a_spent_github_rate_limit_is_waited_out_until_its_reset() {
    let (w, ran, _) = preview_meeting_a_spent_limit(2, &[]);
    let gap = created_once_after(&w, &ran);
    assert!(
        gap >= Duration::from_millis(1000),
        "sent again after {gap:?}, before the reset"
    );
    assert!(gap < Duration::from_secs(5), "waited {gap:?}");
    ran.assert_stderr_has(
        "for GitHub's rate limit, then trying again (create a comment on octo-org/dns#2)",
    );
    ran.assert_stderr_has("x-ratelimit-reset");
}

/// A secondary rate limit is recognised by its message, also while the primary limit has
/// requests left, and waited out for at least GitHub's minute (scaled by
/// `EDGEPLAN_GITHUB_RETRY_MS`: 120 x 5 ms here) before the comment is created once.
#[test]
fn a_secondary_github_rate_limit_is_recognised_by_its_message_and_waited_for() {
    let (w, ran, _) = preview_meeting(
        403,
        SECONDARY,
        &[("x-ratelimit-remaining", "4990")],
        &[("EDGEPLAN_GITHUB_RETRY_MS", "5")],
    );
    let gap = created_once_after(&w, &ran);
    assert!(
        gap >= Duration::from_millis(550),
        "sent again after {gap:?}"
    );
    let said = said_once(&ran.stderr, |l| l.contains("secondary rate limit"));
    assert_line(said, &["edgeplan: waiting 0.6 s for GitHub's rate limit"]);
}

/// A rate limit whose wait would pass the longest rate-limit wait ends the call at once (exit 3),
/// naming what it would have waited for and the bound.
#[test]
fn a_github_rate_limit_past_the_longest_wait_exits_3_naming_it() {
    let (w, ran, took) =
        preview_meeting_a_spent_limit(600, &[("EDGEPLAN_RATE_LIMIT_WAIT_MS", "2000")]);
    assert_eq!(ran.code, 3, "{}", ran.stderr);
    assert!(took < Duration::from_secs(20), "{took:?}");
    ran.assert_stderr_has("the rate limit resets in");
    ran.assert_stderr_has(
        "(x-ratelimit-reset), past the longest rate-limit wait (2.0 s per request, EDGEPLAN_RATE_LIMIT_WAIT_MS; 0.0 s waited already)",
    );
    assert!(w.gh().comments(crate::support::harness::REPO, 2).is_empty());
}

/// `edgeplan plan` whose first Cloudflare request meets a 429 asking to wait `secs` seconds,
/// with `env` set, exiting `code`; and how long it took.
fn plan_meeting_a_rate_limit(secs: u64, env: (&str, &str), code: i32) -> (World, Run, Duration) {
    let w = world();
    w.cf.inject(Fault::rate_limit(secs), 1);
    let started = Instant::now();
    let run = w.run_with(&["plan"], &[env]).expect(code);
    (w, run, started.elapsed())
}

/// Cloudflare blocks for five minutes: the rate-limit wait is its own bound, apart from the
/// call's retry budget, so a `Retry-After` longer than the whole budget is waited out (a matrix
/// job sharing the limit degrades by waiting), and said on stderr. Before, it ended the call.
#[test]
fn a_cloudflare_rate_limit_longer_than_the_retry_budget_is_waited_out() {
    let (w, run, took) = plan_meeting_a_rate_limit(2, ("EDGEPLAN_RETRY_BUDGET_MS", "1000"), 0);
    assert!(took >= Duration::from_millis(1900), "{took:?}");
    let gaps = first_gaps(&w, 1);
    assert!(gaps[0] >= Duration::from_millis(1900), "{gaps:?}");
    let said = said_once(&run.stderr, |l| l.contains("rate limit"));
    assert_line(
        said,
        &[
            "edgeplan: waiting 2.0 s for Cloudflare's rate limit, then trying again (GET /zones",
            "(Retry-After)",
        ],
    );
}

/// Past the longest rate-limit wait (here 1 s), a Cloudflare rate limit ends the call at once
/// with exit 3, naming the wait asked for and the bound.
#[test]
fn a_cloudflare_rate_limit_past_the_longest_wait_exits_3_naming_it() {
    let (_, run, took) = plan_meeting_a_rate_limit(5, ("EDGEPLAN_RATE_LIMIT_WAIT_MS", "1000"), 3);
    assert!(took < Duration::from_secs(4), "{took:?}");
    run.assert_stderr_has(
        "Cloudflare is rate limiting this token (HTTP 429): it asks to wait 5.0 s (Retry-After), past the longest rate-limit wait (1.0 s per request, EDGEPLAN_RATE_LIMIT_WAIT_MS; 0.0 s waited already)",
    );
    run.assert_stderr_has("raise EDGEPLAN_RATE_LIMIT_WAIT_MS");
}

/// A local server that accepts connections and never answers: stops when dropped.
struct Silent {
    /// Held for as long as the server runs: the port listens until it is dropped.
    _listener: TcpListener,
    url: String,
}

impl Silent {
    fn start() -> Silent {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        // The kernel completes the handshakes of the backlog: connected, never answered.
        Silent {
            _listener: listener,
            url,
        }
    }
}

/// The line an `edgeplan plan` against the Cloudflare at `url` (attempts of 1.5 s, a retry
/// budget of 2.5 s, a notice after 0.5 s) says while it waits, once, before it exits 3.
fn plan_waiting_for(url: &str) -> String {
    let run = world().run_with(
        &["plan"],
        &[
            ("CLOUDFLARE_BASE_URL", url),
            ("EDGEPLAN_HTTP_TIMEOUT_MS", "1500"),
            ("EDGEPLAN_RETRY_BUDGET_MS", "2500"),
            ("EDGEPLAN_WAIT_NOTICE_MS", "500"),
        ],
    );
    assert_eq!(run.code, 3, "{}", run.stderr);
    said_once(&run.stderr, |l| l.starts_with("edgeplan: waiting for")).to_string()
}

/// With no answer for a while (a slow server, a dead network), a run says on stderr what it is
/// waiting for, once, and still ends within its bounds (exit 3). Before, `plan` was silent until
/// the retry budget ran out.
#[test]
fn a_silent_cloudflare_is_said_once_while_the_run_waits() {
    let silent = Silent::start();
    let started = Instant::now();
    let said = plan_waiting_for(&format!("{}/client/v4", silent.url));
    let took = started.elapsed();
    assert!(took < Duration::from_secs(15), "{took:?}");
    let said = said.as_str();
    assert_line(
        said,
        &[
            "edgeplan: waiting for Cloudflare to answer (GET /zones): no answer after 0.",
            "each attempt may take 1.5 s",
        ],
    );
}

/// The same for a network that refuses every connection: the notice says what the attempts met.
#[test]
fn a_cloudflare_that_refuses_connections_is_said_with_what_the_attempts_met() {
    let closed = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}/client/v4", closed.local_addr().expect("addr"));
    drop(closed);
    assert_line(
        &plan_waiting_for(&url),
        &[
            "edgeplan: waiting for",
            "failed, the last: GET /zones: could not connect",
        ],
    );
}

/// A GitHub that accepts and stays silent: the Action says so once, and ends within its bounds.
#[test]
fn a_silent_github_is_said_once_while_the_action_waits() {
    let silent = Silent::start();
    let w = World::for_action();
    let started = Instant::now();
    let ran = w
        .pull_request("pull_request.opened.json")
        .var("INPUT_SKIP_HEALTH", "true")
        .var("GITHUB_API_URL", &silent.url)
        .var("EDGEPLAN_HTTP_TIMEOUT_MS", "1000")
        .var("EDGEPLAN_WAIT_NOTICE_MS", "500")
        .run();
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
    assert_ne!(ran.code, 0, "{}", ran.stderr);
    said_once(&ran.stderr, |l| {
        l.starts_with("edgeplan: waiting for GitHub to answer")
    });
}
