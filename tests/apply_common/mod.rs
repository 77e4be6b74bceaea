//! Shared by the `apply_*` integration tests: the real `edgeplan` binary run with a scrubbed
//! environment against the local Cloudflare of `tests/support/cloudflare`, manifests written to a
//! temporary directory, and readers of the server's request log and zone state.
//!
//! Every run gets short HTTP timeouts and retry budgets (`EDGEPLAN_HTTP_TIMEOUT_MS`,
//! `EDGEPLAN_RETRY_BUDGET_MS`, read by `RetrySettings::from_env`), so a fault that is not
//! handled fails the test in seconds instead of hanging it.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::{Value, json};

use crate::support::cloudflare::{CloudflareServer, Logged, Plan, Rec, TOKEN};

pub const ZONE: &str = "example.com";

/// A local Cloudflare with one zone and a directory for manifests.
pub struct World {
    pub cf: CloudflareServer,
    pub dir: tempfile::TempDir,
    pub zone_id: String,
    /// Extra environment for every run (name, value).
    pub env: Vec<(String, String)>,
    pub token: String,
}

/// What one run of the binary did.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    fn from(out: Output) -> Run {
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Panics with both streams when the exit code is not `code`.
    pub fn expect(self, code: i32) -> Run {
        assert_eq!(
            self.code, code,
            "exit code {} (wanted {code})\n--- stdout\n{}\n--- stderr\n{}",
            self.code, self.stdout, self.stderr
        );
        self
    }
}

impl World {
    pub fn new(plan: Plan) -> World {
        let cf = CloudflareServer::start();
        let zone_id = cf.seed_zone(ZONE, plan);
        World {
            cf,
            dir: tempfile::tempdir().expect("temp dir"),
            zone_id,
            env: Vec::new(),
            token: TOKEN.to_string(),
        }
    }

    pub fn free() -> World {
        World::new(Plan::Free)
    }

    /// Writes `edgeplan.yaml` for owner `default` with `endpoints` (YAML list items, already
    /// indented by two spaces) and returns its path.
    pub fn manifest(&self, endpoints: &str) -> PathBuf {
        let body = if endpoints.trim().is_empty() {
            "endpoints: []\n".to_string()
        } else {
            format!("endpoints:\n{endpoints}")
        };
        let path = self.dir.path().join("edgeplan.yaml");
        std::fs::write(&path, format!("version: 1\nzone: {ZONE}\n{body}")).expect("write manifest");
        path
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

    /// Runs `edgeplan ARGS -m <dir>/edgeplan.yaml` against the local Cloudflare.
    pub fn run(&self, args: &[&str]) -> Run {
        self.run_with(args, &[])
    }

    pub fn run_with(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        let manifest = self.dir.path().join("edgeplan.yaml");
        let mut cmd = edgeplan();
        cmd.args(args)
            .arg("-m")
            .arg(&manifest)
            .env("CLOUDFLARE_API_TOKEN", &self.token)
            .env("CLOUDFLARE_BASE_URL", self.cf.url())
            .env("EDGEPLAN_HTTP_TIMEOUT_MS", "2000")
            .env("EDGEPLAN_RETRY_BUDGET_MS", "4000");
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        for (k, v) in env {
            cmd.env(k, v);
        }
        Run::from(cmd.output().expect("run edgeplan"))
    }

    /// `apply --yes`.
    pub fn apply(&self) -> Run {
        self.run(&["apply", "--yes"])
    }

    /// `plan --detailed-exitcode`'s exit code: 0 when the zone matches the manifest.
    pub fn plan_code(&self) -> i32 {
        self.run(&["plan", "--detailed-exitcode"]).code
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

    /// Adds a record by hand (no API rules), as someone using the dashboard would.
    pub fn by_hand(&self, record: Value) -> String {
        self.cf.add_record(ZONE, record)
    }
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

/// The binary with an empty environment but PATH: nothing from the developer's or CI's shell
/// (CI, tokens, NO_COLOR) leaks into a test.
pub fn edgeplan() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_edgeplan"));
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .stdin(Stdio::null());
    cmd
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
