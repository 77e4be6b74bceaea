//! Runs the real `edgeplan` binary against the local Cloudflare (and, for `edgeplan action`, the
//! local GitHub) with a scrubbed environment: only `PATH` survives from the test process, so
//! nothing from the developer's or CI's shell (CI, tokens, NO_COLOR) leaks into a test, and no
//! test changes the environment or working directory of the test process.
//!
//! A [`World`] is a temporary directory (a workspace holding `edgeplan.yaml`, a runner temp dir,
//! event payloads and per-step files), a local Cloudflare with one zone, and optionally a local
//! GitHub. [`World::run`] runs `edgeplan ARGS -m <workspace>/edgeplan.yaml`; [`World::action`]
//! prepares an `edgeplan action` step the way the Actions runner does (the `GITHUB_*`/`RUNNER_*`
//! variables, an event payload file, fresh `GITHUB_OUTPUT` and `GITHUB_STEP_SUMMARY` files, the
//! inputs as `INPUT_*`, the working directory set to `GITHUB_WORKSPACE`). Both give a [`Run`].
//!
//! Every run gets short HTTP timeouts and retry budgets (`EDGEPLAN_HTTP_TIMEOUT_MS`,
//! `EDGEPLAN_RETRY_BUDGET_MS`, read by `ClientOptions::from_env`), so a fault that is not handled
//! fails the test in seconds instead of hanging it.
//!
//! Action variables per
//! <https://docs.github.com/en/actions/reference/workflows-and-actions/variables>; payloads are the
//! recorded ones in `tests/fixtures/github/`, adapted per test (repository name, default branch,
//! ref) so that they point at the local servers' state.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::cloudflare::{CloudflareServer, Logged, Plan, Rec, Scope, TOKEN};
use super::github::{GitHub, READ_TOKEN, WRITE_TOKEN};

/// A distinctive Cloudflare token: the canary assertions look for it in every output.
pub const CF_TOKEN: &str = "cfcanary_Zq8x7Kd2Lm4Np6Rt0Wv";
/// The GitHub token the local server accepts for writes; distinctive enough to be a canary.
pub const GH_TOKEN: &str = WRITE_TOKEN;
/// Repository the local GitHub serves; payloads are rewritten to name it.
pub const REPO: &str = "octo-org/dns";
pub const ZONE: &str = "example.com";
/// A commit SHA for push payloads.
pub const SHA: &str = "0123456789abcdef0123456789abcdef01234567";

/// A local Cloudflare with one zone [`ZONE`], a temporary workspace, and for action runs a local
/// GitHub.
pub struct World {
    pub tmp: tempfile::TempDir,
    pub cf: CloudflareServer,
    gh: Option<GitHub>,
    pub zone_id: String,
    /// The Cloudflare token every run gets.
    pub token: String,
    /// Extra environment for every [`World::run`] (name, value).
    pub env: Vec<(String, String)>,
    runs: AtomicUsize,
}

impl World {
    /// A zone on `plan`, no GitHub; runs use the server's default token.
    pub fn new(plan: Plan) -> World {
        let tmp = tempfile::tempdir().expect("temp dir");
        for dir in ["workspace", "runner-temp", "events", "steps"] {
            std::fs::create_dir_all(tmp.path().join(dir)).expect("mkdir");
        }
        let cf = CloudflareServer::start();
        let zone_id = cf.seed_zone(ZONE, plan);
        World {
            tmp,
            cf,
            gh: None,
            zone_id,
            token: TOKEN.to_string(),
            env: Vec::new(),
            runs: AtomicUsize::new(0),
        }
    }

    pub fn free() -> World {
        World::new(Plan::Free)
    }

    /// A free zone and a local GitHub, for action runs; the Cloudflare token is [`CF_TOKEN`].
    pub fn for_action() -> World {
        World::with_github(GitHub::start())
    }

