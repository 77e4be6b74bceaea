//! A sandbox zone file: `DIR/<zone>.json`, the zone's records in Cloudflare's own record JSON.
//!
//! Two shapes are accepted: a bare array of records, or a whole `GET /zones/{id}/dns_records`
//! response whose `result` is that array
//! (<https://developers.cloudflare.com/api/resources/dns/subresources/records/methods/list/>),
//! so a real listing works as a seed. Each record is kept as the JSON text it was read as: fields
//! edgeplan does not know (`settings`, `meta`, `tags`, timestamps) survive, and a record the batch
//! does not touch is written back byte for byte. The file is replaced atomically (a temporary
//! file in the same directory, then a rename), so a reader never sees half a zone.
//!
//! Two processes may apply to one zone at once. A batch holds an exclusive advisory lock
//! (`flock`) on the sibling `.<zone>.json.lock` from its read to its rename, so neither
//! overwrites what the other wrote; a read holds a shared one when that file exists. A writer
//! killed half-way leaves `.<zone>.json.<PID>.<X>.tmp` behind; the next batch removes those
//! whose process is gone or that are older than a minute.

use std::fmt;
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use serde::de::{MapAccess, Visitor};
use serde_json::value::RawValue;

use crate::plan::{RecordData, RecordType, Stored, normalise};
use crate::provider::Error;

/// A zone file as read: its shape, its records' JSON text and their parsed form.
pub(super) struct ZoneFile {
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
    pub(super) fn read(path: &Path, zone: &str) -> Result<ZoneFile, Error> {
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
    pub(super) fn render(&self, raw: &[Box<RawValue>]) -> String {
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

    /// Replaces the file atomically ([`write_beside`]).
    pub(super) fn write(&self, text: &str) -> Result<(), Error> {
        let dir = self.path.parent().unwrap_or(Path::new("."));
        let fail = |e: std::io::Error| Error::Api {
            message: format!(
                "cannot write the sandbox zone file {}: {e}",
                self.path.display()
            ),
            help: Some(format!("check that {} is writable", dir.display())),
            source: Some(e.into()),
        };
        write_beside(&self.path, text, true).map_err(fail)
    }
}

/// Writes `text` to `path` whole or not at all: a temporary file beside it (a name no other run
/// picks: the process id and a random number), flushed to disk, then renamed over `path`
/// (`replace`), or linked to it only where no file has that name (else `AlreadyExists`). The
/// temporary file never stays.
pub(crate) fn write_beside(path: &Path, text: &str, replace: bool) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(
        ".{file_name}.{}.{:08x}.tmp",
        std::process::id(),
        fastrand::u32(..)
    ));
    let written = (|| {
        let mut f = File::create_new(&tmp)?;
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
        match replace {
            true => std::fs::rename(&tmp, path),
            false => std::fs::hard_link(&tmp, path).and_then(|()| std::fs::remove_file(&tmp)),
        }
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written
}

/// An advisory lock on a zone file's `.<zone>.json.lock`, held until dropped. The lock file
/// holds nothing and stays: removing it would let two processes lock two different files.
#[derive(Debug)]
pub(super) struct Lock {
    _file: File,
}

/// `DIR/.<zone>.json.lock` for `DIR/<zone>.json`.
fn lock_path(path: &Path) -> PathBuf {
    let dir = path.parent().unwrap_or(Path::new("."));
    dir.join(format!(".{}.lock", file_name(path)))
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Locks `path` for a read-apply-write: waits while another process holds the lock.
pub(super) fn lock_exclusive(path: &Path) -> Result<Lock, Error> {
    let lock = lock_path(path);
    let fail = |e: std::io::Error| Error::Api {
        message: format!(
            "cannot lock the sandbox zone file {} (through {}): {e}",
            path.display(),
            lock.display()
        ),
        help: Some(format!(
            "check that {} is writable",
            path.parent().unwrap_or(Path::new(".")).display()
        )),
        source: Some(e.into()),
    };
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&lock)
        .map_err(fail)?;
    file.lock().map_err(fail)?;
    Ok(Lock { _file: file })
}

/// Locks `path` for a read, so that it waits for a batch under way. Only when the lock file
/// exists (a read creates nothing, and a read-only sandbox can still be planned): without it no
/// batch ever ran, and the atomic rename keeps a reader from seeing half a file anyway.
pub(super) fn lock_shared(path: &Path) -> Option<Lock> {
    let file = File::open(lock_path(path)).ok()?;
    file.lock_shared().ok()?;
    Some(Lock { _file: file })
}

/// How old a temporary file may be before it counts as left behind whoever wrote it.
const STALE: Duration = Duration::from_secs(60);

/// Removes the temporary files a killed writer of `path` left (`.<zone>.json.<PID>.<X>.tmp`):
/// those whose process is gone, and any older than a minute. Best effort; called under
/// [`lock_exclusive`], when no writer that takes the lock is half-way.
pub(super) fn remove_stale_temporaries(path: &Path) {
    let dir = path.parent().unwrap_or(Path::new("."));
    let prefix = format!(".{}.", file_name(path));
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(pid) = name
            .strip_prefix(&prefix)
            .and_then(|rest| rest.strip_suffix(".tmp"))
            .and_then(|rest| rest.split_once('.'))
            .and_then(|(pid, _)| pid.parse::<u32>().ok())
        else {
            continue;
        };
        let old = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|at| at.elapsed().ok())
            .is_some_and(|age| age > STALE);
        if old || !alive(pid) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// Whether process `pid` runs. Where that cannot be told (no `/proc`), it counts as running and
/// only the age rule removes its files.
fn alive(pid: u32) -> bool {
    if pid == std::process::id() {
        return true;
    }
    let proc = Path::new("/proc");
    if cfg!(target_os = "linux") && proc.join("self").exists() {
        proc.join(pid.to_string()).exists()
    } else {
        true
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
