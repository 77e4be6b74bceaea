//! Applying a zone's plan: atomic batches, re-plan on an unknown outcome, verify at the end.
//!
//! docs/apply.md has the user's view. Every change of a zone goes into Cloudflare's batch endpoint,
//! one transaction; a plan larger than the zone's batch limit is split into chunks, deletes first
//! (see [`crate::plan::to_batches`]). Records are created proxied in the request that creates them,
//! so an origin is never published unproxied.
//!
//! A batch whose outcome is unknown (the connection dropped after the request was sent) is never
//! resent: the zone is read again and re-planned, and only what is still missing is applied. So a
//! write that did land is not repeated, and nothing is created twice.
//!
//! A batch that failed with an answer is judged by reading the zone again, too:
//!
//! - a server error (5xx): if the batch landed anyway, the apply carries on; if nothing of it
//!   landed, it is sent again (re-planned from that read) within the retry budget;
//! - a refusal (a name already held, a record already gone): if the fresh plan is empty, another
//!   apply got there first and the zone already holds the change; if the zone changed so that the
//!   refused batch is no longer what it needs, what is still missing is sent, within the budget;
//!   otherwise the refusal stands.
//!
//! <https://developers.cloudflare.com/dns/manage-dns-records/how-to/batch-record-changes/>

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::plan::{self, Desired, Live, Zone, ZonePlan};
use crate::provider::{self, Provider};

mod failure;
mod landed;

use failure::{ChunkSend, Next};
use landed::{BatchFailure, landed};

/// How many times an unknown outcome may send us back to re-read and re-plan.
const MAX_REPLANS: usize = 3;

/// How many times a zone's batch may be sent again after failures that a fresh read showed had
/// not landed (or that the zone's own changes made moot), within the retry budget.
const MAX_RESENDS: usize = 3;

/// What an apply did to one zone.
#[derive(Debug, Clone)]
pub(crate) struct ZoneReport {
    pub zone: String,
    pub created: usize,
    pub updated: usize,
    pub deleted: usize,
    /// Batch requests that landed.
    pub batches: usize,
    /// Times the zone was re-read and re-planned after an unknown outcome.
    pub replans: usize,
    /// Batch requests whose answer was lost and that the re-read showed had landed; they are
    /// counted in `batches` and in the created, updated and deleted counts.
    pub unanswered: usize,
    /// Times a batch was sent again after a failure that, the zone read again showed, had not
    /// landed, or after a refusal of a zone that had changed meanwhile.
    pub resent: usize,
    /// Changes the zone turned out to hold already when a refused batch made us read it again:
    /// another apply made them first.
    pub already_held: usize,
    pub elapsed: Duration,
}

impl ZoneReport {
    fn new(zone: &str) -> ZoneReport {
        ZoneReport {
            zone: zone.to_string(),
            created: 0,
            updated: 0,
            deleted: 0,
            batches: 0,
            replans: 0,
            unanswered: 0,
            resent: 0,
            already_held: 0,
            elapsed: Duration::ZERO,
        }
    }

    /// Counts a batch that landed.
    fn landed(&mut self, batch: &provider::Batch) {
        self.batches += 1;
        self.deleted += batch.deletes.len();
        self.updated += batch.patches.len() + batch.puts.len();
        self.created += batch.posts.len();
    }

    /// The one line `apply` (and the action's log) prints for a zone.
    pub(crate) fn line(&self, fingerprint: Option<&str>) -> String {
        let plan = fingerprint
            .map(|f| format!(" plan {f}"))
            .unwrap_or_default();
        let replans = match self.replans {
            0 => String::new(),
            n => format!(", re-planned {n} time(s) after an unknown outcome"),
        };
        let unanswered = match self.unanswered {
            0 => String::new(),
            n => format!(
                " ({n} of them landed although the answer was lost: the zone, read again, shows it)"
            ),
        };
        let resent = match self.resent {
            0 => String::new(),
            n => format!(", sent again {n} time(s) after a failed batch"),
        };
        let held = match self.already_held {
            0 => String::new(),
            n => format!("; the zone already held {n} change(s) (another apply made them first)"),
        };
        format!(
            "{}: applied{plan}: {} created, {} updated, {} deleted in {} batch request{}{unanswered} ({:.1} s){replans}{resent}{held}; verified: a fresh plan is empty",
            self.zone,
            self.created,
            self.updated,
            self.deleted,
            self.batches,
            if self.batches == 1 { "" } else { "s" },
            self.elapsed.as_secs_f64(),
        )
    }
}