    pub fn with_github(gh: GitHub) -> World {
        let mut w = World::free();
        w.cf.set_token(CF_TOKEN, Scope::edit());
        w.token = CF_TOKEN.to_string();
        w.gh = Some(gh);
        w
    }

    /// The local GitHub; panics for a world made without one.
    pub fn gh(&self) -> &GitHub {
        self.gh.as_ref().expect("a World with a local GitHub")
    }

    pub fn workspace(&self) -> PathBuf {
        self.tmp.path().join("workspace")
    }

    pub fn runner_temp(&self) -> PathBuf {
        self.tmp.path().join("runner-temp")
    }

    pub fn manifest_path(&self) -> PathBuf {
        self.workspace().join("edgeplan.yaml")
    }

    /// Writes `text` as the workspace's `edgeplan.yaml` and returns its path.
    pub fn write_manifest(&self, text: &str) -> PathBuf {
        let path = self.manifest_path();
        std::fs::write(&path, text).expect("write manifest");
        path
    }

    /// Writes `edgeplan.yaml` for [`ZONE`] with `endpoints` (YAML list items, already indented
    /// by two spaces) and returns its path.
    pub fn manifest(&self, endpoints: &str) -> PathBuf {
        let body = if endpoints.trim().is_empty() {
            "endpoints: []\n".to_string()
        } else {
            format!("endpoints:\n{endpoints}")
        };
        self.write_manifest(&format!("version: 1\nzone: {ZONE}\n{body}"))
    }

    /// A manifest for [`ZONE`] with `endpoints` as `(name, target)` pairs.
    pub fn endpoints(&self, endpoints: &[(&str, &str)]) {
        let mut text = format!("version: 1\nzone: {ZONE}\nendpoints:\n");
        for (name, target) in endpoints {
            text.push_str(&format!("  - name: {name}\n    target: {target}\n"));
        }
        self.write_manifest(&text);
    }

    /// `n` endpoints `ep-0000`.. pointing at one origin each.
    pub fn many(&self, n: usize) -> PathBuf {
        let mut eps = String::new();
        for i in 0..n {
            eps.push_str(&format!(
                "  - name: ep-{i:04}\n    target: origin-{i}.models.example.net\n"
            ));
        }
        self.manifest(&eps)
    }

    /// Runs `edgeplan ARGS -m <workspace>/edgeplan.yaml` against the local Cloudflare.
    pub fn run(&self, args: &[&str]) -> Run {
        self.run_with(args, &[])
    }

    pub fn run_with(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        let mut cmd = self.command(args);
        for (k, v) in env {
            cmd.env(k, v);
        }
        Run::from_output(cmd.output().expect("run edgeplan"))
    }

