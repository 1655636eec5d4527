//! Reports that explain: every violation names its cause and the fields involved, a
//! broken bound names its invoices, and maintenance windows and migrations appear in
//! every format.

use std::path::Path;

use harness::check::{check, CheckResult};
use harness::outcome::{ClientExit, RunRecord};
use harness::report::{
    render_flagged_csv, render_html, render_json, render_junit, render_markdown,
    render_violations_csv, terminal_summary, write_all,
};
use tax_api::{Integrity, LedgerStatus, StoreEffect};

use crate::report::failing_run;
use crate::support::{self, issue, list, request, store};

/// Every format of one run, named; Markdown with its escapes removed.
fn every_format(run: &RunRecord, result: &CheckResult) -> Vec<(&'static str, String)> {
    vec![
        ("terminal", terminal_summary(run, result, Path::new("r"))),
        ("summary.md", render_markdown(run, result).replace('\\', "")),
        ("junit.xml", render_junit(run, result).unwrap()),
        ("report.html", render_html(run, result)),
        ("report.json", render_json(run, result).unwrap()),
    ]
}

fn violation<'a>(json: &'a serde_json::Value, number: &str) -> &'a serde_json::Value {
    json["violations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["number"] == number)
        .unwrap_or_else(|| panic!("no violation {number}"))
}

#[test]
fn each_violation_names_its_cause_and_what_the_platform_lacks_or_altered() {
    let run = failing_run();

    let json: serde_json::Value =
        serde_json::from_str(&render_json(&run, &check(&run)).unwrap()).unwrap();

    let lost = violation(&json, "B-2");
    assert_eq!(
        lost["cause"],
        serde_json::json!({"rule": "r-drop", "kind": "drop_after_ack", "seq": 1})
    );
    let partial = violation(&json, "C-3");
    assert_eq!(partial["missing_fields"], serde_json::json!(["lines"]));
    assert_eq!(partial["cause"]["kind"], "partial_write");
    let corrupted = violation(&json, "E-5");
    assert_eq!(
        corrupted["differing_fields"],
        serde_json::json!([{
            "field": "buyer_name",
            "expected": "Beijing Example Trading Co.",
            "actual": "Altered Co."
        }])
    );
    assert_eq!(violation(&json, "F-6")["copies"], 2);
    assert_eq!(
        violation(&json, "G-7")["cause"],
        serde_json::json!({"rule": "upgrade", "kind": "migration", "seq": null})
    );
    assert_eq!(lost["copies"], serde_json::Value::Null);
}

#[test]
fn a_lost_invoice_headline_names_the_drop_after_ack_that_took_it_in_every_format() {
    let run = failing_run();
    let result = check(&run);

    for (name, text) in every_format(&run, &result) {
        assert!(
            text.contains("drop_after_ack rule r-drop"),
            "{name}: {text}"
        );
        assert!(text.contains("without lines"), "{name}: {text}");
        assert!(
            text.contains("buyer_name Beijing Example Trading Co. → Altered Co."),
            "{name}: {text}"
        );
    }
}

#[test]
fn a_long_differing_value_is_truncated() {
    let mut run = support::run();
    issue(&mut run, "X-1", true);
    list(&mut run, "X-1", LedgerStatus::Confirmed, None);
    store(&mut run, "X-1", Integrity::Corrupted, None);
    let stored = run.truth.as_mut().unwrap().records[0]
        .stored
        .as_mut()
        .unwrap();
    stored.buyer_name = "B".repeat(500);

    let result = check(&run);

    let diff = &result.violations[0].differing_fields[0];
    assert_eq!(diff.field, "buyer_name");
    assert!(
        diff.actual.ends_with('…') && diff.actual.chars().count() < 60,
        "{diff:?}"
    );
}

