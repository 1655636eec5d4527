//! Report writers: golden files for JSON, JUnit and Markdown, and the properties the
//! HTML page, the journal and the terminal summary must keep.
//! `UPDATE_GOLDEN=1 cargo test -p harness --test integration` regenerates the goldens.

use std::path::{Path, PathBuf};

use harness::check::check;
use harness::outcome::{JournalBudget, RunRecord, TimelineEvent};
use harness::report::{
    render_flagged_csv, render_html, render_journal, render_json, render_junit, render_markdown,
    render_violations_csv, replay_caveat, replay_command, terminal_summary, write_all,
};
use tax_api::control::MigrationReport;
use tax_api::{Integrity, JournalEntry, LedgerStatus, StoreEffect};

use crate::support::{self, fired, issue, list, request, store};

fn golden(name: &str, actual: &str) {
    let path: PathBuf = [env!("CARGO_MANIFEST_DIR"), "tests", "golden", name]
        .iter()
        .collect();
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; run with UPDATE_GOLDEN=1 to create it",
            path.display()
        )
    });
    assert!(
        expected == actual,
        "{} differs from the rendered output; rerun with UPDATE_GOLDEN=1 if the change is intended\n--- rendered ---\n{actual}",
        path.display()
    );
}

fn event(at_ms: u64, kind: &str, detail: &str) -> TimelineEvent {
    TimelineEvent {
        at_ms,
        kind: kind.into(),
        detail: detail.into(),
    }
}

/// A failing run with a lost and a partial invoice, a false flag and a rule that never
/// fired; a corrupted and a duplicated invoice; and a maintenance window whose migration
/// lost one invoice the client missed and stripped one it flagged.
pub(crate) fn failing_run() -> RunRecord {
    let mut run = support::run();
    run.scenario = "golden-rehearsal".into();
    run.description = "maintenance <window> & \"2% loss\" | while issuing".into();
    for n in ["A-1", "B-2", "C-3", "D-4", "E-5", "F-6", "G-7", "H-8"] {
        issue(&mut run, n, true);
    }
    list(&mut run, "A-1", LedgerStatus::Confirmed, None);
    list(&mut run, "B-2", LedgerStatus::Confirmed, None);
    list(&mut run, "C-3", LedgerStatus::Confirmed, None);
    list(
        &mut run,
        "D-4",
        LedgerStatus::Flagged,
        Some("read-back timed out"),
    );
    store(&mut run, "A-1", Integrity::Intact, None);
    store(&mut run, "C-3", Integrity::Partial, Some("r-partial"));
    store(&mut run, "D-4", Integrity::Intact, None);
    request(&mut run, Some("A-1"), None, Some(201), StoreEffect::Stored);
    request(
        &mut run,
        Some("B-2"),
        Some(("r-drop", "drop_after_ack")),
        Some(201),
        StoreEffect::Dropped,
    );
    request(
        &mut run,
        Some("C-3"),
        Some(("r-partial", "partial_write")),
        Some(201),
        StoreEffect::StoredPartial,
    );
    request(&mut run, Some("D-4"), None, Some(201), StoreEffect::Stored);
    list(&mut run, "E-5", LedgerStatus::Confirmed, None);
    list(&mut run, "F-6", LedgerStatus::Confirmed, None);
    list(&mut run, "G-7", LedgerStatus::Confirmed, None);
    list(
        &mut run,
        "H-8",
        LedgerStatus::Flagged,
        Some("lines missing on read-back"),
    );
    store(&mut run, "E-5", Integrity::Corrupted, Some("r-corrupt"));
    store(&mut run, "F-6", Integrity::Duplicated, Some("r-twice"));
    store(
        &mut run,
        "G-7",
        Integrity::LostInMigration,
        Some("upgrade (lost)"),
    );
    store(
        &mut run,
        "H-8",
        Integrity::Partial,
        Some("upgrade (lines stripped)"),
    );
    request(
        &mut run,
        Some("E-5"),
        Some(("r-corrupt", "corrupt")),
        Some(201),
        StoreEffect::StoredCorrupted,
    );
    request(
        &mut run,
        Some("F-6"),
        Some(("r-twice", "duplicate")),
        Some(201),
        StoreEffect::StoredDuplicate,
    );
    request(&mut run, Some("G-7"), None, Some(201), StoreEffect::Stored);
    request(&mut run, Some("H-8"), None, Some(201), StoreEffect::Stored);
    request(
        &mut run,
        None,
        Some(("upgrade", "migration")),
        None,
        StoreEffect::Migration,
    );
    fired(&mut run, "r-drop", "drop_after_ack", 1);
    fired(&mut run, "r-partial", "partial_write", 1);
    fired(&mut run, "r-corrupt", "corrupt", 1);
    fired(&mut run, "r-twice", "duplicate", 1);
    fired(&mut run, "r-never", "duplicate", 0);
    run.expect.max_false_flag_ratio = 0.1;
    run.plan = serde_json::json!({"faults": [], "maintenance": [{
        "name": "upgrade",
        "duration": "2s",
        "reads": true,
        "migration": {"lose": 0.2, "strip_lines": 0.2, "since": "checkpoint"}
    }]});
    run.migrations = vec![MigrationReport {
        window: "upgrade".into(),
        ended_at_ms: 3500,
        eligible: 5,
        lost: vec![format!("{}/G-7", support::SELLER)],
        stripped: vec![format!("{}/H-8", support::SELLER)],
        reverted: Vec::new(),
    }];
    run.timeline = vec![
        event(0, "step", "issue 4 invoices"),
        event(1500, "maintenance_start", "2 s, lose 2%"),
        event(3500, "maintenance_end", "migration lost 0 records"),
        event(9000, "settle", "nothing pending"),
    ];
    run
}

