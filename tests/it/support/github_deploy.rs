//! The local GitHub's record of applies and of pull requests as they are now:
//! `GET /repos/{o}/{r}/pulls/{n}` (state, `merged`, `head.sha`, `merge_commit_sha`, which tests
//! set, else what the last event payload of that pull request said, open),
//! `POST|GET /repos/{o}/{r}/deployments` (with `task`, `environment`, `sha` filters, newest
//! first, `per_page`/`page` and absolute `Link` headers), `POST|GET
//! /repos/{o}/{r}/deployments/{id}/statuses` (newest first), `GET
//! /repos/{o}/{r}/compare/{base}...{head}` computed from a commit graph tests seed
//! ([`Deploy::history`], and every [`super::github::GitHub::parents`] call), and `GET
//! /repos/{o}/{r}/branches/{b}` (what [`Deploy::branch`] set).
//!
//! Shapes follow GitHub's documented examples
//! (<https://docs.github.com/en/rest/deployments/deployments>, `.../statuses`,
//! <https://docs.github.com/en/rest/commits/commits#compare-two-commits>): a deployment has `id`,
//! `sha`, `ref`, `task`, `environment`, `payload`, `creator` (`login`, `type`); a comparison
//! `status` (`ahead`, `behind`, `diverged`, `identical`), `ahead_by`, `behind_by`; two commits
//! with no common ancestor or an unknown commit answer 404. Faults: [`Deploy::fail`] answers the
//! next requests of one kind with a status; the server's `fail_next` works here too.

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};

use serde_json::{Value, json};

use super::http::{Request, Response};

/// One deployment as the server keeps it.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredDeployment {
    pub id: u64,
    pub repo: String,
    pub sha: String,
    pub task: String,
    pub environment: String,
    pub creator: String,
    pub payload: Value,
    /// The states of its statuses, oldest first.
    pub states: Vec<String>,
}

/// A pull request as it is now (the server's own record; tests set it through [`Deploy`]).
#[derive(Debug, Clone, PartialEq, Eq)]
struct PullNow {
    state: String,
    merged: bool,
    head: String,
    merge_commit_sha: Option<String>,
    /// The labels it carries now.
    labels: Vec<String>,
}

#[derive(Default)]
struct Deploys {
    deployments: Vec<StoredDeployment>,
    next_id: u64,
    /// Set by tests: wins over `seen`.
    pulls: HashMap<u64, PullNow>,
    /// From the event payloads the harness wrote.
    seen: HashMap<u64, PullNow>,
    /// Set by tests: the labels a pull request carries now, whatever its payloads said.
    labels: HashMap<u64, Vec<String>>,
    parents: HashMap<String, Vec<String>>,
    branches: HashMap<String, String>,
    /// (kind, status) answered to the next requests of that kind.
    faults: VecDeque<(String, u16)>,
}

/// The handle tests and the server share.
#[derive(Clone, Default)]
pub struct Deploy(Arc<Mutex<Deploys>>);

impl Deploy {
    fn lock(&self) -> MutexGuard<'_, Deploys> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Pull request `number` is `state` (`open`, `closed`, or `merged`: closed and merged) at
    /// `head` from now on.
    pub fn set_pull(&self, number: u64, state: &str, head: &str) {
        let merged = state == "merged";
        let state = if merged { "closed" } else { state };
        let mut d = self.lock();
        let known = d.pulls.get(&number).or(d.seen.get(&number));
        let labels = known.map(|p| p.labels.clone()).unwrap_or_default();
        let merge_commit_sha = (d.pulls.get(&number)).and_then(|p| p.merge_commit_sha.clone());
        d.pulls.insert(
            number,
            PullNow {
                state: state.into(),
                merged,
                head: head.into(),
                merge_commit_sha,
                labels,
            },
        );
    }

    /// Pull request `number` carries `labels` from now on, in its `GET pulls/{n}` answer (a label
    /// added or removed while a run is under way, after its event was written); its head and
    /// state still follow the payloads.
    pub fn set_pull_labels(&self, number: u64, labels: &[&str]) {
        let labels = labels.iter().map(|l| l.to_string()).collect();
        self.lock().labels.insert(number, labels);
    }

