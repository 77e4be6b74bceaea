//! Text from a manifest, a zone record or an API answer, made inert for the terminal and for the
//! GitHub Actions runner, in one place: every printer of stdout and stderr goes through here.
//!
//! The runner reads both streams line by line (`\r`, `\n`) and acts on two command syntaxes
//! (actions/runner, `ActionCommandManager.cs`): a line that starts with `::` once leading white
//! space is trimmed (`::set-output`, `::add-mask::`, `::stop-commands::`), and the legacy `##[`
//! found anywhere in a line. A `::stop-commands::` pause on one stream does not cover the other,
//! so nothing untrusted may look like either on any line:
//!
//! - [`inert`] is for one value: control characters (newlines first: a value must never start
//!   a new output line; escape sequences could rewrite the terminal) are shown escaped as `\n`,
//!   `\r`, `\t`, `\u{1b}`, and then the value gets [`guard`]'s two rules.
//! - [`inert_lines`] is for a block of edgeplan's own output that has values in it: each line
//!   gets [`guard`], and its line breaks (and colour codes) stay.
//!
//! `%0A` and `::` inside a value are harmless once no line starts with `::`: the runner decodes
//! `%0A` only in the data of a command, and a command starts a line.

/// One untrusted value, safe on one line of output: see the module docs.
pub(crate) fn inert(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}') {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    guard(&out)
}

/// Each line of `text` guarded ([`guard`]); line breaks are kept.
pub(crate) fn inert_lines(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        let (content, end) = match line.strip_suffix('\n') {
            Some(c) => match c.strip_suffix('\r') {
                Some(c) => (c, "\r\n"),
                None => (c, "\n"),
            },
            None => (line, ""),
        };
        // A lone `\r` inside a line ends a line for the runner too.
        let parts: Vec<String> = content.split('\r').map(guard).collect();
        out.push_str(&parts.join("\r"));
        out.push_str(end);
    }
    out
}

/// One line made command-free: `##[` is broken as `#\#[` wherever it is, and a line that would
/// start with `::` after white space gets a `\` before it.
pub(crate) fn guard(line: &str) -> String {
    let broken = break_legacy(line);
    // White space as .NET's `TrimStart` sees it, and the invisible characters around it.
    let start = broken
        .char_indices()
        .find(|(_, c)| !(c.is_whitespace() || matches!(c, '\u{200b}' | '\u{feff}' | '\u{2060}')))
        .map_or(broken.len(), |(i, _)| i);
    if broken[start..].starts_with("::") {
        format!("{}\\{}", &broken[..start], &broken[start..])
    } else {
        broken
    }
}

/// `##[` broken as `#\\#[` wherever it is: for the data of edgeplan's own workflow commands,
/// whose line rightly starts with `::`.
pub(crate) fn break_legacy(text: &str) -> String {
    if text.contains("##[") {
        text.replace("##[", "#\\#[")
    } else {
        text.to_string()
    }
}

/// True when `line` is one the runner would act on: starts with `::` after white space, or holds
/// `##[` (for tests, and for callers that check what they are about to print).
#[cfg(test)]
pub(crate) fn is_command(line: &str) -> bool {
    guard(line) != line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inert_is_idempotent_so_printers_may_apply_it_again() {
        for hostile in [
            "x\n::set-output name=a::b",
            "  ::add-mask::x",
            "a ##[warning]b",
            "\u{1b}[2J",
            "%0A::x",
        ] {
            let once = inert(hostile);
            assert_eq!(inert(&once), once, "{hostile:?}");
        }
    }

    #[test]
    fn values_never_break_a_line_or_start_a_command() {
        assert_eq!(inert("a\x1b[2Jb\nc"), "a\\u{1b}[2Jb\\nc");
        assert_eq!(
            inert("x\n::set-output name=has-changes::true"),
            "x\\n::set-output name=has-changes::true"
        );
        assert_eq!(inert("::add-mask::x"), "\\::add-mask::x");
        assert_eq!(inert(" \t::x"), " \\t::x");
        assert_eq!(inert("  ::x"), "  \\::x");
        assert_eq!(inert("\u{feff}::x"), "\u{feff}\\::x");
        assert_eq!(
            inert("say ##[warning]hi ###[x"),
            "say #\\#[warning]hi ##\\#[x"
        );
        assert_eq!(inert("a\u{2028}b"), "a\\u{2028}b");
        // Harmless text is left as it is, `%0A` and `::` inside a line included.
        for ok in [
            "2001:db8::1",
            "a%0A::set-output",
            "x.example.com",
            "#[x] ##x",
        ] {
            assert_eq!(inert(ok), ok);
            assert!(!is_command(ok));
        }
    }

    #[test]
    fn blocks_keep_their_lines_and_guard_each() {
        let text = "ok\n::set-output name=x::y\r\n  ##[error]z\nlast";
        assert_eq!(
            inert_lines(text),
            "ok\n\\::set-output name=x::y\r\n  #\\#[error]z\nlast"
        );
        assert_eq!(inert_lines("a\r::b\n"), "a\r\\::b\n");
        assert_eq!(inert_lines("\x1b[1mbold\x1b[0m\n"), "\x1b[1mbold\x1b[0m\n");
        for line in inert_lines(text).lines() {
            assert!(!is_command(line), "{line}");
        }
    }
}
