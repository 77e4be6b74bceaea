//! Reading every record of a zone, and writing records.
//!
//! A plan costs one zone call plus `ceil(N / 5000)` list calls: page 1 says how many pages there
//! are, and pages 2..n are fetched concurrently (bounded by `ClientOptions::concurrency`). Only
//! the paging the server echoed is trusted, because it may clamp `per_page` below what was asked
//! (docs/cloudflare.md,
//! <https://developers.cloudflare.com/api/resources/dns/subresources/records/methods/list/>).
//! Pages are not a consistent snapshot, so records are de-duplicated by id.
//!
//! Writes send every managed field (`proxied`, `ttl`, `comment`), and a proxied record is created
//! proxied in the same request so its origin is never published. Updates go as batch `patches`,
//! which keep what they do not name (a person's `tags`, `settings`); a put would reset those.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use reqwest::Method;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use super::error::Gap;
use super::wire::{self, BatchBody, IdOnly, RecordBody, ResultInfo};
use super::{CloudflareClient, Error};
use crate::plan;
use crate::plan::{Record, Stored};
use crate::provider::Batch;

/// Pages followed at most: 5,000 records a page makes this 10 million records. A listing that
/// says it has more is incomplete from its first page on: the rest is not read.
const MAX_PAGES: u64 = 2_000;

impl CloudflareClient {
    /// Every record of the zone, as the API returns them (de-duplicated by id, in page order).
    ///
    /// A listing that is not provably complete is never returned: the page cap was reached, or
    /// fewer distinct ids arrived than the first page's `total_count`. A short listing is read
    /// once more (records may have moved between pages), and if it is still incomplete the
    /// answer is [`Error::Incomplete`] (a record missing from the listing would otherwise be
    /// planned as a create). A listing past the page cap is not read again: the zone's size
    /// does not change between two reads. A page that fails after its retries fails the listing
    /// with its own error, without a second read: a server that failed a page through a whole
    /// retry budget is not asked for every page again.
    pub async fn list_records(&self, zone_id: &str) -> Result<Vec<wire::ApiRecord>, Error> {
        let incomplete = |gap| Error::Incomplete {
            path: format!("/zones/{zone_id}/dns_records"),
            gap,
        };
        match self.list_once(zone_id).await? {
            Listing::Complete(records) => Ok(records),
            Listing::Short(gap @ Gap::PageCap { .. }) => Err(incomplete(gap)),
            Listing::Short(_) => match self.list_once(zone_id).await? {
                Listing::Complete(records) => Ok(records),
                Listing::Short(gap) => Err(incomplete(gap)),
            },
        }
    }

    /// One read of every page, and whether it is provably complete. A page that fails after its
    /// retries fails the listing at once ([`CloudflareClient::list_records`] does not read it
    /// again: the retries already spent the call's budget on it).
    async fn list_once(&self, zone_id: &str) -> Result<Listing, Error> {
        let path = format!("/zones/{zone_id}/dns_records");
        let per_page = self.options().per_page.max(1);
        let (first, info) = self.page(&path, 1, per_page).await?;
        let counted = info.and_then(|i| i.total_count);
        let pages = total_pages(info, first.len());
        if pages > MAX_PAGES {
            // Reading the pages that are followed would not make the listing whole.
            return Ok(Listing::Short(Gap::PageCap {
                pages,
                cap: MAX_PAGES,
            }));
        }
        let mut all: Vec<Vec<wire::ApiRecord>> = vec![first];
        let mut unread = None;
        if pages > 1 {
            let limit = Arc::new(Semaphore::new(self.options().concurrency.max(1)));
            let mut tasks = JoinSet::new();
            let mut page_of = HashMap::new();
            for page in 2..=pages {
                let client = self.clone();
                let path = path.clone();
                let limit = limit.clone();
                let task = tasks.spawn(async move {
                    // The semaphore is never closed, so acquiring cannot fail; if it ever did,
                    // fetching without the bound is still correct.
                    let _permit = limit.acquire_owned().await.ok();
                    client.page(&path, page, per_page).await
                });
                page_of.insert(task.id(), page);
            }
            let mut rest: Vec<(u64, Vec<wire::ApiRecord>)> = Vec::new();
            while let Some(joined) = tasks.join_next_with_id().await {
                match joined {
                    Ok((id, result)) => {
                        rest.push((page_of.get(&id).copied().unwrap_or(0), result?.0));
                    }
                    Err(e) => {
                        unread.get_or_insert(Gap::Unread {
                            page: page_of.get(&e.id()).copied().unwrap_or(0),
                            detail: e.to_string(),
                        });
                    }
                }
            }
            rest.sort_by_key(|(page, _)| *page);
            all.extend(rest.into_iter().map(|(_, records)| records));
        }
        if let Some(gap) = unread {
            return Ok(Listing::Short(gap));
        }
        let mut seen = HashSet::new();
        let records: Vec<wire::ApiRecord> = all
            .into_iter()
            .flatten()
            .filter(|r| seen.insert(r.id.clone()))
            .collect();
        match counted {
            Some(total) if (records.len() as u64) < total => Ok(Listing::Short(Gap::Missing {
                arrived: records.len() as u64,
                counted: total,
            })),
            _ => Ok(Listing::Complete(records)),
        }
    }

