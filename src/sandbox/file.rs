//! A sandbox zone file: `DIR/<zone>.json`, the zone's records in Cloudflare's own record JSON.
//!
//! Two shapes are accepted: a bare array of records, or a whole `GET /zones/{id}/dns_records`
//! response whose `result` is that array
//! (<https://developers.cloudflare.com/api/resources/dns/subresources/records/methods/list/>),
//! so a real listing works as a seed. Each record is kept as the JSON text it was read as: fields
//! edgeplan does not know (`settings`, `meta`, `tags`, timestamps) survive, and a record the batch
//! does not touch is written back byte for byte. The file is replaced atomically (a temporary
//! file in the same directory, then a rename), so a reader never sees half a zone.

use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde::de::{MapAccess, Visitor};
use serde_json::value::RawValue;

use crate::plan::{RecordData, RecordType, Stored, normalise};
use crate::provider::Error;

/// A zone file as read: its shape, its records' JSON text and their parsed form.
pub struct ZoneFile {
    pub path: PathBuf,
    /// `None` for a bare array; else the top-level keys in file order (`result` among them).
    envelope: Option<Vec<(String, Box<RawValue>)>>,
    pub raw: Vec<Box<RawValue>>,
    pub records: Vec<Stored>,
    /// A `zone_id` carried by the records, if any.
    pub zone_id: Option<String>,
}

#[derive(Deserialize)]
struct WireRecord {
    id: String,
    name: String,
    #[serde(rename = "type")]
    kind: RecordType,
    #[serde(default)]
    content: String,
    #[serde(default)]
    proxied: bool,
    #[serde(default = "auto_ttl")]
    ttl: u32,
    #[serde(default)]
    comment: Option<String>,
    #[serde(default)]
    zone_id: Option<String>,
}

fn auto_ttl() -> u32 {
    1
}

/// A JSON object's members in file order (serde_json's own map would sort them).
struct Ordered(Vec<(String, Box<RawValue>)>);

impl<'de> Deserialize<'de> for Ordered {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Ordered;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Ordered, A::Error> {
                let mut out = Vec::new();
                while let Some((k, v)) = map.next_entry::<String, Box<RawValue>>()? {
                    out.push((k, v));
                }
                Ok(Ordered(out))
            }
        }
        d.deserialize_map(V)
    }
}

const SHAPE_HELP: &str = "a sandbox zone file holds a JSON array of Cloudflare DNS records, or a `GET dns_records` response whose `result` is that array; `[]` is an empty zone";

impl ZoneFile {
    /// Reads and parses `path`. A missing file says which file to create.
    pub fn read(path: &Path, zone: &str) -> Result<ZoneFile, Error> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(Error::Rejected {
                    message: format!(
                        "the sandbox has no zone {zone}: {} does not exist",
                        path.display()
                    ),
                    help: Some(format!(
                        "create {} holding the zone's records (`[]` for an empty zone, or the JSON of `GET /zones/{{id}}/dns_records`)",
                        path.display()
                    )),
                    source: None,
                });
            }
            Err(e) => {
                return Err(Error::Api {
                    message: format!("cannot read the sandbox zone file {}: {e}", path.display()),
                    help: None,
                    source: Some(e.into()),
                });
            }
        };
        let bad = |what: String| Error::Rejected {
            message: format!("{}: {what}", path.display()),
            help: Some(SHAPE_HELP.into()),
            source: None,
        };
        let (envelope, raw) = if text.trim_start().starts_with('{') {
            let Ordered(members) =
                serde_json::from_str(&text).map_err(|e| bad(format!("not valid JSON: {e}")))?;
            let result = members
                .iter()
                .find(|(k, _)| k == "result")
                .ok_or_else(|| bad("an object without a `result` array".into()))?;
            let raw: Vec<Box<RawValue>> = serde_json::from_str(result.1.get())
                .map_err(|e| bad(format!("`result` is not an array: {e}")))?;
            (Some(members), raw)
        } else {
            let raw: Vec<Box<RawValue>> = serde_json::from_str(&text)
                .map_err(|e| bad(format!("not a JSON array of records: {e}")))?;
            (None, raw)
        };
        let mut records = Vec::with_capacity(raw.len());
        let mut zone_id = None;
        for (i, r) in raw.iter().enumerate() {
            let w: WireRecord = serde_json::from_str(r.get())
                .map_err(|e| bad(format!("record {} (0-based): {e}", i)))?;
            if zone_id.is_none() {
                zone_id = w.zone_id.clone();
            }
            let data = RecordData {
                content: w.content,
                proxied: w.proxied,
                ttl: w.ttl,
                comment: w.comment,
            };
            records.push(normalise::stored(&w.id, &w.name, &w.kind, &data));
        }
        Ok(ZoneFile {
            path: path.to_path_buf(),
            envelope,
            raw,
            records,
            zone_id,
        })
    }

    /// The file's text with `raw` as its records, in the shape it was read in.
    pub fn render(&self, raw: &[Box<RawValue>]) -> String {
        match &self.envelope {
            None => {
                let mut out = array(raw, "");
                out.push('\n');
                out
            }
            Some(members) => {
                let mut out = String::from("{\n");
                for (i, (k, v)) in members.iter().enumerate() {
                    let key = serde_json::to_string(k).unwrap_or_else(|_| "\"?\"".into());
                    let value = if k == "result" {
                        array(raw, "  ")
                    } else {
                        v.get().to_owned()
                    };
                    out.push_str(&format!("  {key}: {value}"));
                    out.push_str(if i + 1 < members.len() { ",\n" } else { "\n" });
                }
                out.push_str("}\n");
                out
            }
        }
    }

    /// Replaces the file atomically: write a temporary file beside it, flush it to disk, rename.
    pub fn write(&self, text: &str) -> Result<(), Error> {
        let dir = self.path.parent().unwrap_or(Path::new("."));
        let fail = |e: std::io::Error| Error::Api {
            message: format!(
                "cannot write the sandbox zone file {}: {e}",
                self.path.display()
            ),
            help: Some(format!("check that {} is writable", dir.display())),
            source: Some(e.into()),
        };
        let file_name = self
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let tmp = dir.join(format!(
            ".{file_name}.{}.{:08x}.tmp",
            std::process::id(),
            fastrand::u32(..)
        ));
        let written = (|| {
            let mut f = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&tmp)?;
            f.write_all(text.as_bytes())?;
            f.sync_all()?;
            std::fs::rename(&tmp, &self.path)
        })();
        if let Err(e) = written {
            let _ = std::fs::remove_file(&tmp);
            return Err(fail(e));
        }
        Ok(())
    }
}

/// A JSON array of raw records, one per line, indented under `indent`.
fn array(raw: &[Box<RawValue>], indent: &str) -> String {
    if raw.is_empty() {
        return "[]".into();
    }
    let mut out = String::from("[\n");
    for (i, r) in raw.iter().enumerate() {
        out.push_str(indent);
        out.push_str("  ");
        out.push_str(r.get());
        out.push_str(if i + 1 < raw.len() { ",\n" } else { "\n" });
    }
    out.push_str(indent);
    out.push(']');
    out
}
