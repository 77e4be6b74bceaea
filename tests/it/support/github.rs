//! A local, stateful stand-in for the GitHub REST API parts edgeplan uses: issue comments
//! (list with `per_page`/`page` and absolute `Link` headers, create, update by PATCH or POST,
//! delete), `GET /repos/{o}/{r}/commits/{sha}/pulls`, `GET /repos/{o}/{r}/issues/{n}/labels`
//! ([`GitHub::set_labels`]) and `GET /user` (403 "Resource not
//! accessible by integration", as for the workflow token, unless [`GitHub::token_user`] makes the
//! tokens a person's: then 200 with that login, and comments are posted as that person), the
//! git trees and blobs of commits a test adds ([`GitHub::commit`], `github_git.rs`), and
//! deployments, comparisons, branches and pull requests as they are now ([`GitHub::deploys`],
//! `github_deploy.rs`).
//!
//! It answers like GitHub where edgeplan depends on it: JSON error bodies (`{"message": ...}`), 401
//! "Bad credentials" for an unknown token, 403 "Resource not accessible by integration" when a
//! read-only token writes (a fork PR's token), 422 "Body is too long" past 65,536 characters,
//! default page size 30 and maximum 100; an injected failure can carry headers, as GitHub's rate
//! limits do ([`GitHub::fail_next_with`]). An optional path prefix stands in for GitHub Enterprise
//! Server's `/api/v3`. Every request is logged for assertions.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use serde_json::{Value, json};

use super::github_deploy::Deploy;
use super::github_git::{GitFile, Store};
use super::http::{Reply, Request, Response, Server, handler};

pub const WRITE_TOKEN: &str = "ghs_test_write_token_7f3a";
pub const READ_TOKEN: &str = "ghs_test_read_only_token_91c2";
pub const BOT_LOGIN: &str = "github-actions[bot]";
const MAX_BODY_CHARS: usize = 65_536;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredComment {
    pub id: u64,
    pub issue: u64,
    pub repo: String,
    pub body: String,
    pub login: String,
    pub kind: String,
}

impl StoredComment {
    /// The first line of the body: edgeplan's marker, on a comment it wrote.
    pub fn marker(&self) -> &str {
        self.body.lines().next().unwrap_or_default()
    }
}

/// Response headers of an injected answer: (name, value).
type Headers = Vec<(String, String)>;

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub struct Logged {
    pub method: String,
    /// Path with the prefix, as received.
    pub path: String,
    pub query: Vec<(String, String)>,
    pub authorization: Option<String>,
    pub body: String,
}

#[derive(Default)]
struct State {
    comments: Vec<StoredComment>,
    next_id: u64,
    /// `repo/sha` -> pull request objects.
    pulls: HashMap<String, Vec<Value>>,
    /// Answer `[]` to this many pulls lookups first (GitHub lags a push).
    pulls_empty_for: usize,
    log: Vec<Logged>,
    /// Injected answers for the next request with this method, with their headers.
    fail_next: VecDeque<(String, u16, Value, Headers)>,
    /// Injected answers for the next request with this method whose path contains a fragment.
    fail_at: VecDeque<(String, String, u16, Value)>,
    /// The person the tokens belong to (a personal token); `None`: the workflow token.
    user: Option<String>,
    /// Commits served by the git trees and blobs endpoints.
    git: Store,
    /// Deployments, comparisons and pull requests as they are now (`github_deploy.rs`).
    deploy: Deploy,
    /// Comments that land just before the next comment is created (another run's, racing).
    race: Vec<StoredComment>,
    /// A push to a pull request's branch that lands while its comments are next listed:
    /// (pull request, new head).
    push_on_list: Option<(u64, String)>,
    /// Added before each answer (benchmarks of round trips; zero by default).
    latency: std::time::Duration,
    /// When each request was received (before the latency), with its method and path.
    received: Vec<(std::time::Instant, String)>,
    /// The labels each issue or pull request carries now (`GET .../issues/{n}/labels`).
    labels: HashMap<u64, Vec<String>>,
}