    async fn page(
        &self,
        path: &str,
        page: u64,
        per_page: u32,
    ) -> Result<(Vec<wire::ApiRecord>, Option<ResultInfo>), Error> {
        let query = [
            ("page", page.to_string()),
            ("per_page", per_page.to_string()),
        ];
        self.call(Method::GET, path, &query, None).await
    }

    /// One record written on its own: `POST /zones/{id}/dns_records` creates it (`id` is
    /// `None`); `PUT /zones/{id}/dns_records/{record}` overwrites the record `id` with every field
    /// given.
    pub async fn write_record(
        &self,
        zone_id: &str,
        id: Option<&str>,
        record: &Record,
    ) -> Result<wire::ApiRecord, Error> {
        let body = to_json(&body(None, record))?;
        let (method, path) = match id {
            None => (Method::POST, format!("/zones/{zone_id}/dns_records")),
            Some(id) => (Method::PUT, format!("/zones/{zone_id}/dns_records/{id}")),
        };
        self.call(method, &path, &[], Some(&body))
            .await
            .map(|(r, _)| r)
    }

    /// `DELETE /zones/{id}/dns_records/{record}`.
    pub async fn delete_record(&self, zone_id: &str, id: &str) -> Result<Option<String>, Error> {
        let path = format!("/zones/{zone_id}/dns_records/{id}");
        self.call::<wire::Deleted>(Method::DELETE, &path, &[], None)
            .await
            .map(|(d, _)| d.id)
    }

    /// `POST /zones/{id}/dns_records/batch`: deletes, then patches, then puts, then posts, in one
    /// transaction.
    /// A 2xx is the proof that it landed: the records echoed back are not read, so a change in
    /// their shape cannot turn a landed batch into a failure (apply verifies with a fresh read).
    pub async fn send_batch(&self, zone_id: &str, batch: &Batch) -> Result<(), Error> {
        let body = to_json(&batch_body(batch))?;
        let path = format!("/zones/{zone_id}/dns_records/batch");
        self.call::<serde::de::IgnoredAny>(Method::POST, &path, &[], Some(&body))
            .await
            .map(|_| ())
    }
}

/// One read of a zone's records.
enum Listing {
    /// Every record the server counted arrived.
    Complete(Vec<wire::ApiRecord>),
    /// Some did not, and why.
    Short(Gap),
}

/// How many pages the listing has, from what the server said. Without `total_pages`, computes it
/// from `total_count` and the echoed `per_page`; without those, assumes one page.
fn total_pages(info: Option<ResultInfo>, first_len: usize) -> u64 {
    let Some(info) = info else { return 1 };
    if let Some(total) = info.total_pages {
        return total.max(1);
    }
    let per_page = info.per_page.or(info.count).unwrap_or(first_len as u64);
    match (info.total_count, per_page) {
        (Some(total), per) if per > 0 => total.div_ceil(per).max(1),
        _ => 1,
    }
}

