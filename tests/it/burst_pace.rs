//! Cloudflare allows 200 requests per second from one address: the client holds itself to 150 in
//! any second, however many pages a listing has.

use std::time::Duration;

use crate::support::cloudflare::{CloudflareServer, Plan, TOKEN};
use edgeplan::cloudflare::{ClientOptions, CloudflareClient};
use edgeplan::provider::Provider;
use edgeplan::secret::Secret;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_listing_of_many_pages_is_held_to_150_requests_a_second() {
    let cf = CloudflareServer::start();
    cf.set_max_per_page(1);
    cf.seed_zone("example.com", Plan::Free);
    for i in 0..320 {
        cf.add_record(
            "example.com",
            json!({"type": "A", "name": format!("h{i}"), "content": "192.0.2.1"}),
        );
    }
    let client = CloudflareClient::new(&cf.url(), Secret::new(TOKEN), ClientOptions::default())
        .expect("client");
    let zone = client.zone("example.com", None).await.expect("zone");
    let records = client.records(&zone).await.expect("records");
    assert_eq!(records.len(), 320);
    let sent: Vec<_> = cf.requests().iter().map(|r| r.at).collect();
    assert!(sent.len() >= 321, "{} requests", sent.len());
    // The most requests that arrived within any one second (the log is in arrival order).
    let busiest = (0..sent.len())
        .map(|i| {
            (sent[i..].iter())
                .take_while(|t| t.duration_since(sent[i]) < Duration::from_secs(1))
                .count()
        })
        .max()
        .unwrap_or(0);
    // 150 are sent in any second; a request sent late in one second can arrive in the next, so
    // the server may see a few more in one second of arrivals: still far under 200.
    assert!(busiest <= 170, "{busiest} requests within one second");
    // However slow the machine: the 301st request goes no earlier than two seconds after the
    // first, so a client without the pace fails here even where it could not send 170 a second.
    let spread = sent[sent.len() - 1].duration_since(sent[0]);
    assert!(spread >= Duration::from_millis(1_900), "{spread:?}");
}
