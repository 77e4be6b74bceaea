//! The one pipeline behind `plan`, `apply` and `action`: read each manifest's zone, plan it,
//! probe the origins it points at, review every reason to refuse, apply, verify.
//!
//! Each stage fills in an [`Outcome`], which keeps every manifest beside its zone's plan. The
//! commands only present it: text for a terminal, markdown for the pull request, JSON for
//! machines, workflow commands for the runner. What a stage decides is decided here, once.

use crate::apply::{self, ApplyError, ZoneReport};
use crate::health::{self, ProbeOptions, ProbeResult, Refusal};
use crate::plan::{self, Desired, Live, MassDelete, Plan, ZonePlan};
use crate::provider::{self, Provider};

/// What a run found and did, zone by zone.
#[derive(Debug)]
pub struct Outcome {
    /// Every zone's plan, in manifest order (what the renderers and the fingerprint read).
    pub plan: Plan,
    /// Beside `plan.zones`, index for index: both are built together in [`plan`] and never
    /// reordered. Read them together through [`Outcome::zones`].
    facts: Vec<Facts>,
    /// Origin probes of the created or repointed endpoints that name a `health` check, in
    /// manifest order. Beside the plan, not in it: they are not part of its fingerprint.
    pub probes: Vec<ProbeResult>,
}

/// What the run knows about one zone besides its plan.
#[derive(Debug)]
struct Facts {
    desired: Desired,
    /// Why the safety limit refuses this zone's deletes, when it does.
    mass_delete: Option<MassDelete>,
    /// What applying did, once it did.
    applied: Option<ZoneReport>,
}

/// One zone of an [`Outcome`]: the manifest, its plan, and what was decided and done.
#[derive(Debug, Clone, Copy)]
pub struct Zone<'a> {
    pub desired: &'a Desired,
    pub plan: &'a ZonePlan,
    /// Why the safety limit refuses this zone's deletes, when it does.
    pub mass_delete: Option<&'a MassDelete>,
    pub applied: Option<&'a ZoneReport>,
}

impl Outcome {
    /// The zones in manifest order, each manifest beside its plan.
    pub fn zones(&self) -> impl Iterator<Item = Zone<'_>> {
        self.plan
            .zones
            .iter()
            .zip(&self.facts)
            .map(|(plan, f)| Zone {
                desired: &f.desired,
                plan,
                mass_delete: f.mass_delete.as_ref(),
                applied: f.applied.as_ref(),
            })
    }

    /// `sha256:<hex>` of the canonical plan JSON.
    pub fn fingerprint(&self) -> String {
        self.plan.fingerprint()
    }

    pub fn has_changes(&self) -> bool {
        self.plan.has_changes()
    }

    /// Conflicts or a mass delete: the plan must not be applied.
    pub fn blocked(&self) -> bool {
        self.zones()
            .any(|z| !z.plan.conflicts.is_empty() || z.mass_delete.is_some())
    }

    /// Why apply will not point DNS at the origins, when a probe failed.
    pub fn origin_refusal(&self) -> Option<Refusal> {
        health::refusal(&self.probes)
    }

    /// What applying did, zone by zone, for the zones it wrote to.
    pub fn reports(&self) -> Vec<&ZoneReport> {
        self.zones().filter_map(|z| z.applied).collect()
    }
}

/// Reads each manifest's zone and plans it, in manifest order, then reviews the safety limit
/// (`allow_deletes` lifts it). Targets on platforms known to refuse a foreign `Host` header get a
/// warning (see docs/origins.md).
pub async fn plan<P: Provider>(
    provider: &P,
    manifests: Vec<Desired>,
    allow_deletes: bool,
) -> Result<Outcome, provider::Error> {
    let mut zones = Vec::with_capacity(manifests.len());
    let mut facts = Vec::with_capacity(manifests.len());
    for desired in manifests {
        let zone = provider
            .zone(&desired.zone, desired.zone_id.as_deref())
            .await?;
        let records = provider.records(&zone).await?;
        let mut zp = plan::diff(&desired, &Live { zone, records });
        origin_hints(&mut zp);
        facts.push(Facts {
            mass_delete: plan::check_safety(&zp, allow_deletes).err(),
            desired,
            applied: None,
        });
        zones.push(zp);
    }
    Ok(Outcome {
        plan: Plan { zones },
        facts,
        probes: Vec::new(),
    })
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
            zp.warnings
                .push(format!("{} -> {}: {hint}", c.name, after.content));
        }
    }
}

/// Probes the origins of created or repointed endpoints that name a `health` check.
pub async fn probe(outcome: &mut Outcome, options: &ProbeOptions) {
    let endpoints: Vec<&plan::Endpoint> = outcome
        .zones()
        .flat_map(|z| health::endpoints_to_probe(z.desired, z.plan))
        .collect();
    if !endpoints.is_empty() {
        outcome.probes = health::probe_all(&endpoints, options).await;
    }
}

/// What the apply stage tells its presenter as it goes.
pub enum Event<'a> {
    /// A chunk is about to be sent, or was re-planned (chunk k of n).
    Progress(&'a str),
    /// A zone was applied and verified.
    Applied(&'a ZoneReport),
}

/// Applies every zone that has changes, one after the other, each atomically (or in chunks past
/// the zone's batch limit), and verifies it. Stops at the first zone that fails; what that zone
/// landed is in the error, and the zones applied before it are in the outcome.
pub async fn apply<P: Provider>(
    provider: &P,
    outcome: &mut Outcome,
    on: &mut dyn FnMut(Event<'_>),
) -> Result<(), ApplyFailure> {
    for (zp, facts) in outcome.plan.zones.iter().zip(outcome.facts.iter_mut()) {
        if zp.changes.is_empty() {
            continue;
        }
        let mut progress = |line: &str| on(Event::Progress(line));
        let report = apply::apply_zone(
            provider,
            &facts.desired,
            &zp.zone,
            zp.clone(),
            &mut progress,
        )
        .await
        .map_err(ApplyFailure)?;
        on(Event::Applied(&report));
        facts.applied = Some(report);
    }
    Ok(())
}

/// Why applying a zone stopped, and what had landed by then.
#[derive(Debug)]
pub struct ApplyFailure(pub ApplyError);

impl ApplyFailure {
    /// One sentence: the zone, what failed, and which chunks landed.
    pub fn message(&self) -> String {
        let e = &self.0;
        let message = e.error.to_string();
        // The provider's messages usually name the zone already.
        if message.contains(e.zone.as_str()) {
            format!("{message}; {}", e.landed)
        } else {
            format!("{}: {message}; {}", e.zone, e.landed)
        }
    }
}

impl ApplyFailure {
    /// The failure the command exits with: the provider's exit code and advice, or `help` when
    /// the provider has none.
    pub fn into_failure(self, help: &str) -> super::Failure {
        let message = self.message();
        let mut failure = super::Failure::from(self.0.error);
        failure.message = message;
        if failure.help.is_none() {
            failure.help = Some(help.to_string());
        }
        failure
    }
}