#[test]
fn json_report_matches_its_golden_file() {
    let run = failing_run();
    golden("report.json", &render_json(&run, &check(&run)).unwrap());
}

#[test]
fn junit_report_matches_its_golden_file() {
    let run = failing_run();
    golden("junit.xml", &render_junit(&run, &check(&run)).unwrap());
}

#[test]
fn markdown_summary_matches_its_golden_file() {
    let run = failing_run();
    golden("summary.md", &render_markdown(&run, &check(&run)));
}

#[test]
fn violations_csv_matches_its_golden_file() {
    let run = failing_run();
    golden(
        "violations.csv",
        &render_violations_csv(&check(&run)).unwrap(),
    );
}

#[test]
fn flagged_csv_matches_its_golden_file() {
    let run = failing_run();
    golden("flagged.csv", &render_flagged_csv(&check(&run)).unwrap());
}

#[test]
fn json_report_carries_verdict_counts_chains_and_replay() {
    let run = failing_run();

    let json: serde_json::Value =
        serde_json::from_str(&render_json(&run, &check(&run)).unwrap()).unwrap();

    assert_eq!(json["verdict"], "fail");
    assert_eq!(json["exit_code"], 1);
    assert_eq!(json["seed"], 7);
    assert_eq!(json["counts"]["LOST"], 2);
    assert_eq!(json["counts"]["SILENT_PARTIAL"], 1);
    assert_eq!(json["counts"]["false_flag"], 1);
    assert_eq!(json["violations"][0]["chain"][0]["rule"], "r-drop");
    assert_eq!(json["inconclusive"][0]["kind"], "fault_never_fired");
    assert_eq!(
        json["replay"],
        "invoice-chaos run scenarios/unit.toml --seed 7 --client-mode robust"
    );
    let keys: Vec<&String> = json.as_object().unwrap().keys().collect();
    assert_eq!(keys[0], "schema");
    let tail: Vec<&str> = keys[keys.len() - 5..].iter().map(|k| k.as_str()).collect();
    assert_eq!(
        tail,
        [
            "replay",
            "journal_budget",
            "interrupted",
            "client_exits",
            "notes"
        ]
    );
    assert!(json["journal_budget"].is_null());
    assert_eq!(json["interrupted"], serde_json::Value::Null);
    assert_eq!(json["client_exits"], serde_json::json!([]));
}

#[test]
fn a_platform_journal_that_dropped_entries_is_reported_and_warned_about() {
    let mut run = failing_run();
    run.journal_budget = Some(JournalBudget {
        dropped: 12,
        first_dropped_at_ms: Some(3400),
        limit_bytes: 4096,
    });
    let result = check(&run);

    let json: serde_json::Value =
        serde_json::from_str(&render_json(&run, &result).unwrap()).unwrap();
    let summary = render_markdown(&run, &result);
    let terminal = terminal_summary(&run, &result, Path::new("reports/x"));

    assert_eq!(
        json["journal_budget"],
        serde_json::json!({"dropped": 12, "first_dropped_at_ms": 3400, "limit_bytes": 4096})
    );
    for text in [&summary, &terminal] {
        assert!(text.contains("dropped 12 entries"), "{text}");
        assert!(text.contains("--journal-limit"), "{text}");
    }
    // The chains are incomplete, but the verdict comes from truth and ledger.
    assert_eq!(result.verdict, check(&failing_run()).verdict);
}

