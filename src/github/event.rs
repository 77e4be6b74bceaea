//! What the Actions runner tells a step: the `GITHUB_*` variables, the event payload and the
//! action's inputs, read once into a [`Context`].
//!
//! The variables are documented at
//! <https://docs.github.com/en/actions/reference/workflows-and-actions/variables>, the payloads at
//! <https://docs.github.com/en/webhooks/webhook-events-and-payloads>. The action's inputs are
//! parsed by [`super::inputs`], from the variables its table names.
//!
//! The payload model is deliberately small and tolerant: every field is optional and unknown keys
//! are ignored, because the Actions copy of a payload differs from the webhook copy (a `push`
//! omits `added`/`removed`/`modified`) and recorded payloads carry extra keys. Only what the
//! dispatch table needs is kept: PR number, fork flag, default branch, ref, dispatch inputs, and
//! a pull request event's `action` with whether `changes.base` says its base branch changed.

use std::path::PathBuf;

use serde::Deserialize;

pub(crate) use super::inputs::{CommandInput, ContextError, Inputs};

pub(crate) const DEFAULT_SERVER_URL: &str = "https://github.com";

/// `GITHUB_EVENT_NAME`, with the events the dispatch table distinguishes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum EventName {
    PullRequest,
    PullRequestTarget,
    Push,
    WorkflowDispatch,
    Schedule,
    /// Anything else (`merge_group`, `workflow_run`, a local run without Actions, ...).
    Other(String),
}

impl EventName {
    pub(crate) fn parse(name: &str) -> EventName {
        match name {
            "pull_request" => EventName::PullRequest,
            "pull_request_target" => EventName::PullRequestTarget,
            "push" => EventName::Push,
            "workflow_dispatch" => EventName::WorkflowDispatch,
            "schedule" => EventName::Schedule,
            other => EventName::Other(other.to_string()),
        }
    }

    pub(crate) fn as_str(&self) -> &str {
        match self {
            EventName::PullRequest => "pull_request",
            EventName::PullRequestTarget => "pull_request_target",
            EventName::Push => "push",
            EventName::WorkflowDispatch => "workflow_dispatch",
            EventName::Schedule => "schedule",
            EventName::Other(name) => name,
        }
    }

    pub(crate) fn is_pull_request(&self) -> bool {
        matches!(self, EventName::PullRequest | EventName::PullRequestTarget)
    }
}

/// A pull request as the dispatch table needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PullRequest {
    pub number: u64,
    /// The PR's head commit (`GITHUB_SHA` is the test merge commit on `pull_request`).
    pub head_sha: Option<String>,
    /// `pull_request.merge_commit_sha`: the test merge commit, when GitHub had computed it.
    pub merge_commit_sha: Option<String>,
    /// The head lives in another repository: secrets are withheld and the token is read-only.
    pub from_fork: bool,
    /// `pull_request.labels[].name`: the labels the pull request carried when the event fired
    /// (a `labeled` event's payload already lists the new label).
    pub labels: Vec<String>,
}

impl PullRequest {
    /// Whether the pull request carries `label` (GitHub compares label names without case).
    pub(crate) fn has_label(&self, label: &str) -> bool {
        self.labels.iter().any(|l| l.eq_ignore_ascii_case(label))
    }
}

/// The event: its name and the parts of its payload that matter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Event {
    pub name: EventName,
    pub pull_request: Option<PullRequest>,
    /// `repository.default_branch` of the payload; never assumed to be `main`.
    pub default_branch: Option<String>,
    /// The payload's `ref` (push, workflow_dispatch), else `GITHUB_REF`.
    pub git_ref: Option<String>,
    /// `inputs.command` of a `workflow_dispatch` payload (always a string there).
    pub dispatch_command: Option<CommandInput>,
    /// The payload's `action` (`opened`, `synchronize`, `closed`, ...): which activity of the
    /// event this run is for. `None` when the payload has none (push, a local run).
    pub action: Option<String>,
    /// The payload's `changes.base` is present: an `edited` pull request got a new base branch,
    /// so its proposed change (the diff against the base) is new.
    pub base_changed: bool,
    /// `label.name` of a `labeled` or `unlabeled` pull request event: the label added or
    /// removed.
    pub label: Option<String>,
}

