//! Which files of a commit the `manifest` input names, decided from the commit's tree alone (as
//! `git/trees` lists it), for previews read through the API under `pull_request_target`.
//!
//! Paths and globs mean what they mean on disk (`glob` crate syntax; `*` stays within one
//! directory, `**` crosses them), relative to the repository root. Only regular files (modes
//! 100644 and 100755) are read: a symbolic link (120000) or a submodule (160000, type `commit`)
//! is refused by name, because the PR's author chooses what a link points at; a file over
//! [`crate::manifest::MAX_BYTES`] is refused from the size the tree gives, before anything is
//! fetched. Git modes per <https://git-scm.com/docs/git-fast-import#_filemodify>.

use glob::{MatchOptions, Pattern};

use crate::manifest::MAX_BYTES;

/// One entry of a commit's tree, its path from the repository root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub path: String,
    /// Git's mode: `100644`, `100755`, `040000`, `120000`, `160000`.
    pub mode: String,
    /// `blob`, `tree` or `commit` (a submodule).
    pub kind: String,
    pub sha: String,
    /// Bytes, for blobs.
    pub size: Option<u64>,
}

/// One line of the `manifest` input.
#[derive(Debug, Clone)]
pub enum Wanted {
    Path(String),
    Glob(String, Pattern),
}

/// What to do with what one input line names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pick {
    /// A regular blob to fetch.
    Read(Entry),
    /// Not read: `path` (or the glob) and why, with advice. `found` is false when the commit
    /// has no such file (the path is the input's text, not a file to point at).
    Refuse {
        path: String,
        found: bool,
        message: String,
        help: &'static str,
    },
}

const MATCH: MatchOptions = MatchOptions {
    case_sensitive: true,
    require_literal_separator: true,
    require_literal_leading_dot: false,
};

impl Wanted {
    /// One input line as a path from the repository root; `Err` when it cannot name a file of
    /// the repository (absolute, `..`, empty) or is not a valid glob.
    pub fn parse(line: &str) -> Result<Wanted, String> {
        let mut text = line.trim();
        while let Some(rest) = text.strip_prefix("./") {
            text = rest;
        }
        if text.is_empty() || text.starts_with('/') || text.contains('\\') {
            return Err(format!(
                "`{line}` is not a path inside the repository: under pull_request_target manifests are read from the pull request's commit, by their path from the repository root"
            ));
        }
        if text
            .split('/')
            .any(|c| c == ".." || c == "." || c.is_empty())
        {
            return Err(format!(
                "`{line}` holds `..`, `.` or an empty part: write the path from the repository root"
            ));
        }
        if !text.contains(['*', '?', '[']) {
            return Ok(Wanted::Path(text.to_string()));
        }
        Pattern::new(text)
            .map(|p| Wanted::Glob(text.to_string(), p))
            .map_err(|e| format!("bad manifest pattern `{line}`: {e}"))
    }

    pub fn text(&self) -> &str {
        match self {
            Wanted::Path(p) | Wanted::Glob(p, _) => p,
        }
    }

    fn matches(&self, path: &str) -> bool {
        match self {
            Wanted::Path(p) => p == path,
            Wanted::Glob(_, pattern) => pattern.matches_with(path, MATCH),
        }
    }

    /// Whether something this line names can lie under the directory `dir`: which subtrees a
    /// truncated tree listing must be walked into.
    pub fn may_be_under(&self, dir: &str) -> bool {
        match self {
            Wanted::Path(p) => p.starts_with(&format!("{dir}/")),
            Wanted::Glob(text, _) => {
                let parts: Vec<&str> = text.split('/').collect();
                let dirs: Vec<&str> = dir.split('/').collect();
                for (i, d) in dirs.iter().enumerate() {
                    match parts.get(i) {
                        Some(&"**") => return true,
                        Some(part) => {
                            if !Pattern::new(part).is_ok_and(|p| p.matches_with(d, MATCH)) {
                                return false;
                            }
                        }
                        None => return false,
                    }
                }
                parts.len() > dirs.len()
            }
        }
    }
}

/// What each input line names in a commit whose tree is `entries`, in input order, each file
/// once; `commit` names the commit in messages.
pub fn select(wanted: &[Wanted], entries: &[Entry], commit: &str) -> Vec<Pick> {
    let mut picks: Vec<Pick> = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for w in wanted {
        let mut found: Vec<&Entry> = entries
            .iter()
            .filter(|e| w.matches(&e.path))
            .filter(|e| matches!(w, Wanted::Path(_)) || e.kind != "tree")
            .collect();
        found.sort_by(|a, b| a.path.cmp(&b.path));
        if found.is_empty() {
            let message = match w {
                Wanted::Path(p) => format!("{p}: no such file in commit {commit}"),
                Wanted::Glob(g, _) => format!("no file in commit {commit} matches `{g}`"),
            };
            picks.push(Pick::Refuse {
                path: w.text().to_string(),
                found: false,
                message,
                help: "check the `manifest` input: it names files by their path from the repository root, as they are in the pull request's commit",
            });
        }
        for e in found {
            if seen.insert(e.path.clone()) {
                picks.push(pick(e));
            }
        }
    }
    picks
}

