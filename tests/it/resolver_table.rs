//! Which files are manifests, read both ways (DESIGN section 1): each row of the table is one
//! file tree, written to a temporary directory for the disk side (`edgeplan validate -m`) and
//! committed to the local GitHub for the API side (`edgeplan action` on `pull_request_target`,
//! git trees and blobs). For every row and value both sides must name the same files, in the
//! same order, or refuse the same path by name, each within 10 s; a few rows differ on purpose
//! (a link named directly, the API's 50-file bound) and say so.
//!
//! The first rows are the ones found on main: a directory link into another team's directory,
//! a link loop under `**`, a file literally named `dns/*.yaml`, and `./edgeplan.yaml`.

use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::support::github_git::GitFile;
use crate::support::harness::{Run, World, bounded, edgeplan, pr_payload};

/// How long one side may take for one value: a walk that loops never ends.
const BOUND: Duration = Duration::from_secs(10);

/// One entry of a row's tree.
#[derive(Clone, Copy)]
enum E {
    /// A valid manifest (each with its own owner, so any two can be read together).
    File(&'static str),
    /// A symbolic link (Unix rows only) with its target.
    Link(&'static str, &'static str),
    /// A submodule: on disk a directory holding a `.git` file and this manifest; mode 160000
    /// through the API.
    Submodule(&'static str, &'static str),
    /// A manifest inside `.git`: on disk only, as git never commits `.git`.
    InGit(&'static str),
}

/// What one value must give.
#[derive(Clone, Copy)]
enum Want {
    /// These files, in this order, on both sides.
    Files(&'static [&'static str]),
    /// Both sides refuse, naming this path, with this text in the message.
    Refused(&'static str, &'static str),
    /// The disk reads these files; the API refuses, with this text (named in DESIGN section 1: a
    /// link named directly, or past the API's bounds).
    DiskOnly(&'static [&'static str], &'static str),
}

struct Row {
    name: &'static str,
    tree: Vec<E>,
    /// Values, what each must give, and a notice both sides print (if any).
    values: Vec<(&'static str, Want, Option<&'static str>)>,
}

fn manifest(owner: usize) -> Vec<u8> {
    format!("version: 1\nzone: example.com\nowner: o{owner}\nendpoints: []\n").into_bytes()
}

fn rows() -> Vec<Row> {
    use E::*;
    use Want::*;
    let mut rows = vec![
        Row {
            name: "a file named like the pattern does not switch it off",
            tree: vec![File("dns/*.yaml"), File("dns/a.yaml")],
            values: vec![
                ("dns/*.yaml", Files(&["dns/*.yaml", "dns/a.yaml"]), None),
                ("dns/[*].yaml", Files(&["dns/*.yaml"]), None),
            ],
        },
        Row {
            name: "./ and // name the same path, normalised",
            tree: vec![File("edgeplan.yaml"), File("a/b.yaml")],
            values: vec![
                ("./edgeplan.yaml", Files(&["edgeplan.yaml"]), None),
                ("edgeplan.yaml", Files(&["edgeplan.yaml"]), None),
                ("./a//b.yaml", Files(&["a/b.yaml"]), None),
                ("a/./*.yaml", Files(&["a/b.yaml"]), None),
            ],
        },
        Row {
            name: "sorted bytewise by the /-joined path",
            tree: vec![
                File("dns/c.yaml"),
                File("dns/B.yaml"),
                File("dns/a-b/x.yaml"),
                File("dns/a.yaml"),
                File("dns/a/x.yaml"),
            ],
            values: vec![(
                "dns/**/*.yaml",
                Files(&[
                    "dns/B.yaml",
                    "dns/a-b/x.yaml",
                    "dns/a.yaml",
                    "dns/a/x.yaml",
                    "dns/c.yaml",
                ]),
                None,
            )],
        },
        Row {
            name: ".git and submodules are never searched",
            tree: vec![
                InGit(".git/x.yaml"),
                Submodule("vendored", "y.yaml"),
                File("z.yaml"),
            ],
            values: vec![
                ("**/*.yaml", Files(&["z.yaml"]), None),
                ("*/y.yaml", Refused("*/y.yaml", "match"), None),
            ],
        },
        Row {
            name: "a pattern whose literal part goes through .git does not enter it",
            tree: vec![
                InGit(".git/x.yaml"),
                InGit("x/.git/y.yaml"),
                Submodule("vendored", "y.yaml"),
                File("z.yaml"),
            ],
            values: vec![
                (
                    ".git/*.yaml",
                    Refused(".git/*.yaml", "match"),
                    Some("`.git` is git's own directory"),
                ),
                (
                    ".git/**",
                    Refused(".git/**", "match"),
                    Some("`.git` is git's own directory"),
                ),
                (
                    "x/.git/**",
                    Refused("x/.git/**", "match"),
                    Some("`x/.git` is git's own directory"),
                ),
                (
                    "vendored/.git/*",
                    Refused("vendored/.git/*", "match"),
                    Some("`vendored/.git` is git's own directory"),
                ),
                (
                    "vendored/*.yaml",
                    Refused("vendored/*.yaml", "match"),
                    Some("`vendored` is a submodule"),
                ),
            ],
        },
        Row {
            name: "a name compares byte-exact",
            tree: vec![File("Edgeplan.yaml")],
            values: vec![
                (
                    "edgeplan.yaml",
                    Refused("edgeplan.yaml", "no such file"),
                    None,
                ),
                ("*.yaml", Files(&["Edgeplan.yaml"]), None),
            ],
        },
        Row {
            name: "past the API's 50 files the preview refuses, the disk reads",
            tree: fifty_one().iter().map(|p| File(p)).collect(),
            values: vec![(
                "many/*.yaml",
                DiskOnly(fifty_one(), "at most 50 files"),
                None,
            )],
        },
    ];
    if cfg!(unix) {
        rows.extend(link_rows());
    }
    rows
}

/// `many/00.yaml` .. `many/50.yaml`: one more than a preview reads through the API.
fn fifty_one() -> &'static [&'static str] {
    let names: Vec<&'static str> = (0..51)
        .map(|i| &*Box::leak(format!("many/{i:02}.yaml").into_boxed_str()))
        .collect();
    Box::leak(names.into_boxed_slice())
}