/// A run whose only failure is the false-flag bound: two intact invoices flagged.
fn false_flag_run() -> RunRecord {
    let mut run = support::run();
    for n in ["OK-1", "FF-2", "FF-3"] {
        issue(&mut run, n, true);
        store(&mut run, n, Integrity::Intact, None);
        request(&mut run, Some(n), None, Some(201), StoreEffect::Stored);
    }
    list(&mut run, "OK-1", LedgerStatus::Confirmed, None);
    list(
        &mut run,
        "FF-2",
        LedgerStatus::Flagged,
        Some("read-back timed out"),
    );
    list(
        &mut run,
        "FF-3",
        LedgerStatus::Flagged,
        Some("no answer to the upload"),
    );
    run
}

#[test]
fn a_run_failing_only_on_false_flags_names_the_flagged_invoices_in_every_format() {
    let run = false_flag_run();
    let result = check(&run);
    assert_eq!(result.verdict, harness::check::Verdict::Fail);
    assert!(result.violations.is_empty());

    for (name, text) in every_format(&run, &result) {
        for n in ["FF-2", "FF-3"] {
            assert!(text.contains(n), "{name} does not name {n}: {text}");
        }
        assert!(text.contains("read-back timed out"), "{name}: {text}");
        assert!(
            !text.contains("OK-1 "),
            "{name} names an invoice kept intact"
        );
    }
    let json: serde_json::Value =
        serde_json::from_str(&render_json(&run, &result).unwrap()).unwrap();
    let behind = &json["bound_invoices"];
    assert_eq!(behind.as_array().unwrap().len(), 2);
    assert_eq!(behind[0]["bound"], "false_flag_ratio");
    assert_eq!(behind[0]["number"], "FF-2");
    assert_eq!(behind[0]["client_reason"], "read-back timed out");
    assert_eq!(behind[0]["chain"][0]["number"], "FF-2");
    let csv = render_flagged_csv(&result).unwrap();
    assert_eq!(csv.lines().count(), 3, "{csv}");
    assert!(
        csv.contains("FF-3,91110000MA01ABCD1X,no answer to the upload,intact"),
        "{csv}"
    );
}

#[test]
fn false_flags_within_their_bound_name_no_bound_invoice() {
    let mut run = false_flag_run();
    run.expect.max_false_flag_ratio = 0.9;

    let result = check(&run);

    assert_eq!(result.verdict, harness::check::Verdict::Pass);
    assert!(result.bound_invoices.is_empty());
    assert_eq!(result.false_flags.len(), 2, "still listed for flagged.csv");
}

#[test]
fn migrations_report_what_they_took_and_what_the_client_caught_in_every_format() {
    let run = failing_run();
    let result = check(&run);

    let json: serde_json::Value =
        serde_json::from_str(&render_json(&run, &result).unwrap()).unwrap();

    assert_eq!(
        json["maintenance"],
        serde_json::json!({
            "windows": [{"name": "upgrade", "start_ms": 1500, "end_ms": 3500, "reads_allowed": false}],
            "migrations": [{
                "name": "upgrade", "kind": "lose 20%, strip_lines 20%", "since": "checkpoint",
                "eligible": 5, "lost": 1, "stripped": 1, "reverted": 0, "caught": 1, "missed": 1
            }]
        })
    );
    for (name, text) in every_format(&run, &result) {
        assert!(text.contains("upgrade"), "{name}: {text}");
        assert!(
            text.contains("1500"),
            "{name}: window start missing: {text}"
        );
    }
    for (name, text) in every_format(&run, &result).into_iter().take(3) {
        assert!(
            text.contains(
                "5 eligible, 1 lost, 1 stripped, 0 reverted; the client caught 1, missed 1"
            ) || text.contains(
                "| upgrade | lose 20%, strip_lines 20% | checkpoint | 5 | 1 | 1 | 0 | 1 | **1** |"
            ),
            "{name}: {text}"
        );
    }
}