impl Event {
    /// True when the ref is the default branch (`refs/heads/<default_branch>`). Unknown default
    /// branch means false: applying is never guessed into.
    pub(crate) fn on_default_branch(&self) -> bool {
        match (&self.git_ref, &self.default_branch) {
            (Some(r), Some(branch)) => r.strip_prefix("refs/heads/") == Some(branch.as_str()),
            _ => false,
        }
    }
}

/// `owner/name` from `GITHUB_REPOSITORY`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repo {
    pub owner: String,
    pub name: String,
}

impl Repo {
    /// Splits `owner/name` on the first `/`; both halves must be non-empty.
    pub fn parse(full: &str) -> Option<Repo> {
        let (owner, name) = full.trim().split_once('/')?;
        if owner.is_empty() || name.is_empty() || name.contains('/') {
            return None;
        }
        Some(Repo {
            owner: owner.to_string(),
            name: name.to_string(),
        })
    }
}

impl std::fmt::Display for Repo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.owner, self.name)
    }
}

/// What the action reads from its environment about the run: the event, the inputs and the
/// `GITHUB_*` facts. Tokens and the runner's output files are `run::Settings`', read once there.
#[derive(Debug, Clone)]
pub(crate) struct Context {
    pub event: Event,
    pub inputs: Inputs,
    pub repository: Option<Repo>,
    /// `GITHUB_SHA`.
    pub sha: Option<String>,
    pub server_url: String,
    pub run_id: Option<String>,
    /// `GITHUB_WORKSPACE` (read by `run::Settings` and handed in): annotation paths are made
    /// relative to it.
    pub workspace: Option<PathBuf>,
    /// One Markdown line saying where the manifests were read from, when not the workspace
    /// (under `pull_request_target`, a commit through the API); set once they are read.
    pub manifest_source: Option<String>,
}

impl Context {
    /// Reads the process environment and the payload file; `workspace` is `GITHUB_WORKSPACE` as
    /// the settings read it.
    pub(crate) fn from_env(workspace: Option<PathBuf>) -> Result<Context, ContextError> {
        Context::from_vars(|name| std::env::var(name).ok(), workspace)
    }

    /// Reads from any variable source (tests pass a map). Empty variables count as unset, as the
    /// runner passes an unset input as an empty string.
    pub(crate) fn from_vars(
        var: impl Fn(&str) -> Option<String>,
        workspace: Option<PathBuf>,
    ) -> Result<Context, ContextError> {
        let get = |name: &str| var(name).filter(|v| !v.is_empty());
        let payload = match get("GITHUB_EVENT_PATH") {
            Some(path) => {
                let bytes = std::fs::read(&path).map_err(|e| ContextError::Payload {
                    path: path.clone(),
                    detail: e.to_string(),
                })?;
                serde_json::from_slice::<Payload>(&bytes).map_err(|e| ContextError::Payload {
                    path: path.clone(),
                    detail: e.to_string(),
                })?
            }
            None => Payload::default(),
        };
        let name = EventName::parse(get("GITHUB_EVENT_NAME").as_deref().unwrap_or(""));
        let event = payload.into_event(name, get("GITHUB_REF"))?;

        let inputs = Inputs::from_vars(get)?;

        Ok(Context {
            event,
            inputs,
            repository: get("GITHUB_REPOSITORY").and_then(|r| Repo::parse(&r)),
            sha: get("GITHUB_SHA"),
            server_url: get("GITHUB_SERVER_URL")
                .unwrap_or_else(|| DEFAULT_SERVER_URL.to_string())
                .trim_end_matches('/')
                .to_string(),
            run_id: get("GITHUB_RUN_ID"),
            workspace,
            manifest_source: None,
        })
    }

    /// `$GITHUB_SERVER_URL/$GITHUB_REPOSITORY/actions/runs/$GITHUB_RUN_ID`, for the comment footer.
    pub(crate) fn run_url(&self) -> Option<String> {
        let repo = self.repository.as_ref()?;
        let run = self.run_id.as_ref()?;
        Some(format!("{}/{repo}/actions/runs/{run}", self.server_url))
    }
}

