//! Which files of a commit the `manifest` input names, decided from the commit's tree alone (as
//! `git/trees` lists it), for previews read through the API under `pull_request_target`.
//!
//! The rule is the disk's, decided by the same code ([`crate::resolve`]): the tree's entries
//! become directory listings for the one walker, so a pattern matches the same files here as in
//! a checkout of the commit, and refuses the same ones by name. Only regular files (modes 100644
//! and 100755) are read: a symbolic link (120000) or a submodule (160000, type `commit`) is
//! refused by name, because the PR's author chooses what a link points at; a file over
//! [`crate::manifest::MAX_BYTES`] is refused from the size the tree gives, before anything is
//! fetched. Paths outside the repository (absolute, `..`) are refused: they name no file of the
//! commit. Git modes per <https://git-scm.com/docs/git-fast-import#_filemodify>.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::manifest::MAX_BYTES;
use crate::resolve::{self, DirEntry, EntryKind, Side};

pub(crate) use crate::resolve::Wanted;

/// One entry of a commit's tree, its path from the repository root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CommitEntry {
    pub path: String,
    /// Git's mode: `100644`, `100755`, `040000`, `120000`, `160000`.
    pub mode: String,
    /// `blob`, `tree` or `commit` (a submodule).
    pub kind: String,
    pub sha: String,
    /// Bytes, for blobs.
    pub size: Option<u64>,
}

impl CommitEntry {
    /// What the walker sees: the kind alone, never what a link points at.
    fn node_kind(&self) -> EntryKind {
        match (self.kind.as_str(), self.mode.as_str()) {
            ("blob", "100644" | "100755") => EntryKind::File,
            ("blob", "120000") => EntryKind::Link,
            ("tree", _) => EntryKind::Dir,
            ("commit", _) => EntryKind::Submodule,
            _ => EntryKind::Other,
        }
    }
}

/// What to do with what one input line names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Pick {
    /// A regular blob to fetch.
    Read(CommitEntry),
    /// Not read: `path` (or the glob) and why, with advice. `found` is false when the commit
    /// has no such file (the path is the input's text, not a file to point at).
    Refuse {
        path: String,
        found: bool,
        message: String,
        help: &'static str,
    },
}

/// What the input names in a commit: what to read or refuse, in input order, and the links and
/// submodules its patterns did not search.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Selection {
    pub picks: Vec<Pick>,
    pub notices: Vec<String>,
}

/// One input line as a path from the repository root; `Err` when it cannot name a file of the
/// repository (absolute, `..`, empty) or is not a valid pattern.
pub(crate) fn parse(line: &str) -> Result<Wanted, String> {
    let wanted = Wanted::parse(line.trim())?;
    if wanted.outside {
        return Err(format!(
            "`{}` is not a path inside the repository: under pull_request_target manifests are read from the pull request's commit, by their path from the repository root (absolute and `..` paths are read on disk only)",
            crate::manifest::excerpt(line)
        ));
    }
    Ok(wanted)
}

/// What each input line names in a commit whose tree is `entries`, in input order, each file
/// once; `commit` names the commit in messages.
pub(crate) fn select(wanted: &[Wanted], entries: &[CommitEntry], commit: &str) -> Selection {
    let by_path: HashMap<&str, &CommitEntry> =
        entries.iter().map(|e| (e.path.as_str(), e)).collect();
    let mut dirs: BTreeMap<&str, Vec<DirEntry>> = BTreeMap::new();
    for e in entries {
        let (dir, name) = e.path.rsplit_once('/').unwrap_or(("", &e.path));
        dirs.entry(dir)
            .or_default()
            .push(DirEntry::new(name, e.node_kind()));
    }
    let mut out = Selection::default();
    let mut seen = BTreeSet::new();
    for w in wanted {
        let found = resolve::walk::walk(w, Side::Api, |dir| {
            Ok(dirs.get(dir).cloned().unwrap_or_default())
        });
        if found.is_empty() {
            out.picks.push(Pick::Refuse {
                path: w.text.clone(),
                found: false,
                message: format!("no file in commit {commit} matches `{}`", w.text),
                help: HELP_MISSING,
            });
        }
        for r in found.refused {
            let message = if r.found || w.is_pattern() {
                r.message
            } else {
                r.message.replacen(
                    "no such file",
                    &format!("no such file in commit {commit}"),
                    1,
                )
            };
            out.picks.push(Pick::Refuse {
                path: r.path,
                found: r.found,
                message,
                help: if r.found { r.help } else { HELP_MISSING },
            });
        }
        for path in found.files {
            if let Some(e) = by_path.get(path.as_str())
                && seen.insert(path.clone())
            {
                out.picks.push(pick(e));
            }
        }
        out.notices.extend(found.notices);
    }
    out
}

