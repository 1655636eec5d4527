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
