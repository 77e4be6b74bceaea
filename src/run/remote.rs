//! `pull_request_target`: the manifests of the pull request's commit, read through the GitHub
//! API of the base repository and never from the workspace (docs/action.md, "Previews for
//! pull requests from forks").
//!
//! The commit is the one merge would produce: the test merge commit
//! (`pull_request.merge_commit_sha`) when the event names one, the API serves it and the pull
//! request's head is one of its parents (GitHub computes it after the event is sent, so the payload
//! of a push can name the merge of the previous head), else the head commit, and the comment says
//! which. The `manifest` input is resolved against that commit's tree ([`crate::github::paths`], by
//! the same walker as the disk, [`crate::resolve`]); each regular blob it names is fetched
//! ([`crate::github::tree`]) and given to the same loader as a file ([`manifest::load_bytes`]).
//! Nothing is written to disk and nothing from the pull request is run. What a reviewer can fix (a
//! missing path, a link, a file too large) is a manifest problem, shown in the sticky comment like
//! any other; what the API does is a failure with its exit code.

use std::path::Path;

use crate::exit::Exit;
use crate::github::client::GitHubClient;
use crate::github::event::Context;
use crate::github::paths::{self, Pick};
use crate::github::tree::{self, BlobError};
use crate::manifest::{self, Problem, Problems};
use crate::plan::Desired;
use crate::render::markdown::code;

use super::{Failure, github_failure};

/// The manifests of a pull request's commit, and where they were read from.
pub(super) struct Read {
    /// The commit read: the test merge commit or the head commit.
    pub commit: String,
    /// One Markdown line for the comment saying so.
    pub line: String,
    /// The valid manifests, or every problem found (the comment shows them).
    pub manifests: Result<Vec<Desired>, Vec<Problem>>,
}

const HELP_TOKEN: &str = "under pull_request_target edgeplan reads the manifests through the GitHub API: leave the `github-token` input at its default (`${{ github.token }}`) and give the job `permissions: contents: read`";

/// Reads the manifests the `manifest` input names from the pull request's commit. `probes`
/// says whether origin probes run, for the comment's line.
pub(super) async fn read(
    ctx: &Context,
    client: Option<&GitHubClient>,
    probes: bool,
) -> Result<Read, Failure> {
    let usage = |message: String, help: &str| Failure::new(Exit::Usage, message).help(help);
    let Some(client) = client else {
        return Err(usage(
            "the `github-token` input is empty, so the pull request's manifests cannot be read"
                .into(),
            HELP_TOKEN,
        ));
    };
    let Some(repo) = ctx.repository.as_ref() else {
        return Err(usage(
            "GITHUB_REPOSITORY is not set, so the pull request's manifests cannot be read".into(),
            "GITHUB_REPOSITORY is set by the Actions runner; outside Actions set it to owner/name",
        ));
    };
    let wanted = ctx
        .inputs
        .manifests
        .iter()
        .map(|line| paths::parse(line))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|m| {
            usage(
                m,
                "set the `manifest` input to paths or globs from the repository root, one per line",
            )
        })?;
    let pr = ctx.event.pull_request.as_ref();
    let hex = |s: &&String| !s.is_empty() && s.bytes().all(|b| b.is_ascii_hexdigit());
    let merge = pr.and_then(|p| p.merge_commit_sha.as_ref()).filter(hex);
    let Some(head) = pr.and_then(|p| p.head_sha.as_ref()).filter(hex) else {
        return Err(usage(
            "the event payload names no pull request head commit, so there is nothing to read"
                .into(),
            "run the fork preview on `pull_request_target` events only",
        ));
    };

    // The payload's test merge commit can be of an earlier push: the pull request as it is now
    // names the current one when its head is still the event's (DESIGN section 6).
    let now = match pr {
        Some(p) => Some(
            crate::github::deployments::pull(client, repo, p.number)
                .await
                .map_err(github_failure)?,
        ),
        None => None,
    };
    let current = now
        .filter(|n| {
            n.head
                .as_ref()
                .is_some_and(|h| h.sha.eq_ignore_ascii_case(head))
        })
        .and_then(|n| n.merge_commit_sha)
        .filter(|m| hex(&m));
    let merge = current.as_ref().or(merge);
    let (commit, root, mut line) = which_commit(client, repo, merge, head).await?;
    if !probes {
        line.push_str(" Origin probes were off (`fork-probes: false`).");
    }
    let input = ctx.inputs.manifests.join(", ");
    let entries = match tree::entries(client, repo, &commit, root, &wanted).await {
        Ok(entries) => entries,
        // Not the API failing: the input's globs reach too much of a large tree. A manifest
        // problem, as a walk too large on disk is: the preview says so (`plan=invalid`).
        Err(crate::github::client::Error::Config(message)) => {
            let help = crate::resolve::walk::LARGE_HELP;
            return Ok(Read {
                commit,
                line,
                manifests: Err(problem(&input, false, message, help).shown),
            });
        }
        Err(e) => return Err(github_failure(e)),
    };
    let selection = paths::select(&wanted, &entries, &commit);
    // The links and submodules a pattern did not search, as on disk.
    super::manifests::print_notices(&selection.notices, true);
    let manifests = load(client, repo, &selection.picks, &input).await?;
    Ok(Read {
        commit,
        line,
        manifests,
    })
}