/// A running local GitHub. Stops when dropped.
pub struct GitHub {
    server: Server,
    state: Arc<Mutex<State>>,
    prefix: String,
}

impl GitHub {
    pub fn start() -> GitHub {
        GitHub::start_with_prefix("")
    }

    /// `prefix` like `/api/v3` serves the API below it, as GHES does.
    pub fn start_with_prefix(prefix: &str) -> GitHub {
        let state = Arc::new(Mutex::new(State {
            next_id: 1000,
            ..State::default()
        }));
        let shared = state.clone();
        let pfx = prefix.trim_end_matches('/').to_string();
        let p = pfx.clone();
        let server = Server::start(
            0,
            handler(move |req| {
                let state = shared.clone();
                let prefix = p.clone();
                async move {
                    let latency = {
                        let mut s = state.lock().unwrap_or_else(|e| e.into_inner());
                        let what = format!("{} {}", req.method, req.path);
                        s.received.push((std::time::Instant::now(), what));
                        s.latency
                    };
                    if !latency.is_zero() {
                        tokio::time::sleep(latency).await;
                    }
                    Reply::Send(serve(&state, &prefix, req))
                }
            }),
        );
        GitHub {
            server,
            state,
            prefix: pfx,
        }
    }

    /// What `GITHUB_API_URL` should be.
    pub fn api_url(&self) -> String {
        format!("{}{}", self.server.url(), self.prefix)
    }

