//! From the raw manifest to [`Desired`]: every rule of the contract in docs/manifest.md that is
//! about values rather than structure.
//!
//! Problems carry a symbolic path (`endpoints[2].ttl`), never a line: the caller turns paths into
//! lines and columns from the located tree only when there is something to report. TTL rules
//! follow Cloudflare: 1 is automatic, otherwise 60..86400, and proxied records are always automatic
//! (<https://developers.cloudflare.com/dns/manage-dns-records/reference/ttl/>). A record comment
//! holds at most 100 characters on the Free plan, with no line breaks
//! (<https://developers.cloudflare.com/dns/manage-dns-records/reference/record-attributes/>).

use std::collections::HashMap;
use std::path::Path;

use super::MAX_PROBLEMS;
use super::names;
use super::raw::{RawEndpoint, RawManifest, RawTtl};
use super::text::excerpt;
use crate::plan::{Desired, Endpoint, Health, PreviousOwner};

/// Longest record comment any Cloudflare plan accepts (paid plans 500, Free 100); edgeplan's
/// marker must fit in it. The zone's own limit is checked by the plan, which knows the zone.
pub(crate) const COMMENT_LIMIT: usize = 500;
pub(super) const TTL_MIN: i64 = 60;
pub(super) const TTL_MAX: i64 = 86_400;

/// One step of a symbolic path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Seg {
    Key(&'static str),
    Index(usize),
}

/// A problem at a symbolic path; `key` points at the key rather than its value.
#[derive(Debug)]
pub(super) struct Issue {
    pub path: Vec<Seg>,
    pub key: bool,
    pub message: String,
    pub help: Option<String>,
}

/// The problems found: the first [`MAX_PROBLEMS`], and how many more.
#[derive(Debug, Default)]
pub(super) struct Issues {
    pub shown: Vec<Issue>,
    pub more: usize,
}

impl Issues {
    fn at(&mut self, path: Vec<Seg>, message: impl Into<String>, help: impl Into<String>) {
        if self.shown.len() >= MAX_PROBLEMS {
            self.more += 1;
            return;
        }
        self.shown.push(Issue {
            path,
            key: false,
            message: message.into(),
            help: Some(help.into()),
        });
    }

    fn len(&self) -> usize {
        self.shown.len() + self.more
    }
}

fn ep(i: usize, key: &'static str) -> Vec<Seg> {
    vec![Seg::Key("endpoints"), Seg::Index(i), Seg::Key(key)]
}

/// Validates `raw` into a [`Desired`]; `lines[i]` is the line of endpoint `i`'s `name` key,
/// `previous_lines[i]` the line of entry `i` of `previous_owners`.
pub(super) fn validate(
    raw: &RawManifest,
    source: &Path,
    lines: &[usize],
    previous_lines: &[usize],
) -> Result<Desired, Issues> {
    let mut issues = Issues::default();
    // A required key left out by the structural pass (already reported there): everything else
    // is still checked, and the result is never a `Desired`.
    let incomplete = raw.version.is_none() || raw.zone.is_none() || raw.endpoints.is_none();
    if let Some(version) = raw.version
        && version != 1
    {
        issues.at(
            vec![Seg::Key("version")],
            format!("unsupported manifest version {version}: only version 1 exists"),
            "set `version: 1`",
        );
    }
    let zone = match raw.zone.as_deref().map(names::zone) {
        None => String::new(),
        Some(Ok(z)) => z,
        Some(Err(bad)) => {
            issues.at(vec![Seg::Key("zone")], bad.message, bad.help);
            // Names depend on the zone: checking them against a bad one would only add noise.
            // Everything else is still checked, to report as much as possible at once.
            String::new()
        }
    };
    let zone_id = raw.zone_id.as_ref().map(|id| id.to_ascii_lowercase());
    if let Some(id) = &zone_id
        && !(id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit()))
    {
        issues.at(
            vec![Seg::Key("zone_id")],
            format!(
                "zone_id `{}` is not a Cloudflare zone ID (32 hexadecimal characters)",
                excerpt(id)
            ),
            "copy the Zone ID from the zone's Overview page in the Cloudflare dashboard, or remove `zone_id` to look the zone up by name",
        );
    }
    let owner = raw.owner.clone().unwrap_or_else(|| "default".into());
    if !valid_owner(&owner) {
        let pick = match owner_like(&owner) {
            Some(o) => format!("write `owner: {o}`, or another short team name"),
            None => "pick a short team name such as `ml-platform`".into(),
        };
        issues.at(
            vec![Seg::Key("owner")],
            format!("owner `{}` is not valid: 1 to 32 of a-z, 0-9, `_` and `-`, starting with a letter or digit", excerpt(&owner)),
            format!("{pick}; it becomes the record comment marker `edgeplan:<owner>`"),
        );
    }
    let previous_owners = previous(raw, &owner, previous_lines, &mut issues);
    let defaults = raw.defaults.as_ref();
    let default_proxied = defaults.and_then(|d| d.proxied).unwrap_or(true);
    let mut default_ttl = 1;
    if let Some(RawTtl::Seconds(n)) = defaults.and_then(|d| d.ttl) {
        let path = vec![Seg::Key("defaults"), Seg::Key("ttl")];
        if default_proxied {
            issues.at(
                path,
                format!("defaults.ttl is {n}, but endpoints are proxied by default and proxied records always use automatic TTL"),
                "write `ttl: auto`, or set `defaults.proxied: false` for DNS-only endpoints",
            );
        } else if !(TTL_MIN..=TTL_MAX).contains(&n) {
            issues.at(
                path,
                ttl_range(n),
                "write a number from 60 to 86400, or `auto`",
            );
        } else {
            default_ttl = n as u32;
        }
    }
    let raw_endpoints = raw.endpoints.as_deref().unwrap_or_default();
    let mut endpoints = Vec::with_capacity(raw_endpoints.len());
    for (i, e) in raw_endpoints.iter().enumerate() {
        let line = lines.get(i).copied().unwrap_or(0);
        if let Some(endpoint) = endpoint(
            i,
            e,
            &zone,
            &owner,
            default_proxied,
            default_ttl,
            line,
            &mut issues,
        ) {
            endpoints.push((i, endpoint));
        }
    }
    duplicates(&endpoints, &mut issues);
    cycles(&endpoints, &mut issues);
    if issues.len() > 0 || incomplete {
        return Err(issues);
    }
    Ok(Desired {
        source: source.to_path_buf(),
        zone,
        zone_id,
        owner,
        previous_owners,
        endpoints: endpoints.into_iter().map(|(_, e)| e).collect(),
    })
}

