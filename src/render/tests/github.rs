//! Every Markdown output rendered the way GitHub renders it (cmark-gfm, here through `comrak`
//! with the GitHub Flavored Markdown extensions), then checked: every link points where its text
//! says, the link to Cloudflare's Host header documentation works, and hostile values from
//! manifests and zones stay text (no HTML, no emphasis, no mentions).

use std::path::PathBuf;

use super::gfm::text_outside;
pub(super) use super::gfm::{hrefs, render_like_github};
use super::{endpoint, realistic, realistic_plan, record};
use crate::health::{HostCheck, ProbeOutcome, ProbeResult, origin_hint};
use crate::manifest::Problem;
use crate::plan::verdict::Verdict;
use crate::plan::{Desired, Live, Plan, Warning, diff};
use crate::render::changes::ORIGINS_DOCS;
use crate::render::{comment, markdown};

/// The elements a comment may contain; anything else came from a value that was not escaped.
const ALLOWED: &[&str] = &[
    "a",
    "blockquote",
    "br",
    "code",
    "details",
    "div",
    "h3",
    "li",
    "p",
    "strong",
    "summary",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "ul",
];

/// The tags of `html`, in order: (name, the whole tag).
fn tags(html: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        if rest[start..].starts_with("<!--") {
            let end = rest[start..].find("-->").expect("a closed comment") + start;
            rest = &rest[end + 3..];
            continue;
        }
        let end = rest[start..].find('>').expect("a closed tag") + start;
        let tag = &rest[start..=end];
        {
            let name: String = tag
                .trim_start_matches(['<', '/'])
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric())
                .collect();
            out.push((name.to_ascii_lowercase(), tag.to_owned()));
        }
        rest = &rest[end + 1..];
    }
    out
}

/// Renders `md` as GitHub does and checks it; returns the HTML for further checks.
pub(super) fn check(md: &str) -> String {
    let html = render_like_github(md);
    for href in hrefs(&html) {
        assert!(
            !href.contains('\\') && !href.to_ascii_lowercase().contains("%5c"),
            "a link with a backslash: {href}\n--- markdown:\n{md}\n--- html:\n{html}"
        );
        assert!(
            href.starts_with("https://"),
            "a link that is not https: {href}\n--- markdown:\n{md}\n--- html:\n{html}"
        );
    }
    for (name, tag) in tags(&html) {
        assert!(
            ALLOWED.contains(&name.as_str()),
            "an element a value brought in: {tag}\n--- markdown:\n{md}\n--- html:\n{html}"
        );
    }
    let text = text_outside(&html, &["code", "a"]);
    let mention = text.char_indices().any(|(i, c)| {
        c == '@'
            && text[i + 1..]
                .chars()
                .next()
                .is_some_and(|n| n.is_ascii_alphanumeric())
            && text[..i]
                .chars()
                .next_back()
                .is_none_or(|p| !p.is_ascii_alphanumeric())
    });
    assert!(
        !mention,
        "a live @-mention\n--- markdown:\n{md}\n--- html:\n{html}"
    );
    html
}

/// The warning `edgeplan plan` adds for a target on a platform that routes on the Host header.
fn with_hints(mut plan: Plan) -> Plan {
    for zp in &mut plan.zones {
        let hints: Vec<Warning> = zp
            .changes
            .iter()
            .filter_map(|c| {
                let after = c.after.as_ref()?;
                let hint = origin_hint(&after.content)?;
                Some(Warning::Platform {
                    name: c.name.clone(),
                    target: after.content.clone(),
                    hint: hint.to_string(),
                })
            })
            .collect();
        zp.warnings.extend(hints);
    }
    plan
}

fn plan_of(desired: &Desired, live: &Live) -> Plan {
    with_hints(Plan {
        zones: vec![diff(desired, live)],
    })
}

