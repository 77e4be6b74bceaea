//! What merge (or the next apply) would do, computed once from the whole outcome, and its words:
//! every presenter says it the same way.

use crate::health::Refusal;
use crate::plan::MassDelete;

/// Whether the origin probes ran for this outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origins {
    Checked,
    /// Probes were off (`skip-health`, `--skip-health`): the verdict cannot promise an apply.
    NotChecked,
}

/// Why merge would refuse a zone.
#[derive(Debug, Clone)]
pub enum Reason {
    /// This many names are held by records edgeplan may not touch.
    Conflicts(usize),
    /// The safety limit on deletes (with the `allow-deletes` the run was given).
    MassDelete(MassDelete),
    /// This many endpoints have a comment longer than the zone accepts.
    LongComments(usize),
}

/// What merge would do in one zone.
#[derive(Debug, Clone)]
pub struct ZoneVerdict {
    pub zone: String,
    pub changes: usize,
    /// Batch requests the apply sends: 1 is one transaction, more are not atomic together.
    pub chunks: usize,
    /// The zone's batch limit (changes per request).
    pub limit: usize,
    /// Empty unless this zone alone would stop the merge's apply.
    pub refused: Vec<Reason>,
}

/// What merge would do, computed once from the whole outcome ([`Outcome::verdict`]). Apply
/// refuses the whole run (every zone) when any zone is refused or any origin failed its probe.
#[derive(Debug, Clone)]
pub struct Verdict {
    pub zones: Vec<ZoneVerdict>,
    /// Why apply will not point DNS at the origins, when a probe failed.
    pub origin: Option<Refusal>,
    /// The names whose origin failed its probe.
    pub failed_origins: Vec<String>,
    pub origins: Origins,
}

impl Verdict {
    /// True when merge would refuse to apply anything: the preview then exits 1.
    pub fn refused(&self) -> bool {
        self.origin.is_some() || self.zones.iter().any(|z| !z.refused.is_empty())
    }

    pub fn has_changes(&self) -> bool {
        self.zones.iter().any(|z| z.changes > 0)
    }

    /// The verdict in words: a headline, then one line per zone (and per refusal reason).
    /// `code` formats a value (a code span in Markdown, the value itself in a terminal).
    /// `drift` words it for a run that is not a pull request: what the next apply would do.
    pub fn words(&self, code: &dyn Fn(&str) -> String, drift: bool) -> (String, Vec<String>) {
        (self.headline(code, drift), self.detail(code, true))
    }

    /// The detail lines as an apply that was refused says them (about its own inputs, not
    /// assumed ones).
    pub fn refusal_lines(&self, code: &dyn Fn(&str) -> String) -> Vec<String> {
        self.detail(code, false)
    }

    /// The one line that says what merge (or the next apply) does.
    fn headline(&self, code: &dyn Fn(&str) -> String, drift: bool) -> String {
        let total: usize = self.zones.iter().map(|z| z.changes).sum();
        let next = if drift { "The next apply" } else { "Merge" };
        if self.refused() {
            let why = self.reasons(code);
            let verb = if drift {
                "would be refused"
            } else {
                "will be refused"
            };
            format!("{next} {verb}: {why}")
        } else if total == 0 {
            if drift {
                "No drift: every zone matches the manifests.".to_string()
            } else {
                "Merge changes nothing: every zone already matches the manifests.".to_string()
            }
        } else {
            let with_changes: Vec<&ZoneVerdict> =
                self.zones.iter().filter(|z| z.changes > 0).collect();
            let how = |z: &ZoneVerdict| {
                if z.chunks <= 1 {
                    "in one atomic batch".to_string()
                } else {
                    format!("in {} batches, not atomic", z.chunks)
                }
            };
            let mut h = match with_changes.as_slice() {
                [z] if drift => format!(
                    "Drift: {total} record{} from the manifests; the next apply would make {total} change{} to {} {}",
                    if total == 1 { " differs" } else { "s differ" },
                    plural(total),
                    code(&z.zone),
                    how(z)
                ),
                zs if drift => format!(
                    "Drift: {total} records differ from the manifests in {} zones; the next apply would make one transaction per zone at most (never across zones)",
                    zs.len()
                ),
                [z] => format!(
                    "Merge applies {} change{} to {} {}",
                    z.changes,
                    plural(z.changes),
                    code(&z.zone),
                    how(z)
                ),
                zs => format!(
                    "Merge applies {total} changes to {} zones, one transaction per zone at most (never across zones)",
                    zs.len()
                ),
            };
            if self.origins == Origins::NotChecked {
                h.push_str(", if the origins pass their checks (not checked here)");
            }
            h
        }
    }

    /// Why merge (or an apply) is refused, in one clause: failed origins, then each zone's
    /// reasons (empty when nothing refuses it).
    /// One short cell per zone, in plan order, for a table of many zones: what merge does there.
    pub fn zone_words(&self, code: &dyn Fn(&str) -> String) -> Vec<String> {
        self.zones
            .iter()
            .map(|z| {
                let refused: Vec<String> = z
                    .refused
                    .iter()
                    .map(|r| match r {
                        Reason::Conflicts(n) => format!("{n} conflict{}", plural(*n)),
                        Reason::MassDelete(m) => format!(
                            "{} deletes over the limit of {} ({})",
                            m.deletes,
                            m.limit,
                            code("allow-deletes: false")
                        ),
                        Reason::LongComments(n) => format!("{n} comment{} too long", plural(*n)),
                    })
                    .collect();
                if !refused.is_empty() {
                    format!("**refused**: {}", refused.join(", "))
                } else if z.changes == 0 {
                    "no changes".into()
                } else if z.chunks <= 1 {
                    "one atomic batch".into()
                } else {
                    format!("{} batches, not atomic", z.chunks)
                }
            })
            .collect()
    }

