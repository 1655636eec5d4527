//! Clients and platforms the harness did not start: a client that cannot know the
//! run's platform is refused before anything starts, one uploading elsewhere makes
//! the run inconclusive instead of reporting lost invoices, and the platform's
//! secrets come from the environment.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

use crate::run::run_json;
use crate::support::{invoice_chaos, script_file, BIN, SELLER};

/// A reference client serving on `127.0.0.1:0`, uploading to `platform_url`, with its
/// state (its outbox and ledger) kept in `state` for as long as it runs.
pub async fn start_client(platform_url: String, state: &Path) -> reference_client::RunningClient {
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

pub fn url_script(client: &str, platform: &str, extra_steps: &str) -> String {
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
