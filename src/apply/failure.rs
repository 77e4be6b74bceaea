//! What a failed batch leads to, judged by reading the zone again (the module docs of
//! [`super`] give the rules): re-plan, send again, carry on, or stop with what landed.

use super::{
    Applier, ApplyError, BatchFailure, InFlight, MAX_REPLANS, check, conflicts_since, flight,
    in_flight_is, landed, replan, still_wanted,
};
use crate::plan::{self, ZonePlan};
use crate::provider::{self, Provider};

/// One send of one chunk: which, of how many, after how many earlier batch requests.
pub(super) struct ChunkSend<'b> {
    pub k: usize,
    pub total: usize,
    /// Batch requests that landed before the current round's re-plan.
    pub earlier: usize,
    /// "the batch" or "chunk 2 of 3".
    pub name: String,
    pub batch: &'b provider::Batch,
    /// Changes of this round not yet landed, this chunk's included.
    pub pending: usize,
}

/// What to do after a failure that did not end the apply.
pub(super) enum Next {
    /// Send the same batch again.
    SendAgain,
    /// Start a new round from this plan (of what the zone holds now).
    Replan(Box<ZonePlan>),
}

impl<P: Provider> Applier<'_, P> {
    /// Judges `error` on the attempt's batch, `at.pending` changes being left before it.
    pub(super) async fn after_failure(
        &mut self,
        error: provider::Error,
        at: &ChunkSend<'_>,
    ) -> Result<Next, ApplyError> {
        in_flight_is(
            &flight(self.zone, self.desired),
            InFlight::Between(format!(
                "while zone {} was read again after {} failed",
                self.zone.name, at.name
            )),
        );
        match error {
            provider::Error::UnknownOutcome { message, .. }
                if self.report.replans < MAX_REPLANS =>
            {
                self.unknown_outcome(&message, at).await
            }
            error @ provider::Error::Server { .. } => self.server_error(error, at).await,
            error @ provider::Error::Rejected { .. } => self.refused(error, at).await,
            error => {
                let outcome = match error {
                    provider::Error::Rejected { .. } => BatchFailure::Refused,
                    provider::Error::Api { .. } | provider::Error::Server { .. } => {
                        let (p, d, z) = (self.provider, self.desired, self.zone);
                        check(p, d, z, at.pending, at.batch.len()).await
                    }
                    provider::Error::UnknownOutcome { .. } => BatchFailure::Unknown,
                };
                Err(self.stop(error, landed(at.k, at.total, outcome, at.earlier)))
            }
        }
    }

    fn stop(&self, error: provider::Error, landed: String) -> ApplyError {
        ApplyError {
            zone: self.zone.name.clone(),
            error,
            landed,
        }
    }

    /// No answer came back: never resent; the zone is re-read and re-planned. When the re-read
    /// shows the batch landed (it is one transaction, so exactly its changes are gone from the
    /// plan), it is counted in the report: the changes were made.
    async fn unknown_outcome(
        &mut self,
        message: &str,
        at: &ChunkSend<'_>,
    ) -> Result<Next, ApplyError> {
        self.report.replans += 1;
        (self.progress)(&format!(
            "{}: outcome of chunk {} of {} unknown ({message}); re-reading the zone and re-planning",
            self.zone.name,
            at.k + 1,
            at.total
        ));
        let fresh = match replan(self.provider, self.desired, self.zone).await {
            Ok(p) => p,
            Err(error) => {
                let landed = format!(
                    "{}; the zone could not be read again to find out",
                    landed(at.k, at.total, BatchFailure::Unknown, at.earlier)
                );
                return Err(self.stop(error, landed));
            }
        };
        if fresh.changes.len() + at.batch.len() == at.pending {
            self.report.landed(at.batch);
            self.report.unanswered += 1;
            (self.progress)(&format!(
                "{}: the zone, read again, shows {} landed ({} change(s)); it is not sent again",
                self.zone.name,
                at.name,
                at.batch.len()
            ));
        }
        if !fresh.conflicts.is_empty() {
            let after = "after an unknown outcome";
            let landed = self.report.batches;
            return Err(conflicts_since(self.zone, &fresh, landed, after));
        }
        Ok(Next::Replan(Box::new(fresh)))
    }

    /// A 5xx: carried on when the batch landed anyway, sent again (within the budget) when a
    /// fresh read shows it did not.
    async fn server_error(
        &mut self,
        error: provider::Error,
        at: &ChunkSend<'_>,
    ) -> Result<Next, ApplyError> {
        self.server_errors += 1;
        let Ok(fresh) = replan(self.provider, self.desired, self.zone).await else {
            let landed = landed(at.k, at.total, BatchFailure::Failed, at.earlier);
            return Err(self.stop(error, landed));
        };
        if !fresh.conflicts.is_empty() {
            let after = "after a failed batch";
            return Err(conflicts_since(self.zone, &fresh, at.earlier + at.k, after));
        }
        let (zone, name) = (&self.zone.name, &at.name);
        if fresh.changes.len() + at.batch.len() == at.pending || fresh.changes.is_empty() {
            // It landed: carry on from what the zone holds now.
            self.report.landed(at.batch);
            (self.progress)(&format!(
                "{zone}: {name} landed although the answer was an error ({error}; the zone was read again to check)"
            ));
            return Ok(Next::Replan(Box::new(fresh)));
        }
        let not_landed = fresh.changes.len() == at.pending;
        let Some(wait) = self.resends.next() else {
            let outcome = if not_landed {
                BatchFailure::NotApplied
            } else {
                BatchFailure::Failed
            };
            let n = self.server_errors;
            let landed = format!(
                "{}; {name} was sent {n} time{}, each answered with a server error, within the retry budget (EDGEPLAN_RETRY_BUDGET_MS)",
                landed(at.k, at.total, outcome, at.earlier),
                if n == 1 { "" } else { "s" },
            );
            return Err(self.stop(error, landed));
        };
        self.report.resent += 1;
        in_flight_is(
            &flight(self.zone, self.desired),
            InFlight::Between(format!(
                "while waiting to send {name} for zone {zone} again; nothing of it had landed"
            )),
        );
        // Sent again as the fresh read plans it: the same batch when nothing else changed, else
        // a new round from what the zone holds now.
        let same =
            not_landed && plan::to_batches(&fresh, self.zone.batch_limit).first() == Some(at.batch);
        (self.progress)(&format!(
            "{zone}: {name} failed ({error}); {}; sending {} in {:.1} s",
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
        Ok(if same {
            Next::SendAgain
        } else {
            Next::Replan(Box::new(fresh))
        })
    }

    /// A refusal: success when another apply already made the change, the rest sent when the
    /// zone changed what the batch must do, else the refusal stands.
    async fn refused(
        &mut self,
        error: provider::Error,
        at: &ChunkSend<'_>,
    ) -> Result<Next, ApplyError> {
        let refused = landed(at.k, at.total, BatchFailure::Refused, at.earlier);
        let Ok(fresh) = replan(self.provider, self.desired, self.zone).await else {
            return Err(self.stop(error, refused));
        };
        if !fresh.conflicts.is_empty() {
            return Err(self.stop(error, refused));
        }
        let (zone, name) = (&self.zone.name, &at.name);
        if fresh.changes.is_empty() {
            self.report.already_held += at.pending;
            (self.progress)(&format!(
                "{zone}: {name} was refused ({error}); the zone was read again and already holds every change: another apply made them first"
            ));
            return Ok(Next::Replan(Box::new(fresh)));
        }
        // The same refusal again, unless the zone changed what the batch must do.
        if still_wanted(at.batch, &fresh) || self.resends.next().is_none() {
            return Err(self.stop(error, refused));
        }
        self.report.resent += 1;
        self.report.already_held += at.pending.saturating_sub(fresh.changes.len());
        (self.progress)(&format!(
            "{zone}: {name} was refused ({error}); the zone changed meanwhile; sending what is still missing"
        ));
        Ok(Next::Replan(Box::new(fresh)))
    }
}
