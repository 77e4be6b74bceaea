//! `scripts/install.sh` (the first step of `action.yml`) against a local release server: the
//! asset chosen per RUNNER_OS/RUNNER_ARCH, the sha256 check refusing a tampered download, and
//! the source fallback (a stub `cargo` on PATH records the call, and one real build shows that a
//! hostile workspace cannot steer it), and where release assets are downloaded from.
//!
//! Unix only: the script runs under bash on every runner, Windows included, but these tests
//! drive it with Unix tools (`chmod`, `tar`, `sh` scripts as fake binaries, `:` in PATH).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};

use crate::support::http::{Reply, Response, Server, handler};
use sha2::{Digest, Sha256};

const VERSION: &str = "9.9.9";

struct Release {
    server: Server,
    requests: Arc<Mutex<Vec<String>>>,
}

impl Release {
    /// The paths asked for so far, in order.
    fn requested(&self) -> Vec<String> {
        self.requests.lock().expect("log").clone()
    }
}

/// A release server with only `asset` (`bytes`) of release `v{VERSION}`.
fn release_of(asset: &str, bytes: &[u8]) -> Release {
    release_server(HashMap::from([(
        format!("/v{VERSION}/{asset}"),
        bytes.to_vec(),
    )]))
}

/// Serves `files` (path -> bytes) and 404 for anything else, logging the paths asked for.
fn release_server(files: HashMap<String, Vec<u8>>) -> Release {
    let requests = Arc::new(Mutex::new(Vec::new()));
    let log = requests.clone();
    let files = Arc::new(files);
    let server = Server::start(
        0,
        handler(move |req| {
            let files = files.clone();
            let log = log.clone();
            async move {
                log.lock().expect("log").push(req.path.clone());
                Reply::Send(match files.get(&req.path) {
                    Some(bytes) => Response::new(200, "application/octet-stream", bytes.clone()),
                    None => Response::new(404, "text/plain", "Not Found"),
                })
            }
        }),
    );
    Release { server, requests }
}

/// A release archive holding a fake `edgeplan` that prints `marker`.
/// The x86-64 Linux release archive holding a binary that prints `marker`, and its asset name.
fn linux_archive(work: &Path, marker: &str) -> (Vec<u8>, String) {
    let target = "x86_64-unknown-linux-musl";
    let bytes = archive(work, target, false, marker);
    (bytes, format!("edgeplan-{VERSION}-{target}.tar.gz"))
}

fn archive(work: &Path, target: &str, zip: bool, marker: &str) -> Vec<u8> {
    let dir = work.join(format!("pkg-{target}"));
    let inner = dir.join(format!("edgeplan-{VERSION}-{target}"));
    std::fs::create_dir_all(&inner).expect("mkdir");
    let name = if zip { "edgeplan.exe" } else { "edgeplan" };
    std::fs::write(inner.join(name), format!("#!/bin/sh\necho {marker}\n")).expect("bin");
    let out = work.join(format!("{target}.archive"));
    let status = if zip {
        Command::new("zip")
            .current_dir(&dir)
            .args(["-q", "-r"])
            .arg(&out)
            .arg(".")
            .status()
    } else {
        Command::new("tar")
            .current_dir(&dir)
            .arg("-czf")
            .arg(&out)
            .arg(".")
            .status()
    }
    .expect("archiver");
    assert!(status.success());
    std::fs::read(out).expect("read archive")
}

fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

struct Run {
    out: Output,
    output_file: String,
}

impl Run {
    fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.out.stdout).into_owned()
    }
    /// Everything the script printed, for failure messages.
    fn dump(&self) -> String {
        format!(
            "{}\n--- stderr\n{}",
            self.stdout(),
            String::from_utf8_lossy(&self.out.stderr)
        )
    }
    fn assert_code(&self, code: i32) -> &Self {
        assert_eq!(self.out.status.code(), Some(code), "{}", self.dump());
        self
    }
    fn assert_stdout_has(&self, needle: &str) -> &Self {
        assert!(
            self.stdout().contains(needle),
            "{needle:?}\n{}",
            self.dump()
        );
        self
    }
    fn installed(&self) -> Option<PathBuf> {
        self.output_file
            .lines()
            .find_map(|l| l.strip_prefix("path="))
            .map(PathBuf::from)
    }
}

