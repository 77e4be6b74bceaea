//! Hostnames: the zone, endpoint names and CNAME targets, normalised and checked.
//!
//! Cloudflare answers with full names in Punycode, lower case, without a trailing dot, and
//! compares case-insensitively
//! (<https://developers.cloudflare.com/dns/manage-dns-records/reference/dns-record-types/>), so
//! everything here is brought to that form before anything compares it. Labels are at most 63
//! characters and names at most 253; only the first label of a proxied wildcard may be `*`
//! (<https://developers.cloudflare.com/dns/manage-dns-records/reference/wildcard-dns-records/>).

use super::text::excerpt;
use crate::address;

/// What is wrong, and what to do about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Bad {
    pub message: String,
    pub help: String,
}

fn bad(message: impl Into<String>, help: impl Into<String>) -> Bad {
    Bad {
        message: message.into(),
        help: help.into(),
    }
}

/// Lower case, Punycode; the trailing dot already removed. A leading `*.` is kept apart because
/// IDNA does not know wildcards.
fn to_ascii(host: &str, what: &str) -> Result<String, Bad> {
    if host.is_ascii() {
        return Ok(host.to_ascii_lowercase());
    }
    let (star, rest) = match host.strip_prefix("*.") {
        Some(rest) => ("*.", rest),
        None => ("", host),
    };
    match idna::domain_to_ascii(rest) {
        Ok(ascii) => Ok(format!("{star}{ascii}")),
        Err(_) => Err(bad(
            format!(
                "{what} `{}` is not a valid internationalised domain name",
                excerpt(host)
            ),
            "check the spelling, or write the name in its Punycode form (`xn--...`)",
        )),
    }
}

#[derive(Clone, Copy, PartialEq)]
enum HostPart {
    Zone,
    Name,
    Target,
}

/// DNS's length limits: `part` (a name or one of its labels) has `max` characters at most.
fn at_most(
    part: &str,
    max: usize,
    help: &str,
    message: impl Fn(usize) -> String,
) -> Result<(), Bad> {
    if part.len() > max {
        return Err(bad(message(part.len()), help));
    }
    Ok(())
}

/// Checks every label and the total length of an ASCII, lower-case name.
fn check(host: &str, kind: HostPart, what: &str) -> Result<(), Bad> {
    let shown = excerpt(host);
    at_most(host, 253, "use a shorter name", |len| {
        format!("{what} `{shown}` is {len} characters long; DNS allows 253 at most")
    })?;
    for (i, label) in host.split('.').enumerate() {
        if label.is_empty() {
            return Err(bad(
                format!(
                    "{what} `{shown}` has an empty label (two dots in a row, or a leading dot)"
                ),
                "remove the extra dot",
            ));
        }
        if label == "*" {
            if kind == HostPart::Name && i == 0 {
                continue;
            }
            return Err(bad(
                format!("{what} `{shown}` has `*` where it is not allowed"),
                if kind == HostPart::Name {
                    "only the first label of a wildcard may be `*`, as in `*.models`"
                } else {
                    "a wildcard is only allowed as the first label of an endpoint name"
                },
            ));
        }
        at_most(label, 63, "shorten that label", |len| {
            format!("{what} `{shown}` has a label of {len} characters; DNS allows 63 at most")
        })?;
        let underscore = kind == HostPart::Target;
        if let Some(c) = label.chars().find(|c| {
            !(c.is_ascii_lowercase()
                || c.is_ascii_digit()
                || *c == '-'
                || (underscore && *c == '_'))
        }) {
            return Err(bad(
                format!("{what} `{shown}` contains {c:?}, which is not allowed in a hostname"),
                "use letters, digits and hyphens only, with dots between labels",
            ));
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err(bad(
                format!(
                    "{what} `{shown}` has a label that starts or ends with a hyphen: `{label}`"
                ),
                "labels may contain hyphens, but not at their start or end",
            ));
        }
    }
    Ok(())
}

fn strip_dot(s: &str) -> (&str, bool) {
    match s.strip_suffix('.') {
        Some(rest) => (rest, true),
        None => (s, false),
    }
}

/// `key` given but empty: refused with `help`.
fn not_empty(s: &str, key: &str, help: &str) -> Result<(), Bad> {
    if s.is_empty() {
        return Err(bad(format!("`{key}` is empty"), help));
    }
    Ok(())
}

/// A scheme or a path: someone wrote a URL where a hostname belongs.
fn url_like(s: &str) -> bool {
    s.contains("://") || s.contains('/')
}