/// The JSON body of a batch. Proxied records always carry `ttl: 1` (the API stores 1 anyway, and
/// anything else would show as a perpetual difference).
pub(super) fn batch_body(batch: &Batch) -> BatchBody {
    BatchBody {
        deletes: batch
            .deletes
            .iter()
            .map(|id| IdOnly { id: id.clone() })
            .collect(),
        patches: batch
            .patches
            .iter()
            .map(|p| body(Some(p.id.clone()), &p.record()))
            .collect(),
        puts: batch
            .puts
            .iter()
            .map(|p| body(Some(p.id.clone()), &p.record()))
            .collect(),
        posts: batch.posts.iter().map(|r| body(None, r)).collect(),
    }
}

fn body(id: Option<String>, r: &Record) -> RecordBody {
    RecordBody {
        id,
        kind: r.kind.clone(),
        name: r.name.clone(),
        content: r.data.content.clone(),
        proxied: r.data.proxied,
        ttl: if r.data.proxied { 1 } else { r.data.ttl },
        comment: r.data.comment.clone().unwrap_or_default(),
    }
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<serde_json::Value, Error> {
    serde_json::to_value(value).map_err(|e| Error::Config(format!("cannot encode request: {e}")))
}

/// A record as edgeplan compares it (see [`plan::normalise`]).
pub fn normalise(record: &wire::ApiRecord) -> Stored {
    plan::normalise::stored(
        &record.id,
        &record.name,
        &record.kind,
        &plan::RecordData {
            content: record.content.clone(),
            proxied: record.proxied,
            ttl: record.ttl,
            comment: record.comment.clone(),
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(
        per_page: Option<u64>,
        total_count: Option<u64>,
        total_pages: Option<u64>,
    ) -> ResultInfo {
        ResultInfo {
            per_page,
            count: None,
            total_count,
            total_pages,
        }
    }

    #[test]
    fn page_count_comes_from_what_the_server_said() {
        assert_eq!(total_pages(None, 5), 1);
        assert_eq!(total_pages(Some(info(Some(3), Some(10), Some(4))), 3), 4);
        // No total_pages: the echoed (clamped) per_page decides, not the one asked for.
        assert_eq!(total_pages(Some(info(Some(3), Some(10), None)), 3), 4);
        assert_eq!(total_pages(Some(info(Some(100), Some(0), Some(1))), 0), 1);
    }

    #[test]
    fn batch_body_sends_every_managed_field_and_ttl_1_when_proxied() {
        let rec = Record {
            name: "api.example.com".into(),
            kind: plan::RecordType::Cname,
            data: plan::RecordData {
                content: "origin.example.net".into(),
                proxied: true,
                ttl: 300,
                comment: None,
            },
        };
        let batch = Batch {
            deletes: vec!["d1".into()],
            patches: vec![Stored::new("u1".into(), rec.clone())],
            puts: vec![Stored::new("p1".into(), rec.clone())],
            posts: vec![rec],
        };
        let json = serde_json::to_value(batch_body(&batch)).expect("serialises");
        assert_eq!(
            json,
            serde_json::json!({
                "deletes": [{"id": "d1"}],
                "patches": [{"id": "u1", "type": "CNAME", "name": "api.example.com",
                          "content": "origin.example.net", "proxied": true, "ttl": 1, "comment": ""}],
                "puts": [{"id": "p1", "type": "CNAME", "name": "api.example.com",
                          "content": "origin.example.net", "proxied": true, "ttl": 1, "comment": ""}],
                "posts": [{"type": "CNAME", "name": "api.example.com",
                           "content": "origin.example.net", "proxied": true, "ttl": 1, "comment": ""}]
            })
        );
    }
}
