use std::time::UNIX_EPOCH;

use super::*;

fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
    let mut h = HeaderMap::new();
    for (k, v) in pairs {
        h.insert(*k, v.parse().expect("header value"));
    }
    h
}

fn resend(api: Api, method: Method, status: u16, h: &HeaderMap) -> bool {
    api.idempotency(&method)
        .may_resend(status_failure(api, status, h, ""))
}

#[test]
fn retry_after_reads_seconds_and_http_dates() {
    let now = UNIX_EPOCH + Duration::from_secs(784_111_770); // Sun, 06 Nov 1994 08:49:30 GMT
    assert_eq!(parse_retry_after("7", now), Some(Duration::from_secs(7)));
    assert_eq!(
        parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", now),
        Some(Duration::from_secs(7))
    );
    // A date already past means: go now.
    assert_eq!(
        parse_retry_after("Sun, 06 Nov 1994 08:00:00 GMT", now),
        Some(Duration::ZERO)
    );
    assert_eq!(parse_retry_after("soon", now), None);
    assert_eq!(
        parse_retry_after("Sun, 06 Foo 1994 08:49:37 GMT", now),
        None
    );
}

#[test]
fn retry_after_ms_comes_first_and_nonsense_is_ignored() {
    let now = UNIX_EPOCH;
    let both = headers(&[("retry-after-ms", "250"), ("retry-after", "9")]);
    assert_eq!(retry_after(&both, now), Some(Duration::from_millis(250)));
    assert_eq!(
        retry_after(&headers(&[("retry-after", " 9 ")]), now),
        Some(Duration::from_secs(9))
    );
    for junk in ["-1", "NaN", "inf", "1e300"] {
        let h = headers(&[("retry-after-ms", junk), ("retry-after", "2")]);
        assert_eq!(retry_after(&h, now), Some(Duration::from_secs(2)), "{junk}");
    }
    assert_eq!(retry_after(&HeaderMap::new(), now), None);
}

#[test]
fn backoff_grows_is_capped_and_jittered_down_only() {
    let policy = Policy {
        base: Duration::from_millis(100),
        cap: Duration::from_secs(1),
        ..Policy::CLOUDFLARE
    };
    for retry in 0..8 {
        let d = policy.backoff(retry);
        let full = (policy.base * 2u32.pow(retry)).min(policy.cap);
        assert!(d <= full && d >= full.mul_f64(0.75), "{retry}: {d:?}");
    }
    // No cap: still no overflow far out.
    let d = Policy::GITHUB.backoff(40);
    assert!(d >= Policy::GITHUB.base * 49_152, "{d:?}");
}

#[test]
fn cloudflare_writes_are_resent_only_when_not_processed() {
    let none = HeaderMap::new();
    let cf = Api::Cloudflare;
    for status in [408, 409, 429, 500, 502, 503, 504] {
        assert!(resend(cf, Method::GET, status, &none), "GET {status}");
    }
    for status in [408, 409, 429, 503] {
        assert!(resend(cf, Method::POST, status, &none), "POST {status}");
    }
    assert!(!resend(cf, Method::POST, 500, &none));
    assert!(!resend(cf, Method::PUT, 502, &none));
    assert!(!resend(cf, Method::GET, 400, &none));
    assert!(!resend(cf, Method::GET, 403, &none));
    assert!(Idempotency::Write.may_resend(AttemptFailure::NotActed));
    assert!(!Idempotency::Write.may_resend(AttemptFailure::Unknown));
    assert!(Idempotency::Read.may_resend(AttemptFailure::Unknown));
}

#[test]
fn github_retries_reads_and_idempotent_writes_and_sends_posts_once() {
    let none = HeaderMap::new();
    let gh = Api::GitHub;
    for method in [Method::GET, Method::PATCH, Method::DELETE] {
        assert!(resend(gh, method.clone(), 502, &none), "{method}");
        assert!(resend(gh, method.clone(), 429, &none), "{method}");
        assert!(!resend(gh, method.clone(), 422, &none), "{method}");
        // GitHub's 409 is a real conflict (e.g. an empty repository), not a transient one.
        assert!(!resend(gh, method.clone(), 409, &none), "{method}");
    }
    assert!(!resend(gh, Method::POST, 502, &none));
    // A rate limit was not processed: even a POST goes again once it is over.
    assert!(resend(gh, Method::POST, 429, &none));
    assert_eq!(gh.idempotency(&Method::POST), Idempotency::Once);
    assert!(!Idempotency::Once.may_resend(AttemptFailure::NotActed));
    assert!(Idempotency::Once.may_resend(AttemptFailure::Limited(Limit::Secondary)));
}

