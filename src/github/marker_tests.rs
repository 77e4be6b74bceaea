use super::*;

fn digest(c: char) -> String {
    format!("sha256:{}", c.to_string().repeat(64))
}

fn pair(zone: &str, owner: &str, c: char) -> Pair {
    marked(&Pair {
        zone: zone.into(),
        owner: owner.into(),
        digest: digest(c),
    })
}

fn preview() -> Preview {
    Preview {
        fingerprint: Some(digest('f')),
        version: Some(1),
        reviewed: vec![
            pair("example.com", "ml", 'a'),
            pair("example.org", "web", 'b'),
        ],
        commit: Some("0123456789abcdef0123456789abcdef01234567".into()),
        ..Preview::new(Some("dns/a.yaml"), PlanState::Ok)
    }
}

#[test]
fn a_preview_marker_reads_back_what_was_written() {
    let p = preview();
    let line = p.line();
    assert_eq!(
        line,
        format!(
            "<!-- edgeplan:preview manifest=dns/a.yaml fingerprint={} v=1 reviewed=example.com/ml:{} reviewed=example.org/web:{} commit=0123456789abcdef0123456789abcdef01234567 plan=ok -->",
            digest('f'),
            digest('a'),
            digest('b')
        )
    );
    let body = format!("{line}\r\n### edgeplan DNS preview\n");
    assert_eq!(Preview::parse(&body), Some(Ok(p)));
    // The renderer's marker names the same preview: the sticky comment is still found.
    let rendered = crate::render::comment::marker(Some("dns/a.yaml"));
    assert!(crate::render::comment::has_marker(&body, &rendered));
    for plan in [PlanState::Invalid, PlanState::None] {
        let p = Preview::new(None, plan);
        assert_eq!(Preview::parse(&p.line()), Some(Ok(p)));
    }
}

#[test]
fn an_older_marker_is_a_preview_without_a_version() {
    let p = Preview::parse(&format!(
        "<!-- edgeplan:preview fingerprint={} -->\nx",
        digest('c')
    ))
    .expect("a preview")
    .expect("readable");
    assert_eq!(p.version, None);
    assert_eq!(p.plan, None);
    assert!(p.reviewed.is_empty());
    assert_eq!(
        Preview::parse("<!-- edgeplan:preview -->"),
        Some(Ok(Preview::default()))
    );
    // Not preview markers at all.
    for body in [
        "",
        "hello\n<!-- edgeplan:preview -->",
        "<!-- edgeplan:previewer -->",
        "<!-- edgeplan:preview\n-->",
        "<!-- edgeplan:applied sha=abc -->",
    ] {
        assert_eq!(Preview::parse(body), None, "{body:?}");
    }
}

/// Names come from manifests and the key from the workflow: nothing in them can end the HTML
/// comment, break the line or add an attribute.
#[test]
fn hostile_values_stay_inside_their_attribute() {
    let hostile = [
        "a --> <img src=x>",
        "a\nb",
        "x reviewed=example.com/ml:sha256:0",
        "tab\there",
        "--",
        "plan=ok",
        "é/ü",
    ];
    for h in hostile {
        let p = Preview {
            reviewed: vec![pair(h, h, 'a')],
            ..Preview::new(Some(h), PlanState::Ok)
        };
        let line = p.line();
        assert!(!line[4..line.len() - 3].contains("--"), "{line}");
        assert!(!line.contains('\n') && !line.contains('\t'), "{line}");
        assert_eq!(line.matches(" reviewed=").count(), 1, "{line}");
        assert_eq!(line.matches(" plan=").count(), 1, "{line}");
        assert_eq!(Preview::parse(&line), Some(Ok(p)), "{line}");
    }
}

#[test]
fn malformed_attributes_make_the_marker_unreadable() {
    let d = digest('a');
    for inner in [
        format!(" reviewed=example.com/ml:{}", "sha256:xyz"),
        format!(" reviewed=example.com:{d}"),
        format!(" reviewed=exa mple.com/ml:{d}"),
        format!(" reviewed=a/b/c:{d}"),
        format!(" reviewed=a<b/c:{d}"),
        " v=one".to_string(),
        " v=1 v=1".to_string(),
        " plan=maybe".to_string(),
        " plan=ok plan=ok".to_string(),
        " commit=nothex!".to_string(),
        " fingerprint=sha256:00".to_string(),
        "  plan=ok".to_string(),
        " plan=ok\tv=1".to_string(),
        " manifest=a--b".to_string(),
        " justaword".to_string(),
    ] {
        let line = format!("<!-- edgeplan:preview{inner} -->");
        assert!(
            matches!(Preview::parse(&line), Some(Err(_))),
            "{line}: {:?}",
            Preview::parse(&line)
        );
    }
    // An attribute of a later edgeplan is skipped, not refused.
    let later = format!("<!-- edgeplan:preview v=2 colour=blue reviewed=example.com/ml:{d} -->");
    let p = Preview::parse(&later).expect("preview").expect("readable");
    assert_eq!(p.version, Some(2));
}

#[test]
fn the_apply_report_marker_carries_what_remains() {
    let plain = ApplyMarker {
        sha: "0123abc".into(),
        ..ApplyMarker::default()
    };
    assert_eq!(plain.line(), "<!-- edgeplan:applied sha=0123abc -->");
    let keyed = ApplyMarker {
        manifest: Some(escape_key("dns/*.yaml")),
        ..plain.clone()
    };
    assert_eq!(
        keyed.line(),
        "<!-- edgeplan:applied sha=0123abc manifest=dns/%2A.yaml -->"
    );
    let partial = ApplyMarker {
        remaining: vec![pair("example.com", "ml", 'd')],
        ..keyed
    };
    let line = partial.line();
    assert_eq!(
        line,
        format!(
            "<!-- edgeplan:applied sha=0123abc manifest=dns/%2A.yaml v=1 remaining=example.com/ml:{} -->",
            digest('d')
        )
    );
    let back = ApplyMarker::parse(&format!("{line}\nbody"))
        .expect("marker")
        .expect("readable");
    assert_eq!(back.version, Some(1));
    assert_eq!(
        back,
        ApplyMarker {
            version: Some(1),
            ..partial
        }
    );
    assert!(matches!(
        ApplyMarker::parse("<!-- edgeplan:applied v=1 -->"),
        Some(Err(_))
    ));
    assert!(matches!(
        ApplyMarker::parse("<!-- edgeplan:applied sha=ab-c -->"),
        Some(Err(_))
    ));
    assert_eq!(ApplyMarker::parse("<!-- edgeplan:preview -->"), None);
}

proptest::proptest! {
    /// Whatever a manifest names (never empty: validation refuses that), the marker stays one
    /// line, one HTML comment, and reads back.
    #[test]
    fn any_names_round_trip_inside_one_comment(zone in "\\PC{1,40}", owner in ".{1,20}", key in ".{1,40}") {
        let p = Preview {
            reviewed: vec![pair(&zone, &owner, 'e')],
            ..Preview::new(Some(&key), PlanState::Ok)
        };
        let line = p.line();
        proptest::prop_assert!(!line.contains('\n') && !line.contains('\r'));
        proptest::prop_assert!(!line[4..line.len() - 3].contains("--"), "{}", line);
        proptest::prop_assert_eq!(Preview::parse(&line), Some(Ok(p)));
    }
}
