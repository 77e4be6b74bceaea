//! A tiny located YAML tree, built from `saphyr-parser`'s span-carrying events.
//!
//! serde stops at the first error and forgets where values came from, but the contract in
//! docs/manifest.md wants every problem in a file named with `file:line:col`. This tree keeps the
//! position of every key and value so that the structural check ([`super::shape`]) can report all
//! problems in one pass, and so that a symbolic path (`endpoints[3].ttl`) can be turned into a line
//! and column when, and only when, there is something to report.
//!
//! The builder is iterative (no recursion on input depth) and refuses what could hurt: nesting
//! deeper than [`MAX_DEPTH`], and alias expansion past [`MAX_NODES`] nodes or [`MAX_BYTES`] bytes
//! of text (the "billion laughs" bomb, and one long string repeated by many aliases).
//! Aliases share the anchored node through `Rc`, so expansion costs nothing until it is counted.

use std::collections::HashMap;
use std::rc::Rc;

use saphyr_parser::{Event, Parser, ScalarStyle, Span};

pub(super) use super::scalar::{Core, core_type};
use super::text::{excerpt, inert, quoted};

/// Deepest nesting accepted; a manifest needs 4 levels.
pub(super) const MAX_DEPTH: usize = 64;
/// Most nodes a document may hold once aliases are expanded. A 10,000-endpoint manifest with every
/// key set is about 160,000 nodes; an alias bomb is billions.
pub(super) const MAX_NODES: usize = 2_000_000;
/// Most bytes of scalar text a document may hold once aliases are expanded. A 10,000-endpoint
/// manifest is about 1 MiB; an alias to a long string repeated many times is gigabytes.
pub(super) const MAX_BYTES: usize = 16 << 20;

/// The expanded size of a subtree: nodes and bytes of scalar text, aliases counted each time.
#[derive(Debug, Clone, Copy, Default)]
struct Size {
    nodes: usize,
    bytes: usize,
}

impl Size {
    const ONE: Size = Size { nodes: 1, bytes: 0 };

    fn plus(self, other: Size) -> Size {
        Size {
            nodes: self.nodes.saturating_add(other.nodes),
            bytes: self.bytes.saturating_add(other.bytes),
        }
    }
}

/// 1-based line and column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Pos {
    pub line: usize,
    pub col: usize,
}

impl Pos {
    fn of(span: &Span) -> Pos {
        Pos {
            line: span.start.line().max(1),
            col: span.start.col() + 1,
        }
    }
}

#[derive(Debug)]
pub(super) struct Node {
    pub pos: Pos,
    pub kind: NodeKind,
    /// This subtree's size, aliases expanded; used for the expansion budget.
    size: Size,
}

#[derive(Debug)]
pub(super) enum NodeKind {
    Scalar {
        value: String,
        /// Plain scalars are typed by the YAML core schema; quoted and block ones are strings.
        plain: bool,
        tag: Option<String>,
    },
    Seq(Vec<Rc<Node>>),
    Map(Vec<(Rc<Node>, Rc<Node>)>),
}

impl Node {
    /// The key's text when this node is a scalar.
    pub(super) fn as_str(&self) -> Option<&str> {
        match &self.kind {
            NodeKind::Scalar { value, .. } => Some(value),
            _ => None,
        }
    }

    /// Looks a key up in a mapping: the first entry wins (duplicates are reported elsewhere).
    pub(super) fn get(&self, key: &str) -> Option<(&Rc<Node>, &Rc<Node>)> {
        match &self.kind {
            NodeKind::Map(entries) => entries
                .iter()
                .find(|(k, _)| k.as_str() == Some(key))
                .map(|(k, v)| (k, v)),
            _ => None,
        }
    }

