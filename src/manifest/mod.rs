//! The manifest (`edgeplan.yaml`, schema version 1): load, validate, locate errors.
//!
//! The format is documented for users in `docs/manifest.md`.
//! Loading runs in stages, each refusing what the next cannot handle:
//!
//! 1. [`load`] refuses what is not a regular file (devices, FIFOs, directories) before opening
//!    it, and, under GitHub Actions, a manifest that a symbolic link leads out of the workspace
//!    ([`Sources`]); then files over 1 MiB, text that is not UTF-8, and control or bidirectional
//!    characters anywhere in the text ([`text`]), before parsing anything.
//! 2. [`tree`] parses the YAML into a small located tree (syntax errors, alias bombs and absurd
//!    nesting stop here, quickly).
//! 3. [`shape`] checks the tree's structure against the key table of [`keys`] (the JSON Schema of
//!    [`schema`] is generated from the same table) and reports *every* unknown key, duplicate key,
//!    missing key and wrong type in one pass; serde alone would stop at the first.
//! 4. serde reads the tree (see [`de`]) into the raw structs of [`raw`] (`deny_unknown_fields`),
//!    and [`validate`] turns them into a [`Desired`] or a list of problems at symbolic paths,
//!    located through the tree only then (zizmor's split: symbolic location first, concrete at the
//!    end).
//!
//! At most [`MAX_PROBLEMS`] problems are reported, then one line saying how many more there are,
//! and a message quotes a value only as a short escaped excerpt ([`text::excerpt`]).
//!
//! Cloudflare's limits behind the rules:
//! <https://developers.cloudflare.com/dns/manage-dns-records/reference/dns-record-types/>,
//! <https://developers.cloudflare.com/dns/manage-dns-records/reference/ttl/> and
//! <https://developers.cloudflare.com/dns/manage-dns-records/reference/record-attributes/>.

mod de;
mod file;
mod keys;
mod names;
mod raw;
mod scalar;
mod schema;
mod shape;
mod source;
mod text;
mod tree;
mod validate;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

pub(crate) use file::Sources;
pub use keys::{DefaultValue, Key, Presence, key_paths};
pub(crate) use names::{endpoint_name, zone};
pub use schema::schema;
pub use source::load_bytes;
pub(crate) use source::too_large;
pub(crate) use text::excerpt;
pub(crate) use tree::{Pos, SyntaxError};
pub(crate) use validate::valid_owner;

use crate::plan::Desired;
use file::open;
use tree::{Document, Node, NodeKind};
use validate::Seg;

/// Largest manifest accepted: far more than 10,000 endpoints, small enough to read at once.
pub(crate) const MAX_BYTES: u64 = 1024 * 1024;

/// Most problems reported for a run; the rest are counted in one line.
pub(crate) const MAX_PROBLEMS: usize = 100;

/// One thing wrong with a manifest, located in its file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub file: PathBuf,
    /// 1-based; 0 when the problem has no place in a file (a path that names no file).
    pub line: usize,
    /// 1-based, in characters.
    pub col: usize,
    pub message: String,
    pub help: Option<String>,
}

impl Problem {
    /// `file:line:col`, or the path alone when the problem has no place in it (line 0).
    pub(crate) fn location(&self) -> String {
        match self.line {
            0 => self.file.display().to_string(),
            line => format!("{}:{line}:{}", self.file.display(), self.col),
        }
    }

    fn new(file: &Path, pos: Pos, message: impl Into<String>, help: Option<String>) -> Problem {
        Problem {
            file: file.to_path_buf(),
            line: pos.line,
            col: pos.col,
            message: message.into(),
            help,
        }
    }
}

const START: Pos = Pos { line: 1, col: 1 };

/// Problems to report: the first [`MAX_PROBLEMS`] by file and line, and how many more were found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Problems {
    pub shown: Vec<Problem>,
    pub more: usize,
}

impl Problems {
    fn one(problem: Problem) -> Problems {
        Problems {
            shown: vec![problem],
            more: 0,
        }
    }

