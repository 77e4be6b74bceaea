//! `edgeplan import`: a manifest for the CNAMEs a zone already holds, the first step for a team
//! whose endpoints are live before edgeplan manages them (the contract in README, Commands).
//!
//! The promise is exact: the manifest validates, and a plan with it against the zone it was read
//! from shows only ownership taken over (an `adopt: true` record gains the marker; its target,
//! proxy status, TTL and note stay), so import, apply, plan is empty. Rather than trust a
//! hand-written copy of the validator's and the diff's rules, import asks them: each record's
//! entry is validated alone with the manifest validator (a problem's line says which key cannot
//! be written), then the whole manifest is validated and diffed against the live records, and
//! any entry the plan would change otherwise is left out, until nothing is. A record left out is
//! listed in the manifest's trailing comment by type and name, never by content (it is untrusted
//! text); when it is one this owner already holds, a plan with the manifest would delete it, so
//! the command refuses (exit 1) and names it.
//!
//! Ownership marker and notes:
//! <https://developers.cloudflare.com/dns/manage-dns-records/reference/record-attributes/>.

mod yaml;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::path::Path;

use crate::manifest;
use crate::plan::owner::{comment_for, is_owned_by, owner_of, raw_note};
use crate::plan::{Action, Live, RecordData, RecordType, Stored, Zone, diff, normalise};
use crate::render::plural;

pub(crate) use yaml::escaped_name;

/// What import read from a zone: the manifest text and what it left out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Imported {
    /// The manifest, its trailing comment included.
    pub text: String,
    /// Endpoints in the manifest.
    pub endpoints: usize,
    /// Of those, the ones marked `adopt: true` (records nobody owned yet).
    pub adopted: usize,
    /// Records left out, in manifest order (apex first, then by name).
    pub left_out: Vec<LeftOut>,
    /// Records marked with another owner: not imported, counted.
    pub other_owners: usize,
    /// Records of types edgeplan does not manage, nobody's or another owner's, per type.
    pub unmanaged: BTreeMap<String, usize>,
}

impl Imported {
    /// This owner's records that the manifest could not hold: a plan with it would delete them.
    pub(crate) fn own_left_out(&self) -> Vec<&LeftOut> {
        self.left_out.iter().filter(|l| l.owned).collect()
    }
}

/// A record import left out: its type, its name (FQDN) and why. Never its content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LeftOut {
    pub kind: RecordType,
    pub name: String,
    /// Already marked with this owner.
    pub owned: bool,
    pub reason: SkipReason,
}

/// Why a record is not in the manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SkipReason {
    /// This owner's record of a type other than CNAME (edgeplan writes CNAMEs only).
    NotCname,
    /// Its name is not one a manifest accepts (an underscore label, a bad character...).
    Name,
    /// Its target is not one a manifest accepts (an IP address, a single label...).
    Target,
    /// Its TTL is not one a manifest can hold (60 to 86400 seconds, or automatic).
    Ttl,
    /// Its note is not one a manifest can hold (a control or bidirectional character...).
    Note,
    /// Its note starts or ends with white space, which a manifest's `comment` does not keep.
    Spaces,
    /// This owner's marker followed by an empty note (`edgeplan:<owner> | `): a manifest writes
    /// the marker alone, so a plan would rewrite the comment.
    EmptyNote,
    /// Its note with the ownership marker would be longer than the zone accepts.
    NoteTooLong { length: usize, limit: usize },
    /// Several CNAMEs share its name.
    Several,
    /// It validates alone but not beside the other endpoints (a CNAME cycle between them...).
    Invalid,
    /// A plan with the manifest would change more than its ownership.
    WouldChange,
}

