//! The structural pass: the located tree checked against the key table of [`super::keys`].
//!
//! [`check`] walks the tree and collects every structural problem in the file (unknown keys with
//! the nearest valid one, duplicate keys, missing keys, wrong types naming the expected type),
//! because serde would stop at the first (the first [`MAX_PROBLEMS`] of them, and a count of the
//! rest: an alias can repeat one bad value a million times). Every scalar it accepts, keys
//! included, holds no control or bidirectional character ([`super::text`]).

use std::collections::HashMap;
use std::rc::Rc;

use super::MAX_PROBLEMS;
use super::keys::{Key, MANIFEST, Presence, Shape};
use super::text::{code_point, excerpt, first_forbidden, quoted};
use super::tree::{Core, Node, NodeKind, Pos, core_type};

/// A structural problem, already located (the tree knows where everything is).
#[derive(Debug)]
pub(super) struct ShapeIssue {
    pub pos: Pos,
    pub message: String,
    pub help: Option<String>,
}

/// Where a node is, built on the stack as the walk descends and only formatted when a problem is
/// reported (formatting every path up front would cost an allocation per value).
#[derive(Clone, Copy)]
enum At<'a> {
    Root,
    Key(&'a At<'a>, &'a str),
    Index(&'a At<'a>, usize),
}

impl std::fmt::Display for At<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            At::Root => Ok(()),
            At::Key(At::Root, name) => write!(f, "{name}"),
            At::Key(parent, name) => write!(f, "{parent}.{name}"),
            At::Index(parent, i) => write!(f, "{parent}[{i}]"),
        }
    }
}

impl At<'_> {
    /// How messages name this place.
    fn named(&self) -> String {
        match self {
            At::Root => "the manifest".to_string(),
            _ => format!("`{self}`"),
        }
    }
}

/// The problems found: the first [`MAX_PROBLEMS`] in document order, and how many more.
#[derive(Debug, Default)]
pub(super) struct Found {
    pub shown: Vec<ShapeIssue>,
    pub more: usize,
}

impl Found {
    /// Problems found so far, counted or not: a walk compares it before and after a subtree.
    fn len(&self) -> usize {
        self.shown.len() + self.more
    }
}

/// Checks the whole document against [`MANIFEST`]; returns every problem found, and the tree
/// without the parts that have problems (unknown and duplicate keys, badly typed values), so that
/// value rules can still run on the rest and report in the same run: a mapping missing a required
/// key is kept without it (the raw structs read every key as optional). `None` when the document
/// is not a mapping at all and nothing sensible is left to check.
pub(super) fn check(root: &Rc<Node>) -> (Found, Option<Rc<Node>>) {
    let mut issues = Found::default();
    let pruned = walk(root, &Shape::Map(MANIFEST), &At::Root, &mut issues);
    (issues, pruned)
}

/// Records a problem; its text is only formatted while it will be shown.
fn issue<H: Into<String>>(issues: &mut Found, pos: Pos, text: impl FnOnce() -> (String, H)) {
    if issues.shown.len() >= MAX_PROBLEMS {
        issues.more += 1;
        return;
    }
    let (message, help) = text();
    issues.shown.push(ShapeIssue {
        pos,
        message,
        help: Some(help.into()),
    });
}

/// Reports a scalar (a value or a key) holding a control or bidirectional character; true when
/// it does. A comment's line breaks are left to the comment rule, which says more.
fn hidden(node: &Node, what: &dyn Fn() -> String, comment: bool, issues: &mut Found) -> bool {
    let NodeKind::Scalar { value, .. } = &node.kind else {
        return false;
    };
    let Some((i, c, kind)) = first_forbidden(value, comment) else {
        return false;
    };
    issue(issues, node.pos, || {
        (
            format!(
                "{} contains {kind} ({}) at character {}: {}",
                what(),
                code_point(c),
                i + 1,
                quoted(value)
            ),
            "remove it: control and bidirectional characters are refused in every value and key, because they hide or reorder text, so what a reviewer reads would not be what edgeplan sends",
        )
    });
    true
}

