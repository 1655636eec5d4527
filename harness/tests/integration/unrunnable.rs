//! Scripts under `tests/scripts/unrunnable/` hold values `run` cannot honour (NaN or
//! negative ratios, durations that overflow a clock, numbers that are not finite,
//! bytes that are not text): `validate` refuses each at `file:line:column`, and
//! `run` starts nothing.

use crate::support::invoice_chaos;

/// (script, expected `line:column`, a fragment of the message).
const CORPUS: &[(&str, &str, &str)] = &[
    (
        "nan_false_flag_ratio.toml",
        "5:24",
        "expected a fraction from 0 to 1",
    ),
    ("negative_false_flag_ratio.toml", "5:24", "found -1"),
    ("infinite_false_flag_ratio.toml", "5:24", "found inf"),
    (
        "settle_timeout_of_centuries.toml",
        "5:22",
        "expected a duration of at most 7days, found \"300000000000y\"",
    ),
    ("health_timeout_of_centuries.toml", "3:18", "at most 7days"),
    (
        "maintenance_overflowing_a_clock.toml",
        "5:28",
        "at most 7days, found \"18446744073709551615s\"",
    ),
    ("wait_longer_than_a_week.toml", "3:8", "at most 7days"),
    ("fault_after_of_centuries.toml", "5:36", "at most 7days"),
    (
        "fault_keep_minus_infinity.toml",
        "5:58",
        "floating point `-inf`, expected a finite number",
    ),
    (
        "fault_sigma_nan.toml",
        "5:53",
        "floating point `NaN`, expected a finite number",
    ),
    (
        "fault_probability_nan.toml",
        "5:28",
        "probability must be within 0 and 1, found NaN",
    ),
    (
        "migration_loss_negative.toml",
        "5:48",
        "migration `lose` must be within 0 and 1",
    ),
    (
        "rate_too_slow_to_schedule.toml",
        "3:29",
        "at least one per 7days",
    ),
    (
        "concurrency_beyond_counting.toml",
        "3:36",
        "expected at most 10000 invoices in flight",
    ),
    (
        "not_utf8.toml",
        "1:12",
        "expected UTF-8 text, found the byte 0xFF at byte offset 11",
    ),
];

#[test]
fn validate_refuses_every_value_run_cannot_honour_at_its_line_and_column() {
    for (file, at, fragment) in CORPUS {
        let script = format!("tests/scripts/unrunnable/{file}");
        let out = invoice_chaos(&["validate", &script]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(254), "{file}: {err}");
        assert!(
            err.contains(&format!("{script}:{at}: ")),
            "{file} should point at {at}: {err}"
        );
        assert!(
            err.contains(fragment),
            "{file} should say {fragment:?}: {err}"
        );
    }
}

#[test]
fn run_starts_nothing_for_a_script_validate_refuses() {
    let reports = tempfile::tempdir().unwrap();
    let scripts: Vec<String> = CORPUS
        .iter()
        .map(|(file, _, _)| format!("tests/scripts/unrunnable/{file}"))
        .collect();
    let mut args = vec![
        "run",
        "--quiet",
        "--reports",
        reports.path().to_str().unwrap(),
    ];
    args.extend(scripts.iter().map(String::as_str));
    let out = invoice_chaos(&args);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(254), "{err}");
    assert!(
        err.contains(&format!("{} script(s) invalid", CORPUS.len())),
        "{err}"
    );
    assert_eq!(std::fs::read_dir(reports.path()).unwrap().count(), 0);
}
