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

const fn required(
    name: &'static str,
    shape: &'static Shape,
    help: &'static str,
    doc: &'static str,
    schema: &'static str,
) -> Key {
    Key {
        name,
        shape,
        presence: Presence::Required { help },
        doc,
        schema,
    }
}

const fn optional(
    name: &'static str,
    shape: &'static Shape,
    default: DefaultValue,
    doc: &'static str,
    schema: &'static str,
) -> Key {
    Key {
        name,
        shape,
        presence: Presence::Optional(default),
        doc,
        schema,
    }
}

/// What the whole manifest is, for the schema's title and description.
pub const TITLE: &str = "edgeplan manifest";
pub const DOC: &str = "ML model endpoints to put behind Cloudflare's proxy as CNAME records (edgeplan.yaml, version 1).";

const TTL_DOC: &str = "`auto` (Cloudflare's automatic TTL, required for proxied records) or 60..86400 seconds on DNS-only records.";

/// `defaults:`.
pub const DEFAULTS: &[Key] = &[
    optional(
        "proxied",
        &Shape::Bool,
        Bool(true),
        "Proxy through Cloudflare (orange cloud). Default true.",
        "{}",
    ),
    optional("ttl", &Shape::Ttl, Text("auto"), TTL_DOC, "{}"),
];

/// One entry of `endpoints:`.
pub const ENDPOINT: &[Key] = &[
    required(
        "name",
        &Shape::Str,
        "add `name: sentiment` (a label inside the zone, `\"@\"` for the apex)",
        "Relative label(s), \"@\" for the apex, \"*.x\" for a wildcard, or an FQDN inside the zone.",
        r#"{"minLength": 1, "maxLength": 254, "pattern": "^[^\\s/:]+$"}"#,
    ),
    required(
        "target",
        &Shape::Str,
        "add `target: origin.example.net` (the hostname the CNAME points at)",
        "The origin hostname the CNAME points at (no scheme, path, port or IP address).",
        r#"{"minLength": 3, "maxLength": 254, "pattern": "^[^\\s/:]+$"}"#,
    ),
    optional(
        "comment",
        &Shape::Str,
        Absent,
        "Shown in Cloudflare after the marker `edgeplan:<owner> | `; one line; marker plus comment at most 100 characters.",
        r#"{"pattern": "^[^\\r\\n]*$"}"#,
    ),
    optional(
        "proxied",
        &Shape::Bool,
        Inherit("defaults.proxied"),
        "Overrides defaults.proxied.",
        "{}",
    ),
    optional("ttl", &Shape::Ttl, Inherit("defaults.ttl"), TTL_DOC, "{}"),
    optional(
        "adopt",
        &Shape::Bool,
        Bool(false),
        "Take over an existing record that no edgeplan owner holds.",
        "{}",
    ),
    optional(
        "health",
        &Shape::Str,
        Absent,
        "Origin probe before apply: a path (probed at https://<target><path>) or an https:// URL.",
        r#"{"pattern": "^(/[^/\\s]|/$|https://|http://(localhost|127\\.|\\[::1\\]))\\S*$"}"#,
    ),
];

/// The top level.
pub const MANIFEST: &[Key] = &[
    required(
        "version",
        &Shape::Int,
        "add `version: 1` at the top of the file",
        "Manifest schema version; only 1 exists.",
        r#"{"const": 1}"#,
    ),
    required(
        "zone",
        &Shape::Str,
        "add `zone: example.com` (the zone apex as Cloudflare shows it)",
        "The Cloudflare zone (apex), looked up by name, e.g. example.com.",
        r#"{"minLength": 3, "maxLength": 253, "pattern": "^[^\\s/:*]+\\.[^\\s/:*]+\\.?$"}"#,
    ),
    optional(
        "zone_id",
        &Shape::Str,
        Absent,
        "The zone's ID (32 hex characters); skips the lookup; must belong to `zone`.",
        r#"{"pattern": "^[0-9a-fA-F]{32}$"}"#,
    ),
    optional(
        "owner",
        &Shape::Str,
        Text("default"),
        "Owner of the records, written as the comment marker `edgeplan:<owner>`. Default `default`.",
        r#"{"pattern": "^[a-z0-9][a-z0-9_-]{0,31}$"}"#,
    ),
    optional(
        "defaults",
        &Shape::Map(DEFAULTS),
        Absent,
        "Defaults for every endpoint.",
        "{}",
    ),
    required(
        "endpoints",
        &Shape::Seq(&Shape::Map(ENDPOINT)),
        "add `endpoints:` with one `- name: ... target: ...` entry per model, or `endpoints: []`",
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
