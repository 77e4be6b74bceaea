//! The sticky PR comment: one comment per PR (and manifest), found by its hidden first-line
//! marker, updated in place, left alone when unchanged.
//!
//! The algorithm is the one in docs/action.md, after
//! marocchino/sticky-pull-request-comment and tfcmt: list every page of the PR's comments
//! (<https://docs.github.com/en/rest/issues/comments#list-issue-comments>), match the marker on the
//! first line AND the author: edgeplan's own identity ([`Author`]), never merely any bot, so that
//! neither a person quoting the marker nor another bot (Renovate, Dependabot, another tool
//! copying the marker) is ever overwritten or deleted; the newest match is updated with PATCH and
//! older matches (a race, or a POST that was retried after its response was lost) are deleted;
//! none means POST.
//!
//! GitHub rejects bodies over 65,536 characters with 422. The markdown renderer sizes the
//! comment; `render::comment::clamp` is the last guard, so that the request can never fail for
//! size. The bodies and their markers are built in `render::comment`, never here.

pub use crate::render::comment::{MARKER, marker};
use crate::render::comment::{clamp, with_marker};
pub(crate) use crate::render::comment::{has_marker, preview_fingerprint, same_content};

use super::client::{Error, GitHubClient, IssueComment};
use super::event::Repo;

/// The login the workflow token (`GITHUB_TOKEN`) posts as.
pub(crate) const ACTIONS_BOT: &str = "github-actions[bot]";

/// How edgeplan knows its own login.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginSource {
    /// The `comment-author` input (a GitHub App token's bot).
    Input,
    /// `GET /user` answered: a personal token.
    Token,
    /// Neither: the workflow token's `github-actions[bot]`.
    Fallback,
}

/// edgeplan's own identity: the only author whose comments it edits or deletes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Author {
    pub login: String,
    pub source: LoginSource,
}

impl Default for Author {
    /// `github-actions[bot]`, the workflow token's login.
    fn default() -> Self {
        Author {
            login: ACTIONS_BOT.to_string(),
            source: LoginSource::Fallback,
        }
    }
}

impl Author {
    /// A login given by the `comment-author` input.
    pub(crate) fn given(login: &str) -> Author {
        Author {
            login: login.trim().to_string(),
            source: LoginSource::Input,
        }
    }

    /// The identity: `comment-author` when given; else the login `GET /user` answers with (a
    /// personal token); else `github-actions[bot]` (GitHub answers 403 there for the workflow
    /// token and for App tokens).
    pub async fn resolve(client: &GitHubClient, input: Option<&str>) -> Result<Author, Error> {
        if let Some(login) = input.map(str::trim).filter(|l| !l.is_empty()) {
            return Ok(Author::given(login));
        }
        Ok(match client.token_login().await? {
            Some(login) => Author {
                login,
                source: LoginSource::Token,
            },
            None => Author::default(),
        })
    }

    /// True when `comment` was written by this identity (logins compare as GitHub does,
    /// ignoring ASCII case).
    pub(crate) fn matches(&self, comment: &IssueComment) -> bool {
        comment
            .user
            .as_ref()
            .is_some_and(|u| u.login.eq_ignore_ascii_case(&self.login))
    }