/// The zone apex: at least two labels, no wildcard.
pub(crate) fn zone(raw: &str) -> Result<String, Bad> {
    let shown = excerpt(raw);
    let (s, _) = strip_dot(raw);
    not_empty(s, "zone", "write the zone apex, such as `example.com`")?;
    if url_like(s) {
        let host = host_of(s.split_once("://").map_or(s, |(_, rest)| rest));
        // Suggested only when it is a zone itself (and shown whole).
        let help = match zone(host) {
            Ok(z) if excerpt(&z) == z => format!("write `zone: {z}`"),
            _ => "write the bare domain, such as `example.com`".into(),
        };
        return Err(bad(format!("zone `{shown}` looks like a URL"), help));
    }
    let zone = to_ascii(s, "zone")?;
    check(&zone, HostPart::Zone, "zone")?;
    if !zone.contains('.') {
        return Err(bad(
            format!(
                "zone `{zone}` is a single label; a Cloudflare zone is a domain such as `example.com`"
            ),
            "write the zone apex exactly as the Cloudflare dashboard shows it",
        ));
    }
    Ok(zone)
}

/// Generic top-level domains: a relative name ending in one (`api.example.org` in zone
/// `example.com`) is almost surely a name in another zone, not `api.example.org.example.com`.
/// Country codes are left out on purpose: `api.eu` is a plausible relative name. To mean the
/// long name anyway, write it in full with a trailing dot.
const GENERIC_TLDS: &[&str] = &[
    "com", "net", "org", "io", "ai", "dev", "app", "co", "cloud", "info", "biz", "xyz", "tech",
    "site", "online", "edu", "gov", "mil", "int",
];

/// An endpoint name, made fully qualified inside `zone` (already normalised).
///
/// `@` is the apex; a name ending in the zone is already an FQDN; a name ending in a dot is
/// absolute and must lie in the zone; anything else is relative to the zone. NOTE: a relative name
/// whose last label is the zone's top-level domain (`api.other.com` in `example.com`) is taken as
/// a mistyped FQDN outside the zone, because appending the zone would silently create
/// `api.other.com.example.com`.
pub(crate) fn endpoint_name(raw: &str, zone: &str) -> Result<String, Bad> {
    let shown = excerpt(raw);
    if raw == "@" {
        return Ok(zone.to_string());
    }
    let (s, absolute) = strip_dot(raw);
    not_empty(
        s,
        "name",
        "write a label such as `sentiment`, or `\"@\"` for the zone apex",
    )?;
    if url_like(s) {
        return Err(bad(
            format!("name `{shown}` looks like a URL; a name is a hostname inside the zone"),
            "write the label only, such as `sentiment`",
        ));
    }
    let s = to_ascii(s, "name")?;
    let outside = || {
        bad(
            format!("name `{shown}` is outside the zone {zone}"),
            outside_help(&s, zone),
        )
    };
    let fqdn = if s == zone || s.ends_with(&format!(".{zone}")) {
        s
    } else if absolute {
        return Err(outside());
    } else {
        let tld = zone.rsplit('.').next().unwrap_or(zone);
        let last = s.rsplit('.').next().unwrap_or(&s);
        if s.contains('.') && (last == tld || GENERIC_TLDS.contains(&last)) {
            return Err(outside());
        }
        format!("{s}.{zone}")
    };
    check(&fqdn, HostPart::Name, "name")?;
    Ok(fqdn)
}

/// Second-level labels under which country codes register names (`example.co.uk`): a name
/// ending in one of them with a two-letter top-level domain has a zone of three labels.
const SECOND_LEVELS: &[&str] = &["co", "com", "net", "org", "ac", "gov", "edu", "ne", "or"];

/// The zone a name outside the manifest's zone most likely lies in, and its label there (`@` for
/// the apex): `sentiment.example.org` gives `example.org` and `sentiment`. `None` for a single
/// label, which has no zone to suggest.
fn likely_zone(name: &str) -> Option<(String, String)> {
    let labels: Vec<&str> = name.split('.').collect();
    let n = labels.len();
    if n < 2 {
        return None;
    }
    let three = n >= 3 && labels[n - 1].len() == 2 && SECOND_LEVELS.contains(&labels[n - 2]);
    let keep = if three { 3 } else { 2 };
    let zone = labels[n.saturating_sub(keep)..].join(".");
    // A suggestion is never a value that is refused in turn.
    if self::zone(&zone).ok().as_deref() != Some(zone.as_str()) {
        return None;
    }
    let label = match labels[..n.saturating_sub(keep)].join(".") {
        l if l.is_empty() => "@".to_string(),
        l => l,
    };
    Some((zone, label))
}