    /// Pull request `number` is open at `head` and GitHub has since computed `merge` as its test
    /// merge commit (the event's payload may still name an earlier one).
    pub fn set_merge_commit(&self, number: u64, head: &str, merge: &str) {
        self.set_pull(number, "open", head);
        if let Some(p) = self.lock().pulls.get_mut(&number) {
            p.merge_commit_sha = Some(merge.into());
        }
    }

    /// The harness calls this with every event payload: a pull request it names is open at the
    /// payload's head, unless a test said otherwise with [`Deploy::set_pull`].
    pub fn saw_event(&self, payload: &Value) {
        let pr = &payload["pull_request"];
        let Some(number) = payload["number"].as_u64().or(pr["number"].as_u64()) else {
            return;
        };
        let Some(head) = pr["head"]["sha"].as_str() else {
            return;
        };
        self.lock().seen.insert(
            number,
            PullNow {
                state: "open".into(),
                merged: false,
                head: head.into(),
                merge_commit_sha: pr["merge_commit_sha"].as_str().map(String::from),
                labels: (pr["labels"].as_array().into_iter().flatten())
                    .filter_map(|l| l["name"].as_str().map(String::from))
                    .collect(),
            },
        );
    }

    /// Commit `sha`'s parents, for the comparisons.
    pub fn history(&self, sha: &str, parents: &[&str]) {
        self.lock()
            .parents
            .insert(sha.into(), parents.iter().map(|p| p.to_string()).collect());
    }

    /// A straight line of commits, oldest first.
    pub fn chain(&self, commits: &[&str]) {
        for pair in commits.windows(2) {
            self.history(pair[1], &[pair[0]]);
        }
    }

    /// Branch `name`'s head is `sha`.
    pub fn branch(&self, name: &str, sha: &str) {
        self.lock().branches.insert(name.into(), sha.into());
    }

    /// Adds a deployment as if `creator` made it, with statuses `states` (oldest first).
    pub fn seed(
        &self,
        repo: &str,
        sha: &str,
        task: &str,
        environment: &str,
        creator: &str,
        states: &[&str],
    ) -> u64 {
        let mut d = self.lock();
        d.next_id += 1;
        let id = 7000 + d.next_id;
        d.deployments.push(StoredDeployment {
            id,
            repo: repo.into(),
            sha: sha.into(),
            task: task.into(),
            environment: environment.into(),
            creator: creator.into(),
            payload: json!({}),
            states: states.iter().map(|s| s.to_string()).collect(),
        });
        id
    }

    /// Deletes the deployments `ids` (as `DELETE /repos/{o}/{r}/deployments/{id}` does).
    pub fn remove(&self, ids: &[u64]) {
        self.lock().deployments.retain(|d| !ids.contains(&d.id));
    }

    /// Every deployment, oldest first.
    pub fn deployments(&self) -> Vec<StoredDeployment> {
        self.lock().deployments.clone()
    }

    /// The next `times` requests of `kind` (`deployments` for the listing, `create`, `statuses`
    /// for reading them, `status` for setting one, `compare`, `pulls`) answer `status`.
    pub fn fail(&self, kind: &str, status: u16, times: usize) {
        let mut d = self.lock();
        for _ in 0..times {
            d.faults.push_back((kind.into(), status));
        }
    }

    /// True for the routes this module serves (`rest` is the path after `/repos/{o}/{r}/`).
    pub fn serves(rest: &[&str]) -> bool {
        matches!(
            rest,
            ["deployments", ..] | ["compare", _] | ["pulls", _] | ["branches", ..]
        )
    }

