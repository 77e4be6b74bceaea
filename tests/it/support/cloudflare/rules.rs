//! The rules the local Cloudflare enforces on a record write, with the codes the real API uses
//! (docs/cloudflare.md), checked in the inferred order: content,
//! TTL, proxiable, TTL forced to 1, comment and tags, conflicts (81053/81054), identical (81058),
//! quota (81045). Where the real code is unknown the reference's assumption (1004 + chain) is used
//! and the constant says so.
//! <https://developers.cloudflare.com/dns/manage-dns-records/troubleshooting/records-with-same-name/>

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use serde_json::Value;

use super::json::{chained, err, new_id, timestamp};
use super::{Rec, ZoneState};

/// Chain code for an over-long comment or one with CR/LF: the real code is unknown.
pub const COMMENT_INVALID: i64 = 9101;
/// Chain code for a batch over the plan's size: the real code is unknown.
pub const BATCH_TOO_LARGE: i64 = 81070;

/// A refusal: the HTTP status and the error objects.
pub type Refusal = (u16, Vec<Value>);

const TYPES: &[&str] = &[
    "A",
    "AAAA",
    "CAA",
    "CERT",
    "CNAME",
    "DNSKEY",
    "DS",
    "HTTPS",
    "LOC",
    "MX",
    "NAPTR",
    "NS",
    "OPENPGPKEY",
    "PTR",
    "SMIMEA",
    "SRV",
    "SSHFP",
    "SVCB",
    "TLSA",
    "TXT",
    "URI",
];

fn validation(code: i64, message: &str) -> Refusal {
    (
        400,
        vec![chained(1004, "DNS Validation Error", err(code, message))],
    )
}

/// `@` is the apex; a relative name gets the zone appended; lower case, no trailing dot.
pub fn fqdn(zone: &str, name: &str) -> String {
    let name = name.trim().trim_end_matches('.').to_ascii_lowercase();
    if name == "@" || name.is_empty() {
        return zone.to_string();
    }
    if name == zone || name.ends_with(&format!(".{zone}")) {
        name
    } else {
        format!("{name}.{zone}")
    }
}

/// Whether Cloudflare could proxy this record: A, AAAA and CNAME, not to private addresses.
pub fn proxiable(kind: &str, content: &str) -> bool {
    match kind {
        "CNAME" => true,
        "A" | "AAAA" => match content.parse::<IpAddr>() {
            Ok(IpAddr::V4(ip)) => {
                !(ip.is_private() || ip.is_loopback() || ip.is_link_local() || ip.is_unspecified())
            }
            Ok(IpAddr::V6(ip)) => !(ip.is_loopback() || ip.is_unspecified()),
            Err(_) => false,
        },
        _ => false,
    }
}

/// How a write is applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// POST: a new record; unspecified fields take their defaults.
    Create,
    /// PUT: overwrite; unspecified fields take their defaults, the id and `created_on` stay.
    Overwrite,
    /// PATCH: change only the fields given.
    Edit,
}

