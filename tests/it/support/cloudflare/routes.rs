//! Routing, authentication and the endpoint handlers of the local Cloudflare.
//!
//! Auth follows docs/cloudflare.md: no credentials 400/9106, a malformed Authorization header
//! 400/6003 with 6111 chained, an unknown or inactive token 403/10000, a token without
//! Zone:Zone:Read 403/9109 on `/zones`, and without the DNS permission (or outside its zones)
//! 403/10000. <https://developers.cloudflare.com/fundamentals/api/reference/permissions/>

use serde_json::{Value, json};

use super::super::http::{Request, Response};
use super::json::{self, chained, err, fail, ok, ok_list};
use super::rules::{self, BATCH_TOO_LARGE, Mode, Refusal};
use super::{Rec, Scope, State, ZoneState};

pub fn strip_prefix(path: &str) -> &str {
    path.strip_prefix("/client/v4").unwrap_or(path)
}

fn refuse((status, errors): Refusal) -> Response {
    fail(status, errors)
}

fn no_route(path: &str) -> Response {
    fail(
        400,
        vec![
            err(
                7003,
                &format!("Could not route to {path}, perhaps your object identifier is invalid?"),
            ),
            err(7000, "No route for that URI"),
        ],
    )
}

fn forbidden_10000() -> Response {
    fail(403, vec![err(10000, "Authentication error")])
}

fn forbidden_9109() -> Response {
    fail(
        403,
        vec![err(9109, "Unauthorized to access requested resource")],
    )
}

fn is_id(s: &str) -> bool {
    s.len() == 32 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The token's scope, or the auth failure to send.
fn authenticate(state: &State, req: &Request) -> Result<Scope, Response> {
    let Some(header) = req.header("authorization") else {
        return Err(fail(
            400,
            vec![err(
                9106,
                "Missing X-Auth-Key, X-Auth-Email or Authorization headers",
            )],
        ));
    };
    let token = header.strip_prefix("Bearer ").unwrap_or("");
    let well_formed = !token.is_empty()
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !well_formed {
        return Err(fail(
            400,
            vec![chained(
                6003,
                "Invalid request headers",
                err(6111, "Invalid format for Authorization header"),
            )],
        ));
    }
    match state.tokens.iter().find(|(t, _)| t == token) {
        Some((_, scope)) => Ok(scope.clone()),
        None => Err(forbidden_10000()),
    }
}

fn in_scope(scope: &Scope, zone: &ZoneState) -> bool {
    scope
        .zones
        .as_ref()
        .is_none_or(|zs| zs.contains(&zone.name))
}

fn permissions(scope: &Scope) -> Vec<&'static str> {
    let mut p = Vec::new();
    if scope.dns_edit {
        p.push("#dns_records:edit");
    }
    if scope.dns_read || scope.dns_edit {
        p.push("#dns_records:read");
    }
    if scope.zone_read {
        p.push("#zone:read");
    }
    p
}

pub fn handle(state: &mut State, req: &Request) -> Response {
    let path = strip_prefix(&req.path).to_string();
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    if segments == ["user", "tokens", "verify"] && req.method == "GET" {
        return verify(state, req);
    }
    let scope = match authenticate(state, req) {
        Ok(scope) => scope,
        Err(response) => return response,
    };
    if scope.status != "active" {
        return forbidden_10000();
    }
    let method = req.method.as_str();
    let max_per_page = state.max_per_page;
    let total_pages = !state.without_total_pages;
    let lies = Lies {
        overcount: state.overcount,
        empty_pages: state.empty_pages.clone(),
    };
    match (method, segments.as_slice()) {
        ("GET", ["zones"]) => list_zones(state, &scope, req),
        (_, ["zones", id, rest @ ..]) => {
            if !is_id(id) {
                return no_route(&path);
            }
            let Some(zi) = state.zones.iter().position(|z| z.id == *id) else {
                return fail(404, vec![err(1001, "Invalid zone identifier")]);
            };
            let zone = &state.zones[zi];
            let write = method != "GET";
            let allowed = in_scope(&scope, zone)
                && match rest {
                    [] => scope.zone_read,
                    _ if write => scope.dns_edit,
                    _ => scope.dns_read || scope.dns_edit,
                };
            if !allowed {
                return if rest.is_empty() {
                    forbidden_9109()
                } else {
                    forbidden_10000()
                };
            }
            let without_plan = state.without_plan;
            let zone = &mut state.zones[zi];
            match (method, rest) {
                ("GET", []) => ok(json::zone(zone, permissions(&scope), without_plan)),
                ("GET", ["dns_records"]) => {
                    list_records(zone, max_per_page, total_pages, &lies, req)
                }
                ("POST", ["dns_records"]) => create(zone, req),
                ("POST", ["dns_records", "batch"]) => batch(zone, req),
                (_, ["dns_records", rid]) if !is_id(rid) => no_route(&path),
                ("GET", ["dns_records", rid]) => match zone.records.iter().find(|r| r.id == *rid) {
                    Some(r) => ok(json::record(r)),
                    None => not_found(),
                },
                // Page rules are not modelled: every zone has none. octoDNS reads them (for its
                // URLFWD records) unless told `pagerules: false`.
                // <https://developers.cloudflare.com/api/resources/page_rules/methods/list/>
                ("GET", ["pagerules"]) => ok(json!([])),
                ("PUT", ["dns_records", rid]) => update(zone, rid, req, Mode::Overwrite),
                ("PATCH", ["dns_records", rid]) => update(zone, rid, req, Mode::Edit),
                ("DELETE", ["dns_records", rid]) => {
                    match zone.records.iter().position(|r| r.id == *rid) {
                        Some(i) => {
                            let r = zone.records.remove(i);
                            ok(json!({"id": r.id}))
                        }
                        None => not_found(),
                    }
                }
                _ => no_route(&path),
            }
        }
        _ => no_route(&path),
    }
}

