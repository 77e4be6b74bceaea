//! One `-m` value, or one line of the Action's `manifest` input, read once into a [`Wanted`]:
//! normalised, and split into what is looked up by exact name and what is matched as a pattern.
//!
//! The rule of DESIGN section 1 is decided here and nowhere else: a value holding `*`, `?` or
//! `[` is a pattern, always, even when a file of that very name exists (a committed file named
//! `dns/*.yaml` must not switch the pattern off on one side only); a value without them names
//! one path. `./`, `.` and empty components (`a//b`, a trailing `/`) are dropped, so that
//! `./edgeplan.yaml` and `edgeplan.yaml` are one path wherever a path is shown, hashed or compared.
//! `..` is kept as written: `dir/..` goes through `dir`, and folding it would hide that.
//! Patterns are matched one path component at a time by `glob::Pattern` (never `glob::glob()`,
//! which reads the disk and follows directory links), so `*` stays within a directory and `**`
//! alone crosses any number of them.

use glob::{MatchOptions, Pattern};

/// The characters that make a value a pattern.
const PATTERN_CHARS: [char; 3] = ['*', '?', '['];

/// How a component pattern matches a name: case-sensitive on every platform, and a leading dot
/// needs no literal dot (as `glob` matched on both sides before).
const MATCH: MatchOptions = MatchOptions {
    case_sensitive: true,
    require_literal_separator: true,
    require_literal_leading_dot: false,
};

/// One component of a pattern, after its literal prefix.
#[derive(Debug, Clone)]
pub(crate) enum Part {
    /// A name without pattern characters: equal bytes only.
    Exact(String),
    /// A component with `*`, `?` or `[`.
    Glob(Pattern),
    /// `**`: any number of directories, none included.
    Any,
}

impl Part {
    /// Whether this part matches the name `name` (for [`Part::Any`], every name).
    pub(crate) fn matches(&self, name: &str) -> bool {
        match self {
            Part::Exact(text) => text == name,
            Part::Glob(pattern) => pattern.matches_with(name, MATCH),
            Part::Any => true,
        }
    }
}

/// A value, read.
#[derive(Debug, Clone)]
pub(crate) struct Wanted {
    /// The normalised value: what messages show.
    pub text: String,
    /// True for an absolute path or one with `..`: read on disk only.
    pub outside: bool,
    /// For a path outside, the directory the walk starts from, as written (`/`, `../x`); the
    /// empty string (the repository root, the current directory on disk) otherwise.
    pub root: String,
    /// Components looked up by exact name, one directory listing after another, from `root`.
    pub literal: Vec<String>,
    /// The pattern's components from the first one with a pattern character; empty for a path.
    pub rest: Vec<Part>,
}

impl Wanted {
    /// Reads one value; `Err` says why it names nothing (empty) or is not a valid pattern.
    pub(crate) fn parse(value: &str) -> Result<Wanted, String> {
        Wanted::read(value, true)
    }

    /// Reads one value as one path, whatever characters it holds (a positional argument of the
    /// command line: the shell has already expanded any pattern); `Err` when it names nothing.
    pub(crate) fn path(value: &str) -> Result<Wanted, String> {
        Wanted::read(value, false)
    }

