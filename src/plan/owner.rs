//! The ownership marker of the ownership rules in the README, kept in a record's Cloudflare
//! comment.
//!
//! A record belongs to `owner` when its comment is exactly `edgeplan:<owner>` or starts with
//! `edgeplan:<owner> | ` (the user's own comment follows). Comments are one free-text field per
//! record on every plan, so ownership needs no sidecar TXT records or state file.
//! <https://developers.cloudflare.com/dns/manage-dns-records/reference/record-attributes/>

/// The prefix every edgeplan marker starts with.
pub(crate) const PREFIX: &str = "edgeplan:";

/// What separates the marker from the user's comment.
pub(crate) const SEPARATOR: &str = " | ";

/// The comment edgeplan writes: `edgeplan:<owner>` or `edgeplan:<owner> | <user comment>`.
pub(crate) fn comment_for(owner: &str, user: Option<&str>) -> String {
    match user.map(str::trim).filter(|u| !u.is_empty()) {
        Some(user) => format!("{PREFIX}{owner}{SEPARATOR}{user}"),
        None => format!("{PREFIX}{owner}"),
    }
}

/// The owner named by a comment's marker, if the comment carries a well-formed one.
///
/// NOTE: a comment such as `edgeplan: see ticket` is not a marker (the owner name must match the
/// manifest's `owner` pattern), so it counts as unowned rather than as some odd other owner.
pub fn owner_of(comment: Option<&str>) -> Option<&str> {
    let rest = comment?.strip_prefix(PREFIX)?;
    let owner = match rest.find(SEPARATOR) {
        Some(at) => &rest[..at],
        None => rest,
    };
    valid_owner(owner).then_some(owner)
}

/// Whether `comment` marks the record as owned by `owner` (exactly the ownership rules in the
/// README).
pub fn is_owned_by(comment: Option<&str>, owner: &str) -> bool {
    let Some(rest) = comment.and_then(|c| c.strip_prefix(PREFIX)) else {
        return false;
    };
    match rest.strip_prefix(owner) {
        Some("") => true,
        Some(tail) => tail.starts_with(SEPARATOR),
        None => false,
    }
}

/// Whether `comment` marks the record as owned by `owner` or by one of `previous` (the
/// manifest's `previous_owners`, whose records count as `owner`'s).
pub(crate) fn is_owned_by_any(comment: Option<&str>, owner: &str, previous: &[String]) -> bool {
    is_owned_by(comment, owner) || previous.iter().any(|p| is_owned_by(comment, p))
}

/// The user's note in a record comment: the text after ` | ` of a marked comment, or the whole
/// comment of a record no edgeplan owner marks. `None` when there is no note.
pub(crate) fn note_of(comment: Option<&str>) -> Option<&str> {
    raw_note(comment).map(str::trim).filter(|n| !n.is_empty())
}

/// [`note_of`] as written, untrimmed (`Some("")` for a marker followed by an empty note); `None`
/// for no comment, or a marker alone.
pub(crate) fn raw_note(comment: Option<&str>) -> Option<&str> {
    let comment = comment?;
    match owner_of(Some(comment)) {
        Some(owner) => comment[PREFIX.len() + owner.len()..].strip_prefix(SEPARATOR),
        None => Some(comment),
    }
}

/// The manifest's owner pattern `^[a-z0-9][a-z0-9_-]{0,31}$`.
pub(crate) fn valid_owner(owner: &str) -> bool {
    let bytes = owner.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= 32
        && (bytes[0].is_ascii_lowercase() || bytes[0].is_ascii_digit())
        && bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'_' || *b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_marker_alone_or_followed_by_the_separator_means_owned() {
        assert!(is_owned_by(Some("edgeplan:ml"), "ml"));
        assert!(is_owned_by(Some("edgeplan:ml | BERT v3"), "ml"));
        assert!(is_owned_by(Some("edgeplan:ml | "), "ml"));
    }

    #[test]
    fn near_misses_are_not_owned() {
        // A longer owner sharing a prefix must not be mistaken for this one.
        assert!(!is_owned_by(Some("edgeplan:ml-platform"), "ml"));
        assert!(!is_owned_by(Some("edgeplan:ml|x"), "ml"));
        assert!(!is_owned_by(Some("edgeplan:ml x"), "ml"));
        assert!(!is_owned_by(Some("Edgeplan:ml"), "ml"));
        assert!(!is_owned_by(Some(" edgeplan:ml"), "ml"));
        assert!(!is_owned_by(None, "ml"));
    }

    #[test]
    fn owner_of_reads_other_owners_and_ignores_malformed_markers() {
        assert_eq!(owner_of(Some("edgeplan:search | x")), Some("search"));
        assert_eq!(owner_of(Some("edgeplan:search")), Some("search"));
        assert_eq!(owner_of(Some("edgeplan: see ticket")), None);
        assert_eq!(owner_of(Some("edgeplan:")), None);
        assert_eq!(owner_of(Some("managed by hand")), None);
    }

    #[test]
    fn the_note_is_what_follows_the_marker_or_an_unmarked_comment_whole() {
        assert_eq!(note_of(Some("edgeplan:ml | BERT v3")), Some("BERT v3"));
        assert_eq!(note_of(Some("edgeplan:ml")), None);
        assert_eq!(note_of(Some("edgeplan:ml | ")), None);
        assert_eq!(
            note_of(Some("hand-made, ask ops")),
            Some("hand-made, ask ops")
        );
        assert_eq!(
            note_of(Some("edgeplan: see ticket")),
            Some("edgeplan: see ticket")
        );
        assert_eq!(note_of(None), None);
        let previous = vec!["ml-team".to_string()];
        assert!(is_owned_by_any(
            Some("edgeplan:ml-team | x"),
            "ml",
            &previous
        ));
        assert!(is_owned_by_any(Some("edgeplan:ml"), "ml", &previous));
        assert!(!is_owned_by_any(Some("edgeplan:search"), "ml", &previous));
    }

    #[test]
    fn written_comments_round_trip_to_their_owner() {
        assert_eq!(comment_for("ml", None), "edgeplan:ml");
        assert_eq!(comment_for("ml", Some("  ")), "edgeplan:ml");
        let c = comment_for("ml", Some("BERT v3"));
        assert_eq!(c, "edgeplan:ml | BERT v3");
        assert!(is_owned_by(Some(&c), "ml"));
        assert_eq!(owner_of(Some(&c)), Some("ml"));
    }
}
