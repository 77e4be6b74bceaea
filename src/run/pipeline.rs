//! The one pipeline behind `plan`, `apply` and `action`: read each manifest's zone, plan it,
//! probe the origins it points at, review every reason to refuse, apply, verify.
//!
//! Each stage fills in an [`Outcome`], which keeps every manifest beside its zone's plan. The
//! commands only present it: text for a terminal, markdown for the pull request, JSON for
//! machines, workflow commands for the runner. What a stage decides is decided here, once.

mod apply;

use futures_util::{StreamExt, stream};

pub use apply::{Event, apply};

use crate::apply::ZoneReport;
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

    /// Conflicts, comments too long for the zone, or a mass delete: the plan must not be
    /// applied.
    pub fn blocked(&self) -> bool {
        self.zones().any(|z| {
            !z.plan.conflicts.is_empty()
                || !z.plan.long_comments.is_empty()
                || z.mass_delete.is_some()
        })
    }

    /// Why apply will not point DNS at the origins, when a probe failed.
    pub fn origin_refusal(&self) -> Option<Refusal> {
        health::refusal(&self.probes)
    }

    /// What applying did, zone by zone, for the zones it wrote to.
    pub fn reports(&self) -> Vec<&ZoneReport> {
        self.zones().filter_map(|z| z.applied).collect()
    }

    /// What merge would do with this outcome, computed once from all of it: every presenter
    /// (comment, step summary, exit code) reads this. `origins` says whether the probes ran.
    pub fn verdict(&self, origins: Origins) -> Verdict {
        let zones = self
            .zones()
            .map(|z| {
                let changes = z.plan.changes.len();
                let mut refused = Vec::new();
                if !z.plan.conflicts.is_empty() {
                    refused.push(Reason::Conflicts(z.plan.conflicts.len()));
                }
                if !z.plan.long_comments.is_empty() {
                    refused.push(Reason::LongComments(z.plan.long_comments.len()));
                }
                if let Some(m) = z.mass_delete {
                    refused.push(Reason::MassDelete(m.clone()));
                }
                let chunks = if changes == 0 {
                    0
                } else {
                    plan::to_batches(z.plan, z.plan.zone.batch_limit).len()
                };
                ZoneVerdict {
                    zone: z.plan.zone.name.clone(),
                    changes,
                    chunks,
                    limit: z.plan.zone.batch_limit,
                    refused,
                }
            })
            .collect();
        let failed_origins = match origins {
            Origins::Checked => self
                .probes
                .iter()
                .filter(|p| !p.is_healthy())
                .map(|p| p.name.clone())
                .collect(),
            Origins::NotChecked => Vec::new(),
        };
        Verdict {
            zones,
            origin: match origins {
                Origins::Checked => self.origin_refusal(),
                Origins::NotChecked => None,
            },
            failed_origins,
            origins,
        }
    }
}

/// Whether the origin probes ran for this outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origins {
    Checked,
    /// Probes were off (`skip-health`, `--skip-health`): the verdict cannot promise an apply.
    NotChecked,
}

/// Why merge would refuse a zone.
#[derive(Debug, Clone)]
pub enum Reason {
    /// This many names are held by records edgeplan may not touch.
    Conflicts(usize),
    /// The safety limit on deletes (with the `allow-deletes` the run was given).
    MassDelete(MassDelete),
    /// This many endpoints have a comment longer than the zone accepts.
    LongComments(usize),
}

/// What merge would do in one zone.
#[derive(Debug, Clone)]
pub struct ZoneVerdict {
    pub zone: String,
    pub changes: usize,
    /// Batch requests the apply sends: 1 is one transaction, more are not atomic together.
    pub chunks: usize,
    /// The zone's batch limit (changes per request).
    pub limit: usize,
    /// Empty unless this zone alone would stop the merge's apply.
    pub refused: Vec<Reason>,
}

/// What merge would do, computed once from the whole outcome ([`Outcome::verdict`]). Apply
/// refuses the whole run (every zone) when any zone is refused or any origin failed its probe.
#[derive(Debug, Clone)]
pub struct Verdict {
    pub zones: Vec<ZoneVerdict>,
    /// Why apply will not point DNS at the origins, when a probe failed.
    pub origin: Option<Refusal>,
    /// The names whose origin failed its probe.
    pub failed_origins: Vec<String>,
    pub origins: Origins,
}

impl Verdict {
    /// True when merge would refuse to apply anything: the preview then exits 1.
    pub fn refused(&self) -> bool {
        self.origin.is_some() || self.zones.iter().any(|z| !z.refused.is_empty())
    }

    pub fn has_changes(&self) -> bool {
        self.zones.iter().any(|z| z.changes > 0)
    }

