//! A local, stateful stand-in for the Cloudflare API v4, for tests and benchmarks.
//!
//! It keeps zones and records in memory and answers the endpoints edgeplan (and octoDNS) use with
//! the real envelopes and rules of docs/cloudflare.md (section 15 is its checklist):
//! zone lookup with duplicate names, record listing with filters and clamped paging, single
//! writes, the batch endpoint as one transaction, CNAME exclusivity, proxiable types, TTL and
//! comment limits by plan, quotas and token scopes. Tests can read the request log, add latency,
//! and inject a bounded number of faults: 429 with `Retry-After`, an HTML 500, an empty 502 (also
//! after a write was committed), a stall, a connection dropped before or after a write was
//! committed, and the same write sent first by another client (the loser of a race).
//! <https://developers.cloudflare.com/api/resources/dns/subresources/records/>
//!
//! ```ignore
//! let cf = CloudflareServer::start();
//! let zone_id = cf.seed_zone("example.com", Plan::Free);
//! cf.add_record("example.com", json!({"type": "A", "name": "www", "content": "192.0.2.1"}));
//! // point the client at cf.url() with token cloudflare::TOKEN
//! ```

mod json;
mod routes;
mod rules;

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use serde_json::Value;

use super::http::{Reply, Server, handler};

pub use json::{new_id, timestamp};

/// The token the server accepts by default, with full edit rights on every zone.
pub const TOKEN: &str = "test-token";

/// A zone's plan: decides batch size, comment length, tag quota and record quota.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Plan {
    Free,
    Pro,
    #[allow(dead_code, reason = "used by the examples, through standalone.rs")]
    Business,
    #[allow(dead_code, reason = "used by the examples, through standalone.rs")]
    Enterprise,
}

impl Plan {
    #[allow(dead_code, reason = "used by the examples, through standalone.rs")]
    pub fn parse(s: &str) -> Option<Plan> {
        match s.to_ascii_lowercase().as_str() {
            "free" => Some(Plan::Free),
            "pro" => Some(Plan::Pro),
            "business" => Some(Plan::Business),
            "enterprise" => Some(Plan::Enterprise),
            _ => None,
        }
    }
    pub fn legacy_id(self) -> &'static str {
        match self {
            Plan::Free => "free",
            Plan::Pro => "pro",
            Plan::Business => "business",
            Plan::Enterprise => "enterprise",
        }
    }
    pub fn display_name(self) -> &'static str {
        match self {
            Plan::Free => "Free Website",
            Plan::Pro => "Pro Website",
            Plan::Business => "Business Website",
            Plan::Enterprise => "Enterprise Website",
        }
    }
    pub fn batch_limit(self) -> usize {
        if self == Plan::Free { 200 } else { 3_500 }
    }
    pub fn comment_limit(self) -> usize {
        if self == Plan::Free { 100 } else { 500 }
    }
    pub fn tag_quota(self) -> usize {
        if self == Plan::Free { 0 } else { 20 }
    }
    pub fn record_quota(self) -> usize {
        if self == Plan::Free { 1_000 } else { 3_500 }
    }
}

/// One stored record.
#[derive(Debug, Clone, PartialEq)]
pub struct Rec {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub content: String,
    pub proxied: bool,
    pub ttl: u32,
    pub comment: Option<String>,
    pub tags: Vec<String>,
    /// `settings` as written (`ipv4_only`, `ipv6_only`, `flatten_cname`); `{}` by default.
    pub settings: serde_json::Map<String, serde_json::Value>,
    pub priority: Option<u64>,
    pub created_on: String,
    pub modified_on: String,
}

/// One stored zone.
#[derive(Debug, Clone)]
pub struct ZoneState {
    pub id: String,
    pub name: String,
    pub status: String,
    pub account_id: String,
    pub account_name: String,
    pub plan: Plan,
    pub record_quota: usize,
    pub records: Vec<Rec>,
    pub created_on: String,
}

/// What a token may do. Zone names in `zones` limit it to those zones (`None`: every zone).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    pub zone_read: bool,
    pub dns_read: bool,
    pub dns_edit: bool,
    pub zones: Option<Vec<String>>,
    /// `active`, `disabled` or `expired`; anything but active is refused everywhere.
    pub status: String,
}