    /// edgeplan's GitHub client of this server with `token`: `retries` retries and `polls`
    /// polls of a pull request, a few milliseconds apart, so that a test waits for nothing.
    pub fn client(
        &self,
        token: &str,
        retries: u32,
        polls: u32,
    ) -> edgeplan::github::client::GitHubClient {
        let retry = edgeplan::retry::Policy {
            max_retries: retries,
            base: Duration::from_millis(5),
            max_wait: Duration::from_secs(1),
            ..edgeplan::retry::Policy::GITHUB
        };
        let pulls = edgeplan::retry::Poll {
            attempts: polls,
            delay: Duration::from_millis(5),
        };
        let token = edgeplan::secret::Secret::new(token);
        edgeplan::github::client::GitHubClient::new(&self.api_url(), &token, retry, pulls)
            .expect("client")
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Adds a comment as if posted by `login` (`kind` is `User` or `Bot`); returns its id.
    pub fn seed_comment(&self, repo: &str, issue: u64, login: &str, kind: &str, body: &str) -> u64 {
        let mut s = self.lock();
        s.next_id += 1;
        let id = s.next_id;
        s.comments.push(StoredComment {
            id,
            issue,
            repo: repo.into(),
            body: body.into(),
            login: login.into(),
            kind: kind.into(),
        });
        id
    }

    /// `n` comments by people, to make a busy PR.
    pub fn seed_chatter(&self, repo: &str, issue: u64, n: usize) {
        for i in 0..n {
            self.seed_comment(
                repo,
                issue,
                &format!("user{}", i % 7),
                "User",
                &format!("LGTM #{i}"),
            );
        }
    }

    pub fn comments(&self, repo: &str, issue: u64) -> Vec<StoredComment> {
        self.lock()
            .comments
            .iter()
            .filter(|c| c.repo == repo && c.issue == issue)
            .cloned()
            .collect()
    }

    /// Every stored comment, on any repository and issue.
    pub fn all_comments(&self) -> Vec<StoredComment> {
        self.lock().comments.clone()
    }

    /// Pull request (or issue) `number` carries `labels` from now on, as
    /// `GET /repos/{o}/{r}/issues/{n}/labels` answers.
    pub fn set_labels(&self, number: u64, labels: &[&str]) {
        let names = labels.iter().map(|l| l.to_string()).collect();
        self.lock().labels.insert(number, names);
    }

    /// Registers a PR for `GET /repos/{repo}/commits/{sha}/pulls`.
    pub fn add_pull(&self, repo: &str, sha: &str, pull: Value) {
        self.lock()
            .pulls
            .entry(format!("{repo}/{sha}"))
            .or_default()
            .push(pull);
    }

    pub fn pulls_empty_for(&self, n: usize) {
        self.lock().pulls_empty_for = n;
    }

    /// The next request with `method` gets `status` and `body` instead.
    pub fn fail_next(&self, method: &str, status: u16, body: Value) {
        self.fail_next_with(method, status, body, &[]);
    }

    /// [`GitHub::fail_next`] with response `headers` (a rate limit's `retry-after`,
    /// `x-ratelimit-remaining`, `x-ratelimit-reset`).
    pub fn fail_next_with(&self, method: &str, status: u16, body: Value, headers: &[(&str, &str)]) {
        let headers = (headers.iter())
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        self.lock()
            .fail_next
            .push_back((method.to_string(), status, body, headers));
    }

    /// The next request with `method` whose path contains `fragment` gets `status` and `body`.
    pub fn fail_next_at(&self, method: &str, fragment: &str, status: u16, body: Value) {
        self.lock()
            .fail_at
            .push_back((method.to_string(), fragment.to_string(), status, body));
    }

    /// The tokens act as the person `login` (personal tokens): `GET /user` answers 200 with it
    /// and new comments are posted as that `User`.
    pub fn token_user(&self, login: &str) {
        self.lock().user = Some(login.to_string());
    }

    /// Adds commit `sha` with `files` to what the git trees and blobs endpoints serve.
    pub fn commit(&self, sha: &str, files: &[(&str, GitFile)]) {
        self.lock().git.commit(sha, files);
    }

    /// Gives commit `sha` its parents (a test merge commit: the base, then the head).
    pub fn parents(&self, sha: &str, parents: &[&str]) {
        let mut s = self.lock();
        s.git.parents(sha, parents);
        s.deploy.history(sha, parents);
    }

    /// Deployments, comparisons and pull requests as they are now (`github_deploy.rs`).
    pub fn deploys(&self) -> Deploy {
        self.lock().deploy.clone()
    }

    /// Just before the next comment is created, a comment as `login` with `body` lands on
    /// `issue` (another run racing this one); returns nothing, the id is assigned then.
    pub fn race_next_create(&self, repo: &str, issue: u64, login: &str, kind: &str, body: &str) {
        self.lock().race.push(StoredComment {
            id: 0,
            issue,
            repo: repo.into(),
            body: body.into(),
            login: login.into(),
            kind: kind.into(),
        });
    }

    /// Pull request `pr` moves to `head` while its comments are next listed (a push racing a
    /// preview that has already read the pull request once).
    pub fn push_while_listing(&self, pr: u64, head: &str) {
        self.lock().push_on_list = Some((pr, head.into()));
    }

    /// Recursive tree listings longer than `n` entries come back `truncated`.
    pub fn truncate_trees_over(&self, n: usize) {
        self.lock().git.truncate_over = n;
    }

    /// Sleeps `ms` before answering each request, as the local Cloudflare's `set_latency`.
    pub fn set_latency(&self, ms: u64) {
        self.lock().latency = std::time::Duration::from_millis(ms);
    }

    /// How many answers went out gzip-encoded because the request asked for it.
    pub fn gzipped(&self) -> usize {
        self.server.gzipped()
    }

    /// When each request was received (before the latency), with `METHOD path`.
    pub fn received(&self) -> Vec<(std::time::Instant, String)> {
        self.lock().received.clone()
    }

    pub fn log(&self) -> Vec<Logged> {
        self.lock().log.clone()
    }

    /// Requests with `method` whose path contains `fragment`.
    pub fn count(&self, method: &str, fragment: &str) -> usize {
        self.lock()
            .log
            .iter()
            .filter(|l| l.method == method && l.path.contains(fragment))
            .count()
    }
}

/// A merged PR object as `commits/{sha}/pulls` returns it.
pub fn merged_pull(number: u64, base: &str, merge_commit_sha: &str) -> Value {
    json!({
        "number": number,
        "html_url": format!("https://github.com/o/r/pull/{number}"),
        "state": "closed",
        "merged_at": "2026-01-02T03:04:05Z",
        "merge_commit_sha": merge_commit_sha,
        "base": {"ref": base},
    })
}

fn error(status: u16, message: &str) -> Response {
    Response::json(
        status,
        &json!({"message": message, "documentation_url": "https://docs.github.com/rest"}),
    )
}

fn serve(state: &Mutex<State>, prefix: &str, req: Request) -> Response {
    let mut s = state.lock().unwrap_or_else(|e| e.into_inner());
    let response = route(&mut s, prefix, &req);
    s.log.push(Logged {
        method: req.method.clone(),
        path: req.path.clone(),
        query: req.query.clone(),
        authorization: req.header("authorization").map(String::from),
        body: String::from_utf8_lossy(&req.body).into_owned(),
    });
    response
}

fn route(s: &mut State, prefix: &str, req: &Request) -> Response {
    let Some(path) = req.path.strip_prefix(prefix) else {
        return error(404, "Not Found");
    };
    let token = req.header("authorization").and_then(|h| {
        h.strip_prefix("Bearer ")
            .or_else(|| h.strip_prefix("token "))
            .map(str::trim)
    });
    let writable = match token {
        None => return error(401, "Requires authentication"),
        Some(WRITE_TOKEN) => true,
        Some(READ_TOKEN) => false,
        Some(_) => return error(401, "Bad credentials"),
    };
    if let Some(i) = s.fail_next.iter().position(|(m, _, _, _)| *m == req.method)
        && let Some((_, status, body, headers)) = s.fail_next.remove(i)
    {
        let answer = Response::json(status, &body);
        return (headers.into_iter()).fold(answer, |answer, (k, v)| answer.header(&k, v));
    }
    if let Some(i) =
        (s.fail_at.iter()).position(|(m, f, _, _)| *m == req.method && path.contains(f.as_str()))
        && let Some((_, _, status, body)) = s.fail_at.remove(i)
    {
        return Response::json(status, &body);
    }
    let is_write = req.method != "GET";
    if is_write && !writable {
        return error(403, "Resource not accessible by integration");
    }
    let segs: Vec<&str> = path.split('/').filter(|x| !x.is_empty()).collect();
    let host = req.header("host").unwrap_or("127.0.0.1").to_string();
    match (req.method.as_str(), segs.as_slice()) {
        ("GET", ["repos", o, r, "issues", n, "comments"]) => {
            let Ok(issue) = n.parse::<u64>() else {
                return error(404, "Not Found");
            };
            if let Some((pr, head)) = s.push_on_list.take_if(|(pr, _)| *pr == issue) {
                s.deploy.set_pull(pr, "open", &head);
            }
            list(s, &format!("{o}/{r}"), issue, req, &host, prefix, path)
        }
        ("POST", ["repos", o, r, "issues", n, "comments"]) => {
            let Ok(issue) = n.parse::<u64>() else {
                return error(404, "Not Found");
            };
            let body = match body_of(req) {
                Ok(b) => b,
                Err(resp) => return resp,
            };
            for mut early in std::mem::take(&mut s.race) {
                s.next_id += 1;
                early.id = s.next_id;
                s.comments.push(early);
            }
            s.next_id += 1;
            let (login, kind) = match &s.user {
                Some(user) => (user.clone(), "User"),
                None => (BOT_LOGIN.to_string(), "Bot"),
            };
            let c = StoredComment {
                id: s.next_id,
                issue,
                repo: format!("{o}/{r}"),
                body,
                login,
                kind: kind.into(),
            };
            let out = comment_json(&c);
            s.comments.push(c);
            Response::json(201, &out)
        }
        ("PATCH" | "POST", ["repos", o, r, "issues", "comments", id]) => {
            let body = match body_of(req) {
                Ok(b) => b,
                Err(resp) => return resp,
            };
            let repo = format!("{o}/{r}");
            let Some(c) = s
                .comments
                .iter_mut()
                .find(|c| c.repo == repo && id.parse() == Ok(c.id))
            else {
                return error(404, "Not Found");
            };
            c.body = body;
            Response::json(200, &comment_json(c))
        }
        ("DELETE", ["repos", o, r, "issues", "comments", id]) => {
            let repo = format!("{o}/{r}");
            let before = s.comments.len();
            s.comments
                .retain(|c| !(c.repo == repo && id.parse() == Ok(c.id)));
            if s.comments.len() == before {
                return error(404, "Not Found");
            }
            Response::new(204, "application/json", "")
        }
        ("GET", ["repos", _, _, "issues", n, "labels"]) => {
            let Ok(issue) = n.parse::<u64>() else {
                return error(404, "Not Found");
            };
            let labels: Vec<Value> = (s.labels.get(&issue).into_iter().flatten())
                .enumerate()
                .map(|(i, name)| json!({"id": 208045946 + i, "name": name, "color": "f29513", "default": false}))
                .collect();
            Response::json(200, &Value::Array(labels))
        }
        ("GET", ["repos", o, r, "git", rest @ ..]) => s.git.serve(&format!("{o}/{r}"), rest, req),
        ("GET", ["user"]) => match &s.user {
            Some(login) => {
                Response::json(200, &json!({"login": login, "id": 583231, "type": "User"}))
            }
            None => error(403, "Resource not accessible by integration"),
        },
        ("GET", ["repos", o, r, "commits", sha, "pulls"]) => {
            if s.pulls_empty_for > 0 {
                s.pulls_empty_for -= 1;
                return Response::json(200, &json!([]));
            }
            let list = s
                .pulls
                .get(&format!("{o}/{r}/{sha}"))
                .cloned()
                .unwrap_or_default();
            Response::json(200, &Value::Array(list))
        }
        (_, ["repos", o, r, rest @ ..]) if Deploy::serves(rest) => {
            let login = s.user.clone().unwrap_or_else(|| BOT_LOGIN.to_string());
            let base = format!("http://{host}{prefix}{path}");
            s.deploy
                .serve(&format!("{o}/{r}"), rest, req, &login, &base)
        }
        _ => error(404, "Not Found"),
    }
}

fn body_of(req: &Request) -> Result<String, Response> {
    let Ok(v) = req.json() else {
        return Err(error(400, "Problems parsing JSON"));
    };
    let Some(body) = v.get("body").and_then(Value::as_str) else {
        return Err(error(422, "Invalid request.\n\n\"body\" wasn't supplied."));
    };
    if body.chars().count() > MAX_BODY_CHARS {
        return Err(Response::json(
            422,
            &json!({"message":"Validation Failed","errors":[{"resource":"IssueComment","code":"unprocessable","field":"data","message":"Body is too long (maximum is 65536 characters)"}],"documentation_url":"https://docs.github.com/rest/issues/comments#create-an-issue-comment"}),
        ));
    }
    if let Some(problem) = rendered_link_problem(body) {
        return Err(Response::json(
            422,
            &json!({"message": format!("test server: the comment as GitHub renders it {problem}")}),
        ));
    }
    Ok(body.to_string())
}

/// Cloudflare's documentation of the Host header override, which platform hints link to.
pub const HOST_HEADER_DOCS: &str =
    "https://developers.cloudflare.com/rules/origin-rules/features/#host-header";

pub use super::gfm::render_like_github;
use super::gfm::{hrefs, text_outside};

/// What is wrong with `body` once rendered as GitHub does, if anything: a link whose address
/// holds a backslash (an escape that leaked into it) or is not a web address, a link that did not
/// render (`](` left in the text), a literal backslash escape in the text (a double escape), a
/// table row over 5 columns (wider than a PR comment), or a mention of Cloudflare's Host header
/// documentation without a working link to it. Every comment body posted to this server is
/// checked, so every comment of every action test is.
pub fn rendered_link_problem(body: &str) -> Option<String> {
    let html = render_like_github(body);
    let links = hrefs(&html);
    if let Some(bad) = links
        .iter()
        .find(|h| h.contains('\\') || h.to_ascii_lowercase().contains("%5c"))
    {
        return Some(format!("has a link with a backslash: {bad}"));
    }
    if let Some(bad) = links
        .iter()
        .find(|h| !(h.starts_with("https://") || h.starts_with("http://127.0.0.1")))
    {
        return Some(format!("has a link that goes nowhere on GitHub: {bad}"));
    }
    let text = text_outside(&html, &["code"]);
    if text.contains("](") {
        return Some(format!("has a link that did not render: {text}"));
    }
    if let Some(i) = text.find('\\').filter(|&i| {
        text[i + 1..]
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_punctuation())
    }) {
        return Some(format!(
            "shows a literal backslash escape: {}",
            text.get(i.saturating_sub(30)..(i + 30).min(text.len()))
                .unwrap_or(&text)
        ));
    }
    // A row ends at `</tr>`; a cell opens with `<td` or `<th` then `>` or a space (not
    // `<thead>`).
    let cells = |row: &str| {
        ["<td>", "<td ", "<th>", "<th "]
            .iter()
            .map(|open| row.matches(open).count())
            .sum::<usize>()
    };
    if let Some(row) = html
        .split("<tr>")
        .skip(1)
        .map(|row| row.split("</tr>").next().unwrap_or(row))
        .find(|row| cells(row) > 5)
    {
        return Some(format!("has a table row wider than 5 columns: {row}"));
    }
    let docs_path = "developers.cloudflare.com/rules/origin-rules/features/";
    if body.contains(docs_path) && !links.iter().any(|h| h == HOST_HEADER_DOCS) {
        return Some(format!(
            "names {docs_path} without a link to {HOST_HEADER_DOCS}"
        ));
    }
    None
}