/// The help for a name outside `zone`: the zone it most likely belongs to (a manifest of its own,
/// or a wrong `zone:`) as well as how to write a name inside `zone`.
fn outside_help(name: &str, zone: &str) -> String {
    let inside =
        format!("for a name in {zone}, write a label such as `api` or a name ending in `.{zone}`");
    match likely_zone(name) {
        Some((other, label)) => format!(
            "`{}` looks like a name in another zone, perhaps `{}` (check the zone's apex in Cloudflare): \
             if the manifest's zone is wrong, write `zone: {}` (and `name: {}`); if not, that name \
             needs a manifest of its own, one per zone; {inside}",
            excerpt(name),
            excerpt(&other),
            excerpt(&other),
            if label == "@" {
                "\"@\"".to_string()
            } else {
                excerpt(&label)
            },
        ),
        None => format!("{inside}; each zone needs its own manifest"),
    }
}

/// The host part of `host:port/path?query#fragment` (after any `scheme://`): what a refused
/// target or zone most likely meant.
fn host_of(text: &str) -> &str {
    let host = text.split(['/', '?', '#']).next().unwrap_or(text);
    // `user@host` and `[v6]:port` are left whole: the check below refuses them as suggestions.
    match host.rsplit_once(':') {
        Some((h, port)) if !h.contains(':') && port.bytes().all(|b| b.is_ascii_digit()) => h,
        _ => host,
    }
}

/// The help's first words for a refused target: `write \`target: HOST\`` when `candidate` is itself
/// a valid target shown whole (a hint never suggests a value that is refused in turn), else a
/// description of what to write.
const PATH_ADVICE: &str = "put a health-check path in `health`";
const PORT_ADVICE: &str =
    "Cloudflare proxies HTTPS to the origin on port 443 (use an Origin Rule to change the port)";

/// A target refused for what surrounds its hostname: the fix names the hostname, then `advice`.
fn fix_target(message: String, host: &str, advice: &str) -> Bad {
    bad(message, format!("{}; {advice}", write_target(host)))
}

fn write_target(candidate: &str) -> String {
    // NOTE: with none of these characters, `target` cannot come back here: no recursion.
    if candidate.contains([':', '/', '?', '#', '@', '[', ']']) {
        return "write the origin's hostname alone, with no scheme, port or path".into();
    }
    match target(candidate) {
        Ok(host) if excerpt(&host) == host => format!("write `target: {host}`"),
        _ => "write the origin's hostname alone, with no scheme, port or path".into(),
    }
}

/// What a target holds around its hostname (a scheme, a path or a port): the message, the
/// hostname inside, and the advice; `None` when there is nothing around it.
fn around_host<'a>(trimmed: &'a str, shown: &str) -> Option<(String, &'a str, String)> {
    if let Some((scheme, rest)) = trimmed.split_once("://") {
        let scheme = excerpt(scheme);
        let message =
            format!("target `{shown}` is a URL (`{scheme}://`); a CNAME points at a hostname");
        return Some((message, host_of(rest), PATH_ADVICE.to_owned()));
    }
    if trimmed.contains('/') {
        let advice = if trimmed.split('/').next().is_some_and(|h| h.contains(':')) {
            format!("{PATH_ADVICE}; a CNAME cannot carry a port either: {PORT_ADVICE}")
        } else {
            PATH_ADVICE.to_owned()
        };
        let message = format!("target `{shown}` has a path; a CNAME points at a hostname only");
        return Some((message, host_of(trimmed), advice));
    }
    let (_, port) = trimmed.rsplit_once(':')?;
    let port = excerpt(port);
    let message = format!("target `{shown}` has a port (`:{port}`); a CNAME cannot carry a port");
    Some((message, host_of(trimmed), PORT_ADVICE.to_owned()))
}

/// A CNAME target: a hostname of two labels or more; never a URL, a port or an IP address.
pub(crate) fn target(raw: &str) -> Result<String, Bad> {
    let shown = excerpt(raw);
    let trimmed = raw.trim();
    not_empty(
        trimmed,
        "target",
        "write the origin's hostname, such as `models.us-east-1.elb.amazonaws.com`",
    )?;
    // Every spelling of an address: `1.2.3.4.`, `[::1]`, `::1.` are no hostnames either. (No
    // address holds a `/`, so a URL is never taken for one.)
    if address::literal(trimmed).is_some() {
        return Err(bad(
            format!("target `{shown}` is an IP address; a CNAME needs a hostname"),
            "point the target at the origin's DNS name (load balancer, Cloud Run or VM hostname); edgeplan manages CNAME records only",
        ));
    }
    if let Some((message, host, advice)) = around_host(trimmed, &shown) {
        return Err(fix_target(message, host, &advice));
    }
    let (s, _) = strip_dot(trimmed);
    let host = to_ascii(s, "target")?;
    check(&host, HostPart::Target, "target")?;
    if !host.contains('.') {
        return Err(bad(
            format!(
                "target `{}` is a single label; a CNAME needs a fully qualified hostname",
                excerpt(&host)
            ),
            "write the full hostname, such as `gpu-01.internal.example.net`",
        ));
    }
    Ok(host)
}

#[cfg(test)]
#[path = "names_tests.rs"]
mod tests;