/// The rows with symbolic links: Unix only (Windows needs a privilege to make them).
fn link_rows() -> Vec<Row> {
    use E::*;
    use Want::*;
    vec![
        Row {
            name: "a directory link into another team's directory is not searched",
            tree: vec![
                File("vendor/team/x.yaml"),
                File("dns/a.yaml"),
                Link("dns/team", "../vendor/team"),
            ],
            values: vec![(
                "dns/**/*.yaml",
                Files(&["dns/a.yaml"]),
                Some("`dns/team` is a symbolic link"),
            )],
        },
        Row {
            name: "a link loop under ** ends",
            tree: vec![File("dns/a.yaml"), Link("dns/x", ".")],
            values: vec![
                (
                    "dns/**/*.yaml",
                    Files(&["dns/a.yaml"]),
                    Some("`dns/x` is a symbolic link"),
                ),
                // Every file below: the link is a match, and a match that is a link is refused.
                ("**", Refused("dns/x", "is a symbolic link"), None),
            ],
        },
        Row {
            name: "a pattern's match that is a link is refused by name",
            tree: vec![File("dns/a.yaml"), Link("dns/b.yaml", "a.yaml")],
            values: vec![
                (
                    "dns/*.yaml",
                    Refused("dns/b.yaml", "is a symbolic link"),
                    None,
                ),
                ("dns/a*.yaml", Files(&["dns/a.yaml"]), None),
            ],
        },
        Row {
            name: "a link named directly is read on disk, refused through the API",
            tree: vec![
                File("vendor/team/x.yaml"),
                Link("dns/team", "../vendor/team"),
                File("real.yaml"),
                Link("edgeplan.yaml", "real.yaml"),
            ],
            values: vec![
                (
                    "dns/team/x.yaml",
                    DiskOnly(&["dns/team/x.yaml"], "symbolic link"),
                    None,
                ),
                // A pattern's own directory through a link is not searched either, on both sides.
                (
                    "dns/team/*.yaml",
                    Refused("dns/team/*.yaml", "match"),
                    Some("`dns/team` is a symbolic link"),
                ),
                (
                    "edgeplan.yaml",
                    DiskOnly(&["edgeplan.yaml"], "symbolic link"),
                    None,
                ),
            ],
        },
    ]
}