impl fmt::Display for SkipReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SkipReason::NotCname => f.write_str("edgeplan manages CNAME records only"),
            SkipReason::Name => f.write_str(
                "its name is not one a manifest accepts (an underscore label, a bad character)",
            ),
            SkipReason::Target => {
                f.write_str("its target is not a hostname a manifest accepts as `target`")
            }
            SkipReason::Ttl => f.write_str(
                "its TTL is not one a manifest can hold (60 to 86400 seconds, or automatic)",
            ),
            SkipReason::Note => f.write_str(
                "its note does not validate as a `comment` (a control or bidirectional character)",
            ),
            SkipReason::Spaces => f.write_str(
                "its note starts or ends with white space, which `comment` does not keep",
            ),
            SkipReason::EmptyNote => f.write_str(
                "its comment is the ownership marker and an empty note (` | ` with nothing after it), \
                 which a manifest cannot write back; remove the ` | ` from its comment in Cloudflare",
            ),
            SkipReason::NoteTooLong { length, limit } => write!(
                f,
                "its note with the ownership marker would be {length} characters, over the zone's limit of {limit}"
            ),
            SkipReason::Several => f.write_str("several CNAME records share its name"),
            SkipReason::Invalid => f.write_str(
                "it does not validate beside the other endpoints (a CNAME cycle between them)",
            ),
            SkipReason::WouldChange => {
                f.write_str("a plan with the manifest would change more than its ownership")
            }
        }
    }
}

/// One live CNAME as the manifest would hold it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LiveCname {
    id: String,
    /// FQDN, normalised.
    name: String,
    /// The name as written: relative, `@` for the apex, or the FQDN where the relative form
    /// would mean another name.
    written: String,
    /// The live record, normalised.
    data: RecordData,
    /// The note: the comment after the marker (owned), or the whole comment (nobody's).
    note: Option<String>,
    adopt: bool,
}

impl LiveCname {
    /// What the record becomes under this owner: the same, with the marker.
    fn taken_over(&self, owner: &str) -> RecordData {
        RecordData {
            comment: Some(comment_for(owner, self.note.as_deref())),
            ..self.data.clone()
        }
    }
}

/// Why import cannot give a manifest at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Error {
    /// The manifest would be larger than a manifest may be ([`manifest::MAX_BYTES`]).
    TooLarge { bytes: usize, endpoints: usize },
    /// The validator refused the manifest for a reason no entry explains: a fault of import.
    Fault(String),
}

/// The manifest for `owner` in `zone`, from every record the zone holds.
pub(crate) fn build(zone: &Zone, records: &[Stored], owner: &str) -> Result<Imported, Error> {
    let records: Vec<Stored> = records
        .iter()
        .map(|s| normalise::stored(&s.id, &s.name, &s.kind, &s.data))
        .collect();
    let mut left_out = Vec::new();
    let mut other_owners = 0;
    let mut unmanaged: BTreeMap<String, usize> = BTreeMap::new();
    let mut cnames: Vec<&Stored> = Vec::new();
    let mut owned_ids: HashSet<&str> = HashSet::new();
    for r in &records {
        let comment = r.data.comment.as_deref();
        let owned = is_owned_by(comment, owner);
        if owned {
            owned_ids.insert(&r.id);
        }
        if owned && r.kind != RecordType::Cname {
            left_out.push(LeftOut {
                kind: r.kind.clone(),
                name: r.name.clone(),
                owned,
                reason: SkipReason::NotCname,
            });
        } else if !owned && owner_of(comment).is_some() {
            other_owners += 1;
        } else if r.kind == RecordType::Cname {
            cnames.push(r);
        } else {
            *unmanaged.entry(r.kind.as_str().to_string()).or_default() += 1;
        }
    }

    let mut per_name: HashMap<&str, usize> = HashMap::new();
    for r in &cnames {
        *per_name.entry(r.name.as_str()).or_default() += 1;
    }
    let mut entries = Vec::new();
    for r in cnames {
        let owned = owned_ids.contains(r.id.as_str());
        let entry = entry(zone, r, owned);
        let problem = match per_name.get(r.name.as_str()) {
            Some(n) if *n > 1 => Err(SkipReason::Several),
            _ => check_one(zone, owner, &entry),
        };
        match problem {
            Ok(()) => entries.push(entry),
            Err(reason) => left_out.push(LeftOut {
                kind: r.kind.clone(),
                name: r.name.clone(),
                owned,
                reason,
            }),
        }
    }
    entries.sort_by(|a, b| order(&a.written, "@").cmp(&order(&b.written, "@")));

    let live = Live {
        zone: zone.clone(),
        records: records.clone(),
    };
    // Each pass leaves out at least one entry or ends, so this ends; the bound is a backstop.
    for _ in 0..=entries.len() {
        let mut drop = verify(zone, owner, &entries, &live, &owned_ids)?;
        if drop.is_empty() {
            break;
        }
        let mut i = 0;
        entries.retain(|e| {
            let keep = match drop.remove(&i) {
                Some(reason) => {
                    left_out.push(LeftOut {
                        kind: RecordType::Cname,
                        name: e.name.clone(),
                        owned: !e.adopt,
                        reason,
                    });
                    false
                }
                None => true,
            };
            i += 1;
            keep
        });
    }

    left_out.sort_by(|a, b| order(&a.name, &zone.name).cmp(&order(&b.name, &zone.name)));
    let kept: Vec<&LiveCname> = entries.iter().collect();
    let trailer = trailer(&left_out, other_owners, &unmanaged);
    let (text, _) = yaml::manifest(&zone.name, owner, &kept, &trailer);
    // NOTE: `manifest::parse` reads any length; a manifest file is refused past the limit.
    if text.len() as u64 > manifest::MAX_BYTES {
        return Err(Error::TooLarge {
            bytes: text.len(),
            endpoints: entries.len(),
        });
    }
    Ok(Imported {
        text,
        endpoints: entries.len(),
        adopted: entries.iter().filter(|e| e.adopt).count(),
        left_out,
        other_owners,
        unmanaged,
    })
}