impl Scope {
    /// Zone:Zone:Read, Zone:DNS:Read, Zone:DNS:Edit.
    pub fn edit() -> Scope {
        Scope {
            zone_read: true,
            dns_read: true,
            dns_edit: true,
            zones: None,
            status: "active".into(),
        }
    }
    /// Enough to plan, not to apply.
    pub fn read_only() -> Scope {
        Scope {
            dns_edit: false,
            ..Scope::edit()
        }
    }
    /// The "Edit zone DNS" template: no Zone:Zone:Read, so the zone lookup fails.
    pub fn dns_only() -> Scope {
        Scope {
            zone_read: false,
            ..Scope::edit()
        }
    }
    pub fn for_zones(mut self, zones: &[&str]) -> Scope {
        self.zones = Some(zones.iter().map(|z| z.to_ascii_lowercase()).collect());
        self
    }
}

/// A failure to inject. Drops apply to writes only (anything but GET); the rest to any request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// 429 with `Retry-After: secs` and Cloudflare's 971 body.
    RateLimit { retry_after_secs: u64 },
    /// 500 with an HTML page, as a proxy in front of the API would send.
    ServerErrorHtml,
    /// 502 with an empty body.
    BadGatewayEmpty,
    /// Wait this long, then handle the request normally (writes still commit).
    Stall(Duration),
    /// Close the connection without acting on the write.
    DropBeforeWrite,
    /// Commit the write, then close the connection without answering.
    DropAfterWrite,
    /// Commit the write, then answer 502 with an empty body, as a proxy whose upstream answered
    /// too late would.
    BadGatewayAfterWrite,
    /// Another client sends this very write just before, as the winner of a race between two
    /// applies of one manifest: the request is handled twice and the answer is the second's
    /// (a batch then meets 81053 for a name already held, or 81044 for a record already gone).
    SameWriteFirst,
    /// 429 with this `Retry-After` value as written (a date, `0`, anything).
    RateLimitSaying(String),
    /// 200 with a body of this many spaces.
    Huge(usize),
    /// 200 with a gzip body (`content-encoding: gzip`, whatever the request asked) that
    /// decompresses to this many spaces from about a thousandth of that.
    GzipBomb(usize),
}

impl Fault {
    /// [`Fault::RateLimit`] asking to wait `retry_after_secs`.
    pub fn rate_limit(retry_after_secs: u64) -> Fault {
        Fault::RateLimit { retry_after_secs }
    }

    fn applies_to(&self, method: &str) -> bool {
        match self {
            Fault::DropBeforeWrite
            | Fault::DropAfterWrite
            | Fault::BadGatewayAfterWrite
            | Fault::SameWriteFirst => method != "GET",
            _ => true,
        }
    }
}

/// One request as the server saw it.
#[derive(Debug, Clone, PartialEq)]
pub struct Logged {
    pub method: String,
    /// Without the `/client/v4` prefix.
    pub path: String,
    pub query: Vec<(String, String)>,
    pub body: Option<Value>,
    /// The fault injected into this request, if any.
    pub fault: Option<Fault>,
    /// When the server received it (before any latency it adds).
    pub at: std::time::Instant,
}

impl Logged {
    pub fn query(&self, key: &str) -> Option<&str> {
        super::http::first(&self.query, key)
    }
}

/// The whole server state, behind one mutex.
#[derive(Debug)]
pub struct State {
    pub zones: Vec<ZoneState>,
    pub tokens: Vec<(String, Scope)>,
    /// Largest `per_page` honoured for records (clamped silently and echoed).
    pub max_per_page: usize,
    /// Record listings leave `total_pages` out of `result_info`: the official schema lists only
    /// `count`, `page`, `per_page` and `total_count`.
    pub without_total_pages: bool,
    /// Zones are answered without `plan`, which Cloudflare's schema marks deprecated.
    pub without_plan: bool,
    /// Zones a listing of every zone leaves out (found by name all the same): a zone added
    /// while the pages were read, or a page that shifted.
    pub unlisted: Vec<String>,
    /// Record listings count this many records more in `total_count` than they hold, as a
    /// listing whose records shifted between pages would.
    pub overcount: usize,
    /// Record listing pages (numbered from 1) answered with no records, as a page lost in
    /// transit by a proxy would be.
    pub empty_pages: Vec<usize>,
    pub latency: Duration,
    pub faults: VecDeque<(Fault, usize)>,
    /// Faults aimed at one request: see [`CloudflareServer::inject_at`].
    pub aimed: Vec<Aimed>,
    pub log: Vec<Logged>,
}

