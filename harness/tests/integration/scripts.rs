//! The malformed-script corpus under `tests/scripts/bad/`: every bad script exits 254,
//! names `file:line:column` and what was expected, and starts nothing.

use std::path::Path;
use std::process::Output;

use crate::support::invoice_chaos;

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// (script, expected `file:line:column`, a fragment of what was expected or found).
const CORPUS: &[(&str, &str, &str)] = &[
    (
        "unknown_key.toml",
        "4:1",
        "unknown field `adaptr`, expected one of `adapter`",
    ),
    (
        "wrong_type.toml",
        "2:8",
        "invalid type: string \"seven\", expected a whole number",
    ),
    (
        "bad_duration.toml",
        "6:8",
        "expected a duration string such as",
    ),
    (
        "negative_count.toml",
        "4:19",
        "integer `-5`, expected a positive whole number",
    ),
    (
        "zero_count.toml",
        "4:19",
        "integer `0`, expected a positive whole number",
    ),
    (
        "empty_steps.toml",
        "3:9",
        "expected at least one `[[steps]]` entry",
    ),
    (
        "missing_ledger_file.toml",
        "5:10",
        "found no file named \"no/such/ledger.jsonl\"",
    ),
    (
        "missing_program.toml",
        "5:11",
        "found no file named \"./no/such/client\"",
    ),
    (
        "unknown_fault_kind.toml",
        "6:11",
        "unknown variant `gremlins`, expected one of",
    ),
    ("invalid_toml.toml", "1:21", "invalid basic string"),
    (
        "two_actions_in_one_step.toml",
        "3:1",
        "expected exactly one action per `[[steps]]` entry",
    ),
    (
        "unknown_step.toml",
        "4:1",
        "unknown variant `explode`, expected one of `issue`",
    ),
    (
        "processing_delay_on_running_platform.toml",
        "5:20",
        "processing_delay sets up the embedded platform",
    ),
    (
        "restart_without_owned_client.toml",
        "7:1",
        "restart_client needs a client the harness started",
    ),
    (
        "unknown_workload_profile.toml",
        "4:11",
        "unknown variant `ksef2`, expected `generic` or `ksef`",
    ),
    (
        "ksef_seller_not_a_nip.toml",
        "8:17",
        "expected the seller's NIP for `[workload] profile = \"ksef\"`",
    ),
];

#[test]
fn every_malformed_script_exits_254_naming_file_line_and_column_and_starts_nothing() {
    let reports = tempfile::tempdir().unwrap();
    let reports_arg = reports.path().to_str().unwrap();
    for (file, at, fragment) in CORPUS {
        let script = format!("tests/scripts/bad/{file}");
        let out = invoice_chaos(&["run", "--quiet", "--reports", reports_arg, &script]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(254), "{file}: {err}");
        assert!(
            err.contains(&format!("{script}:{at}: ")),
            "{file} should point at {at}: {err}"
        );
        assert!(
            err.contains(fragment),
            "{file} should say {fragment:?}: {err}"
        );
        assert!(err.contains("nothing was started"), "{file}: {err}");
    }
    let runs = std::fs::read_dir(reports.path()).unwrap().count();
    assert_eq!(runs, 0, "a bad script must not start a run");
}

#[test]
fn validate_reports_the_same_errors_as_run() {
    let out = invoice_chaos(&["validate", "tests/scripts/bad/unknown_key.toml"]);
    assert_eq!(out.status.code(), Some(254));
    assert!(stderr(&out).contains("tests/scripts/bad/unknown_key.toml:4:1: unknown field"));
}

#[test]
fn a_script_that_does_not_exist_exits_254_naming_it() {
    let out = invoice_chaos(&["run", "--quiet", "tests/scripts/bad/no-such-script.toml"]);
    assert_eq!(out.status.code(), Some(254));
    let err = stderr(&out);
    assert!(
        err.contains("tests/scripts/bad/no-such-script.toml: cannot read the script"),
        "{err}"
    );
}

#[test]
fn one_bad_script_among_good_ones_stops_them_all_before_anything_starts() {
    let reports = tempfile::tempdir().unwrap();
    let out = invoice_chaos(&[
        "run",
        "--quiet",
        "--reports",
        reports.path().to_str().unwrap(),
        "../scenarios/smoke.toml",
        "tests/scripts/bad/wrong_type.toml",
    ]);
    assert_eq!(out.status.code(), Some(254), "{}", stderr(&out));
    assert_eq!(std::fs::read_dir(reports.path()).unwrap().count(), 0);
}

#[test]
fn command_line_usage_errors_exit_254() {
    for args in [
        &["run"][..],
        &["run", "--seed", "seven", "x.toml"],
        &["run", "--client-mode", "reckless", "x.toml"],
        &["frobnicate"],
    ] {
        let out = invoice_chaos(args);
        assert_eq!(out.status.code(), Some(254), "{args:?}: {}", stderr(&out));
    }
    assert_eq!(invoice_chaos(&["--help"]).status.code(), Some(0));
}

#[test]
fn validate_accepts_the_scenario_library() {
    let scenarios = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios");
    let out = invoice_chaos(&["validate", scenarios.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("smoke"));
}

#[test]
fn list_shows_each_scripts_name_and_description() {
    let out = invoice_chaos(&["list", "../scenarios"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("smoke") && text.contains("no faults"),
        "{text}"
    );
}

#[test]
fn a_ksef_workload_script_validates() {
    let (_dir, script) = crate::support::script_file(
        "ksef.toml",
        "name = \"ksef\"\n\n[workload]\nprofile = \"ksef\"\n\n[client]\nadapter = \"reference\"\n\
         seller_tax_id = \"3861610227\"\n\n[[steps]]\nissue = { count = 5 }\n",
    );
    let out = invoice_chaos(&["validate", script.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("ok "));
}
