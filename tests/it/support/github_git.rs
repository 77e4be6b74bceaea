//! The git data part of the local GitHub: `GET /repos/{o}/{r}/git/trees/{sha}` (with and without
//! `recursive`) and `GET /repos/{o}/{r}/git/blobs/{sha}`, over commits a test describes as files.
//!
//! Answers have GitHub's shape (tests/fixtures/github-api/, GitHub's documented examples): tree
//! entries with `path`, `mode` (`100644`, `100755`, `040000`, `120000` for a symbolic link whose
//! blob is the link's target, `160000` with type `commit` for a submodule), `type`, `sha`, `url`
//! and `size` for blobs; a recursive listing holds every blob and subtree, sorted by path, and
//! past [`Store::truncate_over`] entries only that many, with `truncated: true` (GitHub's limit
//! is 100,000 entries); blobs come base64-encoded with a line break every 60 characters, as
//! GitHub sends them. A commit id names its root tree, as GitHub allows; an unknown id is 404.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde_json::{Value, json};

use super::http::{Request, Response};

/// One file of a commit.
#[derive(Debug, Clone)]
pub enum GitFile {
    /// A regular file (mode 100644).
    Blob(Vec<u8>),
    /// An executable file (mode 100755).
    Executable(Vec<u8>),
    /// A symbolic link to the given target.
    Link(String),
    /// A submodule at the given commit.
    Submodule(String),
}

/// What the git endpoints serve.
pub struct Store {
    /// commit id -> path -> file.
    commits: HashMap<String, BTreeMap<String, GitFile>>,
    /// commit id -> its parents (none unless a test says).
    parents: HashMap<String, Vec<String>>,
    /// tree id -> (commit, directory path, "" for the root).
    trees: HashMap<String, (String, String)>,
    /// blob id -> content.
    blobs: HashMap<String, Vec<u8>>,
    /// Recursive listings longer than this are cut and marked `truncated`.
    pub truncate_over: usize,
}

impl Default for Store {
    fn default() -> Self {
        Store {
            commits: HashMap::new(),
            parents: HashMap::new(),
            trees: HashMap::new(),
            blobs: HashMap::new(),
            truncate_over: 100_000,
        }
    }
}

/// A 40-hex object id from `text` (FNV-1a, repeated): stable, distinct enough for tests.
pub fn object_id(text: &str) -> String {
    let mut out = String::new();
    let mut seed: u64 = 0xcbf2_9ce4_8422_2325;
    while out.len() < 40 {
        for b in text.bytes() {
            seed ^= u64::from(b);
            seed = seed.wrapping_mul(0x0100_0000_01b3);
        }
        out.push_str(&format!("{seed:016x}"));
    }
    out.truncate(40);
    out
}

impl Store {
    /// Adds commit `sha` holding `files` (paths from the root).
    pub fn commit(&mut self, sha: &str, files: &[(&str, GitFile)]) {
        let map: BTreeMap<String, GitFile> = files
            .iter()
            .map(|(p, f)| (p.to_string(), f.clone()))
            .collect();
        for (path, file) in &map {
            if let Some(bytes) = content(file) {
                self.blobs.insert(blob_id(bytes), bytes.to_vec());
            }
            let mut dir = path.as_str();
            while let Some((parent, _)) = dir.rsplit_once('/') {
                self.trees.insert(
                    object_id(&format!("{sha}:{parent}")),
                    (sha.into(), parent.into()),
                );
                dir = parent;
            }
        }
        self.commits.insert(sha.to_string(), map);
    }

    /// Gives commit `sha` its parents (a test merge commit: the base, then the head).
    pub fn parents(&mut self, sha: &str, parents: &[&str]) {
        self.parents.insert(
            sha.to_string(),
            parents.iter().map(|p| p.to_string()).collect(),
        );
    }

