//! [`Provider`] for the Cloudflare client: the three operations `plan` and `apply` need, with
//! failures explained for the zone and operation at hand.
//!
//! When a batch hits a conflict (81053, 81054, 81058) Cloudflare does not say which item failed
//! (docs/cloudflare.md), so the zone is read again and the message names the
//! record that already holds the name. When a 403 comes back, `/user/tokens/verify` tells an
//! expired or disabled token apart from one that lacks a permission
//! (<https://developers.cloudflare.com/api/resources/user/subresources/tokens/methods/verify/>).

use super::advice::{Op, explain};
use super::error::{Class, Error};
use super::records::normalise;
use super::zones::{Lookup, describe_candidates, to_plan_zone};
use super::{CloudflareClient, wire};
use crate::plan::{RecordType, Stored, Zone};
use crate::provider::{self, Batch, Provider};

impl Provider for CloudflareClient {
    async fn zone(&self, name: &str, id: Option<&str>) -> Result<Zone, provider::Error> {
        let name = name.trim().trim_end_matches('.').to_ascii_lowercase();
        if let Some(id) = id {
            if !provider::is_sendable_zone_id(id) {
                return Err(provider::Error::Rejected {
                    message: format!("zone_id `{id}` for zone {name} is malformed"),
                    help: Some(
                        "zone_id is the zone's 32-character hex id from its Overview page; or \
                         remove zone_id to look the zone up by name"
                            .to_string(),
                    ),
                    source: None,
                });
            }
            let op = Op::ZoneById { name: &name, id };
            let zone = match self.zone_by_id(id).await {
                Ok(zone) => zone,
                Err(err) => return Err(self.fail(err, op, None).await),
            };
            if !zone.name.eq_ignore_ascii_case(&name) {
                return Err(provider::Error::Rejected {
                    message: format!(
                        "zone_id {id} is the zone {}, not {name}",
                        zone.name.to_ascii_lowercase()
                    ),
                    help: Some(
                        "fix `zone` or `zone_id` in the manifest so they name the same zone"
                            .to_string(),
                    ),
                    source: None,
                });
            }
            return Ok(to_plan_zone(&zone));
        }
        let op = Op::FindZone { name: &name };
        match self.lookup_zone(&name).await {
            Ok(Lookup::Found(zone)) => Ok(to_plan_zone(&zone)),
            Ok(Lookup::Missing) => Err(provider::Error::Rejected {
                message: format!("zone {name} not found, or the token cannot see it"),
                help: Some(
                    "check `zone` in the manifest; the token needs Zone:Zone:Read on that zone"
                        .to_string(),
                ),
                source: None,
            }),
            Ok(Lookup::Ambiguous(zones)) => Err(provider::Error::Rejected {
                message: format!(
                    "zone name {name} matches {} zones and not exactly one is active: {}",
                    zones.len(),
                    describe_candidates(&zones)
                ),
                help: Some(
                    "set `zone_id` in the manifest to the id of the zone to manage".to_string(),
                ),
                source: None,
            }),
            Err(err) => Err(self.fail(err, op, None).await),
        }
    }

    /// Lists the token's zones once when that replaces the lookups by name (see
    /// [`super::zones::LIST_FROM`]). A listing that fails costs only its request: each zone is
    /// then looked up by name, and that lookup's failure is explained for its zone.
    async fn expect_zones(&self, names: &[&str]) {
        if names.len() < super::zones::LIST_FROM {
            return;
        }
        if let Ok(Some(zones)) = self.list_zones(names.len()).await {
            self.remember_zones(zones);
        }
    }

    async fn records(&self, zone: &Zone) -> Result<Vec<Stored>, provider::Error> {
        match self.list_records(&zone.id).await {
            Ok(records) => Ok(records.iter().map(normalise).collect()),
            Err(err) => Err(self.fail(err, Op::List { zone: &zone.name }, None).await),
        }
    }