fn walk(node: &Rc<Node>, shape: &Shape, path: &At, issues: &mut Found) -> Option<Rc<Node>> {
    if let NodeKind::Scalar { tag: Some(tag), .. } = &node.kind {
        issue(issues, node.pos, || {
            (
                format!(
                    "YAML tags such as `{}` are not supported in {}",
                    excerpt(tag),
                    path.named()
                ),
                "remove the tag and write the plain value",
            )
        });
        return None;
    }
    let comment = matches!(path, At::Key(_, "comment"));
    if hidden(node, &|| path.named(), comment, issues) {
        return None;
    }
    match shape {
        Shape::Map(fields) => map(node, fields, path, issues),
        Shape::Seq(item) => seq(node, item, path, issues),
        scalar if fits(node, scalar) => Some(Rc::clone(node)),
        scalar => {
            issue(issues, node.pos, || misfit(node, scalar, path));
            None
        }
    }
}

fn seq(node: &Rc<Node>, item: &Shape, path: &At, issues: &mut Found) -> Option<Rc<Node>> {
    let NodeKind::Seq(items) = &node.kind else {
        issue(issues, node.pos, || {
            (
                format!("{} must be a list, found {}", path.named(), node.describe()),
                format!("write one `- name: ...` entry per line under `{path}:`, or `{path}: []`"),
            )
        });
        return None;
    };
    let before = issues.len();
    let mut kept = Vec::with_capacity(items.len());
    for (i, child) in items.iter().enumerate() {
        kept.extend(walk(child, item, &At::Index(path, i), issues));
    }
    // Children only change when they had problems: a clean list is shared as is.
    Some(if issues.len() == before {
        Rc::clone(node)
    } else {
        node.rebuilt(NodeKind::Seq(kept))
    })
}

/// Whether a value has the scalar shape its key wants.
fn fits(node: &Node, shape: &Shape) -> bool {
    let NodeKind::Scalar { value, plain, .. } = &node.kind else {
        return false;
    };
    let core = if *plain { Some(core_type(value)) } else { None };
    match shape {
        Shape::Str => !node.is_null(),
        Shape::Bool => matches!(core, Some(Core::Bool(_))),
        Shape::Int => matches!(core, Some(Core::Int(_))),
        Shape::Ttl => value == "auto" || matches!(core, Some(Core::Int(_))),
        Shape::Map(_) | Shape::Seq(_) => false,
    }
}

/// The message and the help for a value that does not fit its scalar shape (formatted only when
/// there is something to report).
fn misfit(node: &Node, shape: &Shape, path: &At) -> (String, &'static str) {
    let (at, found) = (path.named(), node.describe());
    match shape {
        Shape::Bool => (
            format!("{at}: expected a boolean, found {found}"),
            "write true or false, without quotes",
        ),
        Shape::Int => (
            format!("{at}: expected a whole number, found {found}"),
            "write a number without quotes, such as `version: 1`",
        ),
        Shape::Ttl => (
            format!("{at}: expected `auto` or a number of seconds, found {found}"),
            "write `ttl: auto`, or a number from 60 to 86400 without quotes on an unproxied endpoint",
        ),
        Shape::Str | Shape::Map(_) | Shape::Seq(_) => (
            format!("{at} must be a string, found {found}"),
            "write the value on the same line as the key",
        ),
    }
}

fn map(node: &Rc<Node>, fields: &[Key], path: &At, issues: &mut Found) -> Option<Rc<Node>> {
    let before = issues.len();
    let NodeKind::Map(entries) = &node.kind else {
        issue(issues, node.pos, || {
            let keys: Vec<&str> = fields
                .iter()
                .filter(|f| f.required())
                .map(|f| f.name)
                .collect();
            (
                format!(
                    "{} must be a mapping of `key: value` lines, found {}",
                    path.named(),
                    node.describe()
                ),
                if keys.is_empty() {
                    format!("valid keys: {}", names(fields))
                } else {
                    format!("it needs at least: {}", keys.join(", "))
                },
            )
        });
        return None;
    };
    // Every key seen, with its position: a hash map, because a mapping may have a hundred
    // thousand keys.
    let mut seen: HashMap<&str, Pos> = HashMap::new();
    let mut kept = Vec::with_capacity(entries.len());
    for (key, value) in entries {
        let Some(name) = known_key(key, &seen, fields, path, issues) else {
            continue;
        };
        seen.insert(name, key.pos);
        let Some(field) = fields.iter().find(|f| f.name == name) else {
            continue;
        };
        // No value: an optional key keeps its default (as serde reads it); a required one is
        // reported once, below.
        if value.is_null() {
            kept.push((Rc::clone(key), Rc::clone(value)));
            continue;
        }
        // A value with problems is left out, required or not: the value rules skip what is
        // absent, which was reported here.
        if let Some(v) = walk(value, field.shape, &At::Key(path, name), issues) {
            kept.push((Rc::clone(key), v));
        }
    }
    missing(node, fields, &seen, path, issues);
    if issues.len() == before {
        Some(Rc::clone(node))
    } else {
        Some(node.rebuilt(NodeKind::Map(kept)))
    }
}

