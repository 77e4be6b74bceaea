//! The GitHub REST client: issue comments and the pull requests a commit merged.
//!
//! Built on octocrab with `base_uri(GITHUB_API_URL)`, so GitHub Enterprise Server
//! (`https://HOST/api/v3`) and local test servers work the same way; routes are relative and
//! octocrab keeps the base path (`service/middleware/base_uri.rs`). Only REST is used: octocrab's
//! GraphQL URL is wrong on GHES.
//!
//! Retries are edgeplan's own. octocrab's default `RetryConfig::Simple(3)` resends every method,
//! POST included, immediately and without delay on any 5xx, 429 or transport error, which can
//! post a comment twice; it is switched off (`RetryConfig::None`). The policy of
//! [`crate::retry`] applies instead: reads and idempotent writes (PATCH, DELETE) back off
//! exponentially with jitter, honouring `Retry-After`; a POST is sent once, and a duplicate from a
//! lost response is repaired by the next sticky-comment upsert; the one POST that is safe to repeat
//! (adding a deployment status) is retried like a read. A rate limit was not processed, so any
//! request, a POST too, is sent again once it is over, as GitHub documents: after `retry-after`,
//! after `x-ratelimit-reset` when `x-ratelimit-remaining` is 0, or, for a secondary limit named in
//! the message, after at least a minute, longer while it lasts; within the longest rate-limit wait
//! ([`Policy::rate_wait`]), each wait said on stderr. A rate limit pauses every call through the
//! client's [`RateGate`].
//!
//! Failures become [`Error`] (`error.rs`), which says what was attempted and what to do.
//!
//! NOTE: octocrab is the transport only (base URI, authentication), over edgeplan's own reqwest
//! client (timeouts, redirects, and the trust of [`crate::tls`]: `transport.rs`); every
//! call goes through its raw `_get`/`_post`/`_patch`/`_delete`, decided call by call:
//! - its typed calls (`issues().list_comments()`, `create_comment`, `commits/{sha}/pulls`) turn a
//!   failure into an error without the response headers, so `Retry-After` and
//!   `x-ratelimit-reset` (the retry wait and the shared [`RateGate`]) would be lost; its
//!   `update_comment` sends POST where GitHub documents PATCH;
//! - its models (`models::issues::Comment`, `models::pulls::PullRequest`) require fields
//!   edgeplan never reads (`url`, `created_at`, a full `user` with a dozen URLs), so an answer
//!   missing one (a GHES proxy, a test server) would fail to parse where [`IssueComment`] and
//!   [`PullSummary`] read it today. They would add no check that edgeplan needs.

use http::header::HeaderMap;
use http::{Method, Uri};
use octocrab::Octocrab;
use serde::Deserialize;

pub use super::error::Error;
use super::error::{api_error, describe};
use super::event::Repo;
use crate::retry::{
    self, Api, Attempt, AttemptFailure, GiveUp, Idempotency, Malformed, Policy, Poll, RateGate,
};
use crate::secret::Secret;

/// The public GitHub API; GHES sets `GITHUB_API_URL` to `https://HOST/api/v3` instead.
pub(crate) const DEFAULT_API_URL: &str = "https://api.github.com";

/// Pages followed at most (10,000 comments): a loop guard, far past any real PR.
const MAX_PAGES: usize = 100;

/// An issue (or PR) comment, the fields edgeplan reads.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct IssueComment {
    pub id: u64,
    #[serde(default)]
    pub body: Option<String>,
    #[serde(default)]
    pub html_url: String,
    #[serde(default)]
    pub user: Option<User>,
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct User {
    pub login: String,
    /// `Bot` for `github-actions[bot]` and other apps, `User` for people.
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
}

/// A pull request from `GET /repos/{o}/{r}/commits/{sha}/pulls`.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct PullSummary {
    pub number: u64,
    #[serde(default)]
    pub html_url: String,
    #[serde(default)]
    pub merged_at: Option<String>,
    #[serde(default)]
    pub merge_commit_sha: Option<String>,
    #[serde(default)]
    pub base: Option<BaseRef>,
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct BaseRef {
    #[serde(rename = "ref")]
    pub git_ref: String,
}

/// The HTTP methods this client sends: the only ones octocrab's raw calls are used for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verb {
    Get,
    Post,
    Patch,
    Delete,
}

