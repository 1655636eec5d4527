//! A platform the harness did not start: `--platform-url` drives it through its
//! control plane, and `check --ledger` judges an exported ledger against it.

use std::process::Command;

use serde_json::Value;

use crate::run::run_json;

use crate::support::{running_platform, script_file, BIN};

#[test]
fn a_running_platform_is_driven_through_its_control_plane_and_a_ledger_checked_against_it() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let platform = running_platform(&rt);
    let url = platform.base_url();
    let (dir, script) = script_file(
        "remote.toml",
        r#"name = "remote"
seed = 5
[[steps]]
fault = { kind = "partial_write", drop = "lines", probability = 0.2, on = "upload" }
[[steps]]
issue = { count = 50, concurrency = 4 }
[[steps]]
settle = { timeout = "60s" }
"#,
    );
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
    // The platform's journal budget is read for a ledger check too.
    assert_eq!(report["journal_budget"]["dropped"], 0, "{report:#}");
    assert!(
        report["counts"]["SILENT_PARTIAL"].as_u64().unwrap() > 0,
        "{report:#}"
    );

    // The same ledger through a script's `ledger` adapter: no steps, nothing driven or reset.
    let ledger_script = dir.path().join("ledger.toml");
    std::fs::write(
        &ledger_script,
        format!(
            "name = \"ledger\"\n[client]\nadapter = \"ledger\"\nledger = {:?}\n[platform]\nurl = \"{url}\"\n",
            ledger_path.to_str().unwrap()
        ),
    )
    .unwrap();
    let (code, runs) = run_json(
        &[ledger_script.to_str().unwrap()],
        &dir.path().join("ledger-reports"),
    );
    assert_eq!(code, 1, "{:#}", runs[0]);
    assert_eq!(runs[0]["client"]["adapter"], "ledger");
    assert_eq!(
        runs[0]["counts"]["SILENT_PARTIAL"],
        report["counts"]["SILENT_PARTIAL"]
    );
    rt.block_on(platform.shutdown());
}

#[test]
fn the_url_adapter_drives_a_client_someone_else_started() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let state = tempfile::tempdir().unwrap();
    let (platform, client) = rt.block_on(async {
        let platform = mock_tax_platform::start(mock_tax_platform::Config::default())
            .await
            .unwrap();
        let config = reference_client::ClientConfig::new(
            platform.base_url(),
            "91110000MA01ABCD1X",
            state.path(),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let client = reference_client::start(config, listener).await.unwrap();
        (platform, client)
    });
    let (dir, script) = script_file(
        "url.toml",
        &format!(
            "name = \"url\"\nseed = 3\n[client]\nadapter = \"url\"\nurl = \"http://{}\"\n\
             [platform]\nurl = \"{}\"\n[[steps]]\nissue = {{ count = 40 }}\n\
             [[steps]]\nsettle = {{ timeout = \"60s\" }}\n[expect]\nfaults_must_fire = false\n",
            client.addr(),
            platform.base_url()
        ),
    );
    let (code, runs) = run_json(&[script.to_str().unwrap()], &dir.path().join("reports"));
    assert_eq!(code, 0, "{:#}", runs[0]);
    assert_eq!(runs[0]["client"]["adapter"], "url");
    assert_eq!(runs[0]["counts"]["ok"], 40);
    rt.block_on(async {
        client.shutdown().await;
        platform.shutdown().await;
    });
}

#[test]
fn a_platform_journal_that_ran_out_of_room_is_reported_but_does_not_change_the_verdict() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    // Room for about twenty entries of a run that makes well over a hundred.
    let config = mock_tax_platform::Config {
        journal_limit: 3000,
        ..mock_tax_platform::Config::default()
    };
    let platform = rt.block_on(mock_tax_platform::start(config)).unwrap();
    let (dir, script) = script_file(
        "small-journal.toml",
        r#"name = "small-journal"
seed = 4
[[steps]]
issue = { count = 30 }
[[steps]]
settle = { timeout = "60s" }
[expect]
faults_must_fire = false
"#,
    );
    let reports = dir.path().join("reports");
    let url = platform.base_url();
    let (code, runs) = run_json(
        &[script.to_str().unwrap(), "--platform-url", url.as_str()],
        &reports,
    );
    assert_eq!(code, 0, "{:#}", runs[0]);
    let budget = &runs[0]["journal_budget"];
    assert!(budget["dropped"].as_u64().unwrap() > 0, "{budget:#}");
    assert_eq!(budget["limit_bytes"], 3000);
    let run_dir = std::fs::read_dir(&reports)
        .unwrap()
        .find(|e| e.as_ref().is_ok_and(|e| e.path().is_dir()))
        .unwrap()
        .unwrap()
        .path();
    let summary = std::fs::read_to_string(run_dir.join("summary.md")).unwrap();
    assert!(summary.contains("--journal-limit"), "{summary}");
    rt.block_on(platform.shutdown());
}