    /// The command [`World::run`] runs, for a test that starts it and acts while it runs.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = edgeplan();
        cmd.args(args)
            .arg("-m")
            .arg(self.manifest_path())
            .env("CLOUDFLARE_API_TOKEN", &self.token)
            .env("CLOUDFLARE_BASE_URL", self.cf.url())
            .env("EDGEPLAN_HTTP_TIMEOUT_MS", "2000")
            .env("EDGEPLAN_RETRY_BUDGET_MS", "4000");
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        cmd
    }

    /// `apply --yes`.
    pub fn apply(&self) -> Run {
        self.run(&["apply", "--yes"])
    }

    /// `plan --detailed-exitcode`'s exit code: 0 when the zone matches the manifest.
    pub fn plan_code(&self) -> i32 {
        self.run(&["plan", "--detailed-exitcode"]).code
    }

    /// An `edgeplan action` step for `event` with `payload`; the variables of a same-repository
    /// run with both tokens, `comment: true` and the default command.
    pub fn action(&self, event: &str, payload: &Value) -> Action<'_> {
        let n = self.runs.fetch_add(1, Ordering::SeqCst);
        let event_path = self.tmp.path().join(format!("events/{n}.json"));
        std::fs::write(&event_path, payload.to_string()).expect("write payload");
        // The local GitHub answers `GET pulls/{n}` with the head this payload names.
        self.gh().deploys().saw_event(payload);
        let output = self.tmp.path().join(format!("steps/{n}.output"));
        let summary = self.tmp.path().join(format!("steps/{n}.summary"));
        std::fs::write(&output, "").expect("output file");
        std::fs::write(&summary, "").expect("summary file");
        let git_ref = payload["ref"]
            .as_str()
            .map(String::from)
            .or_else(|| {
                payload["number"]
                    .as_u64()
                    .map(|n| format!("refs/pull/{n}/merge"))
            })
            .unwrap_or_else(|| "refs/heads/main".into());
        let mut vars = BTreeMap::new();
        let mut set = |k: &str, v: String| {
            vars.insert(k.to_string(), v);
        };
        set("GITHUB_ACTIONS", "true".into());
        set("CI", "true".into());
        set("GITHUB_EVENT_NAME", event.into());
        set("GITHUB_EVENT_PATH", path_str(&event_path));
        set("GITHUB_REPOSITORY", REPO.into());
        set("GITHUB_SHA", SHA.into());
        set("GITHUB_REF", git_ref);
        set("GITHUB_API_URL", self.gh().api_url());
        set("GITHUB_SERVER_URL", "https://github.com".into());
        set("GITHUB_RUN_ID", "4242".into());
        set("GITHUB_OUTPUT", path_str(&output));
        set("GITHUB_STEP_SUMMARY", path_str(&summary));
        set("GITHUB_WORKSPACE", path_str(&self.workspace()));
        set("RUNNER_TEMP", path_str(&self.runner_temp()));
        set("GITHUB_TOKEN", GH_TOKEN.into());
        set("CLOUDFLARE_API_TOKEN", self.token.clone());
        set("CLOUDFLARE_BASE_URL", self.cf.url());
        set("INPUT_MANIFEST", "edgeplan.yaml".into());
        set("INPUT_COMMAND", String::new());
        set("INPUT_COMMENT", "true".into());
        set("INPUT_ALLOW_DELETES", "false".into());
        // Short budgets so that a failure is fast; the knobs are documented in docs/action.md.
        set("EDGEPLAN_RETRY_BUDGET_MS", "3000".into());
        set("EDGEPLAN_HTTP_TIMEOUT_MS", "5000".into());
        set("EDGEPLAN_GITHUB_RETRY_MS", "20".into());
        Action {
            world: self,
            vars,
            output,
            summary,
        }
    }

    pub fn records(&self) -> Vec<Rec> {
        self.cf.records(ZONE)
    }

    /// The zone's records as the API returns them (the server's JSON), sorted by id.
    pub fn state_json(&self) -> Vec<Value> {
        let mut recs = self.records();
        recs.sort_by(|a, b| a.id.cmp(&b.id));
        recs.iter().map(rec_json).collect()
    }

    /// The records nobody owns (no `edgeplan:` comment), as JSON, sorted by id.
    pub fn unowned_json(&self) -> Vec<Value> {
        let mut recs: Vec<Rec> = self
            .records()
            .into_iter()
            .filter(|r| !r.comment.as_deref().unwrap_or("").starts_with("edgeplan:"))
            .collect();
        recs.sort_by(|a, b| a.id.cmp(&b.id));
        recs.iter().map(rec_json).collect()
    }

    /// Batch requests in the log, in order.
    pub fn batches(&self) -> Vec<Logged> {
        self.cf
            .requests()
            .into_iter()
            .filter(|r| r.method == "POST" && r.path.ends_with("/dns_records/batch"))
            .collect()
    }

    /// Writes other than batches (single POST/PUT/PATCH/DELETE): apply must send none.
    pub fn single_writes(&self) -> Vec<Logged> {
        self.cf
            .requests()
            .into_iter()
            .filter(|r| r.method != "GET" && !r.path.ends_with("/dns_records/batch"))
            .collect()
    }

    /// Asserts that each name holds at most one record: nothing was created twice.
    pub fn assert_one_record_per_name(&self) {
        let mut names: Vec<String> = self.records().into_iter().map(|r| r.name).collect();
        names.sort();
        let before = names.len();
        names.dedup();
        assert_eq!(before, names.len(), "a name holds two records");
    }

    /// `text` with what differs from run to run replaced by a placeholder, for whole-output
    /// snapshots: the temporary directory, the local servers' URLs, the zone id, and each
    /// `(value, placeholder)` of `more` (a fingerprint, a comment id). A placeholder stands for
    /// one exact value, so a snapshot still shows that a value is the expected one.
    pub fn redact(&self, text: &str, more: &[(&str, &str)]) -> String {
        // The given values first: one may hold a built-in one (a file in the temporary directory).
        let mut values: Vec<(String, String)> = more
            .iter()
            .map(|(v, p)| (v.to_string(), p.to_string()))
            .collect();
        values.extend([
            (path_str(self.tmp.path()), "[tmp]".to_string()),
            (self.cf.url(), "[cloudflare]".to_string()),
            (self.zone_id.clone(), "[zone-id]".to_string()),
            (CF_TOKEN.to_string(), "[cloudflare-token]".to_string()),
            (GH_TOKEN.to_string(), "[github-token]".to_string()),
        ]);
        if let Some(gh) = &self.gh {
            values.push((gh.api_url(), "[github]".to_string()));
        }
        let values: Vec<(&str, &str)> = values
            .iter()
            .map(|(v, p)| (v.as_str(), p.as_str()))
            .collect();
        redact_digests(&redact(text, &values))
    }

    /// Adds a record by hand (no API rules), as someone using the dashboard would.
    pub fn by_hand(&self, record: Value) -> String {
        self.cf.add_record(ZONE, record)
    }

    /// Changes the records of [`ZONE`] by hand (no API rules), as someone using the dashboard
    /// while edgeplan runs would.
    pub fn change_by_hand(&self, change: impl FnOnce(&mut Vec<Rec>)) {
        let mut s = self.cf.state();
        let zone = (s.zones.iter_mut()).find(|z| z.name == ZONE).expect("zone");
        change(&mut zone.records);
    }

    /// Adds a proxied CNAME `name` -> `target` that edgeplan owns (`edgeplan:default`), as an
    /// earlier apply would have left it; returns its id.
    pub fn owned(&self, name: &str, target: &str) -> String {
        self.by_hand(
            json!({"type": "CNAME", "name": name, "content": target, "proxied": true,
                            "comment": "edgeplan:default"}),
        )
    }

    /// Writes `text` to `path` (relative to the workspace), creating the directories it needs.
    pub fn write_in_workspace(&self, path: &str, text: &str) {
        let path = self.workspace().join(path);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).expect("mkdir");
        }
        std::fs::write(&path, text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    }

    /// An `edgeplan action` step for a `pull_request` event with the recorded payload `file`,
    /// adapted by [`pr_payload`].
    pub fn pull_request(&self, file: &str) -> Action<'_> {
        self.action("pull_request", &pr_payload(file))
    }

    /// An `edgeplan action` step for a push of [`SHA`] to `main`, the default branch, with the
    /// recorded `push.main.json` (see [`push_payload`]).
    pub fn push_to_main(&self) -> Action<'_> {
        self.action(
            "push",
            &push_payload("push.main.json", "refs/heads/main", "main"),
        )
    }

    /// Requests to Cloudflare other than reads (batches included).
    pub fn cf_writes(&self) -> usize {
        self.cf
            .requests()
            .iter()
            .filter(|r| r.method != "GET")
            .count()
    }

    /// Requests to GitHub other than reads.
    pub fn gh_writes(&self) -> usize {
        self.gh().log().iter().filter(|l| l.method != "GET").count()
    }
}

