//! The hidden first lines of edgeplan's comments, with what the apply gate reads from them
//! (DESIGN section 5, the marker; section 6, "The reviewed plan, or nothing").
//!
//! - The preview: `<!-- edgeplan:preview [manifest=KEY] fingerprint=sha256:.. v=1
//!   reviewed=<zone>/<owner>:sha256:<hex> ... commit=<sha> plan=ok|invalid|none -->`. Which
//!   sticky comment it is stays decided by `manifest=` alone (`render::comment::has_marker`), so
//!   a preview written by an older edgeplan is still found and updated.
//! - The apply report: `<!-- edgeplan:applied sha=<commit> [manifest=KEY] [v=1 remaining=..] -->`,
//!   one per pushed commit (and manifest input); `remaining=` names the pairs whose changes did
//!   not all land, so a re-run of that commit may apply what is left.
//!
//! Zone and owner names come from manifests, and the manifest key from the workflow: every value
//! is escaped on the way in (only `A-Z a-z 0-9 . _ -` stay as they are, a second `-` in a row
//! and everything else become `%XX`), so no value can end the HTML comment (`-->`), break the
//! line or add an attribute. Parsing is strict: attributes are separated by single spaces, a
//! known attribute with a malformed value, or given twice where once is allowed, makes the
//! whole marker unreadable (the gate refuses it; it never guesses).

use crate::plan::Pair;
use crate::render::comment::is_digest;

/// What every preview marker starts with.
const PREVIEW: &str = "<!-- edgeplan:preview";
/// What every apply-report marker starts with.
const APPLIED: &str = "<!-- edgeplan:applied";
const END: &str = "-->";

/// What a preview showed: a plan, a manifest with problems, or offline validation only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PlanState {
    /// A plan was computed (`plan=ok`).
    Ok,
    /// The manifests had problems (`plan=invalid`).
    Invalid,
    /// Only offline validation ran (`plan=none`): counts as no preview.
    None,
}

impl PlanState {
    fn as_str(self) -> &'static str {
        match self {
            PlanState::Ok => "ok",
            PlanState::Invalid => "invalid",
            PlanState::None => "none",
        }
    }
}

/// The attributes of a preview marker.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Preview {
    /// `manifest=`: which preview (a job of a matrix with `separate-comment`); escaped.
    pub manifest: Option<String>,
    /// `fingerprint=sha256:<hex>` of the whole plan.
    pub fingerprint: Option<String>,
    /// `v=`: the version of the `reviewed=` digests.
    pub version: Option<u32>,
    /// `reviewed=` per (zone, owner): zone and owner escaped as in the marker.
    pub reviewed: Vec<Pair>,
    /// `commit=`: the commit the preview read.
    pub commit: Option<String>,
    /// `plan=`; `None` in a marker written before the gate existed.
    pub plan: Option<PlanState>,
}

/// The attributes of an apply-report marker.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct ApplyMarker {
    pub sha: String,
    /// Escaped, as in [`Preview::manifest`].
    pub manifest: Option<String>,
    pub version: Option<u32>,
    /// The pairs whose changes did not all land, with the digest of what was left.
    pub remaining: Vec<Pair>,
}

/// Why a marker line could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub(crate) struct Unreadable(pub String);

impl Preview {
    /// A preview marker for the manifest key `key` (the `manifest` input, unescaped).
    pub(crate) fn new(key: Option<&str>, plan: PlanState) -> Preview {
        Preview {
            manifest: key.map(escape_key),
            plan: Some(plan),
            ..Preview::default()
        }
    }

    /// The marker line. Values that are not well-formed (a fingerprint or commit that is not
    /// hex) are left out rather than written.
    pub(crate) fn line(&self) -> String {
        let mut out = String::from(PREVIEW);
        if let Some(m) = &self.manifest {
            out.push_str(&format!(" manifest={}", escape_escaped(m)));
        }
        if let Some(fp) = self.fingerprint.as_deref().filter(|f| is_digest(f)) {
            out.push_str(&format!(" fingerprint={fp}"));
        }
        if let Some(v) = self.version {
            out.push_str(&format!(" v={v}"));
        }
        for p in self.reviewed.iter().filter(|p| well_formed(p)) {
            out.push_str(&format!(" reviewed={}", pair_value(p)));
        }
        if let Some(c) = self.commit.as_deref().filter(|c| is_commit(c)) {
            out.push_str(&format!(" commit={c}"));
        }
        if let Some(p) = self.plan {
            out.push_str(&format!(" plan={}", p.as_str()));
        }
        out.push(' ');
        out.push_str(END);
        out
    }

