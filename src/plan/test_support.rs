//! Plain values for the plan's unit tests.

use std::path::PathBuf;

use super::{Action, Change, Desired, Endpoint, Live, RecordData, Stored, Zone, ZonePlan};

pub fn zone() -> Zone {
    Zone {
        id: "023e105f4ecef8ad9ca31a8372d0c353".into(),
        name: "example.com".into(),
        batch_limit: 200,
        comment_limit: 100,
    }
}

pub fn zone_plan(owned: usize) -> ZonePlan {
    ZonePlan {
        source: PathBuf::from("edgeplan.yaml"),
        zone: zone(),
        owner: "ml".into(),
        previous_owners: Vec::new(),
        changes: Vec::new(),
        unchanged: 0,
        owned,
        unmanaged: 0,
        wanted: Default::default(),
        conflicts: Vec::new(),
        long_comments: Vec::new(),
        warnings: Vec::new(),
    }
}

/// A delete of `<label>.example.com` (id `id-<label>`) whose record had `comment`.
pub fn change_delete(label: &str, comment: Option<&str>) -> Change {
    Change {
        action: Action::Delete,
        name: format!("{label}.example.com"),
        kind: "CNAME".into(),
        id: Some(format!("id-{label}")),
        before: Some(RecordData {
            content: "old.example.net".into(),
            proxied: true,
            ttl: 1,
            comment: comment.map(str::to_owned),
        }),
        after: None,
    }
}

/// A proxied endpoint `<label>.example.com -> target`.
pub fn endpoint(label: &str, target: &str) -> Endpoint {
    Endpoint {
        name: format!("{label}.example.com"),
        target: target.into(),
        proxied: true,
        ttl: 1,
        comment: None,
        adopt: false,
        health: None,
        line: 1,
    }
}

pub fn desired(endpoints: Vec<Endpoint>) -> Desired {
    Desired {
        source: PathBuf::from("edgeplan.yaml"),
        zone: "example.com".into(),
        zone_id: None,
        owner: "ml".into(),
        previous_owners: Vec::new(),
        endpoints,
    }
}

pub fn record(id: &str, name: &str, kind: &str, content: &str, comment: Option<&str>) -> Stored {
    Stored {
        id: id.into(),
        name: name.into(),
        kind: kind.into(),
        data: RecordData {
            content: content.into(),
            proxied: kind != "TXT",
            ttl: 1,
            comment: comment.map(str::to_owned),
        },
    }
}

pub fn live(records: Vec<Stored>) -> Live {
    Live {
        zone: zone(),
        records,
    }
}
