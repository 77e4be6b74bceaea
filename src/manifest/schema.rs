//! The manifest's JSON Schema (draft 2020-12), printed by `edgeplan schema`.
//!
//! Editors use it for completion and early errors through the `# yaml-language-server: $schema=...`
//! line (<https://github.com/redhat-developer/yaml-language-server#using-inlined-schema>). It
//! states what a schema can: keys, types, patterns and ranges. Rules that span values (names
//! inside the zone, duplicates, cycles, TTL on proxied endpoints, comment length with the owner's
//! marker) are only checked by `edgeplan validate`. A test keeps its keys equal to
//! [`super::shape`]'s table.

use serde_json::{Value, json};

/// The JSON Schema of manifest version 1.
pub fn schema() -> Value {
    let ttl = json!({
        "description": "`auto` (Cloudflare's automatic TTL, required for proxied records) or 60..86400 seconds on DNS-only records.",
        "oneOf": [
            {"const": "auto"},
            {"type": "integer", "minimum": 60, "maximum": 86400}
        ]
    });
    let hostname = r"^[^\s/:]+$";
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://github.com/edgeplan/edgeplan/blob/main/docs/manifest.schema.json",
        "title": "edgeplan manifest",
        "description": "ML model endpoints to put behind Cloudflare's proxy as CNAME records (edgeplan.yaml, version 1).",
        "type": "object",
        "additionalProperties": false,
        "required": ["version", "zone", "endpoints"],
        "properties": {
            "version": {"description": "Manifest schema version; only 1 exists.", "const": 1},
            "zone": {
                "description": "The Cloudflare zone (apex), looked up by name, e.g. example.com.",
                "type": "string", "minLength": 3, "maxLength": 253, "pattern": r"^[^\s/:*]+\.[^\s/:*]+\.?$"
            },
            "zone_id": {
                "description": "The zone's ID (32 hex characters); skips the lookup; must belong to `zone`.",
                "type": "string", "pattern": "^[0-9a-fA-F]{32}$"
            },
            "owner": {
                "description": "Owner of the records, written as the comment marker `edgeplan:<owner>`. Default `default`.",
                "type": "string", "pattern": "^[a-z0-9][a-z0-9_-]{0,31}$", "default": "default"
            },
            "defaults": {
                "description": "Defaults for every endpoint.",
                "type": ["object", "null"],
                "additionalProperties": false,
                "properties": {
                    "proxied": {"description": "Proxy through Cloudflare (orange cloud). Default true.", "type": "boolean", "default": true},
                    "ttl": ttl.clone()
                }
            },
            "endpoints": {
                "description": "One proxied CNAME per model endpoint; may be empty (then every owned record is deleted).",
                "type": "array",
                "items": {
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["name", "target"],
                    "properties": {
                        "name": {
                            "description": "Relative label(s), \"@\" for the apex, \"*.x\" for a wildcard, or an FQDN inside the zone.",
                            "type": "string", "minLength": 1, "maxLength": 254, "pattern": r"^[^\s/:]+$"
                        },
                        "target": {
                            "description": "The origin hostname the CNAME points at (no scheme, path, port or IP address).",
                            "type": "string", "minLength": 3, "maxLength": 254, "pattern": hostname
                        },
                        "comment": {
                            "description": "Shown in Cloudflare after the marker `edgeplan:<owner> | `; one line; marker plus comment at most 100 characters.",
                            "type": ["string", "null"], "pattern": "^[^\\r\\n]*$"
                        },
                        "proxied": {"description": "Overrides defaults.proxied.", "type": "boolean"},
                        "ttl": ttl,
                        "adopt": {"description": "Take over an existing record that no edgeplan owner holds.", "type": "boolean", "default": false},
                        "health": {
                            "description": "Origin probe before apply: a path (probed at https://<target><path>) or an https:// URL.",
                            "type": ["string", "null"], "pattern": r"^(/[^/\s]|/$|https://|http://(localhost|127\.|\[::1\]))\S*$"
                        }
                    }
                }
            }
        }
    })
}