/// The key's name when it is a plain word seen for the first time; reports it otherwise, and
/// reports a name the table does not know (returning it, so that it counts as seen).
fn known_key<'n>(
    key: &'n Rc<Node>,
    seen: &HashMap<&str, Pos>,
    fields: &[Key],
    path: &At,
    issues: &mut Found,
) -> Option<&'n str> {
    let Some(name) = scalar_key(key) else {
        issue(issues, key.pos, || {
            (
                format!(
                    "keys in {} must be plain words, found {}",
                    path.named(),
                    key.describe()
                ),
                format!("valid keys: {}", names(fields)),
            )
        });
        return None;
    };
    let named = || format!("the key {} in {}", quoted(name), path.named());
    if hidden(key, &named, false, issues) {
        return None;
    }
    if let Some(first) = seen.get(name) {
        issue(issues, key.pos, || {
            (
                format!(
                    "duplicate key `{}` (first at line {})",
                    excerpt(name),
                    first.line
                ),
                "keep one of them",
            )
        });
        return None;
    }
    if fields.iter().any(|f| f.name == name) {
        return Some(name);
    }
    if name == "<<" {
        issue(issues, key.pos, || {
            (
                format!(
                    "YAML merge keys (`<<`) are not supported in {}",
                    path.named()
                ),
                "write the keys out; `defaults:` holds the shared `proxied` and `ttl`",
            )
        });
    } else {
        issue(issues, key.pos, || {
            let message = match nearest(name, fields) {
                Some(near) => format!("unknown field `{}`, did you mean `{near}`?", excerpt(name)),
                None => format!("unknown field `{}` in {}", excerpt(name), path.named()),
            };
            (message, format!("valid keys here: {}", names(fields)))
        });
    }
    Some(name)
}

/// Reports each required key that is absent or has no value.
fn missing(node: &Node, fields: &[Key], seen: &HashMap<&str, Pos>, path: &At, issues: &mut Found) {
    for field in fields.iter().filter(|f| f.required()) {
        if !seen.contains_key(field.name) {
            issue(issues, node.pos, || {
                (
                    format!("missing required key `{}` in {}", field.name, path.named()),
                    missing_help(field),
                )
            });
        } else if let Some((_, v)) = node.get(field.name)
            && v.is_null()
        {
            issue(issues, v.pos, || {
                (
                    format!("`{}` has no value", At::Key(path, field.name)),
                    missing_help(field),
                )
            });
        }
    }
}

fn missing_help(key: &Key) -> &'static str {
    match key.presence {
        Presence::Required { help } => help,
        Presence::Optional(_) => "add the key",
    }
}

fn scalar_key(key: &Rc<Node>) -> Option<&str> {
    match &key.kind {
        NodeKind::Scalar {
            value, tag: None, ..
        } => Some(value),
        _ => None,
    }
}

fn names(fields: &[Key]) -> String {
    fields.iter().map(|f| f.name).collect::<Vec<_>>().join(", ")
}

/// The valid key closest to a misspelt one, when it is close enough to be a typo. A long name is
/// no typo of a short key (and would cost its length times each key's to compare).
pub(super) fn nearest(name: &str, fields: &[Key]) -> Option<&'static str> {
    if name.len() > 64 {
        return None;
    }
    let lower = name.to_ascii_lowercase();
    fields
        .iter()
        .map(|f| (strsim::damerau_levenshtein(&lower, f.name), f.name))
        .filter(|(d, n)| *d <= 2.max(n.len() / 3))
        .min_by_key(|(d, _)| *d)
        .map(|(_, n)| n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::keys::ENDPOINT;

    #[test]
    fn nearest_key_for_typos() {
        assert_eq!(nearest("proxed", ENDPOINT), Some("proxied"));
        assert_eq!(nearest("targte", ENDPOINT), Some("target"));
        assert_eq!(nearest("Name", ENDPOINT), Some("name"));
        assert_eq!(nearest("zoneid", MANIFEST), Some("zone_id"));
        assert_eq!(nearest("banana", ENDPOINT), None);
    }
}
