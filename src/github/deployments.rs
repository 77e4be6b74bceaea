//! The record of what was applied: GitHub deployments that edgeplan creates itself, the
//! comparison of two commits, and a pull request as it is now.
//!
//! Every apply is a deployment (<https://docs.github.com/en/rest/deployments/deployments>) with
//! `task: edgeplan-apply` ([`TASK`]) in the environment `edgeplan/<manifest input>`
//! ([`environment`]), `ref:` the commit, `auto_merge: false` and `required_contexts: []` (GitHub
//! neither merges nor waits for checks). Its statuses
//! (<https://docs.github.com/en/rest/deployments/statuses>) say `in_progress` before anything is
//! written, then `success` or `failure`. The last applied commit is the newest deployment of that
//! task and environment, created by edgeplan's own identity, with a `success` status
//! ([`last_success`]); the deployments GitHub makes for a job's `environment:` have another task
//! and environment and never count. Creating one needs `deployments: write`.
//!
//! A deployment's `payload` is fixed when it is created, and a status carries none. So the
//! `remaining=` digests of an apply that failed part-way are written as a deployment of their
//! own, right after the failed one, for the same commit, with `payload.edgeplan.remaining` and a
//! `failure` status ([`record_remaining`], read back by [`remaining`]).
//!
//! `GET /repos/{o}/{r}/compare/{base}...{head}` answers whether `head` is `ahead` of `base`,
//! `behind` it, `identical` or `diverged` ([`compare`]);
//! `GET /repos/{o}/{r}/pulls/{n}` the state and head of a pull request ([`pull`]). Every call
//! goes through [`GitHubClient`]: bounded in time, reads retried, POSTs sent once.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde::Deserialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::client::{Error, GitHubClient, User};
use super::comment::Author;
use super::event::Repo;
use crate::retry::Idempotency;

/// The deployment task of edgeplan's applies.
pub(crate) const TASK: &str = "edgeplan-apply";

/// What every environment of edgeplan's deployments starts with.
pub(crate) const ENVIRONMENT_PREFIX: &str = "edgeplan/";

/// Longest environment name written (GitHub allows 255 characters).
const MAX_ENVIRONMENT: usize = 200;

/// Pages of deployments (100 each) read at most when looking for the last success: past them
/// the answer is an error that says how to clear the way, never a guess.
pub const MAX_PAGES: usize = 10;

/// The environment of the applies of one `manifest` input: `edgeplan/<manifest input>` (DESIGN
/// section 6), the input's lines joined by a space as for the preview marker's `manifest=` key,
/// as typed (`edgeplan/edgeplan.yaml`, `edgeplan/dns/*.yaml`). Only an input that cannot be a
/// name (empty, a control character, longer than [`MAX_ENVIRONMENT`] with the prefix) is spelled
/// otherwise: each control character written `_`, cut to fit, and `_` with the first 12 hex
/// digits of the input's SHA-256 appended. GitHub ignores case in environment names, so inputs
/// that differ only in case share one record: an apply is then compared with the other's too,
/// which can refuse more, never less.
pub fn environment(manifests: &[String]) -> String {
    let key = manifests.join(" ");
    if !key.is_empty()
        && !key.chars().any(char::is_control)
        && ENVIRONMENT_PREFIX.len() + key.chars().count() <= MAX_ENVIRONMENT
    {
        return format!("{ENVIRONMENT_PREFIX}{key}");
    }
    let digest: String = Sha256::digest(key.as_bytes())
        .iter()
        .take(6)
        .map(|b| format!("{b:02x}"))
        .collect();
    let room = MAX_ENVIRONMENT - ENVIRONMENT_PREFIX.len() - digest.len() - 1;
    let readable: String = key
        .chars()
        .map(|c| if c.is_control() { '_' } else { c })
        .take(room)
        .collect();
    format!("{ENVIRONMENT_PREFIX}{readable}_{digest}")
}