/// Why an apply stopped. Whatever landed before the failure is described in `landed`.
#[derive(Debug)]
pub(crate) struct ApplyError {
    pub zone: String,
    pub error: provider::Error,
    /// A sentence saying which chunks landed and which did not.
    pub landed: String,
}

/// Progress lines (chunk k of n) go here; the command sends them to stderr.
pub(crate) type Progress<'a> = &'a mut dyn FnMut(&str);

/// What this process is doing to each zone right now, for the message printed when SIGINT or
/// SIGTERM ends it (the binary's `main` handles them); zones are applied several at a time.
/// Empty: no change was sent yet.
static IN_FLIGHT: Mutex<BTreeMap<String, InFlight>> = Mutex::new(BTreeMap::new());

#[derive(Debug, Clone)]
enum InFlight {
    /// A write was sent and no answer has come back.
    Sending(String),
    /// Between writes, or reading: what landed so far is known.
    Between(String),
}

/// The key of one manifest's apply in [`IN_FLIGHT`]: two manifests (owners) may share a zone.
fn flight(zone: &Zone, desired: &Desired) -> String {
    format!("{} {}", zone.name, desired.source.display())
}

fn in_flight_is(key: &str, state: InFlight) {
    if let Ok(mut now) = IN_FLIGHT.lock() {
        now.insert(key.to_string(), state);
    }
}

/// What was in flight, for `interrupted by SIGTERM <this>`, and what to do about it.
pub fn in_flight() -> (String, Option<String>) {
    const AGAIN: &str = "run apply again: it re-reads the zone and converges";
    let now: Vec<InFlight> = (IN_FLIGHT.lock().ok())
        .map(|n| n.values().cloned().collect())
        .unwrap_or_default();
    if now.is_empty() {
        return (
            "before any change was sent; nothing was changed".into(),
            None,
        );
    }
    let mut sending = Vec::new();
    let mut parts = Vec::new();
    for state in now {
        match state {
            InFlight::Sending(what) => sending.push(what),
            InFlight::Between(what) => parts.push(what),
        }
    }
    if !sending.is_empty() {
        parts.insert(
            0,
            format!(
                "while {} {} sent: {} outcome is unknown",
                sending.join(" and "),
                if sending.len() == 1 { "was" } else { "were" },
                if sending.len() == 1 { "its" } else { "their" }
            ),
        );
    }
    (parts.join("; "), Some(AGAIN.into()))
}

/// "the batch" or "chunk 2 of 3", for messages.
fn chunk_name(k: usize, total: usize) -> String {
    if total == 1 {
        "the batch".into()
    } else {
        format!("chunk {} of {total}", k + 1)
    }
}

/// Sending again after failures, within the retry budget: at most [`MAX_RESENDS`] times, waiting
/// 1/16 of the budget (at most half a second) before the first and doubling, all within the
/// budget counted from the first failure.
struct Resends {
    budget: Duration,
    first: Option<Instant>,
    used: usize,
}

impl Resends {
    fn new(budget: Duration) -> Resends {
        Resends {
            budget,
            first: None,
            used: 0,
        }
    }

    /// The wait before the next send, or `None` when the budget is spent.
    fn next(&mut self) -> Option<Duration> {
        if self.used >= MAX_RESENDS {
            return None;
        }
        let first = *self.first.get_or_insert_with(Instant::now);
        let base = (self.budget / 16).min(Duration::from_millis(500));
        let wait = base.saturating_mul(1 << self.used);
        if first.elapsed().saturating_add(wait) > self.budget {
            return None;
        }
        self.used += 1;
        Some(wait)
    }
}

/// Applies `initial` (a plan just computed from a fresh read of `zone`) and converges: after an
/// unknown outcome, a server error or a refusal the zone is re-read and re-planned (see the
/// module's documentation). Ends with a verification read whose plan must be empty.
pub(crate) async fn apply_zone<P: Provider>(
    provider: &P,
    desired: &Desired,
    zone: &Zone,
    initial: ZonePlan,
    progress: Progress<'_>,
) -> Result<ZoneReport, ApplyError> {
    let run = Applier {
        provider,
        desired,
        zone,
        report: ZoneReport::new(&zone.name),
        resends: Resends::new(provider.retry_budget()),
        server_errors: 0,
        progress,
    };
    let result = converge(run, initial).await;
    if let Err(e) = &result {
        // Done with this zone: a signal now must not report it as work in progress.
        in_flight_is(
            &flight(zone, desired),
            InFlight::Between(format!("after zone {} failed: {}", zone.name, e.landed)),
        );
    }
    result
}

