//! Stale commits never apply; stale previews never overwrite (DESIGN section 6).
//!
//! Apply side ([`begin`], [`finish`]): every apply (push and `workflow_dispatch`) is a GitHub
//! deployment edgeplan creates itself (`github::deployments`). Before anything is written, the
//! commit is compared with the last one applied in the same environment (the newest `success`
//! deployment of edgeplan's own identity): `ahead` (a newer commit, whatever else was merged
//! meanwhile) and `identical` (a re-run) pass; `behind` and `diverged` are an older commit and
//! nothing is written (exit 1, both commits named). Two commits GitHub cannot compare (404: the
//! applied one is gone after a force-push, or no common history) count as `diverged`. One
//! exception, a person's explicit decision: a `workflow_dispatch` run of the default branch's
//! current head passes whatever the comparison says, so after a force-push of the default branch
//! (every push is then `diverged`) dispatching `command: apply` applies the branch as it now is; a
//! re-run of that dispatch run once the branch moved on is refused like any older commit. Then the
//! deployment is created and set `in_progress` (a refusal is exit 3, nothing written), and after
//! the apply `success` or `failure`, with the `remaining=` digests of a partial failure recorded.
//! Without a GitHub token nothing can be recorded or compared: the check is skipped with a warning
//! (a push apply without a token under the reviewed-plan gate is refused before this).
//!
//! Preview side ([`still_current`], [`list`], [`upsert_listed`]): just before the comment is
//! written the pull request is read again; a pull request no longer open, or whose head is no
//! longer the event's, gets no comment from this run (exit 0, a notice, and the step summary says
//! why). Two runs at once leave one comment: after creating its comment a run lists again and keeps
//! the oldest of its own identity's previews with that marker, deleting the other own ones (never
//! another author's) and updating the kept one to its body when needed.

use serde_json::json;

use crate::exit::Exit;
use crate::github::client::{Error, GitHubClient, IssueComment};
use crate::github::comment::{self, Author, Sticky};
use crate::github::deployments::{self, Deployment, State, Status};
use crate::github::dispatch::is_allow_deletes;
use crate::github::event::{Context, EventName, Repo};
use crate::github::workflow::{Annotation, Level};
use crate::plan::verdict::StaleCommit;
use crate::render::comment::with_marker;
use crate::render::inert;

use super::super::Failure;
use super::outputs::Outputs;
use crate::run::github_failure;

/// An apply recorded as a deployment, to be finished after writing.
#[derive(Debug)]
pub(super) struct DeploymentRecord {
    pub deployment: Deployment,
    repo: Repo,
}

/// `sha` if it reads as a commit id, else a placeholder: API answers are shown inert.
fn shown(sha: &str) -> &str {
    if !sha.is_empty() && sha.len() <= 64 && sha.bytes().all(|b| b.is_ascii_alphanumeric()) {
        sha
    } else {
        "(unreadable commit)"
    }
}

/// What the check before writing decided.
#[derive(Debug)]
pub(super) enum Begun {
    /// The apply may write: recorded as an `in_progress` deployment (`None`: no GitHub token,
    /// nothing recorded, a warning says so).
    Recorded(Option<DeploymentRecord>),
    /// An older commit: nothing may be written (a reason of the run's verdict).
    Stale(StaleCommit),
}