/// A deployment, the fields edgeplan reads.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct Deployment {
    pub id: u64,
    #[serde(default)]
    pub sha: String,
    #[serde(default)]
    pub task: String,
    #[serde(default)]
    pub environment: String,
    #[serde(default)]
    pub creator: Option<User>,
    #[serde(default)]
    pub payload: Value,
}

impl Deployment {
    /// True when `author` (edgeplan's own identity) created it; logins compare as GitHub does,
    /// ignoring ASCII case.
    pub(crate) fn by(&self, author: &Author) -> bool {
        self.creator
            .as_ref()
            .is_some_and(|u| u.login.eq_ignore_ascii_case(&author.login))
    }
}

/// A deployment status edgeplan sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    InProgress,
    Success,
    Failure,
}

impl State {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            State::InProgress => "in_progress",
            State::Success => "success",
            State::Failure => "failure",
        }
    }
}

#[derive(Debug, Deserialize)]
struct StatusEntry {
    #[serde(default)]
    state: String,
}

/// Where `head` stands against `base` (`GET compare/{base}...{head}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Status {
    /// `head` descends from `base`.
    Ahead,
    /// `head` is an ancestor of `base`: an older commit.
    Behind,
    /// Neither descends from the other (a force-push).
    Diverged,
    Identical,
}

impl Status {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Status::Ahead => "ahead",
            Status::Behind => "behind",
            Status::Diverged => "diverged",
            Status::Identical => "identical",
        }
    }
}

/// A pull request as `GET /repos/{o}/{r}/pulls/{n}` answers now (a missing optional key reads
/// as `None`).
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub(crate) struct PullState {
    #[serde(default)]
    pub state: String,
    pub merged: Option<bool>,
    pub head: Option<PullHead>,
    /// The test merge commit GitHub computed for the current head (`null` while it computes).
    pub merge_commit_sha: Option<String>,
    /// The labels the pull request carries now.
    #[serde(default)]
    pub labels: Vec<IssueLabel>,
}

/// A label as GitHub answers it (`{"name": ...}` among other keys).
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub(crate) struct IssueLabel {
    #[serde(default)]
    pub name: String,
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub(crate) struct PullHead {
    pub sha: String,
}

/// A commit id fit for a route: ASCII letters and digits only.
fn commit(sha: &str) -> Result<&str, Error> {
    if sha.is_empty() || sha.len() > 64 || !sha.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(Error::Config(format!("`{sha}` is not a commit SHA")));
    }
    Ok(sha)
}

/// The help of a refused deployment write.
const DEPLOYMENTS_WRITE: &str = "edgeplan records every apply as a GitHub deployment: grant the apply job `permissions: deployments: write` (beside `contents: read` and `pull-requests: write`)";

/// A 403 or 404 on a deployment write: the token may not write deployments.
fn needs_write(e: Error) -> Error {
    match e {
        Error::Api {
            what,
            status: status @ (403 | 404),
            message,
            ..
        } => Error::Api {
            what,
            status,
            message,
            help: Some(DEPLOYMENTS_WRITE.into()),
        },
        other => other,
    }
}

/// Creates the deployment of `sha` in `environment` (task [`TASK`], `auto_merge: false`,
/// `required_contexts: []`, not transient, not production) with `payload`.
pub async fn create(
    client: &GitHubClient,
    repo: &Repo,
    sha: &str,
    environment: &str,
    payload: &Value,
) -> Result<Deployment, Error> {
    let sha = commit(sha)?;
    let what = format!("create a deployment of {sha} in `{environment}` ({repo})");
    let body = json!({
        "ref": sha,
        "task": TASK,
        "environment": environment,
        "auto_merge": false,
        "required_contexts": [],
        "payload": payload,
        "description": format!("edgeplan apply of {}", &sha[..sha.len().min(12)]),
        "transient_environment": false,
        "production_environment": false,
    });
    let route = format!("/repos/{repo}/deployments");
    client
        .post_json(&route, &body, Idempotency::Once, &what)
        .await
        .map_err(needs_write)
}