/// [`apply_zone`] until it converges or fails.
async fn converge<P: Provider>(
    mut run: Applier<'_, P>,
    initial: ZonePlan,
) -> Result<ZoneReport, ApplyError> {
    let (provider, desired, zone) = (run.provider, run.desired, run.zone);
    let started = Instant::now();
    // What was checked before writing (reviewed, confirmed): a re-plan may send only these.
    let gated = initial.changes.clone();
    let mut current = initial;
    'replan: loop {
        let batches = plan::to_batches(&current, zone.batch_limit);
        let total = batches.len();
        let records: usize = batches.iter().map(provider::Batch::len).sum();
        let mut done = 0;
        // Batches that landed in earlier rounds, before a re-plan: the failure report counts
        // them apart from this round's chunks.
        let earlier = run.report.batches;
        for (k, batch) in batches.iter().enumerate() {
            let at = ChunkSend {
                k,
                total,
                earlier,
                name: chunk_name(k, total),
                batch,
                pending: records - done,
            };
            if total > 1 {
                (run.progress)(&format!(
                    "{}: applying chunk {} of {} ({} records; {done} of {records} done)",
                    zone.name,
                    k + 1,
                    total,
                    batch.len()
                ));
            }
            // Sends the batch until it lands; a failure either re-plans, sends it again, or ends.
            loop {
                match run.send(&at).await {
                    Ok(()) => {
                        done += batch.len();
                        break;
                    }
                    Err(error) => match run.after_failure(error, &at).await? {
                        Next::SendAgain => continue,
                        Next::Replan(fresh) => {
                            if let Some(e) = outside(&gated, &fresh, zone, run.report.batches) {
                                return Err(e);
                            }
                            current = *fresh;
                            continue 'replan;
                        }
                    },
                }
            }
        }
        break;
    }

    in_flight_is(
        &flight(zone, desired),
        InFlight::Between(format!(
            "while zone {} was read to verify it, after its changes landed",
            zone.name
        )),
    );
    verify(provider, desired, zone).await?;
    in_flight_is(
        &flight(zone, desired),
        InFlight::Between(format!("after zone {} was applied and verified", zone.name)),
    );
    run.report.elapsed = started.elapsed();
    Ok(run.report)
}

/// One zone's apply in progress: what it needs to send, re-read and report.
struct Applier<'a, P> {
    provider: &'a P,
    desired: &'a Desired,
    zone: &'a Zone,
    report: ZoneReport,
    resends: Resends,
    /// Server errors met in this zone, for the message when they do not stop.
    server_errors: usize,
    progress: Progress<'a>,
}

impl<P: Provider> Applier<'_, P> {
    /// Sends the attempt's batch once; counts it when it lands.
    async fn send(&mut self, at: &ChunkSend<'_>) -> Result<(), provider::Error> {
        let zone = &self.zone.name;
        let key = flight(self.zone, self.desired);
        in_flight_is(
            &key,
            InFlight::Sending(format!("{} for zone {zone}", at.name)),
        );
        self.provider.batch(self.zone, at.batch).await?;
        self.report.landed(at.batch);
        in_flight_is(
            &key,
            InFlight::Between(format!(
                "after {} for zone {zone} landed{}",
                at.name,
                if at.k + 1 < at.total {
                    "; the chunks after it were not sent"
                } else {
                    ""
                }
            )),
        );
        Ok(())
    }
}