/// The check before an apply writes anything: compares this run's commit with the last one
/// applied in its environment and, when it may apply, records the apply as an `in_progress`
/// deployment.
pub(super) async fn begin(
    ctx: &Context,
    github: Option<&GitHubClient>,
    author: &Author,
) -> Result<Begun, Failure> {
    let Some(client) = github else {
        let message = "no GitHub token: this apply is not recorded as a deployment and not compared with the last applied commit, so a re-run of an older run could put an older manifest back; give the apply job a `github-token` with `deployments: write`";
        outln!("{}", Annotation::new(Level::Warning, message).command());
        return Ok(Begun::Recorded(None));
    };
    let Some(repo) = ctx.repository.clone() else {
        return Err(Failure::new(
            Exit::Usage,
            "GITHUB_REPOSITORY is not set, so the apply cannot be recorded as a deployment",
        )
        .help("run edgeplan action under GitHub Actions, or set GITHUB_REPOSITORY to owner/name"));
    };
    let Some(sha) = ctx.sha.clone().filter(|s| shown(s) == s) else {
        return Err(Failure::new(
            Exit::Usage,
            "GITHUB_SHA is not set to a commit, so the apply cannot be compared with the last applied commit",
        )
        .help("run edgeplan action under GitHub Actions, or set GITHUB_SHA to the commit applied"));
    };
    let environment = deployments::environment(&ctx.inputs.manifests);
    let last = deployments::last_success(client, &repo, &environment, author)
        .await
        .map_err(github_failure)?;
    if let Some(last) = &last {
        let status = match deployments::compare(client, &repo, &last.sha, &sha).await {
            Ok(status) => status,
            // GitHub cannot compare them (the applied commit is gone after a force-push, or they
            // share no history): descent is not proven, so the commit counts as diverged.
            Err(Error::Api {
                status: 404,
                message,
                ..
            }) => {
                outln!(
                    "edgeplan: GitHub cannot compare {}...{sha} ({}); counted as diverged",
                    inert(shown(&last.sha)),
                    inert(&message)
                );
                Status::Diverged
            }
            Err(e) => return Err(github_failure(e)),
        };
        outln!(
            "edgeplan: commit {sha} is {} the last applied commit {} in `{}` (deployment {})",
            match status {
                Status::Ahead => "ahead of",
                Status::Behind => "behind",
                Status::Diverged => "diverged from",
                Status::Identical => "identical to",
            },
            inert(shown(&last.sha)),
            inert(&environment),
            last.id
        );
        if matches!(status, Status::Behind | Status::Diverged)
            && let Some(stale) =
                refuse_unless_current_head(ctx, client, &repo, &sha, last, status, &environment)
                    .await?
        {
            return Ok(Begun::Stale(stale));
        }
    } else {
        outln!(
            "edgeplan: nothing was applied in `{}` before; commit {sha} is the first",
            inert(&environment)
        );
    }
    let payload = json!({"edgeplan": {
        "version": 1,
        "event": ctx.event.name.as_str(),
        "manifest": ctx.inputs.manifests,
        "run": ctx.run_url(),
        "last": last.as_ref().map(|d| d.sha.clone()),
    }});
    let deployment = deployments::create(client, &repo, &sha, &environment, &payload)
        .await
        .map_err(github_failure)?;
    let run_url = ctx.run_url();
    deployments::set_status(
        client,
        &repo,
        deployment.id,
        State::InProgress,
        "edgeplan is applying this commit",
        run_url.as_deref(),
    )
    .await
    .map_err(github_failure)?;
    outln!(
        "edgeplan: recorded as deployment {} of {sha} in `{}` (in_progress)",
        deployment.id,
        inert(&environment)
    );
    Ok(Begun::Recorded(Some(DeploymentRecord { deployment, repo })))
}

/// A `behind` or `diverged` commit: refused (`Some`, worded by `render::verdict`), unless this
/// is a `workflow_dispatch` run of the default branch's current head (a person applying the
/// branch as it is now).
async fn refuse_unless_current_head(
    ctx: &Context,
    client: &GitHubClient,
    repo: &Repo,
    sha: &str,
    last: &Deployment,
    status: Status,
    environment: &str,
) -> Result<Option<StaleCommit>, Failure> {
    let dispatch = ctx.event.name == EventName::WorkflowDispatch;
    if dispatch && let Some(branch) = ctx.event.default_branch.as_deref() {
        let head = deployments::branch_head(client, repo, branch)
            .await
            .map_err(github_failure)?;
        if head.eq_ignore_ascii_case(sha) {
            outln!(
                "edgeplan: {sha} is the current head of `{}`, dispatched by hand: applied although it is {} the last applied commit",
                inert(branch),
                status.as_str()
            );
            return Ok(None);
        }
    }
    Ok(Some(StaleCommit {
        sha: sha.to_string(),
        last: shown(&last.sha).to_string(),
        environment: environment.to_string(),
        deployment: last.id,
        diverged: status == Status::Diverged,
        dispatch,
    }))
}

