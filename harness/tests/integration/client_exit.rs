//! A command-adapter client that dies mid-run: the harness notices at once, stops
//! the steps, judges what the client had taken from its last ledger, and fails the
//! run with `CLIENT_EXITED`, saying when and how the program exited.

use std::io::{BufRead, BufReader, Read};
use std::process::Command;

use crate::interrupt::{only_report, within, Wrapped, LIMIT};

#[test]
fn a_client_that_dies_mid_run_fails_it_with_client_exited_and_its_exit_status() {
    let client = Wrapped::new(false);
    // The long wait stands for the rest of a run: the exit must cut it short.
    let (_script_dir, script) = client.script_with(
        "count = 20",
        "[[steps]]\nsettle = { timeout = \"60s\" }\n[[steps]]\nwait = \"10m\"\n",
    );
    let gone = client.gone();
    let mut harness = client.start_harness_logging(&script, "harness=info");
    let client_pid = client.client_pid();
    // Once the settle step found nothing pending, the harness holds a ledger with all 20.
    let stderr = harness.stderr.take().unwrap();
    let settled = within("the settle step", move || {
        let mut lines = BufReader::new(stderr).lines();
        let mut seen = String::new();
        for line in lines.by_ref() {
            let line = line.unwrap();
            seen.push_str(&line);
            seen.push('\n');
            if line.contains("nothing pending") {
                // Keep draining so the harness never blocks on a full pipe.
                std::thread::spawn(move || lines.for_each(drop));
                return (true, seen);
            }
        }
        (false, seen)
    });
    assert!(settled.0, "{}", settled.1);

    let killed = Command::new("kill")
        .args(["-KILL", &client_pid])
        .status()
        .unwrap();
    assert!(killed.success());
    gone.recv_timeout(LIMIT).unwrap().unwrap();
    let status = within("the harness's exit", move || {
        let mut stdout = String::new();
        harness
            .stdout
            .take()
            .unwrap()
            .read_to_string(&mut stdout)
            .unwrap();
        harness.wait().unwrap()
    });

    let (_dir, report) = only_report(&client.reports());
    assert_eq!(status.code(), Some(1), "{report}");
    let (_dir, report) = only_report(&client.reports());
    assert_eq!(report["verdict"], "fail", "{report}");
    assert_eq!(report["counts"]["CLIENT_EXITED"], 1, "{report}");
    let exit = &report["client_exits"][0];
    assert_eq!(exit["code"], 3, "{report}");
    assert_eq!(exit["restarted"], false, "{report}");
    assert!(exit["ledger_read_at_ms"].as_u64().is_some(), "{report}");
    assert_eq!(exit["accepted_after_ledger"], 0, "{report}");
    let tail = exit["log_tail"].to_string();
    assert!(
        tail.contains("wrapper: the client exited with 137"),
        "{tail}"
    );
    // The invoices the client had taken are judged from its last ledger.
    assert_eq!(report["judged"], true, "{report}");
    assert_eq!(report["counts"]["ok"], 20, "{report}");
    let broken: Vec<&str> = report["invariants"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["holds"] == false)
        .map(|i| i["name"].as_str().unwrap())
        .collect();
    assert_eq!(broken, ["CLIENT_EXITED"], "{report}");
}
