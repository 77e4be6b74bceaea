//! Two `edgeplan apply` processes at once on one sandbox zone file, and what a killed writer
//! leaves behind. The zone file is locked around each read-apply-write, so neither process
//! overwrites the other's records, and an apply that says it verified its records is right.

use std::path::Path;
use std::process::{Child, Command};
use std::time::{Duration, Instant, SystemTime};

use crate::support::harness::{Run, edgeplan, sandbox_copy};
use serde_json::Value;

/// Trials of the race; each is two processes that run for a few milliseconds.
const TRIALS: usize = 20;
/// Records each owner creates in one apply.
const PER_OWNER: usize = 3;

fn manifest(dir: &Path, owner: &str) -> std::path::PathBuf {
    let mut text = format!("version: 1\nzone: example.com\nowner: {owner}\nendpoints:\n");
    for i in 0..PER_OWNER {
        text.push_str(&format!(
            "  - name: {owner}-{i}\n    target: {owner}-{i}.models.example.net\n"
        ));
    }
    let path = dir.join(format!("{owner}.yaml"));
    std::fs::write(&path, text).expect("manifest");
    path
}

fn apply(sandbox: &Path, manifest: &Path) -> Command {
    let mut cmd = edgeplan();
    cmd.args(["apply", "--yes", "--skip-health", "--sandbox"])
        .arg(sandbox)
        .arg("-m")
        .arg(manifest);
    cmd
}

/// Waits for `child` at most until `deadline`, killing it past that.
fn finish(mut child: Child, deadline: Instant) -> Run {
    loop {
        match child.try_wait().expect("wait") {
            Some(_) => break,
            None if Instant::now() > deadline => {
                let _ = child.kill();
                break;
            }
            None => std::thread::sleep(Duration::from_millis(2)),
        }
    }
    Run::from_output(child.wait_with_output().expect("output"))
}

/// The names in the zone file whose comment is `edgeplan:<owner>`.
fn names_of(sandbox: &Path, owner: &str) -> Vec<String> {
    let text = std::fs::read_to_string(sandbox.join("example.com.json")).expect("zone file");
    let v: Value = serde_json::from_str(&text).expect("zone JSON");
    let recs = v
        .get("result")
        .unwrap_or(&v)
        .as_array()
        .cloned()
        .unwrap_or_default();
    let mut names: Vec<String> = recs
        .iter()
        .filter(|r| r["comment"].as_str() == Some(&format!("edgeplan:{owner}")))
        .filter_map(|r| r["name"].as_str().map(String::from))
        .collect();
    names.sort();
    names
}

fn wanted(owner: &str) -> Vec<String> {
    (0..PER_OWNER)
        .map(|i| format!("{owner}-{i}.example.com"))
        .collect()
}

/// Temporary files left in the sandbox directory.
fn temporaries(sandbox: &Path) -> Vec<String> {
    std::fs::read_dir(sandbox)
        .expect("read dir")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect()
}

#[test]
fn two_owners_applying_at_once_to_one_sandbox_zone_lose_nothing() {
    let started = Instant::now();
    let mut lost = Vec::new();
    for trial in 0..TRIALS {
        let dir = sandbox_copy();
        let sandbox = dir.path();
        let alpha = manifest(sandbox, "alpha");
        let beta = manifest(sandbox, "beta");
        let a = apply(sandbox, &alpha).spawn().expect("spawn alpha");
        let b = apply(sandbox, &beta).spawn().expect("spawn beta");
        let deadline = Instant::now() + Duration::from_secs(30);
        let runs = [
            ("alpha", finish(a, deadline)),
            ("beta", finish(b, deadline)),
        ];
        for (owner, run) in &runs {
            let have = names_of(sandbox, owner);
            if have != wanted(owner) {
                lost.push(format!(
                    "trial {trial}: {owner} exited {} and holds {have:?}\n{}",
                    run.code,
                    run.dump()
                ));
            }
            assert_eq!(run.code, 0, "trial {trial}: {owner}: {}", run.dump());
        }
        assert_eq!(temporaries(sandbox), Vec::<String>::new(), "trial {trial}");
    }
    assert!(lost.is_empty(), "records lost:\n{}", lost.join("\n"));
    assert!(
        started.elapsed() < Duration::from_secs(120),
        "{TRIALS} trials took {:?}",
        started.elapsed()
    );
}

#[test]
fn temporary_files_of_dead_or_old_writers_are_removed_and_fresh_ones_kept() {
    let dir = sandbox_copy();
    let sandbox = dir.path();
    let own = std::process::id();
    // A PID above Linux's largest (2^22): no process has it.
    let dead = sandbox.join(".example.com.json.4194305.0badf00d.tmp");
    let fresh = sandbox.join(format!(".example.com.json.{own}.12345678.tmp"));
    let old = sandbox.join(format!(".example.com.json.{own}.87654321.tmp"));
    let other_zone = sandbox.join(".example.org.json.4194305.0badf00d.tmp");
    for path in [&dead, &fresh, &old, &other_zone] {
        std::fs::write(path, "[").expect("write a stray temporary file");
    }
    let two_minutes_ago = SystemTime::now() - Duration::from_secs(120);
    std::fs::File::options()
        .write(true)
        .open(&old)
        .and_then(|f| f.set_modified(two_minutes_ago))
        .expect("age the file");

    let manifest = manifest(sandbox, "alpha");
    let run = Run::from_output(apply(sandbox, &manifest).output().expect("run"));
    run.assert_code(0);
    assert_eq!(names_of(sandbox, "alpha"), wanted("alpha"));
    assert!(!old.exists(), "older than a minute: removed");
    if cfg!(target_os = "linux") {
        assert!(!dead.exists(), "its writer is gone: removed");
    }
    assert!(fresh.exists(), "a live writer's fresh file is kept");
    assert!(
        other_zone.exists(),
        "another zone's file is not this apply's business"
    );
}
