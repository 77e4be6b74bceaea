//! The sticky PR comment: one comment per PR (and manifest), found by its hidden first-line
//! marker, updated in place, left alone when unchanged.
//!
//! The algorithm is the one in docs/action.md, after
//! marocchino/sticky-pull-request-comment and tfcmt: list every page of the PR's comments
//! (<https://docs.github.com/en/rest/issues/comments#list-issue-comments>), match the marker on the
//! first line AND the author (`user.type == "Bot"`, since `GET /user` fails for the Actions
//! token, or a configured login) so that a person quoting the marker is never overwritten; the
//! newest match is updated with PATCH and older matches (a race, or a POST that was retried
//! after its response was lost) are deleted; none means POST.
//!
//! GitHub rejects bodies over 65,536 characters with 422. The markdown renderer sizes the
//! comment; [`clamp`] is the last guard, cutting at a line boundary under 60,000 characters and
//! 65,536 bytes with a note, so that the request can never fail for size.

use super::client::{Client, Error, IssueComment};
use super::event::Repo;

/// The marker of the single-manifest preview comment.
pub const MARKER: &str = "<!-- edgeplan:preview -->";

/// Characters allowed in a comment body: GitHub's limit is 65,536, counted in a unit that is
/// disputed (UTF-16 code units in JavaScript tools), so edgeplan budgets below it in both.
pub const MAX_CHARS: usize = 60_000;
pub const MAX_BYTES: usize = 65_536;

const TRUNCATED: &str = "\n\n> **Truncated**: this comment reached GitHub's size limit; the full plan is in the job summary.\n";

/// The marker line: `<!-- edgeplan:preview -->`, or `<!-- edgeplan:preview manifest=PATH -->`
/// when several manifests are previewed in separate comments. The path is escaped so that it can
/// never close the HTML comment (`-->`) or break the line.
pub fn marker(manifest: Option<&str>) -> String {
    match manifest {
        None => MARKER.to_string(),
        Some(path) => {
            let mut escaped = String::new();
            for c in path.chars() {
                match c {
                    'a'..='z' | 'A'..='Z' | '0'..='9' | '.' | '_' | '/' => escaped.push(c),
                    '-' if !escaped.ends_with('-') => escaped.push('-'),
                    other => {
                        let mut buf = [0u8; 4];
                        for b in other.encode_utf8(&mut buf).bytes() {
                            escaped.push_str(&format!("%{b:02X}"));
                        }
                    }
                }
            }
            format!("<!-- edgeplan:preview manifest={escaped} -->")
        }
    }
}

/// Whose comments may be updated: any bot (the Actions token posts as `github-actions[bot]`),
/// or also a given login (a personal or app token posting as a user).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Author {
    pub login: Option<String>,
}

impl Author {
    pub fn matches(&self, comment: &IssueComment) -> bool {
        let Some(user) = &comment.user else {
            return false;
        };
        user.kind.as_deref() == Some("Bot") || self.login.as_deref() == Some(user.login.as_str())
    }
}

/// True when `body`'s first line is exactly `marker`.
pub fn has_marker(body: &str, marker: &str) -> bool {
    body.lines().next().map(|l| l.trim_end()) == Some(marker)
}

/// The body with `marker` as its first line (added when missing), clamped to size.
pub fn prepare(marker: &str, body: &str) -> String {
    let with_marker = if has_marker(body, marker) {
        body.to_string()
    } else {
        format!("{marker}\n{body}")
    };
    clamp(&with_marker)
}

/// Cuts `body` at a line boundary so it stays under [`MAX_CHARS`] characters and [`MAX_BYTES`]
/// bytes, with a note; the first line (the marker) is always kept.
pub fn clamp(body: &str) -> String {
    if body.chars().count() <= MAX_CHARS && body.len() <= MAX_BYTES {
        return body.to_string();
    }
    let char_room = MAX_CHARS - TRUNCATED.chars().count();
    let byte_room = MAX_BYTES - TRUNCATED.len();
    let mut end = 0;
    let mut chars = 0;
    for line in body.split_inclusive('\n') {
        let n = line.chars().count();
        if chars + n > char_room || end + line.len() > byte_room {
            break;
        }
        chars += n;
        end += line.len();
    }
    if end == 0 {
        // A single enormous first line: keep what fits, on a char boundary.
        end = body
            .char_indices()
            .take(char_room)
            .map(|(i, c)| i + c.len_utf8())
            .take_while(|&e| e <= byte_room)
            .last()
            .unwrap_or(0);
    }
    format!("{}{TRUNCATED}", &body[..end])
}

