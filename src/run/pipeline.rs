//! The one pipeline behind `plan`, `apply` and `action`: read each manifest's zone, plan it,
//! probe the origins it points at, review every reason to refuse, apply, verify.
//!
//! Each stage fills in an [`Outcome`], which keeps every manifest beside its zone's plan. The
//! commands only present it: text for a terminal, markdown for the pull request, JSON for
//! machines, workflow commands for the runner. What a stage decides is decided here, once.

mod apply;
mod verdict;

use futures_util::{StreamExt, stream};

pub(super) use apply::{ApplyEvent, apply};
pub(super) use verdict::exit;

pub(super) use crate::plan::verdict::{Origins, Verdict, ZoneVerdict};

use crate::apply::ZoneReport;
use crate::health::{self, ProbeOptions, ProbeResult};
use crate::plan::{self, Desired, Live, MassDelete, Plan, ZonePlan};
use crate::provider::{self, Provider};

/// What a run found and did, zone by zone.
#[derive(Debug, Clone)]
pub(super) struct Outcome {
    /// Every zone's plan, in manifest order (what the renderers and the fingerprint read).
    pub plan: Plan,
    /// Beside `plan.zones`, index for index: both are built together in [`plan`] and never
    /// reordered. Read them together through [`Outcome::zones`].
    facts: Vec<ZoneFacts>,
    /// Origin probes of the created or repointed endpoints that name a `health` check, in
    /// manifest order. Beside the plan, not in it: they are not part of its fingerprint.
    pub probes: Vec<ProbeResult>,
    /// Whether the run may be applied, and why not: decided once, by [`plan`], from the plan,
    /// the safety limit and the probes. Every presenter reads it.
    verdict: Verdict,
}

/// What the run knows about one zone besides its plan.
#[derive(Debug, Clone)]
struct ZoneFacts {
    desired: Desired,
    /// Why the safety limit refuses this zone's deletes, when it does.
    mass_delete: Option<MassDelete>,
    /// What applying did, once it did.
    applied: Option<ZoneReport>,
}

/// One zone of an [`Outcome`]: the manifest, its plan, its verdict, and what was done.
#[derive(Debug, Clone, Copy)]
pub(super) struct ZoneOutcome<'a> {
    pub desired: &'a Desired,
    pub plan: &'a ZonePlan,
    /// What refuses this zone, and its counts.
    pub verdict: &'a ZoneVerdict,
    pub applied: Option<&'a ZoneReport>,
}

impl Outcome {
    /// The zones in manifest order, each manifest beside its plan and its verdict.
    pub(super) fn zones(&self) -> impl Iterator<Item = ZoneOutcome<'_>> {
        self.plan
            .zones
            .iter()
            .zip(&self.facts)
            .zip(&self.verdict.zones)
            .map(|((plan, f), verdict)| ZoneOutcome {
                desired: &f.desired,
                plan,
                verdict,
                applied: f.applied.as_ref(),
            })
    }

    /// `sha256:<hex>` of the canonical plan JSON.
    pub(super) fn fingerprint(&self) -> String {
        self.plan.fingerprint()
    }

    pub(super) fn has_changes(&self) -> bool {
        self.plan.has_changes()
    }

    /// Whether the run may be applied, with every reason it may not (computed once, in
    /// [`plan`]).
    pub(super) fn verdict(&self) -> &Verdict {
        &self.verdict
    }

    /// Lifts the safety limit on deletes once the plan is known (the Action's label
    /// `edgeplan/allow-deletes`, read on the merged pull request only when the limit refuses):
    /// the verdict is reviewed again without the limit. Returns the limits it lifted. Call it
    /// before [`Outcome::refuse`]: the run's own reasons are decided after it.
    pub(super) fn allow_deletes(&mut self) -> Vec<MassDelete> {
        let lifted: Vec<MassDelete> = (self.facts.iter_mut())
            .filter_map(|f| f.mass_delete.take())
            .collect();
        if !lifted.is_empty() {
            self.verdict = verdict::review(
                &self.plan,
                (self.facts.iter()).map(|f| f.mass_delete.as_ref()),
                &self.probes,
                self.verdict.origins,
            );
        }
        lifted
    }

    /// Refuses the whole run for a reason the Action decides once the plan is known (the plan
    /// is not the reviewed one, a stale commit): the verdict every presenter and the exit code
    /// then read. Nothing is applied after this.
    pub(super) fn refuse(&mut self, reason: crate::plan::verdict::Reason) {
        self.verdict.refuse(reason);
    }
}

