//! End to end through the `invoice-chaos` binary: the embedded platform with the
//! reference client in-process, and the `reference-client` binary through the
//! `command` adapter, killed and restarted mid-issue.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::support::{invoice_chaos, script_file, BIN};

/// The `reference-client` binary of this build. `cargo test --workspace` builds it;
/// `cargo test -p harness` alone does not, so it is built here if missing.
pub fn reference_client_binary() -> PathBuf {
    let dir = Path::new(BIN).parent().unwrap();
    let bin = dir.join(format!("reference-client{}", std::env::consts::EXE_SUFFIX));
    if !bin.is_file() {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let status = Command::new(cargo)
            .args([
                "build",
                "-p",
                "reference-client",
                "--bin",
                "reference-client",
            ])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .status()
            .unwrap();
        assert!(status.success(), "building reference-client failed");
    }
    assert!(
        bin.is_file(),
        "no reference-client binary at {}",
        bin.display()
    );
    bin
}

/// Runs scripts with `--json` and returns the exit code and each run's report.
pub fn run_json(scripts: &[&str], reports: &Path) -> (i32, Vec<Value>) {
    let mut args = vec![
        "run",
        "--quiet",
        "--json",
        "--reports",
        reports.to_str().unwrap(),
    ];
    args.extend_from_slice(scripts);
    let out = invoice_chaos(&args);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let reports: Vec<Value> = serde_json::Deserializer::from_str(&stdout)
        .into_iter::<Value>()
        .collect::<Result<_, _>>()
        .unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}): {stdout}\nstderr: {}",
                String::from_utf8_lossy(&out.stderr)
            )
        });
    (out.status.code().unwrap(), reports)
}

/// The report directory of the one run written under `reports`.
pub fn only_run_dir(reports: &Path) -> PathBuf {
    std::fs::read_dir(reports)
        .unwrap()
        .find(|e| e.as_ref().is_ok_and(|e| e.path().is_dir()))
        .expect("a run directory")
        .unwrap()
        .path()
}

