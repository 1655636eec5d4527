//! Reading exported ledgers: JSON lines, the `GET /ledger` document and CSV, with
//! errors that name line and column.

use std::path::Path;

use harness::check::ledger_file::{
    parse_ledger, read_issued_file, read_ledger_file, ColumnMap, LedgerFileError, LedgerFormat,
};
use tax_api::{Ledger, LedgerStatus};

/// Parses with no column names mapped, keeping only the entries.
fn parse(path: &str, text: &str, format: LedgerFormat) -> Result<Ledger, LedgerFileError> {
    parse_ledger(path, text, format, &ColumnMap::default()).map(|e| e.ledger)
}

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

    let ledger = parse("l.jsonl", text, LedgerFormat::JsonLines).unwrap();

    assert_eq!(ledger.entries.len(), 2);
    assert_eq!(ledger.entries[1].status, LedgerStatus::Flagged);
    assert_eq!(ledger.entries[1].reason.as_deref(), Some("hash mismatch"));
}

#[test]
fn json_lines_error_names_line_and_column() {
    let text =
        "{\"number\":\"1\",\"status\":\"confirmed\"}\n{\"number\":\"2\",\"status\":\"lost\"}\n";

    let err = parse("l.jsonl", text, LedgerFormat::JsonLines).unwrap_err();

    let (line, column, message) = position(err);
    assert_eq!(line, 2);
    assert!(column > 1);
    assert!(message.contains("lost"), "{message}");
}

#[test]
fn ledger_document_as_served_by_get_ledger_parses() {
    let text =
        r#"{"entries":[{"number":"1","status":"pending","reason":null,"platform_ref":null}]}"#;

    let ledger = parse("l.json", text, LedgerFormat::JsonDocument).unwrap();

    assert_eq!(ledger.entries[0].status, LedgerStatus::Pending);
}

#[test]
fn csv_ledger_parses_quoted_fields_and_empty_optionals() {
    let text = "number,status,reason,platform_ref\r\n1,confirmed,,p1\r\n2,flagged,\"read back, hash \"\"differs\"\"\",\n";

    let ledger = parse("l.csv", text, LedgerFormat::Csv).unwrap();

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

    let (line, column, message) = position(parse("l.csv", text, LedgerFormat::Csv).unwrap_err());

    assert_eq!((line, column), (3, 3));
    assert!(message.contains("expected confirmed, flagged or pending"));
    assert!(message.contains("\"sent\""));
}

#[test]
fn csv_without_a_status_column_is_refused() {
    let text = "number,reason\n1,x\n";

    let (line, _, message) = position(parse("l.csv", text, LedgerFormat::Csv).unwrap_err());

    assert_eq!(line, 1);
    assert!(message.contains("status"));
}

#[test]
fn csv_row_with_too_few_fields_is_refused() {
    let text = "number,status,reason,platform_ref\n1,confirmed\n";

    let (line, _, message) = position(parse("l.csv", text, LedgerFormat::Csv).unwrap_err());

    assert_eq!(line, 2);
    assert!(message.contains("expected 4 fields"), "{message}");
}

#[test]
fn csv_unterminated_quote_is_refused() {
    let text = "number,status\n\"1,confirmed\n";

    let (line, column, _) = position(parse("l.csv", text, LedgerFormat::Csv).unwrap_err());

    assert_eq!((line, column), (2, 1));
}

#[test]
fn a_number_listed_twice_is_kept_twice_in_file_order() {
    let text = "number,status\n1,confirmed\n1,flagged\n";

    let ledger = parse("l.csv", text, LedgerFormat::Csv).unwrap();

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

    assert_eq!(
        read_ledger_file(&ledger_path, &ColumnMap::default())
            .unwrap()
            .ledger
            .entries
            .len(),
        1
    );
    let issued = read_issued_file(&issued_path).unwrap();
    assert!(issued.invoices[0].accepted);
    assert!(matches!(
        read_ledger_file(&dir.path().join("nope.csv"), &ColumnMap::default()),
        Err(LedgerFileError::Io { .. })
    ));
}

static NO_COLUMNS: std::sync::LazyLock<ColumnMap> = std::sync::LazyLock::new(ColumnMap::default);

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
        columns: &NO_COLUMNS,
        scope: Default::default(),
        replay_flags: Vec::new(),
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

