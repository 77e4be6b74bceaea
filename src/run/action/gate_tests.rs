use super::*;
use crate::github::client::User;

fn d(c: char) -> String {
    format!("sha256:{}", c.to_string().repeat(64))
}

fn pair(zone: &str, c: char) -> Pair {
    Pair {
        zone: zone.into(),
        owner: "default".into(),
        digest: d(c),
    }
}

fn preview(pairs: &[Pair]) -> Preview {
    Preview {
        version: Some(REVIEW_VERSION),
        reviewed: pairs.to_vec(),
        ..Preview::new(None, PlanState::Ok)
    }
}

fn comment(id: u64, login: &str, kind: &str, body: String) -> IssueComment {
    IssueComment {
        id,
        body: Some(body),
        html_url: format!("https://github.com/o/r/pull/2#issuecomment-{id}"),
        user: Some(User {
            login: login.into(),
            kind: Some(kind.into()),
        }),
    }
}

fn found(previews: Vec<Preview>) -> GateComments {
    GateComments {
        own: previews,
        ..GateComments::default()
    }
}

const MATCH: ReviewedPlan = ReviewedPlan::Match;

#[test]
fn equal_pairs_pass_and_any_difference_refuses() {
    let a = pair("a.com", '1');
    let b = pair("b.com", '2');
    let f = found(vec![preview(&[a.clone(), b.clone()])]);
    assert!(decide(&f, &[a.clone(), b.clone()], MATCH).is_ok());
    // A pair whose new plan is empty is not asked about.
    assert!(decide(&f, std::slice::from_ref(&a), MATCH).is_ok());
    let b2 = pair("b.com", '3');
    assert_eq!(
        decide(&f, &[a.clone(), b2.clone()], MATCH),
        Err(vec![Mismatch::Differs {
            pair: "b.com/default".into(),
            reviewed: d('2'),
            planned: d('3'),
        }])
    );
    let c = pair("c.com", '4');
    assert_eq!(
        decide(&f, &[c], MATCH),
        Err(vec![Mismatch::Missing {
            pair: "c.com/default".into()
        }])
    );
}

/// Matrix previews (one per `manifest=` key) with one apply job compare pair by pair; two own
/// previews that disagree on a pair refuse it.
#[test]
fn previews_of_several_keys_are_read_together() {
    let a = pair("a.com", '1');
    let b = pair("b.com", '2');
    let mut one = preview(std::slice::from_ref(&a));
    one.manifest = Some("dns/a.yaml".into());
    let mut two = preview(std::slice::from_ref(&b));
    two.manifest = Some("dns/b.yaml".into());
    assert!(
        decide(
            &found(vec![one.clone(), two]),
            &[a.clone(), b.clone()],
            MATCH
        )
        .is_ok()
    );
    let other = preview(&[pair("a.com", '9')]);
    assert_eq!(
        decide(&found(vec![one, other]), &[a], MATCH),
        Err(vec![Mismatch::Disagree {
            pair: "a.com/default".into()
        }])
    );
}

#[test]
fn invalid_previews_other_versions_and_unreadable_markers_refuse() {
    let a = pair("a.com", '1');
    let invalid = Preview::new(None, PlanState::Invalid);
    let r = decide(
        &found(vec![invalid, preview(std::slice::from_ref(&a))]),
        std::slice::from_ref(&a),
        MATCH,
    );
    assert_eq!(r, Err(vec![Mismatch::PreviewInvalid]));
    let mut later = preview(std::slice::from_ref(&a));
    later.version = Some(2);
    let r = decide(&found(vec![later]), std::slice::from_ref(&a), MATCH);
    assert!(
        matches!(r.as_ref().map_err(Vec::as_slice), Err([Mismatch::Versions { found }, Mismatch::Missing { .. }]) if found == "2"),
        "{r:?}"
    );
    let legacy = Preview::default();
    let r = decide(&found(vec![legacy]), std::slice::from_ref(&a), MATCH);
    assert!(
        matches!(r.as_ref().map_err(Vec::as_slice), Err([Mismatch::Versions { found }, ..]) if found == "none"),
        "{r:?}"
    );
    let f = GateComments {
        unreadable: vec!["bad".into()],
        ..GateComments::default()
    };
    assert_eq!(
        decide(&f, &[a], MATCH),
        Err(vec![
            Mismatch::Unreadable { why: "bad".into() },
            Mismatch::Missing {
                pair: "a.com/default".into()
            }
        ])
    );
}