/// The commit a preview reads: the test merge commit when it is of the current head and served,
/// else the head; its recursive tree; and the comment's line saying which.
async fn which_commit(
    client: &GitHubClient,
    repo: &crate::github::event::Repo,
    merge: Option<&String>,
    head: &String,
) -> Result<(String, tree::Tree, String), Failure> {
    let mut line = String::new();
    let mut root = None;
    if let Some(merge) = merge {
        // GitHub computes the test merge commit after the event is sent: the payload of a push
        // can still name the merge of the previous head. It is used only when the head is one of
        // its parents.
        match tree::commit(client, repo, merge).await {
            Ok(c) if c.parents.iter().any(|p| p.sha == *head) => {
                let t = tree::tree(client, repo, merge, true)
                    .await
                    .map_err(github_failure)?;
                line = format!(
                    "Read through the GitHub API from the pull request's test merge commit {} (what merge would produce), not from the workspace.",
                    code(merge)
                );
                root = Some((merge.clone(), t));
            }
            Ok(_) => {
                line = format!(
                    "The test merge commit {} in the event is of an earlier push (the head is not one of its parents). ",
                    code(merge)
                );
            }
            Err(e) if matches!(e.status(), Some(404 | 422)) => {
                line = format!(
                    "GitHub did not serve the test merge commit {}. ",
                    code(merge)
                );
            }
            Err(e) => return Err(github_failure(e)),
        }
    }
    let (commit, root) = match root {
        Some(found) => found,
        None => match tree::tree(client, repo, head, true).await {
            Ok(t) => {
                line.push_str(&format!(
                    "Read through the GitHub API from the pull request's head commit {}, not from the workspace; if the base branch has moved since, merge can differ from this preview.",
                    code(head)
                ));
                (head.clone(), t)
            }
            Err(e) if matches!(e.status(), Some(404 | 422)) => {
                return Err(Failure::new(
                    Exit::Rejected,
                    format!("the pull request's commit {head} is not in {repo} any more ({e})"),
                )
                .help("the pull request was force-pushed or closed since this run started: the run for its new head previews it; re-run this job only if none started. A private repository answers 404 too when the job lacks `permissions: contents: read`"));
            }
            Err(e) => return Err(github_failure(e)),
        },
    };
    Ok((commit, root, line))
}

/// Most manifests one preview reads through the API, and most bytes in all: a pull request
/// chooses what a glob matches, and each file costs a request on the repository's token.
pub(super) const MAX_FILES: usize = 50;
pub(super) const MAX_TOTAL_BYTES: u64 = 16 * 1024 * 1024;

/// One problem at `path`: at its first line when the commit has the file, else without a place.
fn problem(path: &str, found: bool, message: String, help: &str) -> Problems {
    Problems {
        shown: vec![Problem {
            file: Path::new(path).to_path_buf(),
            line: usize::from(found),
            col: 1,
            message,
            help: Some(help.to_string()),
        }],
        more: 0,
    }
}

/// Refuses, before anything is fetched, a set of files larger than one preview reads.
fn too_many(picks: &[Pick], wanted: &str) -> Option<Problems> {
    let read: Vec<&paths::CommitEntry> = picks
        .iter()
        .filter_map(|p| match p {
            Pick::Read(e) => Some(e),
            Pick::Refuse { .. } => None,
        })
        .collect();
    let bytes: u64 = read.iter().filter_map(|e| e.size).sum();
    (read.len() > MAX_FILES || bytes > MAX_TOTAL_BYTES).then(|| {
        problem(
            wanted,
            false,
            format!(
                "the `manifest` input matches {} files ({bytes} bytes) in the pull request's commit; a preview reads at most {MAX_FILES} files and {MAX_TOTAL_BYTES} bytes through the API",
                read.len()
            ),
            "narrow the `manifest` input's globs to the manifests, or shard the previews by manifest (docs/action.md)",
        )
    })
}

/// Fetches and validates every picked blob; refusals become problems at the file's first line.
async fn load(
    client: &GitHubClient,
    repo: &crate::github::event::Repo,
    picks: &[Pick],
    wanted: &str,
) -> Result<Result<Vec<Desired>, Vec<Problem>>, Failure> {
    if let Some(refused) = too_many(picks, wanted) {
        return Ok(Err(refused.shown));
    }
    let mut manifests = Vec::new();
    let mut problems = Problems::default();
    for pick in picks {
        let entry = match pick {
            Pick::Refuse {
                path,
                found,
                message,
                help,
            } => {
                problems.append(problem(path, *found, message.clone(), help));
                continue;
            }
            Pick::Read(entry) => entry,
        };
        match tree::blob(client, repo, &entry.sha).await {
            Ok(bytes) => match manifest::load_bytes(Path::new(&entry.path), &bytes) {
                Ok(m) => manifests.push(m),
                Err(p) => problems.append(p),
            },
            Err(BlobError::Refused(message)) => problems.append(problem(
                &entry.path,
                true,
                message,
                "keep each manifest under 1 MiB; split it into one manifest per zone",
            )),
            Err(BlobError::Api(e)) => return Err(github_failure(e)),
        }
    }
    Ok(super::manifests::checked_set(manifests, problems))
}
