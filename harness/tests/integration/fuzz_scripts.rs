//! Fuzz tests of scenario scripts (proptest, so they run in `cargo test`).
//!
//! - The parser: any text is a scenario or a located [`ScriptError`], never a panic;
//!   the steps of an accepted script read back the same from their TOML.
//! - The gate: `validate` exits 0 or 254, and whatever it accepts, `run --max-count 5`
//!   finishes with a verdict (0, 1 or 2) and its report, never a panic (101).
//!
//! `PROPTEST_CASES` sets the number of cases (default 256 for the parser; 16 for the
//! gate, each a real run of a second or two). `bench/fuzz.sh` runs them longer.

use std::process::Output;
use std::time::Duration;

use harness::script::{Scenario, Step};
use proptest::prelude::*;
use proptest::test_runner::Config;

use crate::support::BIN;

/// How far a generated script strays from a valid one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stray {
    /// Only valid values.
    Not,
    /// Values of the right type that `run` cannot honour (NaN, centuries, …).
    Unrunnable,
    /// Anything, wrong types included, then a few bytes edited.
    Malformed,
}

/// One of `good`, plus the `unrunnable` ones unless the script is valid, plus the
/// `malformed` ones when anything goes.
fn pick(
    stray: Stray,
    good: &[&'static str],
    unrunnable: &[&'static str],
    malformed: &[&'static str],
) -> BoxedStrategy<&'static str> {
    let mut values = good.to_vec();
    if stray != Stray::Not {
        values.extend_from_slice(unrunnable);
    }
    if stray == Stray::Malformed {
        values.extend_from_slice(malformed);
    }
    proptest::sample::select(values).boxed()
}

/// Top-level keys, client settings and `[expect]`.
fn head(stray: Stray) -> impl Strategy<Value = String> {
    (
        pick(stray, &["", "seed = 7\n"], &[], &["seed = -1\n"]),
        pick(stray, &["robust", "naive"], &[], &["reckless"]),
        pick(
            stray,
            &["\"5s\""],
            &["\"300000000000y\""],
            &["\"soon\"", "5"],
        ),
        pick(
            stray,
            &["0.05", "1.0", "0"],
            &["nan", "-1.0", "inf", "-inf", "1.5"],
            &["\"low\""],
        ),
    )
        .prop_map(|(seed, mode, health, ratio)| {
            format!(
                "name = \"fuzz\"\n{seed}[client]\nmode = \"{mode}\"\nhealth_timeout = {health}\n\
                 [expect]\nmax_false_flag_ratio = {ratio}\nfaults_must_fire = false\n"
            )
        })
}

/// One `[[steps]]` entry. Every valid duration is short, so a run stays quick.
fn step(stray: Stray) -> impl Strategy<Value = String> {
    let issue = (
        pick(stray, &["1", "5"], &[], &["0", "-5"]),
        pick(
            stray,
            &["", ", rate = 200"],
            &[", rate = 1e-300", ", rate = nan", ", rate = inf"],
            &[", rate = \"fast\""],
        ),
        pick(
            stray,
            &["", ", concurrency = 2"],
            &[", concurrency = 4611686018427387904"],
            &[", concurrency = 0"],
        ),
    )
        .prop_map(|(count, rate, conc)| format!("issue = {{ count = {count}{rate}{conc} }}"));
    let fault = pick(
        stray,
        &[
            r#"fault = { kind = "reject", probability = 0.5 }"#,
            r#"fault = { kind = "drop_after_ack", first = 1 }"#,
            r#"fault = { kind = "partial_write", drop = "lines", keep = 1 }"#,
            r#"fault = { kind = "latency", delay = "5ms" }"#,
            r#"fault = { kind = "latency", median = "1ms", sigma = 1e308 }"#,
            r#"fault = { kind = "duplicate", max = 1 }"#,
            r#"fault = { kind = "corrupt", probability = 0.5 }"#,
        ],
        &[
            r#"fault = { kind = "reject", probability = nan }"#,
            r#"fault = { kind = "partial_write", drop = "lines", keep = -inf }"#,
            r#"fault = { kind = "latency", median = "1ms", sigma = nan }"#,
            r#"fault = { kind = "reject", after = "1000years" }"#,
        ],
        &[r#"fault = { kind = "gremlins" }"#],
    );
    let other = pick(
        stray,
        &[
            r#"wait = "20ms""#,
            r#"maintenance = { duration = "50ms", migration = { lose = 0.5 } }"#,
            "checkpoint = true",
            "clear_faults = true",
            "reconcile = true",
            r#"settle = { timeout = "3s" }"#,
        ],
        &[
            r#"wait = "300000000000y""#,
            r#"maintenance = { duration = "18446744073709551615s" }"#,
            r#"maintenance = { duration = "50ms", retry_after = "1000years" }"#,
            r#"maintenance = { duration = "50ms", migration = { lose = nan } }"#,
            r#"settle = { timeout = "300000000000y" }"#,
        ],
        &["checkpoint = false", "explode = true"],
    );
    prop_oneof![
        issue,
        fault.prop_map(str::to_owned),
        other.prop_map(str::to_owned)
    ]
}

/// A script: valid, holding values `run` cannot honour, or malformed (then a few of
/// its bytes deleted, inserted or replaced too).
fn script() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        Just(Stray::Not),
        Just(Stray::Unrunnable),
        Just(Stray::Malformed)
    ]
    .prop_flat_map(|stray| {
        let edits = if stray == Stray::Malformed {
            proptest::collection::vec((0u8..3, any::<usize>(), any::<u8>()), 0..3).boxed()
        } else {
            Just(Vec::new()).boxed()
        };
        (
            head(stray),
            proptest::collection::vec(step(stray), 0..4),
            edits,
        )
            .prop_map(|(head, steps, edits)| {
                let mut text = head;
                // An issue step first, so most scripts have invoices to judge.
                text.push_str("[[steps]]\nissue = { count = 5 }\n");
                for s in steps {
                    text.push_str("[[steps]]\n");
                    text.push_str(&s);
                    text.push('\n');
                }
                text.push_str("[[steps]]\nsettle = { timeout = \"3s\" }\n");
                mutate(text.into_bytes(), &edits)
            })
    })
}

fn mutate(mut bytes: Vec<u8>, edits: &[(u8, usize, u8)]) -> Vec<u8> {
    for &(op, at, byte) in edits {
        let at = at % (bytes.len() + 1);
        match op {
            0 if at < bytes.len() => {
                bytes.remove(at);
            }
            1 => bytes.insert(at, byte),
            _ if at < bytes.len() => bytes[at] = byte,
            _ => {}
        }
    }
    bytes
}

/// Parses in-process; an accepted script's steps survive a TOML round trip, and an
/// error points inside the text.
fn parse_and_check(text: &str) {
    match Scenario::parse("fuzz.toml", text) {
        Ok(scenario) => {
            for step in &scenario.steps {
                let written = toml::to_string(step).unwrap();
                let read: Step = toml::from_str(&written)
                    .unwrap_or_else(|e| panic!("{written} does not read back: {e}"));
                assert_eq!(
                    serde_json::to_value(&read).unwrap(),
                    serde_json::to_value(step).unwrap(),
                    "{written}"
                );
            }
        }
        Err(err) => {
            let lines = text.lines().count().max(1) + 1;
            assert!(err.line.is_some_and(|l| l <= lines), "{err}");
            assert!(!err.message.is_empty());
        }
    }
}

/// Runs the binary with a bound on its time, so a hang fails the test instead of stalling it.
fn invoice_chaos(runtime: &tokio::runtime::Runtime, args: &[&str]) -> Output {
    runtime.block_on(async {
        let child = tokio::process::Command::new(BIN)
            .args(args)
            .env_remove("RUST_LOG")
            .env("RUST_BACKTRACE", "0")
            .kill_on_drop(true)
            .output();
        tokio::time::timeout(Duration::from_secs(120), child)
            .await
            .expect("invoice-chaos did not finish within 120 s")
            .unwrap()
    })
}

proptest! {
    #[test]
    fn any_text_is_a_scenario_or_a_located_error(text in any::<String>()) {
        parse_and_check(&text);
    }

    #[test]
    fn generated_and_mutated_scripts_parse_to_a_scenario_or_a_located_error(
        bytes in script(),
    ) {
        if let Ok(text) = std::str::from_utf8(&bytes) {
            parse_and_check(text);
        }
    }
}

proptest! {
    // Each case is a real run: few of them (`PROPTEST_CASES` still overrides this), and
    // a bounded number of tries to shrink a failure.
    #![proptest_config(Config { cases: 16, max_shrink_iters: 24, ..Config::default() })]

    #[test]
    fn whatever_validate_accepts_runs_to_a_verdict_without_a_panic(bytes in script()) {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let dir = tempfile::tempdir().unwrap();
        let script = dir.path().join("fuzz.toml");
        std::fs::write(&script, &bytes).unwrap();
        let script = script.to_str().unwrap();
        let checked = invoice_chaos(&runtime, &["validate", script]);
        let code = checked.status.code();
        prop_assert!(matches!(code, Some(0 | 254)), "validate exited {:?}: {}",
            code, String::from_utf8_lossy(&checked.stderr));
        if code == Some(254) {
            return Ok(());
        }
        let reports = dir.path().join("reports");
        let ran = invoice_chaos(&runtime, &[
            "run", "--quiet", "--max-count", "5", "--reports", reports.to_str().unwrap(), script,
        ]);
        let stderr = String::from_utf8_lossy(&ran.stderr);
        prop_assert!(matches!(ran.status.code(), Some(0..=2)),
            "run exited {:?}:\n{}\n{}", ran.status.code(), stderr, String::from_utf8_lossy(&bytes));
        prop_assert!(!stderr.contains("panicked"), "{}", stderr);
        let run_dir = std::fs::read_dir(&reports).unwrap().find(|e| e.as_ref().is_ok_and(|e| e.path().is_dir())).unwrap().unwrap().path();
        prop_assert!(run_dir.join("report.json").is_file(), "no report in {}", run_dir.display());
    }
}
