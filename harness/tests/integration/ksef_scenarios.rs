//! `scenarios/ksef/` run both ways with the example KSeF client
//! (`examples/ksef-client/`, the PyPI SDK ksef-client 0.20.0 in its own venv): the
//! robust client passes every script, through the platform's `/v2`; the naive one fails
//! every fault script with exactly the invariant `scenarios/ksef/README.md` names, and
//! passes `smoke`.
//!
//! Ignored by `cargo test --workspace`: the client needs its virtual environment, which
//! `examples/ksef-client/setup.sh` installs from PyPI, and the library takes about a
//! minute per mode. `.ci/run` runs it by name with `--ignored` after the setup.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::library::{self, broken};
use crate::support::BIN;

/// Most a mode's whole library may take before the run counts as hung: each script
/// is bounded by its settle timeout, this only keeps a broken client from stalling CI.
const WATCHDOG: Duration = Duration::from_secs(600);

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn naive_expectations() -> BTreeMap<String, String> {
    library::naive_expectations(&repo_root().join("scenarios/ksef/README.md"))
}

fn script_names() -> Vec<String> {
    library::script_names(&repo_root().join("scenarios/ksef"))
}

/// Runs the whole library in `mode` from the repository root (the scripts name the
/// client by a relative path) and returns each run's report and directory by script
/// name (`ksef-` + file name), with the reports directory that holds them.
fn run_library(mode: &str) -> (tempfile::TempDir, BTreeMap<String, (Value, PathBuf)>) {
    let reports = tempfile::tempdir().unwrap();
    let log = reports.path().join("stderr.log");
    let mut child = Command::new(BIN)
        .args(["run", "--quiet", "--jobs", "2", "--client-mode", mode])
        .arg("--reports")
        .arg(reports.path())
        .arg("scenarios/ksef/")
        .current_dir(repo_root())
        .env_remove("RUST_LOG")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > WATCHDOG {
            let _ = child.kill();
            panic!(
                "the {mode} run of scenarios/ksef/ did not finish in {WATCHDOG:?}: {}",
                std::fs::read_to_string(&log).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    let stderr = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(
        matches!(status.code(), Some(0 | 1)),
        "{mode}: a verdict for every script, found {status}: {stderr}"
    );
    let mut runs = BTreeMap::new();
    for entry in std::fs::read_dir(reports.path()).unwrap() {
        let dir = entry.unwrap().path();
        let Ok(text) = std::fs::read_to_string(dir.join("report.json")) else {
            continue;
        };
        let report: Value = serde_json::from_str(&text).unwrap();
        let name = report["scenario"].as_str().unwrap();
        let script = name.strip_prefix("ksef-").unwrap_or(name).to_string();
        runs.insert(script, (report, dir));
    }
    (reports, runs)
}

/// Sets the client's venv up once, before two scripts at a time would race to make it.
fn set_up_client() {
    let out = Command::new("examples/ksef-client/setup.sh")
        .current_dir(repo_root())
        .output()
        .unwrap();
    assert!(out.status.success(), "setup.sh: {out:?}");
}

#[test]
fn the_readme_table_names_every_ksef_script() {
    let table: Vec<String> = naive_expectations().into_keys().collect();
    assert_eq!(table, script_names());
    assert!(table.len() >= 8, "{table:?}");
}

#[test]
#[ignore = "needs the KSeF client's venv (PyPI); .ci/run runs it with --ignored"]
fn ksef_scenarios_pass_with_the_robust_client_and_fail_the_naive_one_as_the_readme_says() {
    set_up_client();
    let expected = naive_expectations();
    let names: Vec<&String> = expected.keys().collect();

    let (_kept, robust) = run_library("robust");
    assert_eq!(robust.keys().collect::<Vec<_>>(), names);
    for (name, (report, dir)) in &robust {
        assert_eq!(
            report["verdict"], "pass",
            "{name} with the robust KSeF client: {:#} {:#}",
            report["counts"], report["invariants"]
        );
        assert_eq!(report["client"]["mode"], "robust", "{name}");
        // The client spoke KSeF: every invoice went through an online session on /v2.
        let journal = std::fs::read_to_string(dir.join("journal.jsonl")).unwrap();
        assert!(
            journal.contains("/v2/sessions/online/"),
            "{name}: no KSeF send in the journal"
        );
        assert!(
            !journal.contains("\"path\":\"/v1/"),
            "{name}: the KSeF client used /v1"
        );
    }

    let (_kept, naive) = run_library("naive");
    assert_eq!(naive.keys().collect::<Vec<_>>(), names);
    for (name, class) in &expected {
        let (report, _) = &naive[name];
        assert_eq!(report["client"]["mode"], "naive", "{name}");
        if class == "passes" {
            assert_eq!(report["verdict"], "pass", "{name}: {:#}", report["counts"]);
        } else {
            assert_eq!(
                report["verdict"], "fail",
                "{name} with the naive KSeF client: {:#}",
                report["counts"]
            );
            assert!(
                broken(report, class),
                "{name}: expected {class} broken, found {:#}",
                report["invariants"]
            );
        }
    }
}
