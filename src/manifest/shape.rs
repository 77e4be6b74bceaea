//! The structural pass: the located tree checked against the key table of [`super::keys`].
//!
//! [`check`] walks the tree and collects every structural problem in the file (unknown keys with
//! the nearest valid one, duplicate keys, missing keys, wrong types naming the expected type),
//! because serde would stop at the first.

use std::rc::Rc;

use super::keys::{Key, MANIFEST, Presence, Shape};
use super::tree::{Core, Kind, Node, Pos, core_type};

/// A structural problem, already located (the tree knows where everything is).
#[derive(Debug)]
pub struct Issue {
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

/// Checks the whole document against [`MANIFEST`]; returns every problem found, and the tree
/// without the parts that have problems (unknown and duplicate keys, badly typed values, endpoints
/// missing a required key), so that value rules can still run on the rest and report in the same
/// run. `None` when a top-level requirement fails and nothing sensible is left to check.
pub fn check(root: &Rc<Node>) -> (Vec<Issue>, Option<Rc<Node>>) {
    let mut issues = Vec::new();
    let pruned = walk(root, &Shape::Map(MANIFEST), &At::Root, &mut issues);
    (issues, pruned)
}

fn issue(issues: &mut Vec<Issue>, pos: Pos, message: String, help: impl Into<String>) {
    issues.push(Issue {
        pos,
        message,
        help: Some(help.into()),
    });
}

fn walk(node: &Rc<Node>, shape: &Shape, path: &At, issues: &mut Vec<Issue>) -> Option<Rc<Node>> {
    if let Kind::Scalar { tag: Some(tag), .. } = &node.kind {
        issue(
            issues,
            node.pos,
            format!(
                "YAML tags such as `{tag}` are not supported in {}",
                path.named()
            ),
            "remove the tag and write the plain value",
        );
        return None;
    }
    match shape {
        Shape::Map(fields) => map(node, fields, path, issues),
        Shape::Seq(item) => seq(node, item, path, issues),
        scalar if fits(node, scalar) => Some(Rc::clone(node)),
        scalar => {
            let (message, help) = misfit(node, scalar, path);
            issue(issues, node.pos, message, help);
            None
        }
    }
}

fn seq(node: &Rc<Node>, item: &Shape, path: &At, issues: &mut Vec<Issue>) -> Option<Rc<Node>> {
    let Kind::Seq(items) = &node.kind else {
        issue(
            issues,
            node.pos,
            format!("{} must be a list, found {}", path.named(), node.describe()),
            format!("write one `- name: ...` entry per line under `{path}:`, or `{path}: []`"),
        );
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
        node.rebuilt(Kind::Seq(kept))
    })
}

/// Whether a value has the scalar shape its key wants.
fn fits(node: &Node, shape: &Shape) -> bool {
    let Kind::Scalar { value, plain, .. } = &node.kind else {
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

fn map(node: &Rc<Node>, fields: &[Key], path: &At, issues: &mut Vec<Issue>) -> Option<Rc<Node>> {
    let before = issues.len();
    let Kind::Map(entries) = &node.kind else {
        let keys: Vec<&str> = fields
            .iter()
            .filter(|f| f.required())
            .map(|f| f.name)
            .collect();
        issue(
            issues,
            node.pos,
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
        );
        return None;
    };
    let mut seen: Vec<(&str, Pos)> = Vec::new();
    let mut kept = Vec::with_capacity(entries.len());
    let mut failed = false;
    for (key, value) in entries {
        let Some(name) = known_key(key, &seen, fields, path, issues) else {
            continue;
        };
        seen.push((name, key.pos));
        let Some(field) = fields.iter().find(|f| f.name == name) else {
            continue;
        };
        // No value: an optional key keeps its default (as serde reads it); a required one is
        // reported once, below.
        if value.is_null() {
            kept.push((Rc::clone(key), Rc::clone(value)));
            continue;
        }
        match walk(value, field.shape, &At::Key(path, name), issues) {
            Some(v) => kept.push((Rc::clone(key), v)),
            None => failed |= field.required(),
        }
    }
    failed |= missing(node, fields, &seen, path, issues);
    if failed {
        None
    } else if issues.len() == before {
        Some(Rc::clone(node))
    } else {
        Some(node.rebuilt(Kind::Map(kept)))
    }
}

/// The key's name when it is a plain word seen for the first time; reports it otherwise, and
/// reports a name the table does not know (returning it, so that it counts as seen).
fn known_key<'n>(
    key: &'n Rc<Node>,
    seen: &[(&str, Pos)],
    fields: &[Key],
    path: &At,
    issues: &mut Vec<Issue>,
) -> Option<&'n str> {
    let Some(name) = scalar_key(key) else {
        issue(
            issues,
            key.pos,
            format!(
                "keys in {} must be plain words, found {}",
                path.named(),
                key.describe()
            ),
            format!("valid keys: {}", names(fields)),
        );
        return None;
    };
    if let Some((_, first)) = seen.iter().find(|(n, _)| *n == name) {
        issue(
            issues,
            key.pos,
            format!("duplicate key `{name}` (first at line {})", first.line),
            "keep one of them",
        );
        return None;
    }
    if fields.iter().any(|f| f.name == name) {
        return Some(name);
    }
    if name == "<<" {
        issue(
            issues,
            key.pos,
            format!(
                "YAML merge keys (`<<`) are not supported in {}",
                path.named()
            ),
            "write the keys out; `defaults:` holds the shared `proxied` and `ttl`",
        );
    } else {
        let message = match nearest(name, fields) {
            Some(near) => format!("unknown field `{name}`, did you mean `{near}`?"),
            None => format!("unknown field `{name}` in {}", path.named()),
        };
        issue(
            issues,
            key.pos,
            message,
            format!("valid keys here: {}", names(fields)),
        );
    }
    Some(name)
}

/// Reports each required key that is absent or has no value; true when there was one.
fn missing(
    node: &Node,
    fields: &[Key],
    seen: &[(&str, Pos)],
    path: &At,
    issues: &mut Vec<Issue>,
) -> bool {
    let mut failed = false;
    for field in fields.iter().filter(|f| f.required()) {
        if !seen.iter().any(|(n, _)| *n == field.name) {
            failed = true;
            issue(
                issues,
                node.pos,
                format!("missing required key `{}` in {}", field.name, path.named()),
                missing_help(field),
            );
        } else if let Some((_, v)) = node.get(field.name)
            && v.is_null()
        {
            failed = true;
            issue(
                issues,
                v.pos,
                format!("`{}` has no value", At::Key(path, field.name)),
                missing_help(field),
            );
        }
    }
    failed
}

fn missing_help(key: &Key) -> &'static str {
    match key.presence {
        Presence::Required { help } => help,
        Presence::Optional(_) => "add the key",
    }
}

fn scalar_key(key: &Rc<Node>) -> Option<&str> {
    match &key.kind {
        Kind::Scalar {
            value, tag: None, ..
        } => Some(value),
        _ => None,
    }
}

fn names(fields: &[Key]) -> String {
    fields.iter().map(|f| f.name).collect::<Vec<_>>().join(", ")
}

/// The valid key closest to a misspelt one, when it is close enough to be a typo.
pub fn nearest(name: &str, fields: &[Key]) -> Option<&'static str> {
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