#[test]
fn html_report_is_self_contained_and_escapes_user_text() {
    let mut run = failing_run();
    run.scenario = "<script>alert(1)</script>".into();
    run.ledger.as_mut().unwrap().entries[1].reason = Some("<img src=x onerror=alert(2)>".into());

    let html = render_html(&run, &check(&run));

    assert_eq!(
        html.matches("<script>").count(),
        1,
        "only the page's own filter script"
    );
    assert!(html.contains("Content-Security-Policy"), "loads nothing");
    assert!(!html.contains("<img"));
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(html.contains("&lt;img src=x"));
    assert!(!html.contains(" src=\""), "no external assets");
    assert!(!html.contains("href="), "no external assets");
    assert!(!html.contains("<link"));
    assert!(html.contains("<svg"));
    assert!(
        html.contains("class=\"maintenance\""),
        "maintenance window drawn"
    );
    assert!(html.contains("class=\"fault\""), "fault fires drawn");
    assert!(
        html.contains("drop_after_ack (rule r-drop)"),
        "chains shown"
    );
}

#[test]
fn html_report_matches_its_golden_file() {
    let run = failing_run();
    golden("report.html", &render_html(&run, &check(&run)));
}

#[test]
fn html_timeline_gives_each_fault_kind_and_violation_class_a_lane_and_marks_causing_fires() {
    let run = failing_run();

    let html = render_html(&run, &check(&run));

    assert!(
        html.contains("data-kind=\"drop_after_ack\""),
        "a lane per kind"
    );
    assert!(
        html.contains("data-kind=\"partial_write\""),
        "a lane per kind"
    );
    assert_eq!(
        html.matches("<path class=\"cause\"").count(),
        5,
        "the fires behind LOST B-2, SILENT_PARTIAL C-3, SILENT_CORRUPTION E-5, \
         DUPLICATE F-6 and the migration's LOST G-7"
    );
    assert!(html.contains("caused LOST B-2"));
    assert!(html.contains("rect class=\"violation\" data-class=\"LOST\""));
    assert!(html.contains("rect class=\"violation\" data-class=\"SILENT_PARTIAL\""));
    for label in ["step", "maintenance", "settle"] {
        assert!(
            html.contains(&format!(">{label}</text></g>")),
            "step marker {label} labelled"
        );
    }
    assert!(
        html.contains("Fault kinds:"),
        "a legend of the kinds' colours"
    );
}

#[test]
fn html_violations_carry_class_and_cause_and_all_show_without_scripts() {
    let run = failing_run();

    let html = render_html(&run, &check(&run));

    assert!(html.contains("data-class=\"LOST\" data-cause=\"r-drop\""));
    assert!(html.contains("data-class=\"SILENT_PARTIAL\" data-cause=\"r-partial\""));
    assert!(
        html.contains("<form id=filter hidden>"),
        "controls need the script"
    );
    assert!(html.contains("<option>r-drop</option>"));
    assert!(!html.contains("<details hidden"));
    assert!(
        !html.contains("\" hidden"),
        "nothing is hidden before the script runs"
    );
}

#[test]
fn html_of_a_run_without_fires_or_violations_says_so() {
    let mut run = support::run();
    issue(&mut run, "A-1", true);
    list(&mut run, "A-1", LedgerStatus::Confirmed, None);
    store(&mut run, "A-1", Integrity::Intact, None);

    let html = render_html(&run, &check(&run));

    assert!(html.contains("No violations."));
    assert!(html.contains(">no fault fired</text>"));
    assert!(html.contains(">no violations</text>"));
    assert!(!html.contains("<form id=filter"), "nothing to filter");
}

#[test]
fn the_index_lists_every_run_newest_first_and_names_a_broken_report() {
    let reports = tempfile::tempdir().unwrap();
    let mut older = failing_run();
    older.scenario = "older".into();
    let newer = failing_run();
    let mut newer = newer;
    newer.started_at += chrono::Duration::hours(1);
    newer.finished_at += chrono::Duration::hours(1);

    harness::judge::judge(&older, &reports.path().join("older-run")).unwrap();
    harness::judge::judge(&newer, &reports.path().join("newer run")).unwrap();
    std::fs::create_dir(reports.path().join("broken")).unwrap();
    std::fs::write(reports.path().join("broken/report.json"), "{ not json").unwrap();
    std::fs::create_dir(reports.path().join("not-a-run")).unwrap();
    let index = harness::report::write_index(reports.path()).unwrap();

    let html = std::fs::read_to_string(index).unwrap();
    let newer_at = html
        .find("href=\"newer%20run/report.html\"")
        .expect("newer linked");
    let older_at = html
        .find("href=\"older-run/report.html\"")
        .expect("older linked");
    assert!(newer_at < older_at, "newest first");
    assert!(
        html.contains("unreadable: "),
        "a broken report is named, not skipped"
    );
    assert!(
        html.contains("broken/report.json:1:"),
        "with the place of the error"
    );
    assert!(
        !html.contains("not-a-run"),
        "folders without a report are not runs"
    );
    assert!(html.contains("<th>LOST</th>") && html.contains("<th>SILENT_PARTIAL</th>"));
    assert!(
        !html.contains("<th>UNRESOLVED</th>"),
        "only classes some run has"
    );
    assert!(html.contains("<td>reference robust</td>"));
}