/// One pass of the check that the manifest holding `entries` validates and that its plan against
/// `live` only takes records over: the entries (by index) to leave out, and why.
fn verify(
    zone: &Zone,
    owner: &str,
    entries: &[LiveCname],
    live: &Live,
    owned_ids: &HashSet<&str>,
) -> Result<HashMap<usize, SkipReason>, Error> {
    let kept: Vec<&LiveCname> = entries.iter().collect();
    let (text, lines) = yaml::manifest(&zone.name, owner, &kept, "");
    let mut drop = HashMap::new();
    let desired = match manifest::parse(Path::new("import"), text.as_bytes()) {
        Ok(desired) => desired,
        Err(problems) => {
            for p in &problems {
                let Some(at) = lines
                    .iter()
                    .position(|l| (l.name..=l.last).contains(&p.line))
                else {
                    return Err(Error::Fault(format!(
                        "the manifest import wrote does not validate: line {}: {}",
                        p.line, p.message
                    )));
                };
                drop.entry(at).or_insert(SkipReason::Invalid);
            }
            return Ok(drop);
        }
    };
    let by_name: HashMap<&str, usize> = entries
        .iter()
        .enumerate()
        .map(|(i, e)| (e.name.as_str(), i))
        .collect();
    let plan = diff(&desired, live);
    for c in &plan.changes {
        let entry = by_name.get(c.name.as_str()).copied();
        let fine = c.action == Action::Update
            && entry.and_then(|i| entries.get(i)).is_some_and(|e| {
                e.adopt
                    && c.id.as_deref() == Some(e.id.as_str())
                    && c.before.as_ref() == Some(&e.data)
                    && c.after.as_ref() == Some(&e.taken_over(owner))
            });
        // This owner's records left out are deleted by such a plan: already refused.
        let own_left_out =
            c.action == Action::Delete && c.id.as_deref().is_some_and(|id| owned_ids.contains(id));
        if fine || own_left_out {
            continue;
        }
        let Some(i) = entry else {
            return Err(Error::Fault(format!(
                "a plan with the imported manifest would {:?} a record at a name import did not write",
                c.action
            )));
        };
        drop.entry(i).or_insert(SkipReason::WouldChange);
    }
    for c in &plan.conflicts {
        if let Some(&i) = by_name.get(c.name.as_str()) {
            drop.entry(i).or_insert(SkipReason::WouldChange);
        }
    }
    for l in &plan.long_comments {
        if let Some(&i) = by_name.get(l.name.as_str()) {
            drop.insert(
                i,
                SkipReason::NoteTooLong {
                    length: l.length,
                    limit: l.limit,
                },
            );
        }
    }
    Ok(drop)
}