/// Zones applied at once. Cloudflare's rate limit (1,200 requests per five minutes) is per user
/// for a user token (every token, key and dashboard session of that user together) and per token
/// for an account-owned token, and the shared [`crate::retry::RateGate`] paces every request
/// under it; eight batches at once keep a large apply from bursting (docs/apply.md).
pub(super) const ZONES_IN_FLIGHT: usize = 8;

/// Zones read at once: as many as may start in one second ([`ZONE_READS_PER_SECOND`]). A read
/// is one request for a zone of up to 5,000 records, so a hundred zones are one round instead of
/// thirteen at eight, and a round trip of latency hardly shows (BENCHMARKS.md, "Many zones under
/// latency").
pub(super) const ZONE_READS_IN_FLIGHT: usize = ZONE_READS_PER_SECOND;

/// Zone reads started in any one second at most: Cloudflare also allows 200 requests per second
/// from one address (<https://developers.cloudflare.com/fundamentals/api/reference/limits/>);
/// half of it leaves room for the extra pages of large zones and for other tools.
pub(super) const ZONE_READS_PER_SECOND: usize = 100;

/// What the review weighs besides the plan.
#[derive(Debug, Clone, Copy)]
pub(super) struct Review<'a> {
    /// Lifts the safety limit on deletes.
    pub allow_deletes: bool,
    /// Probe the origins with these options; `None`: the probes are off, and the verdict says
    /// the origins were not checked.
    pub probes: Option<&'a ProbeOptions>,
}

/// Reads each manifest's zone and plans it, [`ZONE_READS_IN_FLIGHT`] zones at a time, probes the
/// origins, then reviews every reason to refuse: the one [`Verdict`] of the run. Targets on
/// platforms known to refuse a foreign `Host` header get a warning (see docs/origins.md).
pub(super) async fn plan<P: Provider>(
    provider: &P,
    manifests: Vec<Desired>,
    review: Review<'_>,
) -> Result<Outcome, provider::Error> {
    plan_with(provider, manifests, review, ZONE_READS_IN_FLIGHT).await
}

/// [`plan`] with `in_flight` zones read at once (1: one after the other). The outcome is in
/// manifest order whatever the bound, and the first failure in manifest order is the one
/// returned, as a sequential read would (every zone is read first).
pub(super) async fn plan_with<P: Provider>(
    provider: &P,
    manifests: Vec<Desired>,
    review: Review<'_>,
    in_flight: usize,
) -> Result<Outcome, provider::Error> {
    let lookups: Vec<&str> = (manifests.iter())
        .filter(|d| d.zone_id.is_none())
        .map(|d| d.zone.as_str())
        .collect();
    provider.expect_zones(&lookups).await;
    // Unordered, so that a zone held up (a 429, a slow page) does not hold the next ones back;
    // put back in manifest order before anything reads them. The n-th read starts no earlier
    // than n / ZONE_READS_PER_SECOND seconds after the first.
    let start = tokio::time::Instant::now();
    let mut read: Vec<(usize, Result<Live, provider::Error>)> = stream::iter(manifests.iter())
        .enumerate()
        .map(|(i, desired)| async move {
            let second = (i / ZONE_READS_PER_SECOND) as u64;
            tokio::time::sleep_until(start + std::time::Duration::from_secs(second)).await;
            (i, read_zone(provider, desired).await)
        })
        .buffer_unordered(in_flight.max(1))
        .collect()
        .await;
    read.sort_by_key(|(i, _)| *i);
    let (lives, failed): (Vec<_>, Vec<_>) =
        read.into_iter().map(|(_, r)| r).partition(Result::is_ok);
    if let Some(worst) =
        provider::Error::worst(failed.into_iter().filter_map(Result::err).collect())
    {
        return Err(worst);
    }
    let lives: Vec<Live> = lives.into_iter().filter_map(Result::ok).collect();
    let mut zones = Vec::with_capacity(manifests.len());
    let mut facts = Vec::with_capacity(manifests.len());
    for (desired, live) in manifests.into_iter().zip(lives) {
        let mut zp = plan::diff(&desired, &live);
        origin_hints(&mut zp);
        facts.push(ZoneFacts {
            mass_delete: plan::check_safety(&zp, review.allow_deletes).err(),
            desired,
            applied: None,
        });
        zones.push(zp);
    }
    let plan = Plan { zones };
    let probes = match review.probes {
        Some(options) => probe(&plan, &facts, options).await,
        None => Vec::new(),
    };
    let origins = if review.probes.is_some() {
        Origins::Checked
    } else {
        Origins::NotChecked
    };
    let verdict = verdict::review(
        &plan,
        (facts.iter()).map(|f| f.mass_delete.as_ref()),
        &probes,
        origins,
    );
    Ok(Outcome {
        plan,
        facts,
        probes,
        verdict,
    })
}

