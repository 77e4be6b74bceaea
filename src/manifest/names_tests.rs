//! Tests of [`super`].

use super::*;

enum Field {
    Message,
    Help,
}

/// Asserts that `result` is a refusal whose message (or help) contains `needle`.
#[track_caller]
fn refused<T: std::fmt::Debug>(result: Result<T, Bad>, needle: impl AsRef<str>, field: Field) {
    let bad = result.expect_err("refused");
    let text = match field {
        Field::Message => &bad.message,
        Field::Help => &bad.help,
    };
    assert!(
        text.contains(needle.as_ref()),
        "{text:?} lacks {:?}",
        needle.as_ref()
    );
}

#[test]
fn names_are_made_fully_qualified_lower_case_without_trailing_dot() {
    for (raw, fqdn) in [
        ("Sentiment", "sentiment.example.com"),
        ("@", "example.com"),
        ("API.Example.COM.", "api.example.com"),
        ("v2.api", "v2.api.example.com"),
        ("*.models", "*.models.example.com"),
        ("*", "*.example.com"),
        ("example.com", "example.com"),
    ] {
        assert_eq!(
            endpoint_name(raw, "example.com").as_deref(),
            Ok(fqdn),
            "{raw}"
        );
    }
}

#[test]
fn unicode_names_become_punycode() {
    assert_eq!(
        endpoint_name("Café", "example.com").as_deref(),
        Ok("xn--caf-dma.example.com")
    );
    assert_eq!(
        zone("Bücher.example.").as_deref(),
        Ok("xn--bcher-kva.example")
    );
    assert_eq!(
        target("Modèle.example.net.").as_deref(),
        Ok("xn--modle-6ra.example.net")
    );
}

#[test]
fn names_outside_the_zone_are_refused() {
    let z = "example.com";
    refused(endpoint_name("api.other.com", z), "outside", Field::Message);
    refused(
        endpoint_name("api.other.org.", z),
        "outside",
        Field::Message,
    );
    refused(
        endpoint_name("notexample.com", z),
        "outside",
        Field::Message,
    );
}

/// Issue 25, item 8: a name in another zone suggests that zone (a wrong `zone:`, or a manifest
/// of its own) as well as a name inside the manifest's zone.
#[test]
fn a_name_in_another_zone_suggests_that_zone() {
    let help = |raw: &str| endpoint_name(raw, "example.com").err().map(|b| b.help);
    let h = help("sentiment.example.org").unwrap_or_default();
    assert!(h.contains("`zone: example.org`"), "{h}");
    assert!(h.contains("`name: sentiment`"), "{h}");
    assert!(h.contains("`.example.com`"), "{h}");
    let h = help("api.models.example.co.uk.").unwrap_or_default();
    assert!(
        h.contains("`zone: example.co.uk`") && h.contains("`name: api.models`"),
        "{h}"
    );
    let h = help("notexample.com").unwrap_or_default();
    assert!(
        h.contains("`zone: notexample.com`") && h.contains("`name: \"@\"`"),
        "{h}"
    );
}

#[test]
fn label_rules() {
    let z = "example.com";
    refused(endpoint_name(&"a".repeat(64), z), "63", Field::Message);
    assert!(endpoint_name(&"a".repeat(63), z).is_ok());
    let long = vec!["a".repeat(60); 4].join(".");
    refused(endpoint_name(&long, z), "253", Field::Message);
    refused(endpoint_name("-api", z), "hyphen", Field::Message);
    refused(endpoint_name("api-", z), "hyphen", Field::Message);
    refused(endpoint_name("my_api", z), "'_'", Field::Message);
    refused(endpoint_name("a b", z), "' '", Field::Message);
    refused(endpoint_name("a..b", z), "empty label", Field::Message);
    refused(endpoint_name("models.*", z), "*", Field::Message);
    refused(endpoint_name("*x.models", z), "'*'", Field::Message);
}

#[test]
fn target_rules() {
    assert_eq!(
        target("LB-1.elb.amazonaws.com.").as_deref(),
        Ok("lb-1.elb.amazonaws.com")
    );
    refused(
        target("https://x.run.app/"),
        "target: x.run.app",
        Field::Help,
    );
    refused(target("x.run.app/predict"), "path", Field::Message);
    refused(target("x.run.app:8080"), "port", Field::Message);
    refused(target("10.0.0.1"), "IP address", Field::Message);
    refused(target("2001:db8::1"), "IP address", Field::Message);
    refused(target("localhost"), "single label", Field::Message);
    assert!(target("*.example.net").is_err());
    assert_eq!(
        target("_svc.origin.example.net").as_deref(),
        Ok("_svc.origin.example.net")
    );
}

/// The help of a refusal (`None` when `raw` is accepted).
fn help_of(check: fn(&str) -> Result<String, Bad>, raw: &str) -> Option<String> {
    check(raw).err().map(|bad| bad.help)
}

/// The value a help suggests (`write \`target: X\``), if any.
fn suggested<'a>(help: &'a str, key: &str) -> Option<&'a str> {
    let start = help.find(&format!("`{key}: "))? + key.len() + 3;
    let len = help[start..].find('`')?;
    Some(&help[start..start + len])
}

#[test]
fn a_suggested_target_or_zone_is_itself_valid() {
    let targets = [
        "foo.run.app:8080/v1",
        "https://foo.run.app:8443/predict?x=1",
        "https://user@foo.run.app/",
        "foo.run.app:8080",
        "Foo.Run.App/v1",
        "localhost:8080",
        "1.2.3.4:80",
        "https://10.0.0.1/x",
        "https://[::1]:8080/",
        "foo.run.app:http",
        "a..b/c",
    ];
    suggestions_validate("target", &targets, target);
    assert_eq!(
        help_of(target, "foo.run.app:8080/v1")
            .and_then(|h| suggested(&h, "target").map(str::to_owned)),
        Some("foo.run.app".to_owned())
    );
    assert!(help_of(target, "foo.run.app:8080/v1").is_some_and(|h| h.contains("port 443")));
    let zones = [
        "https://example.org",
        "https://Example.org:8443/x",
        "http://localhost/",
        "https://*.example.org/",
    ];
    suggestions_validate("zone", &zones, zone);
    assert_eq!(
        help_of(zone, "https://example.org").and_then(|h| suggested(&h, "zone").map(str::to_owned)),
        Some("example.org".to_owned())
    );
}

#[test]
fn zone_rules() {
    assert_eq!(zone("Example.COM.").as_deref(), Ok("example.com"));
    refused(zone("com"), "single label", Field::Message);
    assert!(zone("https://example.com").is_err());
    assert!(zone("*.example.com").is_err());
}

/// Each of `raws` is refused by `check`, and the value its help suggests for `key` (if any)
/// passes `check`.
fn suggestions_validate(key: &str, raws: &[&str], check: fn(&str) -> Result<String, Bad>) {
    for raw in raws {
        let bad = check(raw).expect_err(raw);
        if let Some(value) = suggested(&bad.help, key) {
            assert!(check(value).is_ok(), "{raw}: suggests {value}: {bad:?}");
        }
    }
}
