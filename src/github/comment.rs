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
//! comment; `render::comment::clamp` is the last guard, so that the request can never fail for
//! size. The bodies and their markers are built in `render::comment`, never here.

pub use crate::render::comment::{
    MARKER, apply_marker, has_marker, marker, preview_fingerprint, same_content,
};
use crate::render::comment::{clamp, with_marker};

use super::client::{Client, Error, IssueComment};
use super::event::Repo;

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
    let body = with_marker(marker, body);
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
}
