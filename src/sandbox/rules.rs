//! Cloudflare's rules for a batch, applied to a list of records: what the sandbox enforces so
//! that what it accepts, Cloudflare accepts (the contract in README, Commands).
//!
//! A batch runs deletes, then patches, then puts, then posts, in the given order within each list,
//! as one transaction: the first refusal discards everything
//! (<https://developers.cloudflare.com/dns/manage-dns-records/how-to/batch-record-changes/>). The
//! checks and their codes are docs/cloudflare.md: CNAME exclusivity (81053/81054,
//! <https://developers.cloudflare.com/dns/manage-dns-records/troubleshooting/records-with-same-name/>),
//! identical records (81058), proxiable types (9004) and addresses (9041: not a private, loopback,
//! link-local or unspecified one), TTL 1 or 60..86400 (9021,
//! <https://developers.cloudflare.com/dns/manage-dns-records/reference/ttl/>), content length
//! (9011: 1 to 255 bytes, 2048 for TXT), CNAME content (9007), comments (length and no line breaks,
//! <https://developers.cloudflare.com/dns/manage-dns-records/reference/record-attributes/>),
//! unknown ids (81044).
//!
//! NOTE: where Cloudflare's behaviour is unverified the sandbox is stricter, never looser: a
//! CNAME may share its name with no other record at all (Cloudflare's docs are silent on TXT/MX).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::plan::{Record, RecordData, RecordType, Stored, Writes, Zone, normalise};
use crate::provider::{Batch, Error};

/// What a successful batch did, for writing the zone file back: the ids deleted, patched
/// (managed fields set, every other field kept), overwritten by puts (every other field reset)
/// and given to the posted records, each in order.
pub type AppliedWrites = Writes<String, String, String>;

/// Applies `batch` to `records` as Cloudflare would, all or nothing: on error `records` is left
/// exactly as it was. `next_id` gives the ids of created records.
pub fn apply_to(
    records: &mut Vec<Stored>,
    batch: &Batch,
    zone: &Zone,
    next_id: &mut dyn FnMut() -> String,
) -> Result<AppliedWrites, Error> {
    if zone.batch_limit > 0 && batch.len() > zone.batch_limit {
        return Err(refused(
            "batch",
            None,
            format!(
                "{} records in one batch; the zone allows {} (Free 200, paid plans 3,500)",
                batch.len(),
                zone.batch_limit
            ),
        ));
    }
    let mut work = records.clone();
    let mut applied = AppliedWrites::default();

    for (i, id) in batch.deletes.iter().enumerate() {
        let at = position(&work, id).ok_or_else(|| unknown_id(&format!("deletes[{i}]"), id))?;
        work.remove(at);
        applied.deletes.push(id.clone());
    }
    // A patch and a put set the same managed fields; they differ only in what happens to the
    // fields edgeplan does not model (kept by a patch, reset by a put), which the zone file's
    // writer handles from `AppliedWrites`.
    for (key, list) in [("patches", &batch.patches), ("puts", &batch.puts)] {
        for (i, write) in list.iter().enumerate() {
            let (place, id) = (format!("{key}[{i}]"), &write.id);
            let at = position(&work, id).ok_or_else(|| unknown_id(&place, id))?;
            let record = check(&write.record(), id, zone, &place)?;
            let old = work.remove(at);
            if let Err(e) = exclusive(&work, &record, &place) {
                work.insert(at, old);
                return Err(e);
            }
            work.insert(at, record);
            match key {
                "patches" => applied.patches.push(id.clone()),
                _ => applied.puts.push(id.clone()),
            }
        }
    }
    for (i, new) in batch.posts.iter().enumerate() {
        let place = format!("posts[{i}]");
        let mut id = next_id();
        while position(&work, &id).is_some() {
            id = next_id();
        }
        let record = check(new, &id, zone, &place)?;
        exclusive(&work, &record, &place)?;
        work.push(record);
        applied.posts.push(id);
    }
    *records = work;
    Ok(applied)
}

fn position(records: &[Stored], id: &str) -> Option<usize> {
    records.iter().position(|r| r.id == id)
}

/// Why Cloudflare refuses a record: its error code and message.
type RuleRefusal = (Option<u32>, String);

/// Validates one record on its own and returns it as Cloudflare would store it.
fn check(new: &Record, id: &str, zone: &Zone, place: &str) -> Result<Stored, Error> {
    let name = normalise::name(&new.name);
    let kind = new.kind.as_str();
    let new_data = &new.data;
    let checked = check_name(&name, kind, zone)
        .and_then(|()| check_content(&name, kind, &new_data.content))
        .and_then(|content| {
            check_options(kind, &content, new_data)?;
            let comment = check_comment(new_data.comment.as_deref(), zone)?;
            Ok((content, comment))
        });
    let (content, comment) =
        checked.map_err(|(code, msg)| refused(&format!("{place} {kind} {name}"), code, msg))?;
    Ok(Stored {
        id: id.to_owned(),
        name,
        kind: new.kind.clone(),
        data: RecordData {
            content,
            proxied: new_data.proxied,
            // Proxied records are stored with automatic TTL whatever was sent.
            ttl: normalise::ttl(new_data.proxied, new_data.ttl),
            comment,
        },
    })
}

