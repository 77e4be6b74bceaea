//! The apply stage across zones: [`super::ZONES_IN_FLIGHT`] zones written at once, each
//! atomically by [`crate::apply::apply_zone`]; a zone that fails does not stop the others
//! (DESIGN section 6, several zones).

use std::cell::RefCell;

use futures_util::{StreamExt, stream};

use super::{Outcome, ZONES_IN_FLIGHT};
use crate::apply::{self, ApplyError, ZoneReport};
use crate::exit::Exit;
use crate::plan::{Desired, ZonePlan};
use crate::provider::Provider;
use crate::run::Failure;

/// What the apply stage tells its presenter as it goes.
pub(crate) enum ApplyEvent<'a> {
    /// A chunk is about to be sent, or was re-planned (chunk k of n).
    Progress(&'a str),
    /// A zone was applied and verified.
    Applied(&'a ZoneReport),
}

/// Applies every zone that has changes, [`ZONES_IN_FLIGHT`] at a time, each atomically (or in
/// chunks past the zone's batch limit), and verifies it. Every refusal was decided before this
/// is called (DESIGN section 6): once writing, a zone that fails does not stop the others. The
/// zones that landed are in the outcome (and told through `on`, in manifest order); those that
/// failed, with what they landed, are in the error.
pub(crate) async fn apply<P: Provider>(
    provider: &P,
    outcome: &mut Outcome,
    on: &mut dyn FnMut(ApplyEvent<'_>),
) -> Result<(), ApplyFailure> {
    let on = RefCell::new(on);
    let jobs: Vec<(usize, Desired, ZonePlan)> = (outcome.plan.zones.iter())
        .zip(&outcome.facts)
        .enumerate()
        .filter(|(_, (zp, _))| !zp.changes.is_empty())
        .map(|(i, (zp, f))| (i, f.desired.clone(), zp.clone()))
        .collect();
    let on_ref = &on;
    let mut applying = stream::iter(jobs.into_iter().enumerate())
        .map(|(k, (i, desired, zp))| async move {
            // Progress lines are told as they come; zones run together, and each line names
            // its zone.
            let mut progress = |line: &str| (on_ref.borrow_mut())(ApplyEvent::Progress(line));
            let zone = zp.zone.clone();
            let result = apply::apply_zone(provider, &desired, &zone, zp, &mut progress).await;
            (k, i, result)
        })
        .buffer_unordered(ZONES_IN_FLIGHT);
    // Zones finish in any order; they are told and kept in manifest order, each as soon as
    // every zone before it is done.
    let mut done: Vec<Option<(usize, Result<ZoneReport, ApplyError>)>> = Vec::new();
    let mut next = 0;
    let mut failed = Vec::new();
    while let Some((k, i, result)) = applying.next().await {
        if done.len() <= k {
            done.resize_with(k + 1, || None);
        }
        done[k] = Some((i, result));
        while let Some((i, result)) = done.get_mut(next).and_then(Option::take) {
            next += 1;
            match result {
                Ok(report) => {
                    (on.borrow_mut())(ApplyEvent::Applied(&report));
                    outcome.facts[i].applied = Some(report);
                }
                Err(e) => failed.push(e),
            }
        }
    }
    if failed.is_empty() {
        Ok(())
    } else {
        Err(ApplyFailure(failed))
    }
}

/// The zones whose apply failed, each with what had landed by then (in manifest order).
#[derive(Debug)]
pub(crate) struct ApplyFailure(pub Vec<ApplyError>);

impl ApplyFailure {
    /// One sentence per failed zone: the zone, what failed, and which chunks landed.
    pub(crate) fn message(&self) -> String {
        let lines: Vec<String> = self.0.iter().map(zone_failure).collect();
        match lines.as_slice() {
            [one] => one.clone(),
            many => format!("{} zones failed: {}", many.len(), many.join("; then ")),
        }
    }
}

fn zone_failure(e: &ApplyError) -> String {
    let message = e.error.to_string();
    // The provider's messages usually name the zone already.
    if message.contains(e.zone.as_str()) {
        format!("{message}; {}", e.landed)
    } else {
        format!("{}: {message}; {}", e.zone, e.landed)
    }
}

impl ApplyFailure {
    /// The failure the command exits with: exit 3 when any zone met an API failure, else the
    /// first zone's (DESIGN section 6); the first zone's advice, or `help` when it has none.
    pub(crate) fn into_failure(self, help: &str) -> Failure {
        let message = self.message();
        let failures: Vec<Failure> = (self.0.into_iter())
            .map(|e| Failure::from(e.error))
            .collect();
        let api = failures.iter().any(|f| f.exit == Exit::Api);
        let mut failure = failures
            .into_iter()
            .next()
            .unwrap_or_else(|| Failure::new(Exit::Api, String::new()));
        if api {
            failure.exit = Exit::Api;
        }
        failure.message = message;
        if failure.help.is_none() {
            failure.help = Some(help.to_string());
        }
        failure
    }
}