/// Adds a status to deployment `id`: `state`, a short `description` (cut to GitHub's 140
/// characters) and the run's `log_url`.
pub async fn set_status(
    client: &GitHubClient,
    repo: &Repo,
    id: u64,
    state: State,
    description: &str,
    log_url: Option<&str>,
) -> Result<(), Error> {
    let what = format!("set deployment {id} to `{}` ({repo})", state.as_str());
    let description: String = description.chars().take(140).collect();
    let mut body = json!({ "state": state.as_str(), "description": description });
    if let Some(url) = log_url {
        body["log_url"] = url.into();
    }
    let route = format!("/repos/{repo}/deployments/{id}/statuses");
    // Adding a status is safe to repeat: retried within the client's bounds (a status POST lost
    // to a 502 would leave the deployment `in_progress` after the DNS changed).
    client
        .post_json::<Value>(&route, &body, Idempotency::Read, &what)
        .await
        .map_err(needs_write)?;
    Ok(())
}

/// The newest deployment of [`TASK`] in `environment` created by `author` that has a `success`
/// status (GitHub adds `inactive` to older successes; they still count as applied), newest
/// first over every page, at most [`MAX_PAGES`] of 100. `None`: nothing was ever applied there.
/// Past the bound without a success (a long run of failed or cancelled applies, or another
/// identity's deployments in the environment) it is an [`Error::Bound`] whose help says which
/// deployments to delete (docs/action.md, "Too many deployments without a success").
pub async fn last_success(
    client: &GitHubClient,
    repo: &Repo,
    environment: &str,
    author: &Author,
) -> Result<Option<Deployment>, Error> {
    walk(client, repo, environment, author, None, |d, states| {
        if states.iter().any(|s| s == "success") {
            return Walk::Found(d);
        }
        Walk::Next
    })
    .await
}

/// The `remaining=` digests recorded for `sha` in `environment` by `author` after an apply
/// that failed part-way ([`record_remaining`]), from the newest such deployment of that commit;
/// `None` when the newest finished deployment of that commit is not one (never failed part-way,
/// or applied since).
pub async fn remaining(
    client: &GitHubClient,
    repo: &Repo,
    environment: &str,
    author: &Author,
    sha: &str,
) -> Result<Option<Vec<String>>, Error> {
    let sha = commit(sha)?;
    let found = walk(client, repo, environment, author, Some(sha), |d, states| {
        let finished = states.iter().any(|s| s == "success" || s == "failure");
        if finished {
            return Walk::Found(d);
        }
        Walk::Next
    })
    .await?;
    let Some(d) = found else {
        return Ok(None);
    };
    Ok(d.payload
        .get("edgeplan")
        .and_then(|e| e.get("remaining"))
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .filter_map(Value::as_str)
                .map(String::from)
                .collect()
        }))
}

/// Records the `remaining=` digests of the failed deployment `of` (same commit and environment):
/// a deployment whose payload holds them, set to `failure` at once.
pub async fn record_remaining(
    client: &GitHubClient,
    repo: &Repo,
    of: &Deployment,
    remaining: &[String],
    log_url: Option<&str>,
) -> Result<Deployment, Error> {
    let payload = json!({"edgeplan": {"version": 1, "remaining": remaining, "of": of.id}});
    let record = create(client, repo, &of.sha, &of.environment, &payload).await?;
    let description = format!(
        "{} pair(s) did not land in deployment {}; re-run the job",
        remaining.len(),
        of.id
    );
    set_status(
        client,
        repo,
        record.id,
        State::Failure,
        &description,
        log_url,
    )
    .await?;
    Ok(record)
}

/// What a visitor of [`walk`] says.
enum Walk {
    Next,
    Found(Deployment),
}