/// The name inside the zone and well formed; the type a word.
fn check_name(name: &str, kind: &str, zone: &Zone) -> Result<(), RuleRefusal> {
    if name != zone.name && !name.ends_with(&format!(".{}", zone.name)) {
        return Err((
            Some(1004),
            format!("the name is not inside the zone {}", zone.name),
        ));
    }
    if name.len() > 253 || name.split('.').any(|l| l.is_empty() || l.len() > 63) {
        return Err((
            Some(1004),
            "the name has an empty label, a label over 63 characters, or is over 253 characters"
                .into(),
        ));
    }
    if kind.is_empty() || !kind.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err((Some(1004), format!("`{kind}` is not a record type")));
    }
    Ok(())
}

/// The content for its type, as Cloudflare stores it (a CNAME's target normalised).
fn check_content(name: &str, kind: &str, content: &str) -> Result<String, RuleRefusal> {
    let max = if kind == "TXT" { 2048 } else { 255 };
    if content.is_empty() {
        return Err((Some(9011), "the content is empty".into()));
    }
    if content.len() > max {
        return Err((
            Some(9011),
            format!(
                "the content is {} bytes long; a {kind} record holds at most {max}",
                content.len()
            ),
        ));
    }
    match kind {
        "A" if content.parse::<Ipv4Addr>().is_err() => Err((
            Some(9005),
            format!("content `{content}` is not an IPv4 address"),
        )),
        "AAAA" if content.parse::<Ipv6Addr>().is_err() => Err((
            Some(9006),
            format!("content `{content}` is not an IPv6 address"),
        )),
        "CNAME" => {
            let target = normalise::name(content);
            if target.parse::<Ipv4Addr>().is_ok() || target.parse::<Ipv6Addr>().is_ok() {
                return Err((
                    Some(9007),
                    "a CNAME's content must be a hostname, not an IP address".into(),
                ));
            }
            if target.is_empty()
                || target.contains(|c: char| c.is_whitespace() || "/:@?#".contains(c))
            {
                return Err((Some(9007), format!("content `{content}` is not a hostname")));
            }
            if target == name {
                return Err((Some(1004), "a CNAME cannot point at its own name".into()));
            }
            Ok(target)
        }
        _ => Ok(content.to_owned()),
    }
}

/// The TTL in range; proxying only for the types and addresses Cloudflare can proxy.
fn check_options(kind: &str, content: &str, new: &RecordData) -> Result<(), RuleRefusal> {
    if new.ttl != 1 && !(60..=86_400).contains(&new.ttl) {
        return Err((
            Some(9021),
            format!(
                "TTL {} must be between 60 and 86400 seconds, or 1 for Automatic",
                new.ttl
            ),
        ));
    }
    if new.proxied && !matches!(kind, "A" | "AAAA" | "CNAME") {
        return Err((
            Some(9004),
            format!("a {kind} record cannot be proxied; only A, AAAA and CNAME can"),
        ));
    }
    if new.proxied && !proxiable_address(content) {
        return Err((
            Some(9041),
            format!(
                "content `{content}` is a private, loopback or unspecified address, which Cloudflare cannot proxy"
            ),
        ));
    }
    Ok(())
}

/// The comment on one line and within the zone's limit; stored normalised.
fn check_comment(comment: Option<&str>, zone: &Zone) -> Result<Option<String>, RuleRefusal> {
    let comment = normalise::comment(comment);
    if let Some(c) = &comment {
        if c.contains(['\n', '\r']) {
            return Err((Some(1004), "the comment contains a line break".into()));
        }
        let len = c.chars().count();
        if zone.comment_limit > 0 && len > zone.comment_limit {
            return Err((
                Some(1004),
                format!(
                    "the comment is {len} characters; this zone's plan allows {}",
                    zone.comment_limit
                ),
            ));
        }
    }
    Ok(comment)
}

/// Whether Cloudflare can proxy to this content: anything but an address it cannot reach from its
/// edge (hostnames are not resolved here).
fn proxiable_address(content: &str) -> bool {
    match content.parse::<IpAddr>() {
        Ok(IpAddr::V4(ip)) => {
            !(ip.is_private() || ip.is_loopback() || ip.is_link_local() || ip.is_unspecified())
        }
        Ok(IpAddr::V6(ip)) => !(ip.is_loopback() || ip.is_unspecified()),
        Err(_) => true,
    }
}

/// The rules between records at one name.
fn exclusive(work: &[Stored], new: &Stored, place: &str) -> Result<(), Error> {
    let what = format!("{place} {} {}", new.kind, new.name);
    for r in work.iter().filter(|r| r.name == new.name) {
        if new.kind == RecordType::Cname {
            return Err(refused(
                &what,
                Some(81053),
                format!(
                    "a record with that host already exists ({} {}, id {}); a CNAME must be alone at its name",
                    r.kind, r.data.content, r.id
                ),
            ));
        }
        if r.kind == RecordType::Cname {
            return Err(refused(
                &what,
                Some(81054),
                format!("a CNAME record with that host already exists (id {})", r.id),
            ));
        }
        if r.kind == new.kind && r.data.content == new.data.content {
            return Err(refused(
                &what,
                Some(81058),
                format!("an identical record already exists (id {})", r.id),
            ));
        }
    }
    Ok(())
}

fn unknown_id(place: &str, id: &str) -> Error {
    refused(place, Some(81044), format!("record `{id}` does not exist"))
}

fn refused(what: &str, code: Option<u32>, message: String) -> Error {
    let code = code
        .map(|c| format!(" (Cloudflare code {c})"))
        .unwrap_or_default();
    Error::Rejected {
        message: format!("the sandbox refused the batch at {what}: {message}{code}"),
        help: Some("Cloudflare would refuse this batch too; fix the manifest or the zone file, then plan again".into()),
        source: None,
    }
}