/// Text that would do something if GitHub took it as Markdown or HTML.
const HOSTILE: &[&str] = &[
    "**bold** _em_ ~~gone~~ `code` # heading",
    "<script>alert(1)</script><img src=x onerror=alert(1)>",
    "@octocat and @acme/admins, see user@example.com",
    "[click](https://evil.example/) ![img](https://evil.example/x.png)",
    "a | b | c",
    "</details><details><summary>x</summary>",
    "www.evil.example/a_b#c and https://evil.example/a_b*c*#d",
    "line one\nline two\r\n- item",
    "\\`escaped\\` \\\\ [^1]\n\n[^1]: note",
];

#[test]
fn every_platform_warning_is_one_line_with_one_link_to_the_origins_docs() {
    let (mut d, mut l) = realistic();
    let targets = [
        "summarize-abc123xyz-uc.a.run.app",
        "a1b2c3d4e5.execute-api.us-east-1.amazonaws.com",
        "abcdefghij.lambda-url.us-east-2.on.aws",
        "bert-prod.azurewebsites.net",
        "abc123.us-east-1.awsapprunner.com",
        "acme--sentiment.modal.run",
    ];
    d.endpoints = targets
        .iter()
        .enumerate()
        .map(|(i, t)| endpoint(&format!("m{i}"), t, i + 8))
        .collect();
    l.records.clear();
    let plan = plan_of(&d, &l);
    assert_eq!(plan.zones[0].warnings.len(), targets.len());
    let md = markdown::render(
        &plan,
        &[],
        &Verdict::of_plan(&plan),
        &markdown::CommentContext::default(),
    );
    let html = check(&md);
    let links = hrefs(&html);
    assert_eq!(
        links,
        vec![ORIGINS_DOCS.to_owned(); targets.len()],
        "one link per warning, to docs/origins.md"
    );
    for t in targets {
        let hint = origin_hint(t).expect("a hint");
        let line = md
            .lines()
            .find(|l| l.starts_with("- ") && l.contains(t))
            .unwrap_or_else(|| panic!("no warning line for {t}:\n{md}"));
        assert!(line.contains(hint.platform), "{line}");
        // The detail (what happens, what to do) is collapsed under it.
        let next = md
            .lines()
            .skip_while(|l| *l != line)
            .nth(1)
            .unwrap_or_default();
        assert!(
            next.trim_start().starts_with("<details><summary>"),
            "{next}"
        );
        assert!(
            next.contains(&crate::render::escape::html(hint.fix)),
            "{next}"
        );
    }
}

#[test]
fn a_host_header_warning_from_a_probe_links_correctly() {
    let plan = realistic_plan();
    let probes = vec![ProbeResult {
        name: "sentiment.example.com".into(),
        target: "bert-prod.azurewebsites.net".into(),
        url: "https://bert-prod.azurewebsites.net/healthz".into(),
        outcome: ProbeOutcome::Healthy { status: 200 },
        latency_ms: 12,
        public_host: Some(HostCheck {
            host: "sentiment.example.com".into(),
            outcome: ProbeOutcome::Failed {
                reason: "HTTP 404".into(),
                status: Some(404),
            },
        }),
    }];
    let html = check(&markdown::render(
        &plan,
        &probes,
        &Verdict::of_plan(&plan),
        &markdown::CommentContext::default(),
    ));
    // One line with one link, to docs/origins.md; what to do collapsed under it.
    assert_eq!(hrefs(&html), vec![ORIGINS_DOCS.to_owned()], "{html}");
    assert!(
        html.contains("<details><summary>what to do</summary>configure sentiment.example.com as a custom domain"),
        "{html}"
    );
}