    /// Keeps the first [`MAX_PROBLEMS`] of `problems`, sorted by line; `more` were already left
    /// out.
    fn capped(mut problems: Vec<Problem>, more: usize) -> Problems {
        problems.sort_by_key(|p| (p.line, p.col));
        let over = problems.len().saturating_sub(MAX_PROBLEMS);
        problems.truncate(MAX_PROBLEMS);
        Problems {
            shown: problems,
            more: more + over,
        }
    }

    /// Adds the problems of the next file: files keep their order, the cap holds for all of them.
    pub(crate) fn append(&mut self, other: Problems) {
        let room = MAX_PROBLEMS.saturating_sub(self.shown.len());
        let over = other.shown.len().saturating_sub(room);
        self.shown.extend(other.shown.into_iter().take(room));
        self.more += other.more + over;
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.shown.is_empty() && self.more == 0
    }

    /// The problems as printed: the shown ones, then `... and N more problems` (at the last one's
    /// file and line) when some were left out.
    pub(crate) fn into_list(self) -> Vec<Problem> {
        let mut list = self.shown;
        if self.more > 0
            && let Some(last) = list.last()
        {
            let summary = Problem {
                message: format!(
                    "... and {} more problem{}",
                    self.more,
                    if self.more == 1 { "" } else { "s" }
                ),
                help: None,
                ..last.clone()
            };
            list.push(summary);
        }
        list
    }
}

/// Reads, parses and validates one manifest file. All problems in the file are returned, sorted
/// by line, at most [`MAX_PROBLEMS`] of them.
pub(crate) fn load(path: &Path, sources: &Sources) -> Result<Desired, Problems> {
    let fail = |message: String, help: &str| {
        Err(Problems::one(Problem::new(
            path,
            START,
            message,
            Some(help.into()),
        )))
    };
    let file = match open(path, sources) {
        Ok(f) => f,
        Err((message, help)) => return fail(message, help),
    };
    match source::read_bounded(file) {
        Ok(bytes) => parse_capped(path, &bytes),
        Err((message, help)) => fail(message, help),
    }
}

/// Parses and validates manifest text; `path` is only used to name the file in problems. At most
/// [`MAX_PROBLEMS`] problems, then one saying how many more there are.
pub fn parse(path: &Path, text: &[u8]) -> Result<Desired, Vec<Problem>> {
    parse_capped(path, text).map_err(Problems::into_list)
}

fn parse_capped(path: &Path, text: &[u8]) -> Result<Desired, Problems> {
    let text = match std::str::from_utf8(text) {
        Ok(t) => t,
        Err(e) => {
            let before = &text[..e.valid_up_to()];
            let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
            let col = before.iter().rev().take_while(|&&b| b != b'\n').count() + 1;
            return Err(Problems::one(Problem::new(
                path,
                Pos { line, col },
                format!(
                    "the manifest is not UTF-8 text (invalid byte at offset {})",
                    e.valid_up_to()
                ),
                Some("save the file as UTF-8".into()),
            )));
        }
    };
    let (hidden, more) = hidden_characters(path, text);
    if !hidden.is_empty() {
        return Err(Problems::capped(hidden, more));
    }
    let root = match tree::parse(text) {
        Ok(Document::Root(root)) => root,
        Ok(Document::Empty) => {
            return Err(Problems::one(Problem::new(
                path,
                START,
                "the manifest is empty",
                Some("start with `version: 1`, `zone: example.com` and `endpoints:` (see examples/edgeplan.yaml)".into()),
            )));
        }
        Err(e) => return Err(Problems::one(Problem::new(path, e.pos, e.message, e.help))),
    };
    let (structural, pruned) = shape::check(&root);
    let mut more = structural.more;
    let mut problems: Vec<Problem> = structural
        .shown
        .into_iter()
        .map(|i| Problem::new(path, i.pos, i.message, i.help))
        .collect();
    // Value rules run on what is structurally sound, so one run reports both kinds of problem.
    let Some(tree) = pruned else {
        return Err(Problems::capped(problems, more));
    };
    let raw: raw::RawManifest = match de::from_node(&tree) {
        Ok(raw) => raw,
        Err(e) => {
            // The structural check should have caught it; serde's own located error is the net.
            // Its message may quote a value whole: made inert and short.
            let message = text::inert(&e.message, 2 * text::EXCERPT_CHARS);
            problems.push(Problem::new(path, e.pos.unwrap_or(START), message, None));
            return Err(Problems::capped(problems, more));
        }
    };
    // Pruned nodes keep their original positions, so locating in the pruned tree is exact.
    let lines = name_lines(&tree);
    let previous_lines = previous_lines(&tree);
    match validate::validate(&raw, path, &lines, &previous_lines) {
        Ok(desired) if problems.is_empty() && more == 0 => Ok(desired),
        Ok(_) => Err(Problems::capped(problems, more)),
        Err(issues) => {
            more += issues.more;
            problems.extend(
                issues
                    .shown
                    .into_iter()
                    .map(|i| Problem::new(path, locate(&tree, &i.path, i.key), i.message, i.help)),
            );
            Err(Problems::capped(problems, more))
        }
    }
}

