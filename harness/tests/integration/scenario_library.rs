//! The scenario library, run both ways at the README's pull-request size
//! (`--max-count 50`): the robust reference client passes every script; the naive one
//! fails every fault script with exactly the invariant `scenarios/README.md` names, and
//! passes `smoke`. Every rule fires even in so short a run (`at_least`), so a quick run
//! reaches the same verdicts as the full one.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use crate::library::{self, broken};
use crate::run::run_json;

const LIBRARY: &str = "../scenarios/";
/// Invoices per issue step: the quick run the README recommends for every pull request.
const MAX_COUNT: &str = "50";

fn naive_expectations() -> BTreeMap<String, String> {
    library::naive_expectations(Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../scenarios/README.md"
    )))
}

/// The library's scripts by name.
fn library_names() -> Vec<String> {
    library::script_names(Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../scenarios"
    )))
}

fn by_scenario(runs: Vec<Value>) -> BTreeMap<String, Value> {
    runs.into_iter()
        .map(|r| (r["scenario"].as_str().unwrap().to_string(), r))
        .collect()
}

#[test]
fn the_readme_table_names_every_script_in_the_library() {
    let table: Vec<String> = naive_expectations().into_keys().collect();
    assert_eq!(table, library_names());
    assert!(table.len() >= 12, "{table:?}");
}

#[test]
fn every_library_script_passes_with_the_robust_reference_client() {
    let reports = tempfile::tempdir().unwrap();
    let (code, runs) = run_json(
        &["--max-count", MAX_COUNT, "--client-mode", "robust", LIBRARY],
        reports.path(),
    );
    let runs = by_scenario(runs);
    let names: Vec<&String> = runs.keys().collect();
    assert_eq!(names, library_names().iter().collect::<Vec<_>>());
    for (name, report) in &runs {
        assert_eq!(
            report["verdict"], "pass",
            "{name} with the robust client: {:#}",
            report["invariants"]
        );
    }
    assert_eq!(code, 0);
}

#[test]
fn every_fault_script_fails_the_naive_client_with_the_class_its_readme_names() {
    let expected = naive_expectations();
    let reports = tempfile::tempdir().unwrap();
    let (code, runs) = run_json(
        &["--max-count", MAX_COUNT, "--client-mode", "naive", LIBRARY],
        reports.path(),
    );
    let runs = by_scenario(runs);
    assert_eq!(
        runs.keys().collect::<Vec<_>>(),
        expected.keys().collect::<Vec<_>>()
    );
    for (name, class) in &expected {
        let report = &runs[name];
        if class == "passes" {
            assert_eq!(report["verdict"], "pass", "{name}: {report:#}");
            continue;
        }
        assert_eq!(
            report["verdict"], "fail",
            "{name} with the naive client: {:#}",
            report["counts"]
        );
        assert!(
            broken(report, class),
            "{name}: expected {class} broken, found {:#}",
            report["invariants"]
        );
    }
    assert_eq!(code, 1, "the worst outcome over the library is a failure");
}