#[test]
fn the_realistic_plan_and_its_variants_render_cleanly() {
    let ctx = markdown::CommentContext {
        run_url: Some("https://github.com/acme/models/actions/runs/42".into()),
        manifest: Some("dns/edgeplan--prod.yaml".into()),
        ..Default::default()
    };
    let (d, l) = realistic();
    let html = check(&markdown::render(
        &plan_of(&d, &l),
        &[],
        &Verdict::of_plan(&plan_of(&d, &l)),
        &ctx,
    ));
    assert!(hrefs(&html).contains(&"https://github.com/acme/models/actions/runs/42".to_owned()));
    // Nothing to do.
    let mut same = l.clone();
    same.records.clear();
    let mut nothing = d.clone();
    nothing.endpoints.clear();
    check(&markdown::render(
        &plan_of(&nothing, &same),
        &[],
        &Verdict::of_plan(&plan_of(&nothing, &same)),
        &ctx,
    ));
    check(&markdown::render(
        &Plan::default(),
        &[],
        &Verdict::of_plan(&Plan::default()),
        &ctx,
    ));
    // Conflicts.
    let mut conflicted = l.clone();
    conflicted.records.push(spf_at_sentiment());
    check(&markdown::render(
        &plan_of(&d, &conflicted),
        &[],
        &Verdict::of_plan(&plan_of(&d, &conflicted)),
        &ctx,
    ));
    // Truncated.
    let mut many = d.clone();
    many.endpoints = (0..2000)
        .map(|i| endpoint(&format!("m{i}"), "x.a.run.app", i + 8))
        .collect();
    let small = markdown::CommentContext {
        budget: Some(20_000),
        ..ctx.clone()
    };
    let body = markdown::render(
        &plan_of(&many, &l),
        &[],
        &Verdict::of_plan(&plan_of(&many, &l)),
        &small,
    );
    assert!(body.contains(comment::TRUNCATED));
    // Said at the top too, right under the verdict, with the link to the whole plan.
    let top = body.lines().take(4).collect::<Vec<_>>().join("\n");
    assert!(
        top.contains("> **Note:** this comment is truncated; the [job summary](https://github.com/acme/models/actions/runs/42) holds the whole plan."),
        "{top}"
    );
    check(&body);
}

/// A TXT record nobody owns at `sentiment.example.com`: a conflict for the realistic manifest.
fn spf_at_sentiment() -> crate::plan::Stored {
    record(
        "cc01",
        "sentiment.example.com",
        "TXT",
        "v=spf1 -all",
        false,
        None,
    )
}

#[test]
fn a_refusal_links_its_manifest_line_at_the_commit_with_the_path_encoded() {
    let (mut d, mut l) = realistic();
    d.endpoints.truncate(1);
    d.source = PathBuf::from("/ws/dns/my models (prod)]#x.yaml");
    l.records.push(spf_at_sentiment());
    let sha = "0123456789abcdef0123456789abcdef01234567";
    let ctx = markdown::CommentContext {
        blob_url: Some(format!("https://github.com/acme/models/blob/{sha}")),
        workspace: Some(PathBuf::from("/ws")),
        ..Default::default()
    };
    let html = check(&markdown::render(
        &plan_of(&d, &l),
        &[],
        &Verdict::of_plan(&plan_of(&d, &l)),
        &ctx,
    ));
    let want = format!(
        "https://github.com/acme/models/blob/{sha}/dns/my%20models%20%28prod%29%5D%23x.yaml#L8"
    );
    assert_eq!(hrefs(&html), vec![want], "{html}");
    assert!(
        html.contains("<code>dns/my models (prod)]#x.yaml:8</code>"),
        "{html}"
    );
    // A path outside the workspace is shown, never linked.
    let outside = markdown::CommentContext {
        workspace: Some(PathBuf::from("/elsewhere")),
        ..ctx
    };
    let html = check(&markdown::render(
        &plan_of(&d, &l),
        &[],
        &Verdict::of_plan(&plan_of(&d, &l)),
        &outside,
    ));
    assert!(hrefs(&html).is_empty(), "{html}");
}

/// One warning of each kind, every string in it `bad`. The match names every variant, so a new
/// kind of warning does not compile until it is named here, beside the list it belongs in.
fn every_warning(bad: &str) -> Vec<Warning> {
    let s = || bad.to_owned();
    let all = vec![
        Warning::Duplicate { name: s(), line: 3 },
        Warning::Replaces {
            name: s(),
            kind: bad.into(),
            content: s(),
        },
        Warning::TakesOver {
            name: s(),
            content: s(),
            owner: s(),
        },
        Warning::NoteRemoved {
            name: s(),
            note: s(),
        },
        Warning::NotProxied {
            name: s(),
            target: s(),
        },
        Warning::TtlIgnored {
            name: s(),
            ttl: 300,
        },
        Warning::Platform {
            name: s(),
            target: s(),
            hint: s(),
        },
    ];
    for w in &all {
        match w {
            Warning::Duplicate { .. }
            | Warning::Replaces { .. }
            | Warning::TakesOver { .. }
            | Warning::NoteRemoved { .. }
            | Warning::NotProxied { .. }
            | Warning::TtlIgnored { .. }
            | Warning::Platform { .. } => {}
        }
    }
    all
}