fn not_found() -> Response {
    fail(404, vec![err(81044, "Record does not exist.")])
}

fn verify(state: &State, req: &Request) -> Response {
    let token = req
        .header("authorization")
        .and_then(|h| h.strip_prefix("Bearer "))
        .unwrap_or("");
    match state.tokens.iter().find(|(t, _)| t == token) {
        Some((t, scope)) => Response::json(
            200,
            &json!({"result": {"id": format!("{:0>32}", t.len()), "status": scope.status},
                    "success": true, "errors": [],
                    "messages": [{"code": 10000, "message": "This API Token is valid and active", "type": null}]}),
        ),
        None => fail(401, vec![err(1000, "Invalid API Token")]),
    }
}

fn page_params(req: &Request, default: usize, max: usize) -> (usize, usize) {
    let page = req
        .query("page")
        .and_then(|v| v.parse().ok())
        .filter(|p| *p >= 1)
        .unwrap_or(1);
    let per_page = req
        .query("per_page")
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(default)
        .clamp(1, max);
    (page, per_page)
}

fn paged(items: Vec<Value>, page: usize, per_page: usize) -> Response {
    let total = items.len();
    let slice: Vec<Value> = items
        .into_iter()
        .skip((page - 1).saturating_mul(per_page))
        .take(per_page)
        .collect();
    ok_list(&slice, page, per_page, total, true)
}

fn list_zones(state: &State, scope: &Scope, req: &Request) -> Response {
    if !scope.zone_read {
        return forbidden_9109();
    }
    let eq = |key: &str, value: &str| req.query(key).is_none_or(|q| q.eq_ignore_ascii_case(value));
    let zones: Vec<Value> = state
        .zones
        .iter()
        .filter(|z| in_scope(scope, z))
        .filter(|z| eq("name", &z.name) && eq("status", &z.status))
        .filter(|z| eq("account.id", &z.account_id) && eq("account.name", &z.account_name))
        .filter(|z| req.query("name").is_some() || !state.unlisted.contains(&z.name))
        .map(|z| json::zone(z, permissions(scope), state.without_plan))
        .collect();
    // The schema says at most 50, yet per_page=100 was accepted and echoed in 2025.
    let (page, per_page) = page_params(req, 20, 100);
    paged(zones, page, per_page)
}

/// The record filters of `GET dns_records`, parsed once per request. Text matches are
/// case-insensitive, as Cloudflare's are.
struct Filter {
    /// `(field, operator, lower-cased value)`: field is name, content or comment.
    text: Vec<(&'static str, &'static str, String)>,
    kind: Option<String>,
    comment_present: Option<bool>,
    proxied: Option<bool>,
    any: bool,
}

impl Filter {
    fn parse(req: &Request) -> Filter {
        let mut text = Vec::new();
        for field in ["name", "content", "comment"] {
            for op in ["", "exact", "contains", "startswith", "endswith"] {
                let key = if op.is_empty() {
                    field.to_string()
                } else {
                    format!("{field}.{op}")
                };
                if let Some(v) = req.query(&key) {
                    text.push((field, op, v.to_ascii_lowercase()));
                }
            }
        }
        let comment_present = match (req.query("comment.present"), req.query("comment.absent")) {
            (Some(_), _) => Some(true),
            (None, Some(_)) => Some(false),
            (None, None) => None,
        };
        Filter {
            text,
            kind: req.query("type").map(str::to_ascii_uppercase),
            comment_present,
            proxied: req.query("proxied").and_then(|p| p.parse().ok()),
            any: req.query("match") == Some("any"),
        }
    }

    fn matches(&self, r: &Rec) -> bool {
        let mut checks = Vec::new();
        for (field, op, want) in &self.text {
            let have = match *field {
                "name" => r.name.to_ascii_lowercase(),
                "content" => r.content.to_ascii_lowercase(),
                _ => r.comment.as_deref().unwrap_or("").to_ascii_lowercase(),
            };
            checks.push(match *op {
                "contains" => have.contains(want.as_str()),
                "startswith" => have.starts_with(want.as_str()),
                "endswith" => have.ends_with(want.as_str()),
                _ => have == *want,
            });
        }
        if let Some(kind) = &self.kind {
            checks.push(r.kind == *kind);
        }
        if let Some(present) = self.comment_present {
            checks.push(r.comment.is_some() == present);
        }
        if let Some(proxied) = self.proxied {
            checks.push(r.proxied == proxied);
        }
        match (checks.is_empty(), self.any) {
            (true, _) => true,
            (false, true) => checks.iter().any(|c| *c),
            (false, false) => checks.iter().all(|c| *c),
        }
    }
}