/// Builds the record a write asks for, from the body and (for PUT and PATCH) the current record.
/// Cloudflare's semantics: a PUT is an overwrite where every unspecified field takes its default
/// (`tags` `[]`, `settings` `{}`, no comment); a PATCH changes only the fields it names.
pub fn build(
    zone: &ZoneState,
    body: &Value,
    mode: Mode,
    base: Option<&Rec>,
) -> Result<Rec, Refusal> {
    if !body.is_object() {
        return Err((400, vec![err(9207, "Request body is invalid.")]));
    }
    let keep = mode == Mode::Edit;
    let field = |key: &str| body.get(key).filter(|v| !v.is_null());
    let text = |key: &str| field(key).and_then(Value::as_str).map(str::to_string);

    let kind = match (text("type"), base) {
        (Some(t), _) => t.to_ascii_uppercase(),
        (None, Some(b)) if keep => b.kind.clone(),
        _ => return Err(validation(9020, "Invalid DNS record type")),
    };
    if !TYPES.contains(&kind.as_str()) {
        return Err(validation(9020, "Invalid DNS record type"));
    }
    let name = match (text("name"), base) {
        (Some(n), _) => fqdn(&zone.name, &n),
        (None, Some(b)) if keep => b.name.clone(),
        _ => return Err(validation(9005, "DNS record name is invalid.")),
    };
    let content = match (text("content"), base) {
        (Some(c), _) => c,
        (None, Some(b)) if keep => b.content.clone(),
        _ => String::new(),
    };
    check_content(&kind, &name, &content)?;
    let content = if kind == "CNAME" {
        content.trim_end_matches('.').to_ascii_lowercase()
    } else {
        content
    };

    let ttl = match field("ttl") {
        Some(Value::String(_)) => {
            return Err((400, vec![err(9022, "TTL must be a number, not a string.")]));
        }
        Some(v) => v.as_u64().unwrap_or(0),
        None => base.filter(|_| keep).map_or(1, |b| u64::from(b.ttl)),
    };
    if ttl != 1 && !(60..=86_400).contains(&ttl) {
        return Err(validation(
            9021,
            "TTL must be between 60 and 86400 seconds, or 1 for Automatic.",
        ));
    }
    let proxied = match field("proxied").and_then(Value::as_bool) {
        Some(p) => p,
        None => base.filter(|_| keep).is_some_and(|b| b.proxied),
    };
    if proxied && !matches!(kind.as_str(), "A" | "AAAA" | "CNAME") {
        return Err(validation(9004, "This record type cannot be proxied."));
    }
    if proxied && !proxiable(&kind, &content) {
        return Err(validation(
            9041,
            "This DNS record cannot be proxied - click the cloud icon to turn it gray to proceed",
        ));
    }
    // Proxied records are always automatic TTL; the API stores 1 whatever was sent.
    let ttl = if proxied { 1 } else { ttl as u32 };

    let comment = match field("comment") {
        Some(v) => v.as_str().map(str::to_string).filter(|c| !c.is_empty()),
        None if keep => base.and_then(|b| b.comment.clone()),
        None if body.get("comment").is_some() => None,
        None => None,
    };
    if let Some(c) = &comment {
        if c.contains(['\n', '\r']) {
            return Err(validation(
                COMMENT_INVALID,
                "Comment must not contain line breaks.",
            ));
        }
        let limit = zone.plan.comment_limit();
        if c.chars().count() > limit {
            return Err(validation(
                COMMENT_INVALID,
                &format!("Comment is too long: the limit is {limit} characters."),
            ));
        }
    }
    let tags: Vec<String> = match field("tags").and_then(Value::as_array) {
        Some(a) => a
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
        None if keep => base.map(|b| b.tags.clone()).unwrap_or_default(),
        None => Vec::new(),
    };
    let quota = zone.plan.tag_quota();
    if tags.len() > quota {
        return Err(validation(
            9300,
            &format!(
                "DNS record has {} tags, exceeding the quota of {quota}.",
                tags.len()
            ),
        ));
    }
    // Patch merges: settings not named keep their value. Put and post: what is not sent takes
    // its default, so a put drops a person's `ipv4_only` unless it carries it.
    let mut settings = match base {
        Some(b) if keep => b.settings.clone(),
        _ => serde_json::Map::new(),
    };
    if let Some(given) = field("settings").and_then(Value::as_object) {
        settings.extend(given.iter().map(|(k, v)| (k.clone(), v.clone())));
    }
    let priority = field("priority")
        .and_then(Value::as_u64)
        .or_else(|| base.filter(|_| keep).and_then(|b| b.priority));
    let now = timestamp();
    Ok(Rec {
        id: base.map_or_else(new_id, |b| b.id.clone()),
        name,
        kind,
        content,
        proxied,
        ttl,
        comment,
        tags,
        settings,
        priority,
        created_on: base.map_or_else(|| now.clone(), |b| b.created_on.clone()),
        modified_on: now,
    })
}

fn check_content(kind: &str, name: &str, content: &str) -> Result<(), Refusal> {
    let max = if kind == "TXT" { 2048 } else { 255 };
    if content.is_empty() || content.len() > max {
        return Err(validation(9011, "Length of content is invalid"));
    }
    match kind {
        "A" if content.parse::<Ipv4Addr>().is_err() => Err(validation(
            9005,
            "Content for A record must be a valid IPv4 address.",
        )),
        "AAAA" if content.parse::<Ipv6Addr>().is_err() => Err(validation(
            9006,
            "Content for AAAA record must be a valid IPv6 address.",
        )),
        "CNAME" => {
            let target = content.trim_end_matches('.').to_ascii_lowercase();
            // An IP, or the record's own name, is no CNAME target (the second code is unknown;
            // the reference says to use 1004 + chain, and 9007 is the CNAME content code).
            if target.parse::<IpAddr>().is_ok() || target == name {
                Err(validation(9007, "Content for CNAME record is invalid."))
            } else {
                Ok(())
            }
        }
        _ => Ok(()),
    }
}

/// Checks a built record against the other records of the zone (`others` excludes the record
/// itself for PUT and PATCH): exclusivity, identical records and, on create, the quota.
pub fn check_against(
    rec: &Rec,
    others: &[Rec],
    creating: bool,
    quota: usize,
) -> Result<(), Refusal> {
    let exclusive = |k: &str| matches!(k, "A" | "AAAA" | "CNAME");
    let same_name = others
        .iter()
        .filter(|o| o.id != rec.id && o.name == rec.name);
    for other in same_name.clone() {
        if rec.kind == "CNAME" && exclusive(&other.kind) {
            return Err((
                400,
                vec![err(
                    81053,
                    "An A, AAAA, or CNAME record with that host already exists.",
                )],
            ));
        }
        if exclusive(&rec.kind) && other.kind == "CNAME" {
            return Err((
                400,
                vec![err(81054, "A CNAME record with that host already exists.")],
            ));
        }
    }
    let identical = same_name.into_iter().any(|o| {
        o.kind == rec.kind
            && if rec.kind == "CNAME" {
                o.content.eq_ignore_ascii_case(&rec.content)
            } else {
                o.content == rec.content
            }
    });
    if identical {
        return Err((400, vec![err(81058, "An identical record already exists.")]));
    }
    if creating && others.len() >= quota {
        return Err((400, vec![err(81045, "Record quota exceeded.")]));
    }
    Ok(())
}
