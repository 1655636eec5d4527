//! A ledger that lists one invoice several times: differing statuses are a violation
//! whatever their order, identical repeats are tolerated and counted.

use serde_json::Value;
use tax_api::{LedgerEntry, LedgerStatus};

use crate::run::run_json;
use crate::stub_client::{Rows, StubClient};
use crate::support::{running_platform, script_file, BIN};

fn entry(number: &str, status: LedgerStatus) -> LedgerEntry {
    LedgerEntry {
        number: number.into(),
        status,
        reason: (status == LedgerStatus::Flagged).then(|| "read back: lines missing".into()),
        platform_ref: None,
    }
}

/// First `flagged`, then a stale `confirmed` row.
fn flagged_then_confirmed(number: &str) -> Vec<LedgerEntry> {
    vec![
        entry(number, LedgerStatus::Flagged),
        entry(number, LedgerStatus::Confirmed),
    ]
}

fn confirmed_twice(number: &str) -> Vec<LedgerEntry> {
    vec![
        entry(number, LedgerStatus::Confirmed),
        entry(number, LedgerStatus::Confirmed),
    ]
}

/// Runs a url-adapter script against a fresh platform and a stub client serving `rows`;
/// `fault` is an optional fault step.
fn run_with_stub(rows: Rows, fault: &str) -> (i32, Value) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let platform = running_platform(&rt);
    let stub = rt.block_on(StubClient::start(platform.base_url(), rows));
    let (dir, script) = script_file(
        "stub.toml",
        &format!(
            "name = \"stub\"\nseed = 3\n[client]\nadapter = \"url\"\nurl = \"{}\"\n\
             [platform]\nurl = \"{}\"\n{fault}[[steps]]\nissue = {{ count = 3 }}\n",
            stub.url,
            platform.base_url()
        ),
    );
    let (code, runs) = run_json(&[script.to_str().unwrap()], &dir.path().join("reports"));
    rt.block_on(platform.shutdown());
    (code, runs.into_iter().next().unwrap())
}

#[test]
fn a_run_whose_ledger_flags_then_confirms_a_damaged_invoice_fails_as_contradictory() {
    let fault = "[[steps]]\nfault = { kind = \"partial_write\", drop = \"lines\", probability = 1.0, on = \"upload\" }\n";

    let (code, report) = run_with_stub(flagged_then_confirmed, fault);

    assert_eq!(code, 1, "{report:#}");
    assert_eq!(report["counts"]["CONTRADICTORY_LEDGER"], 3, "{report:#}");
    assert_eq!(report["counts"]["flagged"], 0);
    let v = &report["violations"][0];
    assert_eq!(v["class"], "CONTRADICTORY_LEDGER");
    assert_eq!(v["client"]["status"], "contradictory");
    let statuses: Vec<&str> = v["client"]["ledger_entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["flagged", "confirmed"], "{v:#}");
    let detail = v["detail"].as_str().unwrap();
    // The ledger's rows close the sentence, before the rule that damaged the record.
    let rows = detail.split(" (cause: ").next().unwrap_or(detail);
    assert!(
        rows.contains("says flagged, entry") && rows.ends_with("says confirmed"),
        "{detail}"
    );
}

#[test]
fn a_run_whose_ledger_repeats_identical_rows_passes_and_counts_the_repeats() {
    let (code, report) = run_with_stub(confirmed_twice, "[expect]\nfaults_must_fire = false\n");

    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["counts"]["ok"], 3);
    assert_eq!(report["counts"]["ledger_repeats"], 3);
    assert_eq!(report["counts"]["CONTRADICTORY_LEDGER"], 0);
}

/// `check --ledger` on a CSV file against a running platform holding `number`
/// stored without its lines.
fn check_csv(rows: &str) -> (Option<i32>, Value) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let platform = running_platform(&rt);
    let url = platform.base_url();
    rt.block_on(async {
        let http = reqwest::Client::new();
        let rule = serde_json::json!({"kind": "partial_write", "drop": "lines", "probability": 1.0, "on": "upload"});
        let added = http.post(format!("{url}/_chaos/faults")).json(&rule).send().await.unwrap();
        assert!(added.status().is_success(), "{}", added.status());
        let stored = http
            .post(format!("{url}/v1/invoices"))
            .json(&crate::support::invoice("7"))
            .send()
            .await
            .unwrap();
        assert!(stored.status().is_success(), "{}", stored.status());
    });
    let dir = tempfile::tempdir().unwrap();
    let ledger = dir.path().join("ledger.csv");
    std::fs::write(&ledger, format!("number,status,reason\n{rows}")).unwrap();
    let out = std::process::Command::new(BIN)
        .args(["check", "--json", "--platform-url", &url, "--ledger"])
        .arg(&ledger)
        .arg("--reports")
        .arg(dir.path().join("reports"))
        .output()
        .unwrap();
    rt.block_on(platform.shutdown());
    let report = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!("{e}: {}", String::from_utf8_lossy(&out.stderr));
    });
    (out.status.code(), report)
}

#[test]
fn check_judges_a_contradictory_csv_ledger_the_same_in_either_row_order() {
    let (code, flagged_first) = check_csv("7,flagged,lines missing\n7,confirmed,\n");
    let (reverse_code, confirmed_first) = check_csv("7,confirmed,\n7,flagged,lines missing\n");

    for (code, report) in [(code, &flagged_first), (reverse_code, &confirmed_first)] {
        assert_eq!(code, Some(1), "{report:#}");
        assert_eq!(report["counts"]["CONTRADICTORY_LEDGER"], 1, "{report:#}");
        assert_eq!(report["counts"]["SILENT_PARTIAL"], 0, "{report:#}");
        let rows = report["violations"][0]["client"]["ledger_entries"]
            .as_array()
            .unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[1]["position"], 2);
    }
}

#[test]
fn check_tolerates_an_identical_repeat_and_counts_it() {
    let (code, report) = check_csv("7,flagged,lines missing\n7,flagged,lines missing\n");

    assert_eq!(code, Some(0), "{report:#}");
    assert_eq!(report["counts"]["flagged"], 1);
    assert_eq!(report["counts"]["ledger_repeats"], 1);
}
