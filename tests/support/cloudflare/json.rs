//! The local Cloudflare's JSON: envelopes, record and zone objects, ids and timestamps, shaped
//! like the 2025 recordings in `fixtures/cloudflare` (no `zone_id`, `zone_name` or `locked`;
//! `comment: null`; `tags: []`; timestamps with trailing zeros trimmed).

use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

use super::super::http::Response;
use super::{Rec, ZoneState};

/// 32 lowercase hex characters, like every Cloudflare id today.
pub fn new_id() -> String {
    format!("{:016x}{:016x}", fastrand::u64(..), fastrand::u64(..))
}

/// Now as RFC 3339 with microseconds, trailing zeros trimmed: `2025-08-27T20:36:32.16653Z`.
pub fn timestamp() -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let secs = now.as_secs() as i64;
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    let rem = secs.rem_euclid(86_400);
    let micros = format!("{:06}", now.subsec_micros());
    let micros = micros.trim_end_matches('0');
    let frac = if micros.is_empty() {
        String::new()
    } else {
        format!(".{micros}")
    };
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}{frac}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Howard Hinnant's days-to-date.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

pub fn ok(result: Value) -> Response {
    Response::json(
        200,
        &json!({"result": result, "success": true, "errors": [], "messages": []}),
    )
}

pub fn ok_list(result: Vec<Value>, page: usize, per_page: usize, total: usize) -> Response {
    let total_pages = total.div_ceil(per_page).max(1);
    let count = result.len();
    Response::json(
        200,
        &json!({"result": result, "success": true, "errors": [], "messages": [],
                "result_info": {"page": page, "per_page": per_page, "count": count,
                                "total_count": total, "total_pages": total_pages}}),
    )
}

/// One error object, optionally wrapping a chain (`1004` around `9007`).
pub fn err(code: i64, message: &str) -> Value {
    json!({"code": code, "message": message})
}

pub fn chained(code: i64, message: &str, inner: Value) -> Value {
    json!({"code": code, "message": message, "error_chain": [inner]})
}

/// A failure: the envelope exactly as in the 81058 recording.
pub fn fail(status: u16, errors: Vec<Value>) -> Response {
    Response::json(
        status,
        &json!({"result": null, "success": false, "errors": errors, "messages": []}),
    )
}

pub fn rate_limited(retry_after_secs: u64) -> Response {
    fail(
        429,
        vec![err(
            971,
            "Please wait and consider throttling your request speed",
        )],
    )
    .header("retry-after", retry_after_secs.to_string())
}

/// A record as the 2025 API returns it.
pub fn record(r: &Rec) -> Value {
    let mut v = json!({
        "id": r.id, "name": r.name, "type": r.kind, "content": r.content,
        "proxiable": super::rules::proxiable(&r.kind, &r.content),
        "proxied": r.proxied, "ttl": r.ttl,
        "settings": if r.kind == "CNAME" { json!({"flatten_cname": false}) } else { json!({}) },
        "meta": {}, "comment": r.comment, "tags": r.tags,
        "created_on": r.created_on, "modified_on": r.modified_on,
    });
    if let Some(obj) = v.as_object_mut() {
        if r.comment.is_some() {
            obj.insert("comment_modified_on".into(), json!(r.modified_on));
        }
        if !r.tags.is_empty() {
            obj.insert("tags_modified_on".into(), json!(r.modified_on));
        }
        if let Some(p) = r.priority {
            obj.insert("priority".into(), json!(p));
        }
    }
    v
}

/// A zone as `GET /zones` returns it in 2025.
pub fn zone(z: &ZoneState, permissions: Vec<&str>) -> Value {
    json!({
        "id": z.id, "name": z.name, "status": z.status, "paused": false, "type": "full",
        "development_mode": 0,
        "name_servers": ["ada.ns.cloudflare.com", "bob.ns.cloudflare.com"],
        "original_name_servers": null, "original_registrar": null, "original_dnshost": null,
        "modified_on": z.created_on, "created_on": z.created_on, "activated_on": z.created_on,
        "meta": {"step": 4, "custom_certificate_quota": 0, "page_rule_quota": 3,
                 "phishing_detected": false},
        "owner": {"id": null, "type": "user", "email": null},
        "account": {"id": z.account_id, "name": z.account_name},
        "tenant": {"id": null, "name": null}, "tenant_unit": {"id": null},
        "permissions": permissions,
        "plan": {"id": "0feeeeeeeeeeeeeeeeeeeeeeeeeeeeee", "name": z.plan.display_name(),
                 "price": 0, "currency": "USD", "frequency": "", "is_subscribed": false,
                 "can_subscribe": false, "legacy_id": z.plan.legacy_id(),
                 "legacy_discount": false, "externally_managed": false},
    })
}

/// A record from seed JSON (a `result` item of a listing, or a shorter hand-written one).
pub fn seed_record(zone: &str, v: &Value) -> Result<Rec, String> {
    let text = |key: &str| v.get(key).and_then(Value::as_str).map(str::to_string);
    let kind = text("type")
        .ok_or_else(|| format!("record without `type`: {v}"))?
        .to_ascii_uppercase();
    let name = super::rules::fqdn(zone, &text("name").unwrap_or_else(|| "@".into()));
    let content = text("content").ok_or_else(|| format!("record without `content`: {v}"))?;
    let content = if kind == "CNAME" {
        content.trim_end_matches('.').to_ascii_lowercase()
    } else {
        content
    };
    let proxied = v.get("proxied").and_then(Value::as_bool).unwrap_or(false);
    let ttl = v.get("ttl").and_then(Value::as_u64).unwrap_or(1) as u32;
    let now = timestamp();
    Ok(Rec {
        id: text("id").unwrap_or_else(new_id),
        name,
        kind,
        content,
        proxied,
        ttl: if proxied { 1 } else { ttl },
        comment: text("comment").filter(|c| !c.is_empty()),
        tags: v
            .get("tags")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default(),
        priority: v.get("priority").and_then(Value::as_u64),
        created_on: text("created_on").unwrap_or_else(|| now.clone()),
        modified_on: text("modified_on").unwrap_or(now),
    })
}
