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