#[test]
fn smoke_passes_with_the_embedded_platform_and_reference_client() {
    let reports = tempfile::tempdir().unwrap();
    let (code, runs) = run_json(&["../scenarios/smoke.toml"], reports.path());
    assert_eq!(code, 0, "{runs:?}");
    let report = &runs[0];
    assert_eq!(report["verdict"], "pass");
    assert_eq!(report["counts"]["judged"], 300);
    assert_eq!(report["counts"]["ok"], 300);
    assert_eq!(report["seed"], 1);
    let dirs: Vec<_> = std::fs::read_dir(reports.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    assert_eq!(dirs.len(), 1);
    for file in [
        "report.json",
        "junit.xml",
        "summary.md",
        "report.html",
        "journal.jsonl",
    ] {
        assert!(
            dirs[0].join(file).is_file(),
            "{file} missing in {}",
            dirs[0].display()
        );
    }
}

#[test]
fn an_asynchronous_embedded_platform_answers_202_and_the_robust_client_still_passes() {
    let (dir, script) = script_file(
        "async.toml",
        r#"name = "async"
seed = 4

[client]
adapter = "reference"
mode = "robust"

[platform]
processing_delay = "300ms"

[[steps]]
issue = { count = 40, rate = 200, concurrency = 4 }

[[steps]]
settle = { timeout = "30s" }

[expect]
faults_must_fire = false
"#,
    );
    let reports = dir.path().join("reports");
    let (code, runs) = run_json(&[script.to_str().unwrap()], &reports);
    assert_eq!(code, 0, "{runs:?}");
    assert_eq!(runs[0]["counts"]["ok"], 40, "{runs:?}");
    let run_dir = only_run_dir(&reports);
    let journal = std::fs::read_to_string(run_dir.join("journal.jsonl")).unwrap();
    let upload_statuses: std::collections::BTreeSet<u64> = journal
        .lines()
        .map(|line| serde_json::from_str::<Value>(line).unwrap())
        .filter(|e| e["route"] == "upload")
        .filter_map(|e| e["status"].as_u64())
        .collect();
    assert_eq!(upload_statuses, [202].into_iter().collect());
}

#[test]
fn a_max_count_override_is_in_the_replay_command() {
    let reports = tempfile::tempdir().unwrap();
    let (code, runs) = run_json(
        &["../scenarios/smoke.toml", "--max-count", "20"],
        reports.path(),
    );
    assert_eq!(code, 0, "{runs:?}");
    assert_eq!(runs[0]["counts"]["judged"], 20);
    let replay = runs[0]["replay"].as_str().unwrap();
    assert!(replay.ends_with(" --max-count 20"), "{replay}");
}

#[test]
fn the_terminal_says_where_the_runs_files_went() {
    let reports = tempfile::tempdir().unwrap();
    let out = invoice_chaos(&[
        "run",
        "--quiet",
        "--reports",
        reports.path().to_str().unwrap(),
        "../scenarios/smoke.toml",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    let dir = only_run_dir(reports.path());
    assert!(
        text.contains(&format!("files:  {}/", dir.display())),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "replay: {BIN} run ../scenarios/smoke.toml --seed 1"
        )),
        "{text}"
    );
}

/// A script that issues `count` invoices through the command adapter running
/// `command` (a TOML array), restarts the client mid-issue, then settles.
fn restarting_command_script(name: &str, command: &str, count: u32) -> String {
    format!(
        r#"name = "{name}"
seed = 1

[client]
adapter = "command"
command = {command}
mode = "robust"

[[steps]]
issue = {{ count = {count}, rate = 300, concurrency = 8 }}
[[steps]]
wait = "300ms"
[[steps]]
restart_client = true
[[steps]]
settle = {{ timeout = "60s" }}

[expect]
faults_must_fire = false
"#
    )
}

#[test]
fn the_command_adapter_passes_with_the_client_killed_and_restarted_mid_issue() {
    let client = reference_client_binary();
    let command = format!(
        r#"[{client:?}, "--mode", "{{mode}}"]"#,
        client = client.display().to_string()
    );
    let (dir, script) = script_file(
        "smoke-command.toml",
        &restarting_command_script("smoke-command", &command, 300),
    );
    let reports = dir.path().join("reports");
    let (code, runs) = run_json(&[script.to_str().unwrap()], &reports);
    let report = &runs[0];
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["counts"]["ok"], 300);
    let kinds: Vec<&str> = report["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    let restart = kinds
        .iter()
        .position(|k| *k == "restarted")
        .expect("a restart");
    assert!(restart < kinds.iter().position(|k| *k == "settled").unwrap());
    let run_dir = only_run_dir(&reports);
    let log = std::fs::read_to_string(run_dir.join("client.log")).unwrap();
    assert_eq!(
        log.matches("listening on").count(),
        2,
        "two starts of the client: {log}"
    );
    // The restart is a crash (SIGKILL, no goodbye); the end of the run asks the
    // second instance to stop (SIGTERM), and it says so before exiting.
    assert_eq!(
        log.matches("reference-client stopped").count(),
        1,
        "one graceful stop: {log}"
    );
}

/// Whether a process runs: it exists and is not a zombie waiting to be reaped.
#[cfg(target_os = "linux")]
fn running(pid: &str) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|stat| {
            let state = stat.rsplit_once(") ")?.1.chars().next()?;
            Some(state != 'Z' && state != 'X')
        })
        .unwrap_or(false)
}

#[cfg(target_os = "linux")]
#[test]
fn a_client_behind_a_wrapper_script_is_killed_by_a_restart_and_stopped_at_the_end() {
    let client = reference_client_binary();
    let dir = tempfile::tempdir().unwrap();
    let pids = dir.path().join("client.pids");
    // The wrapper starts the client as its child instead of exec'ing it, as start
    // scripts often do, and notes each client's pid.
    let wrapper = format!(
        r#""$0" --mode "$1" & echo $! >> {pids:?}; wait"#,
        pids = pids.display().to_string()
    );
    let command = format!(
        r#"["sh", "-c", {wrapper:?}, {client:?}, "{{mode}}"]"#,
        client = client.display().to_string()
    );
    let (script_dir, script) = script_file(
        "wrapped.toml",
        &restarting_command_script("wrapped", &command, 100),
    );
    let reports = script_dir.path().join("reports");
    let (code, runs) = run_json(&[script.to_str().unwrap()], &reports);
    assert_eq!(code, 0, "{:#}", runs[0]);
    let started: Vec<String> = std::fs::read_to_string(&pids)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    assert_eq!(started.len(), 2, "two clients started: {started:?}");
    let left: Vec<&String> = started.iter().filter(|pid| running(pid)).collect();
    assert!(
        left.is_empty(),
        "clients still running after the run: {left:?}"
    );
    let log = std::fs::read_to_string(only_run_dir(&reports).join("client.log")).unwrap();
    assert_eq!(
        log.matches("reference-client stopped").count(),
        1,
        "the restart kills the first client, the end stops the second: {log}"
    );
}

