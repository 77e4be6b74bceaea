//! Cloudflare's record rules are written twice on purpose: the sandbox's checks
//! (`edgeplan::sandbox::apply_to`) and the local Cloudflare's (tests/support/cloudflare/rules.rs),
//! two independent readings of the same documentation. Each row of the table below runs one batch
//! through both, on the same zone, and both must accept it, or both refuse it with the codes the
//! row names. Where they differ on purpose (the sandbox is stricter where Cloudflare's behaviour is
//! undocumented) the row says so and why.
//!
//! Codes: the local Cloudflare answers a validation refusal with 1004 and the cause chained
//! (`9021` in `1004`); the sandbox names the cause, or only 1004 where it gives none.

use super::cloudflare_rules::{client, rec};
use crate::support::cloudflare::{CloudflareServer, Plan};
use edgeplan::cloudflare::Error as ApiError;
use edgeplan::plan::{Record, Stored, Zone};
use edgeplan::provider::{Batch, Error};
use edgeplan::sandbox::apply_to;
use serde_json::json;

use Plan::{Free, Pro};

/// What both implementations must do with a row's batch.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Expect {
    Accept,
    /// Both refuse: the sandbox with this code (`None`: it gives no code), the local Cloudflare
    /// with this code as the innermost of its error chain.
    Refuse {
        sandbox: Option<u32>,
        server: i64,
    },
    /// The sandbox refuses with this code where the local Cloudflare accepts, on purpose.
    SandboxStricter {
        sandbox: u32,
        why: &'static str,
    },
}

use Expect::{Accept, Refuse, SandboxStricter};

/// Both refuse with the same code.
const fn both(code: u32) -> Expect {
    Refuse {
        sandbox: Some(code),
        server: code as i64,
    }
}

struct Row {
    what: &'static str,
    plan: Plan,
    /// The zone before the batch: `(type, name, content)`, with ids `r0`, `r1`, ...
    existing: &'static [(&'static str, &'static str, &'static str)],
    batch: Batch,
    expect: Expect,
}

const CNAME_TXT: &str = "Cloudflare documents CNAME exclusivity with A, AAAA and CNAME (81053/81054) and is silent on other types; the sandbox refuses any other record at a CNAME's name, as RFC 1034 does";

fn cname(name: &str, target: &str) -> Record {
    rec("CNAME", name, target, true, 1)
}

fn commented(comment: &str) -> Record {
    crate::cloudflare_rules::cname("a.example.com", "o.example.net", comment)
}

fn post(record: Record) -> Batch {
    Batch {
        posts: vec![record],
        ..Batch::default()
    }
}

fn put(id: &str, record: Record) -> Batch {
    Batch {
        puts: vec![Stored::new(id.into(), record)],
        ..Batch::default()
    }
}

fn patch(id: &str, record: Record) -> Batch {
    Batch {
        patches: vec![Stored::new(id.into(), record)],
        ..Batch::default()
    }
}

fn delete_then_post(id: &str, record: Record) -> Batch {
    Batch {
        deletes: vec![id.into()],
        posts: vec![record],
        ..Batch::default()
    }
}

fn row(
    what: &'static str,
    plan: Plan,
    existing: &'static [(&'static str, &'static str, &'static str)],
    batch: Batch,
    expect: Expect,
) -> Row {
    Row {
        what,
        plan,
        existing,
        batch,
        expect,
    }
}

const A: &[(&str, &str, &str)] = &[("A", "a.example.com", "192.0.2.1")];
const AAAA: &[(&str, &str, &str)] = &[("AAAA", "a.example.com", "2001:db8::1")];
const CNAME: &[(&str, &str, &str)] = &[("CNAME", "a.example.com", "old.example.net")];
const TXT: &[(&str, &str, &str)] = &[("TXT", "a.example.com", "v=spf1 -all")];
const A_AND_AAAA: &[(&str, &str, &str)] = &[
    ("A", "a.example.com", "192.0.2.1"),
    ("AAAA", "a.example.com", "2001:db8::1"),
];

