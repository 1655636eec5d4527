//! A platform the harness did not start: `--platform-url` drives it through its
//! control plane, and `check --ledger` judges an exported ledger against it.

use std::process::Command;

use serde_json::Value;

use crate::run::run_json;

const BIN: &str = env!("CARGO_BIN_EXE_invoice-chaos");

#[test]
fn a_running_platform_is_driven_through_its_control_plane_and_a_ledger_checked_against_it() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let platform = rt
        .block_on(mock_tax_platform::start(
            mock_tax_platform::Config::default(),
        ))
        .unwrap();
    let url = platform.base_url();
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("remote.toml");
    std::fs::write(
        &script,
        r#"name = "remote"
seed = 5
[[steps]]
fault = { kind = "partial_write", drop = "lines", probability = 0.2, on = "upload" }
[[steps]]
issue = { count = 50, concurrency = 4 }
[[steps]]
settle = { timeout = "60s" }
"#,
    )
    .unwrap();
    let script_arg = script.to_str().unwrap();
    let reports = dir.path().join("reports");
    let (code, runs) = run_json(&[script_arg, "--platform-url", url.as_str()], &reports);
    assert_eq!(code, 0, "{:#}", runs[0]);
    assert_eq!(runs[0]["counts"]["judged"], 50);
    assert!(
        runs[0]["fault_fires"][0]["fired"].as_u64().unwrap() > 0,
        "{:#}",
        runs[0]
    );

    // The platform kept the run's records: export a ledger claiming each is confirmed.
    let truth: Value = rt
        .block_on(async {
            reqwest::get(format!("{url}/_chaos/truth"))
                .await?
                .json()
                .await
        })
        .unwrap();
    let records = truth["records"].as_array().unwrap();
    assert_eq!(records.len(), 50);
    let ledger: String = records
        .iter()
        .map(|r| format!("{{\"number\":{},\"status\":\"confirmed\"}}\n", r["number"]))
        .collect();
    let ledger_path = dir.path().join("ledger.jsonl");
    std::fs::write(&ledger_path, ledger).unwrap();
    let out = Command::new(BIN)
        .args([
            "check",
            "--json",
            "--ledger",
            ledger_path.to_str().unwrap(),
            "--platform-url",
            &url,
        ])
        .arg("--reports")
        .arg(dir.path().join("check-reports"))
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    // Partial writes the client flagged are "confirmed" in this made-up ledger: silent partials.
    assert_eq!(out.status.code(), Some(1), "{report:#}");
    assert_eq!(report["verdict"], "fail");
    assert!(
        report["counts"]["SILENT_PARTIAL"].as_u64().unwrap() > 0,
        "{report:#}"
    );
    rt.block_on(platform.shutdown());
}