/// (invoice, rule, attempt) of every request a fault fired on, from a run's journal.
fn fault_decisions(run_dir: &Path) -> std::collections::BTreeSet<(String, String, u64)> {
    let text = std::fs::read_to_string(run_dir.join("journal.jsonl")).unwrap();
    text.lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|e| !e["rule"].is_null() && !e["number"].is_null())
        .map(|e| {
            (
                e["number"].as_str().unwrap().to_string(),
                e["rule"].as_str().unwrap().to_string(),
                e["attempt"].as_u64().unwrap_or(0),
            )
        })
        .collect()
}

/// (invoice, attempt) of every upload a run's journal shows.
fn upload_attempts(run_dir: &Path) -> std::collections::BTreeSet<(String, u64)> {
    let text = std::fs::read_to_string(run_dir.join("journal.jsonl")).unwrap();
    text.lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|e| e["route"] == "upload" && !e["number"].is_null())
        .map(|e| {
            (
                e["number"].as_str().unwrap().to_string(),
                e["attempt"].as_u64().unwrap_or(0),
            )
        })
        .collect()
}

#[test]
fn the_same_script_and_seed_inject_the_same_faults_into_the_same_invoices() {
    let (dir, script) = script_file(
        "determinism.toml",
        r#"name = "determinism"
description = "probabilistic faults, concurrent issuing: decisions depend on the seed only"
seed = 42

[[steps]]
fault = { kind = "partial_write", drop = "lines", probability = 0.1, on = "upload" }
[[steps]]
fault = { kind = "reject", probability = 0.1, on = "upload" }
[[steps]]
issue = { count = 200, concurrency = 8 }
[[steps]]
settle = { timeout = "60s" }
"#,
    );
    let mut decisions = Vec::new();
    let mut attempts = Vec::new();
    for run in ["a", "b"] {
        let reports = dir.path().join(run);
        let (_, runs) = run_json(&[script.to_str().unwrap()], &reports);
        assert_eq!(runs[0]["seed"], 42);
        let run_dir = only_run_dir(&reports);
        decisions.push(fault_decisions(&run_dir));
        attempts.push(upload_attempts(&run_dir));
    }
    let rules: std::collections::BTreeSet<&str> =
        decisions[0].iter().map(|d| d.1.as_str()).collect();
    assert_eq!(rules.len(), 2, "both rules fired: {rules:?}");
    // Every invoice's first upload happens in both runs and meets the same faults.
    let first = |a: &std::collections::BTreeSet<(String, u64)>| {
        a.iter()
            .filter(|(_, n)| *n == 0)
            .cloned()
            .collect::<Vec<_>>()
    };
    assert_eq!(first(&attempts[0]), first(&attempts[1]));
    // Whether the client retries once more can depend on its timing; decisions are a
    // function of (invoice, attempt), so compare them on the attempts both runs made.
    let both: std::collections::BTreeSet<_> =
        attempts[0].intersection(&attempts[1]).cloned().collect();
    let on_both = |d: &std::collections::BTreeSet<(String, String, u64)>| {
        d.iter()
            .filter(|(n, _, a)| both.contains(&(n.clone(), *a)))
            .cloned()
            .collect::<std::collections::BTreeSet<_>>()
    };
    assert_eq!(on_both(&decisions[0]), on_both(&decisions[1]));
    assert!(on_both(&decisions[0]).len() >= decisions[0].len() * 9 / 10);
}

#[test]
fn the_longest_timeouts_validate_accepts_run_without_a_panic() {
    // Longer ones (up to what no clock can add) are refused by `validate`; see
    // `unrunnable`. The longest accepted, plus the harness's own margins, must still run.
    let (_dir, script) = script_file(
        "forever.toml",
        r#"name = "forever"
description = "the longest waits a script may ask for"
seed = 3

[client]
adapter = "reference"
mode = "robust"
health_timeout = "7days"

[[steps]]
issue = { count = 3, concurrency = 1 }
[[steps]]
settle = { timeout = "7days" }

[expect]
faults_must_fire = false
"#,
    );
    let reports = tempfile::tempdir().unwrap();
    let (code, runs) = run_json(&[script.to_str().unwrap()], reports.path());
    assert_eq!(code, 0, "{runs:?}");
    assert_eq!(runs[0]["counts"]["ok"], 3, "{}", runs[0]);
}