fn path_str(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

/// `text` with the digests of the markers' `reviewed=` and `remaining=` pairs replaced by
/// `[digest]`: they hash record ids, which the local Cloudflare makes at random.
pub fn redact_digests(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find(":sha256:") {
        let (head, tail) = rest.split_at(i);
        let attribute = head
            .rsplit(' ')
            .next()
            .is_some_and(|a| a.starts_with("reviewed=") || a.starts_with("remaining="));
        let hex = &tail[8..];
        let n = hex.bytes().take_while(u8::is_ascii_hexdigit).count();
        out.push_str(head);
        if attribute && n == 64 {
            out.push_str(":[digest]");
            rest = &hex[64..];
        } else {
            out.push_str(":sha256:");
            rest = hex;
        }
    }
    out.push_str(rest);
    out
}

/// `text` with each `(value, placeholder)` replaced, in order; empty values are skipped.
pub fn redact(text: &str, values: &[(&str, &str)]) -> String {
    let mut out = text.to_string();
    for (value, placeholder) in values.iter().filter(|(v, _)| !v.is_empty()) {
        out = out.replace(value, placeholder);
    }
    out
}

/// The binary with an empty environment but PATH and no stdin.
pub fn edgeplan() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_edgeplan"));
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .stdin(Stdio::null());
    cmd
}

