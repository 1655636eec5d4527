//! End to end: a run against the embedded platform explains its violations and its
//! migration from what the platform really did (journal, truth and `/_chaos/stats`).

use serde_json::Value;

use crate::run::{only_run_dir, run_json};
use crate::support::script_file;

const SCRIPT: &str = r#"
name = "explained"
description = "a write that drops the buyer's name, then a migration that loses half the records"
seed = 3

[client]
adapter = "reference"
mode = "naive"

[[steps]]
fault = { name = "buyer-name-gone", kind = "partial_write", drop = "fields", fields = ["buyer_name"], probability = 1.0 }

[[steps]]
issue = { count = 6, rate = 100, concurrency = 2 }

# Every upload is done before the window opens, so all six records are eligible.
[[steps]]
settle = { timeout = "20s" }

[[steps]]
maintenance = { name = "upgrade", duration = "300ms", migration = { lose = 0.5, since = "start", at_least = 1 } }

[[steps]]
settle = { timeout = "20s" }
"#;

fn of_class<'a>(report: &'a Value, class: &str) -> Vec<&'a Value> {
    report["violations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| v["class"] == class)
        .collect()
}

#[test]
fn a_run_names_the_missing_field_the_rule_behind_it_and_what_its_migration_took() {
    let (dir, script) = script_file("explained.toml", SCRIPT);
    let reports = dir.path().join("reports");

    let (code, runs) = run_json(&[script.to_str().unwrap()], &reports);

    assert_eq!(code, 1, "{runs:#?}");
    let report = &runs[0];
    let partial = of_class(report, "SILENT_PARTIAL");
    let lost = of_class(report, "LOST");
    assert!(!partial.is_empty() && !lost.is_empty(), "{report:#}");
    for v in &partial {
        assert_eq!(
            v["missing_fields"],
            serde_json::json!(["buyer_name"]),
            "{v:#}"
        );
        assert_eq!(v["cause"]["rule"], "buyer-name-gone", "{v:#}");
        assert_eq!(v["cause"]["kind"], "partial_write", "{v:#}");
        assert!(v["detail"].as_str().unwrap().contains("without buyer_name"));
    }
    for v in &lost {
        assert_eq!(v["cause"]["rule"], "upgrade", "{v:#}");
        assert_eq!(v["cause"]["kind"], "migration", "{v:#}");
    }
    let m = &report["maintenance"];
    assert_eq!(m["windows"][0]["name"], "upgrade", "{m:#}");
    assert_eq!(m["windows"][0]["reads_allowed"], true);
    assert!(m["windows"][0]["end_ms"].as_u64() > m["windows"][0]["start_ms"].as_u64());
    let migration = &m["migrations"][0];
    assert_eq!(migration["name"], "upgrade", "{m:#}");
    assert_eq!(migration["kind"], "lose 50%");
    assert_eq!(migration["since"], "start");
    assert_eq!(migration["eligible"], 6);
    assert_eq!(migration["lost"].as_u64(), Some(lost.len() as u64), "{m:#}");
    assert_eq!(migration["missed"].as_u64(), Some(lost.len() as u64));
    assert_eq!(migration["caught"], 0, "the naive client catches nothing");

    let run_dir = only_run_dir(&reports);
    let csv = std::fs::read_to_string(run_dir.join("violations.csv")).unwrap();
    assert_eq!(csv.lines().count(), 1 + partial.len() + lost.len(), "{csv}");
    assert!(
        csv.contains(",SILENT_PARTIAL,buyer-name-gone,partial_write,confirmed,"),
        "{csv}"
    );
    let flagged = std::fs::read_to_string(run_dir.join("flagged.csv")).unwrap();
    assert_eq!(flagged.lines().count(), 1, "no false flag: {flagged}");
}
