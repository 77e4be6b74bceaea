//! A commit's files read through the GitHub REST API, never from disk: a commit's parents
//! (`GET /repos/{o}/{r}/git/commits/{sha}`), the tree of a commit
//! (`GET /repos/{o}/{r}/git/trees/{sha}?recursive=1`,
//! <https://docs.github.com/en/rest/git/trees#get-a-tree>) and one blob
//! (`GET /repos/{o}/{r}/git/blobs/{sha}`, <https://docs.github.com/en/rest/git/blobs#get-a-blob>).
//!
//! `tree_sha` may be a commit: GitHub answers with that commit's root tree. A recursive listing
//! past GitHub's limit comes back with `truncated: true` and only part of the entries; GitHub's
//! advice is to list subtrees one at a time, which [`entries`] does, only into the directories
//! where something the `manifest` input names can lie ([`Wanted::may_be_under`]), at most
//! [`MAX_TREE_CALLS`] of them. A blob is held to [`MAX_BYTES`] twice before it is decoded: from
//! the size the answer states and from the length of its base64 text. The text is standard base64
//! with `=` padding (RFC 4648, section 4) and a line break every 60 characters: the breaks are
//! skipped, and the rest is decoded strictly by the `base64` crate (anything outside the
//! alphabet, or padding in the middle, is refused, never guessed around).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::Deserialize;

use super::client::{Error, GitHubClient};
use super::event::Repo;
use super::paths::{CommitEntry, Wanted};
use crate::manifest::MAX_BYTES;

/// Tree listings a truncated tree may cost before edgeplan gives up.
pub(crate) const MAX_TREE_CALLS: usize = 200;

/// `GET .../git/trees/{sha}`, the fields edgeplan reads.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub(crate) struct Tree {
    pub sha: String,
    #[serde(default)]
    pub tree: Vec<TreeEntry>,
    #[serde(default)]
    pub truncated: bool,
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub(crate) struct TreeEntry {
    pub path: String,
    pub mode: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub sha: String,
    #[serde(default)]
    pub size: Option<u64>,
}

/// `GET .../git/blobs/{sha}`, the fields edgeplan reads.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct Blob {
    pub content: String,
    pub encoding: String,
    #[serde(default)]
    pub size: Option<u64>,
}

/// `GET .../git/commits/{sha}`, the fields edgeplan reads
/// (<https://docs.github.com/en/rest/git/commits#get-a-commit-object>).
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub(crate) struct Commit {
    #[serde(default)]
    pub parents: Vec<Parent>,
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub(crate) struct Parent {
    pub sha: String,
}

/// The commit object `sha` (its parents say whether a test merge commit is of the current head).
pub(crate) async fn commit(client: &GitHubClient, repo: &Repo, sha: &str) -> Result<Commit, Error> {
    let sha = object_id(sha)?;
    let what = format!("read commit {sha} in {repo}");
    client
        .get_json(&format!("/repos/{repo}/git/commits/{sha}"), &what)
        .await
}

/// A git object id as GitHub writes it (hex), so that it can go into a route as is.
fn object_id(sha: &str) -> Result<&str, Error> {
    if (4..=64).contains(&sha.len()) && sha.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(sha)
    } else {
        Err(Error::Config(format!(
            "`{}` is not a git object id",
            crate::manifest::excerpt(sha)
        )))
    }
}

/// One tree listing: the commit's (or tree's) entries, recursively or one level.
pub(crate) async fn tree(
    client: &GitHubClient,
    repo: &Repo,
    sha: &str,
    recursive: bool,
) -> Result<Tree, Error> {
    let sha = object_id(sha)?;
    let what = format!("read the tree of {sha} in {repo}");
    let query = if recursive { "?recursive=1" } else { "" };
    client
        .get_json(&format!("/repos/{repo}/git/trees/{sha}{query}"), &what)
        .await
}

/// Every entry of commit `commit` that the `wanted` lines may name, paths from the root:
/// `root` is the commit's recursive listing, already read (it says whether the commit exists).
pub(crate) async fn entries(
    client: &GitHubClient,
    repo: &Repo,
    commit: &str,
    root: Tree,
    wanted: &[Wanted],
) -> Result<Vec<CommitEntry>, Error> {
    if !root.truncated {
        return Ok(root.tree.into_iter().map(|e| entry(e, "")).collect());
    }
    let mut out = Vec::new();
    let mut queue = vec![(String::new(), commit.to_string())];
    let mut calls = 0;
    while let Some((prefix, sha)) = queue.pop() {
        calls += 1;
        if calls > MAX_TREE_CALLS {
            return Err(Error::Config(format!(
                "the tree of {commit} is too large to search: more than {MAX_TREE_CALLS} directories could hold a manifest"
            )));
        }
        for e in tree(client, repo, &sha, false).await?.tree {
            let e = entry(e, &prefix);
            if e.kind == "tree" && wanted.iter().any(|w| w.may_be_under(&e.path)) {
                queue.push((e.path.clone(), e.sha.clone()));
            }
            out.push(e);
        }
    }
    Ok(out)
}

fn entry(e: TreeEntry, prefix: &str) -> CommitEntry {
    CommitEntry {
        path: if prefix.is_empty() {
            e.path
        } else {
            format!("{prefix}/{}", e.path)
        },
        mode: e.mode,
        kind: e.kind,
        sha: e.sha,
        size: e.size,
    }
}

/// Why a blob was not read.
#[derive(Debug)]
pub(crate) enum BlobError {
    Api(Error),
    /// Over [`MAX_BYTES`], or not base64: the message.
    Refused(String),
}

