//! The binary answers a bad setting with one message, never a backtrace (CI images
//! often set `RUST_BACKTRACE=1`), and writes no colour codes into a log file.

use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_reference-client");

#[test]
fn a_bad_setting_or_a_wrong_flag_is_a_message_without_a_backtrace() {
    let state = tempfile::tempdir().unwrap();
    let state = state.path().to_str().unwrap();
    for args in [
        &[
            "--platform-url",
            "http://127.0.0.1:9",
            "--seller-id",
            "S",
            "--state-dir",
            state,
            "--workers",
            "0",
        ][..],
        &[
            "--platform-url",
            "ftp://x",
            "--seller-id",
            "S",
            "--state-dir",
            state,
        ],
        &[
            "--platform-url",
            "http://127.0.0.1:9",
            "--seller-id",
            "S",
            "--frobnicate",
        ],
    ] {
        let out = std::process::Command::new(BIN)
            .args(args)
            .env("RUST_BACKTRACE", "1")
            .env_remove("TAX_PLATFORM_URL")
            .env_remove("PORT")
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{args:?}: {err}");
        assert!(err.starts_with("error: "), "{args:?}: {err}");
        assert!(!err.to_lowercase().contains("backtrace"), "{args:?}: {err}");
    }
}

#[tokio::test]
async fn logs_carry_no_colour_codes_when_stderr_is_not_a_terminal() {
    let state = tempfile::tempdir().unwrap();
    // Its first reconciliation tries the (closed) platform port and logs the attempt.
    let mut child = Command::new(BIN)
        .args([
            "--platform-url",
            "http://127.0.0.1:9",
            "--seller-id",
            "S",
            "--port",
            "0",
        ])
        .arg("--state-dir")
        .arg(state.path())
        .env("RUST_LOG", "debug")
        .env_remove("NO_COLOR")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut log = BufReader::new(child.stderr.take().unwrap()).lines();
    let line = tokio::time::timeout(Duration::from_secs(30), log.next_line())
        .await
        .expect("the client logged nothing within 30 s")
        .unwrap()
        .expect("the client exited before it logged");
    assert!(!line.contains('\u{1b}'), "{line:?}");
}

#[test]
fn a_port_in_use_is_named_in_the_error() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let state = tempfile::tempdir().unwrap();

    let out = std::process::Command::new(BIN)
        .args(["--platform-url", "http://127.0.0.1:9", "--seller-id", "S"])
        .args(["--port", &port, "--state-dir"])
        .arg(state.path())
        .env_remove("TAX_PLATFORM_URL")
        .output()
        .unwrap();

    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{err}");
    assert!(
        err.contains(&format!("cannot listen on 127.0.0.1:{port}")),
        "{err}"
    );
}