    /// The verdict in words: a headline, then one line per zone (and per refusal reason).
    /// `code` formats a value (a code span in Markdown, the value itself in a terminal).
    /// `drift` words it for a run that is not a pull request: what the next apply would do.
    pub fn words(&self, code: &dyn Fn(&str) -> String, drift: bool) -> (String, Vec<String>) {
        (self.headline(code, drift), self.detail(code, true))
    }

    /// The detail lines as an apply that was refused says them (about its own inputs, not
    /// assumed ones).
    pub fn refusal_lines(&self, code: &dyn Fn(&str) -> String) -> Vec<String> {
        self.detail(code, false)
    }

    /// The one line that says what merge (or the next apply) does.
    fn headline(&self, code: &dyn Fn(&str) -> String, drift: bool) -> String {
        let total: usize = self.zones.iter().map(|z| z.changes).sum();
        let next = if drift { "The next apply" } else { "Merge" };
        if self.refused() {
            let why = self.reasons(code);
            let verb = if drift {
                "would be refused"
            } else {
                "will be refused"
            };
            format!("{next} {verb}: {why}")
        } else if total == 0 {
            if drift {
                "No drift: every zone matches the manifests.".to_string()
            } else {
                "Merge changes nothing: every zone already matches the manifests.".to_string()
            }
        } else {
            let with_changes: Vec<&ZoneVerdict> =
                self.zones.iter().filter(|z| z.changes > 0).collect();
            let how = |z: &ZoneVerdict| {
                if z.chunks <= 1 {
                    "in one atomic batch".to_string()
                } else {
                    format!("in {} batches, not atomic", z.chunks)
                }
            };
            let mut h = match with_changes.as_slice() {
                [z] if drift => format!(
                    "Drift: {total} record{} from the manifests; the next apply would make {total} change{} to {} {}",
                    if total == 1 { " differs" } else { "s differ" },
                    plural(total),
                    code(&z.zone),
                    how(z)
                ),
                zs if drift => format!(
                    "Drift: {total} records differ from the manifests in {} zones; the next apply would make one transaction per zone at most (never across zones)",
                    zs.len()
                ),
                [z] => format!(
                    "Merge applies {} change{} to {} {}",
                    z.changes,
                    plural(z.changes),
                    code(&z.zone),
                    how(z)
                ),
                zs => format!(
                    "Merge applies {total} changes to {} zones, one transaction per zone at most (never across zones)",
                    zs.len()
                ),
            };
            if self.origins == Origins::NotChecked {
                h.push_str(", if the origins pass their checks (not checked here)");
            }
            h
        }
    }

    /// Why merge (or an apply) is refused, in one clause: failed origins, then each zone's
    /// reasons (empty when nothing refuses it).
    pub fn reasons(&self, code: &dyn Fn(&str) -> String) -> String {
        let mut why = Vec::new();
        if !self.failed_origins.is_empty() {
            let names: Vec<String> = self.failed_origins.iter().map(|n| code(n)).collect();
            why.push(format!("origin check failed for {}", names.join(", ")));
        }
        for z in &self.zones {
            for r in &z.refused {
                why.push(match r {
                    Reason::Conflicts(n) => {
                        format!("{} conflict{} in {}", n, plural(*n), code(&z.zone))
                    }
                    Reason::MassDelete(m) => format!(
                        "{} of {} owned records in {} would be deleted",
                        m.deletes,
                        m.owned,
                        code(&z.zone)
                    ),
                    Reason::LongComments(n) => {
                        format!("{n} comment{} too long for {}", plural(*n), code(&z.zone))
                    }
                });
            }
        }
        why.join("; ")
    }

