//! `--jobs N`: scenarios run side by side and report in script order.

use crate::run::run_json;

/// A five-invoice robust run; `rule` adds one fault step before issuing.
fn script(name: &str, rule: &str) -> String {
    format!(
        "name = \"{name}\"\nseed = 5\n\n[client]\nadapter = \"reference\"\nmode = \"robust\"\n\
         {rule}\n[[steps]]\nissue = {{ count = 5 }}\n\n[[steps]]\nsettle = {{ timeout = \"20s\" }}\n"
    )
}

#[test]
fn scenarios_run_side_by_side_report_in_script_order_with_their_own_verdicts() {
    let dir = tempfile::tempdir().unwrap();
    let never = "\n[[steps]]\nfault = { kind = \"reject\", number_prefix = \"XX\" }\n";
    let scripts = [
        (
            "a-lag.toml",
            script(
                "a-lag",
                "\n[[steps]]\nfault = { kind = \"latency\", delay = \"300ms\" }\n",
            ),
        ),
        ("b-never-fires.toml", script("b-never-fires", never)),
        (
            "c-plain.toml",
            script("c-plain", "\n[expect]\nfaults_must_fire = false\n"),
        ),
    ];
    for (file, text) in &scripts {
        std::fs::write(dir.path().join(file), text).unwrap();
    }
    let reports = tempfile::tempdir().unwrap();
    let (code, runs) = run_json(
        &["--jobs", "3", dir.path().to_str().unwrap()],
        reports.path(),
    );
    let seen: Vec<(&str, &str)> = runs
        .iter()
        .map(|r| {
            (
                r["scenario"].as_str().unwrap(),
                r["verdict"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            ("a-lag", "pass"),
            ("b-never-fires", "inconclusive"),
            ("c-plain", "pass")
        ]
    );
    assert_eq!(code, 2, "the worst outcome wins");
    // Side by side: the second run started before the first (held up 300 ms by its
    // latency rule) had finished; run one after the other it could not have.
    let at = |run: usize, field: &str| {
        chrono::DateTime::parse_from_rfc3339(runs[run][field].as_str().unwrap()).unwrap()
    };
    assert!(at(1, "started_at") < at(0, "finished_at"), "{runs:?}");
}

/// Run directories under `reports` that hold a `report.json`, and all run directories.
fn run_dirs(reports: &std::path::Path) -> Vec<std::path::PathBuf> {
    std::fs::read_dir(reports)
        .map(|entries| {
            entries
                .map(|e| e.unwrap().path())
                .filter(|p| p.is_dir())
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(unix)]
#[test]
fn an_interrupt_stops_every_scenario_running_side_by_side_and_each_writes_its_report() {
    use crate::interrupt::{within, LIMIT};
    let dir = tempfile::tempdir().unwrap();
    let slow = |name: &str| {
        format!(
            "name = \"{name}\"\nseed = 5\n\n[client]\nadapter = \"reference\"\nmode = \"robust\"\n\n\
             [[steps]]\nissue = {{ count = 100000, rate = 20 }}\n\n[[steps]]\nsettle = {{ timeout = \"20s\" }}\n\n\
             [expect]\nfaults_must_fire = false\n"
        )
    };
    for name in ["a-slow", "b-slow", "c-never-starts"] {
        std::fs::write(dir.path().join(format!("{name}.toml")), slow(name)).unwrap();
    }
    let reports = tempfile::tempdir().unwrap();
    let harness = std::process::Command::new(crate::support::BIN)
        .args([
            "run",
            "--jobs",
            "2",
            "--quiet",
            dir.path().to_str().unwrap(),
        ])
        .arg("--reports")
        .arg(reports.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Both runs are under way once each has its run directory.
    let give_up = std::time::Instant::now() + LIMIT;
    while run_dirs(reports.path()).len() < 2 {
        assert!(
            std::time::Instant::now() < give_up,
            "the runs never started"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }

    let sent = std::process::Command::new("kill")
        .args(["-TERM", &harness.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    let output = within("the harness's exit", move || {
        harness.wait_with_output().unwrap()
    });

    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(130), "{stderr}");
    let dirs = run_dirs(reports.path());
    assert_eq!(dirs.len(), 2, "the third scenario never started: {dirs:?}");
    for run in dirs {
        let report: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(run.join("report.json")).unwrap())
                .unwrap_or_else(|e| panic!("{}: {e}; {stderr}", run.display()));
        assert_eq!(report["interrupted"], "SIGTERM", "{report}");
        assert_eq!(report["verdict"], "inconclusive", "{report}");
    }
    let results = std::fs::read_to_string(reports.path().join("results.json")).unwrap();
    assert!(results.contains("\"exit_code\": 130"), "{results}");
}

#[test]
fn side_by_side_each_finished_script_gets_one_line_and_only_those_that_did_not_pass_a_summary() {
    let dir = tempfile::tempdir().unwrap();
    let never = "\n[[steps]]\nfault = { kind = \"reject\", number_prefix = \"XX\" }\n";
    let plain = "\n[expect]\nfaults_must_fire = false\n";
    std::fs::write(dir.path().join("a.toml"), script("a-plain", plain)).unwrap();
    std::fs::write(dir.path().join("b.toml"), script("b-never-fires", never)).unwrap();
    let reports = tempfile::tempdir().unwrap();

    let out = crate::support::invoice_chaos(&[
        "run",
        "--jobs",
        "2",
        "--reports",
        reports.path().to_str().unwrap(),
        dir.path().to_str().unwrap(),
    ]);

    assert_eq!(out.status.code(), Some(2));
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("PASS") && l.contains(" a-plain  ")),
        "{stdout}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("INCONCLUSIVE") && l.contains(" b-never-fires  ")),
        "{stdout}"
    );
    // The full summary (with its replay line) only for the run that did not pass.
    assert_eq!(stdout.matches("replay:").count(), 1, "{stdout}");
    assert!(stdout.contains("b-never-fires: INCONCLUSIVE"), "{stdout}");
    assert!(stdout.contains("2 scripts: 1 passed, 0 failed, 1 inconclusive"));
}