#[test]
fn a_github_403_is_a_rate_limit_only_when_the_headers_say_so() {
    let none = HeaderMap::new();
    let exhausted = headers(&[("x-ratelimit-remaining", "0")]);
    let asked = headers(&[("retry-after", "30")]);
    assert!(!rate_limited(Api::GitHub, 403, &none));
    assert!(rate_limited(Api::GitHub, 403, &exhausted));
    assert!(rate_limited(Api::GitHub, 403, &asked));
    assert!(!rate_limited(Api::Cloudflare, 403, &asked));
    assert!(rate_limited(Api::Cloudflare, 429, &none));
    assert_eq!(
        status_failure(Api::GitHub, 403, &exhausted, ""),
        AttemptFailure::Limited(Limit::Unnamed),
        "spent, with no reset to wait for"
    );
    assert_eq!(
        status_failure(Api::GitHub, 403, &none, ""),
        AttemptFailure::Final
    );
    assert_eq!(
        status_failure(Api::Cloudflare, 403, &asked, ""),
        AttemptFailure::Final
    );
}

#[tokio::test(start_paused = true)]
async fn the_budget_counts_retries_waits_and_time() {
    let policy = Policy {
        max_retries: 2,
        budget: Duration::from_secs(10),
        max_wait: Duration::from_secs(6),
        ..Policy::CLOUDFLARE
    };
    let mut budget = policy.start();
    assert_eq!(budget.attempts(), 1);
    assert!(!budget.allow(Duration::from_secs(7)), "beyond max_wait");
    assert!(budget.allow(Duration::from_secs(6)));
    assert_eq!(budget.attempts(), 2);
    tokio::time::sleep(Duration::from_secs(6)).await;
    assert_eq!(budget.room(), Duration::from_secs(4));
    assert!(
        !budget.allow(Duration::from_secs(5)),
        "beyond the budget left"
    );
    assert!(budget.allow(Duration::from_secs(4)));
    assert!(!budget.allow(Duration::ZERO), "out of retries");
    assert_eq!(budget.attempts(), 3);
    // No budget at all (GitHub): no overflow.
    let mut open = Policy::GITHUB.start();
    assert_eq!(open.room(), Policy::GITHUB.max_wait);
    assert!(open.allow(Duration::from_secs(60)));
}

#[tokio::test(start_paused = true)]
async fn a_rate_limit_on_one_task_delays_another_sharing_the_gate() {
    let gate = RateGate::new();
    let started = Instant::now();
    let limited = {
        let gate = gate.clone();
        tokio::spawn(async move {
            // This task's request met a 429 asking for 5 s.
            gate.pause(Duration::from_secs(5));
        })
    };
    limited.await.expect("task");
    let other = {
        let gate = gate.clone();
        tokio::spawn(async move {
            gate.wait(Duration::from_secs(60)).await;
            started.elapsed()
        })
    };
    assert_eq!(other.await.expect("task"), Duration::from_secs(5));
    assert_eq!(gate.remaining(), Duration::ZERO);
    // Once the pause is over, nobody waits.
    let before = Instant::now();
    gate.wait(Duration::from_secs(60)).await;
    assert_eq!(before.elapsed(), Duration::ZERO);
}

#[tokio::test(start_paused = true)]
async fn a_longer_pause_stands_and_one_set_meanwhile_is_waited_out() {
    let gate = RateGate::new();
    gate.pause(Duration::from_secs(5));
    gate.pause(Duration::from_secs(2));
    assert_eq!(
        gate.remaining(),
        Duration::from_secs(5),
        "the later end stands"
    );
    let started = Instant::now();
    let waiter = {
        let gate = gate.clone();
        tokio::spawn(async move { gate.wait(Duration::from_secs(60)).await })
    };
    tokio::time::sleep(Duration::from_secs(4)).await;
    // Another 429 arrives while the first pause runs: the waiter stays until its end.
    gate.pause(Duration::from_secs(3));
    waiter.await.expect("task");
    assert_eq!(started.elapsed(), Duration::from_secs(7));
}

#[tokio::test(start_paused = true)]
async fn a_pause_beyond_the_room_left_is_not_waited_for() {
    let gate = RateGate::new();
    gate.pause(Duration::from_secs(300));
    let started = Instant::now();
    gate.wait(Duration::from_secs(120)).await;
    assert_eq!(started.elapsed(), Duration::ZERO);
    // A day at most, whatever was asked.
    gate.pause(Duration::MAX);
    assert_eq!(gate.remaining(), Duration::from_secs(86_400));
}

