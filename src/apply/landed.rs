//! The sentence saying which chunks of a zone's apply landed when one failed.

/// How a batch failed, for the sentence saying what landed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum BatchFailure {
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
pub(super) fn landed(failed: usize, total: usize, outcome: BatchFailure, earlier: usize) -> String {
    let n = failed + 1;
    const CHECKED: &str = "the zone was read again to check";
    let this = match (outcome, total) {
        (BatchFailure::Refused, 1) => {
            "nothing was applied (the batch is one transaction)".to_string()
        }
        (BatchFailure::Refused, _) => {
            format!("chunk {n} was refused and nothing of it was applied")
        }
        (BatchFailure::NotApplied, 1) => format!("nothing was applied ({CHECKED})"),
        (BatchFailure::NotApplied, _) => {
            format!("chunk {n} failed and nothing of it was applied ({CHECKED})")
        }
        (BatchFailure::LandedAnyway, 1) => {
            format!("the batch landed although the answer was an error ({CHECKED})")
        }
        (BatchFailure::LandedAnyway, _) => {
            format!("chunk {n} landed although the answer was an error ({CHECKED})")
        }
        (BatchFailure::Failed, 1) => {
            "the batch is one transaction: it landed whole or not at all".to_string()
        }
        (BatchFailure::Failed, _) => {
            format!("chunk {n} failed; being one transaction it landed whole or not at all")
        }
        (BatchFailure::Unknown, 1) => {
            "whether the batch landed is unknown (it is one transaction: whole or not at all)"
                .to_string()
        }
        (BatchFailure::Unknown, _) => format!(
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
        let through = if outcome == BatchFailure::LandedAnyway {
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
        use BatchFailure::*;
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
