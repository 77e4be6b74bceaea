//! Whole-pipeline tests of `parse`: what a valid manifest becomes, and that every problem in a
//! file is reported at once, located and sorted. The corpus in tests/corpus covers each rule.

use std::path::Path;

use super::*;
use crate::plan::{Endpoint, Health};

fn ok(text: &str) -> Desired {
    match parse(Path::new("m.yaml"), text.as_bytes()) {
        Ok(d) => d,
        Err(p) => panic!("{p:#?}"),
    }
}

fn problems(text: &str) -> Vec<(usize, usize, String)> {
    match parse(Path::new("m.yaml"), text.as_bytes()) {
        Ok(d) => panic!("expected problems, got {d:#?}"),
        Err(p) => p.into_iter().map(|p| (p.line, p.col, p.message)).collect(),
    }
}

/// The problems of `text`, which must stand on exactly these lines (in order).
fn problems_at(text: &str, lines: &[usize]) -> Vec<(usize, usize, String)> {
    let p = problems(text);
    let found: Vec<usize> = p.iter().map(|p| p.0).collect();
    assert_eq!(found, lines, "{p:#?}");
    p
}

#[test]
fn a_valid_manifest_becomes_desired_with_defaults_applied() {
    let d = ok(
        "version: 1\nzone: Example.COM.\nowner: ml\ndefaults:\n  proxied: false\n  ttl: 300\nendpoints:\n  - name: API\n    target: LB.elb.amazonaws.com.\n    comment: BERT\n    health: /healthz\n  - name: \"@\"\n    target: x.run.app\n    proxied: true\n    adopt: true\n",
    );
    assert_eq!(d.zone, "example.com");
    assert_eq!(d.owner, "ml");
    assert_eq!(
        d.endpoints[0],
        Endpoint {
            name: "api.example.com".into(),
            target: "lb.elb.amazonaws.com".into(),
            proxied: false,
            ttl: 300,
            comment: Some("BERT".into()),
            adopt: false,
            health: Some(Health::Path("/healthz".into())),
            line: 8,
        }
    );
    // A proxied endpoint ignores a numeric default TTL: proxied records are always automatic.
    assert_eq!(
        (
            d.endpoints[1].name.as_str(),
            d.endpoints[1].ttl,
            d.endpoints[1].adopt
        ),
        ("example.com", 1, true)
    );
    assert_eq!(d.endpoints[1].line, 12);
}

#[test]
fn owner_defaults_to_default_and_endpoints_may_be_empty() {
    let d = ok("version: 1\nzone: example.com\nendpoints: []\n");
    assert_eq!(d.owner, "default");
    assert!(d.endpoints.is_empty());
}

#[test]
fn every_structural_problem_is_reported_in_one_run_sorted_by_line() {
    let p = problems_at(
        "version: 1\nzone: example.com\nfoo: 1\nendpoints:\n  - name: a\n    target: b.example.net\n    proxed: true\n  - name: c\n    target: d.example.net\n    ttl: \"300\"\n    adopt: yes\n",
        &[3, 7, 10, 11],
    );
    assert!(p[1].2.contains("did you mean `proxied`"));
    assert!(p[3].2.contains("expected a boolean"));
}

#[test]
fn every_value_problem_is_reported_in_one_run() {
    let p = problems(
        "version: 2\nzone: example.com\nendpoints:\n  - name: -a\n    target: 10.0.0.1\n  - name: ok\n    target: ok.example.net\n    ttl: 30\n",
    );
    let got: Vec<(usize, usize)> = p.iter().map(|p| (p.0, p.1)).collect();
    assert_eq!(got, vec![(1, 10), (4, 11), (5, 13), (8, 10)], "{p:#?}");
}

#[test]
fn duplicates_name_both_lines() {
    let p = problems(
        "version: 1\nzone: example.com\nendpoints:\n  - name: api\n    target: a.example.net\n  - name: API.example.com.\n    target: b.example.net\n",
    );
    assert_eq!(p.len(), 1);
    assert_eq!(p[0].0, 6);
    assert!(p[0].2.contains("lines 4 and 6"), "{}", p[0].2);
}

