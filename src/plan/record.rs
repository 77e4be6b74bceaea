//! One DNS record: a name, a type and the data the type carries. A record as the zone stores it
//! is a [`Stored`] (the same fields and its id); a record to write is a plain [`Record`].

use std::cmp::Ordering;
use std::fmt;

/// A record's type. edgeplan writes CNAMEs only; the others are what it may find in a zone (and
/// may delete, when it owns them or adopts the name).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum RecordType {
    A,
    Aaaa,
    Cname,
    Txt,
    /// Any other type, upper case (`MX`, `NS`, `CAA`, ...).
    Other(String),
}

impl RecordType {
    /// Reads a type as an API or a file spells it: trimmed, any case.
    pub(crate) fn parse(raw: &str) -> RecordType {
        let upper = raw.trim().to_ascii_uppercase();
        match upper.as_str() {
            "A" => RecordType::A,
            "AAAA" => RecordType::Aaaa,
            "CNAME" => RecordType::Cname,
            "TXT" => RecordType::Txt,
            _ => RecordType::Other(upper),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            RecordType::A => "A",
            RecordType::Aaaa => "AAAA",
            RecordType::Cname => "CNAME",
            RecordType::Txt => "TXT",
            RecordType::Other(name) => name,
        }
    }

    /// Whether Cloudflare can proxy records of this type.
    pub fn proxiable(&self) -> bool {
        matches!(self, RecordType::A | RecordType::Aaaa | RecordType::Cname)
    }
}

impl From<&str> for RecordType {
    fn from(raw: &str) -> RecordType {
        RecordType::parse(raw)
    }
}

/// Compares with a type as the API spells it (`kind == "CNAME"`).
impl PartialEq<&str> for RecordType {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// By name, as the API spells it: the order plans are sorted and printed in.
impl Ord for RecordType {
    fn cmp(&self, other: &Self) -> Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl PartialOrd for RecordType {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for RecordType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for RecordType {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for RecordType {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Ok(RecordType::parse(&raw))
    }
}

/// What a record holds besides its name and type (the plan JSON's `before` and `after`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordData {
    pub content: String,
    pub proxied: bool,
    pub ttl: u32,
    pub comment: Option<String>,
}

/// One DNS record. Normalised (see [`super::normalise`]) wherever it is compared: names and CNAME
/// content lower case without a trailing dot, and a proxied record's TTL read as 1.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub name: String,
    pub kind: RecordType,
    pub data: RecordData,
}

/// A record as a zone stores it: a [`Record`] with the id the provider gave it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    pub id: String,
    pub name: String,
    pub kind: RecordType,
    pub data: RecordData,
}

impl Stored {
    pub fn new(id: String, record: Record) -> Stored {
        let Record { name, kind, data } = record;
        Stored {
            id,
            name,
            kind,
            data,
        }
    }

    /// The record without its id (what a put sends).
    pub(crate) fn record(&self) -> Record {
        Record {
            name: self.name.clone(),
            kind: self.kind.clone(),
            data: self.data.clone(),
        }
    }
}
