//! The local Cloudflare's own surface, as other tools (octoDNS, curl) use it: zone listing with
//! paging and filters, record filters, single-record writes. The client tests cover the rest.

use crate::support::cloudflare::{CloudflareServer, Plan, TOKEN, ZoneSpec};
use serde_json::{Value, json};

async fn get(cf: &CloudflareServer, path: &str) -> Value {
    reqwest::Client::new()
        .get(format!("{}{path}", cf.url()))
        .bearer_auth(TOKEN)
        .send()
        .await
        .expect("send")
        .json()
        .await
        .expect("json")
}

fn names(v: &Value) -> Vec<String> {
    v["result"]
        .as_array()
        .expect("result array")
        .iter()
        .map(|r| r["name"].as_str().unwrap_or("").to_string())
        .collect()
}

#[tokio::test]
async fn zones_list_pages_and_filters_by_status_and_account() {
    let cf = CloudflareServer::start();
    for i in 0..7 {
        cf.seed_zone(&format!("z{i}.example"), Plan::Free);
    }
    cf.add_zone(
        ZoneSpec::new("z0.example", Plan::Pro)
            .status("pending")
            .account("acc2", "Two"),
    );
    let page = get(&cf, "/zones?page=2&per_page=5").await;
    assert_eq!(
        page["result_info"],
        json!({"page": 2, "per_page": 5, "count": 3, "total_count": 8, "total_pages": 2})
    );
    let pending = get(&cf, "/zones?name=z0.example&status=pending").await;
    assert_eq!(pending["result"][0]["plan"]["legacy_id"], json!("pro"));
    assert_eq!(
        get(&cf, "/zones?account.id=acc2").await["result"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
}

#[tokio::test]
async fn record_filters_match_case_insensitively() {
    let cf = CloudflareServer::start();
    let z = cf.seed_zone("example.com", Plan::Free);
    cf.add_record("example.com", json!({"type": "CNAME", "name": "api", "content": "o.example.net", "comment": "edgeplan:ml | x"}));
    cf.add_record(
        "example.com",
        json!({"type": "A", "name": "www", "content": "192.0.2.1", "comment": "manual"}),
    );
    cf.add_record(
        "example.com",
        json!({"type": "TXT", "name": "www", "content": "hello"}),
    );
    let base = format!("/zones/{z}/dns_records");
    assert_eq!(
        names(&get(&cf, &format!("{base}?comment.startswith=EDGEPLAN:")).await),
        ["api.example.com"]
    );
    assert_eq!(
        names(&get(&cf, &format!("{base}?name.exact=WWW.example.com")).await),
        ["www.example.com", "www.example.com"]
    );
    assert_eq!(
        names(&get(&cf, &format!("{base}?name=www.example.com&type=TXT")).await),
        ["www.example.com"]
    );
    assert_eq!(
        names(&get(&cf, &format!("{base}?content=192.0.2.1")).await),
        ["www.example.com"]
    );
    // Sorted by type, then name; default page size 100, echoed.
    let all = get(&cf, &base).await;
    let kinds: Vec<&str> = all["result"]
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|r| r["type"].as_str())
        .collect();
    assert_eq!(kinds, ["A", "CNAME", "TXT"]);
    assert_eq!(all["result_info"]["per_page"], json!(100));
    assert_eq!(
        all["result"][1]["settings"],
        json!({"flatten_cname": false})
    );
    assert_eq!(all["result"][2]["comment"], Value::Null);
}

#[tokio::test]
async fn patch_changes_only_the_given_fields() {
    let cf = CloudflareServer::start();
    let z = cf.seed_zone("example.com", Plan::Free);
    let id = cf.add_record(
        "example.com",
        json!({"type": "CNAME", "name": "api", "content": "o.example.net", "comment": "keep me"}),
    );
    let answer: Value = reqwest::Client::new()
        .patch(format!("{}/zones/{z}/dns_records/{id}", cf.url()))
        .bearer_auth(TOKEN)
        .json(&json!({"proxied": true, "ttl": 600}))
        .send()
        .await
        .expect("send")
        .json()
        .await
        .expect("json");
    assert_eq!(answer["result"]["comment"], json!("keep me"));
    assert_eq!(
        (
            answer["result"]["proxied"].clone(),
            answer["result"]["ttl"].clone()
        ),
        (json!(true), json!(1))
    );
    let got = get(&cf, &format!("/zones/{z}/dns_records/{id}")).await;
    assert_eq!(got["result"]["content"], json!("o.example.net"));
    let missing = get(
        &cf,
        &format!("/zones/{z}/dns_records/0123456789abcdef0123456789abcdef"),
    )
    .await;
    assert_eq!(missing["errors"][0]["code"], json!(81044));
}
