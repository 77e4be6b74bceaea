//! The GitHub client's per-attempt deadline, through the binary: a server that trickles its
//! answer, one byte at a time, cannot keep a run alive (issue 24 item 5).

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::support::harness::World;

/// A local server that answers every request with a 200 whose body arrives `chunk` bytes every
/// `every`, `bytes` of them in all, then closes. Stops when dropped.
struct Trickle {
    url: String,
    stop: Arc<AtomicBool>,
}

impl Trickle {
    fn start(every: Duration, chunk: usize, bytes: usize) -> Trickle {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let stop = Arc::new(AtomicBool::new(false));
        listener.set_nonblocking(true).expect("nonblocking");
        let stopping = stop.clone();
        std::thread::spawn(move || {
            while !stopping.load(Ordering::SeqCst) {
                let Ok((mut conn, _)) = listener.accept() else {
                    std::thread::sleep(Duration::from_millis(10));
                    continue;
                };
                let stopping = stopping.clone();
                std::thread::spawn(move || {
                    conn.set_nonblocking(false).ok();
                    conn.set_read_timeout(Some(Duration::from_secs(2))).ok();
                    let mut seen = Vec::new();
                    let mut buf = [0u8; 4096];
                    while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
                        match conn.read(&mut buf) {
                            Ok(0) | Err(_) => return,
                            Ok(n) => seen.extend_from_slice(&buf[..n]),
                        }
                    }
                    let head = format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {bytes}\r\n\r\n"
                    );
                    if conn.write_all(head.as_bytes()).is_err() {
                        return;
                    }
                    let spaces = vec![b' '; chunk];
                    let mut left = bytes;
                    while left > 0 {
                        let n = left.min(chunk);
                        if stopping.load(Ordering::SeqCst) || conn.write_all(&spaces[..n]).is_err()
                        {
                            return;
                        }
                        left -= n;
                        conn.flush().ok();
                        std::thread::sleep(every);
                    }
                });
            }
        });
        Trickle { url, stop }
    }
}

impl Drop for Trickle {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

#[test]
fn a_github_server_that_trickles_its_answer_is_cut_off_at_the_per_attempt_deadline() {
    // A byte every 250 ms never trips a per-read timeout of 1 s; 40 of them take 10 s per
    // attempt, four attempts 40 s: the bound is the per-attempt deadline.
    let trickle = Trickle::start(Duration::from_millis(250), 1, 40);
    let w = World::for_action();
    let started = Instant::now();
    let ran = w
        .pull_request("pull_request.opened.json")
        .var("GITHUB_API_URL", &trickle.url)
        .var("EDGEPLAN_HTTP_TIMEOUT_MS", "1000")
        .run();
    let took = started.elapsed();
    assert!(
        took < Duration::from_secs(9),
        "a trickling GitHub kept the run for {took:?}\n{}",
        ran.stderr
    );
    ran.assert_stderr_has("within 1000 ms, the per-attempt deadline (EDGEPLAN_HTTP_TIMEOUT_MS)");
    assert_ne!(ran.code, 0, "{}", ran.stderr);
}

#[test]
fn a_github_answer_past_the_size_limit_is_an_error_that_names_the_limit() {
    let huge = Trickle::start(Duration::ZERO, 1 << 20, (64 << 20) + 1);
    let w = World::for_action();
    let ran = w
        .pull_request("pull_request.opened.json")
        .var("GITHUB_API_URL", &huge.url)
        .run();
    ran.assert_stderr_has("longer than 64 MiB, the response size limit");
    assert_eq!(ran.code, 3, "{}", ran.stderr);
}

#[test]
fn a_cloudflare_answer_past_the_size_limit_exits_3_naming_the_limit() {
    let w = crate::apply_faults::world();
    w.cf.inject(crate::support::cloudflare::Fault::Huge((64 << 20) + 1), 1);
    let ran = w.run(&["plan"]).expect(3);
    ran.assert_stderr_has("longer than 64 MiB, the response size limit");
    assert_eq!(
        w.cf.requests().len(),
        1,
        "a read that is too long is not read again"
    );
}
