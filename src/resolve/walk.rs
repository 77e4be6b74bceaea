//! The one walker: resolves a [`Wanted`] over directory listings that the caller gives it, one
//! directory at a time, so that the same decisions are taken for a directory on disk and for a
//! tree of a commit read through the GitHub API.
//!
//! The walker does no I/O. It asks for the listing of a directory (names and what each entry is,
//! never what a link points at) and decides:
//! - a literal path is looked up one component at a time, each name byte-exact against its
//!   directory's listing (a case-insensitive disk must not find `Edgeplan.yaml` for
//!   `edgeplan.yaml` when the API would not). A link or a submodule named on the way is
//!   "named directly": followed on disk ([`Side::Disk`]; the loader confines where it leads),
//!   refused through the API ([`Side::Api`]).
//! - a pattern never descends into a link, a submodule or `.git`, not even one its literal
//!   directory (`team` in `dns/team/*.yaml`, `.git` in `.git/*.yaml`) names; the link, submodule
//!   or `.git` it passes is named in a notice. A match that is a link, or not a regular file, is
//!   refused by name, on both sides alike (the API cannot see what a link points at, so neither
//!   does the disk side).
//! - every walk is bounded: links are never followed while matching (no loops), each directory is
//!   listed once, and past [`MAX_LISTED`] entries or [`MAX_DEPTH`] levels the pattern is refused
//!   whole; never a partial list.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::wanted::{Part, Wanted};

/// Most directory entries one pattern may list before it is refused.
pub(crate) const MAX_LISTED: usize = 100_000;
/// Deepest directory level a pattern may search.
pub(crate) const MAX_DEPTH: usize = 64;

/// What a directory entry is, read without following it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EntryKind {
    /// A regular file (git modes 100644, 100755).
    File,
    Dir,
    /// A symbolic link (git mode 120000), whatever it points at.
    Link,
    /// A directory holding `.git` on disk; git mode 160000 through the API.
    Submodule,
    /// Anything else: a device, a FIFO, a socket, an unknown mode, a name that is not UTF-8.
    Other,
}

/// One entry of a directory listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DirEntry {
    pub name: String,
    pub kind: EntryKind,
}

impl DirEntry {
    pub(crate) fn new(name: impl Into<String>, kind: EntryKind) -> DirEntry {
        DirEntry {
            name: name.into(),
            kind,
        }
    }
}

/// Which side reads the files: what a link named directly means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Side {
    /// Followed (the loader checks where it leads).
    Disk,
    /// Refused: through the API a link's target is the pull request author's choice.
    Api,
}

/// A path not read, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Refusal {
    pub path: String,
    /// False when nothing exists at `path` (then it is the value as given, not a file to link).
    pub found: bool,
    pub message: String,
    pub help: &'static str,
}

/// What one value names.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct NamedPaths {
    /// The paths found, from the walk's root, `/`-joined, sorted bytewise, each once.
    pub files: Vec<String>,
    /// Sorted by path. When a pattern is refused whole, `files` is empty.
    pub refused: Vec<Refusal>,
    /// Links and submodules a pattern did not search, as sentences.
    pub notices: Vec<String>,
}

impl NamedPaths {
    /// True when the value named nothing at all (an empty match, or a missing path).
    pub(crate) fn is_empty(&self) -> bool {
        self.files.is_empty() && self.refused.is_empty()
    }
}

const LINK_HELP: &str = "name the manifest itself: a pattern never reads a symbolic link (a link named directly is read on disk, never through the API)";
const NOT_FILE_HELP: &str =
    "a manifest is a regular file; narrow the pattern so it matches only manifests";
const API_LINK_HELP: &str = "commit the manifest itself: under pull_request_target edgeplan reads only regular files of the pull request's commit, and follows no link";
const MISSING_HELP: &str = "check the path; names compare byte-exact, case included";
pub(crate) const LARGE_HELP: &str =
    "name the manifests' directory in the pattern (`dns/*.yaml`, not `**/*.yaml`)";