/// The bytes of blob `sha`, held to [`MAX_BYTES`] before they are decoded.
pub(crate) async fn blob(
    client: &GitHubClient,
    repo: &Repo,
    sha: &str,
) -> Result<Vec<u8>, BlobError> {
    let sha = object_id(sha).map_err(BlobError::Api)?;
    let what = format!("read blob {sha} in {repo}");
    let blob: Blob = client
        .get_json(&format!("/repos/{repo}/git/blobs/{sha}"), &what)
        .await
        .map_err(BlobError::Api)?;
    decode(&blob).map_err(BlobError::Refused)
}

/// A blob's content, refused past [`MAX_BYTES`] (stated, or implied by the text's length)
/// before any decoding.
pub fn decode(blob: &Blob) -> Result<Vec<u8>, String> {
    let (message, _) = crate::manifest::too_large();
    if blob.size.is_some_and(|s| s > MAX_BYTES)
        || blob.content.len() as u64 > max_encoded_len(MAX_BYTES)
    {
        return Err(message);
    }
    if blob.encoding != "base64" {
        return Err(format!(
            "GitHub sent the blob as `{}`, not base64",
            crate::manifest::excerpt(&blob.encoding)
        ));
    }
    let text: String = blob
        .content
        .chars()
        .filter(|c| !matches!(c, '\n' | '\r'))
        .collect();
    let bytes = STANDARD
        .decode(text)
        .map_err(|e| format!("the blob's base64 content is malformed: {e}"))?;
    if blob.size.is_some_and(|s| s != bytes.len() as u64) {
        return Err("the blob's content does not have the size GitHub states".into());
    }
    Ok(bytes)
}

/// The most text that can decode to `bytes` bytes, line breaks included (one per 60 characters,
/// and some slack for `\r\n`): anything longer is refused before decoding.
fn max_encoded_len(bytes: u64) -> u64 {
    let symbols = bytes.div_ceil(3) * 4;
    symbols + 2 * symbols.div_ceil(60) + 2
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> String {
        let path = format!(
            "{}/tests/fixtures/github-api/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    #[test]
    fn githubs_documented_examples_parse() {
        let tree: Tree =
            serde_json::from_str(&fixture("git-tree.default-response.json")).expect("tree");
        assert!(!tree.truncated);
        let modes: Vec<(&str, &str, Option<u64>)> = tree
            .tree
            .iter()
            .map(|e| (e.path.as_str(), e.mode.as_str(), e.size))
            .collect();
        assert_eq!(
            modes,
            [
                ("file.rb", "100644", Some(30)),
                ("subdir", "040000", None),
                ("exec_file", "100755", Some(75))
            ]
        );
        let blob: Blob = serde_json::from_str(&fixture("git-blob.json")).expect("blob");
        assert_eq!(decode(&blob).as_deref(), Ok(&b"Content of the blob"[..]));
    }

    #[test]
    fn blobs_over_the_limit_are_refused_before_decoding() {
        let stated = Blob {
            content: "Zm9v".into(),
            encoding: "base64".into(),
            size: Some(MAX_BYTES + 1),
        };
        assert!(decode(&stated).expect_err("size").contains("larger"));
        // No size stated: the text's length alone refuses it (it is not even valid base64).
        let long = Blob {
            content: "!".repeat(max_encoded_len(MAX_BYTES) as usize + 1),
            encoding: "base64".into(),
            size: None,
        };
        assert!(decode(&long).expect_err("length").contains("larger"));
        let lying = Blob {
            size: Some(2),
            ..Blob {
                content: "Zm9v".into(),
                encoding: "base64".into(),
                size: None,
            }
        };
        assert!(decode(&lying).expect_err("size").contains("size"));
        let other = Blob {
            encoding: "utf-8".into(),
            ..lying
        };
        assert!(decode(&other).expect_err("enc").contains("not base64"));
    }

    #[test]
    fn the_encoded_bound_covers_githubs_line_breaks() {
        for n in [0u64, 1, 44, 45, 46, 1000, 1024 * 1024] {
            let symbols = n.div_ceil(3) * 4;
            let with_breaks = symbols + symbols.div_ceil(60);
            assert!(with_breaks <= max_encoded_len(n), "{n}");
            assert!(
                max_encoded_len(n) < with_breaks + symbols / 30 + 8,
                "{n}: not loose"
            );
        }
    }

    #[test]
    fn line_breaks_are_skipped_and_malformed_text_is_refused() {
        let blob = |content: &str| Blob {
            content: content.into(),
            encoding: "base64".into(),
            size: None,
        };
        // RFC 4648, section 10, and GitHub's line breaks (`\n`, or `\r\n`).
        for (encoded, plain) in [
            ("", ""),
            ("Zg==", "f"),
            ("Zm8=", "fo"),
            ("Zm9vYmFy", "foobar"),
            ("Zm9v\nYmFy\n", "foobar"),
            ("Zm9v\r\nYg==\r\n", "foob"),
        ] {
            assert_eq!(
                decode(&blob(encoded)).as_deref(),
                Ok(plain.as_bytes()),
                "{encoded}"
            );
        }
        assert_eq!(decode(&blob("+/+/")).expect("ok"), vec![0xfb, 0xff, 0xbf]);
        for bad in ["Zm9", "Zm9v!", "Zg==Zg==", "Z===", "Zm 9v", "Zm9v-_"] {
            let err = decode(&blob(bad)).expect_err(bad);
            assert!(err.contains("malformed"), "{bad}: {err}");
        }
    }
}