#[test]
fn hostile_values_stay_text() {
    for (i, bad) in HOSTILE.iter().enumerate() {
        let (mut d, mut l) = realistic();
        d.owner = format!("own{i}");
        let mut e = endpoint("sentiment", bad, 8);
        e.name = format!("{bad}.example.com");
        e.comment = Some((*bad).to_owned());
        d.endpoints.push(e);
        let mut commented = endpoint("vision", "gpu.example.net", 9);
        commented.comment = Some((*bad).to_owned());
        d.endpoints.push(commented);
        // A record nobody owns holding a desired name, with hostile content: a conflict.
        l.records.push(record(
            "cc01",
            "sentiment.example.com",
            "TXT",
            bad,
            false,
            Some(bad),
        ));
        // A record of another owner, named in its comment.
        l.records.push(record(
            "cc02",
            "summarize.example.com",
            "TXT",
            bad,
            false,
            Some(&format!("edgeplan:{bad}")),
        ));
        let mut plan = plan_of(&d, &l);
        plan.zones[0].warnings.extend(every_warning(bad));
        let probes = vec![ProbeResult {
            name: (*bad).to_owned(),
            target: (*bad).to_owned(),
            url: (*bad).to_owned(),
            outcome: ProbeOutcome::Healthy { status: 200 },
            latency_ms: 1,
            public_host: Some(HostCheck {
                host: (*bad).to_owned(),
                outcome: ProbeOutcome::Failed {
                    reason: (*bad).to_owned(),
                    status: None,
                },
            }),
        }];
        let ctx = markdown::CommentContext {
            manifest: Some((*bad).to_owned()),
            commit: Some((*bad).to_owned()),
            ..Default::default()
        };
        check(&markdown::render(
            &plan,
            &probes,
            &Verdict::of_plan(&plan),
            &ctx,
        ));
        let problems = [Problem {
            file: PathBuf::from(*bad),
            line: 3,
            col: 5,
            message: (*bad).to_owned(),
            help: Some((*bad).to_owned()),
        }];
        check(&crate::render::problems::render_problems(&problems, &ctx));
    }
}

#[test]
fn validation_failures_render_cleanly() {
    let problems = [
        Problem {
            file: PathBuf::from("edgeplan.yaml"),
            line: 6,
            col: 5,
            message: "unknown field `proxed`, did you mean `proxied`?".into(),
            help: Some(
                "valid keys here: name, target, comment, proxied, ttl, adopt, health".into(),
            ),
        },
        Problem {
            file: PathBuf::from("edgeplan.yaml"),
            line: 9,
            col: 13,
            message: "target `https://origin.example.net/x#y` is a URL, not a hostname".into(),
            help: Some("write the hostname only: origin.example.net".into()),
        },
    ];
    let html = check(&crate::render::problems::render_problems(
        &problems,
        &markdown::CommentContext::default(),
    ));
    // edgeplan's own backtick spans are code spans: the value shows literally, never a link.
    assert!(
        html.contains("<code>https://origin.example.net/x#y</code>"),
        "{html}"
    );
    assert!(html.contains("<code>proxed</code>"), "{html}");
}

#[test]
fn a_test_that_cannot_fail_proves_nothing() {
    // The checks do catch the faults they look for.
    for bad in [
        "see https://developers.cloudflare.com/rules/origin-rules/features/\\#host-header",
        "<script>x</script>",
        "hello @octocat",
        "*em*",
    ] {
        let caught = std::panic::catch_unwind(|| check(bad)).is_err();
        assert!(caught, "not caught: {bad}");
    }
}