#[test]
fn a_migration_touching_no_judged_invoice_counts_nothing_caught_or_missed() {
    let mut run = failing_run();
    run.migrations[0].lost = vec!["someone-else/Z-9".into()];
    run.migrations[0].stripped.clear();

    let m = &check(&run).maintenance.migrations[0];

    assert_eq!((m.lost, m.caught, m.missed), (1, 0, 0));
}

#[test]
fn violations_csv_lists_every_violation_however_many_the_other_formats_show() {
    let mut run = support::run();
    for i in 0..25 {
        let n = format!("L-{i}");
        issue(&mut run, &n, true);
        list(
            &mut run,
            &n,
            LedgerStatus::Confirmed,
            Some("ok, \"quoted\""),
        );
    }

    let csv = render_violations_csv(&check(&run)).unwrap();

    assert_eq!(csv.lines().count(), 26);
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(&rows[24][0], "L-24");
    assert_eq!(&rows[24][2], "LOST");
    assert_eq!(
        &rows[24][6], "ok, \"quoted\"",
        "a reason with a comma survives"
    );
}

#[test]
fn write_all_writes_both_csv_files() {
    let dir = tempfile::tempdir().unwrap();
    let run = failing_run();

    let paths = write_all(&dir.path().join("run"), &run, &check(&run)).unwrap();

    let violations = std::fs::read_to_string(&paths.violations_csv).unwrap();
    let flagged = std::fs::read_to_string(&paths.flagged_csv).unwrap();
    assert_eq!(violations.lines().count(), 1 + check(&run).violations.len());
    assert_eq!(flagged.lines().count(), 2);
    assert!(flagged.contains("D-4"));
}

#[test]
fn the_terminal_counts_client_exits_as_exits_not_invoices() {
    let mut run = failing_run();
    run.lifecycle.client_exits.push(ClientExit {
        at_ms: 500,
        code: Some(3),
        signal: None,
        restarted: false,
        log_tail: Vec::new(),
        ledger_read_at_ms: None,
        accepted_after_ledger: 0,
    });

    let text = terminal_summary(&run, &check(&run), Path::new("r"));

    assert!(!text.contains("invoices\n"), "{text}");
    let row = text.lines().find(|l| l.contains("CLIENT_EXITED")).unwrap();
    assert!(row.contains("1 exits"), "{row}");
}

#[test]
fn the_class_tables_say_how_many_violations_each_rule_caused() {
    let run = failing_run();
    let result = check(&run);

    let terminal = terminal_summary(&run, &result, Path::new("r"));
    let summary = render_markdown(&run, &result);

    let row = terminal.lines().find(|l| l.contains("LOST")).unwrap();
    assert!(row.ends_with("<- r-drop 1, upgrade 1"), "{row}");
    assert!(
        summary.contains(
            "| the client confirmed it but the platform holds nothing | r-drop 1, upgrade 1 |"
        ),
        "{summary}"
    );
    assert!(render_junit(&run, &result)
        .unwrap()
        .contains("LOST: observed 2, allowed 0; caused by r-drop 1, upgrade 1"));
}

#[test]
fn an_unnamed_window_is_matched_to_the_last_migration_the_platform_named_for_it() {
    let mut run = failing_run();
    run.plan["maintenance"][0]
        .as_object_mut()
        .unwrap()
        .remove("name");
    let mut earlier = run.migrations[0].clone();
    earlier.window = "maintenance#1".into();
    earlier.eligible = 99;
    run.migrations[0].window = "maintenance#2".into();
    run.migrations.insert(0, earlier);

    let m = check(&run).maintenance;

    assert_eq!(m.migrations.len(), 1, "{m:?}");
    assert_eq!(m.migrations[0].name, "maintenance#2");
    assert_eq!(m.migrations[0].eligible, 5);
    assert_eq!(m.migrations[0].kind, "lose 20%, strip_lines 20%");
    assert_eq!(m.windows[0].name, None);
}