// The payload model: all optional, unknown keys ignored.

#[derive(Debug, Default, Deserialize)]
struct Payload {
    number: Option<u64>,
    pull_request: Option<PullRequestPayload>,
    repository: Option<RepositoryPayload>,
    #[serde(rename = "ref")]
    git_ref: Option<String>,
    inputs: Option<serde_json::Map<String, serde_json::Value>>,
    /// Kept loose (any JSON): a payload is never refused for the shape of a field only read.
    action: Option<serde_json::Value>,
    /// `changes` of an `edited` pull request: which of title, body and base changed. Only the
    /// presence of `base` is read (its `ref.from`/`sha.from` are the old base).
    changes: Option<serde_json::Value>,
    /// `label` of a `labeled`/`unlabeled` pull request event; kept loose like `action`.
    label: Option<serde_json::Value>,
}

#[derive(Debug, Deserialize)]
struct PullRequestPayload {
    number: Option<u64>,
    /// Kept loose: only each entry's `name` string is read.
    labels: Option<serde_json::Value>,
    merge_commit_sha: Option<String>,
    head: Option<BranchPayload>,
    base: Option<BranchPayload>,
}

#[derive(Debug, Deserialize)]
struct BranchPayload {
    sha: Option<String>,
    /// Null when the head repository was deleted.
    repo: Option<RepositoryPayload>,
}

#[derive(Debug, Deserialize)]
struct RepositoryPayload {
    full_name: Option<String>,
    default_branch: Option<String>,
    fork: Option<bool>,
}

impl Payload {
    fn into_event(self, name: EventName, env_ref: Option<String>) -> Result<Event, ContextError> {
        let base_full = self.repository.as_ref().and_then(|r| r.full_name.clone());
        let pull_request = self.pull_request.and_then(|pr| {
            let number = self.number.or(pr.number)?;
            let head_repo = pr.head.as_ref().and_then(|h| h.repo.as_ref());
            let base_repo_name = pr
                .base
                .as_ref()
                .and_then(|b| b.repo.as_ref())
                .and_then(|r| r.full_name.clone())
                .or(base_full);
            // A deleted head repository (repo: null) can only have been a fork.
            let from_fork = match head_repo {
                None => true,
                Some(head) => {
                    head.fork == Some(true)
                        || (head.full_name.is_some() && head.full_name != base_repo_name)
                }
            };
            Some(PullRequest {
                number,
                head_sha: pr.head.as_ref().and_then(|h| h.sha.clone()),
                merge_commit_sha: pr.merge_commit_sha.clone(),
                from_fork,
                labels: label_names(pr.labels.as_ref()),
            })
        });
        let dispatch_command = match self.inputs.as_ref().and_then(|i| i.get("command")) {
            None => None,
            Some(value) => {
                let text = value.as_str().unwrap_or_default();
                Some(
                    CommandInput::parse(text).ok_or_else(|| ContextError::BadCommand {
                        source_name: "workflow_dispatch input".into(),
                        value: value.to_string(),
                    })?,
                )
            }
        };
        Ok(Event {
            name,
            pull_request,
            default_branch: self.repository.and_then(|r| r.default_branch),
            git_ref: self.git_ref.or(env_ref),
            dispatch_command,
            action: self.action.and_then(|a| a.as_str().map(String::from)),
            base_changed: self
                .changes
                .as_ref()
                .and_then(|c| c.get("base"))
                .is_some_and(|b| !b.is_null()),
            label: (self.label.as_ref())
                .and_then(|l| l.get("name"))
                .and_then(|n| n.as_str())
                .map(String::from),
        })
    }
}

/// The `name` of each label object of a payload's `labels` array; anything else is skipped.
fn label_names(labels: Option<&serde_json::Value>) -> Vec<String> {
    (labels.and_then(|l| l.as_array()).into_iter().flatten())
        .filter_map(|l| l.get("name").and_then(|n| n.as_str()))
        .map(String::from)
        .collect()
}

#[cfg(test)]
#[path = "event_tests.rs"]
mod tests;