/// One `edgeplan action` step about to run.
pub struct Action<'a> {
    world: &'a World,
    vars: BTreeMap<String, String>,
    output: PathBuf,
    summary: PathBuf,
}

impl Action<'_> {
    pub fn var(mut self, key: &str, value: &str) -> Self {
        self.vars.insert(key.into(), value.into());
        self
    }

    pub fn unset(mut self, key: &str) -> Self {
        self.vars.remove(key);
        self
    }

    /// The step as GitHub runs it without the repository's secrets (a pull request from a
    /// fork, or Dependabot's): no Cloudflare token, and a `GITHUB_TOKEN` that may only read.
    pub fn without_secrets(self) -> Self {
        self.unset("CLOUDFLARE_API_TOKEN")
            .var("GITHUB_TOKEN", READ_TOKEN)
    }

    pub fn command(self, command: &str) -> Self {
        self.var("INPUT_COMMAND", command)
    }

    /// [`Action::run`], asserting that the step exits `code` and that no token leaked
    /// ([`assert_no_tokens`]).
    pub fn run_checked(self, code: i32) -> Run {
        let world = self.world;
        let ran = self.run().expect(code);
        assert_no_tokens(world, &ran);
        ran
    }

    pub fn run(self) -> Run {
        self.run_meanwhile(|| {})
    }

    /// [`Action::run`], calling `meanwhile` while the step runs (someone changing the zone
    /// during an apply).
    pub fn run_meanwhile(self, meanwhile: impl FnOnce()) -> Run {
        let child = edgeplan()
            .arg("action")
            .envs(&self.vars)
            .current_dir(self.world.workspace())
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("start edgeplan");
        meanwhile();
        let out = child.wait_with_output().expect("run edgeplan");
        let tokens = ["GITHUB_TOKEN", "CLOUDFLARE_API_TOKEN"]
            .iter()
            .filter_map(|k| self.vars.get(*k))
            .filter(|v| !v.trim().is_empty())
            .cloned()
            .collect();
        let summary = std::fs::read_to_string(&self.summary).unwrap_or_default();
        // The step summary is rendered by GitHub like a comment: the same check as every
        // comment the local GitHub receives.
        if let Some(problem) = super::github::rendered_link_problem(&summary) {
            panic!("the step summary as GitHub renders it {problem}\n--- summary\n{summary}");
        }
        Run {
            tokens,
            output_file: std::fs::read_to_string(&self.output).unwrap_or_default(),
            summary,
            ..Run::from_output(out)
        }
    }
}

