//! Finding the zone a manifest names.
//!
//! `GET /zones?name=` is an exact match, but several zones can share a name: the same domain in
//! two accounts, or a `pending` copy beside the `active` one
//! (<https://developers.cloudflare.com/api/resources/zones/methods/list/>). edgeplan writes to a
//! zone only when exactly one `active` zone has the name; anything else is an error that lists
//! the candidates so the user can pin one with `zone_id` (docs/cloudflare.md).

use futures_util::{StreamExt, TryStreamExt, stream};
use reqwest::Method;

use super::wire::{self, ResultInfo};
use super::{CloudflareClient, Error};
use crate::plan;

/// Batch and comment limits by plan
/// (<https://developers.cloudflare.com/dns/manage-dns-records/how-to/batch-record-changes/>,
/// <https://developers.cloudflare.com/dns/manage-dns-records/reference/record-attributes/>).
const FREE_BATCH_LIMIT: usize = 200;
const PAID_BATCH_LIMIT: usize = 3_500;
const FREE_COMMENT_LIMIT: usize = 100;
const PAID_COMMENT_LIMIT: usize = 500;

/// Zone pages followed at most; a name matches a handful of zones, never thousands.
const MAX_ZONE_PAGES: u64 = 20;

/// From this many name lookups on, edgeplan first asks for one page of the token's zones: when
/// every zone fits in no more pages than there are lookups, the listing replaces them. Below it
/// one lookup each costs at most as much (docs/apply.md, Several zones).
pub(crate) const LIST_FROM: usize = 3;

/// Pages of a listing followed at most (10,000 zones); past that, lookups by name.
const MAX_LIST_PAGES: u64 = 200;

/// Zones per page of a listing: the most `GET /zones` documents.
const LIST_PER_PAGE: u64 = 50;

/// Listing pages asked at once before the first answer says how many there are.
const LIST_PAGES_AT_ONCE: usize = 8;

/// What a name lookup found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Lookup {
    /// Exactly one active zone.
    Found(wire::ApiZone),
    /// No zone of that name is visible to the token.
    Missing,
    /// Zones exist but not exactly one is active: every candidate, for the message.
    Ambiguous(Vec<wire::ApiZone>),
}

impl CloudflareClient {
    /// Every zone named `name` that the token can see, all pages.
    pub async fn zones_named(&self, name: &str) -> Result<Vec<wire::ApiZone>, Error> {
        let mut zones = Vec::new();
        let mut page = 1u64;
        loop {
            let query = [
                ("name", name.to_string()),
                ("page", page.to_string()),
                ("per_page", "50".to_string()),
            ];
            let (batch, info): (Vec<wire::ApiZone>, Option<ResultInfo>) =
                self.call(Method::GET, "/zones", &query, None).await?;
            let empty = batch.is_empty();
            zones.extend(batch);
            let total = info.and_then(|i| i.total_pages).unwrap_or(1);
            if empty || page >= total || page >= MAX_ZONE_PAGES {
                break;
            }
            page += 1;
        }
        Ok(zones)
    }

    /// `GET /zones/{id}`.
    pub async fn zone_by_id(&self, id: &str) -> Result<wire::ApiZone, Error> {
        self.call(Method::GET, &format!("/zones/{id}"), &[], None)
            .await
            .map(|(zone, _)| zone)
    }

    /// Finds the one active zone named `name` (case-insensitive): in the token's zones when they
    /// were listed ([`CloudflareClient::list_zones`]) and it is there, else with a lookup by name.
    pub(crate) async fn lookup_zone(&self, name: &str) -> Result<Lookup, Error> {
        // The listing is trusted only for what it found: a zone it lacks (a page that shifted
        // while it was read, a server that sent fewer per page) is looked up by name.
        if let Some(zones) = self.listed(name)
            && let found @ Lookup::Found(_) = choose(name, zones)
        {
            return Ok(found);
        }
        let zones = self.zones_named(name).await?;
        Ok(choose(name, zones))
    }