    /// What a person would call this node's type, for "expected X, found Y" messages. A value
    /// is quoted as a short escaped excerpt: it may be anything, of any length.
    pub(super) fn describe(&self) -> String {
        match &self.kind {
            NodeKind::Seq(_) => "a list".into(),
            NodeKind::Map(_) => "a mapping".into(),
            NodeKind::Scalar { value, plain, .. } => {
                if !plain {
                    return format!("the string {}", quoted(value));
                }
                match core_type(value) {
                    Core::Null => "nothing (null)".into(),
                    Core::Bool(_) => format!("the boolean `{value}`"),
                    Core::Int(_) | Core::Float => format!("the number `{}`", excerpt(value)),
                    Core::Str => format!("the string {}", quoted(value)),
                }
            }
        }
    }

    /// The same node with other children (the structural check drops the ones with problems).
    pub(super) fn rebuilt(&self, kind: NodeKind) -> Rc<Node> {
        Rc::new(Node {
            pos: self.pos,
            kind,
            size: self.size,
        })
    }

    /// The node as JSON data: plain scalars typed by the core schema, other scalars as strings,
    /// mapping keys as their text (a later duplicate key overwrites an earlier one).
    pub(super) fn to_json(&self) -> serde_json::Value {
        use serde_json::Value;
        match &self.kind {
            NodeKind::Scalar {
                value, plain: true, ..
            } => match core_type(value) {
                Core::Null => Value::Null,
                Core::Bool(b) => Value::Bool(b),
                Core::Int(n) => Value::from(n),
                Core::Float => value
                    .parse::<f64>()
                    .ok()
                    .and_then(serde_json::Number::from_f64)
                    .map_or_else(|| Value::String(value.clone()), Value::Number),
                Core::Str => Value::String(value.clone()),
            },
            NodeKind::Scalar { value, .. } => Value::String(value.clone()),
            NodeKind::Seq(items) => items.iter().map(|i| i.to_json()).collect(),
            NodeKind::Map(entries) => Value::Object(
                entries
                    .iter()
                    .map(|(k, v)| (k.as_str().unwrap_or_default().to_string(), v.to_json()))
                    .collect(),
            ),
        }
    }

    /// True for an empty value, `~` or `null` (plain).
    pub(super) fn is_null(&self) -> bool {
        matches!(&self.kind, NodeKind::Scalar { value, plain: true, .. } if core_type(value) == Core::Null)
    }
}

/// Why the text is not a YAML document we can read. `Display` is `line:col: message`.
#[derive(Debug, PartialEq, thiserror::Error)]
#[error("{}:{}: {message}", pos.line, pos.col)]
pub struct SyntaxError {
    pub pos: Pos,
    pub message: String,
    pub help: Option<String>,
}

/// What the parser made of the text: no document at all, or the root node of the only one.
pub(super) enum Document {
    Empty,
    Root(Rc<Node>),
}

enum Frame {
    Seq {
        pos: Pos,
        anchor: usize,
        items: Vec<Rc<Node>>,
        size: Size,
    },
    Map {
        pos: Pos,
        anchor: usize,
        entries: Vec<(Rc<Node>, Rc<Node>)>,
        key: Option<Rc<Node>>,
        size: Size,
    },
}

impl Frame {
    /// The finished collection and its anchor (0 for none).
    fn close(self) -> (Node, usize) {
        match self {
            Frame::Seq {
                pos,
                anchor,
                items,
                size,
            } => (
                Node {
                    pos,
                    kind: NodeKind::Seq(items),
                    size,
                },
                anchor,
            ),
            Frame::Map {
                pos,
                anchor,
                entries,
                size,
                ..
            } => (
                Node {
                    pos,
                    kind: NodeKind::Map(entries),
                    size,
                },
                anchor,
            ),
        }
    }
}

/// Builds the tree from the parser's events: open collections on a stack, anchors by id, and the
/// running expanded size of the document.
#[derive(Default)]
struct TreeBuilder {
    anchors: HashMap<usize, Rc<Node>>,
    stack: Vec<Frame>,
    root: Option<Rc<Node>>,
    total: Size,
}