    async fn batch(&self, zone: &Zone, batch: &Batch) -> Result<(), provider::Error> {
        if batch.is_empty() {
            return Ok(());
        }
        if batch.len() > zone.batch_limit {
            return Err(provider::Error::Rejected {
                message: format!(
                    "a batch of {} changes exceeds zone {}'s limit of {} per batch",
                    batch.len(),
                    zone.name,
                    zone.batch_limit
                ),
                help: Some("split the changes into chunks of at most the limit".to_string()),
                source: None,
            });
        }
        let op = Op::Batch { zone: &zone.name };
        match self.send_batch(&zone.id, batch).await {
            Ok(_) => Ok(()),
            Err(err) if err.class() == Class::Conflict => {
                let detail = match self.list_records(&zone.id).await {
                    Ok(live) => holders(batch, &live),
                    Err(_) => None,
                };
                Err(explain(err, op, detail))
            }
            // A 5xx to a write says nothing about whether it landed: the caller reads the zone.
            Err(err) if err.class() == Class::Server => match explain(err, op, None) {
                provider::Error::Api {
                    message,
                    help,
                    source,
                } => Err(provider::Error::Server {
                    message,
                    help,
                    source,
                }),
                other => Err(other),
            },
            Err(err) => Err(self.fail(err, op, None).await),
        }
    }

    fn retry_budget(&self) -> std::time::Duration {
        self.options().retry.budget
    }
}

impl CloudflareClient {
    /// Explains `err`; a permission failure first asks `/user/tokens/verify` whether the token is
    /// still active, since "lacks a permission" is wrong advice for an expired token.
    async fn fail(&self, err: Error, op: Op<'_>, detail: Option<String>) -> provider::Error {
        if err.class() != Class::Permission {
            return explain(err, op, detail);
        }
        let status = match self.verify_token().await {
            Ok(t) if t.status != "active" && !t.status.is_empty() => Some(format!(
                "The token itself is {}{}",
                t.status,
                t.expires_on
                    .map_or(String::new(), |at| format!(" (expires_on {at})"))
            )),
            _ => None,
        };
        explain(err, op, status.or(detail))
    }
}

/// Names the live records that hold a name the batch wants: a CNAME beside an A, AAAA or CNAME
/// (81053/81054), or an identical record (81058). Deleted records and a patch's or put's own
/// record do not count, mirroring the batch order (deletes first).
fn holders(batch: &Batch, live: &[wire::ApiRecord]) -> Option<String> {
    let writes: Vec<(Option<&str>, &str, &RecordType, &str)> = (batch.patches.iter())
        .chain(&batch.puts)
        .map(|p| (Some(p.id.as_str()), &*p.name, &p.kind, &*p.data.content))
        .chain((batch.posts.iter()).map(|r| (None, &*r.name, &r.kind, &*r.data.content)))
        .collect();
    let mut found = Vec::new();
    for (own, name, kind, content) in writes {
        for rec in live {
            if batch.deletes.contains(&rec.id) || own == Some(rec.id.as_str()) {
                continue;
            }
            let have = normalise(rec);
            if have.name != name.to_ascii_lowercase() {
                continue;
            }
            let cname = RecordType::Cname;
            let clash = (*kind == cname && have.kind.proxiable())
                || (kind.proxiable() && have.kind == cname)
                || (have.kind == *kind && have.data.content.eq_ignore_ascii_case(content));
            if clash {
                found.push(format!(
                    "{} is already held by the {} record {} (id {}, comment {})",
                    have.name,
                    have.kind,
                    have.data.content,
                    have.id,
                    have.data
                        .comment
                        .as_deref()
                        .map_or("none".to_string(), |c| format!("\"{c}\""))
                ));
            }
        }
    }
    found.sort();
    found.dedup();
    match found.len() {
        0 => None,
        n if n > 5 => Some(format!("{} (and {} more)", found[..5].join("; "), n - 5)),
        _ => Some(found.join("; ")),
    }
}
