//! Clients and platforms the harness did not start: wiring mistakes are named, not
//! reported as lost invoices; re-runs against kept state give the same verdict;
//! secrets come from the environment; several scripts give one answer.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

use crate::run::run_json;
use crate::support::{invoice_chaos, script_file, BIN, SELLER};

/// A reference client serving on `127.0.0.1:0`, uploading to `platform_url`, with its
/// state (its outbox and ledger) kept in `state` for as long as it runs.
async fn start_client(platform_url: String, state: &Path) -> reference_client::RunningClient {
    let config = reference_client::ClientConfig::new(platform_url, SELLER, state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    reference_client::start(config, listener).await.unwrap()
}

/// Runs the binary from the crate directory with extra environment variables and
/// without the caller's tokens.
fn invoice_chaos_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    Command::new(BIN)
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("RUST_LOG")
        .env_remove("CHAOS_CONTROL_TOKEN")
        .env_remove("CHAOS_PLATFORM_TOKEN")
        .envs(env.iter().copied())
        .output()
        .unwrap()
}

fn url_script(client: &str, platform: &str, extra_steps: &str) -> String {
    format!(
        "name = \"url\"\nseed = 12\n[client]\nadapter = \"url\"\nurl = \"http://{client}\"\n\
         [platform]\nurl = \"{platform}\"\n{extra_steps}[[steps]]\nissue = {{ count = 30, concurrency = 4 }}\n\
         [[steps]]\nsettle = {{ timeout = \"60s\" }}\n"
    )
}

#[test]
fn validate_rejects_the_url_adapter_without_a_platform_its_client_can_know() {
    let (_dir, script) = script_file(
        "unwired.toml",
        "name = \"unwired\"\n[client]\nadapter = \"url\"\nurl = \"http://127.0.0.1:9\"\n\
         [[steps]]\nissue = { count = 5 }\n",
    );
    let out = invoice_chaos(&["validate", script.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(254), "{stderr}");
    assert!(stderr.contains("unwired.toml:3:11:"), "{stderr}");
    assert!(stderr.contains("[platform] listen"), "{stderr}");

    // The embedded platform on an address the script fixes is something a client can know.
    let (_dir, script) = script_file(
        "listen.toml",
        "name = \"listen\"\n[client]\nadapter = \"url\"\nurl = \"http://127.0.0.1:9\"\n\
         [platform]\nlisten = \"127.0.0.1:8080\"\n[[steps]]\nissue = { count = 5 }\n",
    );
    let out = invoice_chaos(&["validate", script.to_str().unwrap()]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let (_dir, script) = script_file(
        "bad-listen.toml",
        "name = \"x\"\n[platform]\nlisten = \"localhost\"\n[[steps]]\nissue = { count = 5 }\n",
    );
    let out = invoice_chaos(&["validate", script.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(254), "{stderr}");
    assert!(stderr.contains("bad-listen.toml:3:10:"), "{stderr}");
}

#[test]
fn a_client_uploading_to_another_platform_makes_the_run_inconclusive_not_lost() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let state = tempfile::tempdir().unwrap();
    let config = mock_tax_platform::Config::default;
    let (elsewhere, ours, client) = rt.block_on(async {
        let elsewhere = mock_tax_platform::start(config()).await.unwrap();
        let ours = mock_tax_platform::start(config()).await.unwrap();
        let client = start_client(elsewhere.base_url(), state.path()).await;
        (elsewhere, ours, client)
    });
    let (dir, script) = script_file(
        "url.toml",
        &(url_script(&client.addr().to_string(), &ours.base_url(), "")
            + "[expect]\nfaults_must_fire = false\n"),
    );
    let (code, runs) = run_json(&[script.to_str().unwrap()], &dir.path().join("reports"));
    let report = &runs[0];
    assert_eq!(code, 2, "{report:#}");
    assert_eq!(report["verdict"], "inconclusive");
    assert_eq!(report["counts"]["LOST"], 0, "{report:#}");
    let reason = &report["inconclusive"][0];
    assert_eq!(reason["kind"], "unwired", "{report:#}");
    let detail = reason["detail"].as_str().unwrap();
    assert!(detail.contains("30 of the 30"), "{detail}");
    assert!(detail.contains("TAX_PLATFORM_URL"), "{detail}");
    rt.block_on(async {
        client.shutdown().await;
        ours.shutdown().await;
        elsewhere.shutdown().await;
    });
}

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
            .next()
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
fn run_and_check_read_the_platform_tokens_from_the_environment() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let platform = rt
        .block_on(mock_tax_platform::start(mock_tax_platform::Config {
            control_token: Some("control-secret".into()),
            tokens: [(SELLER.to_string(), "seller-secret".to_string())]
                .into_iter()
                .collect(),
            ..mock_tax_platform::Config::default()
        }))
        .unwrap();
    let url = platform.base_url();
    let (dir, script) = script_file(
        "secret.toml",
        "name = \"secret\"\nseed = 2\n[[steps]]\nissue = { count = 10 }\n\
         [[steps]]\nsettle = { timeout = \"30s\" }\n[expect]\nfaults_must_fire = false\n",
    );
    let reports = dir.path().join("reports");
    let run = |env: &[(&str, &str)]| {
        invoice_chaos_env(
            &[
                "run",
                "--quiet",
                "--json",
                "--reports",
                reports.to_str().unwrap(),
                "--platform-url",
                &url,
                script.to_str().unwrap(),
            ],
            env,
        )
    };
    let without = run(&[]);
    assert_eq!(
        without.status.code(),
        Some(255),
        "the control plane refuses a run without its token"
    );
    let with = run(&[
        ("CHAOS_CONTROL_TOKEN", "control-secret"),
        ("CHAOS_PLATFORM_TOKEN", "seller-secret"),
    ]);
    let stdout = String::from_utf8_lossy(&with.stdout);
    assert_eq!(
        with.status.code(),
        Some(0),
        "{stdout}\n{}",
        String::from_utf8_lossy(&with.stderr)
    );
    let report: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["counts"]["ok"], 10);
    assert!(
        !stdout.contains("seller-secret") && !stdout.contains("control-secret"),
        "no token in the report: {stdout}"
    );

    // `check` reads the same variable.
    let ledger = dir.path().join("ledger.jsonl");
    std::fs::write(&ledger, "{\"number\":\"x\",\"status\":\"confirmed\"}\n").unwrap();
    let out = invoice_chaos_env(
        &[
            "check",
            "--json",
            "--ledger",
            ledger.to_str().unwrap(),
            "--platform-url",
            &url,
            "--reports",
            reports.to_str().unwrap(),
        ],
        &[("CHAOS_CONTROL_TOKEN", "control-secret")],
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["judged"], true, "the truth was read: {report:#}");
    rt.block_on(platform.shutdown());
}

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