/// What one run of the binary did.
#[derive(Debug, Clone, Default)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    /// Action runs: the token values the run was given (`GITHUB_TOKEN`, `CLOUDFLARE_API_TOKEN`).
    pub tokens: Vec<String>,
    /// Action runs: the raw `GITHUB_OUTPUT` file.
    pub output_file: String,
    /// Action runs: the `GITHUB_STEP_SUMMARY` file.
    pub summary: String,
}

impl Run {
    pub fn from_output(out: Output) -> Run {
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            ..Run::default()
        }
    }

    /// Panics with everything the run printed when the exit code is not `code`.
    pub fn assert_code(&self, code: i32) -> &Self {
        assert_eq!(self.code, code, "wanted exit {code}, got {}", self.dump());
        self
    }

    /// [`Run::assert_code`], keeping the run: `let run = w.apply().expect(0);`.
    pub fn expect(self, code: i32) -> Run {
        self.assert_code(code);
        self
    }

    /// The step outputs, parsed the way the runner does (`name=value` or `name<<DELIM`).
    /// A name set twice keeps the last value, as the runner does.
    pub fn outputs(&self) -> BTreeMap<String, String> {
        parse_outputs(&self.output_file)
    }

    pub fn output(&self, name: &str) -> Option<String> {
        self.outputs().get(name).cloned()
    }

    /// Asserts that stdout holds `needle`, showing everything the run printed when not.
    pub fn assert_stdout_has(&self, needle: &str) -> &Self {
        self.assert_has("stdout", &self.stdout, needle)
    }

    /// Asserts that stderr holds `needle`, showing everything the run printed when not.
    pub fn assert_stderr_has(&self, needle: &str) -> &Self {
        self.assert_has("stderr", &self.stderr, needle)
    }

    /// Asserts that the step summary holds `needle`, showing everything the run printed when not.
    pub fn assert_summary_has(&self, needle: &str) -> &Self {
        self.assert_has("the summary", &self.summary, needle)
    }

    fn assert_has(&self, what: &str, text: &str, needle: &str) -> &Self {
        assert!(
            text.contains(needle),
            "{needle:?} not in {what}\n{}",
            self.dump()
        );
        self
    }

    /// Action runs: the plan JSON file named by the `plan-json` output.
    pub fn plan_json(&self) -> Value {
        let path = self.output("plan-json").expect("plan-json output");
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path} is not JSON: {e}"))
    }

    /// Action runs: the `fingerprint` of [`Run::plan_json`].
    pub fn fingerprint(&self) -> String {
        self.plan_json()["fingerprint"]
            .as_str()
            .expect("fingerprint")
            .to_string()
    }

    /// Everything the run printed, for failure messages.
    pub fn dump(&self) -> String {
        format!(
            "exit {}\n--- stdout\n{}\n--- stderr\n{}\n--- outputs\n{}\n--- summary\n{}",
            self.code, self.stdout, self.stderr, self.output_file, self.summary
        )
    }
}