#[test]
fn cycles_are_reported_once() {
    let p = problems(
        "version: 1\nzone: example.com\nendpoints:\n  - name: a\n    target: b.example.com\n  - name: b\n    target: c.example.com\n  - name: c\n    target: a.example.com\n",
    );
    assert_eq!(p.len(), 1, "{p:#?}");
    assert_eq!(p[0].0, 5);
    assert!(
        p[0].2
            .contains("a.example.com -> b.example.com -> c.example.com -> a.example.com")
    );
}

#[test]
fn same_zone_and_owner_twice_is_an_error_naming_both_files() {
    let a = Desired {
        source: "a.yaml".into(),
        zone: "example.com".into(),
        zone_id: None,
        owner: "default".into(),
        previous_owners: Vec::new(),
        endpoints: vec![],
    };
    let b = Desired {
        source: "b.yaml".into(),
        ..a.clone()
    };
    let c = Desired {
        source: "c.yaml".into(),
        owner: "other".into(),
        ..a.clone()
    };
    let p = check_set(&[a, b, c]);
    assert_eq!(p.len(), 1);
    assert_eq!(p[0].file, Path::new("b.yaml"));
    assert!(p[0].message.contains("a.yaml"));
}

/// The serde structs of `raw` are written by hand: their fields, as serde lists them when it meets
/// an unknown one, are the key table's.
#[test]
fn the_raw_structs_have_the_keys_of_the_table() {
    fn serde_fields(text: &str) -> Vec<String> {
        let Ok(tree::Document::Root(root)) = tree::parse(text) else {
            panic!("parse {text}")
        };
        let err = de::from_node::<raw::RawManifest>(&root).expect_err("unknown field");
        let (_, expected) = err.message.split_once("expected").expect("a field list");
        let mut fields: Vec<String> = expected
            .split('`')
            .skip(1)
            .step_by(2)
            .map(String::from)
            .collect();
        fields.sort();
        fields
    }
    fn table(keys: &[keys::Key]) -> Vec<String> {
        let mut k: Vec<String> = keys.iter().map(|k| k.name.to_string()).collect();
        k.sort();
        k
    }
    assert_eq!(serde_fields("zzz: 1\n"), table(keys::MANIFEST));
    assert_eq!(
        serde_fields("version: 1\nzone: z\ndefaults:\n  zzz: 1\nendpoints: []\n"),
        table(keys::DEFAULTS)
    );
    assert_eq!(
        serde_fields("version: 1\nzone: z\nendpoints:\n  - zzz: 1\n"),
        table(keys::ENDPOINT)
    );
}

#[test]
fn the_schema_constraints_of_every_key_are_json_objects() {
    for (path, key) in key_paths() {
        assert!(
            serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(key.schema).is_ok(),
            "{path}: {}",
            key.schema
        );
    }
    assert!(
        schema()["properties"]["endpoints"]["items"]["properties"]["health"]["pattern"].is_string()
    );
}

#[test]
fn to_json_types_values_as_the_loader_does() {
    let v = to_json("a: &x 1\nb: '1'\nc: [*x, ~, true, 1.5, api]\n").expect("yaml");
    assert_eq!(
        v,
        serde_json::json!({"a": 1, "b": "1", "c": [1, null, true, 1.5, "api"]})
    );
    assert_eq!(to_json(""), Ok(serde_json::Value::Null));
    assert!(to_json("a: [").is_err());
}

#[test]
fn a_bad_zone_is_reported_once_without_noise_from_the_names() {
    problems_at(
        "version: 1\nzone: https://example.com\nendpoints:\n  - name: api\n    target: a.example.net\n  - name: b\n    target: localhost\n",
        &[2, 7],
    );
}

#[test]
fn structural_and_value_problems_are_reported_in_the_same_run() {
    // The unknown key drops out of the tree; the bad target of the same endpoint and the bad
    // TTL of a later one are still found, at their own lines.
    problems_at(
        "version: 1\nzone: example.com\nendpoints:\n  - name: a\n    target: 10.0.0.1\n    proxed: true\n  - target: x.example.net\n  - name: c\n    target: d.example.net\n    ttl: 300\n",
        &[5, 6, 7, 10],
    );
}

