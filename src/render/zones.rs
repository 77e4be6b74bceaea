//! The summary table of a comment for many zones: one row per zone (zone, owner, what merge does
//! there, counts), before any zone's detail, which is then collapsed.
//!
//! A repository with a manifest per zone previews dozens to hundreds of zones in one comment;
//! a list of per-zone lines and every zone's detail open makes the verdict of one zone hard to
//! find, and GitHub cuts a comment at 65,536 characters
//! (<https://docs.github.com/en/rest/issues/comments#create-an-issue-comment>). The table is part
//! of the comment's head, which is never cut: about a hundred bytes a zone, so a hundred zones
//! take about a sixth of the budget, and the detail after it is cut to fit, with a note.

use crate::plan::verdict::Verdict;

use super::escape::code;

use super::verdict::MANY;

/// True when the run is previewed with the table.
pub(crate) fn many(verdict: &Verdict) -> bool {
    verdict.zones.len() >= MANY
}

/// The table, Markdown, ending with a blank line. Five columns at most, so it fits a pull
/// request comment: the counts of changes share one cell. Each row is one zone's verdict (its
/// counts and what the apply does there, `render::verdict::zone_cell`), read from the zone.
pub(crate) fn table(verdict: &Verdict) -> String {
    let rows = verdict.zones.iter().map(|z| {
        let counts = super::verdict::counts(&z.counts);
        vec![
            code(&z.zone),
            code(&z.owner),
            super::verdict::zone_cell(verdict, z, &code),
            if z.has_changes() {
                counts
            } else {
                "none".to_string()
            },
            z.unchanged.to_string(),
        ]
    });
    let mut out = super::escape::table(
        "| zone | owner | on merge | changes | unchanged |\n| --- | --- | --- | --- | ---: |\n",
        rows,
    );
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{self, Desired, Endpoint, Live, Zone, ZonePlan};

    fn zone_plan(name: &str, endpoints: usize) -> ZonePlan {
        let desired = Desired {
            source: format!("dns/{name}.yaml").into(),
            zone: name.into(),
            zone_id: None,
            owner: "default".into(),
            previous_owners: Vec::new(),
            endpoints: (0..endpoints)
                .map(|i| Endpoint {
                    name: format!("m{i}.{name}"),
                    target: format!("o{i}.origin.net"),
                    proxied: true,
                    ttl: 1,
                    comment: None,
                    adopt: false,
                    health: None,
                    line: i + 5,
                })
                .collect(),
        };
        let zone = Zone {
            id: format!("id-{name}"),
            name: name.into(),
            batch_limit: 200,
            comment_limit: 100,
        };
        plan::diff(
            &desired,
            &Live {
                zone,
                records: Vec::new(),
            },
        )
    }

    #[test]
    fn one_row_per_zone_with_its_verdict_and_counts() {
        let plan = crate::plan::Plan {
            zones: vec![
                zone_plan("a.example", 2),
                zone_plan("b.example", 0),
                zone_plan("c.example", 201),
            ],
        };
        assert_eq!(
            table(&Verdict::of_plan(&plan)),
            "| zone | owner | on merge | changes | unchanged |\n\
             | --- | --- | --- | --- | ---: |\n\
             | `a.example` | `default` | one atomic batch | 2 to create | 0 |\n\
             | `b.example` | `default` | no changes | none | 0 |\n\
             | `c.example` | `default` | 2 batches, not atomic | 201 to create | 0 |\n\n"
        );
    }
}
