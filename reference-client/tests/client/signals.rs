//! The binary stops gracefully on SIGTERM (`docker stop`, a service manager), as on
//! Ctrl-C, instead of dying with deliveries in flight.

use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

#[tokio::test]
async fn the_binary_stops_gracefully_on_sigterm() {
    let state = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_reference-client"))
        // Nothing is delivered in this test; the platform address only has to parse.
        .env("TAX_PLATFORM_URL", "http://127.0.0.1:9")
        .env("TAX_SELLER_ID", "91110000MA01ABCD1X")
        .env("CLIENT_STATE_DIR", state.path())
        .env("PORT", "0")
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap()).lines();
    let url = loop {
        let line = out
            .next_line()
            .await
            .unwrap()
            .expect("the client exited before it listened");
        if let Some((_, url)) = line.split_once(" listening on ") {
            break url.trim().to_owned();
        }
    };
    let health = reqwest::get(format!("{url}/healthz")).await.unwrap();
    assert_eq!(health.status(), 200);

    let pid = child.id().unwrap();
    let sent = std::process::Command::new("sh")
        .args(["-c", &format!("kill -TERM {pid}")])
        .status()
        .unwrap();
    assert!(sent.success());
    let exit = tokio::time::timeout(Duration::from_secs(30), child.wait())
        .await
        .expect("the client did not stop within 30 s of SIGTERM")
        .unwrap();
    let mut rest = Vec::new();
    while let Some(line) = out.next_line().await.unwrap() {
        rest.push(line);
    }
    assert!(exit.success(), "{exit:?}; output after SIGTERM: {rest:#?}");
    assert_eq!(
        rest.last().map(String::as_str),
        Some("reference-client stopped")
    );
}
