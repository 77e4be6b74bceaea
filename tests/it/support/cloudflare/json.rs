//! The local Cloudflare's JSON: envelopes, record and zone objects, ids and timestamps, shaped
//! like the 2025 recordings in `tests/fixtures/cloudflare` (no `zone_id`, `zone_name` or `locked`;
//! `comment: null`; `tags: []`; timestamps with trailing zeros trimmed).

use std::time::{SystemTime, UNIX_EPOCH};

use serde::Serialize;
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

/// A list answer. Generic so that long record lists are serialised straight to bytes, without
/// building a `Value` per record first (the 10,000-record benchmark reads through this). Without
/// `with_total_pages`, `result_info` holds only what the official schema lists.
pub fn ok_list<T: Serialize>(
    result: &[T],
    page: usize,
    per_page: usize,
    total: usize,
    with_total_pages: bool,
) -> Response {
    #[derive(Serialize)]
    struct Info {
        page: usize,
        per_page: usize,
        count: usize,
        total_count: usize,
        #[serde(skip_serializing_if = "Option::is_none")]
        total_pages: Option<usize>,
    }
    #[derive(Serialize)]
    struct List<'a, T> {
        result: &'a [T],
        success: bool,
        errors: [(); 0],
        messages: [(); 0],
        result_info: Info,
    }
    let body = List {
        result,
        success: true,
        errors: [],
        messages: [],
        result_info: Info {
            page,
            per_page,
            count: result.len(),
            total_count: total,
            total_pages: with_total_pages.then(|| total.div_ceil(per_page).max(1)),
        },
    };
    match serde_json::to_vec(&body) {
        Ok(bytes) => Response::new(200, "application/json", bytes),
        Err(e) => fail(500, vec![err(500, &format!("cannot encode the list: {e}"))]),
    }
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
    rate_limited_saying(&retry_after_secs.to_string())
}

/// [`rate_limited`] with `Retry-After: value` as written.
pub fn rate_limited_saying(value: &str) -> Response {
    fail(
        429,
        vec![err(
            971,
            "Please wait and consider throttling your request speed",
        )],
    )
    .header("retry-after", value.to_string())
}

/// A record as the 2025 API returns it: `settings` `{}` except CNAME's `flatten_cname`, `meta`
/// `{}`, `comment` null when empty, `*_modified_on` only when there is a comment or tags.
#[derive(Serialize)]
pub struct RecordOut<'a> {
    id: &'a str,
    name: &'a str,
    #[serde(rename = "type")]
    kind: &'a str,
    content: &'a str,
    proxiable: bool,
    proxied: bool,
    ttl: u32,
    settings: Settings<'a>,
    meta: Meta,
    comment: Option<&'a str>,
    tags: &'a [String],
    created_on: &'a str,
    modified_on: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    comment_modified_on: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tags_modified_on: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    priority: Option<u64>,
}

#[derive(Serialize)]
struct Settings<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    flatten_cname: Option<bool>,
    #[serde(flatten)]
    stored: &'a serde_json::Map<String, Value>,
}

#[derive(Serialize)]
struct Meta {}

impl<'a> From<&'a Rec> for RecordOut<'a> {
    fn from(r: &'a Rec) -> Self {
        RecordOut {
            id: &r.id,
            name: &r.name,
            kind: &r.kind,
            content: &r.content,
            proxiable: super::rules::proxiable(&r.kind, &r.content),
            proxied: r.proxied,
            ttl: r.ttl,
            settings: Settings {
                flatten_cname: (r.kind == "CNAME" && !r.settings.contains_key("flatten_cname"))
                    .then_some(false),
                stored: &r.settings,
            },
            meta: Meta {},
            comment: r.comment.as_deref(),
            tags: &r.tags,
            created_on: &r.created_on,
            modified_on: &r.modified_on,
            comment_modified_on: r.comment.as_ref().map(|_| r.modified_on.as_str()),
            tags_modified_on: (!r.tags.is_empty()).then_some(r.modified_on.as_str()),
            priority: r.priority,
        }
    }
}

pub fn record(r: &Rec) -> Value {
    serde_json::to_value(RecordOut::from(r)).unwrap_or(Value::Null)
}

/// A zone as `GET /zones` returns it in 2025; without `plan` (deprecated in the schema) when
/// `without_plan`.
pub fn zone(z: &ZoneState, permissions: Vec<&str>, without_plan: bool) -> Value {
    let mut zone = json!({
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
    });
    if without_plan && let Some(fields) = zone.as_object_mut() {
        fields.remove("plan");
    }
    zone
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
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
        settings: v
            .get("settings")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default(),
        priority: v.get("priority").and_then(Value::as_u64),
        created_on: text("created_on").unwrap_or_else(|| now.clone()),
        modified_on: text("modified_on").unwrap_or(now),
    })
}