#[test]
fn no_preview_applies_under_match_only_and_another_identity_refuses() {
    let a = pair("a.com", '1');
    assert!(decide(&GateComments::default(), std::slice::from_ref(&a), MATCH).is_ok());
    assert_eq!(
        decide(
            &GateComments::default(),
            std::slice::from_ref(&a),
            ReviewedPlan::Require
        ),
        Err(vec![Mismatch::NoPreview { direct: false }])
    );
    let f = GateComments {
        others: vec![ACTIONS_BOT.into()],
        ..GateComments::default()
    };
    assert_eq!(
        decide(&f, &[a], MATCH),
        Err(vec![Mismatch::OtherIdentity {
            logins: vec![ACTIONS_BOT.into()]
        }])
    );
}

#[test]
fn a_rerun_passes_pairs_equal_to_what_remained() {
    let a = pair("a.com", '1');
    let left = pair("a.com", '5');
    let mut f = found(vec![preview(std::slice::from_ref(&a))]);
    assert!(decide(&f, std::slice::from_ref(&left), MATCH).is_err());
    f.remaining
        .entry("a.com/default".into())
        .or_default()
        .insert(left.digest.clone());
    assert!(decide(&f, &[left], MATCH).is_ok());
    assert!(decide(&f, &[pair("a.com", '6')], MATCH).is_err());
}

#[test]
fn comments_are_sorted_by_identity_and_kind() {
    let a = marker::marked(&pair("a.com", '1'));
    let sha = "0123456789abcdef0123456789abcdef01234567";
    let own = preview(std::slice::from_ref(&a)).line();
    let validate_only = Preview::new(None, PlanState::None).line();
    let report = ApplyMarker {
        sha: sha.into(),
        manifest: None,
        version: Some(REVIEW_VERSION),
        remaining: vec![pair("a.com", '7')],
    }
    .line();
    let old_report = ApplyMarker {
        sha: "fedcba9".into(),
        manifest: None,
        version: Some(REVIEW_VERSION),
        remaining: vec![pair("a.com", '8')],
    }
    .line();
    let comments = vec![
        comment(1, "my-app[bot]", "Bot", format!("{own}\nbody")),
        comment(2, "mallory", "User", format!("{own}\nquoted")),
        comment(3, ACTIONS_BOT, "Bot", format!("{validate_only}\n")),
        comment(4, "my-app[bot]", "Bot", format!("{report}\n")),
        comment(5, "my-app[bot]", "Bot", format!("{old_report}\n")),
        comment(6, ACTIONS_BOT, "Bot", format!("{own}\n")),
        comment(
            7,
            "my-app[bot]",
            "Bot",
            "<!-- edgeplan:preview v=x -->\n".into(),
        ),
    ];
    let me = Author::given("my-app[bot]");
    let f = GateComments::read(&comments, &me, Some("my-app[bot]"), sha);
    assert_eq!(f.own.len(), 1);
    assert_eq!(f.unreadable.len(), 1);
    assert_eq!(f.others, vec![ACTIONS_BOT.to_string()]);
    assert_eq!(
        f.remaining
            .get("a.com/default")
            .map(|s| s.iter().cloned().collect::<Vec<_>>()),
        Some(vec![d('7')])
    );
    assert_eq!(
        f.newest_url.as_deref(),
        Some("https://github.com/o/r/pull/2#issuecomment-1")
    );
    // As the workflow token: the app's previews are another identity's, a person's are nobody's.
    let f = GateComments::read(&comments[..3], &Author::default(), None, sha);
    assert!(f.own.is_empty());
    assert_eq!(f.others, vec!["my-app[bot]".to_string()]);
}