/// The start of the footer line linking the workflow run (`render::markdown` writes it).
const RUN_LINK: &str = "[Workflow run](";

/// True when two bodies are equal once their workflow-run link lines are set aside. Every run
/// has a new `GITHUB_RUN_ID`, so comparing whole bodies would re-send an otherwise identical
/// preview on every push; the link then keeps pointing at the run that produced the content.
pub fn same_content(a: &str, b: &str) -> bool {
    fn content(s: &str) -> impl Iterator<Item = &str> {
        s.lines()
            .filter(|l| !l.starts_with(RUN_LINK))
            .map(str::trim_end)
    }
    a == b || content(a).eq(content(b))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Created,
    Updated,
    /// Identical body: no write was made.
    Unchanged,
}

/// The result of an upsert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sticky {
    /// `html_url` of the comment.
    pub url: String,
    pub id: u64,
    pub outcome: Outcome,
    /// Older duplicates deleted.
    pub removed: usize,
}

/// The marker of the apply report on a merged PR, one per pushed commit, so that re-running the
/// apply job updates its report instead of posting another.
pub fn apply_marker(sha: &str) -> String {
    let sha: String = sha.chars().filter(char::is_ascii_alphanumeric).collect();
    format!("<!-- edgeplan:applied sha={sha} -->")
}

/// The plan fingerprint (`sha256:<64 hex>`) a preview comment shows: its first occurrence.
/// The apply report compares it with the fingerprint of what was applied.
pub fn preview_fingerprint(body: &str) -> Option<String> {
    body.match_indices("sha256:").find_map(|(i, _)| {
        let hex = body.get(i + 7..i + 7 + 64)?;
        let after = body[i + 7 + 64..].chars().next();
        (hex.bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
            && !after.is_some_and(|c| c.is_ascii_hexdigit()))
        .then(|| format!("sha256:{hex}"))
    })
}

/// The comments on `pr` with `marker` on their first line and a matching author, newest first.
pub async fn find(
    client: &Client,
    repo: &Repo,
    pr: u64,
    marker: &str,
    author: &Author,
) -> Result<Vec<IssueComment>, Error> {
    let mut mine: Vec<IssueComment> = client
        .list_issue_comments(repo, pr)
        .await?
        .into_iter()
        .filter(|c| c.body.as_deref().is_some_and(|b| has_marker(b, marker)) && author.matches(c))
        .collect();
    // Comment ids grow with time.
    mine.sort_by_key(|c| std::cmp::Reverse(c.id));
    Ok(mine)
}

/// Creates or updates the one comment on `pr` whose first line is `marker` and whose author
/// matches. `body` gets the marker prepended when it lacks it, and is clamped to size.
pub async fn upsert(
    client: &Client,
    repo: &Repo,
    pr: u64,
    marker: &str,
    body: &str,
    author: &Author,
) -> Result<Sticky, Error> {
    let body = prepare(marker, body);
    let mine = find(client, repo, pr, marker, author).await?;
    let Some(newest) = mine.first().cloned() else {
        let created = client.create_comment(repo, pr, &body).await?;
        return Ok(Sticky {
            url: created.html_url,
            id: created.id,
            outcome: Outcome::Created,
            removed: 0,
        });
    };
    let (url, outcome) = if newest
        .body
        .as_deref()
        .is_some_and(|old| same_content(old, &body))
    {
        (newest.html_url.clone(), Outcome::Unchanged)
    } else {
        let updated = client.update_comment(repo, newest.id, &body).await?;
        let url = if updated.html_url.is_empty() {
            newest.html_url.clone()
        } else {
            updated.html_url
        };
        (url, Outcome::Updated)
    };
    let mut removed = 0;
    for extra in &mine[1..] {
        client.delete_comment(repo, extra.id).await?;
        removed += 1;
    }
    Ok(Sticky {
        url,
        id: newest.id,
        outcome,
        removed,
    })
}