fn comment_json(c: &StoredComment) -> Value {
    json!({
        "id": c.id,
        "node_id": format!("IC_{}", c.id),
        "html_url": format!("https://github.com/{}/pull/{}#issuecomment-{}", c.repo, c.issue, c.id),
        "body": c.body,
        "user": {"login": c.login, "id": 41898282, "type": c.kind},
        "created_at": "2026-01-01T00:00:00Z",
        "author_association": "NONE",
    })
}

fn list(
    s: &State,
    repo: &str,
    issue: u64,
    req: &Request,
    host: &str,
    prefix: &str,
    path: &str,
) -> Response {
    let (per_page, page) = req.paging();
    let all: Vec<&StoredComment> = s
        .comments
        .iter()
        .filter(|c| c.repo == repo && c.issue == issue)
        .collect();
    let pages = all.len().div_ceil(per_page).max(1);
    let items: Vec<Value> = all
        .iter()
        .skip((page - 1) * per_page)
        .take(per_page)
        .map(|c| comment_json(c))
        .collect();
    let mut resp = Response::json(200, &Value::Array(items));
    let link = |p: usize, rel: &str| {
        format!("<http://{host}{prefix}{path}?per_page={per_page}&page={p}>; rel=\"{rel}\"")
    };
    let mut links = Vec::new();
    if page < pages {
        links.push(link(page + 1, "next"));
        links.push(link(pages, "last"));
    }
    if page > 1 {
        links.push(link(1, "first"));
        links.push(link(page - 1, "prev"));
    }
    if !links.is_empty() {
        resp = resp.header("link", links.join(", "));
    }
    resp
}