/// Resolves `wanted`. `list(dir)` gives the entries of `dir`, a `/`-joined path from the walk's
/// root (`""` for the root itself); a directory that does not exist lists as empty; `Err` is a
/// directory that cannot be listed, with the reason.
pub(crate) fn walk<F>(wanted: &Wanted, side: Side, mut list: F) -> NamedPaths
where
    F: FnMut(&str) -> Result<Vec<DirEntry>, String>,
{
    let full = |rel: &str| match (wanted.root.as_str(), rel) {
        (root, "") => root.to_string(),
        ("", rel) => rel.to_string(),
        ("/", rel) => format!("/{rel}"),
        (root, rel) => format!("{root}/{rel}"),
    };
    let refuse = |path: String, found: bool, message: String, help: &'static str| {
        whole(Refusal {
            path,
            found,
            message,
            help,
        })
    };
    if wanted.literal.is_empty() && wanted.rest.is_empty() {
        // A bare root (`-m /`): the loader says what it is.
        return NamedPaths {
            files: vec![wanted.text.clone()],
            ..NamedPaths::default()
        };
    }

    // A pattern never enters `.git`, not even one its literal directory names (`.git/*.yaml`,
    // `x/.git/**`): decided from the value alone, before any listing, so that the disk (where
    // `.git` exists) and the API (whose trees never hold it) say the same thing.
    if wanted.is_pattern()
        && let Some(at) = wanted.literal.iter().position(|name| name == ".git")
    {
        let path = wanted.literal[..=at].join("/");
        return NamedPaths {
            notices: vec![format!(
                "`{}` is git's own directory: the pattern `{}` never searches it",
                full(&path),
                wanted.text
            )],
            ..NamedPaths::default()
        };
    }

    // The literal part, one listing per component.
    let mut dir = String::new();
    let n = wanted.literal.len();
    for (i, name) in wanted.literal.iter().enumerate() {
        let last = i + 1 == n && wanted.rest.is_empty();
        let entries = match list(&dir) {
            Ok(entries) => entries,
            Err(e) => return refuse(full(&dir), true, cannot_list(&e), MISSING_HELP),
        };
        let path = join(&dir, name);
        let Some(node) = entries.iter().find(|e| e.name == *name) else {
            let near = entries
                .iter()
                .find(|e| e.name.to_lowercase() == name.to_lowercase())
                .map(|e| {
                    format!(
                        " (the directory has `{}`: names compare byte-exact)",
                        e.name
                    )
                })
                .unwrap_or_default();
            let message = if wanted.is_pattern() {
                format!(
                    "{}: no manifest matches: `{}` does not exist{near}",
                    wanted.text,
                    full(&path)
                )
            } else {
                format!("{}: no such file{near}", wanted.text)
            };
            return refuse(wanted.text.clone(), false, message, MISSING_HELP);
        };
        match (node.kind, side) {
            (EntryKind::Link | EntryKind::Submodule, _) if wanted.is_pattern() => {
                // A pattern's directory reached through a link or a submodule: not searched,
                // on either side; named, and nothing matches.
                let what = if node.kind == EntryKind::Link {
                    "a symbolic link"
                } else {
                    "a submodule"
                };
                return NamedPaths {
                    notices: vec![not_searched(&full(&path), what, &wanted.text)],
                    ..NamedPaths::default()
                };
            }
            (EntryKind::Link | EntryKind::Submodule, Side::Api) if !last => {
                let what = if node.kind == EntryKind::Link {
                    "the symbolic link"
                } else {
                    "the submodule"
                };
                return refuse(
                    full(&path),
                    true,
                    format!(
                        "`{}` goes through {what} `{}`; refused, because through the API a link is never followed and a submodule's files are not in the commit",
                        wanted.text,
                        full(&path)
                    ),
                    API_LINK_HELP,
                );
            }
            _ if last => {
                // A path named directly: the caller reads it and says what it is.
                return NamedPaths {
                    files: vec![full(&path)],
                    ..NamedPaths::default()
                };
            }
            (EntryKind::Dir | EntryKind::Link | EntryKind::Submodule, _) => dir = path,
            (EntryKind::File | EntryKind::Other, _) => {
                return refuse(
                    wanted.text.clone(),
                    false,
                    format!(
                        "{}: no such file: `{}` is not a directory",
                        wanted.text,
                        full(&path)
                    ),
                    MISSING_HELP,
                );
            }
        }
    }

    Search::new(wanted, &full).run(dir, &mut list)
}

/// The pattern part of one walk: the states to visit, the listings read, what was found.
struct Search<'a, G: Fn(&str) -> String> {
    wanted: &'a Wanted,
    full: &'a G,
    listed: HashMap<String, Vec<DirEntry>>,
    count: usize,
    files: BTreeSet<String>,
    refused: BTreeMap<String, Refusal>,
    notices: BTreeMap<String, String>,
}

impl<'a, G: Fn(&str) -> String> Search<'a, G> {
    fn new(wanted: &'a Wanted, full: &'a G) -> Self {
        Search {
            wanted,
            full,
            listed: HashMap::new(),
            count: 0,
            files: BTreeSet::new(),
            refused: BTreeMap::new(),
            notices: BTreeMap::new(),
        }
    }