/// One manifest's zone as it is now: found by name, then every record. With `zone_id` the id is
/// known, so the records are read while the zone is checked (one round trip less); the check
/// decides: when it fails, its error is the one returned, at once, and the records read is dropped.
/// An id the check would refuse unsent (not one path segment) is never sent in a records read.
async fn read_zone<P: Provider>(provider: &P, desired: &Desired) -> Result<Live, provider::Error> {
    let id = (desired.zone_id.as_deref()).filter(|id| provider::is_sendable_zone_id(id));
    let Some(id) = id else {
        let zone = provider
            .zone(&desired.zone, desired.zone_id.as_deref())
            .await?;
        let records = provider.records(&zone).await?;
        return Ok(Live { zone, records });
    };
    // The limits are the check's; a records read uses only the id and the name.
    let known = plan::Zone {
        id: id.to_string(),
        name: desired.zone.clone(),
        batch_limit: 0,
        comment_limit: 0,
    };
    let check = std::pin::pin!(provider.zone(&desired.zone, Some(id)));
    let read = std::pin::pin!(provider.records(&known));
    // A failed check ends the zone at once (the records read is dropped, not waited for); a
    // records read that ends first waits for the check, whose error comes first.
    match futures_util::future::select(check, read).await {
        futures_util::future::Either::Left((zone, read)) => {
            let zone = zone?;
            Ok(Live {
                zone,
                records: read.await?,
            })
        }
        futures_util::future::Either::Right((records, check)) => {
            let zone = check.await?;
            Ok(Live {
                zone,
                records: records?,
            })
        }
    }
}

/// A warning for each created or repointed name whose target is on a platform that answers
/// requests for a foreign `Host` with an error.
fn origin_hints(zp: &mut ZonePlan) {
    for c in &zp.changes {
        let Some(after) = &c.after else { continue };
        let repointed = c.before.as_ref().is_none_or(|b| b.content != after.content);
        if !repointed || c.kind != plan::RecordType::Cname {
            continue;
        }
        if let Some(hint) = health::origin_hint(&after.content) {
            zp.warnings.push(plan::Warning::Platform {
                name: c.name.clone(),
                target: after.content.clone(),
                hint: hint.to_string(),
            });
        }
    }
}

/// Probes the origins of created or repointed endpoints that name a `health` check.
async fn probe(plan: &Plan, facts: &[ZoneFacts], options: &ProbeOptions) -> Vec<ProbeResult> {
    let endpoints: Vec<&plan::Endpoint> = (plan.zones.iter())
        .zip(facts)
        .flat_map(|(zp, f)| health::endpoints_to_probe(&f.desired, zp))
        .collect();
    if endpoints.is_empty() {
        return Vec::new();
    }
    health::probe_all(&endpoints, options).await
}
