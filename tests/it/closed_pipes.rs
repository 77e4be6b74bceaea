//! A closed stdout or stderr never cuts a command short (DESIGN section 3, README, Exit codes): no
//! panic, an apply finishes every zone it would have finished and its exit code says how the
//! apply went; `schema` exits 0. Ctrl-C at the confirmation prompt exits 130, nothing applied.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};

use crate::support::harness::{World, edgeplan};

const ZONES: usize = 6;

/// A sandbox of six empty zones and one manifest per zone, each with `endpoints` endpoints (`api`
/// and `e1`, `e2`, ...): more than the sandbox's 200 records per batch go in chunks, each told on
/// stderr.
fn six_zones(endpoints: usize) -> (tempfile::TempDir, Vec<PathBuf>) {
    let dir = tempfile::tempdir().expect("temp dir");
    let sandbox = dir.path().join("sandbox");
    std::fs::create_dir(&sandbox).expect("sandbox dir");
    let mut manifests = Vec::new();
    for i in 0..ZONES {
        std::fs::write(sandbox.join(format!("z{i}.example.json")), "[]").expect("zone file");
        let m = dir.path().join(format!("z{i}.yaml"));
        let mut text = format!(
            "version: 1\nzone: z{i}.example\nowner: team\nendpoints:\n  \
             - name: api\n    target: api-origin.example.net\n"
        );
        for e in 1..endpoints {
            text += &format!("  - name: e{e}\n    target: api-origin.example.net\n");
        }
        std::fs::write(&m, text).expect("manifest");
        manifests.push(m);
    }
    (dir, manifests)
}

/// `edgeplan apply --yes` on the six zones, stdout and stderr piped.
fn spawn_apply(dir: &Path, manifests: &[PathBuf]) -> Child {
    let mut cmd = edgeplan();
    cmd.args(["apply", "--yes", "--skip-health", "--sandbox"])
        .arg(dir.join("sandbox"));
    for m in manifests {
        cmd.arg("-m").arg(m);
    }
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run edgeplan")
}

/// The zones whose file holds the manifest's record.
fn applied(dir: &Path) -> Vec<usize> {
    (0..ZONES)
        .filter(|i| {
            let path = dir.join("sandbox").join(format!("z{i}.example.json"));
            let text = std::fs::read_to_string(path).expect("zone file");
            text.contains(&format!("api.z{i}.example"))
        })
        .collect()
}

fn read_all(mut r: impl Read) -> String {
    let mut s = String::new();
    let _ = r.read_to_string(&mut s);
    s
}

/// An apply of six zones of `endpoints` endpoints each, with stdout (or, with `close_stdout` false,
/// stderr) closed before its first line: every zone is applied and it exits 0. Returns the
/// other stream's text.
fn apply_with_a_closed_stream(endpoints: usize, close_stdout: bool) -> String {
    let (dir, manifests) = six_zones(endpoints);
    let mut child = spawn_apply(dir.path(), &manifests);
    let said = if close_stdout {
        drop(child.stdout.take());
        read_all(child.stderr.take().expect("stderr"))
    } else {
        drop(child.stderr.take());
        read_all(child.stdout.take().expect("stdout"))
    };
    let status = child.wait().expect("wait");
    assert!(!said.contains("panicked"), "{said}");
    assert_eq!(status.code(), Some(0), "{said}");
    assert_eq!(
        applied(dir.path()),
        (0..ZONES).collect::<Vec<_>>(),
        "{said}"
    );
    said
}

#[test]
fn an_apply_whose_stdout_closes_applies_every_zone_and_exits_0() {
    // The reader is gone before the apply writes its first line.
    apply_with_a_closed_stream(1, true);
}

#[test]
fn an_apply_whose_stderr_closes_applies_every_zone_and_exits_0() {
    // Two chunks a zone: the progress lines go to the closed stderr.
    let stdout = apply_with_a_closed_stream(201, false);
    // Stdout still says what was applied, every zone.
    assert_eq!(stdout.matches("201 created").count(), ZONES, "{stdout}");
}

#[test]
fn schema_with_its_reader_gone_exits_0_without_a_panic() {
    let mut child = edgeplan()
        .arg("schema")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run edgeplan");
    drop(child.stdout.take());
    let stderr = read_all(child.stderr.take().expect("stderr"));
    let status = child.wait().expect("wait");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(status.code(), Some(0), "{stderr}");
}

/// Runs `edgeplan apply` on a pseudo-terminal (util-linux `script`, as `apply_confirm` does) and
/// types Ctrl-C once the prompt is shown. `None` where util-linux `script` is not there.
fn ctrl_c_at_the_prompt(w: &World) -> Option<(i32, String)> {
    use std::io::Write;
    use std::sync::mpsc;
    use std::time::Duration;
    if !cfg!(target_os = "linux") {
        return None;
    }
    let mut child = crate::apply_confirm::script_apply(w)
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let mut stdout = child.stdout.take()?;
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n @ 1..) = stdout.read(&mut buf) {
            if tx.send(buf[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    let mut text = Vec::new();
    let mut stdin = child.stdin.take()?;
    let mut typed = false;
    // Bounded: the prompt comes within seconds, and the run ends soon after Ctrl-C.
    while let Ok(chunk) = rx.recv_timeout(Duration::from_secs(20)) {
        text.extend_from_slice(&chunk);
        if !typed && String::from_utf8_lossy(&text).contains("Only 'yes' is accepted: ") {
            // Let the read start, then type Ctrl-C.
            std::thread::sleep(Duration::from_millis(200));
            stdin.write_all(b"\x03").ok()?;
            stdin.flush().ok()?;
            typed = true;
        }
    }
    drop(stdin);
    let _ = child.kill();
    let status = child.wait().ok()?;
    Some((
        status.code().unwrap_or(-1),
        String::from_utf8_lossy(&text).into_owned(),
    ))
}

#[test]
fn ctrl_c_at_the_confirmation_prompt_exits_130_and_applies_nothing() {
    let w = World::free();
    w.manifest("  - name: api\n    target: api-origin.example.net\n");
    let Some((code, text)) = ctrl_c_at_the_prompt(&w) else {
        eprintln!("skipped: util-linux `script` is not available here");
        return;
    };
    assert_eq!(code, 130, "{text}");
    assert!(text.contains("nothing was applied"), "{text}");
    assert!(!text.contains("panicked"), "{text}");
    assert!(w.batches().is_empty());
}