/// A recorded payload from `tests/fixtures/github/`.
pub fn payload(file: &str) -> Value {
    let path = format!(
        "{}/tests/fixtures/github/{file}",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// A recorded push payload pointed at [`REPO`]: branch `git_ref`, default branch `default`,
/// head commit [`SHA`].
pub fn push_payload(file: &str, git_ref: &str, default: &str) -> Value {
    let mut p = payload(file);
    p["repository"]["full_name"] = REPO.into();
    p["repository"]["default_branch"] = default.into();
    p["ref"] = git_ref.into();
    p["after"] = SHA.into();
    p
}

/// A `workflow_dispatch` apply of [`REPO`]'s default branch `main` (a refused apply's other way
/// forward).
pub fn dispatch_apply() -> Value {
    let mut p = payload("workflow_dispatch.json");
    p["repository"]["full_name"] = REPO.into();
    p["repository"]["default_branch"] = "main".into();
    p["ref"] = "refs/heads/main".into();
    p["inputs"]["command"] = "apply".into();
    p
}

/// A pull request payload adapted to [`REPO`] (base and head repository, default branch `main`),
/// keeping the recorded PR number.
pub fn pr_payload(file: &str) -> Value {
    let mut p = payload(file);
    p["repository"]["full_name"] = REPO.into();
    p["repository"]["default_branch"] = "main".into();
    p["pull_request"]["base"]["repo"]["full_name"] = REPO.into();
    p["pull_request"]["base"]["ref"] = "main".into();
    let fork = p["pull_request"]["head"]["repo"]["fork"].as_bool() == Some(true);
    if !fork {
        p["pull_request"]["head"]["repo"]["full_name"] = REPO.into();
    }
    p
}

/// A stored record as exact JSON, every field included (the timestamps too), for byte-level
/// comparison.
pub fn rec_json(r: &Rec) -> Value {
    json!({
        "id": r.id, "name": r.name, "type": r.kind, "content": r.content,
        "proxied": r.proxied, "ttl": r.ttl, "comment": r.comment, "tags": r.tags,
        "priority": r.priority, "created_on": r.created_on, "modified_on": r.modified_on,
    })
}

/// The `posts` of a logged batch body.
pub fn posts(req: &Logged) -> Vec<Value> {
    list(req, "posts")
}

pub fn list(req: &Logged, key: &str) -> Vec<Value> {
    req.body
        .as_ref()
        .and_then(|b| b.get(key))
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
}

/// The names of the records with an `edgeplan:default` comment.
pub fn owned_names(recs: &[Rec]) -> Vec<String> {
    let mut names: Vec<String> = recs
        .iter()
        .filter(|r| {
            r.comment
                .as_deref()
                .is_some_and(|c| c.starts_with("edgeplan:default"))
        })
        .map(|r| r.name.clone())
        .collect();
    names.sort();
    names
}

/// A copy of `examples/sandbox` in a temporary directory.
pub fn sandbox_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/sandbox");
    for entry in std::fs::read_dir(&src).expect("examples/sandbox") {
        let entry = entry.expect("entry");
        if entry.path().extension().is_some_and(|e| e == "json") {
            std::fs::copy(entry.path(), dir.path().join(entry.file_name())).expect("copy seed");
        }
    }
    dir
}

/// The records of the sandbox's zone file `zone` in `dir`: a JSON list, bare or as the `result`
/// of a Cloudflare answer.
pub fn sandbox_records(dir: &Path, zone: &str) -> Vec<Value> {
    let path = dir.join(format!("{zone}.json"));
    let text = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let v: Value = serde_json::from_slice(&text).expect("zone JSON");
    v.get("result")
        .unwrap_or(&v)
        .as_array()
        .cloned()
        .expect("records")
}

/// Parses a `GITHUB_OUTPUT` file; panics on a malformed entry (the runner would fail the step).
pub fn parse_outputs(text: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        if line.is_empty() {
            continue;
        }
        if let Some((name, delim)) = line.split_once("<<") {
            let mut value = Vec::new();
            loop {
                let l = lines
                    .next()
                    .unwrap_or_else(|| panic!("unterminated output `{name}` in {text:?}"));
                if l == delim {
                    break;
                }
                value.push(l);
            }
            out.insert(name.to_string(), value.join("\n"));
        } else if let Some((name, value)) = line.split_once('=') {
            out.insert(name.to_string(), value.to_string());
        } else {
            panic!("malformed output line {line:?} in {text:?}");
        }
    }
    out
}

