//! Runs the real `edgeplan action` binary the way the Actions runner does: a scrubbed environment
//! (only `PATH` survives), the `GITHUB_*`/`RUNNER_*` variables, an event payload file, fresh
//! per-step `GITHUB_OUTPUT` and `GITHUB_STEP_SUMMARY` files, the inputs as `INPUT_*`, and the
//! working directory set to `GITHUB_WORKSPACE`, against the local GitHub and Cloudflare servers.
//!
//! Variables per <https://docs.github.com/en/actions/reference/workflows-and-actions/variables>;
//! payloads are the recorded ones in `tests/fixtures/github/`, adapted per test (repository
//! name, default branch, ref) so that they point at the local servers' state.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::Value;

use super::cloudflare::{CloudflareServer, Plan, Scope};
use super::github::{GitHub, WRITE_TOKEN};

/// A distinctive Cloudflare token: the canary assertions look for it in every output.
pub const CF_TOKEN: &str = "cfcanary_Zq8x7Kd2Lm4Np6Rt0Wv";
/// The GitHub token the local server accepts for writes; distinctive enough to be a canary.
pub const GH_TOKEN: &str = WRITE_TOKEN;
/// Repository the local GitHub serves; payloads are rewritten to name it.
pub const REPO: &str = "octo-org/dns";
pub const ZONE: &str = "example.com";
/// A commit SHA for push payloads.
pub const SHA: &str = "0123456789abcdef0123456789abcdef01234567";

/// A recorded payload from `tests/fixtures/github/`.
pub fn payload(file: &str) -> Value {
    let path = format!(
        "{}/tests/fixtures/github/{file}",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
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

/// The test's world: a workspace with a manifest, the two local servers, a runner temp dir.
pub struct World {
    pub tmp: tempfile::TempDir,
    pub gh: GitHub,
    pub cf: CloudflareServer,
    pub zone_id: String,
    runs: AtomicUsize,
}

impl World {
    pub fn new() -> World {
        World::with_github(GitHub::start())
    }

    pub fn with_github(gh: GitHub) -> World {
        let tmp = tempfile::tempdir().expect("temp dir");
        for dir in ["workspace", "runner-temp", "events", "steps"] {
            std::fs::create_dir_all(tmp.path().join(dir)).expect("mkdir");
        }
        let cf = CloudflareServer::start();
        let zone_id = cf.seed_zone(ZONE, Plan::Free);
        cf.set_token(CF_TOKEN, Scope::edit());
        World {
            tmp,
            gh,
            cf,
            zone_id,
            runs: AtomicUsize::new(0),
        }
    }

    pub fn workspace(&self) -> PathBuf {
        self.tmp.path().join("workspace")
    }

    pub fn runner_temp(&self) -> PathBuf {
        self.tmp.path().join("runner-temp")
    }

    /// Writes `edgeplan.yaml` in the workspace.
    pub fn manifest(&self, text: &str) {
        std::fs::write(self.workspace().join("edgeplan.yaml"), text).expect("write manifest");
    }

    /// A manifest for [`ZONE`] with `endpoints` as `(name, target)` pairs.
    pub fn endpoints(&self, endpoints: &[(&str, &str)]) {
        let mut text = format!("version: 1\nzone: {ZONE}\nendpoints:\n");
        for (name, target) in endpoints {
            text.push_str(&format!("  - name: {name}\n    target: {target}\n"));
        }
        self.manifest(&text);
    }

    /// An action run for `event` with `payload`; the variables of a same-repository run with both
    /// tokens, `comment: true` and the default command.
    pub fn action(&self, event: &str, payload: &Value) -> Action<'_> {
        let n = self.runs.fetch_add(1, Ordering::SeqCst);
        let event_path = self.tmp.path().join(format!("events/{n}.json"));
        std::fs::write(&event_path, payload.to_string()).expect("write payload");
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
        set("GITHUB_API_URL", self.gh.api_url());
        set("GITHUB_SERVER_URL", "https://github.com".into());
        set("GITHUB_RUN_ID", "4242".into());
        set("GITHUB_OUTPUT", path_str(&output));
        set("GITHUB_STEP_SUMMARY", path_str(&summary));
        set("GITHUB_WORKSPACE", path_str(&self.workspace()));
        set("RUNNER_TEMP", path_str(&self.runner_temp()));
        set("GITHUB_TOKEN", GH_TOKEN.into());
        set("CLOUDFLARE_API_TOKEN", CF_TOKEN.into());
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
}

impl Default for World {
    fn default() -> Self {
        World::new()
    }
}

fn path_str(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

/// One step about to run.
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

    pub fn command(self, command: &str) -> Self {
        self.var("INPUT_COMMAND", command)
    }

    pub fn run(self) -> Ran {
        let out = Command::new(env!("CARGO_BIN_EXE_edgeplan"))
            .arg("action")
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .envs(&self.vars)
            .current_dir(self.world.workspace())
            .output()
            .expect("run edgeplan");
        let tokens = ["GITHUB_TOKEN", "CLOUDFLARE_API_TOKEN"]
            .iter()
            .filter_map(|k| self.vars.get(*k))
            .filter(|v| !v.trim().is_empty())
            .cloned()
            .collect();
        Ran {
            tokens,
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            output_file: std::fs::read_to_string(&self.output).unwrap_or_default(),
            summary: std::fs::read_to_string(&self.summary).unwrap_or_default(),
        }
    }
}

/// What one run left behind.
#[derive(Debug, Clone)]
pub struct Ran {
    /// The token values this run was given (`GITHUB_TOKEN`, `CLOUDFLARE_API_TOKEN`).
    pub tokens: Vec<String>,
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    /// The raw `GITHUB_OUTPUT` file.
    pub output_file: String,
    /// The `GITHUB_STEP_SUMMARY` file.
    pub summary: String,
}

impl Ran {
    /// The step outputs, parsed the way the runner does (`name=value` or `name<<DELIM`).
    /// A name set twice keeps the last value, as the runner does.
    pub fn outputs(&self) -> BTreeMap<String, String> {
        parse_outputs(&self.output_file)
    }

    pub fn output(&self, name: &str) -> Option<String> {
        self.outputs().get(name).cloned()
    }

    /// Everything the run printed, for failure messages.
    pub fn dump(&self) -> String {
        format!(
            "exit {}\n--- stdout\n{}\n--- stderr\n{}\n--- outputs\n{}\n--- summary\n{}",
            self.code, self.stdout, self.stderr, self.output_file, self.summary
        )
    }

    pub fn assert_code(&self, code: i32) -> &Self {
        assert_eq!(self.code, code, "{}", self.dump());
        self
    }
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
pub fn assert_no_tokens(world: &World, ran: &Ran) {
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
    for logged in world.gh.log() {
        for &t in &tokens {
            assert!(
                !logged.body.contains(t),
                "token sent to GitHub in a {} {} body",
                logged.method,
                logged.path
            );
        }
    }
    for c in world.gh.all_comments() {
        for &t in &tokens {
            assert!(!c.body.contains(t), "token in comment {}", c.id);
        }
    }
}

/// The tokens that were masked, in order, when the run had both.
pub fn masked(ran: &Ran) -> Vec<String> {
    ran.stdout
        .lines()
        .take_while(|l| l.starts_with("::add-mask::"))
        .map(|l| l.trim_start_matches("::add-mask::").to_string())
        .collect()
}