/// Writes `tree` under `dir`; the owners follow the row's order.
fn write_disk(dir: &Path, tree: &[E]) {
    for (i, e) in tree.iter().enumerate() {
        let mkdir = |p: &Path| std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        match *e {
            E::File(p) | E::InGit(p) => {
                let path = dir.join(p);
                mkdir(&path);
                std::fs::write(&path, manifest(i)).expect("write");
            }
            E::Link(p, target) => {
                let path = dir.join(p);
                mkdir(&path);
                #[cfg(unix)]
                std::os::unix::fs::symlink(target, &path).expect("symlink");
                #[cfg(not(unix))]
                let _ = target;
            }
            E::Submodule(p, inner) => {
                let path = dir.join(p).join(inner);
                mkdir(&path);
                std::fs::write(dir.join(p).join(".git"), "gitdir: ../.git/modules/x\n")
                    .expect("write");
                std::fs::write(&path, manifest(i)).expect("write");
            }
        }
    }
}

/// The same tree as a commit's files.
fn git_files(tree: &[E]) -> Vec<(&'static str, GitFile)> {
    tree.iter()
        .enumerate()
        .filter_map(|(i, e)| match *e {
            E::File(p) => Some((p, GitFile::Blob(manifest(i)))),
            E::Link(p, target) => Some((p, GitFile::Link(target.into()))),
            E::Submodule(p, _) => Some((p, GitFile::Submodule(format!("{:040x}", 7 + i)))),
            E::InGit(_) => None,
        })
        .collect()
}

/// What one side did: the files it read, in order (`None` when it refused), and the run.
struct Read {
    files: Option<Vec<String>>,
    ran: Run,
}

/// The disk side: `edgeplan validate -m VALUE` in the row's directory; the files it read, in
/// order, or the run when it refused.
fn disk(dir: &Path, value: &str) -> Read {
    let mut cmd = edgeplan();
    cmd.current_dir(dir).args(["validate", "-m", value]);
    let ran = bounded(cmd, BOUND).0;
    if ran.code != 0 {
        return Read { files: None, ran };
    }
    let files = ran
        .stdout
        .lines()
        .filter_map(|l| l.split_once(": valid: ").map(|(p, _)| p.to_string()))
        .collect();
    Read {
        files: Some(files),
        ran,
    }
}

/// The API side: a `pull_request_target` preview of commit `head` with the `manifest` input
/// VALUE; the manifests of its plan, in the order read, or the run when it refused.
fn api(w: &World, head: &str, value: &str) -> Read {
    let mut payload = pr_payload("pull_request.opened.from-fork.json");
    payload["pull_request"]["head"]["sha"] = head.into();
    payload["pull_request"]["merge_commit_sha"] = Value::Null;
    let started = Instant::now();
    let ran = w
        .action("pull_request_target", &payload)
        .var("INPUT_MANIFEST", value)
        .run();
    assert!(started.elapsed() < BOUND, "{value}: {}", ran.dump());
    if ran.code != 0 {
        return Read { files: None, ran };
    }
    // The plan's zones in the order they were read (the plan JSON sorts them by owner).
    let files = ran
        .stdout
        .lines()
        .filter_map(|l| l.strip_prefix("example.com (owner "))
        .filter_map(|l| {
            l.strip_suffix(')')?
                .split_once(", ")
                .map(|(_, p)| p.to_string())
        })
        .collect();
    Read {
        files: Some(files),
        ran,
    }
}

fn assert_refused(side: &str, what: &str, got: &Read, path: &str, needle: &str) {
    let ran = match got {
        Read {
            files: Some(files),
            ran,
        } => panic!(
            "{what}: {side} read {files:?} instead of refusing:\n{}",
            ran.dump()
        ),
        Read { files: None, ran } => ran,
    };
    assert_eq!(ran.code, 1, "{what}: {side}\n{}", ran.dump());
    let line = ran
        .stderr
        .lines()
        .find(|l| l.starts_with(&format!("error: {path}")))
        .unwrap_or_else(|| panic!("{what}: {side} does not name `{path}`\n{}", ran.dump()));
    assert!(
        ran.stderr.contains(needle),
        "{what}: {side} refused without {needle:?}: {line}\n{}",
        ran.dump()
    );
    assert!(!ran.stderr.contains("panicked"), "{}", ran.dump());
}

fn assert_files(side: &str, what: &str, got: &Read, want: &[&str]) -> String {
    match got {
        Read {
            files: Some(files),
            ran,
        } => {
            assert_eq!(files, want, "{what}: {side}\n{}", ran.dump());
            format!("{}{}", ran.stderr, ran.stdout)
        }
        Read { files: None, ran } => panic!("{what}: {side} refused:\n{}", ran.dump()),
    }
}