/// Parses `text` into one located document.
pub(super) fn parse(text: &str) -> Result<Document, SyntaxError> {
    let mut builder = TreeBuilder::default();
    for event in Parser::new_from_str(text) {
        let (event, span) = event.map_err(|e| {
            let pos = Pos {
                line: e.marker().line().max(1),
                col: e.marker().col() + 1,
            };
            syntax(text, pos, e.info())
        })?;
        let pos = Pos::of(&span);
        if let Some((node, cost)) = builder.node(event, pos)? {
            builder.attach(node, cost, pos)?;
        }
    }
    Ok(match builder.root {
        Some(node) => Document::Root(node),
        None => Document::Empty,
    })
}

impl TreeBuilder {
    /// The node an event completes, if it completes one, and what it adds to the document's
    /// expanded size: a scalar or an alias its whole size, a collection only itself (its children
    /// were counted as they came).
    fn node(&mut self, event: Event, pos: Pos) -> Result<Option<(Rc<Node>, Size)>, SyntaxError> {
        let (node, anchor) = match event {
            Event::DocumentStart(_) if self.root.is_some() => {
                return Err(SyntaxError {
                    pos,
                    message:
                        "a manifest holds one YAML document; this file has another after `---`"
                            .into(),
                    help: Some("put each zone in its own file and pass them with -m".into()),
                });
            }
            Event::Scalar(value, style, anchor, tag) => {
                let size = Size {
                    nodes: 1,
                    bytes: value.len(),
                };
                let kind = NodeKind::Scalar {
                    value: value.into_owned(),
                    plain: style == ScalarStyle::Plain,
                    tag: tag.map(|t| format!("{}{}", t.handle, t.suffix)),
                };
                (Node { pos, kind, size }, anchor)
            }
            Event::Alias(id) => {
                return match self.anchors.get(&id) {
                    Some(node) => Ok(Some((Rc::clone(node), node.size))),
                    None => Err(SyntaxError {
                        pos,
                        message: "this alias names an anchor that is not defined before it".into(),
                        help: Some(
                            "a value starting with `*` is an alias in YAML; quote it (`name: \"*.models\"`) if you meant a wildcard name"
                                .into(),
                        ),
                    }),
                };
            }
            Event::SequenceStart(anchor, _) => {
                let items = Vec::new();
                let size = Size::ONE;
                self.open(
                    pos,
                    Frame::Seq {
                        pos,
                        anchor,
                        items,
                        size,
                    },
                )?;
                return Ok(None);
            }
            Event::MappingStart(anchor, _) => {
                let (entries, key, size) = (Vec::new(), None, Size::ONE);
                self.open(
                    pos,
                    Frame::Map {
                        pos,
                        anchor,
                        entries,
                        key,
                        size,
                    },
                )?;
                return Ok(None);
            }
            Event::SequenceEnd | Event::MappingEnd => match self.stack.pop() {
                Some(frame) => frame.close(),
                None => return Ok(None),
            },
            _ => return Ok(None),
        };
        let cost = match node.kind {
            NodeKind::Scalar { .. } => node.size,
            NodeKind::Seq(_) | NodeKind::Map(_) => Size::ONE,
        };
        let node = Rc::new(node);
        if anchor > 0 {
            self.anchors.insert(anchor, Rc::clone(&node));
        }
        Ok(Some((node, cost)))
    }

    fn open(&mut self, pos: Pos, frame: Frame) -> Result<(), SyntaxError> {
        if self.stack.len() >= MAX_DEPTH {
            return Err(SyntaxError {
                pos,
                message: format!("values nested deeper than {MAX_DEPTH} levels; refused"),
                help: Some("a manifest needs four levels at most".into()),
            });
        }
        self.stack.push(frame);
        Ok(())
    }