/// After the apply: the deployment's status, `success` when everything was written (`ok`),
/// else `failure`, and then the `remaining=` digests of the pairs that did not fully land
/// (given by the reviewed-plan gate; empty when it knows none).
pub(super) async fn finish(
    ctx: &Context,
    github: Option<&GitHubClient>,
    record: Option<DeploymentRecord>,
    ok: bool,
    remaining: &[String],
) -> Result<(), Failure> {
    let (Some(client), Some(DeploymentRecord { deployment, repo })) = (github, record) else {
        return Ok(());
    };
    let run_url = ctx.run_url();
    let (state, description) = if ok {
        (State::Success, "edgeplan applied this commit")
    } else {
        (State::Failure, "edgeplan's apply of this commit failed")
    };
    let recorded = async {
        deployments::set_status(
            client,
            &repo,
            deployment.id,
            state,
            description,
            run_url.as_deref(),
        )
        .await?;
        if !ok && !remaining.is_empty() {
            deployments::record_remaining(
                client,
                &repo,
                &deployment,
                remaining,
                run_url.as_deref(),
            )
            .await?;
        }
        Ok::<(), Error>(())
    }
    .await;
    match recorded {
        Ok(()) => {
            outln!(
                "edgeplan: deployment {} set to {}",
                deployment.id,
                state.as_str()
            );
            Ok(())
        }
        Err(e) => {
            let mut f = github_failure(e);
            f.help = Some(format!(
                "the DNS change was {} but its deployment {} could not be finished, so a later run may not see this commit as applied; re-run the job: a re-run of this commit records it",
                if ok { "applied" } else { "attempted" },
                deployment.id
            ));
            Err(f)
        }
    }
}

/// Whether a preview may still be written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Current {
    /// The pull request is open at the event's head; `merge_commit_sha` is GitHub's current
    /// test merge commit (under `pull_request_target`, what merge would produce), when computed;
    /// `labelled`: it carries the label `edgeplan/allow-deletes` now.
    Yes {
        merge_commit_sha: Option<String>,
        labelled: bool,
    },
    /// Superseded: why, in words (for the notice and the step summary).
    No { why: String },
}

/// Reads pull request `pr` just before its preview is written: open, with `head.sha` equal to
/// the event's `pull_request.head.sha`. A payload naming no head cannot be told current: no.
/// The same answer says whether it carries the label `edgeplan/allow-deletes` now.
pub(super) async fn still_current(
    client: &GitHubClient,
    repo: &Repo,
    pr: u64,
    event_head: Option<&str>,
) -> Result<Current, Failure> {
    let now = deployments::pull(client, repo, pr)
        .await
        .map_err(github_failure)?;
    if now.state != "open" {
        let state = if now.merged == Some(true) {
            "merged"
        } else if !now.state.is_empty() && now.state.bytes().all(|b| b.is_ascii_lowercase()) {
            now.state.as_str()
        } else {
            "no longer open"
        };
        return Ok(Current::No {
            why: format!("pull request #{pr} is {state} now, so this run's preview is out of date"),
        });
    }
    let Some(head) = event_head else {
        return Ok(Current::No {
            why: format!(
                "the event names no head commit of pull request #{pr}, so this run cannot tell that it previews the current one"
            ),
        });
    };
    let labelled = (now.labels.iter()).any(|l| is_allow_deletes(&l.name));
    match now.head {
        Some(h) if h.sha.eq_ignore_ascii_case(head) => Ok(Current::Yes {
            merge_commit_sha: now.merge_commit_sha.filter(|m| shown(m) == m.as_str()),
            labelled,
        }),
        Some(h) => Ok(Current::No {
            why: format!(
                "pull request #{pr} moved on to commit {} after this run started (it previewed {})",
                shown(&h.sha),
                shown(head)
            ),
        }),
        None => Ok(Current::No {
            why: format!("GitHub names no head commit for pull request #{pr}"),
        }),
    }
}

