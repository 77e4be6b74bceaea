//! Markdown escaping for values in the PR comment and the step summary: code spans, prose with
//! web addresses as autolinks and `@`-mentions neutralised, HTML made inert.

/// A Markdown table: `head` (its header and delimiter rows, each ending in a newline), then one
/// row per item of `rows`, whose cells are Markdown already.
pub(super) fn table(head: &str, rows: impl IntoIterator<Item = Vec<String>>) -> String {
    let mut out = head.to_string();
    for cells in rows {
        out.push_str("| ");
        out.push_str(&cells.join(" | "));
        out.push_str(" |\n");
    }
    out
}

/// edgeplan's own text (a help, a message) whose backtick spans are meant as code: each span
/// becomes a code span (its value literal), the rest is escaped like any value.
pub(crate) fn prose(s: &str) -> String {
    let parts: Vec<&str> = s.split('`').collect();
    if parts.len().is_multiple_of(2) {
        return escape(s); // an unpaired backtick: no spans
    }
    parts
        .iter()
        .enumerate()
        .map(|(i, p)| {
            if i % 2 == 1 && !p.is_empty() {
                code(p)
            } else {
                escape(p)
            }
        })
        .collect()
}

/// A code span, safe inside a table cell: a value shown literally (no mention, link or HTML
/// is live inside one).
pub(crate) fn code(s: &str) -> String {
    format!(
        "`{}`",
        s.replace('`', "'")
            .replace('|', "\\|")
            .replace(['\n', '\r'], " ")
    )
}

/// Text from a manifest or a zone, made inert: no HTML, no table breaks, no stray emphasis, no
/// `@`-mentions. A web address in the text becomes an autolink (`<https://...>`), whose content
/// Markdown takes literally: escaping its characters instead would put the backslashes into the
/// link (GitHub renders `https://x/\#y` as a link to `https://x/%5C#y`).
pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut prev: Option<char> = None;
    let mut i = 0;
    while let Some(ch) = s[i..].chars().next() {
        let boundary = prev.is_none_or(|p| !p.is_ascii_alphanumeric());
        if boundary && let Some(len) = web_address(&s[i..]) {
            out.push('<');
            out.push_str(&s[i..i + len]);
            out.push('>');
            prev = s[..i + len].chars().next_back();
            i += len;
            continue;
        }
        // GitHub links a bare `www.` name by itself, with any escapes in it: an entity for the
        // first `w` keeps it text.
        if boundary
            && s[i..]
                .get(..4)
                .is_some_and(|w| w.eq_ignore_ascii_case("www."))
        {
            out.push_str(&format!("&#{};", u32::from(ch)));
            prev = Some(ch);
            i += ch.len_utf8();
            continue;
        }
        match ch {
            '\n' | '\r' => out.push(' '),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            // A zero-width space after `@` keeps a name from notifying anyone, and an address
            // from becoming a `mailto:` link.
            '@' => out.push_str("@&#8203;"),
            '|' | '*' | '_' | '`' | '[' | ']' | '\\' | '#' | '~' => {
                out.push('\\');
                out.push(ch);
            }
            _ => out.push(ch),
        }
        prev = Some(ch);
        i += ch.len_utf8();
    }
    out
}

/// The length of the `http://`, `https://` or `ftp://` address at the start of `s`, if there is
/// one: a run of characters allowed in a URL, less trailing punctuation, that can stand inside
/// `<...>` as a CommonMark autolink (no spaces, `<`, `>`, backslashes, backticks or `|`).
fn web_address(s: &str) -> Option<usize> {
    let scheme = ["https://", "http://", "ftp://"].into_iter().find(|p| {
        s.get(..p.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(p))
    })?;
    let mut len = s
        .bytes()
        .position(|b| !(b.is_ascii_alphanumeric() || b"-._~:/?#[]@!$&'()*+,;=%".contains(&b)))
        .unwrap_or(s.len());
    // Punctuation that ends a sentence, or closes a parenthesis opened before the address, is
    // not part of it.
    while len > scheme.len() {
        let last = s.as_bytes()[len - 1];
        let unbalanced_paren = last == b')' && {
            let url = &s[..len];
            url.matches(')').count() > url.matches('(').count()
        };
        if b".,:;!?'*".contains(&last) || unbalanced_paren {
            len -= 1;
        } else {
            break;
        }
    }
    (len > scheme.len()).then_some(len)
}

/// Text inside an HTML element (`<summary>`, `<details>`), where Markdown is not read: entities
/// for `&`, `<` and `>`, a zero-width space after `@` so that no name notifies anyone, and line
/// breaks as spaces (a blank line would end the HTML and let Markdown read the rest).
pub(super) fn html(s: &str) -> String {
    s.replace(['\n', '\r'], " ")
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('@', "@&#8203;")
}