impl Verb {
    fn method(self) -> Method {
        match self {
            Verb::Get => Method::GET,
            Verb::Post => Method::POST,
            Verb::Patch => Method::PATCH,
            Verb::Delete => Method::DELETE,
        }
    }
}

/// A response, whatever its status.
struct RawAnswer {
    status: u16,
    headers: HeaderMap,
    body: String,
}

/// The GitHub REST client.
pub struct GitHubClient {
    octo: Octocrab,
    base: Uri,
    retry: Policy,
    pulls: Poll,
    gate: RateGate,
}

impl std::fmt::Debug for GitHubClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GitHubClient")
            .field("base", &self.base)
            .finish()
    }
}

impl GitHubClient {
    /// A client for `api_url` (`GITHUB_API_URL`) authenticating with `token`, retrying per
    /// `retry` and looking up merged pull requests per `pulls`; it trusts the built-in roots.
    pub fn new(
        api_url: &str,
        token: &Secret,
        retry: Policy,
        pulls: Poll,
    ) -> Result<GitHubClient, Error> {
        GitHubClient::trusting(api_url, token, retry, pulls, None)
    }

    /// [`GitHubClient::new`], trusting `trust` (the system store and `SSL_CERT_FILE`,
    /// `run::Settings::trust`) on top of the built-in roots.
    pub fn trusting(
        api_url: &str,
        token: &Secret,
        retry: Policy,
        pulls: Poll,
        trust: Option<&crate::tls::Trust>,
    ) -> Result<GitHubClient, Error> {
        let base: Uri = api_url
            .trim_end_matches('/')
            .parse()
            .map_err(|e| Error::Config(format!("GITHUB_API_URL `{api_url}` is not a URL: {e}")))?;
        if base.scheme().is_none() || base.authority().is_none() {
            return Err(Error::Config(format!(
                "GITHUB_API_URL `{api_url}` needs a scheme and host"
            )));
        }
        // octocrab builds the Authorization header with `parse().unwrap()`: a token with a
        // newline or control character would panic there, so it is refused here first.
        let value = token.expose();
        if value.is_empty() || !value.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(Error::Config(
                "the GitHub token is empty or contains spaces, newlines or non-ASCII characters"
                    .into(),
            ));
        }
        let octo = super::transport::octocrab(&base, value, &retry, trust)?;
        Ok(GitHubClient {
            octo,
            base,
            retry,
            pulls,
            gate: RateGate::new(),
        })
    }

    /// The action's client for `api_url` (`GITHUB_API_URL`, from the settings); `None` when no
    /// `token` was given (the step summary is then the only report). `settings` is read only
    /// then: `Err` names the malformed setting.
    pub(crate) fn for_action(
        api_url: &str,
        token: Option<&Secret>,
        settings: &Result<(Policy, Poll), Malformed>,
        trust: Option<&crate::tls::Trust>,
    ) -> Result<Option<GitHubClient>, Error> {
        token
            .map(|token| {
                let (retry, pulls) = settings.clone().map_err(|e| Error::Config(e.to_string()))?;
                GitHubClient::trusting(api_url, token, retry, pulls, trust)
            })
            .transpose()
    }

    /// `GET /user`: the login the token acts as, for a personal token; `None` when GitHub
    /// refuses the question (401, 403, 404), as it does for the workflow token and for GitHub
    /// App installation tokens (403 "Resource not accessible by integration").
    pub async fn token_login(&self) -> Result<Option<String>, Error> {
        let what = "read the token's user (GET /user)";
        match self.call(Verb::Get, "/user", None, what).await {
            Ok(answer) => {
                let user: User = parse(&answer.body, what)?;
                Ok(Some(user.login).filter(|l| !l.is_empty()))
            }
            Err(Error::Api {
                status: 401 | 403 | 404,
                ..
            }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Every comment on issue or PR `number`, all pages (`per_page=100`, `Link: rel="next"`).
    pub async fn list_issue_comments(
        &self,
        repo: &Repo,
        number: u64,
    ) -> Result<Vec<IssueComment>, Error> {
        let mut route = format!("/repos/{repo}/issues/{number}/comments?per_page=100");
        let mut all = Vec::new();
        for page in 1..=MAX_PAGES {
            let what = format!("list comments on {repo}#{number} (page {page})");
            let answer = self.call(Verb::Get, &route, None, &what).await?;
            let mut items: Vec<IssueComment> = parse(&answer.body, &what)?;
            all.append(&mut items);
            match next_link(&answer.headers) {
                None => return Ok(all),
                Some(next) => route = self.relative(&next, &what)?,
            }
        }
        Err(Error::Config(format!(
            "{repo}#{number} has more than {MAX_PAGES} pages of comments; stopped following `Link: rel=\"next\"`"
        )))
    }

    /// Posts a new comment (sent once, never retried: see the module docs).
    pub async fn create_comment(
        &self,
        repo: &Repo,
        number: u64,
        body: &str,
    ) -> Result<IssueComment, Error> {
        let what = format!("create a comment on {repo}#{number}");
        let route = format!("/repos/{repo}/issues/{number}/comments");
        self.send_body(Verb::Post, &route, body, &what).await
    }

    /// Replaces a comment's body with `PATCH`, as GitHub documents (octocrab's own
    /// `update_comment` sends POST).
    pub(crate) async fn update_comment(
        &self,
        repo: &Repo,
        id: u64,
        body: &str,
    ) -> Result<IssueComment, Error> {
        let what = format!("update comment {id} in {repo}");
        let route = format!("/repos/{repo}/issues/comments/{id}");
        self.send_body(Verb::Patch, &route, body, &what).await
    }

    /// Sends `{"body": body}` and reads the comment GitHub answers with.
    async fn send_body(
        &self,
        verb: Verb,
        route: &str,
        body: &str,
        what: &str,
    ) -> Result<IssueComment, Error> {
        let json = serde_json::json!({ "body": body });
        let answer = self.call(verb, route, Some(&json), what).await?;
        parse(&answer.body, what)
    }

    /// Deletes a comment; one already gone (404) counts as deleted.
    pub(crate) async fn delete_comment(&self, repo: &Repo, id: u64) -> Result<(), Error> {
        let what = format!("delete comment {id} in {repo}");
        let route = format!("/repos/{repo}/issues/comments/{id}");
        match self.call(Verb::Delete, &route, None, &what).await {
            Ok(_) => Ok(()),
            Err(Error::Api { status: 404, .. }) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// `GET /repos/{o}/{r}/commits/{sha}/pulls`, asked once: every pull request GitHub lists
    /// for the commit, merged or not (the apply gate polls it itself, `run::action::gate`).
    pub(crate) async fn commit_pulls(
        &self,
        repo: &Repo,
        sha: &str,
    ) -> Result<Vec<PullSummary>, Error> {
        if sha.is_empty() || !sha.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(Error::Config(format!("`{sha}` is not a commit SHA")));
        }
        let what = format!("list pull requests for commit {sha} in {repo}");
        let route = format!("/repos/{repo}/commits/{sha}/pulls?per_page=100");
        let answer = self.call(Verb::Get, &route, None, &what).await?;
        parse(&answer.body, &what)
    }

    /// How far apart merged pull requests are looked up (`EDGEPLAN_GITHUB_RETRY_MS`).
    pub(crate) fn pulls_poll(&self) -> Poll {
        self.pulls
    }

    /// The merged pull requests into `default_branch` that introduced `sha`, the one whose
    /// `merge_commit_sha` is `sha` first. The list can lag the push, so an empty answer is
    /// retried briefly; empty in the end means a direct push.
    pub async fn pulls_for_commit(
        &self,
        repo: &Repo,
        sha: &str,
        default_branch: &str,
    ) -> Result<Vec<PullSummary>, Error> {
        let attempts = self.pulls.attempts.max(1);
        for attempt in 1..=attempts {
            let all = self.commit_pulls(repo, sha).await?;
            let mut merged: Vec<PullSummary> = all
                .into_iter()
                .filter(|p| p.merged_at.is_some())
                .filter(|p| p.base.as_ref().is_some_and(|b| b.git_ref == default_branch))
                .collect();
            if !merged.is_empty() || attempt == attempts {
                merged.sort_by_key(|p| {
                    (
                        p.merge_commit_sha.as_deref() != Some(sha),
                        std::cmp::Reverse(p.number),
                    )
                });
                return Ok(merged);
            }
            tokio::time::sleep(self.pulls.delay).await;
        }
        Ok(Vec::new())
    }

    /// `GET route` read as `T`, retried like every read: the git data of [`super::tree`].
    pub(super) async fn get_json<T: serde::de::DeserializeOwned>(
        &self,
        route: &str,
        what: &str,
    ) -> Result<T, Error> {
        let answer = self.call(Verb::Get, route, None, what).await?;
        parse(&answer.body, what)
    }

    /// `POST route` with a JSON `body`, read as `T`. `kind` says whether it may be sent again:
    /// [`Idempotency::Once`] like every POST (creating a deployment), or [`Idempotency::Read`],
    /// retried like a read, only for a POST that is safe to repeat (adding a deployment status:
    /// a second one of the same state changes nothing that edgeplan or GitHub reads).
    pub(super) async fn post_json<T: serde::de::DeserializeOwned>(
        &self,
        route: &str,
        body: &serde_json::Value,
        kind: Idempotency,
        what: &str,
    ) -> Result<T, Error> {
        let answer = self
            .call_as(Verb::Post, kind, route, Some(body), what)
            .await?;
        parse(&answer.body, what)
    }

    /// `GET route` read as `T`, with the route of the next page (`Link: rel="next"`), if any.
    pub(super) async fn get_page<T: serde::de::DeserializeOwned>(
        &self,
        route: &str,
        what: &str,
    ) -> Result<(T, Option<String>), Error> {
        let answer = self.call(Verb::Get, route, None, what).await?;
        let items = parse(&answer.body, what)?;
        let next = match next_link(&answer.headers) {
            Some(link) => Some(self.relative(&link, what)?),
            None => None,
        };
        Ok((items, next))
    }

    /// Turns an absolute `Link` URL into a route on the same base; a link to another host is
    /// refused rather than sent the token.
    fn relative(&self, link: &str, what: &str) -> Result<String, Error> {
        let uri: Uri = link.parse().map_err(|e| Error::Transport {
            what: what.to_string(),
            detail: format!("unusable `Link: rel=\"next\"` URL `{link}`: {e}"),
            help: None,
        })?;
        if uri.authority().is_some()
            && (uri.authority() != self.base.authority() || uri.scheme() != self.base.scheme())
        {
            return Err(Error::Transport {
                what: what.to_string(),
                detail: format!(
                    "the next page is on another host ({link}); not following it with the token"
                ),
                help: Some("check GITHUB_API_URL: it must be the API the pages come from".into()),
            });
        }
        Ok(uri
            .path_and_query()
            .map(|p| p.as_str().to_string())
            .unwrap_or_else(|| "/".into()))
    }

    /// Sends one request, retrying reads and idempotent writes per the client's [`Policy`].
    async fn call(
        &self,
        verb: Verb,
        route: &str,
        body: Option<&serde_json::Value>,
        what: &str,
    ) -> Result<RawAnswer, Error> {
        let kind = Api::GitHub.idempotency(&verb.method());
        self.call_as(verb, kind, route, body, what).await
    }

    /// [`GitHubClient::call`] with the request's idempotency given.
    async fn call_as(
        &self,
        verb: Verb,
        kind: Idempotency,
        route: &str,
        body: Option<&serde_json::Value>,
        what: &str,
    ) -> Result<RawAnswer, Error> {
        /// A failed attempt: an answer with a failing status, or none.
        enum Cause {
            Status { status: u16, text: String },
            NoAnswer(NoAnswer),
        }
        impl std::fmt::Display for Cause {
            /// For the notice of a call still waiting: the status, or why no answer came.
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                match self {
                    Cause::Status { status, .. } => write!(f, "HTTP {status}"),
                    Cause::NoAnswer(err) => f.write_str(&err.describe()),
                }
            }
        }
        let gate = &self.gate;
        let attempt = || async move {
            match self.send_once(verb, route, body).await {
                Ok(answer) if (200..300).contains(&answer.status) => Attempt::Done(Ok(answer)),
                Ok(RawAnswer {
                    status,
                    headers,
                    body: text,
                }) => {
                    // A rate limit as GitHub documents it: `retry-after`, a spent primary limit
                    // (`x-ratelimit-remaining: 0` until `x-ratelimit-reset`), or a secondary
                    // limit named in the message; `retry::call` waits and pauses the gate.
                    let failure = retry::status_failure(Api::GitHub, status, &headers, &text);
                    Attempt::Failed {
                        failure,
                        asked: retry::retry_after(&headers, std::time::SystemTime::now()),
                        cause: Cause::Status { status, text },
                    }
                }
                Err(err) => Attempt::Failed {
                    // An answer past the size limit would be as long the next time.
                    failure: if err.too_large() {
                        AttemptFailure::Final
                    } else {
                        AttemptFailure::Unknown
                    },
                    asked: None,
                    cause: Cause::NoAnswer(err),
                },
            }
        };
        let give_up = |cause, why, attempts: u32| match cause {
            Cause::Status { status, text } => {
                let err = api_error(what, status, &text, attempts);
                match why {
                    GiveUp::RateBound(bound) => super::error::past_rate_bound(err, &bound),
                    _ => err,
                }
            }
            Cause::NoAnswer(err) => {
                let detail = err.describe();
                Error::Transport {
                    what: what.to_string(),
                    detail: if attempts > 1 {
                        format!("{detail} (after {attempts} attempts)")
                    } else {
                        detail
                    },
                    help: Some(if kind == Idempotency::Once {
                        "the request was sent once and not retried, so it may or may not have landed; re-running edgeplan updates the comment in place without duplicating it".into()
                    } else {
                        "GitHub could not be reached; check the network and GITHUB_API_URL, then re-run the job".into()
                    }),
                }
            }
        };
        let call = retry::Call {
            api: Api::GitHub,
            what,
            policy: &self.retry,
            gate,
            kind,
            paced: false,
        };
        retry::call(call, attempt, give_up).await
    }

    /// Sends one request and reads its answer within the policy's per-attempt deadline
    /// ([`Policy::timeout`]: the whole exchange, not only each read, so a server that trickles
    /// its answer cannot hold the run); `Err` when no whole answer came back in time.
    async fn send_once(
        &self,
        verb: Verb,
        route: &str,
        body: Option<&serde_json::Value>,
    ) -> Result<RawAnswer, NoAnswer> {
        let exchange = async {
            let response = match verb {
                Verb::Get => self.octo._get(route).await,
                Verb::Post => self.octo._post(route, body).await,
                Verb::Patch => self.octo._patch(route, body).await,
                Verb::Delete => self.octo._delete(route, body).await,
            }?;
            let status = response.status().as_u16();
            let headers = response.headers().clone();
            let body = self.octo.body_to_string(response).await?;
            Ok(RawAnswer {
                status,
                headers,
                body,
            })
        };
        match tokio::time::timeout(self.retry.timeout, exchange).await {
            Ok(answer) => answer.map_err(NoAnswer::Failed),
            Err(_) => Err(NoAnswer::Deadline(self.retry.timeout)),
        }
    }
}

/// Why an attempt brought no whole answer.
#[derive(Debug)]
enum NoAnswer {
    Failed(octocrab::Error),
    /// The exchange outlasted the per-attempt deadline.
    Deadline(std::time::Duration),
}

impl NoAnswer {
    /// Whether the answer was cut off at the response size limit.
    fn too_large(&self) -> bool {
        let NoAnswer::Failed(err) = self else {
            return false;
        };
        crate::chain::sources(err).any(|e| e.is::<super::transport::TooLarge>())
    }

    fn describe(&self) -> String {
        match self {
            NoAnswer::Failed(err) => describe(err),
            NoAnswer::Deadline(limit) => format!(
                "no whole answer within {} ms, the per-attempt deadline (EDGEPLAN_HTTP_TIMEOUT_MS)",
                limit.as_millis()
            ),
        }
    }
}

/// The `rel="next"` URL of a `Link` header.
pub(crate) fn next_link(headers: &HeaderMap) -> Option<String> {
    headers.get_all("link").iter().find_map(|value| {
        value.to_str().ok()?.split(',').find_map(|part| {
            let (url, params) = part.split_once(';')?;
            let is_next = params
                .split(';')
                .any(|p| p.trim().replace(' ', "") == "rel=\"next\"");
            is_next.then(|| {
                url.trim()
                    .trim_start_matches('<')
                    .trim_end_matches('>')
                    .to_string()
            })
        })
    })
}

fn parse<T: serde::de::DeserializeOwned>(body: &str, what: &str) -> Result<T, Error> {
    serde_json::from_str(body).map_err(|e| Error::Transport {
        what: what.to_string(),
        detail: format!("unexpected response: {e}"),
        help: Some("check that GITHUB_API_URL points at the GitHub REST API".into()),
    })
}

#[cfg(test)]
#[path = "client_tests.rs"]
mod tests;