#[test]
fn csv_export_with_bom_semicolons_own_header_case_extra_column_and_upper_case_status_is_read() {
    let text = "\u{feff}Number;Status;Amount;Platform Ref\n1;CONFIRMED;100;p1\n2;Flagged;5;\n";

    let export = parse_ledger("l.csv", text, LedgerFormat::Csv, &ColumnMap::default()).unwrap();

    let statuses: Vec<LedgerStatus> = export.ledger.entries.iter().map(|e| e.status).collect();
    assert_eq!(statuses, [LedgerStatus::Confirmed, LedgerStatus::Flagged]);
    assert_eq!(export.ledger.entries[0].platform_ref.as_deref(), Some("p1"));
    assert_eq!(export.notes.len(), 1, "{:?}", export.notes);
    assert!(export.notes[0].contains("\"Amount\""), "{:?}", export.notes);
}

#[test]
fn csv_with_tabs_between_fields_is_read() {
    let text = "number\tstatus\treason\n1\tpending\twaiting, still\n";

    let ledger = parse("l.csv", text, LedgerFormat::Csv).unwrap();

    assert_eq!(ledger.entries[0].status, LedgerStatus::Pending);
    assert_eq!(ledger.entries[0].reason.as_deref(), Some("waiting, still"));
}

#[test]
fn csv_columns_are_read_under_the_names_the_user_maps() {
    let mut columns = ColumnMap::default();
    columns
        .parse_into("number=InvoiceNo, status=State")
        .unwrap();
    let text = "InvoiceNo,State,number\nA-1,confirmed,ignored\n";

    let export = parse_ledger("l.csv", text, LedgerFormat::Csv, &columns).unwrap();

    assert_eq!(export.ledger.entries[0].number, "A-1");
    assert!(export.notes[0].contains("\"number\""), "{:?}", export.notes);
}

#[test]
fn csv_error_after_a_bom_and_semicolons_names_line_and_column() {
    let text = "\u{feff}number;status\n1;confirmed\n2;sent\n";

    let (line, column, message) = position(parse("l.csv", text, LedgerFormat::Csv).unwrap_err());

    assert_eq!((line, column), (3, 3));
    assert!(message.contains("\"sent\""), "{message}");
}

#[test]
fn csv_without_a_mapped_column_says_which_header_it_looked_for() {
    let mut columns = ColumnMap::default();
    columns.parse_into("number=InvoiceNo").unwrap();

    let (line, _, message) = position(
        parse_ledger(
            "l.csv",
            "Invoice,status\n1,confirmed\n",
            LedgerFormat::Csv,
            &columns,
        )
        .unwrap_err(),
    );

    assert_eq!(line, 1);
    assert!(message.contains("\"InvoiceNo\""), "{message}");
}

#[test]
fn a_column_mapping_must_name_a_known_column_and_a_header() {
    let mut columns = ColumnMap::default();

    let unknown = columns.parse_into("amount=Total").unwrap_err();
    let malformed = columns.parse_into("number").unwrap_err();

    assert!(unknown.to_string().contains("\"amount\""), "{unknown}");
    assert!(
        malformed.to_string().contains("COLUMN=HEADER"),
        "{malformed}"
    );
}

#[test]
fn csv_seller_and_issue_time_columns_declare_the_ledgers_scope() {
    let text = "number,status,seller_tax_id,issued_at\n\
                1,confirmed,S1,2025-05-02T16:57:33+08:00\n\
                2,confirmed,S1,2025-03-01T00:00:00Z\n";

    let export = parse_ledger("l.csv", text, LedgerFormat::Csv, &ColumnMap::default()).unwrap();

    assert_eq!(export.sellers.iter().collect::<Vec<_>>(), ["S1"]);
    let (from, to) = export.issued.unwrap();
    assert_eq!(from.to_rfc3339(), "2025-03-01T00:00:00+00:00");
    assert_eq!(to.to_rfc3339(), "2025-05-02T16:57:33+08:00");
}

#[test]
fn csv_issue_time_that_is_not_rfc_3339_names_line_and_column() {
    let text = "number,status,issued_at\n1,confirmed,02/05/2025\n";

    let (line, column, message) = position(parse("l.csv", text, LedgerFormat::Csv).unwrap_err());

    assert_eq!((line, column), (2, 13));
    assert!(message.contains("RFC 3339"), "{message}");
}

#[test]
fn issued_file_holds_invoice_bodies_or_plain_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("issued.txt");
    let invoice = serde_json::to_string(&crate::support::invoice("1")).unwrap();
    std::fs::write(&path, format!("# issued today\n{invoice}\n2\n\n  3  \n")).unwrap();

    let issued = read_issued_file(&path).unwrap();

    assert_eq!(issued.invoices.len(), 1);
    assert_eq!(issued.numbers, ["2", "3"]);
}

#[test]
fn issued_file_line_with_two_numbers_names_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("issued.txt");
    std::fs::write(&path, "1\n2 3\n").unwrap();

    let (line, column, _) = position(read_issued_file(&path).unwrap_err());

    assert_eq!((line, column), (2, 2));
}