    /// The lines under the headline: per zone, and what to do about a refusal.
    fn detail(&self, code: &dyn Fn(&str) -> String, preview: bool) -> Vec<String> {
        let mut lines = Vec::new();
        for z in &self.zones {
            if z.changes > 0 && z.refused.is_empty() && z.chunks > 1 {
                lines.push(format!(
                    "{}: {} changes go in {} batch requests (the zone takes at most {} per batch). Each batch is atomic, the whole is not: a failure part-way leaves the earlier batches applied; re-running the apply finishes the rest.",
                    code(&z.zone),
                    z.changes,
                    z.chunks,
                    z.limit
                ));
            } else if (2..crate::render::zones::MANY).contains(&self.zones.len())
                && z.refused.is_empty()
            {
                // From MANY zones on, the comment's table says this per zone.
                lines.push(if z.changes == 0 {
                    format!("{}: no changes.", code(&z.zone))
                } else {
                    format!(
                        "{}: {} change{} in one atomic batch.",
                        code(&z.zone),
                        z.changes,
                        plural(z.changes)
                    )
                });
            }
            for r in &z.refused {
                lines.push(match r {
                    Reason::Conflicts(n) => format!(
                        "{}: refused, {} name{} held by records edgeplan does not own (see the conflicts below).",
                        code(&z.zone),
                        n,
                        plural(*n)
                    ),
                    Reason::LongComments(n) => format!(
                        "{}: refused, {} endpoint comment{} with the ownership marker longer than the zone accepts (Free plans 100 characters, paid 500): Cloudflare would refuse the write. Shorten them in the manifest.",
                        code(&z.zone),
                        n,
                        plural(*n)
                    ),
                    Reason::MassDelete(m) => format!(
                        "{}: refused, {} deletes of {} owned records exceed the safety limit of {}. {}; if the deletes are intended, set the action input {} on the apply job{}.",
                        code(&z.zone),
                        m.deletes,
                        m.owned,
                        m.limit,
                        if preview {
                            format!("This preview assumed {} as the apply job's input", code("allow-deletes: false"))
                        } else {
                            format!("This apply ran with {}", code("allow-deletes: false"))
                        },
                        code("allow-deletes: true"),
                        if preview { "" } else { " and run it again" }
                    ),
                });
            }
        }
        if !self.failed_origins.is_empty() {
            lines.push(format!(
                "Apply refuses to point DNS at an origin whose health check fails: bring it up or fix its {} path in the manifest, or set the action input {} to apply anyway.",
                code("health"),
                code("skip-health: true")
            ));
        }
        if self.origins == Origins::NotChecked && self.has_changes() {
            lines.push(if preview {
                format!(
                    "Origins not checked (probes off): the apply job checks them before applying, unless it sets {}, and refuses an origin that fails.",
                    code("skip-health: true")
                )
            } else {
                format!(
                    "Origins not checked: this apply ran with {}.",
                    code("skip-health: true")
                )
            });
        }
        lines
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// Zones read, or applied, at once. Cloudflare's rate limit is per token (1,200 requests per
/// five minutes), so more in flight would only queue at the shared [`crate::retry::RateGate`];
/// eight turn a hundred zones at 20 ms a round trip into about thirteen rounds (docs/apply.md).
pub const ZONES_IN_FLIGHT: usize = 8;

/// Reads each manifest's zone and plans it, [`ZONES_IN_FLIGHT`] zones at a time, then reviews the
/// safety limit (`allow_deletes` lifts it). Targets on platforms known to refuse a foreign `Host`
/// header get a warning (see docs/origins.md).
pub async fn plan<P: Provider>(
    provider: &P,
    manifests: Vec<Desired>,
    allow_deletes: bool,
) -> Result<Outcome, provider::Error> {
    plan_with(provider, manifests, allow_deletes, ZONES_IN_FLIGHT).await
}

/// [`plan`] with `in_flight` zones read at once (1: one after the other). The outcome is in
/// manifest order whatever the bound, and the first failure in manifest order is the one
/// returned, as a sequential read would (every zone is read first).
pub async fn plan_with<P: Provider>(
    provider: &P,
    manifests: Vec<Desired>,
    allow_deletes: bool,
    in_flight: usize,
) -> Result<Outcome, provider::Error> {
    let lookups: Vec<&str> = (manifests.iter())
        .filter(|d| d.zone_id.is_none())
        .map(|d| d.zone.as_str())
        .collect();
    provider.expect_zones(&lookups).await;
    // Unordered, so that a zone held up (a 429, a slow page) does not hold the next ones back;
    // put back in manifest order before anything reads them.
    let mut read: Vec<(usize, Result<Live, provider::Error>)> = stream::iter(manifests.iter())
        .enumerate()
        .map(|(i, desired)| async move { (i, read_zone(provider, desired).await) })
        .buffer_unordered(in_flight.max(1))
        .collect()
        .await;
    read.sort_by_key(|(i, _)| *i);
    let lives = (read.into_iter())
        .map(|(_, live)| live)
        .collect::<Result<Vec<Live>, _>>()?;
    let mut zones = Vec::with_capacity(manifests.len());
    let mut facts = Vec::with_capacity(manifests.len());
    for (desired, live) in manifests.into_iter().zip(lives) {
        let mut zp = plan::diff(&desired, &live);
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

/// One manifest's zone as it is now: found by name (or checked by id), then every record.
async fn read_zone<P: Provider>(provider: &P, desired: &Desired) -> Result<Live, provider::Error> {
    let zone = provider
        .zone(&desired.zone, desired.zone_id.as_deref())
        .await?;
    let records = provider.records(&zone).await?;
    Ok(Live { zone, records })
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
