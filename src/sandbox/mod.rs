//! The local sandbox: a second [`Provider`] beside the Cloudflare client, backed by one JSON file
//! per zone (the contract in README, Commands, `--sandbox DIR` or `EDGEPLAN_SANDBOX`).
//!
//! It is what "try it" runs against and what integration tests apply to. It enforces Cloudflare's
//! batch rules ([`rules`]) so a plan that the sandbox accepts is one Cloudflare accepts, and it
//! writes atomically, under a lock that lets two processes apply to one zone at once ([`file`]).
//! Limits default to the Free plan (200 records per batch, 100 characters per comment), the
//! strictest Cloudflare has.
//! <https://developers.cloudflare.com/dns/manage-dns-records/how-to/batch-record-changes/>

mod file;
pub(crate) mod rules;
#[cfg(test)]
mod tests;

use std::path::PathBuf;

use serde_json::value::RawValue;
use sha2::{Digest, Sha256};

use crate::plan::{Stored, Zone, normalise};
use crate::provider::{Batch, Error, Provider};
use file::ZoneFile;
pub(crate) use file::write_beside;
pub use rules::{AppliedWrites, apply_to};

/// A directory of zone files standing in for Cloudflare.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sandbox {
    dir: PathBuf,
    batch_limit: usize,
    comment_limit: usize,
}

impl Sandbox {
    /// A sandbox over `dir`, with the Free plan's limits.
    pub fn new(dir: impl Into<PathBuf>) -> Sandbox {
        Sandbox {
            dir: dir.into(),
            batch_limit: 200,
            comment_limit: 100,
        }
    }

    /// Other plan limits (paid plans: 3,500 records per batch, 500-character comments).
    pub fn with_limits(mut self, batch_limit: usize, comment_limit: usize) -> Sandbox {
        self.batch_limit = batch_limit;
        self.comment_limit = comment_limit;
        self
    }

    /// The file that holds zone `name`.
    pub(crate) fn path(&self, name: &str) -> PathBuf {
        self.dir.join(format!("{}.json", normalise::name(name)))
    }

    /// The zone file of `name`, checked to stay inside the directory.
    fn checked_path(&self, name: &str) -> Result<(String, PathBuf), Error> {
        let name = normalise::name(name);
        // A zone name is a hostname; anything that could climb out of the directory is refused.
        if name.is_empty() || name.contains(['/', '\\']) || name.starts_with('.') {
            return Err(Error::Rejected {
                message: format!("`{name}` is not a zone name the sandbox can hold"),
                help: None,
                source: None,
            });
        }
        let path = self.path(&name);
        Ok((name, path))
    }

    /// Reads zone `name` under a shared lock, so that a batch under way is waited for.
    fn read(&self, name: &str) -> Result<ZoneFile, Error> {
        let (name, path) = self.checked_path(name)?;
        let _lock = file::lock_shared(&path);
        ZoneFile::read(&path, &name)
    }
}

/// The id of a zone whose file carries none: 32 hex digits derived from the name, so it is the
/// same on every run and every machine.
pub(crate) fn derived_zone_id(name: &str) -> String {
    let hash = Sha256::digest(format!("edgeplan-sandbox:{}", normalise::name(name)).as_bytes());
    hash.iter().take(16).map(|b| format!("{b:02x}")).collect()
}

impl Provider for Sandbox {
    async fn zone(&self, name: &str, id: Option<&str>) -> Result<Zone, Error> {
        let file = self.read(name)?;
        let name = normalise::name(name);
        let zone_id = file
            .zone_id
            .clone()
            .unwrap_or_else(|| derived_zone_id(&name));
        if let Some(wanted) = id
            && wanted != zone_id
        {
            return Err(Error::Rejected {
                message: format!(
                    "zone_id {wanted} does not belong to {name}: the sandbox zone {name} has id {zone_id}"
                ),
                help: Some(format!(
                    "fix `zone_id` in the manifest or remove it ({})",
                    file.path.display()
                )),
                source: None,
            });
        }
        Ok(Zone {
            id: zone_id,
            name,
            batch_limit: self.batch_limit,
            comment_limit: self.comment_limit,
        })
    }

    async fn records(&self, zone: &Zone) -> Result<Vec<Stored>, Error> {
        Ok(self.read(&zone.name)?.records)
    }