#[rustfmt::skip]
fn rows() -> Vec<Row> {
    let a = "a.example.com";
    let o = "o.example.net";
    let many = || Batch {
        posts: (0..201).map(|i| cname(&format!("m{i}.example.com"), o)).collect(),
        ..Batch::default()
    };
    vec![
        // CNAME exclusivity.
        row("a CNAME alone", Free, &[], post(cname(a, o)), Accept),
        row("a CNAME at an A's name", Free, A, post(cname(a, o)), both(81053)),
        row("a CNAME at an AAAA's name", Free, AAAA, post(cname(a, o)), both(81053)),
        row("a second CNAME at a name", Free, CNAME, post(cname(a, o)), both(81053)),
        row("an A at a CNAME's name", Free, CNAME, post(rec("A", a, "192.0.2.9", false, 1)), both(81054)),
        row("an AAAA at a CNAME's name", Free, CNAME, post(rec("AAAA", a, "2001:db8::9", false, 1)), both(81054)),
        row("a TXT at a CNAME's name", Free, CNAME, post(rec("TXT", a, "hello", false, 1)), SandboxStricter { sandbox: 81054, why: CNAME_TXT }),
        row("a CNAME at a TXT's name", Free, TXT, post(cname(a, o)), SandboxStricter { sandbox: 81053, why: CNAME_TXT }),
        row("a second A with other content", Free, A, post(rec("A", a, "192.0.2.2", false, 1)), Accept),
        row("an identical A", Free, A, post(rec("A", a, "192.0.2.1", false, 1)), both(81058)),
        row("an identical TXT", Free, TXT, post(rec("TXT", a, "v=spf1 -all", false, 1)), both(81058)),
        row("the A deleted, then the CNAME posted, in one batch", Free, A, delete_then_post("r0", cname(a, o)), Accept),
        row("the A overwritten by the CNAME", Free, A, put("r0", cname(a, o)), Accept),
        row("the A overwritten by a CNAME while an AAAA stays", Free, A_AND_AAAA, put("r0", cname(a, o)), both(81053)),
        // Patches (what a plan's updates are): the same rules as a put, on the merged record.
        row("a CNAME patched in place", Free, CNAME, patch("r0", cname(a, o)), Accept),
        row("the A patched into the CNAME", Free, A, patch("r0", cname(a, o)), Accept),
        row("the A patched into a CNAME while an AAAA stays", Free, A_AND_AAAA, patch("r0", cname(a, o)), both(81053)),
        row("a patch to an unknown id", Free, &[], patch("nope", cname(a, o)), both(81044)),
        row("a patch with a 101-character comment on Free", Free, CNAME, patch("r0", commented(&"x".repeat(101))), Refuse { sandbox: Some(1004), server: 9101 }),
        row("a patch with a TTL of 59", Free, CNAME, patch("r0", rec("CNAME", a, o, false, 59)), both(9021)),
        // Unknown ids.
        row("a put to an unknown id", Free, &[], put("nope", cname(a, o)), both(81044)),
        row("a delete of an unknown id", Free, &[], delete_then_post("nope", cname(a, o)), both(81044)),
        // Proxiable types and addresses.
        row("a proxied TXT", Free, &[], post(rec("TXT", a, "hello", true, 1)), both(9004)),
        row("a proxied MX", Free, &[], post(rec("MX", a, "mail.example.net", true, 1)), both(9004)),
        row("a proxied public A", Free, &[], post(rec("A", a, "203.0.113.10", true, 1)), Accept),
        row("a proxied public AAAA", Free, &[], post(rec("AAAA", a, "2606:4700::1", true, 1)), Accept),
        row("a proxied private A", Free, &[], post(rec("A", a, "10.0.0.1", true, 1)), both(9041)),
        row("a proxied loopback A", Free, &[], post(rec("A", a, "127.0.0.1", true, 1)), both(9041)),
        row("a DNS-only private A", Free, &[], post(rec("A", a, "10.0.0.1", false, 300)), Accept),
        // TTL: 1 is automatic, otherwise 60..86400; a proxied record is stored with 1. (A proxied
        // record with a bad TTL cannot be compared: edgeplan's client sends every proxied record
        // with TTL 1, so the local Cloudflare never sees the number.)
        row("TTL 1 (automatic)", Free, &[], post(rec("CNAME", a, o, false, 1)), Accept),
        row("TTL 60", Free, &[], post(rec("CNAME", a, o, false, 60)), Accept),
        row("TTL 86400", Free, &[], post(rec("CNAME", a, o, false, 86_400)), Accept),
        row("TTL 59", Free, &[], post(rec("CNAME", a, o, false, 59)), both(9021)),
        row("TTL 86401", Free, &[], post(rec("CNAME", a, o, false, 86_401)), both(9021)),
        row("TTL 0", Free, &[], post(rec("CNAME", a, o, false, 0)), both(9021)),
        row("TTL 300 on a proxied record", Free, &[], post(rec("CNAME", a, o, true, 300)), Accept),
        // Comments: Free 100 characters, paid plans 500, one line.
        row("a 100-character comment on Free", Free, &[], post(commented(&"x".repeat(100))), Accept),
        row("a 101-character comment on Free", Free, &[], post(commented(&"x".repeat(101))), Refuse { sandbox: Some(1004), server: 9101 }),
        row("a 500-character comment on Pro", Pro, &[], post(commented(&"é".repeat(500))), Accept),
        row("a 501-character comment on Pro", Pro, &[], post(commented(&"x".repeat(501))), Refuse { sandbox: Some(1004), server: 9101 }),
        row("a comment with a line break", Pro, &[], post(commented("two\nlines")), Refuse { sandbox: Some(1004), server: 9101 }),
        // Content.
        row("an A that is no IPv4 address", Free, &[], post(rec("A", a, "not-an-ip", false, 1)), both(9005)),
        row("an AAAA that is no IPv6 address", Free, &[], post(rec("AAAA", a, "192.0.2.1", false, 1)), both(9006)),
        row("a CNAME to an IP address", Free, &[], post(cname(a, "192.0.2.1")), both(9007)),
        row("a CNAME to its own name", Free, &[], post(cname(a, "A.example.com.")), Refuse { sandbox: Some(1004), server: 9007 }),
        row("a CNAME with no content", Free, &[], post(cname(a, "")), both(9011)),
        row("an A with no content", Free, &[], post(rec("A", a, "", false, 1)), both(9011)),
        row("a TXT of 2048 characters", Free, &[], post(rec("TXT", a, &"t".repeat(2048), false, 1)), Accept),
        row("a TXT of 2049 characters", Free, &[], post(rec("TXT", a, &"t".repeat(2049), false, 1)), both(9011)),
        // Batch size by plan.
        row("201 records in one batch on Free", Free, &[], many(), Refuse { sandbox: None, server: 81070 }),
        row("201 records in one batch on Pro", Pro, &[], many(), Accept),
    ]
}