/// Runs the script as the action would, with `action` as GITHUB_ACTION_PATH.
fn install(
    action: &Path,
    base: &str,
    os: &str,
    arch: &str,
    cargo_stub: Option<(&Path, &Path)>,
) -> Run {
    let mut env = vec![("EDGEPLAN_DOWNLOAD_BASE", base.to_string())];
    if let Some((_, log)) = cargo_stub {
        env.push(("STUB_LOG", log.display().to_string()));
    }
    install_in(
        action,
        action,
        os,
        arch,
        cargo_stub.map(|(dir, _)| dir),
        &env,
    )
}

/// Runs the script from the working directory `cwd` (the caller's workspace on a runner), with
/// `action` as GITHUB_ACTION_PATH, a clean environment plus `env`, and `stub_dir` first on PATH.
fn install_in(
    action: &Path,
    cwd: &Path,
    os: &str,
    arch: &str,
    stub_dir: Option<&Path>,
    env: &[(&str, String)],
) -> Run {
    let runner_temp = action.join("runner-temp");
    std::fs::create_dir_all(&runner_temp).expect("temp");
    let output = action.join("github-output");
    let _ = std::fs::remove_file(&output);
    let mut path = std::env::var("PATH").unwrap_or_default();
    if let Some(stub_dir) = stub_dir {
        path = format!("{}:{path}", stub_dir.display());
    }
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/install.sh");
    let mut cmd = Command::new("bash");
    cmd.arg(script).current_dir(cwd).env_clear();
    // rustup and cargo find their homes through HOME unless told: keep the real ones.
    for var in ["RUSTUP_HOME", "CARGO_HOME"] {
        if let Some(v) = real_home(var) {
            cmd.env(var, v);
        }
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd
        .env("PATH", path)
        .env("HOME", action)
        .env("RUNNER_OS", os)
        .env("RUNNER_ARCH", arch)
        .env("RUNNER_TEMP", &runner_temp)
        .env("GITHUB_ACTION_PATH", action)
        .env("GITHUB_OUTPUT", &output)
        .output()
        .expect("bash");
    Run {
        out,
        output_file: std::fs::read_to_string(&output).unwrap_or_default(),
    }
}

/// [`install_in`] for Linux/X64 with a [`cargo_stub`] in `root` first on PATH, logging to
/// `root/cargo-args`, and `env`.
fn stubbed_install_in(root: &Path, action: &Path, cwd: &Path, env: &[(&str, String)]) -> Run {
    let stub = cargo_stub(root);
    let mut env = env.to_vec();
    env.push(("STUB_LOG", root.join("cargo-args").display().to_string()));
    install_in(action, cwd, "Linux", "X64", Some(&stub), &env)
}

/// RUSTUP_HOME / CARGO_HOME as this test process sees them (set, or the default under HOME).
fn real_home(var: &str) -> Option<PathBuf> {
    if let Some(v) = std::env::var_os(var) {
        return Some(PathBuf::from(v));
    }
    let home = std::env::var_os("HOME").or_else(|| std::env::var_os("USERPROFILE"))?;
    let dir = PathBuf::from(home).join(if var == "RUSTUP_HOME" {
        ".rustup"
    } else {
        ".cargo"
    });
    dir.is_dir().then_some(dir)
}

/// An action checkout: Cargo.toml at VERSION and the given checksum lines.
fn action_dir(checksum_lines: &[(String, String)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tmp");
    std::fs::write(
        dir.path().join("Cargo.toml"),
        format!("[package]\nname = \"edgeplan\"\nversion = \"{VERSION}\"\n"),
    )
    .expect("toml");
    std::fs::create_dir_all(dir.path().join("checksums")).expect("mkdir");
    let text: String = checksum_lines
        .iter()
        .map(|(sum, asset)| format!("{sum}  {asset}\n"))
        .collect();
    std::fs::write(dir.path().join(format!("checksums/{VERSION}.sha256")), text).expect("sums");
    dir
}

#[test]
fn picks_the_asset_for_each_runner_and_verifies_it() {
    let work = tempfile::tempdir().expect("work");
    let cases = [
        ("Linux", "X64", "x86_64-unknown-linux-musl", false),
        ("Linux", "ARM64", "aarch64-unknown-linux-musl", false),
        ("macOS", "X64", "x86_64-apple-darwin", false),
        ("macOS", "ARM64", "aarch64-apple-darwin", false),
        ("Windows", "X64", "x86_64-pc-windows-msvc", true),
    ];
    let mut files = HashMap::new();
    let mut sums = Vec::new();
    for (_, _, target, zip) in cases {
        let bytes = archive(work.path(), target, zip, &format!("fake-{target}"));
        let asset = format!(
            "edgeplan-{VERSION}-{target}.{}",
            if zip { "zip" } else { "tar.gz" }
        );
        sums.push((sha256(&bytes), asset.clone()));
        files.insert(format!("/v{VERSION}/{asset}"), bytes);
    }
    let release = release_server(files);
    let action = action_dir(&sums);
    for (os, arch, target, _) in cases {
        let run = install(action.path(), &release.server.url(), os, arch, None);
        assert!(
            run.out.status.success(),
            "{os}/{arch}: {}{}",
            run.stdout(),
            String::from_utf8_lossy(&run.out.stderr)
        );
        let bin = run.installed().expect("path= output");
        assert!(
            bin.starts_with(action.path().join("runner-temp")),
            "{bin:?}"
        );
        let printed = Command::new("sh").arg(&bin).output().expect("run fake");
        assert_eq!(
            String::from_utf8_lossy(&printed.stdout).trim(),
            format!("fake-{target}"),
            "{os}/{arch} got the wrong binary"
        );
        let last = release.requested().last().cloned();
        assert!(last.is_some_and(|p| p.contains(target)), "{os}/{arch}");
    }
}

#[test]
fn windows_arm64_falls_back_to_the_x64_build() {
    let work = tempfile::tempdir().expect("work");
    let bytes = archive(work.path(), "x86_64-pc-windows-msvc", true, "x64-on-arm");
    let asset = format!("edgeplan-{VERSION}-x86_64-pc-windows-msvc.zip");
    let release = release_of(&asset, &bytes);
    let action = action_dir(&[(sha256(&bytes), asset)]);
    let run = install(
        action.path(),
        &release.server.url(),
        "Windows",
        "ARM64",
        None,
    );
    run.assert_code(0);
    assert!(run.installed().is_some_and(|p| p.ends_with("edgeplan.exe")));
}

#[test]
fn checksum_mismatch_is_refused() {
    let work = tempfile::tempdir().expect("work");
    let (bytes, asset) = linux_archive(work.path(), "tampered");
    let release = release_of(&asset, &bytes);
    let wrong = sha256(b"the build that was released");
    let action = action_dir(&[(wrong.clone(), asset.clone())]);
    let run = install(action.path(), &release.server.url(), "Linux", "X64", None);
    run.assert_code(1);
    let stdout = run.stdout();
    run.assert_stdout_has("::error");
    assert!(
        stdout.contains("sha256 mismatch") && stdout.contains(&wrong),
        "{stdout}"
    );
    assert!(
        stdout.contains(&sha256(&bytes)),
        "the actual digest is shown: {stdout}"
    );
    assert_eq!(run.installed(), None, "no path output");
    let leftovers: Vec<_> = walk(&action.path().join("runner-temp"))
        .into_iter()
        .filter(|p| p.file_name().is_some_and(|n| n == "edgeplan"))
        .collect();
    assert!(leftovers.is_empty(), "nothing extracted: {leftovers:?}");
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}

/// A `cargo` that records its arguments, working directory and RUSTUP_TOOLCHAIN, and produces
/// the binary where cargo would: one whose `--version` says [`STUB_SAYS`], not the version the
/// script was asked for, so a test sees which of them the log reports.
fn cargo_stub(dir: &Path) -> PathBuf {
    let bin = dir.join("stub-bin");
    std::fs::create_dir_all(&bin).expect("mkdir");
    let stub = bin.join("cargo");
    std::fs::write(
        &stub,
        r#"#!/usr/bin/env bash
set -eu
printf '%s\n' "$@" > "$STUB_LOG"
printf 'cwd=%s\n' "$PWD" > "$STUB_LOG.env"
printf 'RUSTUP_TOOLCHAIN=%s\n' "${RUSTUP_TOOLCHAIN-<unset>}" >> "$STUB_LOG.env"
target_dir=""
while [ $# -gt 0 ]; do
  if [ "$1" = "--target-dir" ]; then target_dir=$2; fi
  shift
done
mkdir -p "$target_dir/fallback"
printf '#!/bin/sh\necho "edgeplan 0.1.0-stub"\n' > "$target_dir/fallback/edgeplan"
chmod +x "$target_dir/fallback/edgeplan"
"#,
    )
    .expect("stub");
    chmod_x(&stub);
    bin
}

/// What the binary the [`cargo_stub`] builds prints.
const STUB_SAYS: &str = "edgeplan 0.1.0-stub";

fn chmod_x(path: &Path) {
    let status = Command::new("chmod")
        .arg("+x")
        .arg(path)
        .status()
        .expect("chmod");
    assert!(status.success());
}

fn fallback_run(
    os: &str,
    arch: &str,
    sums: &[(String, String)],
) -> (Run, Vec<String>, tempfile::TempDir, Release) {
    let action = action_dir(sums);
    let stub = cargo_stub(action.path());
    let log = action.path().join("cargo-args");
    let release = release_server(HashMap::new());
    let run = install(
        action.path(),
        &release.server.url(),
        os,
        arch,
        Some((&stub, &log)),
    );
    let args = std::fs::read_to_string(&log)
        .unwrap_or_default()
        .lines()
        .map(String::from)
        .collect();
    (run, args, action, release)
}

#[test]
fn no_asset_for_the_platform_builds_from_source() {
    let (run, args, _action, release) = fallback_run("Linux", "X86", &[]);
    run.assert_code(0);
    assert_eq!(
        args[..5],
        ["build", "--profile", "fallback", "--locked", "--bin"]
    );
    let bin = run.installed().expect("path");
    assert!(bin.ends_with("edgeplan-build/fallback/edgeplan"), "{bin:?}");
    run.assert_stdout_has("no prebuilt binary for Linux/X86");
    assert!(release.requested().is_empty(), "nothing downloaded");
}

#[test]
fn a_version_without_checksums_builds_from_source() {
    let (run, args, _action, release) = fallback_run("Linux", "X64", &[]);
    run.assert_code(0);
    assert_eq!(args.first().map(String::as_str), Some("build"));
    run.assert_stdout_has("no committed sha256");
    assert!(
        release.requested().is_empty(),
        "unverifiable download never attempted"
    );
}

/// An explicit version with no committed checksum is not built from the action's source when the
/// source is another version: that would install the source's version under the requested name.
#[test]
fn an_explicit_version_other_than_the_source_is_not_built_from_source() {
    let root = tempfile::tempdir().expect("tmp");
    let action = action_dir(&[]);
    for asked in ["1.2.3", "v1.2.3"] {
        let run = stubbed_install_in(
            root.path(),
            action.path(),
            action.path(),
            &[("EDGEPLAN_VERSION", asked.to_string())],
        );
        run.assert_code(1);
        run.assert_stdout_has("::error title=edgeplan install::");
        run.assert_stdout_has(&format!(
            "this action's source is version {VERSION}, not 1.2.3: building it would install \
             version {VERSION} under the name 1.2.3"
        ));
        assert!(run.installed().is_none(), "{}", run.dump());
        assert!(
            !root.path().join("cargo-args").exists(),
            "cargo was started: {}",
            run.dump()
        );
    }
    // The source's own version, asked for explicitly, is built; the log says what the binary
    // says of itself.
    let run = stubbed_install_in(
        root.path(),
        action.path(),
        action.path(),
        &[("EDGEPLAN_VERSION", format!("v{VERSION}"))],
    );
    run.assert_code(0);
    run.assert_stdout_has(&format!("its --version says {STUB_SAYS}"));
}

/// After a download too, the log names what the installed binary says of itself.
#[test]
fn the_log_says_what_the_installed_binary_says() {
    let work = tempfile::tempdir().expect("work");
    let (bytes, asset) = linux_archive(work.path(), "edgeplan 9.9.9-from-the-release");
    let release = release_of(&asset, &bytes);
    let action = action_dir(&[(sha256(&bytes), asset)]);
    let run = install(action.path(), &release.server.url(), "Linux", "X64", None);
    run.assert_code(0);
    run.assert_stdout_has("sha256 verified, ");
    run.assert_stdout_has("): edgeplan 9.9.9-from-the-release\n");
}

#[test]
fn plain_http_download_base_is_refused_off_loopback() {
    let target = "x86_64-unknown-linux-musl";
    let action = action_dir(&[(
        "a".repeat(64),
        format!("edgeplan-{VERSION}-{target}.tar.gz"),
    )]);
    let run = install(
        action.path(),
        "http://example.com/releases",
        "Linux",
        "X64",
        None,
    );
    run.assert_code(1);
    run.assert_stdout_has("must be an https:// URL");
}

#[test]
fn a_download_base_with_user_information_or_a_disguised_host_is_refused() {
    // Each base would reach the release server below (which serves the right asset) if the check
    // read the URL the way a shell pattern does rather than the way curl does.
    let root = tempfile::tempdir().expect("tmp");
    let (bytes, asset) = linux_archive(root.path(), "served");
    let action = action_dir(&[(sha256(&bytes), asset.clone())]);
    let release = release_server(HashMap::from([(format!("/r/v{VERSION}/{asset}"), bytes)]));
    let addr = release
        .server
        .url()
        .trim_start_matches("http://")
        .to_string();
    let cases = [
        (
            format!("http://localhost:@{addr}/r"),
            "must not carry user information",
        ),
        (
            format!("http://127.0.0.1@{addr}/r"),
            "must not carry user information",
        ),
        (
            format!("https://user:pw@{addr}/r"),
            "must not carry user information",
        ),
        (format!("http://{addr}/r?x=/"), "must not carry a query"),
        (
            "http://localhost.example.com/r".to_string(),
            "plain http is accepted only on loopback",
        ),
        ("ftp://127.0.0.1/r".to_string(), "must be an https:// URL"),
    ];
    for (base, why) in cases {
        let run = install(action.path(), &base, "Linux", "X64", None);
        run.assert_code(1);
        run.assert_stdout_has(why);
        assert!(run.installed().is_none(), "{base}: {}", run.dump());
    }
    assert!(release.requested().is_empty(), "{:?}", release.requested());
    // The loopback base itself is fine.
    let ok = install(
        action.path(),
        &format!("{}/r", release.server.url()),
        "Linux",
        "X64",
        None,
    );
    ok.assert_code(0);
}

#[test]
fn exported_bash_functions_are_refused() {
    // An exported function runs inside every bash the script starts: refuse, as taiki-e does.
    let action = action_dir(&[]);
    let out = Command::new("bash")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/install.sh"))
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("GITHUB_ACTION_PATH", action.path())
        .env("BASH_FUNC_curl%%", "() { echo pwned; }")
        .output()
        .expect("bash");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("BASH_FUNC_"));
}

#[test]
fn default_version_comes_from_the_package_table() {
    // Without the `version` input the action installs the version of its own source.
    let (run, _, _action, _release) = fallback_run("Linux", "X86", &[]);
    run.assert_stdout_has(&format!("building version {VERSION}"));
}

/// The channel of this repository's rust-toolchain.toml: a toolchain this machine has.
fn own_channel() -> String {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/rust-toolchain.toml"))
        .expect("rust-toolchain.toml");
    text.lines()
        .find_map(|l| l.trim().strip_prefix("channel = "))
        .map(|v| v.trim_matches('"').to_string())
        .expect("channel")
}

/// A workspace as a pull request could leave it: `.cargo/config.toml` names a `rustc-wrapper`,
/// `rust-toolchain.toml` a toolchain by `path`; both leave `marker` when they run.
fn hostile_workspace(root: &Path, marker: &Path) -> PathBuf {
    let ws = root.join("workspace");
    let faketc = ws.join("faketc/bin");
    std::fs::create_dir_all(ws.join(".cargo")).expect("mkdir");
    std::fs::create_dir_all(&faketc).expect("mkdir");
    let evil = format!(
        "#!/bin/sh\necho \"$0 ran in $PWD\" >> '{}'\nexit 1\n",
        marker.display()
    );
    let wrapper = ws.join("evil-wrapper.sh");
    std::fs::write(&wrapper, &evil).expect("wrapper");
    chmod_x(&wrapper);
    for tool in ["cargo", "rustc"] {
        std::fs::write(faketc.join(tool), &evil).expect("fake tool");
        chmod_x(&faketc.join(tool));
    }
    std::fs::write(
        ws.join(".cargo/config.toml"),
        format!("[build]\nrustc-wrapper = \"{}\"\n", wrapper.display()),
    )
    .expect("config");
    std::fs::write(
        ws.join("rust-toolchain.toml"),
        format!("[toolchain]\npath = \"{}\"\n", ws.join("faketc").display()),
    )
    .expect("toolchain");
    ws
}

/// A temporary root holding a [`hostile_workspace`] and a [`checked_out_action`]: the root, the
/// marker the workspace's tools would leave, the workspace and the action.
fn hostile_setup() -> (tempfile::TempDir, PathBuf, PathBuf, PathBuf) {
    let root = tempfile::tempdir().expect("tmp");
    let marker = root.path().join("marker");
    let ws = hostile_workspace(root.path(), &marker);
    let action = checked_out_action(root.path());
    (root, marker, ws, action)
}

/// An action checkout where GitHub's runners put one: `<root>/_actions/acme/edgeplan/v9`.
fn checked_out_action(root: &Path) -> PathBuf {
    let action = root.join("_actions/acme/edgeplan/v9");
    std::fs::create_dir_all(action.join("src")).expect("mkdir");
    std::fs::create_dir_all(action.join("checksums")).expect("mkdir");
    let files = [
        (
            "Cargo.toml",
            format!(
                "[package]\nname = \"edgeplan\"\nversion = \"{VERSION}\"\nedition = \"2021\"\n\n\
                 [profile.fallback]\ninherits = \"release\"\n"
            ),
        ),
        (
            "Cargo.lock",
            format!("version = 4\n\n[[package]]\nname = \"edgeplan\"\nversion = \"{VERSION}\"\n"),
        ),
        (
            "src/main.rs",
            "fn main() { println!(\"the action's own build\"); }\n".to_string(),
        ),
        (
            "rust-toolchain.toml",
            format!("[toolchain]\nchannel = \"{}\"\n", own_channel()),
        ),
    ];
    for (file, text) in files {
        std::fs::write(action.join(file), text).expect(file);
    }
    action
}

#[test]
fn the_fallback_builds_in_the_action_directory_with_its_own_toolchain() {
    let (root, marker, ws, action) = hostile_setup();
    let run = stubbed_install_in(
        root.path(),
        &action,
        &ws,
        &[("GITHUB_WORKSPACE", ws.display().to_string())],
    );
    let log = root.path().join("cargo-args");
    run.assert_code(0);
    let env = std::fs::read_to_string(root.path().join("cargo-args.env")).expect("stub ran");
    assert_eq!(
        env,
        format!(
            "cwd={}\nRUSTUP_TOOLCHAIN={}\n",
            action.display(),
            own_channel()
        )
    );
    let args: Vec<String> = std::fs::read_to_string(&log)
        .expect("args")
        .lines()
        .map(String::from)
        .collect();
    let target_dir = action
        .join("runner-temp/edgeplan-build")
        .display()
        .to_string();
    assert_eq!(
        args,
        [
            "build",
            "--profile",
            "fallback",
            "--locked",
            "--bin",
            "edgeplan",
            "--target-dir",
            target_dir.as_str()
        ]
    );
    let stdout = run.stdout();
    assert!(
        stdout.contains("::notice title=edgeplan install::built from source in ")
            && stdout.contains(&format!("; its --version says {STUB_SAYS};"))
            && stdout.contains("a release asset is the production path"),
        "{stdout}"
    );
    assert!(
        stdout.contains("(built from source, ") && stdout.contains(&format!("): {STUB_SAYS}\n")),
        "the path taken, its time and what the binary says: {stdout}"
    );
    assert!(
        !stdout.contains(&format!("built edgeplan {VERSION}")),
        "the log reports what was installed, not what was asked for: {stdout}"
    );
    assert!(!marker.exists(), "the workspace's tools ran");
}

/// The real cargo and rustup, on a one-file crate: the workspace's `rustc-wrapper` and toolchain
/// `path` run when cargo is started from the workspace (the control), and never through the
/// script.
#[cfg(unix)]
#[test]
fn a_hostile_workspace_cannot_change_the_real_fallback_build() {
    let (root, marker, ws, action) = hostile_setup();

    let run = install_in(
        &action,
        &ws,
        "Linux",
        "X86",
        None,
        &[("GITHUB_WORKSPACE", ws.display().to_string())],
    );
    run.assert_code(0);
    let bin = run.installed().expect("path= output");
    let printed = Command::new(&bin).output().expect("run the build");
    assert_eq!(
        String::from_utf8_lossy(&printed.stdout).trim(),
        "the action's own build"
    );
    assert!(
        !marker.exists(),
        "the workspace's tools ran: {}",
        std::fs::read_to_string(&marker).unwrap_or_default()
    );

    // Control: the same build started from the workspace runs the workspace's tools.
    let mut control = Command::new("cargo");
    control
        .current_dir(&ws)
        .args([
            "build",
            "--profile",
            "fallback",
            "--locked",
            "--manifest-path",
        ])
        .arg(action.join("Cargo.toml"))
        .arg("--target-dir")
        .arg(root.path().join("control-target"))
        .env_remove("RUSTUP_TOOLCHAIN")
        .env_remove("RUSTC_WRAPPER")
        .env_remove("CARGO_BUILD_RUSTC_WRAPPER");
    let _ = control.output().expect("cargo");
    assert!(
        marker.exists(),
        "the control should show the workspace's files taking over the build"
    );
}

#[test]
fn the_download_base_is_the_repository_the_action_was_taken_from() {
    let root = tempfile::tempdir().expect("tmp");
    let action = checked_out_action(root.path());
    let (bytes, asset) = linux_archive(root.path(), "from-acme");
    std::fs::write(
        action.join(format!("checksums/{VERSION}.sha256")),
        format!("{}  {asset}\n", sha256(&bytes)),
    )
    .expect("sums");
    let release = release_server(HashMap::from([(
        format!("/acme/edgeplan/releases/download/v{VERSION}/{asset}"),
        bytes,
    )]));
    let run = install_in(
        &action,
        root.path(),
        "Linux",
        "X64",
        None,
        &[
            ("GITHUB_SERVER_URL", release.server.url()),
            ("GITHUB_REPOSITORY", "someone/else".to_string()),
        ],
    );
    run.assert_code(0);
    run.assert_stdout_has("(from the action's repository acme/edgeplan)");
    run.assert_stdout_has(
        "(release asset edgeplan-9.9.9-x86_64-unknown-linux-musl.tar.gz, sha256 verified, ",
    );
    let bin = run.installed().expect("path");
    let printed = Command::new("sh").arg(&bin).output().expect("run fake");
    assert_eq!(String::from_utf8_lossy(&printed.stdout).trim(), "from-acme");
}

#[test]
fn an_action_run_from_the_workspace_downloads_from_the_workspace_repository() {
    let root = tempfile::tempdir().expect("tmp");
    let action = action_dir(&[]);
    let run = stubbed_install_in(
        root.path(),
        action.path(),
        action.path(),
        &[
            ("GITHUB_WORKSPACE", action.path().display().to_string()),
            ("GITHUB_REPOSITORY", "fork-owner/edgeplan".to_string()),
        ],
    );
    run.assert_code(0);
    run.assert_stdout_has(
        "release assets: https://github.com/fork-owner/edgeplan/releases/download \
         (from the workspace's repository fork-owner/edgeplan",
    );
}

#[test]
fn elsewhere_the_download_base_falls_back_to_the_package_repository() {
    let root = tempfile::tempdir().expect("tmp");
    let action = action_dir(&[]);
    let toml = action.path().join("Cargo.toml");
    let text = std::fs::read_to_string(&toml).expect("toml");
    std::fs::write(
        &toml,
        text.replace(
            "version = ",
            "repository = \"https://github.com/upstream/edgeplan\"\nversion = ",
        ),
    )
    .expect("toml");
    let run = stubbed_install_in(root.path(), action.path(), root.path(), &[]);
    run.assert_code(0);
    run.assert_stdout_has(
        "release assets: https://github.com/upstream/edgeplan/releases/download \
             (from the repository in the action's Cargo.toml)",
    );
}

/// Exported functions named like the commands the script calls cannot answer for them: a
/// function `env` that hides every `BASH_FUNC_` variable, with a `sha256sum` that "verifies"
/// anything, used to install a tampered download. So could `command`, `declare` or `unset`
/// functions, or one named `set`; every such run is refused and installs nothing.
#[test]
fn exported_functions_named_like_tools_cannot_fool_the_script() {
    let work = tempfile::tempdir().expect("work");
    let (bytes, asset) = linux_archive(work.path(), "tampered");
    let released = sha256(b"the build that was released");
    let release = release_server(HashMap::from([(format!("/v{VERSION}/{asset}"), bytes)]));
    let action = action_dir(&[(released.clone(), asset)]);
    let base = ("EDGEPLAN_DOWNLOAD_BASE", release.server.url());
    let fake_env = ("BASH_FUNC_env%%", "() { :; }".to_string());
    let fake_sum = (
        "BASH_FUNC_sha256sum%%",
        format!("() {{ echo \"{released}  $1\"; }}"),
    );
    let cases: Vec<Vec<(&str, String)>> = vec![
        vec![base.clone(), fake_env.clone(), fake_sum.clone()],
        vec![
            base.clone(),
            fake_env.clone(),
            fake_sum.clone(),
            ("BASH_FUNC_command%%", "() { :; }".to_string()),
            ("BASH_FUNC_declare%%", "() { :; }".to_string()),
            ("BASH_FUNC_unset%%", "() { :; }".to_string()),
            ("BASH_FUNC_builtin%%", "() { :; }".to_string()),
        ],
    ];
    for env in cases {
        let run = install_in(action.path(), action.path(), "Linux", "X64", None, &env);
        run.assert_code(1);
        run.assert_stdout_has(
            "refusing to run with exported bash functions (BASH_FUNC_*) in the environment",
        );
        run.assert_stdout_has("env");
        run.assert_stdout_has("sha256sum");
        assert!(run.installed().is_none(), "{}", run.dump());
    }
    // A function named `set` would stand in for the first line; the script stops there.
    let run = install_in(
        action.path(),
        action.path(),
        "Linux",
        "X64",
        None,
        &[
            base,
            fake_env,
            fake_sum,
            ("BASH_FUNC_set%%", "() { :; }".to_string()),
        ],
    );
    assert_ne!(run.out.status.code(), Some(0), "{}", run.dump());
    assert!(run.installed().is_none(), "{}", run.dump());
    assert!(
        String::from_utf8_lossy(&run.out.stderr).contains("a shell function named set"),
        "{}",
        run.dump()
    );
    assert!(release.requested().is_empty(), "{:?}", release.requested());
}

/// action.yml's install step: its `run:` and its `env:` lines, as written.
fn install_step() -> (String, Vec<String>) {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/action.yml"))
        .expect("action.yml");
    let step: Vec<&str> = text
        .lines()
        .skip_while(|l| l.trim() != "- id: install")
        .skip(1)
        .take_while(|l| !l.trim_start().starts_with("- id:"))
        .collect();
    let run = step
        .iter()
        .find_map(|l| l.trim().strip_prefix("run: "))
        .expect("the install step's run:");
    // A single-quoted YAML scalar: '' is one quote.
    let run = run
        .strip_prefix('\'')
        .and_then(|r| r.strip_suffix('\''))
        .expect("single-quoted run:")
        .replace("''", "'");
    (run, step.iter().map(|l| l.trim().to_string()).collect())
}

/// The install step starts the script with no startup file: `BASH_ENV` is emptied on the step
/// (an earlier step could have set it through GITHUB_ENV) and the script runs under
/// `/bin/bash --noprofile --norc`. Run here as the runner runs a `shell: bash` step, with a
/// `BASH_ENV` that leaves a marker; the control shows the marker is left without the step's
/// `BASH_ENV: ""`.
#[test]
fn the_install_step_sources_no_bash_env() {
    let (run, step) = install_step();
    assert!(step.iter().any(|l| l == "BASH_ENV: \"\""), "{step:?}");
    assert!(
        run.starts_with("/bin/bash --noprofile --norc \"$GITHUB_ACTION_PATH/scripts/install.sh\""),
        "{run}"
    );

    let work = tempfile::tempdir().expect("work");
    let (bytes, asset) = linux_archive(work.path(), "released");
    let release = release_of(&asset, &bytes);
    let action = action_dir(&[(sha256(&bytes), asset)]);
    std::fs::create_dir_all(action.path().join("scripts")).expect("mkdir");
    std::fs::copy(
        concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/install.sh"),
        action.path().join("scripts/install.sh"),
    )
    .expect("copy the script");
    let marker = work.path().join("bash-env-ran");
    let hostile = work.path().join("bash-env");
    std::fs::write(&hostile, format!("echo ran >> '{}'\n", marker.display())).expect("bash env");

    let step_run = |bash_env: &Path| {
        Command::new("bash")
            .args(["--noprofile", "--norc", "-eo", "pipefail", "-c", &run])
            .current_dir(action.path())
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", action.path())
            .env("BASH_ENV", bash_env)
            .env("RUNNER_OS", "Linux")
            .env("RUNNER_ARCH", "X64")
            .env("RUNNER_TEMP", work.path())
            .env("GITHUB_ACTION_PATH", action.path())
            .env("EDGEPLAN_DOWNLOAD_BASE", release.server.url())
            .output()
            .expect("bash")
    };
    // The step's env: BASH_ENV is "" whatever the job's environment said.
    let out = step_run(Path::new(""));
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!marker.exists(), "BASH_ENV was sourced");
    // Control: without the step's `BASH_ENV: ""`, the job's BASH_ENV runs first.
    let _ = step_run(&hostile);
    assert!(marker.exists(), "the control should source BASH_ENV");
}