/// Posts a plain comment (the apply report on a merged PR) and returns its URL.
pub async fn post(client: &Client, repo: &Repo, pr: u64, body: &str) -> Result<String, Error> {
    Ok(client
        .create_comment(repo, pr, &clamp(body))
        .await?
        .html_url)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::github::client::User;

    fn comment(login: &str, kind: &str, body: &str) -> IssueComment {
        IssueComment {
            id: 1,
            body: Some(body.into()),
            html_url: String::new(),
            user: Some(User {
                login: login.into(),
                kind: Some(kind.into()),
            }),
        }
    }

    #[test]
    fn fingerprint_is_read_from_a_preview() {
        let fp = format!("sha256:{}", "ab12".repeat(16));
        let body = format!(
            "{MARKER}\n**Fingerprint** `{fp}`\nlater sha256:{}",
            "cd".repeat(32)
        );
        assert_eq!(preview_fingerprint(&body), Some(fp));
        assert_eq!(preview_fingerprint("sha256:abc"), None);
        assert_eq!(
            preview_fingerprint(&format!("sha256:{}", "A".repeat(64))),
            None
        );
        assert_eq!(
            preview_fingerprint(&format!("sha256:{}", "a".repeat(65))),
            None
        );
        assert_eq!(
            apply_marker("abc123"),
            "<!-- edgeplan:applied sha=abc123 -->"
        );
    }

    #[test]
    fn a_new_run_link_alone_is_not_a_change() {
        let a =
            format!("{MARKER}\nplan A\n\n[Workflow run](https://github.com/o/r/actions/runs/1)\n");
        let b = a.replace("runs/1", "runs/2");
        assert!(same_content(&a, &b));
        assert!(!same_content(&a, &b.replace("plan A", "plan B")));
        assert!(!same_content(&a, &format!("{a}more\n")));
    }

    #[test]
    fn markers() {
        assert_eq!(marker(None), "<!-- edgeplan:preview -->");
        assert_eq!(
            marker(Some("dns/prod.yaml")),
            "<!-- edgeplan:preview manifest=dns/prod.yaml -->"
        );
        // `-->` inside a path must not close the HTML comment early.
        let m = marker(Some("a-->b c"));
        assert_eq!(m, "<!-- edgeplan:preview manifest=a-%2D%3Eb%20c -->");
        assert_eq!(m.matches("-->").count(), 1);
    }

    #[test]
    fn marker_matching_is_exact_on_the_first_line() {
        assert!(has_marker("<!-- edgeplan:preview -->\r\nbody", MARKER));
        assert!(!has_marker("quote:\n<!-- edgeplan:preview -->", MARKER));
        assert!(!has_marker(
            "<!-- edgeplan:preview manifest=a.yaml -->\n",
            MARKER
        ));
        assert_eq!(prepare(MARKER, "hi"), "<!-- edgeplan:preview -->\nhi");
        assert_eq!(
            prepare(MARKER, "<!-- edgeplan:preview -->\nhi"),
            "<!-- edgeplan:preview -->\nhi"
        );
    }

    #[test]
    fn only_bots_or_the_configured_login_match() {
        let bot = comment("github-actions[bot]", "Bot", MARKER);
        let person = comment("mallory", "User", MARKER);
        assert!(Author::default().matches(&bot));
        assert!(!Author::default().matches(&person));
        let me = Author {
            login: Some("mallory".into()),
        };
        assert!(me.matches(&person));
    }

    #[test]
    fn clamp_cuts_at_a_line_and_keeps_the_marker() {
        let line = "| create | a.example.com | x.elb.amazonaws.com | proxied |\n";
        let big = format!("{MARKER}\n{}", line.repeat(5_000));
        let out = clamp(&big);
        assert!(out.starts_with(MARKER));
        assert!(out.chars().count() <= MAX_CHARS && out.len() <= MAX_BYTES);
        assert!(out.ends_with(TRUNCATED));
        assert!(out[..out.len() - TRUNCATED.len()].ends_with(line));
        // Multi-byte text is limited by bytes before characters.
        let wide = format!("{MARKER}\n{}", "é\n".repeat(40_000));
        let out = clamp(&wide);
        assert!(out.len() <= MAX_BYTES, "{}", out.len());
        // One huge line is cut on a character boundary.
        let one = "ü".repeat(70_000);
        assert!(clamp(&one).len() <= MAX_BYTES);
        assert_eq!(clamp("small"), "small");
    }
}
