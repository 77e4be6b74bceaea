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
//! <https://developers.cloudflare.com/dns/manage-dns-records/how-to/batch-record-changes/>

use std::time::{Duration, Instant};

use crate::plan::{self, Desired, Live, Zone, ZonePlan};
use crate::provider::{self, Provider};

/// How many times an unknown outcome may send us back to re-read and re-plan.
const MAX_REPLANS: usize = 3;

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
        format!(
            "{}: applied{plan}: {} created, {} updated, {} deleted in {} batch request{} ({:.1} s){replans}; verified: a fresh plan is empty",
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

/// Applies `initial` (a plan just computed from a fresh read of `zone`) and converges: after an
/// unknown outcome the zone is re-read and re-planned. Ends with a verification read whose plan
/// must be empty.
pub async fn apply_zone<P: Provider>(
    provider: &P,
    desired: &Desired,
    zone: &Zone,
    initial: ZonePlan,
    progress: Progress<'_>,
) -> Result<ZoneReport, ApplyError> {
    let started = Instant::now();
    let mut report = ZoneReport::new(&zone.name);
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
            if total > 1 {
                progress(&format!(
                    "{}: applying chunk {} of {} ({} records; {done} of {records} done)",
                    zone.name,
                    k + 1,
                    total,
                    batch.len()
                ));
            }
            match provider.batch(zone, batch).await {
                Ok(()) => {
                    report.landed(batch);
                    done += batch.len();
                }
                Err(provider::Error::UnknownOutcome { message, .. })
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
                        return Err(conflicts_since(zone, &current, earlier + k));
                    }
                    continue 'replan;
                }
                Err(error) => {
                    let outcome = match error {
                        provider::Error::Rejected { .. } => Outcome::Refused,
                        provider::Error::Api { .. } => {
                            check(provider, desired, zone, records - done, batch.len()).await
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
        break;
    }

    verify(provider, desired, zone).await?;
    report.elapsed = started.elapsed();
    Ok(report)
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

/// A conflict found by the re-plan after an unknown outcome: someone else now holds a name.
fn conflicts_since(zone: &Zone, current: &ZonePlan, landed_batches: usize) -> ApplyError {
    let names: Vec<&str> = current.conflicts.iter().map(|c| c.name.as_str()).collect();
    ApplyError {
        zone: zone.name.clone(),
        error: provider::Error::Rejected {
            message: format!(
                "after an unknown outcome the zone was read again and {} is now held by a record edgeplan does not own",
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
