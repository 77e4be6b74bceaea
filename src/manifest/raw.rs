//! The manifest exactly as written: serde structs that mirror the YAML, nothing checked yet.
//!
//! `deny_unknown_fields` everywhere makes serde itself strict, as a second line behind the
//! structural check in [`super::shape`]. Validation ([`super::validate`]) turns these into
//! [`crate::plan::Desired`].

use std::fmt;

use serde::Deserialize;
use serde::de::{self, Visitor};

/// The required keys are `Option` too: the structural pass reports a missing or badly typed one
/// and leaves it out, and validation still checks everything else in the same run (`None` there
/// means "already reported", never a default).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawManifest {
    pub version: Option<i64>,
    pub zone: Option<String>,
    pub zone_id: Option<String>,
    pub owner: Option<String>,
    pub previous_owners: Option<Vec<String>>,
    pub defaults: Option<RawDefaults>,
    pub endpoints: Option<Vec<RawEndpoint>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawDefaults {
    pub proxied: Option<bool>,
    pub ttl: Option<RawTtl>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawEndpoint {
    /// Required; `None` only when the structural pass already reported it.
    pub name: Option<String>,
    /// Required; `None` only when the structural pass already reported it.
    pub target: Option<String>,
    pub comment: Option<String>,
    pub proxied: Option<bool>,
    pub ttl: Option<RawTtl>,
    pub adopt: Option<bool>,
    pub health: Option<String>,
}

/// `ttl: auto` or `ttl: 300`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum RawTtl {
    Auto,
    Seconds(i64),
}

impl<'de> Deserialize<'de> for RawTtl {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct TtlVisitor;
        impl Visitor<'_> for TtlVisitor {
            type Value = RawTtl;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("`auto` or a number of seconds")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<RawTtl, E> {
                if v == "auto" {
                    Ok(RawTtl::Auto)
                } else {
                    Err(E::invalid_value(de::Unexpected::Str(v), &self))
                }
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<RawTtl, E> {
                Ok(RawTtl::Seconds(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<RawTtl, E> {
                Ok(RawTtl::Seconds(i64::try_from(v).unwrap_or(i64::MAX)))
            }
        }
        d.deserialize_any(TtlVisitor)
    }
}