    /// The preview marker of `body`'s first line: `None` when it has none; `Err` when it is a
    /// preview marker whose attributes cannot be read.
    pub(crate) fn parse(body: &str) -> Option<Result<Preview, Unreadable>> {
        let inner = inner(first_line(body)?, PREVIEW)?;
        Some(parse_preview(inner))
    }
}

impl ApplyMarker {
    /// The marker line: `sha` (kept to its letters and digits), the escaped key, and, when some
    /// pairs did not all land, `v=` and one `remaining=` each.
    pub(crate) fn line(&self) -> String {
        let sha: String = self
            .sha
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .collect();
        let mut out = format!("{APPLIED} sha={sha}");
        if let Some(m) = &self.manifest {
            out.push_str(&format!(" manifest={}", escape_escaped(m)));
        }
        let remaining: Vec<&Pair> = self.remaining.iter().filter(|p| well_formed(p)).collect();
        if !remaining.is_empty() {
            out.push_str(&format!(
                " v={}",
                self.version.unwrap_or(crate::plan::REVIEW_VERSION)
            ));
            for p in remaining {
                out.push_str(&format!(" remaining={}", pair_value(p)));
            }
        }
        out.push(' ');
        out.push_str(END);
        out
    }

    /// The apply-report marker of `body`'s first line, as [`Preview::parse`].
    pub(crate) fn parse(body: &str) -> Option<Result<ApplyMarker, Unreadable>> {
        let inner = inner(first_line(body)?, APPLIED)?;
        Some(parse_applied(inner))
    }
}

/// A pair as the marker holds it: zone and owner escaped.
pub(crate) fn marked(pair: &Pair) -> Pair {
    Pair {
        zone: escape(&pair.zone),
        owner: escape(&pair.owner),
        digest: pair.digest.clone(),
    }
}

/// The first line of `body`, without a trailing `\r`.
fn first_line(body: &str) -> Option<&str> {
    body.lines()
        .next()
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
}

/// What stands between `prefix` and the closing `-->`: `None` when `line` is not such a marker
/// (`<!-- edgeplan:previewer -->` is another marker).
fn inner<'a>(line: &'a str, prefix: &str) -> Option<&'a str> {
    let inner = line.trim_end().strip_prefix(prefix)?.strip_suffix(END)?;
    (inner.is_empty() || inner.starts_with(' ')).then_some(inner)
}

/// The `key=value` attributes of `inner`, separated by single spaces.
fn attributes(inner: &str) -> Result<Vec<(&str, &str)>, Unreadable> {
    let inner = inner.strip_prefix(' ').unwrap_or(inner);
    let inner = inner.strip_suffix(' ').unwrap_or(inner);
    if inner.is_empty() {
        return Ok(Vec::new());
    }
    inner
        .split(' ')
        .map(|a| {
            let (k, v) = a
                .split_once('=')
                .ok_or_else(|| Unreadable(format!("`{}` is not key=value", shown(a))))?;
            if k.is_empty() || !k.bytes().all(|b| b.is_ascii_lowercase()) || v.is_empty() {
                return Err(Unreadable(format!("`{}` is not key=value", shown(a))));
            }
            if !v.bytes().all(|b| b.is_ascii_graphic()) {
                return Err(Unreadable(format!(
                    "the value of `{k}` is not printable ASCII"
                )));
            }
            Ok((k, v))
        })
        .collect()
}

/// Sets `slot` once; a second value is an error.
fn once<T>(slot: &mut Option<T>, key: &str, value: T) -> Result<(), Unreadable> {
    if slot.is_some() {
        return Err(Unreadable(format!("`{key}` is given twice")));
    }
    *slot = Some(value);
    Ok(())
}

fn parse_preview(inner: &str) -> Result<Preview, Unreadable> {
    let mut p = Preview::default();
    for (k, v) in attributes(inner)? {
        match k {
            "manifest" => once(&mut p.manifest, k, escaped_value(k, v)?)?,
            "fingerprint" if is_digest(v) => once(&mut p.fingerprint, k, v.to_string())?,
            "v" => once(&mut p.version, k, version(v)?)?,
            "reviewed" => p.reviewed.push(parse_pair(v)?),
            "commit" if is_commit(v) => once(&mut p.commit, k, v.to_string())?,
            "plan" => once(
                &mut p.plan,
                k,
                match v {
                    "ok" => PlanState::Ok,
                    "invalid" => PlanState::Invalid,
                    "none" => PlanState::None,
                    _ => {
                        return Err(Unreadable(format!(
                            "`plan={}` is not ok, invalid or none",
                            shown(v)
                        )));
                    }
                },
            )?,
            "fingerprint" | "commit" => {
                return Err(Unreadable(format!("`{k}={}` is malformed", shown(v))));
            }
            // Attributes of a later edgeplan: `v=` says whether the digests compare.
            _ => {}
        }
    }
    Ok(p)
}

