//! Characters a manifest may not hold, and how a message quotes a value from it.
//!
//! Control characters (C0 including TAB, DEL, C1) and the Unicode bidirectional controls are
//! refused in every string of a manifest: they are invisible or reorder the text around them, so a
//! reviewer would read something other than what edgeplan sends to Cloudflare ("Trojan Source",
//! CVE-2021-42574). Line breaks in a comment have their own message.
//!
//! Every message that quotes a value quotes a short escaped excerpt, never the value itself: a
//! manifest can hold anything (a credential a link led to, half a megabyte behind an alias), and
//! messages end up in logs, annotations and pull-request comments. What an excerpt prints is inert:
//! no raw control, bidirectional or line-separating character.

/// Most characters of a value a message quotes (escapes included), before `…`.
pub(crate) const EXCERPT_CHARS: usize = 60;

/// What a refused character is, for messages; `None` for a character a manifest may hold.
pub(super) fn forbidden(c: char) -> Option<&'static str> {
    if c.is_control() {
        Some("a control character")
    } else if is_bidi(c) {
        Some("a bidirectional control character")
    } else {
        None
    }
}

/// U+202A–U+202E (embeddings and overrides), U+2066–U+2069 (isolates), U+200E/U+200F (marks) and
/// U+061C (the Arabic letter mark).
fn is_bidi(c: char) -> bool {
    matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' | '\u{061c}')
}

/// Characters a message never prints raw: the refused ones, and the invisible or line-breaking
/// ones a manifest may hold (zero-width characters, line and paragraph separators, a BOM).
fn needs_escape(c: char) -> bool {
    crate::plan::hidden(c)
}

/// The first refused character of `s` and its 0-based character index, skipping line breaks when
/// `line_breaks_ok` (a comment's line breaks are reported by the comment rule).
pub(super) fn first_forbidden(
    s: &str,
    line_breaks_ok: bool,
) -> Option<(usize, char, &'static str)> {
    s.chars().enumerate().find_map(|(i, c)| {
        if line_breaks_ok && matches!(c, '\n' | '\r') {
            return None;
        }
        forbidden(c).map(|what| (i, c, what))
    })
}

/// `U+202E`.
pub(super) fn code_point(c: char) -> String {
    format!("U+{:04X}", c as u32)
}

fn escape_into(out: &mut String, c: char, quote: bool) {
    match c {
        '\t' => out.push_str("\\t"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\\' => out.push_str("\\\\"),
        '"' if quote => out.push_str("\\\""),
        c if needs_escape(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
        c => out.push(c),
    }
}

/// `s` escaped, cut at `max` characters of output; the flag says whether anything was cut.
fn escaped(s: &str, max: usize, quote: bool) -> (String, bool) {
    let mut out = String::new();
    let mut count = 0;
    let mut piece = String::new();
    for c in s.chars() {
        piece.clear();
        escape_into(&mut piece, c, quote);
        let n = piece.chars().count();
        if count + n > max {
            return (out, true);
        }
        count += n;
        out.push_str(&piece);
    }
    (out, false)
}

/// A value as a message shows it between backticks: escaped, at most [`EXCERPT_CHARS`]
/// characters, then `…` when there was more.
pub(crate) fn excerpt(s: &str) -> String {
    let (mut out, cut) = escaped(s, EXCERPT_CHARS, false);
    if cut {
        out.push('…');
    }
    out
}

/// A value as a message shows it in double quotes (`"abc"`, or `"abc"…` when cut), escaped like
/// a Rust string literal.
pub(super) fn quoted(s: &str) -> String {
    let (out, cut) = escaped(s, EXCERPT_CHARS, true);
    format!("\"{out}\"{}", if cut { "…" } else { "" })
}

/// Text from elsewhere (a parser's message) made inert and cut at `max` characters.
pub(super) fn inert(s: &str, max: usize) -> String {
    let mut out = String::new();
    for (count, c) in s.chars().enumerate() {
        if count >= max {
            out.push('…');
            break;
        }
        if needs_escape(c) {
            escape_into(&mut out, c, false);
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpts_are_short_escaped_and_marked_when_cut() {
        assert_eq!(excerpt("api.example.net"), "api.example.net");
        assert_eq!(quoted("a\"b"), "\"a\\\"b\"");
        let long = format!("{}SECRET", "x".repeat(100));
        let e = excerpt(&long);
        assert!(!e.contains("SECRET") && e.ends_with('…'), "{e}");
        assert_eq!(e.chars().count(), EXCERPT_CHARS + 1);
        assert_eq!(excerpt("a\u{202e}b\tc\u{7}"), "a\\u{202e}b\\tc\\u{7}");
        assert!(quoted(&long).ends_with("\"…"));
        // Escapes count against the limit: a value of controls cannot grow past it.
        assert!(excerpt(&"\u{202e}".repeat(100)).chars().count() <= EXCERPT_CHARS + 1);
        assert_eq!(inert("x\u{1b}[31m", 100), "x\\u{1b}[31m");
        assert_eq!(inert("abcdef", 3), "abc…");
    }

    #[test]
    fn the_refused_characters() {
        for c in [
            '\t', '\n', '\u{0}', '\u{7f}', '\u{85}', '\u{9b}', '\u{202a}', '\u{202e}', '\u{2066}',
            '\u{2069}', '\u{200e}', '\u{200f}', '\u{61c}',
        ] {
            assert!(forbidden(c).is_some(), "{c:?}");
        }
        for c in ['a', ' ', 'é', '\u{200b}', '\u{2028}', '\u{feff}'] {
            assert!(forbidden(c).is_none(), "{c:?}");
        }
        assert_eq!(first_forbidden("a\nb", true), None);
        assert_eq!(
            first_forbidden("a\nb\u{7}", true),
            Some((3, '\u{7}', "a control character"))
        );
        assert_eq!(code_point('\u{202e}'), "U+202E");
    }
}