/// A fault for the request after `skip` others with this method and a path ending in `suffix`,
/// so a test can fail, say, exactly the third batch of an apply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Aimed {
    pub method: String,
    pub suffix: String,
    pub skip: usize,
    pub fault: Fault,
}

impl Default for State {
    fn default() -> Self {
        State {
            zones: Vec::new(),
            tokens: vec![(TOKEN.to_string(), Scope::edit())],
            max_per_page: 5_000,
            without_total_pages: false,
            without_plan: false,
            unlisted: Vec::new(),
            overcount: 0,
            empty_pages: Vec::new(),
            latency: Duration::ZERO,
            faults: VecDeque::new(),
            aimed: Vec::new(),
            log: Vec::new(),
        }
    }
}

impl State {
    pub fn zone(&self, name: &str) -> Option<&ZoneState> {
        self.zones
            .iter()
            .find(|z| z.name.eq_ignore_ascii_case(name))
    }

    fn zone_mut(&mut self, name: &str) -> Option<&mut ZoneState> {
        self.zones
            .iter_mut()
            .find(|z| z.name.eq_ignore_ascii_case(name))
    }

    /// Takes the fault aimed at this request, else the next queued fault that applies to
    /// `method`, counting it down.
    fn take_fault(&mut self, method: &str, path: &str) -> Option<Fault> {
        let mut hit = None;
        for (i, a) in self.aimed.iter_mut().enumerate() {
            if a.method.eq_ignore_ascii_case(method) && path.ends_with(&a.suffix) {
                if a.skip > 0 {
                    a.skip -= 1;
                } else if hit.is_none() {
                    hit = Some(i);
                }
            }
        }
        if let Some(i) = hit {
            return Some(self.aimed.remove(i).fault);
        }
        let pos = self.faults.iter().position(|(f, _)| f.applies_to(method))?;
        let (fault, left) = self.faults.get_mut(pos)?;
        let fault = fault.clone();
        *left -= 1;
        if *left == 0 {
            self.faults.remove(pos);
        }
        Some(fault)
    }
}

/// Options for [`CloudflareServer::add_zone`].
#[derive(Debug, Clone)]
pub struct ZoneSpec {
    pub name: String,
    pub plan: Plan,
    pub status: String,
    pub account_id: String,
    pub account_name: String,
}

impl ZoneSpec {
    pub fn new(name: &str, plan: Plan) -> ZoneSpec {
        ZoneSpec {
            name: name.to_ascii_lowercase(),
            plan,
            status: "active".into(),
            account_id: "01a7362d577a6c3019a474fd6f485823".into(),
            account_name: "Test Account".into(),
        }
    }
    pub fn status(mut self, status: &str) -> ZoneSpec {
        self.status = status.into();
        self
    }
    pub fn account(mut self, id: &str, name: &str) -> ZoneSpec {
        self.account_id = id.into();
        self.account_name = name.into();
        self
    }
}

/// A running local Cloudflare. Stops when dropped.
pub struct CloudflareServer {
    server: Server,
    state: Arc<Mutex<State>>,
}

impl CloudflareServer {
    /// Starts on an OS-chosen port of 127.0.0.1.
    pub fn start() -> CloudflareServer {
        CloudflareServer::start_on(0)
    }

    pub fn start_on(port: u16) -> CloudflareServer {
        let state = Arc::new(Mutex::new(State::default()));
        let shared = state.clone();
        let server = Server::start(
            port,
            handler(move |req| {
                let state = shared.clone();
                async move { serve(state, req).await }
            }),
        );
        CloudflareServer { server, state }
    }

    /// The API base, like `https://api.cloudflare.com/client/v4`.
    pub fn url(&self) -> String {
        format!("{}/client/v4", self.server.url())
    }

    pub fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Adds an active zone in the default account; returns its id.
    pub fn seed_zone(&self, name: &str, plan: Plan) -> String {
        self.add_zone(ZoneSpec::new(name, plan))
    }