/// Asserts that no token appears anywhere a person or another step can read: stdout (except
/// inside the `::add-mask::` lines, which must come first and cover every token the run had),
/// stderr, the outputs, the summary, the plan JSON file, every request body sent to GitHub and
/// every comment body on the local GitHub. Checks [`CF_TOKEN`], [`GH_TOKEN`] and whatever
/// tokens the run was given.
pub fn assert_no_tokens(world: &World, ran: &Run) {
    let mut tokens: Vec<&str> = vec![CF_TOKEN, GH_TOKEN];
    tokens.extend(ran.tokens.iter().map(String::as_str));
    let tokens: Vec<&str> = tokens
        .into_iter()
        .flat_map(str::lines)
        .map(str::trim)
        .filter(|t| t.len() >= 4)
        .collect();
    let masks = masked(ran);
    for t in ran
        .tokens
        .iter()
        .flat_map(|t| t.lines())
        .filter(|l| !l.trim().is_empty())
    {
        assert!(
            masks.iter().any(|m| m == t),
            "token line {t:?} was not masked first\n{}",
            ran.dump()
        );
    }
    for line in ran.stdout.lines().skip(masks.len()) {
        for &t in &tokens {
            assert!(
                !line.contains(t),
                "token on stdout after the masks: {line:?}\n{}",
                ran.dump()
            );
        }
        assert!(
            !line.starts_with("::add-mask::"),
            "a mask after other output cannot hide what came before: {line:?}"
        );
    }
    for (what, text) in [
        ("stderr", &ran.stderr),
        ("outputs", &ran.output_file),
        ("summary", &ran.summary),
    ] {
        for &t in &tokens {
            assert!(!text.contains(t), "token in {what}\n{}", ran.dump());
        }
    }
    if let Some(path) = ran.output("plan-json") {
        let json = std::fs::read_to_string(&path).unwrap_or_default();
        for &t in &tokens {
            assert!(!json.contains(t), "token in the plan JSON {path}");
        }
    }
    for logged in world.gh().log() {
        for &t in &tokens {
            assert!(
                !logged.body.contains(t),
                "token sent to GitHub in a {} {} body",
                logged.method,
                logged.path
            );
        }
    }
    for c in world.gh().all_comments() {
        for &t in &tokens {
            assert!(!c.body.contains(t), "token in comment {}", c.id);
        }
    }
}

/// Waits until `done` holds, asking every few milliseconds; fails with `why_not()` after ten
/// seconds.
pub fn wait_until<T: std::fmt::Debug>(done: impl Fn() -> bool, why_not: impl Fn() -> T) {
    let started = Instant::now();
    while !done() {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{:?}",
            why_not()
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// The tokens that were masked, in order, when the run had both.
pub fn masked(ran: &Run) -> Vec<String> {
    ran.stdout
        .lines()
        .take_while(|l| l.starts_with("::add-mask::"))
        .map(|l| l.trim_start_matches("::add-mask::").to_string())
        .collect()
}

/// The text of the repository's file `path` (relative to its root); a file that cannot be read
/// fails the test, naming the path.
pub fn repo_file(path: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(path))
        .unwrap_or_else(|e| panic!("read {path}: {e}"))
}

/// Runs `cmd`, killing it after `limit`; returns what it printed and how long it took. Output is
/// drained on threads so that a flood cannot block the child and pass for a hang.
pub fn bounded(mut cmd: Command, limit: Duration) -> (Run, Duration) {
    let started = Instant::now();
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn edgeplan");
    let drain = |mut r: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = r.read_to_end(&mut buf);
            String::from_utf8_lossy(&buf).into_owned()
        })
    };
    let out = drain(Box::new(child.stdout.take().expect("stdout")));
    let err = drain(Box::new(child.stderr.take().expect("stderr")));
    let code = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status.code().unwrap_or(-1);
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            let stderr = err.join().unwrap_or_default();
            panic!(
                "edgeplan still running after {limit:?}; killed\n--- stderr\n{}",
                &stderr[..stderr.len().min(2000)]
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let elapsed = started.elapsed();
    let run = Run {
        code,
        stdout: out.join().unwrap_or_default(),
        stderr: err.join().unwrap_or_default(),
        ..Run::default()
    };
    (run, elapsed)
}