/// What one implementation did: accepted, or refused with `(outer, innermost)` codes.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Outcome {
    Accepted,
    Refused(Option<i64>, Option<i64>),
}

fn sandbox(row: &Row) -> Outcome {
    let zone = Zone {
        id: "z".into(),
        name: "example.com".into(),
        batch_limit: row.plan.batch_limit(),
        comment_limit: row.plan.comment_limit(),
    };
    let mut records: Vec<Stored> = row
        .existing
        .iter()
        .enumerate()
        .map(|(i, (kind, name, content))| {
            Stored::new(format!("r{i}"), rec(kind, name, content, false, 1))
        })
        .collect();
    let mut n = 0;
    let mut next_id = || {
        n += 1;
        format!("new{n}")
    };
    match apply_to(&mut records, &row.batch, &zone, &mut next_id) {
        Ok(_) => Outcome::Accepted,
        Err(Error::Rejected { message, .. }) => {
            let code = message
                .rsplit_once("(Cloudflare code ")
                .and_then(|(_, c)| c.trim_end_matches(')').parse().ok());
            Outcome::Refused(code, code)
        }
        Err(other) => panic!("{}: the sandbox failed otherwise: {other:?}", row.what),
    }
}

async fn server(row: &Row) -> Outcome {
    let cf = CloudflareServer::start();
    let zone_id = cf.seed_zone("example.com", row.plan);
    for (i, (kind, name, content)) in row.existing.iter().enumerate() {
        cf.add_record(
            "example.com",
            json!({"id": format!("r{i}"), "type": kind, "name": name, "content": content}),
        );
    }
    match client(&cf).send_batch(&zone_id, &row.batch).await {
        Ok(_) => Outcome::Accepted,
        Err(ApiError::Api(f)) => Outcome::Refused(Some(f.code()), f.innermost().map(|m| m.code)),
        Err(other) => panic!(
            "{}: the local Cloudflare failed otherwise: {other:?}",
            row.what
        ),
    }
}

#[tokio::test]
async fn the_sandbox_and_the_local_cloudflare_agree_on_every_row() {
    let rows = rows();
    assert!(rows.len() >= 40, "{} rows", rows.len());
    let mut wrong = Vec::new();
    for row in &rows {
        let got = (sandbox(row), server(row).await);
        let ok = match (row.expect, got) {
            (Accept, (Outcome::Accepted, Outcome::Accepted)) => true,
            (
                Refuse { sandbox, server },
                (Outcome::Refused(_, s), Outcome::Refused(outer, inner)),
            ) => {
                // The sandbox's bare 1004 is the class of the server's chain, not its cause.
                let sandbox_agrees = match sandbox {
                    None => s.is_none(),
                    Some(1004) => s == Some(1004) && outer == Some(1004),
                    Some(code) => s == Some(i64::from(code)) && inner == Some(i64::from(code)),
                };
                sandbox_agrees && inner == Some(server)
            }
            (SandboxStricter { sandbox, why }, (Outcome::Refused(_, s), Outcome::Accepted)) => {
                assert!(!why.is_empty());
                s == Some(i64::from(sandbox))
            }
            _ => false,
        };
        if !ok {
            wrong.push(format!(
                "{}: expected {:?}, sandbox {:?}, local Cloudflare {:?}",
                row.what, row.expect, got.0, got.1
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} rows disagree:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}
