//! Origin hints: platforms whose generated hostnames do not serve a foreign `Host` header.
//!
//! A proxied CNAME makes Cloudflare ask the origin for the public name
//! (`Host: sentiment.example.com`). Multi-tenant platforms route on that header, so unless the
//! public name is configured on the platform (a custom domain), or a Cloudflare Origin Rule
//! rewrites the header to the platform's own hostname
//! (<https://developers.cloudflare.com/rules/origin-rules/features/#host-header>), the request
//! never reaches the model. The plan warns before that happens.
//!
//! Each entry below is backed by the platform's public documentation; `docs/origins.md` has the
//! table with the exact sources. A platform is listed only where its docs say how it routes.

use std::fmt;

use serde::Serialize;

/// What the preview says about a target on a known platform.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub(crate) struct OriginHint {
    /// The platform, for example `Google Cloud Run`.
    pub platform: &'static str,
    /// What happens when Cloudflare forwards the public name.
    pub behaviour: &'static str,
    /// What to do about it.
    pub fix: &'static str,
    /// The platform document that says so.
    pub docs: &'static str,
}

impl fmt::Display for OriginHint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {} {} (see {} and {})",
            self.platform, self.behaviour, self.fix, self.docs, ORIGIN_RULE_DOCS
        )
    }
}

/// Cloudflare's documentation of the Host header override of Origin Rules.
pub(crate) const ORIGIN_RULE_DOCS: &str =
    "https://developers.cloudflare.com/rules/origin-rules/features/#host-header";