#[test]
fn disk_and_api_find_the_same_manifests_or_refuse_the_same_path() {
    let w = World::for_action();
    for (i, row) in rows().into_iter().enumerate() {
        let tmp = tempfile::tempdir().expect("tmp");
        write_disk(tmp.path(), &row.tree);
        let head = format!("{:040x}", 0xabc0 + i);
        w.gh().commit(&head, &git_files(&row.tree));
        for (value, want, notice) in &row.values {
            let what = format!("{} | {value}", row.name);
            let on_disk = disk(tmp.path(), value);
            let through_api = api(&w, &head, value);
            match *want {
                Want::Files(files) => {
                    let a = assert_files("disk", &what, &on_disk, files);
                    let b = assert_files("API", &what, &through_api, files);
                    if let Some(notice) = notice {
                        assert!(a.contains(notice), "{what}: disk notice: {a}");
                        assert!(b.contains(notice), "{what}: API notice: {b}");
                        // The Action also prints it for the run's page.
                        let annotation = format!("::notice::{notice}");
                        assert!(b.contains(&annotation), "{what}: API annotation: {b}");
                    }
                }
                Want::Refused(path, needle) => {
                    assert_refused("disk", &what, &on_disk, path, needle);
                    assert_refused("API", &what, &through_api, path, needle);
                    if let Some(notice) = notice {
                        for (side, read) in [("disk", &on_disk), ("API", &through_api)] {
                            assert!(
                                read.ran.stderr.contains(notice),
                                "{what}: {side} notice: {}",
                                read.ran.dump()
                            );
                        }
                    }
                }
                Want::DiskOnly(files, needle) => {
                    assert_files("disk", &what, &on_disk, files);
                    let Read { files: None, ran } = &through_api else {
                        panic!("{what}: the API read what it must refuse");
                    };
                    assert_eq!(ran.code, 1, "{what}\n{}", ran.dump());
                    assert!(ran.stderr.contains(needle), "{what}\n{}", ran.dump());
                }
            }
        }
    }
}

/// `./edgeplan.yaml`, `.//edgeplan.yaml` and `edgeplan.yaml` are one plan: the path is
/// normalised before it is hashed (found on main: two fingerprints for one plan).
#[test]
fn one_manifest_spelled_three_ways_has_one_fingerprint() {
    let w = World::free();
    w.endpoints(&[("sentiment", "sentiment.example.net")]);
    let fingerprint = |value: &str| {
        let mut cmd = edgeplan();
        cmd.current_dir(w.workspace())
            .args(["plan", "--format", "json", "-m", value])
            .env("CLOUDFLARE_API_TOKEN", &w.token)
            .env("CLOUDFLARE_BASE_URL", w.cf.url());
        let ran = bounded(cmd, BOUND).0;
        let plan: Value = serde_json::from_str(&ran.stdout)
            .unwrap_or_else(|e| panic!("{value}: {e}\n{}", ran.dump()));
        (
            plan["fingerprint"]
                .as_str()
                .expect("fingerprint")
                .to_string(),
            plan["zones"][0]["manifest"]
                .as_str()
                .expect("manifest")
                .to_string(),
        )
    };
    let plain = fingerprint("edgeplan.yaml");
    assert_eq!(plain.1, "edgeplan.yaml");
    for other in ["./edgeplan.yaml", ".//edgeplan.yaml", "././edgeplan.yaml"] {
        assert_eq!(fingerprint(other), plain, "{other}");
    }
}

/// The Action reading the workspace (a same-repository pull request) is the disk side: the
/// directory link the fork preview does not search is not searched here either, and both the log
/// and the run's page name it (found on main: the apply followed it into another team's files).
#[cfg(unix)]
#[test]
fn the_action_on_the_workspace_names_the_directory_link_it_does_not_search() {
    let w = World::for_action();
    write_disk(
        &w.workspace(),
        &[
            E::File("vendor/team/x.yaml"),
            E::File("dns/a.yaml"),
            E::Link("dns/team", "../vendor/team"),
        ],
    );
    let ran = w
        .pull_request("pull_request.opened.json")
        .var("INPUT_MANIFEST", "dns/**/*.yaml")
        .run_checked(0);
    ran.assert_stdout_has("example.com (owner o1, dns/a.yaml)");
    assert!(
        !ran.stdout.contains("vendor") && !ran.stdout.contains("dns/team/x.yaml"),
        "{}",
        ran.dump()
    );
    ran.assert_stdout_has("::notice::`dns/team` is a symbolic link");
    ran.assert_stderr_has("notice: `dns/team` is a symbolic link");
}