/// `previous_owners`: each a valid owner name, not `owner` itself, each once. Whether another
/// manifest of the zone has one of them as its `owner` is a rule of the set
/// ([`super::check_set`]).
fn previous(
    raw: &RawManifest,
    owner: &str,
    lines: &[usize],
    issues: &mut Issues,
) -> Vec<PreviousOwner> {
    let mut out: Vec<PreviousOwner> = Vec::new();
    for (i, name) in raw.previous_owners.iter().flatten().enumerate() {
        let path = || vec![Seg::Key("previous_owners"), Seg::Index(i)];
        if !valid_owner(name) {
            let pick = match owner_like(name) {
                Some(o) => format!("write `{o}`, the owner name as the records' marker spells it"),
                None => {
                    "write the old owner name as the records' marker `edgeplan:<owner>` spells it"
                        .into()
                }
            };
            issues.at(
                path(),
                format!("previous owner `{}` is not valid: 1 to 32 of a-z, 0-9, `_` and `-`, starting with a letter or digit", excerpt(name)),
                pick,
            );
        } else if name == owner {
            issues.at(
                path(),
                format!("previous owner `{name}` is this manifest's own `owner`"),
                "remove it from `previous_owners`: the manifest already owns its records",
            );
        } else if out.iter().any(|p| p.name == *name) {
            issues.at(
                path(),
                format!("previous owner `{name}` is listed twice"),
                "list each previous owner once",
            );
        } else {
            out.push(PreviousOwner {
                name: name.clone(),
                line: lines.get(i).copied().unwrap_or(0),
            });
        }
    }
    out
}

/// The owner pattern is the marker's: one definition, in `plan::owner`.
pub(crate) use crate::plan::owner::valid_owner;

/// A valid owner close to a refused one (`ML Team` -> `ml-team`), to suggest; `None` when the
/// nearest spelling is still refused, so that a hint never suggests a refused value.
fn owner_like(owner: &str) -> Option<String> {
    let mut out = String::new();
    for c in owner.trim().chars() {
        let c = c.to_ascii_lowercase();
        if c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' {
            out.push(c);
        } else if (c == '-' || c == ' ' || c == '.') && !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    let out = out.trim_end_matches('-').to_string();
    (valid_owner(&out) && out != owner).then_some(out)
}

fn ttl_range(n: i64) -> String {
    format!("ttl {n} is out of range: Cloudflare accepts 60 to 86400 seconds, or `auto`")
}