    fn run<F>(mut self, start: String, list: &mut F) -> NamedPaths
    where
        F: FnMut(&str) -> Result<Vec<DirEntry>, String>,
    {
        let rest = &self.wanted.rest;
        let mut todo = vec![(start, 0usize)];
        let mut seen = BTreeSet::new();
        while let Some((dir, i)) = todo.pop() {
            if !seen.insert((dir.clone(), i)) {
                continue;
            }
            let depth = dir.split('/').filter(|p| !p.is_empty()).count();
            if depth > MAX_DEPTH {
                return self.too_large(&format!("it reaches deeper than {MAX_DEPTH} directories"));
            }
            if !self.listed.contains_key(&dir) {
                let entries = match list(&dir) {
                    Ok(entries) => entries,
                    Err(e) => {
                        let path = (self.full)(&dir);
                        return whole(Refusal {
                            message: format!(
                                "`{}` searches `{path}`, which {}",
                                self.wanted.text,
                                cannot_list(&e)
                            ),
                            path,
                            found: true,
                            help: MISSING_HELP,
                        });
                    }
                };
                self.count = self.count.saturating_add(entries.len());
                if self.count > MAX_LISTED {
                    return self.too_large(&format!("it lists more than {MAX_LISTED} entries"));
                }
                self.listed.insert(dir.clone(), entries);
            }
            let part = &rest[i];
            let last = i + 1 == rest.len();
            if matches!(part, Part::Any) {
                todo.push((dir.clone(), i + 1));
            }
            let entries = self.listed.get(&dir).cloned().unwrap_or_default();
            for node in entries
                .iter()
                .filter(|e| e.name != ".git" && part.matches(&e.name))
            {
                let path = join(&dir, &node.name);
                match (node.kind, last) {
                    (EntryKind::File, true) => {
                        self.files.insert(path);
                    }
                    (EntryKind::Link, true) => self.refuse(path, "is a symbolic link", LINK_HELP),
                    (EntryKind::Other, true) => {
                        self.refuse(path, "is not a regular file", NOT_FILE_HELP)
                    }
                    (EntryKind::Dir | EntryKind::Submodule, true) => {}
                    (EntryKind::Dir, false) => {
                        let next = if matches!(part, Part::Any) { i } else { i + 1 };
                        todo.push((path, next));
                    }
                    (EntryKind::Link, false) => self.notice(path, "a symbolic link"),
                    (EntryKind::Submodule, false) => self.notice(path, "a submodule"),
                    (EntryKind::File | EntryKind::Other, false) => {}
                }
            }
        }
        let refused: Vec<Refusal> = self.refused.into_values().collect();
        let notices = self
            .notices
            .into_iter()
            .filter(|(path, _)| !refused.iter().any(|r| r.path == *path))
            .map(|(_, n)| n)
            .collect();
        let full = self.full;
        NamedPaths {
            files: self.files.into_iter().map(|f| full(&f)).collect(),
            refused,
            notices,
        }
    }

    fn refuse(&mut self, rel: String, what: &str, help: &'static str) {
        let path = (self.full)(&rel);
        let message = format!(
            "matches `{}` but {what}; refused, on disk and through the API alike",
            self.wanted.text
        );
        self.refused.insert(
            rel,
            Refusal {
                path,
                found: true,
                message,
                help,
            },
        );
    }

    fn notice(&mut self, rel: String, what: &str) {
        let path = (self.full)(&rel);
        let text = not_searched(&path, what, &self.wanted.text);
        self.notices.insert(path, text);
    }

    fn too_large(self, why: &str) -> NamedPaths {
        let message = format!(
            "the pattern `{}` searches too much: {why}; refused",
            self.wanted.text
        );
        let path = self.wanted.text.clone();
        whole(Refusal {
            path,
            found: false,
            message,
            help: LARGE_HELP,
        })
    }
}

/// A value refused whole: no file of it is read.
fn whole(refusal: Refusal) -> NamedPaths {
    NamedPaths {
        refused: vec![refusal],
        ..NamedPaths::default()
    }
}

fn join(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_string()
    } else {
        format!("{dir}/{name}")
    }
}

/// The notice for a link or a submodule a pattern does not enter.
fn not_searched(path: &str, what: &str, pattern: &str) -> String {
    format!(
        "`{path}` is {what}: the pattern `{pattern}` does not search it (name a manifest inside it directly to read it)"
    )
}

fn cannot_list(e: &str) -> String {
    format!("cannot be listed: {e}")
}

#[cfg(test)]
#[path = "walk_tests.rs"]
mod tests;
