//! The manifest (`edgeplan.yaml`, schema version 1): load, validate, locate errors.
//!
//! The format is documented for users in `docs/manifest.md`.
//! Loading runs in stages, each refusing what the next cannot handle:
//!
//! 1. [`load`] refuses files over 1 MiB and text that is not UTF-8 before parsing anything.
//! 2. [`tree`] parses the YAML into a small located tree (syntax errors, alias bombs and absurd
//!    nesting stop here, quickly).
//! 3. [`shape`] checks the tree's structure against the key table of [`keys`] (the JSON Schema of
//!    [`schema`] is generated from the same table) and reports *every* unknown key, duplicate key,
//!    missing key and wrong type in one pass; serde alone would stop at the first.
//! 4. serde reads the tree (see [`de`]) into the raw structs of [`raw`] (`deny_unknown_fields`), and
//!    [`validate`] turns them into a [`Desired`] or a list of problems at symbolic paths, located
//!    through the tree only then (zizmor's split: symbolic location first, concrete at the end).
//!
//! Cloudflare's limits behind the rules: <https://developers.cloudflare.com/dns/manage-dns-records/reference/dns-record-types/>,
//! <https://developers.cloudflare.com/dns/manage-dns-records/reference/ttl/> and
//! <https://developers.cloudflare.com/dns/manage-dns-records/reference/record-attributes/>.

mod de;
mod keys;
mod names;
mod raw;
mod scalar;
mod schema;
mod shape;
mod tree;
mod validate;

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};

pub use keys::{DefaultValue, Key, Presence, Shape, key_paths};
pub use names::{endpoint_name, target, zone};
pub use schema::schema;
pub use tree::{Pos, SyntaxError};
pub use validate::{COMMENT_LIMIT, valid_owner};

use crate::plan::Desired;
use tree::{Document, Kind, Node};
use validate::Seg;

/// Largest manifest accepted: far more than 10,000 endpoints, small enough to read at once.
pub const MAX_BYTES: u64 = 1024 * 1024;

/// One thing wrong with a manifest, located in its file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub file: PathBuf,
    /// 1-based.
    pub line: usize,
    /// 1-based, in characters.
    pub col: usize,
    pub message: String,
    pub help: Option<String>,
}

impl Problem {
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

/// Reads, parses and validates one manifest file. All problems in the file are returned, sorted
/// by line.
pub fn load(path: &Path) -> Result<Desired, Vec<Problem>> {
    let fail = |message: String, help: &str| {
        Err(vec![Problem::new(path, START, message, Some(help.into()))])
    };
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) => {
            return fail(
                format!("cannot read the manifest: {e}"),
                "check the path and its permissions",
            );
        }
    };
    // NOTE: read one byte past the limit instead of trusting metadata, which lies for pipes.
    let mut bytes = Vec::new();
    if let Err(e) = file.take(MAX_BYTES + 1).read_to_end(&mut bytes) {
        return fail(
            format!("cannot read the manifest: {e}"),
            "check the path and its permissions",
        );
    }
    if bytes.len() as u64 > MAX_BYTES {
        return fail(
            format!(
                "the manifest is larger than {} KiB; refused",
                MAX_BYTES / 1024
            ),
            "split it into one manifest per zone, or check that this is the right file",
        );
    }
    parse(path, &bytes)
}

/// Parses and validates manifest text; `path` is only used to name the file in problems.
pub fn parse(path: &Path, text: &[u8]) -> Result<Desired, Vec<Problem>> {
    let text = match std::str::from_utf8(text) {
        Ok(t) => t,
        Err(e) => {
            let before = &text[..e.valid_up_to()];
            let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
            let col = before.iter().rev().take_while(|&&b| b != b'\n').count() + 1;
            return Err(vec![Problem::new(
                path,
                Pos { line, col },
                format!(
                    "the manifest is not UTF-8 text (invalid byte at offset {})",
                    e.valid_up_to()
                ),
                Some("save the file as UTF-8".into()),
            )]);
        }
    };
    let root = match tree::parse(text) {
        Ok(Document::Root(root)) => root,
        Ok(Document::Empty) => {
            return Err(vec![Problem::new(
                path,
                START,
                "the manifest is empty",
                Some("start with `version: 1`, `zone: example.com` and `endpoints:` (see examples/edgeplan.yaml)".into()),
            )]);
        }
        Err(e) => return Err(vec![Problem::new(path, e.pos, e.message, e.help)]),
    };
    let (structural, pruned) = shape::check(&root);
    let mut problems: Vec<Problem> = structural
        .into_iter()
        .map(|i| Problem::new(path, i.pos, i.message, i.help))
        .collect();
    // Value rules run on what is structurally sound, so one run reports both kinds of problem.
    let Some(tree) = pruned else {
        return Err(sorted(problems));
    };
    let raw: raw::RawManifest = match de::from_node(&tree) {
        Ok(raw) => raw,
        Err(e) => {
            // The structural check should have caught it; serde's own located error is the net.
            problems.push(Problem::new(path, e.pos.unwrap_or(START), e.message, None));
            return Err(sorted(problems));
        }
    };
    // Pruned nodes keep their original positions, so locating in the pruned tree is exact.
    let lines = name_lines(&tree);
    match validate::validate(&raw, path, &lines) {
        Ok(desired) if problems.is_empty() => Ok(desired),
        Ok(_) => Err(sorted(problems)),
        Err(issues) => {
            problems.extend(
                issues
                    .into_iter()
                    .map(|i| Problem::new(path, locate(&tree, &i.path, i.key), i.message, i.help)),
            );
            Err(sorted(problems))
        }
    }
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

fn sorted(mut problems: Vec<Problem>) -> Vec<Problem> {
    problems.sort_by_key(|p| (p.line, p.col));
    problems
}

/// The line of each endpoint's `name` key, in order.
fn name_lines(root: &Node) -> Vec<usize> {
    let Some((_, endpoints)) = root.get("endpoints") else {
        return Vec::new();
    };
    match &endpoints.kind {
        Kind::Seq(items) => items
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
            (Seg::Key(name), Kind::Map(_)) => match node.get(name) {
                Some((k, v)) => {
                    pos = if last && key { k.pos } else { v.pos };
                    node = v;
                }
                None => return pos,
            },
            (Seg::Index(n), Kind::Seq(items)) => match items.get(*n) {
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
pub fn check_set(manifests: &[Desired]) -> Vec<Problem> {
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