/// Control and bidirectional characters written raw anywhere in the text, YAML comments included
/// (where a reviewer reads them but no rule would): the first [`MAX_PROBLEMS`], and how many more.
/// Tabs and line breaks are the YAML syntax's business; in a value the structural check refuses
/// them too.
fn hidden_characters(path: &Path, text: &str) -> (Vec<Problem>, usize) {
    let mut found = Vec::new();
    let mut more = 0;
    let mut pos = START;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\n' => {
                pos = Pos {
                    line: pos.line + 1,
                    col: 1,
                };
                continue;
            }
            // YAML breaks lines at CRLF and at a lone CR alike.
            '\r' => {
                if chars.peek() != Some(&'\n') {
                    pos = Pos {
                        line: pos.line + 1,
                        col: 1,
                    };
                }
                continue;
            }
            '\t' => {}
            c => {
                if let Some(what) = text::forbidden(c) {
                    if found.len() < MAX_PROBLEMS {
                        found.push(Problem::new(
                            path,
                            pos,
                            format!(
                                "the manifest holds {what} ({}) here; control and bidirectional characters are refused everywhere, comments included",
                                text::code_point(c)
                            ),
                            Some("delete it: it is invisible or reorders the text around it, so the file does not read as what it is".into()),
                        ));
                    } else {
                        more += 1;
                    }
                }
            }
        }
        pos.col += 1;
    }
    (found, more)
}
/// Parses YAML text into JSON data, typed as the loader types it (the YAML 1.2 core schema for
/// plain scalars, aliases expanded), without checking it against the manifest's shape: what a
/// JSON Schema validator needs to check a manifest against [`schema`].
pub fn to_json(text: &str) -> Result<serde_json::Value, SyntaxError> {
    match tree::parse(text)? {
        Document::Root(root) => Ok(root.to_json()),
        Document::Empty => Ok(serde_json::Value::Null),
    }
}

/// The line of each entry of `previous_owners`, in order.
fn previous_lines(root: &Node) -> Vec<usize> {
    match root.get("previous_owners").map(|(_, v)| &v.kind) {
        Some(NodeKind::Seq(items)) => items.iter().map(|i| i.pos.line).collect(),
        _ => Vec::new(),
    }
}

/// The line of each endpoint's `name` key, in order.
fn name_lines(root: &Node) -> Vec<usize> {
    let Some((_, endpoints)) = root.get("endpoints") else {
        return Vec::new();
    };
    match &endpoints.kind {
        NodeKind::Seq(items) => items
            .iter()
            .map(|e| e.get("name").map_or(e.pos.line, |(k, _)| k.pos.line))
            .collect(),
        _ => Vec::new(),
    }
}

