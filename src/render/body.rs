//! What a comment body is made with, and how it is fitted to GitHub's limit: the optional parts
//! of a comment ([`CommentContext`]: marker, run link, commit, links to files, budget, kind) and
//! the joining of a never-cut head, a detail cut at a line boundary to fit the budget, and a
//! never-cut end. The plan's comment ([`super::markdown`]), a zone's detail ([`super::changes`])
//! and the problems comment ([`super::problems`]) are all laid out with it.

use std::path::{Path, PathBuf};

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use super::comment::{BUDGET, TRUNCATED};
use super::escape::code;
use super::verdict::Kind;

/// The optional parts of a comment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CommentContext {
    /// Goes into the marker (`<!-- edgeplan:preview manifest=PATH -->`) when several manifests are
    /// previewed in separate comments.
    pub manifest: Option<String>,
    /// A link to the workflow run (its job summary holds the whole plan).
    pub run_url: Option<String>,
    /// The commit the plan was computed from (`GITHUB_SHA`; on a pull request, the test merge).
    pub commit: Option<String>,
    /// One Markdown line under the verdict saying where the manifests were read from, when not
    /// from the workspace (a commit read through the GitHub API).
    pub source: Option<String>,
    /// Where files are shown at that commit (`{server}/{owner}/{repo}/blob/{sha}`): manifest
    /// lines link there. Without it, `file:line` is plain code.
    pub blob_url: Option<String>,
    /// The workspace the manifests were read from: paths in links are relative to it.
    pub workspace: Option<PathBuf>,
    /// Byte budget; `None` means [`BUDGET`]. Tests lower it.
    pub budget: Option<usize>,
    /// What the body is for; it decides the heading and whether it speaks of merge or apply.
    pub kind: Kind,
}

/// Past this many rows, a zone's changes are grouped by action and collapsed.
pub const ROWS_OPEN: usize = 25;

impl CommentContext {
    /// The hidden first line.
    pub fn marker(&self) -> String {
        super::comment::marker(self.manifest.as_deref())
    }

    /// The hidden first line of a plan's comment: the fingerprint stands in the marker, the
    /// one place no value can forge (the apply report reads it from there).
    pub fn plan_marker(&self, fingerprint: &str) -> String {
        super::comment::preview_marker(self.manifest.as_deref(), Some(fingerprint))
    }

    pub(super) fn budget(&self) -> usize {
        self.budget.unwrap_or(BUDGET)
    }

    pub(super) fn footer(&self) -> String {
        super::comment::run_link(self.run_url.as_deref())
    }

    /// ` (commit `abc1234`)`, or nothing: the short hash, as GitHub shows a commit.
    pub(super) fn commit_note(&self) -> String {
        match self.commit.as_deref().filter(|c| !c.is_empty()) {
            Some(c) => format!(" (commit {})", code(short_sha(c))),
            None => String::new(),
        }
    }

    /// `` `file:line` ``, linked to the file at the commit the preview read when
    /// [`CommentContext::blob_url`] is known: `{blob_url}/{path}#L{line}`, the path percent-encoded
    /// (a path is a value from the repository: nothing in it may end the link or add markup).
    pub(super) fn file_link(&self, source: &Path, line: usize, col: Option<usize>) -> String {
        let relative = self
            .workspace
            .as_deref()
            .and_then(|ws| source.strip_prefix(ws).ok())
            .unwrap_or(source);
        let path = relative.to_string_lossy().replace('\\', "/");
        let path = path.strip_prefix("./").unwrap_or(&path);
        let text = match col {
            // No place in a file (a path that names none): no link either.
            _ if line == 0 => return code(path),
            Some(col) => code(&format!("{path}:{line}:{col}")),
            None => code(&format!("{path}:{line}")),
        };
        match self.blob_url.as_deref() {
            Some(base) if !path.starts_with('/') && !path.split('/').any(|s| s == "..") => {
                format!("[{text}]({base}/{}#L{line})", percent_encode_path(path))
            }
            _ => text,
        }
    }

    /// Where the whole plan is: the job summary of this run.
    pub(super) fn summary_link(&self) -> String {
        match &self.run_url {
            Some(url) => format!("the [job summary]({url})"),
            None => "the job summary".into(),
        }
    }
}

/// A commit's short hash as GitHub shows it: its first 7 characters.
pub fn short_sha(sha: &str) -> &str {
    sha.get(..7).unwrap_or(sha)
}

/// What a path in a link keeps as it is: RFC 3986's unreserved characters and `/`.
const PATH_KEEPS: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'/');

/// `path` with every byte outside `A-Z a-z 0-9 - . _ ~ /` percent-encoded, for a link.
fn percent_encode_path(path: &str) -> String {
    utf8_percent_encode(path, PATH_KEEPS).to_string()
}

/// Joins head, detail and footer, cutting the detail at a line boundary to fit the budget.
pub(super) fn assemble(
    head: String,
    detail: Vec<String>,
    end: &str,
    ctx: &CommentContext,
) -> String {
    let footer = format!(
        "{end}{}{}",
        if end.is_empty() || ctx.run_url.is_none() {
            ""
        } else {
            "\n"
        },
        ctx.footer()
    );
    let mut out = head;
    out.push('\n');
    let full: usize = detail.iter().map(|l| l.len() + 1).sum();
    let top = format!(
        "> **Note:** this comment is truncated; {} holds the whole plan.\n\n",
        ctx.summary_link()
    );
    if out.len() + full + footer.len() > ctx.budget() {
        // Said at the top too, where a reader starts: after the marker and the verdict line.
        let at = out.find("\n\n").map_or(0, |i| i + 2);
        out.insert_str(at, &top);
    }
    if out.len() + full + footer.len() <= ctx.budget() {
        for line in &detail {
            out.push_str(line);
            out.push('\n');
        }
    } else {
        // Room for the note and for closing a `<details>` left open by the cut.
        let room = ctx.budget().saturating_sub(
            out.len() + footer.len() + TRUNCATED.len() + 2 * "\n</details>\n".len() + 2,
        );
        let mut used = 0;
        let mut open = 0usize;
        for line in &detail {
            if used + line.len() + 1 > room {
                break;
            }
            used += line.len() + 1;
            if line.starts_with("<details") {
                open += 1;
            } else if line == "</details>" {
                open = open.saturating_sub(1);
            }
            out.push_str(line);
            out.push('\n');
        }
        // A cut inside a collapsed group leaves two blocks open (the group and its zone).
        for _ in 0..open {
            out.push_str("\n</details>\n");
        }
        out.push_str(TRUNCATED);
    }
    if !footer.is_empty() {
        // A blank line first, so the link is a paragraph of its own.
        if !out.ends_with("\n\n") {
            out.push('\n');
        }
        out.push_str(&footer);
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn link_paths_encode_all_but_unreserved_characters_and_slashes() {
        assert_eq!(
            super::percent_encode_path("dns/my file~\u{e9}[x]#-_.yaml"),
            "dns/my%20file~%C3%A9%5Bx%5D%23-_.yaml"
        );
    }
}
