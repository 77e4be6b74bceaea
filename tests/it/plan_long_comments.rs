//! The record comment limit is the zone's: validation allows what the most generous plan accepts
//! (500 characters with the marker), and the plan refuses what this zone does not (a Free zone
//! 100), with the manifest line, so the preview says what merge will meet.

use crate::support::harness::World;

const LONG: &str = "a model comment that is long enough to pass validation but not a Free zone's limit of one hundred characters";

#[test]
fn a_comment_too_long_for_a_free_zone_refuses_plan_apply_and_preview() {
    let w = World::for_action();
    w.manifest(&format!(
        "  - name: sentiment\n    target: sentiment.elb.amazonaws.com\n    comment: {LONG}\n"
    ));
    w.run(&["validate"]).expect(0);

    let plan = w.run(&["plan"]).expect(1);
    plan.assert_stderr_has(
        "edgeplan.yaml:4:1: sentiment.example.com: the record comment with its ownership marker is 127 characters",
    );
    plan.assert_stderr_has("this zone accepts at most 100");
    plan.assert_stderr_has("help: shorten the endpoint's comment by");

    // The plan JSON says so too, at the manifest line; the summary counts no conflict.
    let json = w.run(&["plan", "--format", "json"]).expect(1);
    let doc: serde_json::Value = serde_json::from_str(&json.stdout).expect("plan JSON");
    let long = &doc["zones"][0]["long_comments"];
    assert_eq!(long.as_array().map(Vec::len), Some(1), "{doc}");
    assert_eq!(long[0]["name"], "sentiment.example.com");
    assert_eq!(long[0]["line"], 4);
    assert_eq!(long[0]["length"], 127);
    assert_eq!(long[0]["limit"], 100);
    assert!(
        long[0]["help"]
            .as_str()
            .is_some_and(|h| h.starts_with("shorten"))
    );

    let apply = w.apply().expect(1);
    apply.assert_stderr_has("this zone accepts at most 100");
    assert!(w.batches().is_empty(), "a refused plan writes nothing");

    let ran = w.pull_request("pull_request.opened.json").run_checked(1);
    ran.assert_summary_has("Merge will be refused: 1 comment too long for `example.com`");
    ran.assert_stdout_has("::error file=edgeplan.yaml,line=4");
    // The comment names the line, linked to the manifest at the commit the preview read.
    ran.assert_summary_has("edgeplan.yaml#L4) comment too long for the zone:");
}