#[test]
fn the_embedded_platform_on_a_listen_address_takes_a_client_configured_elsewhere() {
    use harness::platform::PlatformHandle;
    use harness::script::PlatformSpec;

    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let upload = |base: String| async move {
            reqwest::Client::new()
                .post(format!("{base}/v1/invoices"))
                .bearer_auth("a-token-of-its-own")
                .json(&crate::support::invoice("26000000000000000001"))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        };
        let spec = PlatformSpec {
            listen: Some("127.0.0.1:0".parse().unwrap()),
            ..PlatformSpec::default()
        };
        let listening = PlatformHandle::start(&spec, 1, SELLER).await.unwrap();
        assert!(listening.base_url.starts_with("http://127.0.0.1:"));
        assert_eq!(
            upload(listening.base_url.clone()).await,
            201,
            "a client configured by someone else cannot know a generated token"
        );
        listening.stop().await;

        // On its ephemeral port, the platform checks the token it handed the client.
        let ephemeral = PlatformHandle::start(&PlatformSpec::default(), 1, SELLER)
            .await
            .unwrap();
        assert_eq!(upload(ephemeral.base_url.clone()).await, 401);
        ephemeral.stop().await;
    });
}

#[test]
fn a_running_platform_that_is_not_reset_gives_the_same_verdict_twice() {
    // Unseeded: each run draws its own seed, so the second run's numbers differ from
    // the first's, whose records the platform still holds.
    let rt = tokio::runtime::Runtime::new().unwrap();
    let platform = rt
        .block_on(mock_tax_platform::start(
            mock_tax_platform::Config::default(),
        ))
        .unwrap();
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