    /// Answers `rest`, the path after `/repos/{o}/{r}/git/`.
    pub fn serve(&self, repo: &str, rest: &[&str], req: &Request) -> Response {
        match rest {
            ["trees", sha] => {
                let (commit, dir) = match self.commits.get(*sha) {
                    Some(_) => (sha.to_string(), String::new()),
                    None => match self.trees.get(*sha) {
                        Some(found) => found.clone(),
                        None => return not_found(),
                    },
                };
                let recursive = req.query("recursive").is_some();
                self.tree(repo, sha, &commit, &dir, recursive)
            }
            ["commits", sha] if self.commits.contains_key(*sha) => {
                let parents: Vec<Value> = self
                    .parents
                    .get(*sha)
                    .into_iter()
                    .flatten()
                    .map(|p| json!({"sha": p, "url": format!("https://api.github.com/repos/{repo}/git/commits/{p}")}))
                    .collect();
                Response::json(
                    200,
                    &json!({
                        "sha": sha,
                        "node_id": format!("C_{sha}"),
                        "url": format!("https://api.github.com/repos/{repo}/git/commits/{sha}"),
                        "tree": {"sha": sha, "url": format!("https://api.github.com/repos/{repo}/git/trees/{sha}")},
                        "message": "Merge into base",
                        "parents": parents,
                    }),
                )
            }
            ["blobs", sha] => match self.blobs.get(*sha) {
                Some(bytes) => Response::json(
                    200,
                    &json!({
                        "content": encode(bytes),
                        "encoding": "base64",
                        "url": format!("https://api.github.com/repos/{repo}/git/blobs/{sha}"),
                        "sha": sha,
                        "size": bytes.len(),
                        "node_id": format!("B_{sha}"),
                    }),
                ),
                None => not_found(),
            },
            _ => not_found(),
        }
    }

    fn tree(&self, repo: &str, sha: &str, commit: &str, dir: &str, recursive: bool) -> Response {
        let files = &self.commits[commit];
        let prefix = if dir.is_empty() {
            String::new()
        } else {
            format!("{dir}/")
        };
        // Every path below `dir`, directories included, relative to it.
        let mut entries: BTreeMap<String, Value> = BTreeMap::new();
        let mut dirs = BTreeSet::new();
        for (path, file) in files {
            let Some(rel) = path.strip_prefix(&prefix) else {
                continue;
            };
            let parts: Vec<&str> = rel.split('/').collect();
            for i in 1..parts.len() {
                dirs.insert(parts[..i].join("/"));
            }
            if recursive || parts.len() == 1 {
                entries.insert(rel.to_string(), file_entry(repo, rel, file));
            }
        }
        for d in dirs {
            if recursive || !d.contains('/') {
                let id = object_id(&format!("{commit}:{prefix}{d}"));
                entries.insert(
                    d.clone(),
                    json!({"path": d, "mode": "040000", "type": "tree", "sha": id,
                           "url": format!("https://api.github.com/repos/{repo}/git/trees/{id}")}),
                );
            }
        }
        let truncated = recursive && entries.len() > self.truncate_over;
        let tree: Vec<Value> = entries
            .into_values()
            .take(if truncated {
                self.truncate_over
            } else {
                usize::MAX
            })
            .collect();
        Response::json(
            200,
            &json!({
                "sha": object_id(&format!("{commit}:{dir}")),
                "url": format!("https://api.github.com/repos/{repo}/git/trees/{sha}"),
                "tree": tree,
                "truncated": truncated,
            }),
        )
    }
}

fn content(file: &GitFile) -> Option<&[u8]> {
    match file {
        GitFile::Blob(b) | GitFile::Executable(b) => Some(b),
        GitFile::Link(target) => Some(target.as_bytes()),
        GitFile::Submodule(_) => None,
    }
}

fn blob_id(bytes: &[u8]) -> String {
    object_id(&format!(
        "blob {}\0{}",
        bytes.len(),
        String::from_utf8_lossy(bytes)
    ))
}

fn file_entry(repo: &str, path: &str, file: &GitFile) -> Value {
    let (mode, kind, sha) = match file {
        GitFile::Blob(b) => ("100644", "blob", blob_id(b)),
        GitFile::Executable(b) => ("100755", "blob", blob_id(b)),
        GitFile::Link(t) => ("120000", "blob", blob_id(t.as_bytes())),
        GitFile::Submodule(c) => ("160000", "commit", c.clone()),
    };
    let mut e = json!({"path": path, "mode": mode, "type": kind, "sha": sha,
                       "url": format!("https://api.github.com/repos/{repo}/git/blobs/{sha}")});
    if let Some(bytes) = content(file) {
        e["size"] = bytes.len().into();
    }
    e
}

fn not_found() -> Response {
    Response::json(
        404,
        &json!({"message": "Not Found", "documentation_url": "https://docs.github.com/rest/git/trees#get-a-tree", "status": "404"}),
    )
}

/// Base64 with a line break after every 60 characters (and at the end), as GitHub's blobs API.
pub fn encode(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut flat = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                flat.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                flat.push('=');
            }
        }
    }
    let mut out = String::new();
    for line in flat.as_bytes().chunks(60) {
        out.push_str(std::str::from_utf8(line).unwrap_or_default());
        out.push('\n');
    }
    out
}
