//! `check --ledger` against a platform holding records the ledger does not list: they
//! are `UNEXPECTED` when they belong to the ledger's seller and period, which come from
//! flags, the ledger's columns or the records its numbers name — or are said unknown.
//! Also real exports (BOM, `;`, own column names) and `--issued` as plain numbers.

use std::path::Path;

use serde_json::Value;

use crate::support::{invoice, running_platform, BIN, SELLER};

/// A running platform holding invoices `P-1..=P-n` of [`SELLER`] issued on
/// 2025-05-02, and `OLD-1` of the same seller issued in 2024.
fn platform_with_records(rt: &tokio::runtime::Runtime, n: usize) -> mock_tax_platform::Platform {
    let platform = running_platform(rt);
    let url = platform.base_url();
    let mut invoices: Vec<tax_api::Invoice> = (1..=n).map(|i| invoice(&format!("P-{i}"))).collect();
    let mut old = invoice("OLD-1");
    old.issued_at = "2024-01-05T10:00:00+08:00".into();
    invoices.push(old);
    rt.block_on(async {
        let http = reqwest::Client::new();
        for inv in &invoices {
            let stored = http
                .post(format!("{url}/v1/invoices"))
                .json(inv)
                .send()
                .await
                .unwrap();
            assert!(stored.status().is_success(), "{}", stored.status());
        }
    });
    platform
}

/// Runs `invoice-chaos check --json --ledger LEDGER --platform-url URL ARGS…`.
fn check(url: &str, ledger: &Path, args: &[&str]) -> (Option<i32>, Value, String) {
    let reports = ledger.with_file_name("reports");
    let out = std::process::Command::new(BIN)
        .args(["check", "--json", "--platform-url", url, "--ledger"])
        .arg(ledger)
        .arg("--reports")
        .arg(reports)
        .args(args)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let report = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e}); stderr: {stderr}"));
    (out.status.code(), report, stderr)
}

fn unexpected_numbers(report: &Value) -> Vec<String> {
    let mut numbers: Vec<String> = report["violations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| v["class"] == "UNEXPECTED")
        .map(|v| v["number"].as_str().unwrap().to_string())
        .collect();
    numbers.sort();
    numbers
}

/// A ledger none of whose entries is on the platform.
const STRANGER_LEDGER: &str =
    "number,status,reason\nX-1,flagged,upload failed\nX-2,flagged,upload failed\n";

#[test]
fn records_of_the_sellers_period_count_as_unexpected_when_no_ledger_entry_is_on_the_platform() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let platform = platform_with_records(&rt, 4);
    let dir = tempfile::tempdir().unwrap();
    let ledger = dir.path().join("ledger.csv");
    std::fs::write(&ledger, STRANGER_LEDGER).unwrap();

    let (code, report, _) = check(
        &platform.base_url(),
        &ledger,
        &[
            "--seller",
            SELLER,
            "--from",
            "2025-01-01",
            "--to",
            "2025-12-31",
        ],
    );

    rt.block_on(platform.shutdown());
    assert_eq!(code, Some(1), "{report:#}");
    assert_eq!(report["counts"]["UNEXPECTED"], 4, "{report:#}");
    assert_eq!(unexpected_numbers(&report), ["P-1", "P-2", "P-3", "P-4"]);
    let notes = report["notes"].to_string();
    assert!(
        notes.contains("--seller") && notes.contains("--from/--to"),
        "{notes}"
    );
    assert!(
        report["replay"].as_str().unwrap().contains("--seller"),
        "{report:#}"
    );
}

#[test]
fn a_ledger_whose_seller_cannot_be_known_is_inconclusive_and_says_to_pass_seller() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let platform = platform_with_records(&rt, 2);
    let dir = tempfile::tempdir().unwrap();
    let ledger = dir.path().join("ledger.csv");
    std::fs::write(&ledger, STRANGER_LEDGER).unwrap();

    let (code, report, _) = check(&platform.base_url(), &ledger, &[]);

    rt.block_on(platform.shutdown());
    assert_eq!(code, Some(2), "{report:#}");
    let reason = &report["inconclusive"][0];
    assert_eq!(reason["kind"], "scope_unknown", "{report:#}");
    assert!(reason["detail"].as_str().unwrap().contains("--seller"));
}