fn parse_applied(inner: &str) -> Result<ApplyMarker, Unreadable> {
    let mut sha = None;
    let mut a = ApplyMarker::default();
    for (k, v) in attributes(inner)? {
        match k {
            "sha" if v.bytes().all(|b| b.is_ascii_alphanumeric()) => once(&mut sha, k, v)?,
            "manifest" => once(&mut a.manifest, k, escaped_value(k, v)?)?,
            "v" => once(&mut a.version, k, version(v)?)?,
            "remaining" => a.remaining.push(parse_pair(v)?),
            "sha" => return Err(Unreadable(format!("`sha={}` is malformed", shown(v)))),
            _ => {}
        }
    }
    a.sha = sha
        .ok_or_else(|| Unreadable("the apply report's marker names no `sha`".into()))?
        .to_string();
    Ok(a)
}

fn version(v: &str) -> Result<u32, Unreadable> {
    if v.len() <= 9 && v.bytes().all(|b| b.is_ascii_digit()) {
        v.parse()
            .map_err(|_| Unreadable(format!("`v={}` is not a number", shown(v))))
    } else {
        Err(Unreadable(format!("`v={}` is not a number", shown(v))))
    }
}

/// `<zone>/<owner>:sha256:<hex>`, zone and owner escaped.
fn parse_pair(v: &str) -> Result<Pair, Unreadable> {
    let bad = || Unreadable(format!("`{}` is not <zone>/<owner>:sha256:<hex>", shown(v)));
    let (names, digest) = v.split_once(':').ok_or_else(bad)?;
    let (zone, owner) = names.split_once('/').ok_or_else(bad)?;
    let pair = Pair {
        zone: zone.to_string(),
        owner: owner.to_string(),
        digest: digest.to_string(),
    };
    if well_formed(&pair) {
        Ok(pair)
    } else {
        Err(bad())
    }
}

fn escaped_value(k: &str, v: &str) -> Result<String, Unreadable> {
    if is_escaped(v) {
        Ok(v.to_string())
    } else {
        Err(Unreadable(format!("`{k}={}` is not escaped", shown(v))))
    }
}

/// A value as it may stand in the marker: safe characters and `%XX`, no `--`.
fn is_escaped(v: &str) -> bool {
    let b = v.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' => {
                let hex = |x: Option<&u8>| {
                    x.is_some_and(|c| c.is_ascii_digit() || (b'A'..=b'F').contains(c))
                };
                if !(hex(b.get(i + 1)) && hex(b.get(i + 2))) {
                    return false;
                }
                i += 3;
                continue;
            }
            b'-' if i > 0 && b[i - 1] == b'-' => return false,
            c if c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'-' | b'/') => {}
            _ => return false,
        }
        i += 1;
    }
    !v.is_empty()
}

/// Escapes a value for the marker. `/` is kept in a manifest key (a path) but escaped in zone and
/// owner names, where it separates them.
pub(crate) fn escape(value: &str) -> String {
    escape_with(value, false)
}

/// The manifest key as the marker writes it: the same escaping as `render::comment::marker`,
/// which keeps `/`, so that this marker and the renderer's name the same preview.
pub(crate) fn escape_key(value: &str) -> String {
    escape_with(value, true)
}

fn escape_with(value: &str, keep_slash: bool) -> String {
    crate::render::comment::escape_attribute_with(value, keep_slash)
}

/// A value already escaped, checked again before it is written (a struct built by hand).
fn escape_escaped(v: &str) -> String {
    if is_escaped(v) {
        v.to_string()
    } else {
        escape_key(v)
    }
}

fn well_formed(p: &Pair) -> bool {
    is_escaped(&p.zone)
        && is_escaped(&p.owner)
        && !p.zone.contains('/')
        && !p.owner.contains('/')
        && is_digest(&p.digest)
}

fn pair_value(p: &Pair) -> String {
    format!("{}/{}:{}", p.zone, p.owner, p.digest)
}

/// A commit id: 7 to 64 hex digits.
fn is_commit(s: &str) -> bool {
    (7..=64).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// A bounded, printable excerpt of a hostile value, for a message.
fn shown(v: &str) -> String {
    let s: String = v
        .chars()
        .take(60)
        .map(|c| if c.is_ascii_graphic() { c } else { '?' })
        .collect();
    s.replace('`', "'")
}

#[cfg(test)]
#[path = "marker_tests.rs"]
mod tests;