/// How a record listing misleads, as set by the test (see [`State::overcount`] and
/// [`State::empty_pages`]).
struct Lies {
    overcount: usize,
    empty_pages: Vec<usize>,
}

fn list_records(
    zone: &ZoneState,
    max_per_page: usize,
    total_pages: bool,
    lies: &Lies,
    req: &Request,
) -> Response {
    let filter = Filter::parse(req);
    let mut records: Vec<&Rec> = zone.records.iter().filter(|r| filter.matches(r)).collect();
    // 2025 listings are sorted by type, then name.
    records.sort_by(|a, b| (&a.kind, &a.name).cmp(&(&b.kind, &b.name)));
    let (page, per_page) = page_params(req, 100, max_per_page);
    let total = records.len() + lies.overcount;
    let dropped = lies.empty_pages.contains(&page);
    let items: Vec<json::RecordOut> = records
        .into_iter()
        .skip((page - 1).saturating_mul(per_page))
        .take(if dropped { 0 } else { per_page })
        .map(json::RecordOut::from)
        .collect();
    ok_list(&items, page, per_page, total, total_pages)
}

fn create(zone: &mut ZoneState, req: &Request) -> Response {
    let body = req.json().unwrap_or(Value::Null);
    let result = rules::build(zone, &body, Mode::Create, None).and_then(|rec| {
        rules::check_against(&rec, &zone.records, true, zone.record_quota)?;
        Ok(rec)
    });
    match result {
        Ok(rec) => {
            let out = json::record(&rec);
            zone.records.push(rec);
            ok(out)
        }
        Err(refusal) => refuse(refusal),
    }
}

fn update(zone: &mut ZoneState, rid: &str, req: &Request, mode: Mode) -> Response {
    let body = req.json().unwrap_or(Value::Null);
    let Some(i) = zone.records.iter().position(|r| r.id == rid) else {
        return not_found();
    };
    let base = zone.records[i].clone();
    let result = rules::build(zone, &body, mode, Some(&base)).and_then(|rec| {
        rules::check_against(&rec, &zone.records, false, zone.record_quota)?;
        Ok(rec)
    });
    match result {
        Ok(rec) => {
            let out = json::record(&rec);
            zone.records[i] = rec;
            ok(out)
        }
        Err(refusal) => refuse(refusal),
    }
}

/// Deletes, patches, puts, posts, on a working copy; the first refusal discards it.
fn batch(zone: &mut ZoneState, req: &Request) -> Response {
    let body = req.json().unwrap_or(Value::Null);
    let list = |key: &str| -> Vec<Value> {
        body.get(key)
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
    };
    let (deletes, patches, puts, posts) = (
        list("deletes"),
        list("patches"),
        list("puts"),
        list("posts"),
    );
    let size = deletes.len() + patches.len() + puts.len() + posts.len();
    let limit = zone.plan.batch_limit();
    if size > limit {
        return refuse((
            400,
            vec![chained(
                1004,
                "DNS Validation Error",
                err(
                    BATCH_TOO_LARGE,
                    &format!("Batch holds {size} records, more than the plan's limit of {limit}."),
                ),
            )],
        ));
    }
    let mut copy = zone.records.clone();
    let mut out = json!({"deletes": [], "patches": [], "puts": [], "posts": []});
    let mut push = |key: &str, v: Value| {
        if let Some(a) = out.get_mut(key).and_then(Value::as_array_mut) {
            a.push(v);
        }
    };
    let id_of = |v: &Value| {
        v.get("id")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    for d in &deletes {
        let id = id_of(d);
        match copy.iter().position(|r| r.id == id) {
            Some(i) => push("deletes", json::record(&copy.remove(i))),
            None => return not_found(),
        }
    }
    for (key, items, mode) in [
        ("patches", &patches, Mode::Edit),
        ("puts", &puts, Mode::Overwrite),
    ] {
        for item in items {
            let id = id_of(item);
            let Some(i) = copy.iter().position(|r| r.id == id) else {
                return not_found();
            };
            let base = copy[i].clone();
            let rec = match rules::build(zone, item, mode, Some(&base)).and_then(|rec| {
                rules::check_against(&rec, &copy, false, zone.record_quota).map(|_| rec)
            }) {
                Ok(rec) => rec,
                Err(refusal) => return refuse(refusal),
            };
            push(key, json::record(&rec));
            copy[i] = rec;
        }
    }
    for item in &posts {
        let rec = match rules::build(zone, item, Mode::Create, None)
            .and_then(|rec| rules::check_against(&rec, &copy, true, zone.record_quota).map(|_| rec))
        {
            Ok(rec) => rec,
            Err(refusal) => return refuse(refusal),
        };
        push("posts", json::record(&rec));
        copy.push(rec);
    }
    zone.records = copy;
    ok(out)
}