    pub fn is_fallback(&self) -> bool {
        self.source == LoginSource::Fallback
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Upserted {
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
    pub outcome: Upserted,
    /// Older duplicates deleted.
    pub removed: usize,
    /// Logins of other bots whose comments carry the marker: left alone.
    pub other_bots: Vec<String>,
}

/// The comments on `pr` with `marker` on their first line and a matching author, newest first.
pub async fn find(
    client: &GitHubClient,
    repo: &Repo,
    pr: u64,
    marker: &str,
    author: &Author,
) -> Result<Vec<IssueComment>, Error> {
    Ok(find_all(client, repo, pr, marker, author).await?.0)
}

/// [`find`], and the logins of the other bots whose comments carry the marker.
pub async fn find_all(
    client: &GitHubClient,
    repo: &Repo,
    pr: u64,
    marker: &str,
    author: &Author,
) -> Result<(Vec<IssueComment>, Vec<String>), Error> {
    find_by(client, repo, pr, &|b: &str| has_marker(b, marker), author).await
}

/// The comments on `pr` whose body `is_it` recognises, by `author` (newest first), and the
/// logins of the other bots whose comments it recognises.
async fn find_by(
    client: &GitHubClient,
    repo: &Repo,
    pr: u64,
    is_it: &dyn Fn(&str) -> bool,
    author: &Author,
) -> Result<(Vec<IssueComment>, Vec<String>), Error> {
    let (mut mine, others): (Vec<IssueComment>, Vec<IssueComment>) = client
        .list_issue_comments(repo, pr)
        .await?
        .into_iter()
        .filter(|c| c.body.as_deref().is_some_and(is_it))
        .partition(|c| author.matches(c));
    // Comment ids grow with time.
    mine.sort_by_key(|c| std::cmp::Reverse(c.id));
    let mut bots: Vec<String> = others
        .into_iter()
        .filter_map(|c| c.user)
        .filter(|u| u.kind.as_deref() == Some("Bot"))
        .map(|u| u.login)
        .collect();
    bots.sort();
    bots.dedup();
    Ok((mine, bots))
}

/// Creates or updates the one comment on `pr` whose first line is `marker` and whose author
/// matches. `body` gets the marker prepended when it lacks it, and is clamped to size.
pub async fn upsert(
    client: &GitHubClient,
    repo: &Repo,
    pr: u64,
    marker: &str,
    body: &str,
    author: &Author,
) -> Result<Sticky, Error> {
    let body = with_marker(marker, body);
    let (mine, other_bots) = find_all(client, repo, pr, marker, author).await?;
    write_sticky(client, repo, pr, mine, other_bots, &body).await
}

/// Creates or updates the one comment on `pr` by `author` that `is_it` recognises, with `body`
/// (its marker line already first; clamped to size): the apply report, whose marker line
/// changes with what remains to apply while it stays the report of one commit.
pub async fn upsert_by(
    client: &GitHubClient,
    repo: &Repo,
    pr: u64,
    is_it: &dyn Fn(&str) -> bool,
    body: &str,
    author: &Author,
) -> Result<Sticky, Error> {
    let body = clamp(body);
    let (mine, other_bots) = find_by(client, repo, pr, is_it, author).await?;
    write_sticky(client, repo, pr, mine, other_bots, &body).await
}

/// Posts `body`, or updates the newest of `mine` and deletes the older ones.
async fn write_sticky(
    client: &GitHubClient,
    repo: &Repo,
    pr: u64,
    mine: Vec<IssueComment>,
    other_bots: Vec<String>,
    body: &str,
) -> Result<Sticky, Error> {
    if mine.is_empty() {
        let created = client.create_comment(repo, pr, body).await?;
        return Ok(Sticky {
            url: created.html_url,
            id: created.id,
            outcome: Upserted::Created,
            removed: 0,
            other_bots,
        });
    }
    keep_one(client, repo, &mine, body, None, other_bots).await
}

/// Keeps the first of `mine` (which must not be empty) with `body`: left alone when it is the
/// comment this run just `created` or already says it, else updated; every other one of `mine`
/// is deleted.
pub async fn keep_one(
    client: &GitHubClient,
    repo: &Repo,
    mine: &[IssueComment],
    body: &str,
    created: Option<u64>,
    other_bots: Vec<String>,
) -> Result<Sticky, Error> {
    let Some((kept, extras)) = mine.split_first() else {
        return Err(Error::Config(format!(
            "the comment on {repo} vanished while it was written"
        )));
    };
    let (url, outcome) = if created == Some(kept.id) {
        (kept.html_url.clone(), Upserted::Created)
    } else if kept
        .body
        .as_deref()
        .is_some_and(|old| same_content(old, body))
    {
        (kept.html_url.clone(), Upserted::Unchanged)
    } else {
        let updated = client.update_comment(repo, kept.id, body).await?;
        let url = if updated.html_url.is_empty() {
            kept.html_url.clone()
        } else {
            updated.html_url
        };
        (url, Upserted::Updated)
    };
    for extra in extras {
        client.delete_comment(repo, extra.id).await?;
    }
    Ok(Sticky {
        url,
        id: kept.id,
        outcome,
        removed: extras.len(),
        other_bots,
    })
}

/// Posts a plain comment (the apply report on a merged PR) and returns its URL.
pub async fn post(
    client: &GitHubClient,
    repo: &Repo,
    pr: u64,
    body: &str,
) -> Result<String, Error> {
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
    fn only_edgeplans_own_login_matches() {
        let bot = comment("github-actions[bot]", "Bot", MARKER);
        let person = comment("mallory", "User", MARKER);
        let renovate = comment("renovate[bot]", "Bot", MARKER);
        assert!(Author::default().matches(&bot));
        assert!(!Author::default().matches(&person));
        assert!(!Author::default().matches(&renovate));
        let me = Author::given(" Mallory ");
        assert!(me.matches(&person));
        assert!(!me.matches(&bot));
        assert!(Author::given("renovate[bot]").matches(&renovate));
    }
}