/// One label of a hostname pattern, matched from the right.
#[derive(Clone, Copy)]
enum PatternLabel {
    Exact(&'static str),
    /// Any single label (a region, for example).
    Any,
}

use PatternLabel::{Any, Exact};

struct Platform {
    /// Labels the hostname must end with; at least one more label must precede them.
    suffix: &'static [PatternLabel],
    hint: OriginHint,
}

const PLATFORMS: &[Platform] = &[
    Platform {
        suffix: &[Exact("run"), Exact("app")],
        hint: OriginHint {
            platform: "Google Cloud Run",
            behaviour: "the service answers on its generated run.app address; the documented ways to serve it under another name are a global external Application Load Balancer, Firebase Hosting and Cloud Run domain mapping.",
            fix: "Map the public name to the service with one of those, or add a Cloudflare Origin Rule that rewrites the Host header to the run.app hostname.",
            docs: "https://cloud.google.com/run/docs/mapping-custom-domains",
        },
    },
    Platform {
        suffix: &[Exact("execute-api"), Any, Exact("amazonaws"), Exact("com")],
        hint: OriginHint {
            platform: "Amazon API Gateway",
            behaviour: "a public name reaches the API only through an API Gateway custom domain name with an API mapping; without one, requests for that name cannot reach the API.",
            fix: "Create a custom domain name for the public name in API Gateway (and point the CNAME at its regional domain name), or add a Cloudflare Origin Rule that rewrites the Host header to the execute-api hostname.",
            docs: "https://docs.aws.amazon.com/apigateway/latest/developerguide/how-to-custom-domains.html",
        },
    },
    Platform {
        suffix: &[Exact("lambda-url"), Any, Exact("on"), Exact("aws")],
        hint: OriginHint {
            platform: "AWS Lambda function URL",
            behaviour: "a function URL is served at its generated <url-id>.lambda-url.<region>.on.aws hostname; the documentation offers no custom domain for it.",
            fix: "Add a Cloudflare Origin Rule that rewrites the Host header to the function URL's hostname.",
            docs: "https://docs.aws.amazon.com/lambda/latest/dg/urls-configuration.html",
        },
    },
    Platform {
        suffix: &[Exact("azurewebsites"), Exact("net")],
        hint: OriginHint {
            platform: "Azure App Service",
            behaviour: "App Service is multi-tenant and routes each request to an app by its Host header, so a name that is not registered on the app is not routed to it.",
            fix: "Add the public name as a custom domain of the app (the approach Microsoft recommends), or add a Cloudflare Origin Rule that rewrites the Host header to the azurewebsites.net hostname.",
            docs: "https://learn.microsoft.com/azure/architecture/best-practices/host-name-preservation",
        },
    },
    Platform {
        suffix: &[Exact("awsapprunner"), Exact("com")],
        hint: OriginHint {
            platform: "AWS App Runner",
            behaviour: "App Runner routes on the Host header and answers 404 Not Found when it is not the service URL.",
            fix: "Link the public name to the service as a custom domain, or add a Cloudflare Origin Rule that rewrites the Host header to the awsapprunner.com hostname.",
            docs: "https://docs.aws.amazon.com/apprunner/latest/dg/request-route-404-troubleshoot.html",
        },
    },
    Platform {
        suffix: &[Exact("modal"), Exact("run")],
        hint: OriginHint {
            platform: "Modal",
            behaviour: "a web endpoint is identified by its <workspace>--<label>.modal.run subdomain, so a request naming another host names no endpoint.",
            fix: "Add a Cloudflare Origin Rule that rewrites the Host header to the modal.run hostname.",
            docs: "https://modal.com/docs/guide/webhook-urls",
        },
    },
];

/// The hint for `target` when it is a generated hostname of a platform that routes on the `Host`
/// header; `None` otherwise. Case-insensitive; a trailing dot is ignored.
pub(crate) fn origin_hint(target: &str) -> Option<OriginHint> {
    let host = target.trim_end_matches('.').to_ascii_lowercase();
    let labels: Vec<&str> = host.split('.').collect();
    if labels.iter().any(|l| l.is_empty()) {
        return None;
    }
    PLATFORMS
        .iter()
        .find(|p| ends_with(&labels, p.suffix))
        .map(|p| p.hint)
}

fn ends_with(labels: &[&str], suffix: &[PatternLabel]) -> bool {
    // The platform's apex itself (`run.app`) is not a service: demand one more label.
    if labels.len() <= suffix.len() {
        return false;
    }
    let tail = &labels[labels.len() - suffix.len()..];
    tail.iter().zip(suffix).all(|(label, want)| match want {
        Exact(s) => label == s,
        Any => true,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn platform(target: &str) -> Option<&'static str> {
        origin_hint(target).map(|h| h.platform)
    }

    #[test]
    fn known_platform_hostnames_are_recognised() {
        let cases = [
            ("sentiment-abc123-uc.a.run.app", "Google Cloud Run"),
            (
                "sentiment-123456789.us-central1.run.app",
                "Google Cloud Run",
            ),
            (
                "a1b2c3d4e5.execute-api.us-east-1.amazonaws.com",
                "Amazon API Gateway",
            ),
            (
                "d-abc123.execute-api.eu-west-1.amazonaws.com",
                "Amazon API Gateway",
            ),
            (
                "abcdefghij.lambda-url.us-east-2.on.aws",
                "AWS Lambda function URL",
            ),
            ("bert-prod.azurewebsites.net", "Azure App Service"),
            (
                "bert-prod-h7g6f5.westeurope-01.azurewebsites.net",
                "Azure App Service",
            ),
            ("abc123.us-east-1.awsapprunner.com", "AWS App Runner"),
            ("ecorp-prod--text-to-speech-flask-app.modal.run", "Modal"),
        ];
        for (target, want) in cases {
            assert_eq!(platform(target), Some(want), "{target}");
        }
    }

    #[test]
    fn matching_ignores_case_and_a_trailing_dot() {
        assert_eq!(
            platform("SENTIMENT-abc-UC.A.Run.App."),
            Some("Google Cloud Run")
        );
        assert_eq!(
            platform("X.Lambda-URL.US-EAST-1.ON.AWS."),
            Some("AWS Lambda function URL")
        );
    }

    #[test]
    fn lookalikes_and_bare_platform_domains_get_no_hint() {
        for target in [
            "run.app",
            "run.app.",
            "notrun.app",
            "sentiment.run.app.example.com",
            "execute-api.us-east-1.amazonaws.com",
            "x.execute-api.amazonaws.com",
            "x.execute-api.us-east-1.amazonaws.com.evil.net",
            "x.lambda-url.us-east-1.on.aws.example.com",
            "lambda-url.us-east-1.on.aws",
            "myazurewebsites.net",
            "azurewebsites.net",
            "sentiment-prod.us-east-1.elb.amazonaws.com",
            "modal.run",
            "origin.example.com",
            "x..run.app",
            "",
        ] {
            assert_eq!(platform(target), None, "{target}");
        }
    }

    #[test]
    fn a_hint_says_what_happens_what_to_do_and_where_it_is_written() {
        let hint = origin_hint("bert.azurewebsites.net").expect("App Service");
        let text = hint.to_string();
        assert!(text.starts_with("Azure App Service: "), "{text}");
        assert!(text.contains("custom domain"), "{text}");
        assert!(text.contains("Origin Rule"), "{text}");
        assert!(text.contains("https://learn.microsoft.com/"), "{text}");
        assert!(text.contains(ORIGIN_RULE_DOCS), "{text}");
    }
}