/// Cloudflare allows 1,200 requests per five minutes (per user for a user token, per token for an
/// account-owned token): a long run must slow down before it meets 429s, and must not slow down
/// before it needs to.
#[tokio::test(start_paused = true)]
async fn a_paced_gate_lets_the_limit_through_at_once_and_holds_the_next_until_the_window_moves() {
    let gate = RateGate::paced(&[(3, Duration::from_secs(300))]);
    let started = Instant::now();
    for _ in 0..3 {
        gate.pace().await;
    }
    assert_eq!(
        started.elapsed(),
        Duration::ZERO,
        "within the limit: no wait"
    );
    tokio::time::sleep(Duration::from_secs(100)).await;
    gate.pace().await;
    assert_eq!(
        started.elapsed(),
        Duration::from_secs(300),
        "the fourth waits until the first is 300 s old"
    );
    // Clones share the count: the window holds the one sent at 300 s, so two more go at once
    // and the next waits for the window to move again.
    let other = gate.clone();
    other.pace().await;
    other.pace().await;
    assert_eq!(started.elapsed(), Duration::from_secs(300));
    other.pace().await;
    assert_eq!(started.elapsed(), Duration::from_secs(600));
    // A gate that does not pace never waits.
    let open = RateGate::new();
    for _ in 0..10 {
        open.pace().await;
    }
    assert_eq!(started.elapsed(), Duration::from_secs(600));
}

#[test]
fn a_wait_for_the_pace_is_not_held_against_the_retry_budget() {
    let policy = Policy {
        budget: Duration::from_millis(200),
        ..Policy::CLOUDFLARE
    };
    let mut spent = policy.start();
    let mut paced = policy.start();
    std::thread::sleep(Duration::from_millis(250));
    paced.exclude(Duration::from_millis(250));
    assert_eq!(spent.room(), Duration::ZERO);
    assert!(!spent.allow(Duration::from_millis(10)));
    assert!(paced.room() > Duration::ZERO);
    assert!(paced.allow(Duration::from_millis(10)));
}

#[test]
fn a_retry_after_of_zero_or_in_the_past_names_no_wait() {
    let now = SystemTime::now();
    for value in ["0", "Thu, 01 Jan 1970 00:00:00 GMT"] {
        let mut headers = HeaderMap::new();
        headers.insert("retry-after", value.parse().expect("value"));
        assert_eq!(retry_after(&headers, now), None, "{value}");
    }
    let mut headers = HeaderMap::new();
    headers.insert("retry-after-ms", "0".parse().expect("value"));
    assert_eq!(retry_after(&headers, now), None);
    headers.insert("retry-after-ms", "1500".parse().expect("value"));
    assert_eq!(
        retry_after(&headers, now),
        Some(Duration::from_millis(1500))
    );
}

