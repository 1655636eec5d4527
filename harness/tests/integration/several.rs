//! A `run` over several scripts: one closing line, one JUnit file, JSON Lines.

use serde_json::Value;

use crate::support::invoice_chaos;

#[test]
fn several_scripts_give_one_line_one_junit_file_and_json_lines() {
    let dir = tempfile::tempdir().unwrap();
    let scripts = dir.path().join("scripts");
    std::fs::create_dir(&scripts).unwrap();
    std::fs::write(
        scripts.join("a-pass.toml"),
        "name = \"pass\"\nseed = 1\n[[steps]]\nissue = { count = 10 }\n\
         [[steps]]\nsettle = { timeout = \"30s\" }\n[expect]\nfaults_must_fire = false\n",
    )
    .unwrap();
    std::fs::write(
        scripts.join("b-fail.toml"),
        "name = \"fail\"\nseed = 1\n[client]\nmode = \"naive\"\n\
         [[steps]]\nfault = { kind = \"drop_after_ack\", probability = 1.0, on = \"upload\" }\n\
         [[steps]]\nissue = { count = 10 }\n[[steps]]\nsettle = { timeout = \"30s\" }\n",
    )
    .unwrap();
    let reports = dir.path().join("reports");
    let out = invoice_chaos(&[
        "run",
        "--quiet",
        "--json",
        "--reports",
        reports.to_str().unwrap(),
        scripts.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let verdicts: Vec<&str> = lines
        .iter()
        .map(|r| r["verdict"].as_str().unwrap())
        .collect();
    assert_eq!(verdicts, ["pass", "fail"], "one report per line: {stdout}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("2 scripts: 1 passed, 1 failed, 0 inconclusive"),
        "{stderr}"
    );
    let junit = std::fs::read_to_string(reports.join("junit.xml")).unwrap();
    assert_eq!(junit.matches("<testsuite ").count(), 2, "{junit}");
    assert!(
        junit.contains("name=\"pass\"") && junit.contains("name=\"fail\""),
        "{junit}"
    );

    let junit_file = dir.path().join("ci").join("junit.xml");
    let out = invoice_chaos(&[
        "run",
        "--quiet",
        "--reports",
        reports.to_str().unwrap(),
        "--junit",
        junit_file.to_str().unwrap(),
        scripts.to_str().unwrap(),
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("2 scripts: 1 passed, 1 failed, 0 inconclusive"),
        "{stdout}"
    );
    let junit = std::fs::read_to_string(&junit_file).unwrap();
    assert_eq!(junit.matches("<testsuite ").count(), 2, "{junit}");
}
