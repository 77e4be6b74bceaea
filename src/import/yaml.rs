//! The manifest text `edgeplan import` writes: every string double-quoted (so `*`, `@`, `123`,
//! `true`, `no` stay strings: YAML's traps), one key per line, and where each key landed, so
//! that a problem the manifest validator reports at a line can be traced back to one record and
//! one key.
//!
//! Double-quoted YAML scalars take the escapes `\"`, `\\`, `\xXX`, `\uXXXX`, `\UXXXXXXXX`
//! (<https://yaml.org/spec/1.2.2/#57-escaped-characters>): anything not plainly printable is
//! written escaped, never raw.

use std::fmt::Write as _;

use super::LiveCname;

/// Where one entry's keys are in the text (1-based lines).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Lines {
    /// The entry's first line: its `name`.
    pub name: usize,
    pub last: usize,
    pub target: usize,
    pub ttl: Option<usize>,
    pub comment: Option<usize>,
}

/// The manifest for `zone` and `owner` holding `entries` in order, the trailer appended as is,
/// and the lines of each entry.
pub(super) fn manifest(
    zone: &str,
    owner: &str,
    entries: &[&LiveCname],
    trailer: &str,
) -> (String, Vec<Lines>) {
    let mut text = String::new();
    let _ = writeln!(
        text,
        "# A manifest for the live CNAMEs of {zone}, written by `edgeplan import`."
    );
    text.push_str(
        "# `edgeplan plan` with it shows only records taken over (`adopt: true`), nothing else.\n",
    );
    text.push_str("version: 1\n");
    let _ = writeln!(text, "zone: {}", quoted(zone));
    let _ = writeln!(text, "owner: {}", quoted(owner));
    if entries.is_empty() {
        text.push_str("endpoints: []\n");
    } else {
        text.push_str("endpoints:\n");
    }
    let mut line = text.lines().count();
    let mut lines = Vec::with_capacity(entries.len());
    for e in entries {
        let mut next = |s: String| {
            text.push_str(&s);
            text.push('\n');
            line += 1;
            line
        };
        let name = next(format!("  - name: {}", quoted(&e.written)));
        let target = next(format!("    target: {}", quoted(&e.data.content)));
        next(format!("    proxied: {}", e.data.proxied));
        let ttl =
            (!e.data.proxied && e.data.ttl != 1).then(|| next(format!("    ttl: {}", e.data.ttl)));
        let comment = e
            .note
            .as_deref()
            .map(|n| next(format!("    comment: {}", quoted(n))));
        if e.adopt {
            next("    adopt: true".into());
        }
        lines.push(Lines {
            name,
            last: line,
            target,
            ttl,
            comment,
        });
    }
    text.push_str(trailer);
    (text, lines)
}

/// `s` as a YAML double-quoted scalar. What nothing edgeplan writes shows raw
/// ([`crate::plan::hidden`]: control, bidirectional, zero-width, line-separating and byte-order
/// characters) and the noncharacters U+FFFE/U+FFFF are escaped, and `##[` is written `#\x23[` (the same string to a YAML reader) so that no line of
/// the output is a GitHub Actions workflow command.
pub(crate) fn quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if crate::plan::hidden(c) || matches!(c, '\u{fffe}' | '\u{ffff}') => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    if out.contains("##[") {
        out = out.replace("##[", "#\\x23[");
    }
    out
}

/// A record name for a YAML comment: letters, digits and `.-_*@` as they are, anything else as
/// `\u{..}`, so the comment stays one line and shows nothing a terminal or runner acts on.
pub(crate) fn escaped_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '*' | '@') {
            out.push(c);
        } else {
            out.extend(c.escape_unicode());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_keeps_yaml_traps_strings_and_escapes_what_is_not_printable() {
        for (value, written) in [
            ("*", "\"*\""),
            ("true", "\"true\""),
            ("a\"b\\c", "\"a\\\"b\\\\c\""),
            ("a\nb\u{1b}", "\"a\\u000ab\\u001b\""),
            ("x ##[group] y", "\"x #\\x23[group] y\""),
            ("模型 v2", "\"模型 v2\""),
            // Invisible in a reviewed diff: written as escapes, the same string to YAML.
            ("a\u{200b}b\u{2067}", "\"a\\u200bb\\u2067\""),
        ] {
            assert_eq!(quoted(value), written, "{value:?}");
        }
    }

    #[test]
    fn names_in_comments_are_one_inert_line() {
        assert_eq!(
            escaped_name("_acme-challenge.example.com"),
            "_acme-challenge.example.com"
        );
        assert_eq!(escaped_name("a\nb c"), "a\\u{a}b\\u{20}c");
        assert_eq!(escaped_name("##[x"), "\\u{23}\\u{23}\\u{5b}x");
    }
}