#[allow(clippy::too_many_arguments)]
fn endpoint(
    i: usize,
    e: &RawEndpoint,
    zone: &str,
    owner: &str,
    default_proxied: bool,
    default_ttl: u32,
    line: usize,
    issues: &mut Issues,
) -> Option<Endpoint> {
    let before = issues.len();
    let name = match e.name.as_deref() {
        Some(n) if !zone.is_empty() => names::endpoint_name(n, zone)
            .map_err(|bad| issues.at(ep(i, "name"), bad.message, bad.help))
            .ok(),
        _ => None,
    };
    let target = e.target.as_deref().and_then(|t| {
        names::target(t)
            .map_err(|bad| issues.at(ep(i, "target"), bad.message, bad.help))
            .ok()
    });
    if let (Some(n), Some(t)) = (&name, &target)
        && n == t
    {
        issues.at(
            ep(i, "target"),
            format!("target `{t}` is the endpoint's own name: a CNAME cannot point at itself"),
            "point the target at the origin's hostname",
        );
    }
    let proxied = e.proxied.unwrap_or(default_proxied);
    let ttl = ttl(i, e, proxied, default_ttl, issues);
    let comment = comment(i, e, owner, issues);
    let health = e
        .health
        .as_deref()
        .and_then(|h| match health(h, target.as_deref()) {
            Ok(h) => Some(h),
            Err((message, help)) => {
                issues.at(ep(i, "health"), message, help);
                None
            }
        });
    if issues.len() > before {
        return None;
    }
    Some(Endpoint {
        name: name?,
        target: target?,
        proxied,
        ttl,
        comment,
        adopt: e.adopt.unwrap_or(false),
        health,
        line,
    })
}

/// The endpoint's TTL: 1 (automatic) when proxied or `auto`, else its own or the default.
fn ttl(i: usize, e: &RawEndpoint, proxied: bool, default_ttl: u32, issues: &mut Issues) -> u32 {
    match e.ttl {
        Some(RawTtl::Auto) => 1,
        Some(RawTtl::Seconds(n)) if proxied => {
            issues.at(
                ep(i, "ttl"),
                format!("ttl {n} on a proxied endpoint: proxied records always use automatic TTL"),
                "remove `ttl` (or write `ttl: auto`), or set `proxied: false` for a DNS-only record",
            );
            1
        }
        Some(RawTtl::Seconds(n)) if !(TTL_MIN..=TTL_MAX).contains(&n) => {
            issues.at(
                ep(i, "ttl"),
                ttl_range(n),
                "write a number from 60 to 86400, or `auto`",
            );
            1
        }
        Some(RawTtl::Seconds(n)) => n as u32,
        // NOTE: a numeric defaults.ttl only applies where the endpoint is DNS-only.
        None if proxied => 1,
        None => default_ttl,
    }
}

/// The endpoint's comment, when it has text: one line, and short enough to fit beside the
/// ownership marker.
fn comment(i: usize, e: &RawEndpoint, owner: &str, issues: &mut Issues) -> Option<String> {
    let comment = e
        .comment
        .as_deref()
        .filter(|c| !c.trim().is_empty())
        .map(str::to_string);
    if let Some(c) = &comment {
        if c.contains(['\n', '\r']) {
            issues.at(
                ep(i, "comment"),
                "comment has a line break; Cloudflare record comments are one line",
                "write the comment on one line (a `>-` folded scalar also works)",
            );
        } else {
            let marker = format!("edgeplan:{owner} | ");
            let len = marker.chars().count() + c.chars().count();
            if len > COMMENT_LIMIT {
                issues.at(
                    ep(i, "comment"),
                    format!(
                        "comment is {} characters; with the ownership marker `{}` the record comment would be {len}, over the most any Cloudflare plan accepts ({COMMENT_LIMIT})",
                        c.chars().count(),
                        excerpt(&marker)
                    ),
                    format!("shorten the comment to {} characters at most", COMMENT_LIMIT.saturating_sub(marker.chars().count())),
                );
            }
        }
    }
    comment
}

/// A path on the target (`/healthz`) or a full URL, judged by the prober's own rule
/// ([`health::health_url`]: `http://` only on loopback, no credentials, no private, link-local or
/// metadata address), so that what validates is what can be probed. A path is checked against the
/// endpoint's target, or a stand-in when the target itself is refused.
fn health(raw: &str, target: Option<&str>) -> Result<Health, (String, String)> {
    let help = "write a path such as `/healthz` (probed at https://<target>/healthz) or a full `https://` URL";
    let health = if raw.starts_with('/') && !raw.starts_with("//") {
        Health::Path(raw.to_string())
    } else {
        Health::Url(raw.to_string())
    };
    match crate::health::health_url(target.unwrap_or("origin.invalid"), &health) {
        Ok(_) => Ok(health),
        Err(e) => Err((e.0, help.into())),
    }
}