/// [`still_current`] for the event's pull request, reported: `Some` (whether the pull request
/// carries the label `edgeplan/allow-deletes` now) when the preview may be written (the log
/// names the current test merge commit); `None` after a notice and a line in the step summary
/// saying why nothing is written.
pub(super) async fn may_write(
    ctx: &Context,
    client: &GitHubClient,
    repo: &Repo,
    pr: u64,
    out: &mut Outputs,
) -> Result<Option<bool>, Failure> {
    let head = ctx.event.pull_request.as_ref();
    let head = head.and_then(|p| p.head_sha.as_deref());
    match still_current(client, repo, pr, head).await? {
        Current::No { why } => {
            superseded(&why, out);
            Ok(None)
        }
        Current::Yes {
            merge_commit_sha,
            labelled,
        } => {
            if let Some(m) = merge_commit_sha {
                outln!("edgeplan: pull request #{pr} is current; its test merge commit is {m}");
            }
            Ok(Some(labelled))
        }
    }
}

/// Reports a superseded preview: a notice, and the step summary says why nothing was written.
pub(super) fn superseded(why: &str, out: &mut Outputs) {
    let message = format!(
        "{why}; no comment was written (the run for the pull request's current state writes it)"
    );
    out.note(Level::Notice, &message);
}

/// edgeplan's own comments with the marker, as [`list`] found them, and the other bots'; with
/// the marker they were listed by, so that [`upsert_listed`] writes and lists again by that same
/// marker.
pub(super) struct Listed {
    marker: String,
    mine: Vec<IssueComment>,
    other_bots: Vec<String>,
}

/// Every page of the pull request's comments read, so that the
/// caller can read the pull request again right before the write ([`may_write`]) and the
/// window in which a newer head can be overwritten is one request, not the whole listing.
pub(super) async fn list(
    client: &GitHubClient,
    repo: &Repo,
    pr: u64,
    marker: &str,
    author: &Author,
) -> Result<Listed, Error> {
    // edgeplan's own comments whose first line is `marker` (its identity), oldest first, and
    // the logins of the other bots whose comments carry it (left alone).
    let (mut mine, other_bots) = comment::find_all(client, repo, pr, marker, author).await?;
    mine.reverse();
    Ok(Listed {
        marker: marker.to_string(),
        mine,
        other_bots,
    })
}

/// The write, from what [`list`] found: the preview's sticky comment, one per marker identity even
/// when runs race: the oldest of edgeplan's own comments with the marker is kept (every run agrees
/// on it) and updated when its content differs; the other own ones are deleted; none: one is
/// created, then the comments are listed again and the same rule applied, so two runs that both
/// created one leave one. Comments by any other author are never touched (`github::comment` rules).
/// `body` gets the listing's marker first when it lacks one of that identity.
pub(super) async fn upsert_listed(
    client: &GitHubClient,
    repo: &Repo,
    pr: u64,
    body: &str,
    author: &Author,
    listed: Listed,
) -> Result<Sticky, Error> {
    let Listed {
        marker,
        mine,
        other_bots,
    } = listed;
    let body = with_marker(&marker, body);
    let (mine, created) = if mine.is_empty() {
        let created = client.create_comment(repo, pr, &body).await?;
        let mut again = list(client, repo, pr, &marker, author).await?.mine;
        if !again.iter().any(|c| c.id == created.id) {
            again.push(created.clone());
            again.sort_by_key(|c| c.id);
        }
        (again, Some(created.id))
    } else {
        (mine, None)
    };
    let sticky = comment::keep_one(client, repo, &mine, &body, created, other_bots).await?;
    if sticky.removed > 0 {
        outln!(
            "edgeplan: kept the oldest preview comment ({}) and deleted {} duplicate(s) of edgeplan's own",
            sticky.id,
            sticky.removed
        );
    }
    Ok(sticky)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_commit_ids_are_shown() {
        for (sha, as_shown) in [
            ("0123abcd", "0123abcd"),
            ("::warning::x", "(unreadable commit)"),
            ("", "(unreadable commit)"),
        ] {
            assert_eq!(shown(sha), as_shown, "{sha:?}");
        }
    }
}