/// Visits edgeplan's own deployments of [`TASK`] in `environment` (of commit `sha` when given),
/// newest first, with the states of each one's statuses, until `visit` finds one. `None` when
/// the list ended first; [`Error::Bound`] past [`MAX_PAGES`] pages.
async fn walk(
    client: &GitHubClient,
    repo: &Repo,
    environment: &str,
    author: &Author,
    sha: Option<&str>,
    mut visit: impl FnMut(Deployment, Vec<String>) -> Walk,
) -> Result<Option<Deployment>, Error> {
    // The environment is the manifest input as typed: percent-encoded for the query.
    let mut route = format!(
        "/repos/{repo}/deployments?task={TASK}&environment={}&per_page=100",
        query_value(environment)
    );
    if let Some(sha) = sha {
        route.push_str(&format!("&sha={sha}"));
    }
    for page in 1..=MAX_PAGES {
        let what = format!("list deployments in `{environment}` ({repo}, page {page})");
        let (mut items, next): (Vec<Deployment>, _) = client.get_page(&route, &what).await?;
        // GitHub lists the newest first; ids grow with time, so order within the page by id.
        items.sort_by_key(|d| std::cmp::Reverse(d.id));
        for d in items {
            if d.task != TASK || d.environment != environment || !d.by(author) {
                continue;
            }
            if sha.is_some_and(|s| !d.sha.eq_ignore_ascii_case(s)) {
                continue;
            }
            let what = format!("list the statuses of deployment {} ({repo})", d.id);
            let route = format!("/repos/{repo}/deployments/{}/statuses?per_page=100", d.id);
            let statuses: Vec<StatusEntry> = client.get_json(&route, &what).await?;
            let states = statuses.into_iter().map(|s| s.state).collect();
            if let Walk::Found(d) = visit(d, states) {
                return Ok(Some(d));
            }
        }
        match next {
            Some(next) => route = next,
            None => return Ok(None),
        }
    }
    Err(too_many(repo, environment))
}

/// The error past [`MAX_PAGES`] pages, with the way out a person can follow.
fn too_many(repo: &Repo, environment: &str) -> Error {
    let list = format!(
        "gh api 'repos/{repo}/deployments?task={TASK}&environment={}&per_page=100' --paginate",
        query_value(environment)
    );
    Error::Bound {
        what: format!("look for the last applied commit in `{environment}` ({repo})"),
        detail: format!(
            "the newest {} deployments of `{TASK}` there hold no `success` of edgeplan's own; stopped looking ({MAX_PAGES} pages of 100), so no commit can be compared with it",
            MAX_PAGES * 100
        ),
        help: format!(
            "GitHub keeps every deployment, and each failed or cancelled apply adds one or two. Delete the `{TASK}` deployments of `{environment}` that are newer than its last success, keeping that one (list them: `{list}`; for each id: `gh api -X POST repos/{repo}/deployments/ID/statuses -f state=inactive`, then `gh api -X DELETE repos/{repo}/deployments/ID`; a token with `deployments: write`), then re-run the job. If no success is left, the next apply is compared with nothing: run it from the commit you mean to apply (docs/action.md, \"Too many deployments without a success\")"
        ),
    }
}

/// Percent-encodes what a query value may not hold as is.
fn query_value(value: &str) -> String {
    const KEEPS: &AsciiSet = &NON_ALPHANUMERIC
        .remove(b'.')
        .remove(b'/')
        .remove(b'-')
        .remove(b'_');
    utf8_percent_encode(value, KEEPS).to_string()
}

/// Where `head` stands against `base` (`GET /repos/{o}/{r}/compare/{base}...{head}`); equal
/// ids are `identical` without a request.
pub(crate) async fn compare(
    client: &GitHubClient,
    repo: &Repo,
    base: &str,
    head: &str,
) -> Result<Status, Error> {
    let (base, head) = (commit(base)?, commit(head)?);
    if base.eq_ignore_ascii_case(head) {
        return Ok(Status::Identical);
    }
    #[derive(Deserialize)]
    struct Comparison {
        status: String,
    }
    let what = format!("compare {base}...{head} ({repo})");
    let route = format!("/repos/{repo}/compare/{base}...{head}?per_page=1");
    let answer: Comparison = client.get_json(&route, &what).await?;
    match answer.status.as_str() {
        "ahead" => Ok(Status::Ahead),
        "behind" => Ok(Status::Behind),
        "diverged" => Ok(Status::Diverged),
        "identical" => Ok(Status::Identical),
        other => Err(Error::Transport {
            what,
            detail: format!(
                "unexpected comparison status `{}`",
                other.chars().take(40).collect::<String>()
            ),
            help: Some("check that GITHUB_API_URL points at the GitHub REST API".into()),
        }),
    }
}