    /// Every zone the token can see, when that takes at most `lookups` requests: the first page
    /// says how many there are. `None` when it would take more, or when the pages did not add up
    /// to the count the server gave (a zone added meanwhile): the names are then looked up one
    /// by one.
    ///
    /// The token sees at least the zones it is asked about, so the listing has at least
    /// `lookups / 50` pages: those are asked at once, in one round trip instead of one after
    /// another (a hundred zones: pages 1 and 2 together). A page past the end (names that do
    /// not exist) answers empty and adds nothing.
    pub async fn list_zones(&self, lookups: usize) -> Result<Option<Vec<wire::ApiZone>>, Error> {
        let sure = (lookups as u64)
            .div_ceil(LIST_PER_PAGE)
            .clamp(1, MAX_LIST_PAGES);
        let first: Vec<(Vec<wire::ApiZone>, Option<ResultInfo>)> = stream::iter(1..=sure)
            .map(|page| self.zone_page(page))
            .buffered(LIST_PAGES_AT_ONCE)
            .try_collect()
            .await?;
        let mut first = first.into_iter();
        let Some((mut zones, info)) = first.next() else {
            return Ok(None);
        };
        let info = info.unwrap_or_default();
        let Some(pages) = info.total_pages else {
            // Without paging, only a short first page is known to be all of it.
            return Ok((zones.len() < LIST_PER_PAGE as usize).then_some(zones));
        };
        if pages > lookups as u64 || pages > MAX_LIST_PAGES {
            return Ok(None);
        }
        // Pages asked together with the first one, up to the last page there is.
        zones.extend((first.take(pages.saturating_sub(1) as usize)).flat_map(|(z, _)| z));
        let rest: Vec<Vec<wire::ApiZone>> = stream::iter(sure + 1..=pages)
            .map(|page| async move { self.zone_page(page).await.map(|(z, _)| z) })
            .buffered(self.options().concurrency.max(1))
            .try_collect()
            .await?;
        zones.extend(rest.into_iter().flatten());
        let complete = info.total_count.is_none_or(|n| n == zones.len() as u64);
        Ok(complete.then_some(zones))
    }

    /// One page of `GET /zones`, every zone the token can see.
    async fn zone_page(
        &self,
        page: u64,
    ) -> Result<(Vec<wire::ApiZone>, Option<ResultInfo>), Error> {
        let query = [
            ("page", page.to_string()),
            ("per_page", LIST_PER_PAGE.to_string()),
        ];
        self.call(Method::GET, "/zones", &query, None).await
    }
}

/// Picks the single active zone named `name`.
pub(crate) fn choose(name: &str, zones: Vec<wire::ApiZone>) -> Lookup {
    let named: Vec<wire::ApiZone> = zones
        .into_iter()
        .filter(|z| z.name.eq_ignore_ascii_case(name))
        .collect();
    let active: Vec<&wire::ApiZone> = named
        .iter()
        .filter(|z| z.status.as_deref() == Some("active"))
        .collect();
    match (named.len(), active.as_slice()) {
        (0, _) => Lookup::Missing,
        (_, [one]) => Lookup::Found((*one).clone()),
        _ => Lookup::Ambiguous(named),
    }
}

/// The domain zone with the limits its plan allows. Cloudflare's schema marks the zone's `plan`
/// deprecated; a zone answered without it gets the Free limits, and a warning on stderr says so
/// ([`plan_unknown_warning`]).
pub fn to_plan_zone(zone: &wire::ApiZone) -> plan::Zone {
    if let Some(warning) = plan_unknown_warning(zone) {
        errln!("warning: {}", crate::render::inert(&warning));
    }
    let free = zone.is_free();
    plan::Zone {
        id: zone.id.clone(),
        name: zone.name.to_ascii_lowercase(),
        batch_limit: if free {
            FREE_BATCH_LIMIT
        } else {
            PAID_BATCH_LIMIT
        },
        comment_limit: if free {
            FREE_COMMENT_LIMIT
        } else {
            PAID_COMMENT_LIMIT
        },
    }
}

