//! Reading exported ledgers: JSON lines, the `GET /ledger` document and CSV, with
//! errors that name line and column.

use std::path::Path;

use harness::check::ledger_file::{
    parse_ledger, read_issued_file, read_ledger_file, LedgerFileError, LedgerFormat,
};
use tax_api::LedgerStatus;

fn position(err: LedgerFileError) -> (usize, usize, String) {
    match err {
        LedgerFileError::Syntax {
            line,
            column,
            message,
            ..
        } => (line, column, message),
        other => panic!("expected a syntax error, got {other}"),
    }
}

#[test]
fn json_lines_ledger_parses_every_entry() {
    let text = "{\"number\":\"1\",\"status\":\"confirmed\",\"platform_ref\":\"p1\"}\n\n{\"number\":\"2\",\"status\":\"flagged\",\"reason\":\"hash mismatch\"}\n";

    let ledger = parse_ledger("l.jsonl", text, LedgerFormat::JsonLines).unwrap();

    assert_eq!(ledger.entries.len(), 2);
    assert_eq!(ledger.entries[1].status, LedgerStatus::Flagged);
    assert_eq!(ledger.entries[1].reason.as_deref(), Some("hash mismatch"));
}

#[test]
fn json_lines_error_names_line_and_column() {
    let text =
        "{\"number\":\"1\",\"status\":\"confirmed\"}\n{\"number\":\"2\",\"status\":\"lost\"}\n";

    let err = parse_ledger("l.jsonl", text, LedgerFormat::JsonLines).unwrap_err();

    let (line, column, message) = position(err);
    assert_eq!(line, 2);
    assert!(column > 1);
    assert!(message.contains("lost"), "{message}");
}

#[test]
fn ledger_document_as_served_by_get_ledger_parses() {
    let text =
        r#"{"entries":[{"number":"1","status":"pending","reason":null,"platform_ref":null}]}"#;

    let ledger = parse_ledger("l.json", text, LedgerFormat::JsonDocument).unwrap();

    assert_eq!(ledger.entries[0].status, LedgerStatus::Pending);
}

#[test]
fn csv_ledger_parses_quoted_fields_and_empty_optionals() {
    let text = "number,status,reason,platform_ref\r\n1,confirmed,,p1\r\n2,flagged,\"read back, hash \"\"differs\"\"\",\n";

    let ledger = parse_ledger("l.csv", text, LedgerFormat::Csv).unwrap();

    assert_eq!(ledger.entries.len(), 2);
    assert_eq!(ledger.entries[0].reason, None);
    assert_eq!(ledger.entries[0].platform_ref.as_deref(), Some("p1"));
    assert_eq!(
        ledger.entries[1].reason.as_deref(),
        Some("read back, hash \"differs\"")
    );
    assert_eq!(ledger.entries[1].platform_ref, None);
}

#[test]
fn csv_bad_status_names_line_column_expected_and_found() {
    let text = "number,status,reason,platform_ref\n1,confirmed,,\n2,sent,,\n";

    let (line, column, message) =
        position(parse_ledger("l.csv", text, LedgerFormat::Csv).unwrap_err());

    assert_eq!((line, column), (3, 3));
    assert!(message.contains("expected confirmed, flagged or pending"));
    assert!(message.contains("\"sent\""));
}

#[test]
fn csv_without_a_status_column_is_refused() {
    let text = "number,reason\n1,x\n";

    let (line, _, message) = position(parse_ledger("l.csv", text, LedgerFormat::Csv).unwrap_err());

    assert_eq!(line, 1);
    assert!(message.contains("status"));
}

#[test]
fn csv_row_with_too_few_fields_is_refused() {
    let text = "number,status,reason,platform_ref\n1,confirmed\n";

    let (line, _, message) = position(parse_ledger("l.csv", text, LedgerFormat::Csv).unwrap_err());

    assert_eq!(line, 2);
    assert!(message.contains("expected 4 fields"), "{message}");
}

#[test]
fn csv_unterminated_quote_is_refused() {
    let text = "number,status\n\"1,confirmed\n";

    let (line, column, _) = position(parse_ledger("l.csv", text, LedgerFormat::Csv).unwrap_err());

    assert_eq!((line, column), (2, 1));
}

