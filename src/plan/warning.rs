//! Advice that does not block a plan, as data: each presenter words it (the terminal and the plan
//! JSON with [`Warning`]'s `Display`, the comment with code spans and links). No record ids: a
//! reviewer acts on names and targets, and the plan JSON's `changes` keep the ids.

use std::fmt;

use super::RecordType;

/// One warning of a zone's plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Warning {
    /// The manifest lists `name` again at `line`; only the first entry is planned.
    Duplicate { name: String, line: usize },
    /// Adopting `name` deletes the unowned `kind` record holding `content`, and creates the
    /// CNAME in the same batch.
    Replaces {
        name: String,
        kind: RecordType,
        content: String,
    },
    /// Adopting `name` takes over the unowned CNAME to `content` in place.
    TakesOver {
        name: String,
        content: String,
        owner: String,
    },
    /// The record kept or replaced at `name` carries the note `note`, and the endpoint has no
    /// `comment`: the note is removed (the manifest is the only source of notes).
    NoteRemoved { name: String, note: String },
    /// `name` is DNS-only: its origin `target` is published and reachable directly.
    NotProxied { name: String, target: String },
    /// The manifest's `ttl` is ignored on a proxied record.
    TtlIgnored { name: String, ttl: u32 },
    /// `target` is on a platform that may not answer for the public `name` (the words of
    /// `health::origin_hint`, which the pipeline adds).
    Platform {
        name: String,
        target: String,
        hint: String,
    },
}

impl Warning {
    /// The name the warning is about.
    pub fn name(&self) -> &str {
        match self {
            Warning::Duplicate { name, .. }
            | Warning::Replaces { name, .. }
            | Warning::TakesOver { name, .. }
            | Warning::NoteRemoved { name, .. }
            | Warning::NotProxied { name, .. }
            | Warning::TtlIgnored { name, .. }
            | Warning::Platform { name, .. } => name,
        }
    }
}

/// The words of the terminal and of the plan JSON's `warnings` (part of the fingerprint).
impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Warning::Duplicate { name, line } => write!(
                f,
                "{name} is listed more than once (again on line {line}); only the first entry is planned"
            ),
            Warning::Replaces {
                name,
                kind,
                content,
            } => write!(
                f,
                "adopting {name}: the unowned {kind} record {content} is deleted and the CNAME created in the same batch"
            ),
            Warning::TakesOver {
                name,
                content,
                owner,
            } => write!(
                f,
                "adopting {name}: the unowned CNAME record {content} is taken over and marked edgeplan:{owner}"
            ),
            Warning::NoteRemoved { name, note } => write!(
                f,
                "{name}: its note {note:?} is removed, as the manifest has no `comment` for it; copy the note into the endpoint's `comment` to keep it"
            ),
            Warning::NotProxied { name, target } => write!(
                f,
                "{name} is not proxied: its origin {target} is published in DNS and reachable directly"
            ),
            Warning::TtlIgnored { name, ttl } => write!(
                f,
                "{name}: ttl {ttl} is ignored; proxied records always use automatic TTL"
            ),
            Warning::Platform { name, target, hint } => write!(f, "{name} -> {target}: {hint}"),
        }
    }
}
