//! `--unfired`: what a scheduled fault rule that never fired does to the verdict.

use crate::run::run_json;
use crate::support::{invoice_chaos, script_file};

/// A robust run whose only rule targets numbers the workload never issues.
const NEVER_FIRES: &str = r#"name = "never-fires"
seed = 3

[client]
adapter = "reference"
mode = "robust"

[[steps]]
fault = { name = "elsewhere", kind = "reject", number_prefix = "XX" }

[[steps]]
issue = { count = 5 }

[[steps]]
settle = { timeout = "20s" }
"#;

#[test]
fn a_rule_that_never_fired_makes_the_run_inconclusive_by_default_and_on_request() {
    let (_dir, script) = script_file("never-fires.toml", NEVER_FIRES);
    let script = script.to_str().unwrap();
    let reports = tempfile::tempdir().unwrap();
    let (code, runs) = run_json(&[script], reports.path());
    assert_eq!(code, 2, "{runs:?}");
    assert_eq!(runs[0]["inconclusive"][0]["kind"], "fault_never_fired");
    assert_eq!(runs[0]["inconclusive"][0]["rule"], "elsewhere");

    let lenient = NEVER_FIRES.to_owned() + "\n[expect]\nfaults_must_fire = false\n";
    let (_dir, lenient) = script_file("lenient.toml", &lenient);
    let (code, runs) = run_json(
        &[lenient.to_str().unwrap(), "--unfired", "inconclusive"],
        reports.path(),
    );
    assert_eq!(code, 2, "the flag wins over the script: {runs:?}");
    let replay = runs[0]["replay"].as_str().unwrap();
    assert!(replay.ends_with(" --unfired inconclusive"), "{replay}");
}

#[test]
fn unfired_warn_keeps_the_verdict_and_says_which_rule_was_not_tested() {
    let (_dir, script) = script_file("never-fires.toml", NEVER_FIRES);
    let reports = tempfile::tempdir().unwrap();
    let out = invoice_chaos(&[
        "run",
        "--quiet",
        "--unfired",
        "warn",
        "--reports",
        reports.path().to_str().unwrap(),
        script.to_str().unwrap(),
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(
        text.contains(
            "warning: fault rule elsewhere (reject) never fired (0 requests matched): \
             this run did not test it"
        ),
        "{text}"
    );
    assert!(text.contains(" --unfired warn\n"), "{text}");
    assert!(!text.contains("inconclusive:"), "{text}");
    let run_dir = std::fs::read_dir(reports.path())
        .unwrap()
        .find(|e| e.as_ref().is_ok_and(|e| e.path().is_dir()))
        .unwrap()
        .unwrap()
        .path();
    let summary = std::fs::read_to_string(run_dir.join("summary.md")).unwrap();
    assert!(
        summary.contains("- **Warning:** fault rule elsewhere (reject) never fired"),
        "{summary}"
    );
}
