//! Re-runs against a client or platform that keeps state between runs: the same
//! verdict as against fresh ones, and a replay line that makes the same numbers.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::run::run_json;
use crate::support::{running_platform, script_file};
use crate::wiring::{start_client, url_script};

#[test]
fn a_script_run_twice_against_the_same_long_running_client_passes_both_times() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let state = tempfile::tempdir().unwrap();
    let (platform, client) = rt.block_on(async {
        let platform = mock_tax_platform::start(mock_tax_platform::Config::default())
            .await
            .unwrap();
        let client = start_client(platform.base_url(), state.path()).await;
        (platform, client)
    });
    let fault = "[[steps]]\nfault = { kind = \"partial_write\", drop = \"lines\", every = 5, on = \"upload\" }\n";
    let (dir, script) = script_file(
        "twice.toml",
        &url_script(&client.addr().to_string(), &platform.base_url(), fault),
    );
    let script = script.to_str().unwrap();
    let mut replays = Vec::new();
    for round in 0..2 {
        let (code, runs) = run_json(&[script], &dir.path().join(format!("reports-{round}")));
        let report = &runs[0];
        assert_eq!(code, 0, "round {round}: {report:#}");
        assert_eq!(report["counts"]["judged"], 30, "round {round}: {report:#}");
        assert!(report["fault_fires"][0]["fired"].as_u64().unwrap() > 0);
        replays.push(report["replay"].as_str().unwrap().to_string());
    }
    assert_ne!(replays[0], replays[1], "each run has its own run id");

    // Replaying the first run makes its numbers again, which this client still holds.
    let words: Vec<&str> = replays[0].split_whitespace().collect();
    let at = words.iter().position(|w| *w == "--run-id").unwrap();
    let (code, runs) = run_json(
        &[script, "--run-id", words[at + 1]],
        &dir.path().join("reports-replay"),
    );
    let report = &runs[0];
    assert_eq!(code, 2, "{report:#}");
    assert_eq!(report["inconclusive"][0]["kind"], "leftover_state");
    assert!(
        report["inconclusive"][0]["detail"]
            .as_str()
            .unwrap()
            .contains("--run-id"),
        "{report:#}"
    );
    rt.block_on(async {
        client.shutdown().await;
        platform.shutdown().await;
    });
}

#[test]
fn a_replay_with_the_run_id_makes_the_same_fault_decisions_for_a_fresh_client() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (first_state, fresh_state) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (platform, first, fresh) = rt.block_on(async {
        let platform = mock_tax_platform::start(mock_tax_platform::Config::default())
            .await
            .unwrap();
        let first = start_client(platform.base_url(), first_state.path()).await;
        let fresh = start_client(platform.base_url(), fresh_state.path()).await;
        (platform, first, fresh)
    });
    let fault = "[[steps]]\nfault = { kind = \"partial_write\", drop = \"lines\", probability = 0.3, on = \"upload\" }\n";
    let dir = tempfile::tempdir().unwrap();
    let run = |client: &reference_client::RunningClient, extra: &[&str], name: &str| {
        let script = dir.path().join(format!("{name}.toml"));
        std::fs::write(
            &script,
            url_script(&client.addr().to_string(), &platform.base_url(), fault),
        )
        .unwrap();
        let mut args = vec![script.to_str().unwrap().to_string()];
        args.extend(extra.iter().map(|a| a.to_string()));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (code, mut runs) = run_json(&args, &dir.path().join(name));
        (code, runs.remove(0))
    };
    let (code, original) = run(&first, &[], "original");
    assert_eq!(code, 0, "{original:#}");
    let replay = original["replay"].as_str().unwrap().to_string();
    let words: Vec<&str> = replay.split_whitespace().collect();
    let at = words.iter().position(|w| *w == "--run-id").unwrap();
    let (code, again) = run(&fresh, &["--run-id", words[at + 1]], "replay");
    assert_eq!(code, 0, "{again:#}");
    // The client's retries follow its own timing, so compare the platform's decisions
    // request by request: the same (invoice, attempt) met the same rule.
    let decisions = |name: &str| -> BTreeMap<(String, u64), Value> {
        let run_dir = std::fs::read_dir(dir.path().join(name))
            .unwrap()
            .find(|e| e.as_ref().is_ok_and(|e| e.path().is_dir()))
            .unwrap()
            .unwrap()
            .path();
        std::fs::read_to_string(run_dir.join("journal.jsonl"))
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str::<Value>(l).unwrap())
            .filter(|e| e["route"] == "upload")
            .map(|e| {
                let key = (
                    e["number"].as_str().unwrap().to_string(),
                    e["attempt"].as_u64().unwrap(),
                );
                (key, e["rule"].clone())
            })
            .collect()
    };
    let (before, after) = (decisions("original"), decisions("replay"));
    let first_attempts = |d: &BTreeMap<(String, u64), Value>| -> Vec<String> {
        d.keys().filter(|k| k.1 == 0).map(|k| k.0.clone()).collect()
    };
    assert_eq!(first_attempts(&before).len(), 30);
    assert_eq!(first_attempts(&before), first_attempts(&after));
    let mut fired_in_both = 0;
    for (key, rule) in &before {
        if let Some(again) = after.get(key) {
            assert_eq!(again, rule, "decision for {key:?}");
            fired_in_both += usize::from(!rule.is_null());
        }
    }
    assert!(fired_in_both > 0);
    let run_id_event = |r: &Value| {
        r["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["kind"] == "run_id")
            .cloned()
            .unwrap()["detail"]
            .clone()
    };
    assert_eq!(
        run_id_event(&again),
        run_id_event(&original),
        "the same invoice numbers"
    );
    rt.block_on(async {
        first.shutdown().await;
        fresh.shutdown().await;
        platform.shutdown().await;
    });
}

#[test]
fn a_running_platform_that_is_not_reset_gives_the_same_verdict_twice() {
    // Unseeded: each run draws its own seed, so the second run's numbers differ from
    // the first's, whose records the platform still holds.
    let rt = tokio::runtime::Runtime::new().unwrap();
    let platform = running_platform(&rt);
    let (dir, script) = script_file(
        "kept.toml",
        &format!(
            "name = \"kept\"\n[platform]\nurl = \"{}\"\nreset = false\n\
             [[steps]]\nissue = {{ count = 20, concurrency = 4 }}\n\
             [[steps]]\nsettle = {{ timeout = \"60s\" }}\n[expect]\nfaults_must_fire = false\n",
            platform.base_url()
        ),
    );
    for round in 0..2 {
        let (code, runs) = run_json(
            &[script.to_str().unwrap()],
            &dir.path().join(format!("reports-{round}")),
        );
        let report = &runs[0];
        assert_eq!(code, 0, "round {round}: {report:#}");
        assert_eq!(report["counts"]["ok"], 20, "round {round}: {report:#}");
        assert_eq!(
            report["counts"]["UNEXPECTED"], 0,
            "round {round}: {report:#}"
        );
    }
    rt.block_on(platform.shutdown());
}
