//! A failure's cause chain in words, shared by the two HTTP clients (Cloudflare's and GitHub's).
//!
//! reqwest and octocrab say what failed only through the source chain of their errors, and some
//! causes' `Display` embeds a Debug dump: the resolver's `no records found for Query { name:
//! Name("x."), ... }` reads to a person as "no address found for x". Kept below both clients, so
//! neither names the other for it.

/// `err` and every cause behind it, outermost first.
pub(crate) fn sources<'a>(
    err: &'a (dyn std::error::Error + 'static),
) -> impl Iterator<Item = &'a (dyn std::error::Error + 'static)> {
    std::iter::successors(Some(err), |e| e.source())
}

/// The causes of `err` (not `err` itself), each by its `Display`, joined with `: `.
pub(crate) fn causes(err: &(dyn std::error::Error + 'static)) -> String {
    let causes: Vec<String> = sources(err).skip(1).map(ToString::to_string).collect();
    causes.join(": ")
}

/// A transport failure's cause chain (`a: b: c`, each cause's `Display`) for a person: the
/// resolver's `Display` embeds a Debug dump (`no records found for Query { name: Name("x."),
/// query_type: AAAA, ... }`), which reads "no address found for x"; any other `Kind { ... }`
/// dump is cut, and a cause repeated by its wrapper is said once.
pub(crate) fn without_debug(chain: &str) -> String {
    let mut text = chain.to_string();
    // The resolver's "no records found for Query { name: Name("x."), ... }".
    const QUERY: &str = "no records found for Query {";
    while let Some(at) = text.find(QUERY) {
        let open = at + QUERY.len() - 1;
        let close = closing(&text, open).unwrap_or(text.len() - 1);
        let name = text[open..=close]
            .split_once("Name(\"")
            .and_then(|(_, rest)| rest.split_once('"'))
            .map(|(name, _)| name.trim_end_matches('.').to_string())
            .filter(|n| !n.is_empty() && !n.contains(['{', '}']));
        let plain = match name {
            Some(n) => format!("no address found for {n}"),
            None => "no address found for the host".to_string(),
        };
        text.replace_range(at..=close, &plain);
    }
    // Any other `Kind { ... }` dump goes with the word that names it.
    while let Some(open) = text.find(['{', '}']) {
        if text.as_bytes()[open] == b'}' {
            text.remove(open);
            continue;
        }
        let start = text[..open].trim_end().rfind(' ').map_or(0, |i| i + 1);
        let end = closing(&text, open).unwrap_or(text.len() - 1);
        text.replace_range(start..=end, "");
    }
    let mut causes: Vec<&str> = Vec::new();
    for cause in text.split(": ").map(str::trim) {
        if !cause.is_empty() && !causes.contains(&cause) {
            causes.push(cause);
        }
    }
    causes.join(": ")
}

/// The index of the `}` that closes the `{` at `open`.
fn closing(text: &str, open: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (i, c) in text[open..].char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(open + i);
                }
            }
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_resolver_dump_reads_as_the_name_and_a_repeated_cause_is_said_once() {
        let chain = "error sending request: client error (Connect): \
                     no records found for Query { name: Name(\"api.example.com.\"), query_type: AAAA }: \
                     client error (Connect)";
        assert_eq!(
            without_debug(chain),
            "error sending request: client error (Connect): no address found for api.example.com"
        );
    }
}