    pub fn reasons(&self, code: &dyn Fn(&str) -> String) -> String {
        let mut why = Vec::new();
        if !self.failed_origins.is_empty() {
            let names: Vec<String> = self.failed_origins.iter().map(|n| code(n)).collect();
            why.push(format!("origin check failed for {}", names.join(", ")));
        }
        for z in &self.zones {
            for r in &z.refused {
                why.push(match r {
                    Reason::Conflicts(n) => {
                        format!("{} conflict{} in {}", n, plural(*n), code(&z.zone))
                    }
                    Reason::MassDelete(m) => format!(
                        "{} of {} owned records in {} would be deleted",
                        m.deletes,
                        m.owned,
                        code(&z.zone)
                    ),
                    Reason::LongComments(n) => {
                        format!("{n} comment{} too long for {}", plural(*n), code(&z.zone))
                    }
                });
            }
        }
        why.join("; ")
    }

    /// The lines under the headline: per zone, and what to do about a refusal.
    fn detail(&self, code: &dyn Fn(&str) -> String, preview: bool) -> Vec<String> {
        let mut lines = Vec::new();
        for z in &self.zones {
            if z.changes > 0 && z.refused.is_empty() && z.chunks > 1 {
                lines.push(format!(
                    "{}: {} changes go in {} batch requests (the zone takes at most {} per batch). Each batch is atomic, the whole is not: a failure part-way leaves the earlier batches applied; re-running the apply finishes the rest.",
                    code(&z.zone),
                    z.changes,
                    z.chunks,
                    z.limit
                ));
            } else if (2..crate::render::zones::MANY).contains(&self.zones.len())
                && z.refused.is_empty()
            {
                // From MANY zones on, the comment's table says this per zone.
                lines.push(if z.changes == 0 {
                    format!("{}: no changes.", code(&z.zone))
                } else {
                    format!(
                        "{}: {} change{} in one atomic batch.",
                        code(&z.zone),
                        z.changes,
                        plural(z.changes)
                    )
                });
            }
            for r in &z.refused {
                lines.push(match r {
                    Reason::Conflicts(n) => format!(
                        "{}: refused, {} name{} held by records edgeplan does not own (see the conflicts below).",
                        code(&z.zone),
                        n,
                        plural(*n)
                    ),
                    Reason::LongComments(n) => format!(
                        "{}: refused, {} endpoint comment{} with the ownership marker longer than the zone accepts (Free plans 100 characters, paid 500): Cloudflare would refuse the write. Shorten them in the manifest.",
                        code(&z.zone),
                        n,
                        plural(*n)
                    ),
                    Reason::MassDelete(m) => format!(
                        "{}: refused, {} deletes of {} owned records exceed the safety limit of {}. {}; if the deletes are intended, set the action input {} on the apply job{}.",
                        code(&z.zone),
                        m.deletes,
                        m.owned,
                        m.limit,
                        if preview {
                            format!("This preview assumed {} as the apply job's input", code("allow-deletes: false"))
                        } else {
                            format!("This apply ran with {}", code("allow-deletes: false"))
                        },
                        code("allow-deletes: true"),
                        if preview { "" } else { " and run it again" }
                    ),
                });
            }
        }
        if !self.failed_origins.is_empty() {
            lines.push(format!(
                "Apply refuses to point DNS at an origin whose health check fails: bring it up or fix its {} path in the manifest, or set the action input {} to apply anyway.",
                code("health"),
                code("skip-health: true")
            ));
        }
        if self.origins == Origins::NotChecked && self.has_changes() {
            lines.push(if preview {
                format!(
                    "Origins not checked (probes off): the apply job checks them before applying, unless it sets {}, and refuses an origin that fails.",
                    code("skip-health: true")
                )
            } else {
                format!(
                    "Origins not checked: this apply ran with {}.",
                    code("skip-health: true")
                )
            });
        }
        lines
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zone(changes: usize, chunks: usize, refused: Vec<Reason>) -> ZoneVerdict {
        ZoneVerdict {
            zone: "example.com".into(),
            changes,
            chunks,
            limit: 200,
            refused,
        }
    }

    #[test]
    fn each_zone_gets_the_words_apply_would_act_on() {
        let verdict = Verdict {
            zones: vec![
                zone(3, 1, vec![]),
                zone(0, 0, vec![]),
                zone(450, 3, vec![]),
                zone(
                    4,
                    1,
                    vec![
                        Reason::Conflicts(2),
                        Reason::MassDelete(MassDelete {
                            deletes: 4,
                            owned: 4,
                            limit: 2,
                            owner: "ml".into(),
                            zone: "example.com".into(),
                            manifest: "edgeplan.yaml".into(),
                        }),
                    ],
                ),
            ],
            origin: None,
            failed_origins: Vec::new(),
            origins: Origins::Checked,
        };
        let code = |s: &str| format!("`{s}`");
        assert_eq!(
            verdict.zone_words(&code),
            [
                "one atomic batch",
                "no changes",
                "3 batches, not atomic",
                "**refused**: 2 conflicts, 4 deletes over the limit of 2 (`allow-deletes: false`)",
            ]
        );
    }
}