    pub fn add_zone(&self, spec: ZoneSpec) -> String {
        let id = new_id();
        self.state().zones.push(ZoneState {
            id: id.clone(),
            name: spec.name,
            status: spec.status,
            account_id: spec.account_id,
            account_name: spec.account_name,
            plan: spec.plan,
            record_quota: spec.plan.record_quota(),
            records: Vec::new(),
            created_on: timestamp(),
        });
        id
    }

    /// Stores a record in Cloudflare's JSON shape (`type`, `name` relative or FQDN, `content`,
    /// optional `id`, `proxied`, `ttl`, `comment`, `tags`, `priority`) without the API's rules,
    /// as a zone with history may hold anything. Returns its id.
    pub fn try_add_record(&self, zone: &str, record: &Value) -> Result<String, String> {
        let mut state = self.state();
        let zone = state
            .zone_mut(zone)
            .ok_or_else(|| format!("no zone {zone} on the local Cloudflare"))?;
        let rec = json::seed_record(&zone.name, record)?;
        let id = rec.id.clone();
        zone.records.push(rec);
        Ok(id)
    }

    pub fn add_record(&self, zone: &str, record: Value) -> String {
        match self.try_add_record(zone, &record) {
            Ok(id) => id,
            Err(e) => panic!("add_record: {e}"),
        }
    }

    /// The zone's records, in storage order.
    pub fn records(&self, zone: &str) -> Vec<Rec> {
        self.state()
            .zone(zone)
            .map(|z| z.records.clone())
            .unwrap_or_default()
    }

    pub fn requests(&self) -> Vec<Logged> {
        self.state().log.clone()
    }

    pub fn clear_requests(&self) {
        self.state().log.clear();
    }

    /// [`CloudflareServer::inject_at`] `count` times over: `fault` hits that request and the
    /// `count - 1` matching requests after it (a fault that persists).
    pub fn inject_from(&self, method: &str, suffix: &str, skip: usize, fault: Fault, count: usize) {
        for _ in 0..count {
            self.inject_at(method, suffix, skip, fault.clone());
        }
    }

    /// Injects `fault` into the next `count` requests it applies to.
    pub fn inject(&self, fault: Fault, count: usize) {
        if count > 0 {
            self.state().faults.push_back((fault, count));
        }
    }

    /// Injects `fault` into the request after the first `skip` requests whose method is `method`
    /// and whose path (without `/client/v4`) ends in `suffix`: `inject_at("POST", "/batch", 2,
    /// f)` hits the third batch.
    pub fn inject_at(&self, method: &str, suffix: &str, skip: usize, fault: Fault) {
        self.state().aimed.push(Aimed {
            method: method.to_string(),
            suffix: suffix.to_string(),
            skip,
            fault,
        });
    }

    /// Leaves the zone `name` out of every listing of all zones; a lookup by name finds it.
    pub fn unlist(&self, name: &str) {
        self.state().unlisted.push(name.to_string());
    }

    /// Injects `fault` into batch request number `skip` (counting from 0).
    pub fn fault_batch(&self, skip: usize, fault: Fault) {
        self.inject_at("POST", "/batch", skip, fault);
    }

    /// How many answers went out gzip-encoded because the request asked for it.
    pub fn gzipped(&self) -> usize {
        self.server.gzipped()
    }

    #[allow(dead_code, reason = "used by the examples, through standalone.rs")]
    pub fn set_latency(&self, ms: u64) {
        self.state().latency = Duration::from_millis(ms);
    }

    /// Record listings without `total_pages` (see [`State::without_total_pages`]).
    pub fn omit_total_pages(&self) {
        self.state().without_total_pages = true;
    }

    /// Record listings say `total_count` is `extra` more than the records they hold.
    pub fn overcount_records(&self, extra: usize) {
        self.state().overcount = extra;
    }

    /// Record listing page `page` (from 1) answers with no records, counts unchanged.
    pub fn empty_record_page(&self, page: usize) {
        self.state().empty_pages.push(page);
    }

    pub fn set_max_per_page(&self, max: usize) {
        self.state().max_per_page = max.max(1);
    }

