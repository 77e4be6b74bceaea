//! Exit codes (README, Exit codes). One place maps outcomes to numbers.

use std::process::ExitCode;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Valid, no changes, or applied.
    Success = 0,
    /// Invalid manifest, conflict, safety refusal, apply refused for the event.
    Rejected = 1,
    /// `plan --detailed-exitcode` only: the plan has changes.
    Changes = 2,
    /// An API failed (Cloudflare or GitHub) after retries.
    Api = 3,
    /// Bad flags.
    Usage = 64,
    /// Ended by SIGINT (128 + 2, as a shell reports it).
    Interrupted = 130,
    /// Ended by SIGTERM (128 + 15).
    Terminated = 143,
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> ExitCode {
        ExitCode::from(exit as u8)
    }
}