/// GitHub's rate limits as its documentation describes them
/// (<https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api>):
/// `retry-after` first, then a spent primary limit until `x-ratelimit-reset`, then a secondary
/// limit, recognised by its message even when the primary limit has requests left.
#[test]
fn github_rate_limits_are_read_as_documented() {
    let now = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    let gh = |status, pairs: &[(&'static str, &str)], body: &str| {
        rate_limit(Api::GitHub, status, &headers(pairs), body, now)
    };
    let secondary = r#"{"message":"You have exceeded a secondary rate limit and have been temporarily blocked from content creation. Please retry your request again later."}"#;
    assert_eq!(
        gh(
            403,
            &[("retry-after", "30"), ("x-ratelimit-remaining", "0")],
            ""
        ),
        Some(Limit::Asked(Duration::from_secs(30)))
    );
    assert_eq!(
        gh(
            403,
            &[
                ("x-ratelimit-remaining", "0"),
                ("x-ratelimit-reset", "1700000100")
            ],
            r#"{"message":"API rate limit exceeded for installation ID 1."}"#
        ),
        Some(Limit::Reset(Duration::from_secs(101))),
        "until the reset, and a second for its rounding"
    );
    assert_eq!(
        gh(
            429,
            &[
                ("x-ratelimit-remaining", "0"),
                ("x-ratelimit-reset", "1600000000")
            ],
            ""
        ),
        Some(Limit::Unnamed),
        "a reset already past names no wait"
    );
    assert_eq!(
        gh(403, &[("x-ratelimit-remaining", "4990")], secondary),
        Some(Limit::Secondary),
        "by its message, not only by the remaining count"
    );
    assert_eq!(
        gh(
            403,
            &[],
            r#"{"message":"You have triggered an abuse detection mechanism."}"#
        ),
        Some(Limit::Secondary)
    );
    assert_eq!(
        gh(429, &[], ""),
        Some(Limit::Secondary),
        "a 429 naming no wait"
    );
    assert_eq!(
        gh(403, &[], r#"{"message":"Must have admin rights"}"#),
        None
    );
    assert_eq!(gh(500, &[], secondary), None);
    assert_eq!(
        rate_limit(Api::Cloudflare, 429, &HeaderMap::new(), "", now),
        Some(Limit::Unnamed)
    );
    assert_eq!(
        rate_limit(Api::Cloudflare, 403, &HeaderMap::new(), secondary, now),
        None
    );
}

/// The longest rate-limit wait is its own bound: a five-minute block fits although the call's
/// budget is two minutes, the waits add up against it, and a secondary limit doubles its wait.
#[tokio::test(start_paused = true)]
async fn rate_limit_waits_count_apart_from_the_budget() {
    let policy = Policy {
        budget: Duration::from_secs(120),
        rate_wait: Duration::from_secs(360),
        secondary: Duration::from_secs(60),
        ..Policy::CLOUDFLARE
    };
    let mut budget = policy.start();
    let block = Duration::from_secs(300);
    assert!(budget.allow_limited(Limit::Asked(block), block));
    tokio::time::sleep(block).await;
    assert_eq!(
        budget.room(),
        Duration::from_secs(120),
        "the budget is untouched"
    );
    assert_eq!(budget.rate_room(), Duration::from_secs(60));
    assert_eq!(budget.limit_wait(Limit::Secondary), Duration::from_secs(60));
    assert!(budget.allow_limited(Limit::Secondary, Duration::from_secs(60)));
    assert_eq!(
        budget.limit_wait(Limit::Secondary),
        Duration::from_secs(120)
    );
    assert!(!budget.allow_limited(Limit::Secondary, Duration::from_secs(120)));
    let bound = budget.bound(Limit::Secondary, Duration::from_secs(120));
    assert_eq!(
        bound.to_string(),
        "a secondary rate limit, which names no wait: the next wait would be 120 s, past the \
         longest rate-limit wait (360 s per request, EDGEPLAN_RATE_LIMIT_WAIT_MS; 360 s waited \
         already)"
    );
}

/// Through the loop: a rate limit asking for longer than the call's budget is waited out and
/// the request sent again; one past the longest rate-limit wait ends the call at once.
#[tokio::test(start_paused = true)]
async fn the_loop_waits_out_a_rate_limit_and_stops_at_its_bound() {
    let policy = Policy {
        budget: Duration::from_secs(10),
        rate_wait: Duration::from_secs(360),
        notice_after: Duration::MAX,
        ..Policy::CLOUDFLARE
    };
    let gate = RateGate::new();
    let run = |asks: Vec<Duration>| {
        let gate = gate.clone();
        async move {
            let call = Call {
                api: Api::Cloudflare,
                what: "GET /zones",
                policy: &policy,
                gate: &gate,
                kind: Idempotency::Read,
                paced: false,
            };
            let mut asks = asks.into_iter();
            let started = Instant::now();
            let result = super::call(
                call,
                || {
                    let next = asks.next();
                    async move {
                        match next {
                            None => Attempt::Done(Ok::<_, GiveUp>(())),
                            Some(wait) => Attempt::Failed {
                                failure: AttemptFailure::Limited(Limit::Asked(wait)),
                                asked: Some(wait),
                                cause: "HTTP 429",
                            },
                        }
                    }
                },
                |_, why, _| why,
            )
            .await;
            (result, started.elapsed())
        }
    };
    let (result, took) = run(vec![Duration::from_secs(300)]).await;
    assert_eq!(result, Ok(()));
    assert_eq!(took, Duration::from_secs(300));
    let (result, took) = run(vec![Duration::from_secs(200), Duration::from_secs(200)]).await;
    assert!(
        matches!(result, Err(GiveUp::RateBound(RateBound { waited, .. }))
            if waited >= Duration::from_secs(200) && waited < Duration::from_secs(201)),
        "{result:?}"
    );
    assert_eq!(
        took,
        Duration::from_secs(200),
        "stopped at once, not after waiting in vain"
    );
}

/// Cloudflare also allows 200 requests per second from one address: a gate with a second window
/// holds a burst to it, and a request goes only when every window has room.
#[tokio::test(start_paused = true)]
async fn a_gate_with_two_windows_holds_a_request_until_both_have_room() {
    let gate = RateGate::paced(&[(5, Duration::from_secs(300)), (2, Duration::from_secs(1))]);
    let started = Instant::now();
    let mut sent = Vec::new();
    for _ in 0..6 {
        gate.pace().await;
        sent.push(started.elapsed());
    }
    let secs = |s: &[u64]| {
        s.iter()
            .map(|&s| Duration::from_secs(s))
            .collect::<Vec<_>>()
    };
    // Two a second; the sixth waits for the five-minute window, not for the next second.
    assert_eq!(sent, secs(&[0, 0, 1, 1, 2, 300]));
}
