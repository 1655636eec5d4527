//! The binary stops gracefully on SIGTERM (`docker stop`, a cancelled CI job), as it
//! does on Ctrl-C, instead of dying mid-request.

use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

#[tokio::test]
async fn the_binary_stops_gracefully_on_sigterm() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_mock-tax-platform"))
        .args(["--listen", "127.0.0.1:0", "--workers", "1"])
        .env("RUST_LOG", "info")
        .env("NO_COLOR", "1")
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut log = BufReader::new(child.stderr.take().unwrap()).lines();
    // Ready once it logs (to stderr) the address it listens on.
    let addr = loop {
        let line = log
            .next_line()
            .await
            .unwrap()
            .expect("the platform exited before it listened");
        if line.contains("mock tax platform listening") {
            let (_, rest) = line.split_once(" addr=").expect("an addr= field");
            break rest.split_whitespace().next().unwrap().to_owned();
        }
    };
    let status = reqwest::get(format!("http://{addr}/v1/status"))
        .await
        .unwrap();
    assert_eq!(status.status(), 200);

    let pid = child.id().unwrap();
    let sent = std::process::Command::new("sh")
        .args(["-c", &format!("kill -TERM {pid}")])
        .status()
        .unwrap();
    assert!(sent.success());
    let exit = tokio::time::timeout(Duration::from_secs(30), child.wait())
        .await
        .expect("the platform did not stop within 30 s of SIGTERM")
        .unwrap();
    let mut rest = Vec::new();
    while let Some(line) = log.next_line().await.unwrap() {
        rest.push(line);
    }
    assert!(exit.success(), "{exit:?}; log after SIGTERM: {rest:#?}");
    assert!(
        rest.iter().any(|l| l.contains("SIGTERM received"))
            && rest.last().is_some_and(|l| l.ends_with("stopped")),
        "{rest:#?}"
    );
}

/// Runs the binary with `args` and no control token from the environment; returns
/// its exit status and what it wrote to stderr.
async fn refused(args: &[&str]) -> (std::process::ExitStatus, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_mock-tax-platform"))
        .args(args)
        .env_remove("CHAOS_CONTROL_TOKEN")
        .env("NO_COLOR", "1")
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(Duration::from_secs(30), output)
        .await
        .expect("the binary must refuse to start, not serve")
        .unwrap();
    (
        output.status,
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[tokio::test]
async fn the_binary_refuses_a_public_control_listener_without_a_token() {
    // Refused before binding: nothing ever listens on the public address.
    let (status, stderr) =
        refused(&["--listen", "127.0.0.1:0", "--control-listen", "0.0.0.0:0"]).await;
    assert!(!status.success());
    assert!(
        stderr.contains("control plane listens on 0.0.0.0:0"),
        "{stderr}"
    );
    assert!(stderr.contains("CHAOS_CONTROL_TOKEN"), "{stderr}");
}

#[tokio::test]
async fn the_binary_refuses_an_empty_control_token() {
    let (status, stderr) = refused(&["--listen", "127.0.0.1:0", "--control-token", ""]).await;
    assert!(!status.success());
    assert!(stderr.contains("control token is empty"), "{stderr}");
}
