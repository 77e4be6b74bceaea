//! One normal form for both sides of a diff, so that plan, apply, plan again is always empty.
//!
//! Cloudflare returns names in lower case without a trailing dot and stores a proxied record's TTL
//! as 1 whatever was sent (the ownership rules in the README; docs/cloudflare.md,
//! <https://developers.cloudflare.com/dns/proxy-status/>). Comparing a manifest's `ttl: 300` on a
//! proxied endpoint with the stored 1 would be a perpetual diff, the classic bug of DNS-as-code
//! tools, so both the desired and the live side go through the same functions here.

use super::{Endpoint, RecordData, RecordType, Stored, owner};

/// A DNS name or CNAME target: trimmed, lower case, no trailing dot.
pub(crate) fn name(raw: &str) -> String {
    raw.trim().trim_end_matches('.').to_ascii_lowercase()
}

/// The TTL as Cloudflare stores it: 1 (automatic) for proxied records, and for the 0 some
/// clients send for "unset".
pub(crate) fn ttl(proxied: bool, ttl: u32) -> u32 {
    if proxied || ttl == 0 { 1 } else { ttl }
}

/// An empty comment reads back as `null`, so the two are the same thing.
pub(crate) fn comment(raw: Option<&str>) -> Option<String> {
    raw.filter(|c| !c.is_empty()).map(str::to_owned)
}

/// A live record in normal form. Only hostname-valued content (CNAME) is lower-cased: TXT content
/// is case-sensitive, and A/AAAA never differ by case in a way that matters to edgeplan.
pub(crate) fn stored(id: &str, raw_name: &str, kind: &RecordType, data: &RecordData) -> Stored {
    let content = if *kind == RecordType::Cname {
        name(&data.content)
    } else {
        data.content.clone()
    };
    Stored {
        id: id.to_owned(),
        name: name(raw_name),
        kind: kind.clone(),
        data: RecordData {
            content,
            proxied: data.proxied,
            ttl: ttl(data.proxied, data.ttl),
            comment: comment(data.comment.as_deref()),
        },
    }
}

/// The CNAME an endpoint wants, marker included: what `after` shows and what gets written.
pub(crate) fn wanted(e: &Endpoint, owner_name: &str) -> RecordData {
    RecordData {
        content: name(&e.target),
        proxied: e.proxied,
        ttl: ttl(e.proxied, e.ttl),
        comment: Some(owner::comment_for(owner_name, e.comment.as_deref())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_lose_case_and_trailing_dots() {
        assert_eq!(name(" API.Example.COM. "), "api.example.com");
    }

    #[test]
    fn proxied_records_always_read_as_automatic_ttl() {
        assert_eq!(ttl(true, 300), 1);
        assert_eq!(ttl(false, 300), 300);
        assert_eq!(ttl(false, 0), 1);
    }

    #[test]
    fn txt_content_keeps_its_case_but_cname_content_does_not() {
        let mut data = RecordData {
            content: "Token=AbC".into(),
            proxied: false,
            ttl: 3600,
            comment: Some(String::new()),
        };
        let n = stored("1", "X.example.com.", &"txt".into(), &data);
        assert_eq!(
            (n.name.as_str(), n.kind.as_str(), n.data.content.as_str()),
            ("x.example.com", "TXT", "Token=AbC")
        );
        assert_eq!(n.data.comment, None);
        data.content = "Origin.Example.NET.".into();
        let n = stored("1", "x.example.com", &RecordType::Cname, &data);
        assert_eq!(n.data.content, "origin.example.net");
    }
}