/// Two endpoints with the same name after normalisation: reported at the second, naming both lines.
fn duplicates(endpoints: &[(usize, Endpoint)], issues: &mut Issues) {
    let mut seen: HashMap<&str, usize> = HashMap::with_capacity(endpoints.len());
    for (i, e) in endpoints {
        if let Some(first) = seen.get(e.name.as_str()) {
            issues.at(
                ep(*i, "name"),
                format!("duplicate endpoint `{}`: lines {} and {} both name it", e.name, first, e.line),
                "keep one of them; names are compared in lower case, without a trailing dot, relative to the zone",
            );
        } else {
            seen.insert(&e.name, e.line);
        }
    }
}

/// Most names a cycle's message lists.
const CYCLE_NAMES: usize = 8;

/// CNAME chains that come back to where they started (`a -> b -> a`), reported once per cycle at
/// the member that appears first in the manifest. Each endpoint has one target, so this is a walk
/// in a functional graph: linear, whatever the chains look like.
fn cycles(endpoints: &[(usize, Endpoint)], issues: &mut Issues) {
    let by_name: HashMap<&str, usize> = endpoints
        .iter()
        .enumerate()
        .map(|(k, (_, e))| (e.name.as_str(), k))
        .collect();
    // 0 = not visited, 1 = on the current walk, 2 = done.
    let mut state = vec![0u8; endpoints.len()];
    let mut walk: Vec<usize> = Vec::new();
    for start in 0..endpoints.len() {
        walk.clear();
        let mut at = start;
        while state[at] == 0 {
            state[at] = 1;
            walk.push(at);
            match by_name.get(endpoints[at].1.target.as_str()) {
                Some(&next) => at = next,
                None => break,
            }
        }
        if state[at] == 1
            && let Some(from) = walk.iter().position(|&k| k == at)
        {
            let cycle = &walk[from..];
            // A one-endpoint cycle is a self-reference, reported on its own.
            if cycle.len() > 1 {
                let first = cycle
                    .iter()
                    .copied()
                    .min_by_key(|&k| endpoints[k].0)
                    .unwrap_or(at);
                let pos = cycle.iter().position(|&k| k == first).unwrap_or(0);
                let names: Vec<&str> = cycle[pos..]
                    .iter()
                    .chain(&cycle[..pos])
                    .map(|&k| endpoints[k].1.name.as_str())
                    .collect();
                // A cycle through thousands of endpoints is named by its first few.
                let shown = if names.len() > CYCLE_NAMES {
                    format!(
                        "{} -> ... ({} endpoints in all)",
                        names[..CYCLE_NAMES].join(" -> "),
                        names.len()
                    )
                } else {
                    names.join(" -> ")
                };
                issues.at(
                    ep(endpoints[first].0, "target"),
                    format!("CNAME cycle: {shown} -> {}", names[0]),
                    "point one of these endpoints at a real origin hostname",
                );
            }
        }
        for &k in &walk {
            state[k] = 2;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owner_pattern() {
        assert!(valid_owner("default"));
        assert!(valid_owner("ml-platform_2"));
        assert!(valid_owner(&"a".repeat(32)));
        assert!(!valid_owner(&"a".repeat(33)));
        assert!(!valid_owner("-ml"));
        assert!(!valid_owner("ML"));
        assert!(!valid_owner(""));
        assert!(!valid_owner("a|b"));
    }

    #[test]
    fn owner_suggestions_are_valid_owners() {
        assert_eq!(owner_like("ML Team").as_deref(), Some("ml-team"));
        assert_eq!(owner_like("-ml").as_deref(), Some("ml"));
        assert_eq!(owner_like("Search.Infra").as_deref(), Some("search-infra"));
        assert_eq!(owner_like(&"a".repeat(40)), None);
        assert_eq!(owner_like("!!!"), None);
        for o in ["ML Team", "-ml", "a b c", "Ünïcode team", "x--y  z"] {
            if let Some(s) = owner_like(o) {
                assert!(valid_owner(&s), "{o} -> {s}");
            }
        }
    }

    #[test]
    fn health_forms() {
        let at = |h: &str| health(h, Some("origin.example.net"));
        assert_eq!(at("/healthz"), Ok(Health::Path("/healthz".into())));
        assert!(matches!(at("https://x.run.app/ready"), Ok(Health::Url(_))));
        assert!(matches!(at("http://127.0.0.1:8080/h"), Ok(Health::Url(_))));
        assert!(at("http://x.run.app/ready").is_err());
        assert!(at("healthz").is_err());
        assert!(at("//x").is_err());
        assert!(at("/a b").is_err());
        assert!(at("https:///x").is_err());
        // The prober's rule, not a look-alike: a private literal is refused, loopback is not.
        assert!(at("https://10.0.0.1/h").is_err());
        assert!(at("http://127.0.0.1.nip.io/h").is_err());
        assert!(at("http://[::1]:9/h").is_ok());
    }
}
