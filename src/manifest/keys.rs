//! The manifest's keys, defined once: for every key, its type, whether it is required (and what to
//! add when it is missing), its value when left out, its description and the constraints a JSON
//! Schema can state.
//!
//! Everything else about the keys is derived from this table: the structural check
//! ([`super::shape`]: known keys, expected types, required keys, did-you-mean), the JSON Schema
//! ([`super::schema`]: properties, types, `required`, descriptions, defaults), and the key lists of
//! the error help. The serde structs of [`super::raw`] and the reference tables in README.md and
//! docs/manifest.md are written by hand and held to this table by tests.

/// The type of a value.
#[derive(Debug)]
pub enum Shape {
    Map(&'static [Key]),
    Seq(&'static Shape),
    /// Any non-null scalar, read as text.
    Str,
    Bool,
    Int,
    /// `auto` or a whole number of seconds.
    Ttl,
}

impl Shape {
    /// The type as the reference tables name it.
    pub fn doc_name(&self) -> &'static str {
        match self {
            Shape::Map(_) => "mapping",
            Shape::Seq(_) => "list",
            Shape::Str => "string",
            Shape::Bool => "boolean",
            Shape::Int => "integer",
            Shape::Ttl => "`auto` or integer",
        }
    }
}

/// What an optional key is when it is left out or has no value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DefaultValue {
    /// Nothing: no comment, no probe, the zone looked up by name.
    Absent,
    Bool(bool),
    Text(&'static str),
    /// The value of another key, by its path (`defaults.proxied`).
    Inherit(&'static str),
}

/// Whether a key must be written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Presence {
    /// Must be there with a value; `help` says what to add when it is not.
    Required { help: &'static str },
    /// May be left out, or written without a value: then it is the default.
    Optional(DefaultValue),
}

/// One key of the manifest.
#[derive(Debug)]
pub struct Key {
    pub name: &'static str,
    pub shape: &'static Shape,
    pub presence: Presence,
    /// One line for the schema's `description` (editors show it on hover).
    pub doc: &'static str,
    /// The JSON Schema constraints beyond the type (`pattern`, lengths, `const`), as a JSON
    /// object; `{}` for none. Rules that span values are only checked by `edgeplan validate`.
    pub schema: &'static str,
}

impl Key {
    pub fn required(&self) -> bool {
        matches!(self.presence, Presence::Required { .. })
    }
}

use DefaultValue::{Absent, Bool, Inherit, Text};
use Presence::Optional;

const fn key(
    name: &'static str,
    shape: &'static Shape,
    presence: Presence,
    doc: &'static str,
    schema: &'static str,
) -> Key {
    Key {
        name,
        shape,
        presence,
        doc,
        schema,
    }
}

/// Required, with what to add when it is missing.
const fn needs(help: &'static str) -> Presence {
    Presence::Required { help }
}

/// What the whole manifest is, for the schema's title and description.
pub(super) const TITLE: &str = "edgeplan manifest";
pub(super) const DOC: &str = "ML model endpoints to put behind Cloudflare's proxy as CNAME records (edgeplan.yaml, version 1).";

const TTL_DOC: &str = "`auto` (Cloudflare's automatic TTL, required for proxied records) or 60..86400 seconds on DNS-only records.";

/// `defaults:`.
pub(super) const DEFAULTS: &[Key] = &[
    key(
        "proxied",
        &Shape::Bool,
        Optional(Bool(true)),
        "Proxy through Cloudflare (orange cloud). Default true.",
        "{}",
    ),
    key("ttl", &Shape::Ttl, Optional(Text("auto")), TTL_DOC, "{}"),
];

/// One entry of `endpoints:`.
pub(super) const ENDPOINT: &[Key] = &[
    key(
        "name",
        &Shape::Str,
        needs("add `name: sentiment` (a label inside the zone, `\"@\"` for the apex)"),
        "Relative label(s), \"@\" for the apex, \"*.x\" for a wildcard, or an FQDN inside the zone.",
        r#"{"minLength": 1, "maxLength": 254, "pattern": "^[^\\s/:]+$"}"#,
    ),
    key(
        "target",
        &Shape::Str,
        needs("add `target: origin.example.net` (the hostname the CNAME points at)"),
        "The origin hostname the CNAME points at (no scheme, path, port or IP address).",
        r#"{"minLength": 3, "maxLength": 254, "pattern": "^[^\\s/:]+$"}"#,
    ),
    key(
        "comment",
        &Shape::Str,
        Optional(Absent),
        "Shown in Cloudflare after the marker `edgeplan:<owner> | `; one line; marker plus comment at most 500 characters (100 on a Free zone, which the plan checks).",
        r#"{"pattern": "^[^\\r\\n]*$"}"#,
    ),
    key(
        "proxied",
        &Shape::Bool,
        Optional(Inherit("defaults.proxied")),
        "Overrides defaults.proxied.",
        "{}",
    ),
    key(
        "ttl",
        &Shape::Ttl,
        Optional(Inherit("defaults.ttl")),
        TTL_DOC,
        "{}",
    ),
    key(
        "adopt",
        &Shape::Bool,
        Optional(Bool(false)),
        "Take over an existing record that no edgeplan owner holds.",
        "{}",
    ),
    key(
        "health",
        &Shape::Str,
        Optional(Absent),
        "Origin probe before apply: a path (probed at https://<target><path>) or an https:// URL.",
        r#"{"pattern": "^(/[^/\\s]|/$|https://|http://(localhost|127\\.|\\[::1\\]))\\S*$"}"#,
    ),
];

/// The top level.
pub(super) const MANIFEST: &[Key] = &[
    key(
        "version",
        &Shape::Int,
        needs("add `version: 1` at the top of the file"),
        "Manifest schema version; only 1 exists.",
        r#"{"const": 1}"#,
    ),
    key(
        "zone",
        &Shape::Str,
        needs("add `zone: example.com` (the zone apex as Cloudflare shows it)"),
        "The Cloudflare zone (apex), looked up by name, e.g. example.com.",
        r#"{"minLength": 3, "maxLength": 253, "pattern": "^[^\\s/:*]+\\.[^\\s/:*]+\\.?$"}"#,
    ),
    key(
        "zone_id",
        &Shape::Str,
        Optional(Absent),
        "The zone's ID (32 hex characters); skips the lookup; must belong to `zone`.",
        r#"{"pattern": "^[0-9a-fA-F]{32}$"}"#,
    ),
    key(
        "owner",
        &Shape::Str,
        Optional(Text("default")),
        "Owner of the records, written as the comment marker `edgeplan:<owner>`. Default `default`.",
        r#"{"pattern": "^[a-z0-9][a-z0-9_-]{0,31}$"}"#,
    ),
    key(
        "previous_owners",
        &Shape::Seq(&Shape::Str),
        Optional(Absent),
        "Owners whose records this manifest takes over (a renamed owner): their records count as this owner's, and the plan transfers them. Not `owner` itself, nor the owner of another manifest of the zone.",
        r#"{"items": {"type": "string", "pattern": "^[a-z0-9][a-z0-9_-]{0,31}$"}, "uniqueItems": true}"#,
    ),
    key(
        "defaults",
        &Shape::Map(DEFAULTS),
        Optional(Absent),
        "Defaults for every endpoint.",
        "{}",
    ),
    key(
        "endpoints",
        &Shape::Seq(&Shape::Map(ENDPOINT)),
        needs(
            "add `endpoints:` with one `- name: ... target: ...` entry per model, or `endpoints: []`",
        ),
        "One proxied CNAME per model endpoint; may be empty (then every owned record is deleted).",
        "{}",
    ),
];

/// Every key with its path as the reference tables write it: `zone`, `defaults.ttl`,
/// `endpoints[].name`, in table order.
pub fn key_paths() -> Vec<(String, &'static Key)> {
    fn walk(keys: &'static [Key], prefix: &str, out: &mut Vec<(String, &'static Key)>) {
        for key in keys {
            let path = format!("{prefix}{}", key.name);
            out.push((path.clone(), key));
            match key.shape {
                Shape::Map(inner) => walk(inner, &format!("{path}."), out),
                Shape::Seq(Shape::Map(inner)) => walk(inner, &format!("{path}[]."), out),
                _ => {}
            }
        }
    }
    let mut out = Vec::new();
    walk(MANIFEST, "", &mut out);
    out
}
