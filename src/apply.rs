//! Applying a zone's plan: atomic batches, re-plan on an unknown outcome, verify at the end.
//!
//! docs/apply.md has the user's view. Every change of a zone goes into Cloudflare's batch endpoint, one
//! transaction; a plan larger than the zone's batch limit is split into chunks, deletes first
//! (see [`crate::plan::to_batches`]). Records are created proxied in the request that creates
//! them, so an origin is never published unproxied.
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

use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::plan::{self, Desired, Live, Zone, ZonePlan};
use crate::provider::{self, Provider};

/// How many times an unknown outcome may send us back to re-read and re-plan.
const MAX_REPLANS: usize = 3;

/// How many times a zone's batch may be sent again after failures that a fresh read showed had
/// not landed (or that the zone's own changes made moot), within the retry budget.
const MAX_RESENDS: usize = 3;

/// What an apply did to one zone.
#[derive(Debug, Clone)]
pub struct ZoneReport {
    pub zone: String,
    pub created: usize,
    pub updated: usize,
    pub deleted: usize,
    /// Batch requests that landed.
    pub batches: usize,
    /// Times the zone was re-read and re-planned after an unknown outcome.
    pub replans: usize,
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
            resent: 0,
            already_held: 0,
            elapsed: Duration::ZERO,
        }
    }

    /// Counts a batch that landed.
    fn landed(&mut self, batch: &provider::Batch) {
        self.batches += 1;
        self.deleted += batch.deletes.len();
        self.updated += batch.puts.len();
        self.created += batch.posts.len();
    }

    /// The one line `apply` (and the action's log) prints for a zone.
    pub fn line(&self, fingerprint: Option<&str>) -> String {
        let plan = fingerprint
            .map(|f| format!(" plan {f}"))
            .unwrap_or_default();
        let replans = match self.replans {
            0 => String::new(),
            n => format!(", re-planned {n} time(s) after an unknown outcome"),
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
            "{}: applied{plan}: {} created, {} updated, {} deleted in {} batch request{} ({:.1} s){replans}{resent}{held}; verified: a fresh plan is empty",
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
pub struct ApplyError {
    pub zone: String,
    pub error: provider::Error,
    /// A sentence saying which chunks landed and which did not.
    pub landed: String,
}

/// Progress lines (chunk k of n) go here; the command sends them to stderr.
pub type Progress<'a> = &'a mut dyn FnMut(&str);

/// What this process is doing to a zone right now, for the message printed when SIGINT or
/// SIGTERM ends it (the binary's `main` handles them). `None`: no change was sent yet.
static IN_FLIGHT: Mutex<Option<InFlight>> = Mutex::new(None);

#[derive(Debug, Clone)]
enum InFlight {
    /// A write was sent and no answer has come back.
    Sending(String),
    /// Between writes, or reading: what landed so far is known.
    Between(String),
}

fn in_flight_is(state: InFlight) {
    if let Ok(mut now) = IN_FLIGHT.lock() {
        *now = Some(state);
    }
}

/// What was in flight, for `interrupted by SIGTERM <this>`, and what to do about it.
pub fn in_flight() -> (String, Option<String>) {
    const AGAIN: &str = "run apply again: it re-reads the zone and converges";
    let now = IN_FLIGHT.lock().ok().and_then(|n| n.clone());
    match now {
        None => (
            "before any change was sent; nothing was changed".into(),
            None,
        ),
        Some(InFlight::Sending(what)) => (
            format!("while {what} was sent: its outcome is unknown"),
            Some(AGAIN.into()),
        ),
        Some(InFlight::Between(what)) => (what, Some(AGAIN.into())),
    }
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
pub async fn apply_zone<P: Provider>(
    provider: &P,
    desired: &Desired,
    zone: &Zone,
    initial: ZonePlan,
    progress: Progress<'_>,
) -> Result<ZoneReport, ApplyError> {
    let started = Instant::now();
    let mut report = ZoneReport::new(&zone.name);
    let mut resends = Resends::new(provider.retry_budget());
    // Server errors met in this zone, for the message when they do not stop.
    let mut server_errors = 0;
    let mut current = initial;
    'replan: loop {
        let batches = plan::to_batches(&current, zone.batch_limit);
        let total = batches.len();
        let records: usize = batches.iter().map(provider::Batch::len).sum();
        let mut done = 0;
        // Batches that landed in earlier rounds, before a re-plan: the failure report counts
        // them apart from this round's chunks.
        let earlier = report.batches;
        for (k, batch) in batches.iter().enumerate() {
            let name = chunk_name(k, total);
            if total > 1 {
                progress(&format!(
                    "{}: applying chunk {} of {} ({} records; {done} of {records} done)",
                    zone.name,
                    k + 1,
                    total,
                    batch.len()
                ));
            }
            // Sends `batch` until it lands; a failure either re-plans, sends it again, or ends.
            loop {
                in_flight_is(InFlight::Sending(format!("{name} for zone {}", zone.name)));
                let error = match provider.batch(zone, batch).await {
                    Ok(()) => {
                        report.landed(batch);
                        done += batch.len();
                        in_flight_is(InFlight::Between(format!(
                            "after {name} for zone {} landed{}",
                            zone.name,
                            if k + 1 < total {
                                "; the chunks after it were not sent"
                            } else {
                                ""
                            }
                        )));
                        break;
                    }
                    Err(error) => error,
                };
                in_flight_is(InFlight::Between(format!(
                    "while zone {} was read again after {name} failed",
                    zone.name
                )));
                let pending = records - done;
                match error {
                    provider::Error::UnknownOutcome { message, .. }
                        if report.replans < MAX_REPLANS =>
                    {
                        report.replans += 1;
                        progress(&format!(
                            "{}: outcome of chunk {} of {total} unknown ({message}); re-reading the zone and re-planning",
                            zone.name,
                            k + 1
                        ));
                        current = match replan(provider, desired, zone).await {
                            Ok(p) => p,
                            Err(error) => {
                                return Err(ApplyError {
                                    zone: zone.name.clone(),
                                    error,
                                    landed: format!(
                                        "{}; the zone could not be read again to find out",
                                        landed(k, total, Outcome::Unknown, earlier)
                                    ),
                                });
                            }
                        };
                        if !current.conflicts.is_empty() {
                            return Err(conflicts_since(
                                zone,
                                &current,
                                earlier + k,
                                "after an unknown outcome",
                            ));
                        }
                        continue 'replan;
                    }
                    error @ provider::Error::Server { .. } => {
                        server_errors += 1;
                        let Ok(fresh) = replan(provider, desired, zone).await else {
                            return Err(ApplyError {
                                zone: zone.name.clone(),
                                error,
                                landed: landed(k, total, Outcome::Failed, earlier),
                            });
                        };
                        if !fresh.conflicts.is_empty() {
                            return Err(conflicts_since(
                                zone,
                                &fresh,
                                earlier + k,
                                "after a failed batch",
                            ));
                        }
                        if fresh.changes.len() + batch.len() == pending || fresh.changes.is_empty()
                        {
                            // It landed: carry on from what the zone holds now.
                            report.landed(batch);
                            progress(&format!(
                                "{}: {name} landed although the answer was an error ({error}; the zone was read again to check)",
                                zone.name
                            ));
                            current = fresh;
                            continue 'replan;
                        }
                        let not_landed = fresh.changes.len() == pending;
                        let Some(wait) = resends.next() else {
                            let outcome = if not_landed {
                                Outcome::NotApplied
                            } else {
                                Outcome::Failed
                            };
                            return Err(ApplyError {
                                zone: zone.name.clone(),
                                error,
                                landed: format!(
                                    "{}; {name} was sent {server_errors} time{}, each answered with a server error, within the retry budget (EDGEPLAN_RETRY_BUDGET_MS)",
                                    landed(k, total, outcome, earlier),
                                    if server_errors == 1 { "" } else { "s" },
                                ),
                            });
                        };
                        report.resent += 1;
                        in_flight_is(InFlight::Between(format!(
                            "while waiting to send {name} for zone {} again; nothing of it had landed",
                            zone.name
                        )));
                        // Sent again as the fresh read plans it: the same batch when nothing
                        // else changed, else a new round from what the zone holds now.
                        let same = not_landed
                            && plan::to_batches(&fresh, zone.batch_limit).first() == Some(batch);
                        progress(&format!(
                            "{}: {name} failed ({error}); {}; sending {} in {:.1} s",
                            zone.name,
                            if not_landed {
                                "nothing of it landed (the zone was read again to check)"
                            } else {
                                "the zone, read again, changed meanwhile"
                            },
                            if same {
                                "it again"
                            } else {
                                "what is still missing"
                            },
                            wait.as_secs_f64()
                        ));
                        tokio::time::sleep(wait).await;
                        if same {
                            continue;
                        }
                        current = fresh;
                        continue 'replan;
                    }
                    error @ provider::Error::Rejected { .. } => {
                        let refused = |error| ApplyError {
                            zone: zone.name.clone(),
                            error,
                            landed: landed(k, total, Outcome::Refused, earlier),
                        };
                        let Ok(fresh) = replan(provider, desired, zone).await else {
                            return Err(refused(error));
                        };
                        if !fresh.conflicts.is_empty() {
                            return Err(refused(error));
                        }
                        if fresh.changes.is_empty() {
                            report.already_held += pending;
                            progress(&format!(
                                "{}: {name} was refused ({error}); the zone was read again and already holds every change: another apply made them first",
                                zone.name
                            ));
                            current = fresh;
                            continue 'replan;
                        }
                        // The same refusal again, unless the zone changed what the batch must do.
                        if still_wanted(batch, &fresh) {
                            return Err(refused(error));
                        }
                        if resends.next().is_none() {
                            return Err(refused(error));
                        }
                        report.resent += 1;
                        report.already_held += pending.saturating_sub(fresh.changes.len());
                        progress(&format!(
                            "{}: {name} was refused ({error}); the zone changed meanwhile; sending what is still missing",
                            zone.name
                        ));
                        current = fresh;
                        continue 'replan;
                    }
                    error => {
                        let outcome = match error {
                            provider::Error::Rejected { .. } => Outcome::Refused,
                            provider::Error::Api { .. } | provider::Error::Server { .. } => {
                                check(provider, desired, zone, pending, batch.len()).await
                            }
                            provider::Error::UnknownOutcome { .. } => Outcome::Unknown,
                        };
                        return Err(ApplyError {
                            zone: zone.name.clone(),
                            error,
                            landed: landed(k, total, outcome, earlier),
                        });
                    }
                }
            }
        }
        break;
    }

    in_flight_is(InFlight::Between(format!(
        "while zone {} was read to verify it, after its changes landed",
        zone.name
    )));
    verify(provider, desired, zone).await?;
    in_flight_is(InFlight::Between(format!(
        "after zone {} was applied and verified",
        zone.name
    )));
    report.elapsed = started.elapsed();
    Ok(report)
}

/// Whether every write of `batch` is still one that `fresh` plans, unchanged: then sending it
/// again would meet the same refusal.
fn still_wanted(batch: &provider::Batch, fresh: &ZonePlan) -> bool {
    let mut all = provider::Batch::default();
    for b in plan::to_batches(fresh, usize::MAX) {
        all.deletes.extend(b.deletes);
        all.puts.extend(b.puts);
        all.posts.extend(b.posts);
    }
    batch.deletes.iter().all(|d| all.deletes.contains(d))
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
pub async fn replan<P: Provider>(
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
) -> Outcome {
    match replan(provider, desired, zone).await {
        Ok(p) if p.changes.len() == pending => Outcome::NotApplied,
        Ok(p) if p.changes.len() + size == pending => Outcome::LandedAnyway,
        _ => Outcome::Failed,
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

/// How a batch failed, for the sentence saying what landed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    /// Cloudflare refused it (a rule, a conflict): certainly nothing of it was applied.
    Refused,
    /// An answer came back but not a success (auth, 5xx, 429 after retries), and a fresh read
    /// showed the batch's changes still pending.
    NotApplied,
    /// As `NotApplied`, but the fresh read showed the batch's changes done.
    LandedAnyway,
    /// As `NotApplied`, but the zone could not be read to tell. A batch is one transaction, so
    /// it landed whole or not at all.
    Failed,
    /// No answer came back.
    Unknown,
}

/// Says which chunks landed when chunk `failed` (0-based) of `total` did not, after `earlier`
/// batch requests that landed before a re-plan.
fn landed(failed: usize, total: usize, outcome: Outcome, earlier: usize) -> String {
    let n = failed + 1;
    const CHECKED: &str = "the zone was read again to check";
    let this = match (outcome, total) {
        (Outcome::Refused, 1) => "nothing was applied (the batch is one transaction)".to_string(),
        (Outcome::Refused, _) => format!("chunk {n} was refused and nothing of it was applied"),
        (Outcome::NotApplied, 1) => format!("nothing was applied ({CHECKED})"),
        (Outcome::NotApplied, _) => {
            format!("chunk {n} failed and nothing of it was applied ({CHECKED})")
        }
        (Outcome::LandedAnyway, 1) => {
            format!("the batch landed although the answer was an error ({CHECKED})")
        }
        (Outcome::LandedAnyway, _) => {
            format!("chunk {n} landed although the answer was an error ({CHECKED})")
        }
        (Outcome::Failed, 1) => {
            "the batch is one transaction: it landed whole or not at all".to_string()
        }
        (Outcome::Failed, _) => {
            format!("chunk {n} failed; being one transaction it landed whole or not at all")
        }
        (Outcome::Unknown, 1) => {
            "whether the batch landed is unknown (it is one transaction: whole or not at all)"
                .to_string()
        }
        (Outcome::Unknown, _) => format!(
            "whether chunk {n} landed is unknown (it is one transaction: whole or not at all)"
        ),
    };
    let mut parts = Vec::new();
    if earlier > 0 {
        parts.push(format!(
            "{earlier} batch request(s) landed before a re-plan"
        ));
    }
    if total > 1 {
        // The chunks before `failed` landed, and `failed` itself when the check says so.
        let through = if outcome == Outcome::LandedAnyway {
            n
        } else {
            failed
        };
        parts.push(match through {
            0 => format!("no chunk of {total} landed"),
            1 => format!("chunk 1 of {total} landed"),
            _ => format!("chunks 1-{through} of {total} landed"),
        });
    }
    parts.push(this);
    match total - n {
        0 => {}
        1 => parts.push(format!("chunk {total} was not sent")),
        _ => parts.push(format!("chunks {}-{total} were not sent", n + 1)),
    }
    parts.join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn landed_says_which_chunks_landed() {
        use Outcome::*;
        let cases = [
            (
                0,
                1,
                Refused,
                0,
                "nothing was applied (the batch is one transaction)",
            ),
            (
                0,
                3,
                Refused,
                0,
                "no chunk of 3 landed; chunk 1 was refused and nothing of it was applied; chunks 2-3 were not sent",
            ),
            (
                1,
                4,
                Failed,
                0,
                "chunk 1 of 4 landed; chunk 2 failed; being one transaction it landed whole or not at all; chunks 3-4 were not sent",
            ),
            (
                2,
                3,
                Refused,
                0,
                "chunks 1-2 of 3 landed; chunk 3 was refused and nothing of it was applied",
            ),
            (
                2,
                5,
                NotApplied,
                0,
                "chunks 1-2 of 5 landed; chunk 3 failed and nothing of it was applied (the zone was read again to check); chunks 4-5 were not sent",
            ),
            (
                1,
                2,
                LandedAnyway,
                0,
                "chunks 1-2 of 2 landed; chunk 2 landed although the answer was an error (the zone was read again to check)",
            ),
            (
                1,
                3,
                Unknown,
                2,
                "2 batch request(s) landed before a re-plan; chunk 1 of 3 landed; whether chunk 2 landed is unknown (it is one transaction: whole or not at all); chunk 3 was not sent",
            ),
        ];
        for (done, total, outcome, earlier, want) in cases {
            assert_eq!(landed(done, total, outcome, earlier), want);
        }
    }
}