/// What to say when the zone's plan is not known: `plan` absent (deprecated in Cloudflare's
/// schema) or without `legacy_id` and `name`. `None` when the plan is known.
pub(crate) fn plan_unknown_warning(zone: &wire::ApiZone) -> Option<String> {
    let known = zone
        .plan
        .as_ref()
        .is_some_and(|p| p.legacy_id.is_some() || p.name.is_some());
    (!known).then(|| {
        format!(
            "zone {}: Cloudflare did not say the zone's plan (`plan` is deprecated in its API); \
             assuming the Free plan's limits: at most {FREE_BATCH_LIMIT} changes per batch and \
             record comments of at most {FREE_COMMENT_LIMIT} characters",
            zone.name.to_ascii_lowercase()
        )
    })
}

/// One line per candidate: `023e… (pending, account "Acme" 01a7…)`.
pub(crate) fn describe_candidates(zones: &[wire::ApiZone]) -> String {
    zones
        .iter()
        .map(|z| {
            let status = z.status.as_deref().unwrap_or("unknown status");
            let account = match &z.account {
                Some(a) => format!(
                    "account {} {}",
                    a.name
                        .as_deref()
                        .map_or("(unnamed)".to_string(), |n| format!("\"{n}\"")),
                    a.id.as_deref().unwrap_or("(no id)")
                ),
                None => "account unknown".to_string(),
            };
            format!("{} ({status}, {account})", z.id)
        })
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zone(id: &str, status: &str, plan: Option<&str>) -> wire::ApiZone {
        wire::ApiZone {
            id: id.into(),
            name: "Example.com".into(),
            status: Some(status.into()),
            account: None,
            plan: plan.map(|p| wire::ApiZonePlan {
                name: None,
                legacy_id: Some(p.into()),
            }),
            permissions: None,
        }
    }

    #[test]
    fn one_active_zone_wins_over_pending_copies() {
        let found = choose(
            "example.com",
            vec![zone("a", "pending", None), zone("b", "active", None)],
        );
        assert_eq!(found, Lookup::Found(zone("b", "active", None)));
    }

    #[test]
    fn two_active_zones_or_none_active_are_ambiguous() {
        let two = vec![zone("a", "active", None), zone("b", "active", None)];
        assert_eq!(choose("example.com", two.clone()), Lookup::Ambiguous(two));
        let pending = vec![zone("a", "pending", None)];
        assert_eq!(
            choose("example.com", pending.clone()),
            Lookup::Ambiguous(pending)
        );
        assert_eq!(choose("example.com", vec![]), Lookup::Missing);
    }

    #[test]
    fn plan_decides_limits_and_missing_plan_means_free() {
        let free = to_plan_zone(&zone("a", "active", None));
        assert_eq!((free.batch_limit, free.comment_limit), (200, 100));
        assert_eq!(free.name, "example.com");
        let pro = to_plan_zone(&zone("a", "active", Some("pro")));
        assert_eq!((pro.batch_limit, pro.comment_limit), (3_500, 500));
    }

    #[test]
    fn a_missing_plan_is_said_and_a_known_one_is_not() {
        let text = plan_unknown_warning(&zone("a", "active", None)).expect("warned");
        assert!(
            text.starts_with("zone example.com: Cloudflare did not say the zone's plan")
                && text.contains("Free plan's limits: at most 200 changes per batch"),
            "{text}"
        );
        assert_eq!(
            plan_unknown_warning(&zone("a", "active", Some("free"))),
            None
        );
        assert_eq!(
            plan_unknown_warning(&zone("a", "active", Some("pro"))),
            None
        );
    }
}