#[cfg(unix)]
#[test]
fn links_are_confined_to_the_workspace_but_the_machines_own_links_do_not_count() {
    use std::os::unix::fs::symlink;
    let tmp = tempfile::tempdir().expect("tmp");
    let base = tmp.path().join("base");
    let (ws, temp, home) = (base.join("ws"), base.join("temp"), tmp.path().join("home"));
    for d in [&ws, &temp, &home, &ws.join(".git")] {
        std::fs::create_dir_all(d).expect("mkdir");
    }
    let valid = "version: 1\nzone: example.com\nendpoints: []\n";
    for f in [
        ws.join("real.yaml"),
        temp.join("m.yaml"),
        home.join("secret"),
        ws.join(".git/config"),
    ] {
        std::fs::write(f, valid).expect("write");
    }
    symlink(home.join("secret"), ws.join("out.yaml")).expect("link");
    symlink(&home, ws.join("homedir")).expect("link");
    symlink(ws.join("real.yaml"), ws.join("in.yaml")).expect("link");
    symlink(ws.join(".git/config"), ws.join("git.yaml")).expect("link");
    // The machine's own link on the way to the workspace (macOS's /var -> /private/var).
    let machine = tmp.path().join("machine");
    symlink(&base, &machine).expect("link");

    let sources = Sources {
        confine_links_to: Some(machine.join("ws")),
    };
    let load_at = |p: PathBuf| {
        load(&p, &sources)
            .map(|_| ())
            .map_err(|e| e.shown[0].message.clone())
    };
    let mws = machine.join("ws");
    assert_eq!(load_at(mws.join("real.yaml")), Ok(()));
    assert_eq!(load_at(mws.join("in.yaml")), Ok(()));
    assert_eq!(
        load_at(machine.join("temp/m.yaml")),
        Ok(()),
        "named directly"
    );
    for refused in [
        mws.join("out.yaml"),
        mws.join("homedir/secret"),
        mws.join("homedir/../home/secret"),
        mws.join("git.yaml"),
    ] {
        let err = load_at(refused.clone()).expect_err("refused");
        assert!(
            err.contains("symbolic link"),
            "{}: {err}",
            refused.display()
        );
    }
    // Outside Actions links are followed.
    assert!(load(&mws.join("out.yaml"), &Sources::default()).is_ok());
}

#[test]
fn problems_are_capped_at_one_hundred_and_counted() {
    let mut text = String::from("version: 1\nzone: example.com\nendpoints:\n");
    for i in 0..250 {
        text.push_str(&format!("  - name: a{i}\n    target: 10.0.0.{}\n", i % 250));
    }
    let p = problems(&text);
    assert_eq!(p.len(), 101);
    assert_eq!(p[100].2, "... and 150 more problems");
    assert!(p[..100].windows(2).all(|w| w[0].0 <= w[1].0), "sorted");
}

/// Issue 15, point 8: a missing top-level key (here a typo of `endpoints`) no longer stops the
/// value rules, so the URL zone and the bad owner are reported in the same run.
#[test]
fn a_missing_top_level_key_does_not_hide_the_value_problems() {
    let p = problems(
        "version: 1\nzone: https://example.org\nowner: ML Team\nendpoint:\n  - name: api\n    target: a.example.net\n",
    );
    let messages: Vec<&str> = p.iter().map(|p| p.2.as_str()).collect();
    assert_eq!(p.len(), 4, "{p:#?}");
    assert!(
        messages[0].contains("missing required key `endpoints`"),
        "{p:#?}"
    );
    assert!(
        messages
            .iter()
            .any(|m| m.contains("zone `https://example.org` looks like a URL"))
    );
    assert!(
        messages
            .iter()
            .any(|m| m.contains("owner `ML Team` is not valid"))
    );
    assert!(
        messages
            .iter()
            .any(|m| m.contains("unknown field `endpoint`, did you mean `endpoints`?"))
    );
}

/// An endpoint missing a required key keeps its other keys checked.
#[test]
fn an_endpoint_missing_its_name_still_has_its_values_checked() {
    // Missing name (item at line 4), URL target (4), TTL on a proxied endpoint (5), missing
    // target (6).
    problems_at(
        "version: 1\nzone: example.com\nendpoints:\n  - target: https://x.run.app/p\n    ttl: 300\n  - name: b\n",
        &[4, 4, 5, 6],
    );
    // A `version` that is not a number, with no zone: the owner rule still runs.
    let p = problems("version: one\nowner: A\nendpoints: []\n");
    assert_eq!(p.len(), 3, "{p:#?}");
}
