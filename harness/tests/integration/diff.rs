//! `invoice-chaos diff`: real rehearsal runs compared both ways, and the edges of
//! reading two reports.

use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use crate::support::invoice_chaos;

/// Runs the pre-upgrade rehearsal with `mode` into `reports` and returns its folder.
fn rehearsal(reports: &Path, mode: &str) -> PathBuf {
    let before: Vec<PathBuf> = runs(reports);
    let out = invoice_chaos(&[
        "run",
        "--quiet",
        "--reports",
        reports.to_str().unwrap(),
        "--client-mode",
        mode,
        "../scenarios/pre-upgrade-rehearsal.toml",
    ]);
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{mode}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    runs(reports)
        .into_iter()
        .find(|d| !before.contains(d))
        .expect("a new run folder")
}

fn runs(reports: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(reports)
        .map(|d| {
            d.map(|e| e.unwrap().path())
                .filter(|p| p.is_dir())
                .collect()
        })
        .unwrap_or_default()
}

fn violating(dir: &Path) -> Vec<String> {
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("report.json")).unwrap()).unwrap();
    report["violations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["number"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn the_robust_rehearsal_is_no_worse_than_the_naive_one_and_swapped_it_is_worse() {
    let reports = tempfile::tempdir().unwrap();
    let naive = rehearsal(reports.path(), "naive");
    let robust = rehearsal(reports.path(), "robust");
    let lost_by_naive = violating(&naive);
    assert!(
        !lost_by_naive.is_empty(),
        "the migration hurts the naive client"
    );
    let (naive_arg, robust_arg) = (naive.to_str().unwrap(), robust.to_str().unwrap());

    let forward = invoice_chaos(&["diff", naive_arg, robust_arg]);
    let swapped = invoice_chaos(&["diff", robust_arg, naive_arg, "--json"]);

    let text = String::from_utf8_lossy(&forward.stdout);
    assert_eq!(forward.status.code(), Some(0), "{text}");
    assert!(text.contains("B is no worse than A"), "{text}");
    let saved = text
        .split("saved in B (violate in A, not in B):")
        .nth(1)
        .expect("a saved section");
    for number in &lost_by_naive {
        assert!(saved.contains(number.as_str()), "{number} saved: {text}");
    }
    assert!(robust.join("diff.html").is_file());
    assert_eq!(swapped.status.code(), Some(1));
    let diff: Value = serde_json::from_slice(&swapped.stdout).unwrap();
    assert_eq!(diff["outcome"], "worse");
    assert_eq!(
        diff["only_in_b"].as_array().unwrap().len(),
        lost_by_naive.len()
    );
    assert!(diff["reasons"][0].as_str().unwrap().contains("grew from 0"));
    // Each run rewrote the index; both are listed, and the comparison is linked.
    assert_eq!(
        invoice_chaos(&["index", reports.path().to_str().unwrap()])
            .status
            .code(),
        Some(0)
    );
    let index = std::fs::read_to_string(reports.path().join("index.html")).unwrap();
    let robust_name = robust.file_name().unwrap().to_str().unwrap();
    assert!(
        index.contains(&format!("{robust_name}/diff.html")),
        "diff linked"
    );
    for dir in [&naive, &robust] {
        let name = dir.file_name().unwrap().to_str().unwrap();
        assert!(
            index.contains(&format!("{name}/report.html")),
            "{name} indexed"
        );
    }
}

/// A minimal report.json with these counts, violations and top-level extras.
fn report(dir: &Path, verdict: &str, counts: Value, violations: Value, extra: Value) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    let mut report = json!({
        "schema": "invoice-chaos/report/v1",
        "scenario": "rehearsal",
        "seed": 7,
        "client": {"adapter": "reference", "mode": "robust", "target": null},
        "started_at": "2026-01-02T03:04:05.000Z",
        "verdict": verdict,
        "judged": true,
        "counts": counts,
        "fault_fires": [{"rule": "upgrade", "kind": "migration", "fired": 3, "matched": 3, "scheduled": true}],
        "violations": violations,
    });
    for (k, v) in extra.as_object().unwrap() {
        report[k] = v.clone();
    }
    std::fs::write(dir.join("report.json"), report.to_string()).unwrap();
    dir.to_path_buf()
}