/// A re-plan inside one apply (after an unknown outcome, a server error or a refused batch) may
/// send only changes of the plan that was checked before writing (`gated`: the plan the Action
/// compared with the reviewed preview, or the one a person confirmed): anything else means the
/// zone changed while applying, and the zone stops there (exit 3) rather than write what nobody
/// saw (DESIGN section 6).
fn outside(
    gated: &[plan::Change],
    fresh: &ZonePlan,
    zone: &Zone,
    landed: usize,
) -> Option<ApplyError> {
    let new: Vec<&str> = (fresh.changes.iter())
        .filter(|c| !gated.contains(c))
        .map(|c| c.name.as_str())
        .collect();
    if new.is_empty() {
        return None;
    }
    Some(ApplyError {
        zone: zone.name.clone(),
        error: provider::Error::Api {
            message: format!(
                "the zone changed while applying: read again after a batch failed, {} now plans {} change(s) that were not in the plan checked before writing ({}); they were not sent",
                zone.name,
                new.len(),
                new.join(", ")
            ),
            help: Some(
                "someone else is changing the zone: run `edgeplan plan` to see what differs, then apply again deliberately (under the Action: `workflow_dispatch` with `command: apply`, or a new pull request)".into(),
            ),
            source: None,
        },
        landed: format!("{landed} batch request(s) landed before the re-plan"),
    })
}

/// Whether every write of `batch` is still one that `fresh` plans, unchanged: then sending it
/// again would meet the same refusal.
fn still_wanted(batch: &provider::Batch, fresh: &ZonePlan) -> bool {
    let mut all = provider::Batch::default();
    for b in plan::to_batches(fresh, usize::MAX) {
        all.deletes.extend(b.deletes);
        all.patches.extend(b.patches);
        all.puts.extend(b.puts);
        all.posts.extend(b.posts);
    }
    batch.deletes.iter().all(|d| all.deletes.contains(d))
        && batch.patches.iter().all(|p| all.patches.contains(p))
        && batch.puts.iter().all(|p| all.puts.contains(p))
        && batch.posts.iter().all(|p| all.posts.contains(p))
}

/// After applying: a fresh read of the zone must plan to nothing.
async fn verify<P: Provider>(
    provider: &P,
    desired: &Desired,
    zone: &Zone,
) -> Result<(), ApplyError> {
    let after = replan(provider, desired, zone)
        .await
        .map_err(|error| ApplyError {
            zone: zone.name.clone(),
            error,
            landed: "every chunk landed; the verification read failed".into(),
        })?;
    if !after.changes.is_empty() || !after.conflicts.is_empty() {
        return Err(ApplyError {
            zone: zone.name.clone(),
            error: provider::Error::Api {
                message: format!(
                    "verification failed: after applying, {} still plans {} change(s) and {} conflict(s)",
                    zone.name,
                    after.changes.len(),
                    after.conflicts.len()
                ),
                help: Some(
                    "someone may be editing the zone at the same time; run `edgeplan plan` to see what differs"
                        .into(),
                ),
                source: None,
            },
            landed: "every chunk landed".into(),
        });
    }
    Ok(())
}

/// Re-reads the zone and plans again.
pub(crate) async fn replan<P: Provider>(
    provider: &P,
    desired: &Desired,
    zone: &Zone,
) -> Result<ZonePlan, provider::Error> {
    let records = provider.records(zone).await?;
    Ok(plan::diff(
        desired,
        &Live {
            zone: zone.clone(),
            records,
        },
    ))
}

/// After a batch failed with an answer that does not say whether it was processed (a 5xx may
/// come from a proxy after the commit), reads the zone once more to tell: `pending` changes were
/// left before the batch of `size`. Best effort: if the read fails too, the outcome stays open.
async fn check<P: Provider>(
    provider: &P,
    desired: &Desired,
    zone: &Zone,
    pending: usize,
    size: usize,
) -> BatchFailure {
    match replan(provider, desired, zone).await {
        Ok(p) if p.changes.len() == pending => BatchFailure::NotApplied,
        Ok(p) if p.changes.len() + size == pending => BatchFailure::LandedAnyway,
        _ => BatchFailure::Failed,
    }
}

/// A conflict found by the re-plan after an unknown outcome or a failed batch (`after`):
/// someone else now holds a name.
fn conflicts_since(
    zone: &Zone,
    current: &ZonePlan,
    landed_batches: usize,
    after: &str,
) -> ApplyError {
    let names: Vec<&str> = current.conflicts.iter().map(|c| c.name.as_str()).collect();
    ApplyError {
        zone: zone.name.clone(),
        error: provider::Error::Rejected {
            message: format!(
                "{after} the zone was read again and {} is now held by a record edgeplan does not own",
                names.join(", ")
            ),
            help: Some(
                "run `edgeplan plan` to see the conflict, then fix the manifest or the zone".into(),
            ),
            source: None,
        },
        landed: format!("{landed_batches} batch request(s) landed before the re-plan"),
    }
}