    /// Answers a request for `repo`; `login` is who the token acts as. `base` is the absolute
    /// URL of the request's path (for `Link`).
    pub fn serve(
        &self,
        repo: &str,
        rest: &[&str],
        req: &Request,
        login: &str,
        base: &str,
    ) -> Response {
        let mut d = self.lock();
        let kind = match (req.method.as_str(), rest) {
            ("GET", ["deployments"]) => "deployments",
            ("POST", ["deployments"]) => "create",
            ("GET", ["deployments", _, "statuses"]) => "statuses",
            ("POST", ["deployments", _, "statuses"]) => "status",
            ("GET", ["compare", _]) => "compare",
            ("GET", ["pulls", _]) => "pulls",
            _ => "",
        };
        if let Some(i) = d.faults.iter().position(|(k, _)| k == kind)
            && let Some((_, status)) = d.faults.remove(i)
        {
            return error(status, "injected failure");
        }
        match (req.method.as_str(), rest) {
            ("GET", ["pulls", n]) => {
                let Ok(n) = n.parse::<u64>() else {
                    return error(404, "Not Found");
                };
                let Some(p) = d.pulls.get(&n).or(d.seen.get(&n)) else {
                    return error(404, "Not Found");
                };
                let labels = d.labels.get(&n).unwrap_or(&p.labels);
                Response::json(
                    200,
                    &json!({
                        "number": n,
                        "state": p.state,
                        "merged": p.merged,
                        "head": {"sha": p.head, "ref": "feature"},
                        "merge_commit_sha": p.merge_commit_sha,
                        "labels": labels.iter().map(|l| json!({"id": 1, "name": l})).collect::<Vec<_>>(),
                    }),
                )
            }
            ("POST", ["deployments"]) => {
                let Ok(body) = req.json() else {
                    return error(400, "Problems parsing JSON");
                };
                let Some(sha) = body["ref"].as_str().filter(|s| !s.is_empty()) else {
                    return error(422, "Invalid request.\n\n\"ref\" wasn't supplied.");
                };
                if body["auto_merge"] != json!(false) || body["required_contexts"] != json!([]) {
                    return error(
                        409,
                        "test server: auto_merge false and required_contexts [] expected",
                    );
                }
                d.next_id += 1;
                let id = 7000 + d.next_id;
                let stored = StoredDeployment {
                    id,
                    repo: repo.into(),
                    sha: sha.into(),
                    task: body["task"].as_str().unwrap_or("deploy").into(),
                    environment: body["environment"].as_str().unwrap_or("production").into(),
                    creator: login.into(),
                    payload: body["payload"].clone(),
                    states: Vec::new(),
                };
                let out = deployment_json(&stored);
                d.deployments.push(stored);
                Response::json(201, &out)
            }
            ("GET", ["deployments"]) => {
                let want = |key: &str, value: &str| req.query(key).is_none_or(|q| q == value);
                let mut all: Vec<&StoredDeployment> = d
                    .deployments
                    .iter()
                    .filter(|x| x.repo == repo)
                    .filter(|x| want("task", &x.task) && want("environment", &x.environment))
                    .filter(|x| want("sha", &x.sha))
                    .collect();
                all.sort_by_key(|x| std::cmp::Reverse(x.id));
                page(req, base, all.iter().map(|x| deployment_json(x)).collect())
            }
            ("GET", ["deployments", id, "statuses"]) => {
                let Some(x) = d.deployments.iter().find(|x| id.parse() == Ok(x.id)) else {
                    return error(404, "Not Found");
                };
                let list: Vec<Value> = (x.states.iter().enumerate().rev())
                    .map(|(i, s)| json!({"id": x.id * 100 + i as u64, "state": s}))
                    .collect();
                page(req, base, list)
            }
            ("POST", ["deployments", id, "statuses"]) => {
                let Ok(body) = req.json() else {
                    return error(400, "Problems parsing JSON");
                };
                let state = body["state"].as_str().unwrap_or_default().to_string();
                let known = [
                    "error",
                    "failure",
                    "inactive",
                    "in_progress",
                    "queued",
                    "pending",
                    "success",
                ];
                if !known.contains(&state.as_str()) {
                    return error(422, "Validation Failed: state");
                }
                if body["description"]
                    .as_str()
                    .is_some_and(|t| t.chars().count() > 140)
                {
                    return error(422, "Validation Failed: description is too long");
                }
                let Some(i) = d.deployments.iter().position(|x| id.parse() == Ok(x.id)) else {
                    return error(404, "Not Found");
                };
                // GitHub's `auto_inactive` (default true): earlier successes in the environment
                // become inactive when one succeeds.
                if state == "success" {
                    let (env, repo) = (
                        d.deployments[i].environment.clone(),
                        d.deployments[i].repo.clone(),
                    );
                    for other in d.deployments.iter_mut() {
                        if other.environment == env
                            && other.repo == repo
                            && other.states.last().is_some_and(|s| s == "success")
                        {
                            other.states.push("inactive".into());
                        }
                    }
                }
                d.deployments[i].states.push(state.clone());
                Response::json(201, &json!({"id": d.next_id, "state": state}))
            }
            ("GET", ["compare", spec]) => {
                let Some((a, b)) = spec.split_once("...") else {
                    return error(404, "Not Found");
                };
                compare(&d.parents, a, b)
            }
            ("GET", ["branches", name @ ..]) => match d.branches.get(&name.join("/")) {
                Some(sha) => Response::json(
                    200,
                    &json!({"name": name.join("/"), "commit": {"sha": sha}, "protected": false}),
                ),
                None => error(404, "Branch not found"),
            },
            _ => error(404, "Not Found"),
        }
    }
}