#[test]
fn migrations_and_causes_are_compared_when_the_reports_have_them() {
    let tmp = tempfile::tempdir().unwrap();
    let migration = |caught: u64, missed: u64| {
        json!({"maintenance": {"windows": [], "migrations": [{"name": "upgrade", "kind": "lose",
            "since": "checkpoint", "eligible": 150, "lost": 8, "stripped": 2, "reverted": 0,
            "caught": caught, "missed": missed}]}})
    };
    let a = report(
        &tmp.path().join("a"),
        "fail",
        json!({"LOST": 1}),
        json!([{"class": "LOST", "number": "N-1", "cause": {"rule": "upgrade", "kind": "migration"}}]),
        migration(9, 1),
    );
    let b = report(
        &tmp.path().join("b"),
        "pass",
        json!({"LOST": 0}),
        json!([]),
        migration(10, 0),
    );

    let out = invoice_chaos(&["diff", a.to_str().unwrap(), b.to_str().unwrap(), "--json"]);

    assert_eq!(out.status.code(), Some(0));
    let diff: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(diff["migrations"][0]["a"]["missed"], 1);
    assert_eq!(diff["migrations"][0]["b"]["caught"], 10);
    assert_eq!(diff["only_in_a"][0]["cause"], "upgrade");
    let text = String::from_utf8_lossy(
        &invoice_chaos(&["diff", a.to_str().unwrap(), b.to_str().unwrap()]).stdout,
    )
    .into_owned();
    assert!(
        text.contains("150 eligible, 8 lost, 2 stripped, 0 reverted; caught 9, missed 1"),
        "{text}"
    );
}

#[test]
fn an_inconclusive_run_makes_an_otherwise_equal_comparison_inconclusive() {
    let tmp = tempfile::tempdir().unwrap();
    let a = report(
        &tmp.path().join("a"),
        "pass",
        json!({}),
        json!([]),
        json!({}),
    );
    let b = report(
        &tmp.path().join("b"),
        "inconclusive",
        json!({}),
        json!([]),
        json!({}),
    );

    let out = invoice_chaos(&["diff", a.to_str().unwrap(), b.to_str().unwrap()]);

    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stdout).contains("run B is inconclusive"));
}

#[test]
fn a_missing_or_broken_report_is_bad_input_that_names_the_file() {
    let tmp = tempfile::tempdir().unwrap();
    let good = report(
        &tmp.path().join("good"),
        "pass",
        json!({}),
        json!([]),
        json!({}),
    );
    let broken = tmp.path().join("broken");
    std::fs::create_dir(&broken).unwrap();
    std::fs::write(
        broken.join("report.json"),
        "{\n  \"schema\": \"invoice-chaos/report/v1\",\n  \"verdict\": [\n}",
    )
    .unwrap();

    let missing = invoice_chaos(&[
        "diff",
        good.to_str().unwrap(),
        tmp.path().join("nope").to_str().unwrap(),
    ]);
    let bad = invoice_chaos(&["diff", broken.to_str().unwrap(), good.to_str().unwrap()]);

    assert_eq!(missing.status.code(), Some(254));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("nope"));
    assert_eq!(bad.status.code(), Some(254));
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(
        err.contains("broken/report.json:3:13: invalid type"),
        "{err}"
    );
    assert!(
        !good.join("diff.html").exists(),
        "nothing written on bad input"
    );
}

#[test]
fn the_index_command_writes_the_index_and_refuses_a_missing_directory() {
    let tmp = tempfile::tempdir().unwrap();
    report(
        &tmp.path().join("run-1"),
        "fail",
        json!({"LOST": 2}),
        json!([]),
        json!({}),
    );

    let ok = invoice_chaos(&["index", tmp.path().to_str().unwrap()]);
    let missing = invoice_chaos(&["index", tmp.path().join("nope").to_str().unwrap()]);

    assert_eq!(ok.status.code(), Some(0));
    let html = std::fs::read_to_string(tmp.path().join("index.html")).unwrap();
    assert!(html.contains("run-1/report.html") && html.contains("<th>LOST</th>"));
    assert_eq!(missing.status.code(), Some(254));
}