const HELP_MISSING: &str = "check the `manifest` input: it names files by their path from the repository root, as they are in the pull request's commit";

fn pick(e: &CommitEntry) -> Pick {
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

    fn entry(path: &str, mode: &str, kind: &str, size: Option<u64>) -> CommitEntry {
        CommitEntry {
            path: path.into(),
            mode: mode.into(),
            kind: kind.into(),
            sha: format!("sha-{path}"),
            size,
        }
    }

    fn tree() -> Vec<CommitEntry> {
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
        lines.iter().map(|l| parse(l).expect(l)).collect()
    }

    fn select(wanted: &[Wanted], entries: &[CommitEntry], commit: &str) -> Vec<Pick> {
        super::select(wanted, entries, commit).picks
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
        for bad in ["/etc/passwd", "../x.yaml", "a/../b.yaml", "", "./"] {
            assert!(parse(bad).is_err(), "{bad}");
        }
        // Normalised as on disk: one path, one spelling.
        for same in ["./x.yaml", "x.yaml", ".//x.yaml", " x.yaml "] {
            let w = parse(same).expect(same);
            assert_eq!(
                (w.text.as_str(), w.is_pattern()),
                ("x.yaml", false),
                "{same}"
            );
        }
        assert_eq!(parse("a//b.yaml").expect("a//b").text, "a/b.yaml");
    }

    #[test]
    fn the_commit_is_walked_as_the_disk_is() {
        let entries = vec![
            entry("dns", "040000", "tree", None),
            entry("dns/a.yaml", "100644", "blob", Some(40)),
            entry("dns/team", "120000", "blob", Some(14)),
            entry("dns/mod", "160000", "commit", None),
            entry("dns/*.yaml", "100644", "blob", Some(40)),
            entry("vendor", "040000", "tree", None),
            entry("vendor/x.yaml", "100644", "blob", Some(40)),
        ];
        // A pattern: not into the link or the submodule (both named in notices), and a file
        // named like the pattern is one more match, not the pattern switched off.
        let found = super::select(&wanted(&["dns/**/*.yaml"]), &entries, "abc");
        assert_eq!(read_paths(&found.picks), ["dns/*.yaml", "dns/a.yaml"]);
        assert_eq!(found.notices.len(), 2, "{found:?}");
        assert!(
            found.notices[0].starts_with("`dns/mod` is a submodule"),
            "{found:?}"
        );
        assert!(
            found.notices[1].starts_with("`dns/team` is a symbolic link"),
            "{found:?}"
        );
        // A path through the link is refused by the link's name.
        match select(&wanted(&["dns/team/x.yaml"]), &entries, "abc").as_slice() {
            [
                Pick::Refuse {
                    path,
                    found: true,
                    message,
                    ..
                },
            ] => {
                assert_eq!(path, "dns/team");
                assert!(message.contains("symbolic link"), "{message}");
            }
            other => panic!("{other:?}"),
        }
        // Byte-exact names, and the commit named when a path is missing.
        match select(&wanted(&["DNS/a.yaml"]), &entries, "abc").as_slice() {
            [
                Pick::Refuse {
                    found: false,
                    message,
                    ..
                },
            ] => {
                assert!(message.contains("no such file in commit abc"), "{message}");
                assert!(message.contains("`dns`"), "{message}");
            }
            other => panic!("{other:?}"),
        }
    }
}