fn error(status: u16, message: &str) -> Response {
    Response::json(
        status,
        &json!({"message": message, "documentation_url": "https://docs.github.com/rest"}),
    )
}

fn deployment_json(x: &StoredDeployment) -> Value {
    json!({
        "id": x.id,
        "node_id": format!("DE_{}", x.id),
        "sha": x.sha,
        "ref": x.sha,
        "task": x.task,
        "environment": x.environment,
        "payload": x.payload,
        "creator": {"login": x.creator, "id": 41898282, "type": if x.creator.ends_with("[bot]") { "Bot" } else { "User" }},
        "created_at": "2026-01-01T00:00:00Z",
    })
}

/// One page of `items` per `per_page`/`page`, with an absolute `Link` to the next and last.
fn page(req: &Request, base: &str, items: Vec<Value>) -> Response {
    let (per_page, n) = req.paging();
    let pages = items.len().div_ceil(per_page).max(1);
    let shown: Vec<Value> = items
        .into_iter()
        .skip((n - 1) * per_page)
        .take(per_page)
        .collect();
    let mut resp = Response::json(200, &Value::Array(shown));
    if n < pages {
        let others: Vec<String> = req
            .query
            .iter()
            .filter(|(k, _)| k != "page")
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        let link = |p: usize, rel: &str| {
            let mut q = others.clone();
            q.push(format!("page={p}"));
            format!("<{base}?{}>; rel=\"{rel}\"", q.join("&"))
        };
        resp = resp.header(
            "link",
            format!("{}, {}", link(n + 1, "next"), link(pages, "last")),
        );
    }
    resp
}

/// Every ancestor of `sha`, itself included, with its distance.
fn ancestors(parents: &HashMap<String, Vec<String>>, sha: &str) -> HashMap<String, usize> {
    let mut seen = HashMap::new();
    let mut queue = VecDeque::from([(sha.to_string(), 0usize)]);
    while let Some((c, depth)) = queue.pop_front() {
        if seen.contains_key(&c) {
            continue;
        }
        seen.insert(c.clone(), depth);
        for p in parents.get(&c).into_iter().flatten() {
            queue.push_back((p.clone(), depth + 1));
        }
    }
    seen
}

fn compare(parents: &HashMap<String, Vec<String>>, base: &str, head: &str) -> Response {
    let known: BTreeSet<&str> = parents
        .iter()
        .flat_map(|(c, ps)| std::iter::once(c.as_str()).chain(ps.iter().map(String::as_str)))
        .collect();
    if base != head && (!known.contains(base) || !known.contains(head)) {
        return error(404, "Not Found");
    }
    let of_base = ancestors(parents, base);
    let of_head = ancestors(parents, head);
    let (status, ahead_by, behind_by) = if base == head {
        ("identical", 0, 0)
    } else if let Some(&d) = of_head.get(base) {
        ("ahead", d, 0)
    } else if let Some(&d) = of_base.get(head) {
        ("behind", 0, d)
    } else if of_head.keys().any(|c| of_base.contains_key(c)) {
        let ahead = of_head.keys().filter(|c| !of_base.contains_key(*c)).count();
        let behind = of_base.keys().filter(|c| !of_head.contains_key(*c)).count();
        ("diverged", ahead, behind)
    } else {
        return error(404, "No common ancestor between the two commits");
    };
    Response::json(
        200,
        &json!({
            "status": status,
            "ahead_by": ahead_by,
            "behind_by": behind_by,
            "total_commits": ahead_by,
            "base_commit": {"sha": base},
            "commits": [],
            "files": [],
        }),
    )
}
