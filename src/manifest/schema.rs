//! The manifest's JSON Schema (draft 2020-12), printed by `edgeplan schema`.
//!
//! Editors use it for completion and early errors through the `# yaml-language-server: $schema=...`
//! line (<https://github.com/redhat-developer/yaml-language-server#using-inlined-schema>). It
//! states what a schema can: keys, types, patterns and ranges. Rules that span values (names
//! inside the zone, duplicates, cycles, TTL on proxied endpoints, comment length with the owner's
//! marker) are only checked by `edgeplan validate`.
//!
//! The whole schema is generated from the key table of [`super::keys`]: each key's type, whether
//! it is required, its default, description and extra constraints. An optional key also accepts
//! null, as the loader does (a key with no value is the same as leaving it out).

use serde_json::{Map, Value, json};

use super::keys::{self, DefaultValue, Key, Presence, Shape};
use super::validate::{TTL_MAX, TTL_MIN};

/// The JSON Schema of manifest version 1.
pub fn schema() -> Value {
    let mut root = Map::new();
    root.insert(
        "$schema".into(),
        json!("https://json-schema.org/draft/2020-12/schema"),
    );
    root.insert(
        "$id".into(),
        json!("https://github.com/edgeplan/edgeplan/blob/main/docs/manifest.schema.json"),
    );
    root.insert("title".into(), json!(keys::TITLE));
    root.insert("description".into(), json!(keys::DOC));
    root.extend(value(&Shape::Map(keys::MANIFEST), false));
    Value::Object(root)
}

/// The schema of one key: its description, its type, its extra constraints and its default.
fn property(key: &Key) -> Value {
    let mut p = Map::new();
    p.insert("description".into(), json!(key.doc));
    p.extend(value(key.shape, !key.required()));
    match serde_json::from_str::<Map<String, Value>>(key.schema) {
        Ok(extra) => p.extend(extra),
        // The table is constant: a unit test parses every entry, so this cannot be reached.
        Err(e) => panic!("the schema constraints of `{}` are not JSON: {e}", key.name),
    }
    match key.presence {
        Presence::Optional(DefaultValue::Bool(b)) => {
            p.insert("default".into(), json!(b));
        }
        Presence::Optional(DefaultValue::Text(t)) => {
            p.insert("default".into(), json!(t));
        }
        _ => {}
    }
    Value::Object(p)
}

/// The type of a value; `nullable` for optional keys.
fn value(shape: &Shape, nullable: bool) -> Map<String, Value> {
    let ty = |name: &str| {
        if nullable {
            json!([name, "null"])
        } else {
            json!(name)
        }
    };
    let mut v = Map::new();
    match shape {
        Shape::Map(fields) => {
            v.insert("type".into(), ty("object"));
            v.insert("additionalProperties".into(), json!(false));
            let required: Vec<&str> = fields
                .iter()
                .filter(|k| k.required())
                .map(|k| k.name)
                .collect();
            if !required.is_empty() {
                v.insert("required".into(), json!(required));
            }
            let properties = fields
                .iter()
                .map(|k| (k.name.to_string(), property(k)))
                .collect();
            v.insert("properties".into(), Value::Object(properties));
        }
        Shape::Seq(item) => {
            v.insert("type".into(), ty("array"));
            v.insert("items".into(), Value::Object(value(item, false)));
        }
        Shape::Str => {
            v.insert("type".into(), ty("string"));
        }
        Shape::Bool => {
            v.insert("type".into(), ty("boolean"));
        }
        Shape::Int => {
            v.insert("type".into(), ty("integer"));
        }
        Shape::Ttl => {
            let mut one_of = vec![
                json!({"const": "auto"}),
                json!({"type": "integer", "minimum": TTL_MIN, "maximum": TTL_MAX}),
            ];
            if nullable {
                one_of.push(json!({"type": "null"}));
            }
            v.insert("oneOf".into(), Value::Array(one_of));
        }
    }
    v
}