#[test]
fn a_ledger_with_seller_and_issue_time_columns_is_checked_against_that_seller_and_period() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let platform = platform_with_records(&rt, 3);
    let dir = tempfile::tempdir().unwrap();
    let ledger = dir.path().join("ledger.csv");
    std::fs::write(
        &ledger,
        format!(
            "number,status,seller_tax_id,issued_at\n\
             X-1,flagged,{SELLER},2025-05-01T00:00:00+08:00\n\
             X-2,flagged,{SELLER},2025-05-03T00:00:00+08:00\n"
        ),
    )
    .unwrap();

    let (code, report, _) = check(&platform.base_url(), &ledger, &[]);

    rt.block_on(platform.shutdown());
    assert_eq!(code, Some(1), "{report:#}");
    // OLD-1 was issued in 2024, outside the ledger's period.
    assert_eq!(unexpected_numbers(&report), ["P-1", "P-2", "P-3"]);
}

#[test]
fn the_ledgers_period_comes_from_the_records_its_numbers_name() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let platform = platform_with_records(&rt, 3);
    let dir = tempfile::tempdir().unwrap();
    let ledger = dir.path().join("ledger.csv");
    std::fs::write(&ledger, "number,status\nP-1,confirmed\n").unwrap();

    let (code, report, _) = check(&platform.base_url(), &ledger, &[]);

    rt.block_on(platform.shutdown());
    assert_eq!(code, Some(1), "{report:#}");
    assert_eq!(unexpected_numbers(&report), ["P-2", "P-3"], "{report:#}");
}

#[test]
fn a_real_export_is_checked_with_its_own_column_names_and_the_ignored_ones_are_said_once() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let platform = platform_with_records(&rt, 2);
    let dir = tempfile::tempdir().unwrap();
    let ledger = dir.path().join("export.csv");
    std::fs::write(
        &ledger,
        "\u{feff}InvoiceNo;State;Amount;Customer\r\nP-1;CONFIRMED;113000;Example\r\nP-2;Confirmed;113000;Example\r\nOLD-1;confirmed;113000;Example\r\n",
    )
    .unwrap();

    let (code, report, stderr) = check(
        &platform.base_url(),
        &ledger,
        &["--column", "number=InvoiceNo,status=State"],
    );

    rt.block_on(platform.shutdown());
    assert_eq!(code, Some(0), "{report:#}\n{stderr}");
    assert_eq!(report["counts"]["ok"], 3);
    assert_eq!(
        stderr
            .matches("ignored column(s) \"Amount\", \"Customer\"")
            .count(),
        1,
        "{stderr}"
    );
    assert!(
        report["notes"][0].as_str().unwrap().contains("\"Amount\""),
        "{report:#}"
    );
    let summary = crate::run::only_run_dir(&dir.path().join("reports")).join("summary.md");
    let summary = std::fs::read_to_string(summary).unwrap();
    assert!(summary.contains("## Notes"), "{summary}");
}

#[test]
fn a_ledger_script_reads_its_csv_under_the_column_names_it_maps() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let platform = platform_with_records(&rt, 1);
    let dir = tempfile::tempdir().unwrap();
    let ledger = dir.path().join("export.csv");
    std::fs::write(
        &ledger,
        "Invoice No,State\nP-1,confirmed\nOLD-1,confirmed\n",
    )
    .unwrap();
    let script = dir.path().join("ledger.toml");
    std::fs::write(
        &script,
        format!(
            "name = \"export\"\n[client]\nadapter = \"ledger\"\nledger = {:?}\n\
             columns = {{ number = \"invoice no\", status = \"State\" }}\n\
             [platform]\nurl = \"{}\"\n",
            ledger.to_str().unwrap(),
            platform.base_url()
        ),
    )
    .unwrap();

    let (code, runs) =
        crate::run::run_json(&[script.to_str().unwrap()], &dir.path().join("reports"));

    rt.block_on(platform.shutdown());
    assert_eq!(code, 0, "{:#}", runs[0]);
    assert_eq!(runs[0]["counts"]["ok"], 2);
}

