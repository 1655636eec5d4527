//! A running platform may hold fault rules the run never added (`reset = false`, a
//! ledger check): only the rules a run scheduled must fire; the others are reported
//! for information.

use serde_json::Value;

use crate::run::run_json;
use crate::support::{running_platform, script_file, BIN};

/// A rule that targets another seller, so it never fires on the run's traffic.
fn rule_for_another_seller(name: &str) -> Value {
    serde_json::json!({
        "name": name,
        "kind": "partial_write",
        "drop": "lines",
        "on": "upload",
        "seller": "00000000000000000X",
    })
}

/// A running platform holding the rule `leftover` and, with `invoice`, one intact
/// invoice `7`.
fn platform_with_a_leftover_rule(
    rt: &tokio::runtime::Runtime,
    invoice: bool,
) -> mock_tax_platform::Platform {
    let platform = running_platform(rt);
    let url = platform.base_url();
    rt.block_on(async {
        let http = reqwest::Client::new();
        let added = http
            .post(format!("{url}/_chaos/faults"))
            .json(&rule_for_another_seller("leftover"))
            .send()
            .await
            .unwrap();
        assert!(added.status().is_success(), "{}", added.status());
        if !invoice {
            return;
        }
        let stored = http
            .post(format!("{url}/v1/invoices"))
            .json(&crate::support::invoice("7"))
            .send()
            .await
            .unwrap();
        assert!(stored.status().is_success(), "{}", stored.status());
    });
    platform
}

fn leftover_fires(report: &Value) -> &Value {
    report["fault_fires"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "leftover")
        .unwrap_or_else(|| panic!("no fires for the leftover rule: {report:#}"))
}

#[test]
fn a_ledger_script_is_not_inconclusive_over_a_rule_it_never_scheduled() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let platform = platform_with_a_leftover_rule(&rt, true);
    let dir = tempfile::tempdir().unwrap();
    let ledger = dir.path().join("ledger.csv");
    std::fs::write(&ledger, "number,status\n7,confirmed\n").unwrap();
    let script = dir.path().join("ledger.toml");
    std::fs::write(
        &script,
        format!(
            "name = \"ledger\"\n[client]\nadapter = \"ledger\"\nledger = {:?}\n\
             [platform]\nurl = \"{}\"\nreset = false\n",
            ledger.to_str().unwrap(),
            platform.base_url()
        ),
    )
    .unwrap();

    let (code, runs) = run_json(&[script.to_str().unwrap()], &dir.path().join("reports"));

    rt.block_on(platform.shutdown());
    assert_eq!(code, 0, "{:#}", runs[0]);
    assert_eq!(runs[0]["inconclusive"], serde_json::json!([]));
    assert_eq!(leftover_fires(&runs[0])["scheduled"], false);
}

#[test]
fn a_run_without_reset_needs_only_its_own_rules_to_fire() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let platform = platform_with_a_leftover_rule(&rt, false);
    let rule = rule_for_another_seller("mine");
    let (dir, script) = script_file(
        "mine.toml",
        &format!(
            "name = \"mine\"\nseed = 4\n[platform]\nurl = \"{}\"\nreset = false\n\
             [[steps]]\nfault = {{ name = \"mine\", kind = \"partial_write\", drop = \"lines\", \
             on = \"upload\", seller = {} }}\n\
             [[steps]]\nissue = {{ count = 5 }}\n[[steps]]\nsettle = {{ timeout = \"60s\" }}\n",
            platform.base_url(),
            rule["seller"]
        ),
    );

    let (code, runs) = run_json(&[script.to_str().unwrap()], &dir.path().join("reports"));

    rt.block_on(platform.shutdown());
    let report = &runs[0];
    assert_eq!(code, 2, "{report:#}");
    let reasons = report["inconclusive"].as_array().unwrap();
    assert_eq!(reasons.len(), 1, "{report:#}");
    assert_eq!(reasons[0]["kind"], "fault_never_fired");
    assert_eq!(reasons[0]["rule"], "mine");
    assert_eq!(leftover_fires(report)["scheduled"], false);
}

#[test]
fn a_ledger_check_reports_the_platforms_rules_without_requiring_them_to_fire() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let platform = platform_with_a_leftover_rule(&rt, true);
    let dir = tempfile::tempdir().unwrap();
    let ledger = dir.path().join("ledger.csv");
    std::fs::write(&ledger, "number,status\n7,confirmed\n").unwrap();

    let out = std::process::Command::new(BIN)
        .args(["check", "--json", "--platform-url", &platform.base_url()])
        .arg("--ledger")
        .arg(&ledger)
        .arg("--reports")
        .arg(dir.path().join("reports"))
        .output()
        .unwrap();

    rt.block_on(platform.shutdown());
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(0), "{report:#}");
    assert_eq!(leftover_fires(&report)["fired"], 0);
    assert_eq!(leftover_fires(&report)["scheduled"], false);
    let summary = crate::run::only_run_dir(&dir.path().join("reports")).join("summary.md");
    let summary = std::fs::read_to_string(summary).unwrap();
    assert!(
        summary.contains("| leftover \\* | partial\\_write |"),
        "{summary}"
    );
}