    /// Adds a finished node to the collection being built, counting its cost against the budget:
    /// an alias to a big anchor costs its whole size each time it is used.
    fn attach(&mut self, node: Rc<Node>, cost: Size, pos: Pos) -> Result<(), SyntaxError> {
        self.total = self.total.plus(cost);
        if self.total.nodes > MAX_NODES || self.total.bytes > MAX_BYTES {
            return Err(SyntaxError {
                pos,
                message: format!(
                    "aliases expand this document past {MAX_NODES} values or {} MiB of text (an alias bomb?); refused",
                    MAX_BYTES >> 20
                ),
                help: Some("write the values out, or use fewer nested aliases".into()),
            });
        }
        match self.stack.last_mut() {
            None => self.root = Some(node),
            Some(Frame::Seq { items, size, .. }) => {
                *size = size.plus(node.size);
                items.push(node);
            }
            Some(Frame::Map {
                entries, key, size, ..
            }) => {
                *size = size.plus(node.size);
                match key.take() {
                    None => *key = Some(node),
                    Some(k) => entries.push((k, node)),
                }
            }
        }
        Ok(())
    }
}

/// Turns the parser's message into one that says what to do, for the mistakes people make.
fn syntax(text: &str, pos: Pos, info: &str) -> SyntaxError {
    let line = text.lines().nth(pos.line.saturating_sub(1)).unwrap_or("");
    let help = if line.contains('\t') || info.contains("tab") {
        "YAML indentation must use spaces, not tabs"
    } else if line.trim_start().trim_start_matches("- ").contains(": @") || info.contains('@') {
        "`@` cannot start a plain YAML value: quote it (`name: \"@\"`)"
    } else if info.contains("alias") || info.contains("anchor") {
        "a value starting with `*` or `&` is an alias or anchor in YAML: quote it (`name: \"*.models\"`)"
    } else {
        "check the indentation and quoting on this line and the one before it"
    };
    SyntaxError {
        pos,
        // The parser's words, made inert: it may quote a character of the text.
        message: format!("YAML syntax error: {}", inert(info, 200)),
        help: Some(help.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root(text: &str) -> Rc<Node> {
        match parse(text) {
            Ok(Document::Root(n)) => n,
            Ok(Document::Empty) => panic!("empty"),
            Err(e) => panic!("{e:?}"),
        }
    }

    #[test]
    fn keys_and_values_keep_their_positions() {
        let n = root("a: 1\nb:\n  - x: y\n");
        let (k, v) = n.get("b").expect("b");
        assert_eq!(k.pos, Pos { line: 2, col: 1 });
        let NodeKind::Seq(items) = &v.kind else {
            panic!()
        };
        let (_, y) = items[0].get("x").expect("x");
        assert_eq!(y.pos, Pos { line: 3, col: 8 });
    }

    #[test]
    fn alias_bomb_is_refused_quickly() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x]\n");
        for i in 1..10 {
            let p = i - 1;
            text.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        let started = std::time::Instant::now();
        let err = parse(&text).err().expect("refused");
        assert!(err.message.contains("alias"), "{}", err.message);
        assert!(started.elapsed().as_millis() < 500);
    }

    #[test]
    fn one_long_string_behind_many_aliases_is_refused() {
        // Few nodes, many bytes: 200 aliases of a 100,000-character string are 20 MB of text.
        let mut text = format!("x: &x \"{}\"\nys:\n", "a".repeat(100_000));
        text.push_str(&"  - *x\n".repeat(200));
        let err = parse(&text).err().expect("refused");
        assert!(err.message.contains("MiB of text"), "{}", err.message);
        // The same with a few aliases is an ordinary document.
        let mut text = format!("x: &x \"{}\"\nys:\n", "a".repeat(100_000));
        text.push_str(&"  - *x\n".repeat(100));
        assert!(parse(&text).is_ok());
    }

    #[test]
    fn deep_nesting_is_refused() {
        // Flow style hits the parser's own recursion limit; block style hits ours.
        let err = parse(&"[".repeat(10_000)).err().expect("refused");
        assert!(err.message.contains("recursion"), "{}", err.message);
        let block: String = (0..200).map(|i| format!("{}a:\n", " ".repeat(i))).collect();
        let err = parse(&block).err().expect("refused");
        assert!(err.message.contains("nested"), "{}", err.message);
    }
}