#[test]
fn issued_numbers_without_bodies_catch_an_invoice_the_ledger_forgot() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let platform = platform_with_records(&rt, 2);
    let dir = tempfile::tempdir().unwrap();
    let ledger = dir.path().join("ledger.csv");
    std::fs::write(&ledger, "number,status\nP-1,confirmed\n").unwrap();
    let issued = dir.path().join("issued.txt");
    std::fs::write(&issued, "P-1\nP-2\n").unwrap();

    let (code, report, _) = check(
        &platform.base_url(),
        &ledger,
        &[
            "--issued",
            issued.to_str().unwrap(),
            "--seller",
            SELLER,
            "--from",
            "2025-05-02",
            "--to",
            "2025-05-02",
        ],
    );

    rt.block_on(platform.shutdown());
    assert_eq!(code, Some(1), "{report:#}");
    assert_eq!(report["counts"]["judged"], 2);
    assert_eq!(report["counts"]["ok"], 1);
    assert_eq!(report["counts"]["FORGOTTEN"], 1);
    assert_eq!(report["counts"]["UNEXPECTED"], 0, "{report:#}");
}

#[test]
fn scope_and_column_flags_that_cannot_be_used_are_bad_arguments() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = dir.path().join("ledger.csv");
    std::fs::write(&ledger, STRANGER_LEDGER).unwrap();
    let ledger = ledger.to_str().unwrap();
    let base = [
        "check",
        "--ledger",
        ledger,
        "--platform-url",
        "http://127.0.0.1:9",
    ];

    for (flags, expected) in [
        (
            ["--from", "2025-06-01", "--to", "2025-05-01"],
            "no later than --to",
        ),
        (["--from", "yesterday", "--seller", "S"], "RFC 3339"),
        (["--column", "amount=Total", "--seller", "S"], "\"amount\""),
    ] {
        let out = crate::support::invoice_chaos(&[&base[..], &flags[..]].concat());

        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(254), "{flags:?}: {stderr}");
        assert!(stderr.contains(expected), "{flags:?}: {stderr}");
    }
}

#[test]
fn a_migration_the_platform_ran_is_reported_with_what_the_ledger_missed() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let platform = platform_with_records(&rt, 4);
    let url = platform.base_url();
    // A window that loses every record, stopped at once so its migration runs now.
    rt.block_on(async {
        let http = reqwest::Client::new();
        for body in [
            serde_json::json!({"name": "upgrade", "duration": "1h",
                               "migration": {"lose": 1.0, "since": "start"}}),
            serde_json::json!({"stop": true}),
        ] {
            let answer = http
                .post(format!("{url}/_chaos/maintenance"))
                .json(&body)
                .send()
                .await
                .unwrap();
            assert!(answer.status().is_success(), "{}", answer.status());
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let ledger = dir.path().join("ledger.csv");
    std::fs::write(
        &ledger,
        "number,status\nP-1,confirmed\nP-2,confirmed\nP-3,flagged\nP-4,confirmed\n",
    )
    .unwrap();

    let (code, report, _) = check(&url, &ledger, &["--seller", SELLER]);

    rt.block_on(platform.shutdown());
    assert_eq!(code, Some(1), "{report:#}");
    let migrations = report["maintenance"]["migrations"].as_array().unwrap();
    assert_eq!(migrations.len(), 1, "{report:#}");
    let m = &migrations[0];
    assert_eq!(m["lost"], 5, "{m:#}");
    // P-3 was flagged: caught; the three confirmed ones were missed. OLD-1 is not the
    // ledger's, so it is neither.
    assert_eq!(
        (&m["caught"], &m["missed"]),
        (&1.into(), &3.into()),
        "{m:#}"
    );
}
