//! Cloudflare API v4 JSON shapes, as tolerant as the real API requires.
//!
//! The API has shed fields over the years (`zone_id`, `zone_name`, `locked` by 2025), returns
//! `comment: null` rather than omitting it, and prints timestamps with a variable number of
//! fraction digits. So every field that is not needed is optional, unknown fields are ignored
//! (serde's default), and timestamps stay strings: edgeplan never computes with them. A missing
//! `Option` field reads as `None` without `#[serde(default)]` (serde's rule); only the other
//! fields that may be absent carry it.
//! See docs/cloudflare.md, and
//! <https://developers.cloudflare.com/api/resources/dns/subresources/records/methods/list/>.

use serde::{Deserialize, Serialize};

/// The envelope around every answer: `{result, success, errors, messages, result_info?}`.
#[derive(Debug, Clone, Deserialize)]
pub struct Envelope<T> {
    pub result: Option<T>,
    /// Absent in some answers; a 2xx without it counts as success unless `errors` says otherwise.
    pub success: Option<bool>,
    #[serde(default)]
    pub errors: Vec<ApiMessage>,
    #[serde(default)]
    pub messages: Vec<ApiMessage>,
    pub result_info: Option<ResultInfo>,
}

/// One item of `errors` or `messages`. `error_chain` wraps the real cause of validation errors.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct ApiMessage {
    #[serde(default)]
    pub code: i64,
    #[serde(default)]
    pub message: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub error_chain: Vec<ApiMessage>,
}

impl ApiMessage {
    /// The innermost entry of the chain: the actionable cause (`9011` inside `1004`).
    pub(crate) fn innermost(&self) -> &ApiMessage {
        let mut current = self;
        while let Some(next) = current.error_chain.first() {
            current = next;
        }
        current
    }

    /// This code and every code in the chain, outermost first.
    pub(crate) fn codes(&self) -> Vec<i64> {
        let mut out = vec![self.code];
        for inner in &self.error_chain {
            out.extend(inner.codes());
        }
        out
    }
}

/// Paging information of a list answer. Every field optional: old and new shapes differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
pub struct ResultInfo {
    pub per_page: Option<u64>,
    pub count: Option<u64>,
    pub total_count: Option<u64>,
    pub total_pages: Option<u64>,
}

/// A zone as `GET /zones` returns it; only what edgeplan uses.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ApiZone {
    pub id: String,
    pub name: String,
    pub status: Option<String>,
    pub account: Option<Account>,
    /// Deprecated in the schema but still sent in 2025; absent means Free limits.
    pub plan: Option<ApiZonePlan>,
    pub permissions: Option<Vec<String>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Default)]
#[serde(default)]
pub struct Account {
    pub id: Option<String>,
    pub name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Default)]
#[serde(default)]
pub struct ApiZonePlan {
    pub name: Option<String>,
    /// `free`, `pro`, `business`, `enterprise`.
    pub legacy_id: Option<String>,
}

impl ApiZone {
    /// Free zones have the small limits; a zone without plan information is treated as Free,
    /// the safe assumption (smaller batches, shorter comments).
    pub fn is_free(&self) -> bool {
        match &self.plan {
            None => true,
            Some(plan) => match (&plan.legacy_id, &plan.name) {
                (Some(id), _) => id.eq_ignore_ascii_case("free"),
                (None, Some(name)) => name.to_ascii_lowercase().contains("free"),
                (None, None) => true,
            },
        }
    }
}

/// A DNS record as the API returns it. `comment` may be null, `tags` absent; timestamps are kept
/// as the server printed them.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ApiRecord {
    pub id: String,
    pub name: String,
    #[serde(rename = "type")]
    pub kind: crate::plan::RecordType,
    #[serde(default)]
    pub content: String,
    pub proxiable: Option<bool>,
    #[serde(default)]
    pub proxied: bool,
    #[serde(default = "auto_ttl")]
    pub ttl: u32,
    pub comment: Option<String>,
    pub tags: Option<Vec<String>>,
    pub priority: Option<u32>,
    pub zone_id: Option<String>,
    pub zone_name: Option<String>,
    pub created_on: Option<String>,
    pub modified_on: Option<String>,
}

fn auto_ttl() -> u32 {
    1
}

/// `DELETE` answers with only the id.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Deleted {
    /// Optional in Cloudflare's own SDK schema; a 2xx is the proof, the id only an echo.
    pub id: Option<String>,
}

/// The body of `POST /zones/{id}/dns_records` and of a batch `post`, `patch` or `put` (patches
/// and puts add `id`). Every managed field is always sent. A patch sends these and nothing else,
/// so the fields edgeplan does not manage (`tags`, `settings`, `priority`) keep their values; a
/// put would reset them to their defaults, which is why plans send no puts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct RecordBody {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(rename = "type")]
    pub kind: crate::plan::RecordType,
    pub name: String,
    pub content: String,
    pub proxied: bool,
    pub ttl: u32,
    /// `""` clears a comment; edgeplan sends it rather than null or nothing.
    pub comment: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct IdOnly {
    pub id: String,
}

/// `POST /zones/{id}/dns_records/batch`. A plan's updates are `patches`; `puts` stays empty
/// unless a caller asks for an overwrite.
pub(crate) type BatchBody = crate::plan::Writes<IdOnly, RecordBody, RecordBody>;

/// `GET /user/tokens/verify`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Default)]
#[serde(default)]
pub struct TokenStatus {
    pub id: Option<String>,
    /// `active`, `disabled` or `expired`.
    pub status: String,
    pub expires_on: Option<String>,
}