    async fn batch(&self, zone: &Zone, batch: &Batch) -> Result<(), Error> {
        let (name, path) = self.checked_path(&zone.name)?;
        if !path.is_file() {
            // Says which file to create, and creates no lock file beside a zone that is not there.
            ZoneFile::read(&path, &name)?;
        }
        // Held from the read to the rename: another process's batch waits, then reads what this
        // one wrote, so neither overwrites the other's records.
        let _lock = file::lock_exclusive(&path)?;
        file::remove_stale_temporaries(&path);
        let file = ZoneFile::read(&path, &name)?;
        let mut records = file.records.clone();
        let applied = apply_to(&mut records, batch, zone, &mut new_id)?;
        let now = crate::time::now_rfc3339();

        let mut raw: Vec<Box<RawValue>> = Vec::with_capacity(records.len());
        for (old, r) in file.raw.iter().zip(&file.records) {
            if applied.deletes.contains(&r.id) {
                continue;
            }
            // The last write to an id decides (a record both patched and put ends overwritten).
            if applied.puts.contains(&r.id) {
                let reset = overwritten(old.get());
                raw.push(to_raw(&reset, stored(&records, &r.id), &now, zone)?);
            } else if applied.patches.contains(&r.id) {
                raw.push(to_raw(old.get(), stored(&records, &r.id), &now, zone)?);
            } else {
                // Untouched: the very bytes that were read.
                raw.push(old.clone());
            }
        }
        for id in &applied.posts {
            raw.push(to_raw("{}", stored(&records, id), &now, zone)?);
        }
        file.write(&file.render(&raw))
    }
}

fn stored<'a>(records: &'a [Stored], id: &str) -> Option<&'a Stored> {
    records.iter().find(|r| r.id == id)
}

/// What a put leaves of a record before its fields are set: Cloudflare documents a put as an
/// overwrite where unspecified fields take their defaults, so only the record's identity (`id`,
/// `zone_id`, `zone_name`, `created_on`) survives; `tags`, `settings`, `meta` and anything else are
/// reset (to `[]` and `{}`). An unreadable record keeps nothing.
fn overwritten(old: &str) -> String {
    use serde_json::{Map, Value};
    let obj: Map<String, Value> = serde_json::from_str(old).unwrap_or_default();
    let mut out: Map<String, Value> = ["id", "zone_id", "zone_name", "created_on"]
        .into_iter()
        .filter_map(|k| obj.get(k).map(|v| (k.to_owned(), v.clone())))
        .collect();
    out.insert("settings".into(), Value::Object(Map::new()));
    out.insert("meta".into(), Value::Object(Map::new()));
    out.insert("tags".into(), Value::Array(Vec::new()));
    serde_json::to_string(&out).unwrap_or_else(|_| "{}".into())
}

/// A record's JSON in Cloudflare's shape: the fields edgeplan manages are set, every other field
/// of `old` is kept (a patch; a put passes `old` through [`overwritten`] first).
fn to_raw(
    old: &str,
    stored: Option<&Stored>,
    now: &str,
    zone: &Zone,
) -> Result<Box<RawValue>, Error> {
    let internal = |what: &str| Error::Api {
        message: format!("sandbox: cannot write the record JSON ({what})"),
        help: None,
        source: None,
    };
    let stored = stored.ok_or_else(|| internal("the applied record is missing"))?;
    let (r, data) = (stored, &stored.data);
    let mut obj: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(old).map_err(|_| internal("the old record is not an object"))?;
    let fresh = obj.is_empty();
    use serde_json::Value;
    obj.insert("id".into(), Value::from(stored.id.clone()));
    obj.insert("name".into(), Value::from(r.name.clone()));
    obj.insert("type".into(), Value::from(r.kind.as_str()));
    obj.insert("content".into(), Value::from(data.content.clone()));
    obj.insert("proxiable".into(), Value::from(r.kind.proxiable()));
    obj.insert("proxied".into(), Value::from(data.proxied));
    obj.insert("ttl".into(), Value::from(data.ttl));
    obj.insert(
        "comment".into(),
        data.comment.clone().map_or(Value::Null, Value::from),
    );
    if fresh {
        obj.insert("zone_id".into(), Value::from(zone.id.clone()));
        obj.insert("settings".into(), Value::Object(Default::default()));
        obj.insert("meta".into(), Value::Object(Default::default()));
        obj.insert("tags".into(), Value::Array(Vec::new()));
        obj.insert("created_on".into(), Value::from(now));
    }
    obj.insert("modified_on".into(), Value::from(now));
    let text = serde_json::to_string(&obj).map_err(|_| internal("serialisation"))?;
    RawValue::from_string(text).map_err(|_| internal("raw value"))
}

/// A new record id: 32 lowercase hex digits, like Cloudflare's.
fn new_id() -> String {
    format!("{:016x}{:016x}", fastrand::u64(..), fastrand::u64(..))
}
