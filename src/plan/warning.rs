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
                "{name}: its note \"{}\" is removed, as the manifest has no `comment` for it; copy the note into the endpoint's `comment` to keep it",
                note_excerpt(note)
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

/// Characters a note shows no more of: a note comes from the zone, written by anyone.
const NOTE_CHARS: usize = 60;

/// Characters nothing edgeplan writes (a message, a note excerpt, an imported manifest) shows
/// raw: control characters, bidirectional controls (U+061C, U+200E/U+200F, U+202A-U+202E,
/// U+2066-U+2069), and invisible or line-breaking ones (zero-width U+200B-U+200D, the line and
/// paragraph separators, a byte-order mark).
pub(crate) fn hidden(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061c}' | '\u{200b}'..='\u{200f}' | '\u{2028}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{feff}'
        )
}

/// A record's note (zone text, up to 500 characters, never validated) as a warning shows it: at
/// most [`NOTE_CHARS`] characters then `…`, with control, line-separator, zero-width and
/// bidirectional-override characters, backslashes and double quotes shown escaped, so that it
/// reads the same on a terminal, in the plan JSON and in the comment.
pub(crate) fn note_excerpt(note: &str) -> String {
    let mut out = String::new();
    for (count, c) in note.chars().enumerate() {
        if count >= NOTE_CHARS {
            out.push('…');
            break;
        }
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            c if hidden(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod note_tests {
    use super::note_excerpt;

    #[test]
    fn a_note_is_cut_and_shows_hidden_characters_escaped() {
        assert_eq!(note_excerpt("BERT \"v3\""), "BERT \\\"v3\\\"");
        assert_eq!(
            note_excerpt("a\u{202e}b\nc\u{200b}"),
            "a\\u{202e}b\\u{a}c\\u{200b}"
        );
        let long = "x".repeat(80);
        assert_eq!(note_excerpt(&long), format!("{}…", "x".repeat(60)));
    }
}