#[test]
fn a_number_listed_twice_is_kept_twice_in_file_order() {
    let text = "number,status\n1,confirmed\n1,flagged\n";

    let ledger = parse_ledger("l.csv", text, LedgerFormat::Csv).unwrap();

    let statuses: Vec<LedgerStatus> = ledger.entries.iter().map(|e| e.status).collect();
    assert_eq!(statuses, [LedgerStatus::Confirmed, LedgerStatus::Flagged]);
}

#[test]
fn format_is_detected_from_extension_then_content() {
    let jsonl = "{\"number\":\"1\",\"status\":\"confirmed\"}\n";
    assert_eq!(
        LedgerFormat::detect(Path::new("x.csv"), jsonl),
        LedgerFormat::Csv
    );
    assert_eq!(
        LedgerFormat::detect(Path::new("x"), jsonl),
        LedgerFormat::JsonLines
    );
    assert_eq!(
        LedgerFormat::detect(Path::new("x.json"), "{\"entries\": []}"),
        LedgerFormat::JsonDocument
    );
    assert_eq!(
        LedgerFormat::detect(Path::new("x"), "number,status\n"),
        LedgerFormat::Csv
    );
}

#[test]
fn files_are_read_from_disk_and_a_missing_one_is_an_io_error() {
    let dir = tempfile::tempdir().unwrap();
    let ledger_path = dir.path().join("ledger.csv");
    std::fs::write(&ledger_path, "number,status\n1,pending\n").unwrap();
    let issued_path = dir.path().join("issued.jsonl");
    let invoice = serde_json::to_string(&crate::support::invoice("1")).unwrap();
    std::fs::write(&issued_path, format!("{invoice}\n")).unwrap();

    assert_eq!(read_ledger_file(&ledger_path).unwrap().entries.len(), 1);
    let issued = read_issued_file(&issued_path).unwrap();
    assert!(issued[0].accepted);
    assert!(matches!(
        read_ledger_file(&dir.path().join("nope.csv")),
        Err(LedgerFileError::Io { .. })
    ));
}

fn ledger_check<'a>(
    ledger: &'a Path,
    truth: Result<tax_api::TruthSnapshot, String>,
) -> harness::check::ledger_file::LedgerCheck<'a> {
    let at = chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2026, 1, 2, 3, 4, 5).unwrap();
    harness::check::ledger_file::LedgerCheck {
        ledger_path: ledger,
        issued_path: None,
        platform_url: "http://127.0.0.1:9000",
        truth,
        journal: Vec::new(),
        fault_stats: Vec::new(),
        started_at: at,
        finished_at: at,
    }
}

#[test]
fn a_ledger_check_judges_the_exported_ledger_against_the_truth() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.csv");
    std::fs::write(&path, "number,status\n1,confirmed\n2,confirmed\n").unwrap();
    let mut truth_run = crate::support::run();
    crate::support::store(&mut truth_run, "1", tax_api::Integrity::Intact, None);

    let run =
        harness::check::ledger_file::ledger_run(ledger_check(&path, Ok(truth_run.truth.unwrap())))
            .unwrap();
    let result = harness::check::check(&run);

    assert_eq!(result.counts.ok, 1);
    assert_eq!(result.counts.lost, 1);
    assert_eq!(result.verdict, harness::check::Verdict::Fail);
    let replay = harness::report::replay_command(&run);
    assert!(
        replay.starts_with("invoice-chaos check --ledger "),
        "{replay}"
    );
    assert!(
        replay.ends_with("--platform-url http://127.0.0.1:9000"),
        "{replay}"
    );
}

#[test]
fn a_ledger_check_without_truth_is_inconclusive() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.jsonl");
    std::fs::write(&path, "{\"number\":\"1\",\"status\":\"confirmed\"}\n").unwrap();

    let run = harness::check::ledger_file::ledger_run(ledger_check(
        &path,
        Err("connection refused".into()),
    ))
    .unwrap();

    assert_eq!(
        harness::check::check(&run).verdict,
        harness::check::Verdict::Inconclusive
    );
}
