//! The parts of the local Cloudflare that bench/run.py relies on when it measures edgeplan and
//! octoDNS side by side: the `GET /__stats` request counter (read from outside the process) and
//! the page-rule listing octoDNS's Cloudflare provider makes on every plan.
//! <https://developers.cloudflare.com/api/resources/page_rules/methods/list/>

use std::io::{Read, Write};

use crate::support::cloudflare::{CloudflareServer, Plan, TOKEN};
use serde_json::Value;

/// One request on its own connection; returns the status and the JSON body.
fn get(cf: &CloudflareServer, path: &str, token: Option<&str>) -> (u16, Value) {
    let addr = cf.url();
    let addr = addr
        .trim_start_matches("http://")
        .trim_end_matches("/client/v4");
    let mut stream = std::net::TcpStream::connect(addr).expect("connect");
    let auth = token
        .map(|t| format!("authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    let request = format!("GET {path} HTTP/1.1\r\nhost: x\r\n{auth}connection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).expect("write");
    let mut out = String::new();
    stream.read_to_string(&mut out).expect("read");
    let status = out
        .get(9..12)
        .and_then(|s| s.parse().ok())
        .expect("status line");
    let body = out.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or("");
    (status, serde_json::from_str(body).expect("JSON body"))
}

#[test]
fn stats_count_api_requests_and_reset_on_request() {
    let cf = CloudflareServer::start();
    let zone = cf.seed_zone("example.com", Plan::Free);
    get(&cf, "/client/v4/zones?name=example.com", Some(TOKEN));
    get(
        &cf,
        &format!("/client/v4/zones/{zone}/dns_records"),
        Some(TOKEN),
    );
    // A refused request still reached the server, so it counts.
    get(&cf, "/client/v4/zones", None);

    let (status, stats) = get(&cf, "/__stats?reset=1", None);
    assert_eq!(status, 200);
    assert_eq!(stats["requests"], 3, "{stats}");
    assert_eq!(stats["by_method"]["GET"], 3, "{stats}");

    // The reset emptied the count, and reading the counter is not itself counted.
    let (_, stats) = get(&cf, "/__stats", None);
    assert_eq!(stats["requests"], 0, "{stats}");
    assert!(cf.requests().is_empty());
}

#[test]
fn page_rules_list_is_empty_and_needs_a_token() {
    let cf = CloudflareServer::start();
    let zone = cf.seed_zone("example.com", Plan::Free);
    let path = format!("/client/v4/zones/{zone}/pagerules?status=active");

    let (status, body) = get(&cf, &path, Some(TOKEN));
    assert_eq!(status, 200);
    assert_eq!(body["success"], true);
    assert_eq!(body["result"], serde_json::json!([]));

    let (status, body) = get(&cf, &path, Some("wrong-token"));
    assert_eq!(status, 403, "{body}");
}