/// The commit at the tip of `branch` (`GET /repos/{o}/{r}/branches/{branch}`).
pub async fn branch_head(
    client: &GitHubClient,
    repo: &Repo,
    branch: &str,
) -> Result<String, Error> {
    #[derive(Deserialize)]
    struct Branch {
        commit: Head,
    }
    #[derive(Deserialize)]
    struct Head {
        sha: String,
    }
    let what = format!("read the head of branch `{branch}` ({repo})");
    let route = format!("/repos/{repo}/branches/{}", query_value(branch));
    let answer: Branch = client.get_json(&route, &what).await?;
    Ok(answer.commit.sha)
}

/// Pull request `number` as it is now (`GET /repos/{o}/{r}/pulls/{number}`).
pub(crate) async fn pull(
    client: &GitHubClient,
    repo: &Repo,
    number: u64,
) -> Result<PullState, Error> {
    let what = format!("read pull request {repo}#{number}");
    let route = format!("/repos/{repo}/pulls/{number}");
    client.get_json(&route, &what).await
}

/// The names of the labels pull request `number` carries now
/// (`GET /repos/{o}/{r}/issues/{number}/labels`, one page of 100:
/// <https://docs.github.com/en/rest/issues/labels#list-labels-for-an-issue>; a pull request is an
/// issue to this endpoint, and `pull-requests: read` may read it).
pub async fn labels(client: &GitHubClient, repo: &Repo, number: u64) -> Result<Vec<String>, Error> {
    let what = format!("read the labels of pull request {repo}#{number}");
    let route = format!("/repos/{repo}/issues/{number}/labels?per_page=100");
    let answer: Vec<IssueLabel> = client.get_json(&route, &what).await?;
    Ok(answer.into_iter().map(|l| l.name).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(lines: &[&str]) -> String {
        environment(&lines.iter().map(|l| l.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn the_input_as_typed_is_the_environment() {
        assert_eq!(env(&["edgeplan.yaml"]), "edgeplan/edgeplan.yaml");
        assert_eq!(env(&["dns/a.example.yaml"]), "edgeplan/dns/a.example.yaml");
        assert_eq!(env(&["dns/*.yaml"]), "edgeplan/dns/*.yaml");
        // Two lines joined as the preview key does: the same as one line with a space.
        assert_eq!(env(&["a.yaml", "b.yaml"]), "edgeplan/a.yaml b.yaml");
    }

    #[test]
    fn query_values_encode_all_but_letters_digits_and_four_marks() {
        assert_eq!(
            query_value("edgeplan/dns/a b~\u{e9}&x=1.yaml_-"),
            "edgeplan/dns/a%20b%7E%C3%A9%26x%3D1.yaml_-"
        );
    }

    #[test]
    fn an_input_that_cannot_be_a_name_gets_a_digest() {
        let tab = env(&["dns/a\tb.yaml"]);
        assert!(tab.starts_with("edgeplan/dns/a_b.yaml_"), "{tab}");
        assert_eq!(tab.len(), "edgeplan/dns/a_b.yaml_".len() + 12);
        assert_ne!(tab, env(&["dns/a\rb.yaml"]));
        let long = env(&[&"a".repeat(400)]);
        assert!(long.len() <= MAX_ENVIRONMENT, "{}", long.len());
        assert_ne!(long, env(&[&"a".repeat(401)]));
        assert!(env(&[]).starts_with("edgeplan/_"));
    }

    #[test]
    fn commits_in_routes_are_plain() {
        assert!(commit("0123abc").is_ok());
        for bad in ["", "../x", "a b", "a?b"] {
            assert!(commit(bad).is_err(), "{bad}");
        }
    }
}