/// Finds a symbolic path in the tree: the deepest node reached, so a problem is never unlocated.
fn locate(root: &Node, path: &[Seg], key: bool) -> Pos {
    let mut node = root;
    let mut pos = root.pos;
    for (i, seg) in path.iter().enumerate() {
        let last = i + 1 == path.len();
        match (seg, &node.kind) {
            (Seg::Key(name), NodeKind::Map(_)) => match node.get(name) {
                Some((k, v)) => {
                    pos = if last && key { k.pos } else { v.pos };
                    node = v;
                }
                None => return pos,
            },
            (Seg::Index(n), NodeKind::Seq(items)) => match items.get(*n) {
                Some(item) => {
                    pos = item.pos;
                    node = item;
                }
                None => return pos,
            },
            _ => return pos,
        }
    }
    pos
}

/// Checks a set of valid manifests together: two manifests for the same zone and owner would fight
/// over the same records, so the second is an error that names the first.
pub(crate) fn check_set(manifests: &[Desired]) -> Vec<Problem> {
    let mut first: HashMap<(&str, &str), &Path> = HashMap::new();
    // (zone, name) -> (file, line) of the first manifest that wants the name.
    let mut wanted: HashMap<(&str, &str), (&Path, usize)> = HashMap::new();
    let mut problems = Vec::new();
    for m in manifests {
        match first.get(&(m.zone.as_str(), m.owner.as_str())) {
            Some(other) => problems.push(Problem::new(
                &m.source,
                START,
                format!(
                    "zone {} with owner `{}` is also managed by {}; two manifests for the same zone and owner would delete each other's records",
                    m.zone,
                    m.owner,
                    other.display()
                ),
                Some("merge the two manifests, or give each its own `owner`".into()),
            )),
            None => {
                first.insert((&m.zone, &m.owner), &m.source);
            }
        }
        // A previous owner that another manifest of the zone still uses: both would claim its
        // records, and each plan would delete what the other wants.
        for p in &m.previous_owners {
            let holder = manifests
                .iter()
                .find(|o| o.zone == m.zone && o.owner == p.name && o.source != m.source);
            let at = Pos {
                line: p.line.max(1),
                col: 1,
            };
            // Two manifests taking over the same previous owner would each delete what the
            // other took over.
            let sharer = manifests.iter().find(|o| {
                o.zone == m.zone
                    && o.source != m.source
                    && o.previous_owners.iter().any(|q| q.name == p.name)
            });
            if let (None, Some(other)) = (holder, sharer) {
                problems.push(Problem::new(
                    &m.source,
                    at,
                    format!(
                        "previous owner `{}` is also listed by {}, another manifest of zone {}; each would delete the records the other takes over",
                        p.name,
                        other.source.display(),
                        m.zone
                    ),
                    Some(format!(
                        "list `{}` in the `previous_owners` of one manifest only",
                        p.name
                    )),
                ));
            }
            if let Some(other) = holder {
                problems.push(Problem::new(
                    &m.source,
                    at,
                    format!(
                        "previous owner `{}` is the owner of {}, another manifest of zone {}; both would claim its records",
                        p.name,
                        other.source.display(),
                        m.zone
                    ),
                    Some(format!(
                        "remove `{}` from `previous_owners`, or finish the rename: delete {} or change its `owner`",
                        p.name,
                        other.source.display()
                    )),
                ));
            }
        }
        // NOTE: within one file duplicates are found by validation; across files (different
        // owners of one zone) the plans would each create the name and the apply of the second
        // would fail half-way, so the set is refused up front.
        let mut seen_here = std::collections::HashSet::new();
        for e in &m.endpoints {
            if !seen_here.insert(e.name.as_str()) {
                continue;
            }
            match wanted.get(&(m.zone.as_str(), e.name.as_str())) {
                Some((file, line)) if *file != m.source.as_path() => problems.push(Problem::new(
                    &m.source,
                    Pos {
                        line: e.line,
                        col: 1,
                    },
                    format!(
                        "{} is also wanted by {}:{}; one name can have only one endpoint",
                        e.name,
                        file.display(),
                        line
                    ),
                    Some("keep the endpoint in one manifest only".into()),
                )),
                Some(_) => {}
                None => {
                    wanted.insert((&m.zone, &e.name), (&m.source, e.line));
                }
            }
        }
    }
    problems.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
    problems
}

#[cfg(test)]
mod tests;