    /// Adds or replaces a token.
    pub fn set_token(&self, token: &str, scope: Scope) {
        let mut state = self.state();
        state.tokens.retain(|(t, _)| t != token);
        state.tokens.push((token.to_string(), scope));
    }

    #[allow(dead_code, reason = "used by the examples, through standalone.rs")]
    pub fn remove_token(&self, token: &str) {
        self.state().tokens.retain(|(t, _)| t != token);
    }

    pub fn set_record_quota(&self, zone: &str, quota: usize) {
        if let Some(z) = self.state().zone_mut(zone) {
            z.record_quota = quota;
        }
    }
}

/// `GET /__stats` answers `{"requests": N, "by_method": {...}}`: the requests served since the
/// start or the last `?reset=1`. Benchmarks read it from outside the process (the standalone
/// example), so other tools' request counts can be compared on the same server. It is not part of
/// Cloudflare's API, is neither logged nor delayed, and needs no token.
fn stats(state: &mut State, req: &super::http::Request) -> super::http::Response {
    let mut by_method = serde_json::Map::new();
    for entry in &state.log {
        let n = by_method
            .get(&entry.method)
            .and_then(Value::as_u64)
            .unwrap_or(0);
        by_method.insert(entry.method.clone(), Value::from(n + 1));
    }
    let body = serde_json::json!({"requests": state.log.len(), "by_method": by_method});
    if req.query("reset").is_some() {
        state.log.clear();
    }
    super::http::Response::json(200, &body)
}

async fn serve(state: Arc<Mutex<State>>, req: super::http::Request) -> Reply {
    if req.path == "/__stats" {
        let mut s = state.lock().unwrap_or_else(|e| e.into_inner());
        return Reply::Send(stats(&mut s, &req));
    }
    let (latency, fault) = {
        let mut s = state.lock().unwrap_or_else(|e| e.into_inner());
        let path = routes::strip_prefix(&req.path).to_string();
        let fault = s.take_fault(&req.method, &path);
        s.log.push(Logged {
            method: req.method.clone(),
            path,
            query: req.query.clone(),
            body: req.json().ok(),
            fault: fault.clone(),
            at: std::time::Instant::now(),
        });
        (s.latency, fault)
    };
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    match fault {
        Some(Fault::RateLimit { retry_after_secs }) => {
            return Reply::Send(json::rate_limited(retry_after_secs));
        }
        Some(Fault::Huge(bytes)) => {
            return Reply::Send(super::http::Response::new(
                200,
                "application/json",
                vec![b' '; bytes],
            ));
        }
        Some(Fault::GzipBomb(bytes)) => {
            return Reply::Send(
                super::http::Response::new(200, "application/json", super::http::gzip_bomb(bytes))
                    .header("content-encoding", "gzip"),
            );
        }
        Some(Fault::RateLimitSaying(value)) => {
            return Reply::Send(json::rate_limited_saying(&value));
        }
        Some(Fault::ServerErrorHtml) => {
            return Reply::Send(super::http::Response::new(
                500,
                "text/html",
                "<html><head><title>500 Internal Server Error</title></head>\n\
                 <body><center><h1>500 Internal Server Error</h1></center>\n\
                 <hr><center>cloudflare</center></body></html>\n",
            ));
        }
        Some(Fault::BadGatewayEmpty) => {
            return Reply::Send(super::http::Response::new(502, "text/plain", ""));
        }
        Some(Fault::DropBeforeWrite) => return Reply::Drop,
        Some(Fault::Stall(d)) => tokio::time::sleep(d).await,
        Some(Fault::DropAfterWrite | Fault::BadGatewayAfterWrite | Fault::SameWriteFirst)
        | None => {}
    }
    let response = {
        let mut s = state.lock().unwrap_or_else(|e| e.into_inner());
        if fault == Some(Fault::SameWriteFirst) {
            // The other client's request: committed, its answer goes to the other client.
            let _ = routes::handle(&mut s, &req);
        }
        routes::handle(&mut s, &req)
    };
    match fault {
        Some(Fault::DropAfterWrite) => Reply::Drop,
        Some(Fault::BadGatewayAfterWrite) => {
            Reply::Send(super::http::Response::new(502, "text/plain", ""))
        }
        _ => Reply::Send(response),
    }
}