fn pick(e: &Entry) -> Pick {
    let refuse = |message: String, help: &'static str| Pick::Refuse {
        path: e.path.clone(),
        found: true,
        message,
        help,
    };
    let link_help = "commit the manifest itself: under pull_request_target edgeplan reads only regular files of the pull request's commit";
    match (e.kind.as_str(), e.mode.as_str()) {
        ("blob", "100644" | "100755") => match e.size {
            Some(size) if size > MAX_BYTES => {
                let (message, help) = crate::manifest::too_large();
                refuse(format!("{message} ({size} bytes in the commit)"), help)
            }
            _ => Pick::Read(e.clone()),
        },
        ("blob", "120000") => refuse(
            "the manifest is a symbolic link in the pull request's commit; refused, because its author chooses what it points at".into(),
            link_help,
        ),
        ("commit", _) => refuse(
            "the manifest is a submodule in the pull request's commit, not a file; refused".into(),
            link_help,
        ),
        ("tree", _) => refuse(
            "the manifest is a directory in the pull request's commit; refused".into(),
            "name the YAML file itself, or a glob such as `dns/*.yaml`",
        ),
        (kind, mode) => refuse(
            format!("the manifest is a {kind} with mode {mode} in the pull request's commit, not a regular file; refused"),
            link_help,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(path: &str, mode: &str, kind: &str, size: Option<u64>) -> Entry {
        Entry {
            path: path.into(),
            mode: mode.into(),
            kind: kind.into(),
            sha: format!("sha-{path}"),
            size,
        }
    }

    fn tree() -> Vec<Entry> {
        vec![
            entry("edgeplan.yaml", "100644", "blob", Some(40)),
            entry("dns", "040000", "tree", None),
            entry("dns/a.yaml", "100644", "blob", Some(40)),
            entry("dns/b.yaml", "100755", "blob", Some(40)),
            entry("dns/deep", "040000", "tree", None),
            entry("dns/deep/c.yaml", "100644", "blob", Some(40)),
            entry("link.yaml", "120000", "blob", Some(11)),
            entry("vendored", "160000", "commit", None),
            entry("big.yaml", "100644", "blob", Some(MAX_BYTES + 1)),
        ]
    }

    fn wanted(lines: &[&str]) -> Vec<Wanted> {
        lines.iter().map(|l| Wanted::parse(l).expect(l)).collect()
    }

    fn read_paths(picks: &[Pick]) -> Vec<&str> {
        picks
            .iter()
            .filter_map(|p| match p {
                Pick::Read(e) => Some(e.path.as_str()),
                Pick::Refuse { .. } => None,
            })
            .collect()
    }

    #[test]
    fn globs_stay_in_their_directory_and_files_are_read_once() {
        let picks = select(&wanted(&["dns/*.yaml", "./dns/a.yaml"]), &tree(), "abc");
        assert_eq!(read_paths(&picks), ["dns/a.yaml", "dns/b.yaml"]);
        let picks = select(&wanted(&["dns/**/*.yaml"]), &tree(), "abc");
        assert_eq!(
            read_paths(&picks),
            ["dns/a.yaml", "dns/b.yaml", "dns/deep/c.yaml"]
        );
    }

    #[test]
    fn links_submodules_directories_big_and_missing_files_are_refused_by_name() {
        let cases = [
            ("link.yaml", "symbolic link"),
            ("vendored", "submodule"),
            ("dns", "directory"),
            ("big.yaml", "larger than 1024 KiB"),
            ("gone.yaml", "gone.yaml: no such file in commit abc"),
            ("*.yml", "no file in commit abc matches `*.yml`"),
        ];
        for (line, needle) in cases {
            let picks = select(&wanted(&[line]), &tree(), "abc");
            match picks.as_slice() {
                [Pick::Refuse { message, .. }] => assert!(message.contains(needle), "{message}"),
                other => panic!("{line}: {other:?}"),
            }
        }
        // A glob that reaches a link refuses it too: a link is never followed.
        let picks = select(&wanted(&["*.yaml"]), &tree(), "abc");
        assert_eq!(read_paths(&picks), ["edgeplan.yaml"]);
        assert_eq!(picks.len(), 3, "{picks:?}");
    }

    #[test]
    fn only_paths_inside_the_repository_are_accepted() {
        for bad in [
            "/etc/passwd",
            "../x.yaml",
            "a/../b.yaml",
            "",
            "a//b.yaml",
            "a\\b.yaml",
        ] {
            assert!(Wanted::parse(bad).is_err(), "{bad}");
        }
        assert!(matches!(Wanted::parse("./x.yaml"), Ok(Wanted::Path(p)) if p == "x.yaml"));
    }

    #[test]
    fn truncated_trees_are_walked_only_where_a_match_can_be() {
        let w = wanted(&["dns/*.yaml"]);
        assert!(w[0].may_be_under("dns"));
        assert!(!w[0].may_be_under("dns/deep"));
        assert!(!w[0].may_be_under("other"));
        let w = wanted(&["zones/**/x.yaml"]);
        assert!(w[0].may_be_under("zones/a/b/c"));
        assert!(!w[0].may_be_under("docs"));
        let w = wanted(&["a/b/c.yaml"]);
        assert!(w[0].may_be_under("a") && w[0].may_be_under("a/b"));
        assert!(!w[0].may_be_under("a/b/c.yaml") && !w[0].may_be_under("ab"));
    }
}
