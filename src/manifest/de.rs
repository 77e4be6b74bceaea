//! serde over the located tree: the raw structs of [`super::raw`] are deserialised from the tree
//! that was already parsed, instead of parsing the text a second time with serde_yaml.
//!
//! Halving the parsing is what keeps `validate` of a 10,000-endpoint manifest well under 100 ms,
//! and every serde error comes out located at the node it is about. Scalars are typed as the
//! YAML 1.2 core schema says (the same rules as serde_yaml 0.9): plain `true`, `42`, `~` are a
//! boolean, an integer and null; quoted and block scalars are always strings.

use std::fmt;

use serde::de::value::SeqDeserializer;
use serde::de::{self, DeserializeSeed, IntoDeserializer, MapAccess, Visitor};

use super::tree::{Core, Node, NodeKind, Pos, core_type};

/// A serde error, located at the innermost node it concerns.
#[derive(Debug)]
pub(super) struct Error {
    pub message: String,
    pub pos: Option<Pos>,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

impl de::Error for Error {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Error {
            message: msg.to_string(),
            pos: None,
        }
    }
}

/// Deserialises `T` from a tree node.
pub(super) fn from_node<'de, T: de::Deserialize<'de>>(node: &'de Node) -> Result<T, Error> {
    T::deserialize(NodeDe(node))
}

struct NodeDe<'a>(&'a Node);

impl NodeDe<'_> {
    fn locate(&self, mut e: Error) -> Error {
        e.pos.get_or_insert(self.0.pos);
        e
    }
}

impl<'de> de::Deserializer<'de> for NodeDe<'de> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let result = match &self.0.kind {
            NodeKind::Scalar {
                value, plain: true, ..
            } => match core_type(value) {
                Core::Null => visitor.visit_unit(),
                Core::Bool(b) => visitor.visit_bool(b),
                Core::Int(n) => visitor.visit_i64(n),
                Core::Float => match value.parse::<f64>() {
                    Ok(f) => visitor.visit_f64(f),
                    Err(_) => visitor.visit_str(value),
                },
                Core::Str => visitor.visit_str(value),
            },
            NodeKind::Scalar { value, .. } => visitor.visit_str(value),
            NodeKind::Seq(items) => {
                visitor.visit_seq(SeqDeserializer::new(items.iter().map(|n| NodeDe(n))))
            }
            NodeKind::Map(entries) => visitor.visit_map(Entries {
                entries: entries.iter(),
                value: None,
            }),
        };
        result.map_err(|e| self.locate(e))
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        if self.0.is_null() {
            visitor.visit_none()
        } else {
            let pos = self.0.pos;
            visitor.visit_some(self).map_err(|mut e| {
                e.pos.get_or_insert(pos);
                e
            })
        }
    }

    /// Any non-null scalar reads as text, as serde_yaml does (`name: 123` is the label `123`).
    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match &self.0.kind {
            NodeKind::Scalar { value, .. } if !self.0.is_null() => {
                visitor.visit_str(value).map_err(|e| self.locate(e))
            }
            _ => self.deserialize_any(visitor),
        }
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_str(visitor)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char bytes byte_buf unit
        unit_struct newtype_struct seq tuple tuple_struct map struct enum identifier ignored_any
    }
}

/// A node is its own deserializer: what lets serde's [`SeqDeserializer`] walk a sequence.
impl<'de> IntoDeserializer<'de, Error> for NodeDe<'de> {
    type Deserializer = Self;

    fn into_deserializer(self) -> Self {
        self
    }
}

struct Entries<'a> {
    entries: std::slice::Iter<'a, (std::rc::Rc<Node>, std::rc::Rc<Node>)>,
    value: Option<&'a Node>,
}

impl<'de> MapAccess<'de> for Entries<'de> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        match self.entries.next() {
            Some((key, value)) => {
                self.value = Some(value);
                let pos = key.pos;
                let text = key.as_str().unwrap_or("");
                seed.deserialize(text.into_deserializer())
                    .map(Some)
                    .map_err(|e: Error| Error {
                        pos: Some(pos),
                        ..e
                    })
            }
            None => Ok(None),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        match self.value.take() {
            Some(node) => seed.deserialize(NodeDe(node)),
            None => Err(de::Error::custom("a value without a key")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::raw::{RawManifest, RawTtl};
    use crate::manifest::tree::{Document, parse};

    fn raw(text: &str) -> Result<RawManifest, Error> {
        let Ok(Document::Root(root)) = parse(text) else {
            panic!("parse")
        };
        from_node(&root)
    }

    #[test]
    fn reads_the_raw_manifest_like_serde_yaml() {
        let m = raw("version: 1\nzone: example.com\nowner: ~\ndefaults: {ttl: auto}\nendpoints:\n  - name: 123\n    target: 'x.example.net'\n    proxied: True\n    ttl: 300\n")
            .expect("valid");
        assert_eq!(m.version, Some(1));
        assert_eq!(m.owner, None);
        assert_eq!(m.defaults.and_then(|d| d.ttl), Some(RawTtl::Auto));
        let e = &m.endpoints.expect("endpoints")[0];
        assert_eq!(e.name.as_deref(), Some("123"));
        assert_eq!(e.proxied, Some(true));
        assert_eq!(e.ttl, Some(RawTtl::Seconds(300)));
    }

    #[test]
    fn serde_errors_are_located_at_their_node() {
        let e = raw("version: 1\nzone: example.com\nendpoints:\n  - name: a\n    target: b\n    proxed: true\n")
            .expect_err("unknown field");
        assert!(e.message.contains("proxed"), "{}", e.message);
        assert_eq!(e.pos, Some(Pos { line: 6, col: 5 }));
        let e = raw("version: 1\nzone: example.com\nendpoints:\n  - name: a\n    target: b\n    ttl: often\n")
            .expect_err("bad ttl");
        assert_eq!(e.pos.map(|p| p.line), Some(6));
    }
}
