//! The label `edgeplan/allow-deletes` (DESIGN section 2): a person with triage or write access
//! approves one pull request's deletes over the safety limit, without editing the workflow.
//!
//! The preview reads it from the event's payload (`labeled`/`unlabeled` for it re-run the
//! preview, `github::dispatch`); a push apply reads it on the pull request it merged, at apply
//! time and only when the limit refuses, so removing the label before the apply runs (or adding
//! it and re-running a refused apply) counts. Both say that the label approved the deletes. The
//! decision stays outside the `reviewed=` digest, like the `allow-deletes` input.

use crate::github::client::GitHubClient;
use crate::github::dispatch::{ALLOW_DELETES_LABEL, is_allow_deletes};
use crate::github::event::{Context, Repo};
use crate::plan::MassDelete;
use crate::plan::verdict::{Reason, Verdict};

use super::super::Failure;
use super::super::pipeline::Outcome;
use crate::run::github_failure;

#[cfg(test)]
#[test]
fn the_words_name_the_label_the_dispatch_table_reads() {
    assert_eq!(
        crate::render::verdict::ALLOW_DELETES_LABEL,
        ALLOW_DELETES_LABEL
    );
}

/// Whether the pull request this preview is for carries the label (the event's payload).
pub(super) fn on_preview(ctx: &Context) -> bool {
    ctx.event.name.is_pull_request()
        && (ctx.event.pull_request.as_ref()).is_some_and(|p| p.has_label(ALLOW_DELETES_LABEL))
}

/// The preview's words as a pull request carrying the label has them: the outcome (planned
/// without the label) with the safety limit lifted, and the limits it lifted; `None` when the
/// label decides nothing (no pull request, the `allow-deletes` input, or no zone's deletes over
/// the limit).
pub(super) fn with_label(ctx: &Context, outcome: &Outcome) -> Option<(Outcome, Vec<MassDelete>)> {
    if !ctx.event.name.is_pull_request()
        || ctx.inputs.allow_deletes
        || !limit_refuses(outcome.verdict())
    {
        return None;
    }
    let mut lifted = outcome.clone();
    let limits = lifted.allow_deletes();
    (!limits.is_empty()).then_some((lifted, limits))
}

/// Whether the safety limit refuses some zone of the verdict.
pub(super) fn limit_refuses(verdict: &Verdict) -> bool {
    verdict
        .reasons()
        .any(|(_, r)| matches!(r, Reason::MassDelete(_)))
}

/// Whether pull request `number` carries the label now; a failure to read is exit 3.
pub(super) async fn on_pull(
    client: &GitHubClient,
    repo: &Repo,
    number: u64,
) -> Result<bool, Failure> {
    let labels = crate::github::deployments::labels(client, repo, number)
        .await
        .map_err(github_failure)?;
    Ok(labels.iter().any(|l| is_allow_deletes(l)))
}

/// The words that say the label approved the deletes of `lifted`: `pull` names the merged pull
/// request (an apply), `None` is the preview's own.
pub(super) fn approved(lifted: &[MassDelete], pull: Option<u64>) -> String {
    let zones: Vec<String> = lifted
        .iter()
        .map(|m| {
            format!(
                "`{}`: {} deletes of the {} records owner `{}` holds (limit {})",
                m.zone, m.deletes, m.owned, m.owner, m.limit
            )
        })
        .collect();
    match pull {
        Some(n) => format!(
            "The label `{ALLOW_DELETES_LABEL}` on pull request #{n} approved the deletes over the safety limit: {}.",
            zones.join("; ")
        ),
        None => format!(
            "The label `{ALLOW_DELETES_LABEL}` on this pull request approves the deletes over the safety limit: {}. The apply after the merge reads the label again; without it these deletes are refused.",
            zones.join("; ")
        ),
    }
}

/// Why a push apply could not read the labels of the pull request it merged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Unread {
    /// No GitHub token: the `github-token` input is empty (with `reviewed-plan: off`).
    NoToken,
    /// No `GITHUB_REPOSITORY` to ask about.
    NoRepository,
}

/// The words that say the label could not be read, so the safety limit still refuses, and how
/// to get the label read (or to approve the deletes another way).
pub(super) fn unread(why: Unread) -> String {
    let because = match why {
        Unread::NoToken => "this apply has no GitHub token (the `github-token` input is empty)",
        Unread::NoRepository => "`GITHUB_REPOSITORY` is not set",
    };
    format!(
        "The label `{ALLOW_DELETES_LABEL}` on the merged pull request could not be read: {because}, so a label there approves nothing and the deletes over the safety limit are refused. Give the apply job a token that can read pull requests (`pull-requests: read`) and re-run it, or run the workflow by hand with `allow-deletes: true`."
    )
}