#[test]
fn every_writer_renders_the_same_bytes_for_the_same_run() {
    let run = failing_run();
    let result = check(&run);

    assert_eq!(render_html(&run, &result), render_html(&run, &result));
    assert_eq!(
        render_junit(&run, &result).unwrap(),
        render_junit(&run, &result).unwrap()
    );
}

#[test]
fn write_all_writes_the_five_reports() {
    let dir = tempfile::tempdir().unwrap();
    let run = failing_run();
    let result = check(&run);

    let paths = write_all(&dir.path().join("run-1"), &run, &result).unwrap();

    for p in [
        &paths.json,
        &paths.junit,
        &paths.summary,
        &paths.html,
        &paths.journal,
    ] {
        assert!(std::fs::metadata(p).unwrap().len() > 0, "{}", p.display());
    }
    let journal = std::fs::read_to_string(&paths.journal).unwrap();
    let back: Vec<JournalEntry> = journal
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(back, run.journal);
}

#[test]
fn journal_of_an_empty_run_is_empty() {
    assert_eq!(render_journal(&[]).unwrap(), "");
}

#[test]
fn terminal_summary_shows_verdict_counts_fires_path_and_replay() {
    let run = failing_run();

    let text = terminal_summary(&run, &check(&run), Path::new("reports/x"));

    assert!(text.contains("FAIL (exit 1)"));
    assert!(text.contains("LOST"));
    assert!(text.contains("r-never"));
    assert!(text.contains("never fired"));
    assert!(text.contains("reports/x/summary.md"));
    assert!(text.contains("invoice-chaos run scenarios/unit.toml --seed 7"));
}

#[test]
fn the_replay_line_warns_when_the_platform_used_another_seed() {
    let mut run = failing_run();
    let result = check(&run);
    let advice = "restart it with --seed 7 before replaying";
    assert!(replay_caveat(&run).is_none());
    assert!(!terminal_summary(&run, &result, Path::new("r")).contains(advice));

    run.truth.as_mut().unwrap().seed = 3;
    let text = terminal_summary(&run, &result, Path::new("r"));
    let replay = text.find("replay: ").unwrap();
    assert!(
        text[replay..].contains("its own seed 3, not the run's seed 7; ")
            && text[replay..].contains(advice),
        "{text}"
    );
    assert!(render_markdown(&run, &result).contains(advice));
}

#[test]
fn replay_command_quotes_a_script_path_with_spaces() {
    let mut run = support::run();
    run.script_path = Some("my scenarios/it's.toml".into());

    assert_eq!(
        replay_command(&run),
        r"invoice-chaos run 'my scenarios/it'\''s.toml' --seed 7 --client-mode robust"
    );
}

#[test]
fn replay_command_repeats_the_flags_the_script_does_not_hold() {
    let mut run = support::run();
    run.replay_flags = vec![
        "--platform-url".into(),
        "http://127.0.0.1:8080".into(),
        "--max-count".into(),
        "50".into(),
    ];

    assert!(
        replay_command(&run).ends_with(
            "--seed 7 --client-mode robust --platform-url http://127.0.0.1:8080 --max-count 50"
        ),
        "{}",
        replay_command(&run)
    );
}

#[test]
fn replay_command_names_the_client_mode_the_run_used() {
    let mut run = support::run();
    run.client.mode = Some("naive".into());

    assert!(replay_command(&run).ends_with("--seed 7 --client-mode naive"));
}

#[test]
fn report_folder_is_named_after_scenario_and_utc_start() {
    let mut run = support::run();
    run.scenario = "pre-upgrade rehearsal/2".into();

    assert_eq!(
        harness::report::report_dir_name(&run),
        "pre-upgrade_rehearsal_2-20260102T030405Z"
    );
}

#[test]
fn the_terminal_fault_table_stays_aligned_past_long_rule_names() {
    let mut run = failing_run();
    let long = "a-rule-name-well-past-twenty-four-characters";
    run.fault_stats[0].rule = long.into();

    let text = terminal_summary(&run, &check(&run), Path::new("r"));

    let table: Vec<&str> = text
        .lines()
        .skip_while(|l| !l.trim_start().starts_with("fault rule"))
        .take(1 + run.fault_stats.len())
        .collect();
    let fired_end = |line: &str| line.find(" fired").map(|i| i + " fired".len());
    let header_end = fired_end(table[0]).unwrap();
    for row in &table[1..] {
        // Each row's "fired" number ends where the header's "fired" does.
        let digits_end = row[..header_end].trim_end().len();
        assert_eq!(digits_end, header_end, "{table:#?}");
    }
    assert!(table.iter().any(|l| l.contains(long)));
}