    fn read(value: &str, patterns: bool) -> Result<Wanted, String> {
        let (absolute, parts) = normalise(value);
        if parts.is_empty() && !absolute {
            return Err(format!(
                "`{}` names no file: give a manifest's path, or a pattern such as `dns/*.yaml`",
                crate_excerpt(value)
            ));
        }
        let text = join(absolute, &parts);
        // On Windows a drive (`C:`) starts an absolute path as `/` does elsewhere.
        let drive = cfg!(windows)
            && parts.first().is_some_and(|p| {
                p.len() == 2 && p.ends_with(':') && p.as_bytes()[0].is_ascii_alphabetic()
            });
        let outside = absolute || drive || parts.iter().any(|p| p == "..");
        let first = parts
            .iter()
            .position(|p| patterns && p.contains(PATTERN_CHARS));
        let Some(first) = first else {
            // One path.
            let (root, literal) = match (outside, parts.split_last()) {
                (true, Some((last, dirs))) => (join(absolute, dirs), vec![last.clone()]),
                (true, None) => ("/".to_string(), Vec::new()),
                (false, _) => (String::new(), parts),
            };
            return Ok(Wanted {
                text,
                outside,
                root,
                literal,
                rest: Vec::new(),
            });
        };
        if parts[first..].iter().any(|p| p == "..") {
            return Err(format!(
                "`{}`: `..` after a pattern character is not supported; write the directory before the pattern",
                crate_excerpt(value)
            ));
        }
        let mut rest = Vec::new();
        for part in &parts[first..] {
            rest.push(match part.as_str() {
                "**" => Part::Any,
                p if p.contains(PATTERN_CHARS) => Part::Glob(Pattern::new(p).map_err(|e| {
                    format!("bad manifest pattern `{}`: {e}", crate_excerpt(value))
                })?),
                p => Part::Exact(p.to_string()),
            });
        }
        // A trailing `**` means every file below.
        if matches!(rest.last(), Some(Part::Any)) {
            rest.push(Part::Glob(Pattern::new("*").map_err(|e| e.to_string())?));
        }
        let (root, literal) = if outside {
            (join(absolute, &parts[..first]), Vec::new())
        } else {
            (String::new(), parts[..first].to_vec())
        };
        Ok(Wanted {
            text,
            outside,
            root,
            literal,
            rest,
        })
    }

    pub(crate) fn is_pattern(&self) -> bool {
        !self.rest.is_empty()
    }

    /// Whether something this value names can lie under the directory `dir` (a path from the
    /// root): which subtrees a truncated tree listing must be walked into.
    pub(crate) fn may_be_under(&self, dir: &str) -> bool {
        if self.outside {
            return false;
        }
        let dirs: Vec<&str> = dir.split('/').collect();
        let parts = self.parts();
        for (i, d) in dirs.iter().enumerate() {
            match parts.get(i) {
                Some(Part::Any) => return *d != ".git",
                Some(part) if part.matches(d) => {}
                _ => return false,
            }
        }
        parts.len() > dirs.len()
    }

    /// Every component from `root`, in order: the literal ones as [`Part::Exact`], then `rest`.
    fn parts(&self) -> Vec<Part> {
        self.literal
            .iter()
            .map(|l| Part::Exact(l.clone()))
            .chain(self.rest.iter().cloned())
            .collect()
    }
}

/// `value` split into components, without `.` and empty ones; `true` when it is absolute.
pub(crate) fn normalise(value: &str) -> (bool, Vec<String>) {
    #[cfg(windows)]
    let value = &value.replace('\\', "/");
    let absolute = value.starts_with('/');
    let parts = value
        .split('/')
        .filter(|p| !p.is_empty() && *p != ".")
        .map(String::from)
        .collect();
    (absolute, parts)
}

/// Components joined by `/`, with a leading `/` when absolute.
pub(crate) fn join(absolute: bool, parts: &[String]) -> String {
    let joined = parts.join("/");
    if absolute {
        format!("/{joined}")
    } else {
        joined
    }
}

/// `path` written as a pattern that matches exactly it: unchanged when it holds no pattern
/// character (it is then read as a path), else each of `*?[]` in brackets.
pub(crate) fn escape(path: &str) -> String {
    if path.contains(PATTERN_CHARS) {
        Pattern::escape(path)
    } else {
        path.to_string()
    }
}