/// The sort key of a name: the apex (spelled `apex`) first, then bytewise.
fn order<'a>(name: &'a str, apex: &str) -> (bool, &'a [u8]) {
    (name != apex, name.as_bytes())
}

/// The entry for one live CNAME.
fn entry(zone: &Zone, r: &Stored, owned: bool) -> LiveCname {
    // Owned: the note after this owner's marker; nobody's: the whole comment (other owners'
    // records never get here).
    let note = raw_note(r.data.comment.as_deref()).map(str::to_string);
    LiveCname {
        id: r.id.clone(),
        name: r.name.clone(),
        written: written_name(&r.name, &zone.name),
        data: r.data.clone(),
        note: note.filter(|n| !n.is_empty()),
        adopt: !owned,
    }
}

/// The name as a manifest should spell it: relative to the zone (`@` for the apex) where that
/// reads back as the same name, else in full.
fn written_name(name: &str, zone: &str) -> String {
    if name == zone {
        return "@".into();
    }
    match name.strip_suffix(zone).and_then(|n| n.strip_suffix('.')) {
        Some(relative) if manifest::endpoint_name(relative, zone).is_ok_and(|n| n == name) => {
            relative.to_string()
        }
        _ => name.to_string(),
    }
}

/// Whether one entry, alone in a manifest, validates (a note too long for the zone is found by
/// the plan of the whole manifest, as `plan` finds it).
fn check_one(zone: &Zone, owner: &str, e: &LiveCname) -> Result<(), SkipReason> {
    if !e.adopt && raw_note(e.data.comment.as_deref()) == Some("") {
        return Err(SkipReason::EmptyNote);
    }
    if let Some(note) = &e.note
        && note.trim() != note
    {
        return Err(SkipReason::Spaces);
    }
    let (text, lines) = yaml::manifest(&zone.name, owner, &[e], "");
    if let Err(problems) = manifest::parse(Path::new("import"), text.as_bytes()) {
        let Some(lines) = lines.first() else {
            return Err(SkipReason::Invalid);
        };
        let line = problems.first().map_or(0, |p| p.line);
        return Err(match line {
            l if l == lines.name => SkipReason::Name,
            l if l == lines.target => SkipReason::Target,
            l if Some(l) == lines.ttl => SkipReason::Ttl,
            l if Some(l) == lines.comment => SkipReason::Note,
            _ => SkipReason::Invalid,
        });
    }
    Ok(())
}

/// The trailing comment: the records left out, then what was not imported, counted.
fn trailer(
    left_out: &[LeftOut],
    other_owners: usize,
    unmanaged: &BTreeMap<String, usize>,
) -> String {
    use std::fmt::Write as _;
    let mut text = String::new();
    if !left_out.is_empty() {
        let _ = writeln!(
            text,
            "\n# Left out: {} record{} a manifest cannot hold unchanged (type, name: why):",
            left_out.len(),
            plural(left_out.len())
        );
        for l in left_out {
            let own = if l.owned { " (yours already)" } else { "" };
            let _ = writeln!(
                text,
                "#   {} {}{own}: {}",
                l.kind,
                escaped_name(&l.name),
                l.reason
            );
        }
    }
    let mut counts = Vec::new();
    if other_owners > 0 {
        counts.push(format!(
            "{other_owners} record{} of other owners",
            plural(other_owners)
        ));
    }
    if !unmanaged.is_empty() {
        let types: Vec<String> = unmanaged
            .iter()
            .map(|(t, n)| format!("{n} {}", escaped_name(t)))
            .collect();
        counts.push(format!(
            "records of types edgeplan does not manage ({})",
            types.join(", ")
        ));
    }
    if !counts.is_empty() {
        let _ = writeln!(text, "\n# Not imported: {}.", counts.join("; "));
    }
    text
}

#[cfg(test)]
mod tests;