/// A short, escaped excerpt of a value for a message (it may be anything, of any length).
fn crate_excerpt(value: &str) -> String {
    let mut out: String = value
        .chars()
        .take(80)
        .flat_map(char::escape_debug)
        .collect();
    if value.chars().count() > 80 {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(v: &str) -> Wanted {
        Wanted::parse(v).unwrap_or_else(|e| panic!("{v}: {e}"))
    }

    #[test]
    fn dots_doubled_and_trailing_slashes_are_one_path() {
        for v in [
            "edgeplan.yaml",
            "./edgeplan.yaml",
            ".//edgeplan.yaml",
            "././edgeplan.yaml",
        ] {
            assert_eq!(parse(v).text, "edgeplan.yaml", "{v}");
        }
        assert_eq!(parse("a//b.yaml").literal, ["a", "b.yaml"]);
        assert_eq!(parse("dns/").text, "dns");
        assert_eq!(parse("dns/./x/*.yaml").text, "dns/x/*.yaml");
        assert!(Wanted::parse("./").is_err());
        assert!(Wanted::parse("").is_err());
    }

    #[test]
    fn pattern_characters_make_a_pattern_always() {
        let w = parse("dns/*.yaml");
        assert!(w.is_pattern());
        assert_eq!(w.literal, ["dns"]);
        let w = parse("dns/[a].yaml");
        assert!(w.is_pattern());
        let w = parse("dns/a].yaml");
        assert!(!w.is_pattern(), "`]` alone is a name");
        let w = parse("zones/**/x/edgeplan.yaml");
        assert!(
            matches!(w.rest.as_slice(), [Part::Any, Part::Exact(x), Part::Exact(e)] if x == "x" && e == "edgeplan.yaml")
        );
        let w = parse("dns/**");
        assert!(matches!(w.rest.as_slice(), [Part::Any, Part::Glob(_)]));
        assert!(Wanted::parse("dns/a**.yaml").is_err());
        assert!(Wanted::parse("dns/[.yaml").is_err());
    }

    #[test]
    fn absolute_and_dotdot_paths_are_outside() {
        let w = parse("/etc/x.yaml");
        assert!(w.outside);
        assert_eq!(
            (w.root.as_str(), w.literal.as_slice()),
            ("/etc", &["x.yaml".to_string()][..])
        );
        let w = parse("../other/*.yaml");
        assert!(w.outside);
        assert_eq!(w.root, "../other");
        assert!(w.literal.is_empty());
        let w = parse("a/../b.yaml");
        assert!(w.outside);
        assert_eq!(w.text, "a/../b.yaml", "`..` is not folded");
        assert!(Wanted::parse("dns/*/../x.yaml").is_err());
    }

    #[test]
    fn escaped_paths_round_trip_as_patterns() {
        for name in [
            "dns/[a].yaml",
            "dns/*.yaml",
            "we?rd/x]y.yaml",
            "plain/a.yaml",
        ] {
            let w = parse(&escape(name));
            let parts: Vec<&str> = name.split('/').collect();
            let all = w.parts();
            assert_eq!(all.len(), parts.len(), "{name}");
            for (part, n) in all.iter().zip(&parts) {
                assert!(part.matches(n), "{name}: {n}");
            }
        }
        // `[a]` written back is not a pattern for `a`.
        let w = parse(&escape("dns/[a].yaml"));
        assert!(!w.rest[0].matches("a.yaml"));
    }

    #[test]
    fn truncated_trees_are_walked_only_where_a_match_can_be() {
        let w = parse("dns/*.yaml");
        assert!(w.may_be_under("dns"));
        assert!(!w.may_be_under("dns/deep"));
        assert!(!w.may_be_under("other"));
        let w = parse("zones/**/x.yaml");
        assert!(w.may_be_under("zones/a/b/c"));
        assert!(!w.may_be_under("docs"));
        let w = parse("a/b/c.yaml");
        assert!(w.may_be_under("a") && w.may_be_under("a/b"));
        assert!(!w.may_be_under("a/b/c.yaml") && !w.may_be_under("ab"));
    }
}
