//! The binary answers a user's mistake with one message, never a backtrace (CI images
//! often set `RUST_BACKTRACE=1`), and writes no colour codes into a log file.

use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_mock-tax-platform");

fn platform_with_backtraces(args: &[&str]) -> std::process::Output {
    std::process::Command::new(BIN)
        .args(args)
        .env("RUST_BACKTRACE", "1")
        .output()
        .unwrap()
}

#[test]
fn a_plan_file_typo_is_one_message_at_the_keys_line_and_column_without_a_backtrace() {
    let dir = std::env::temp_dir().join(format!("platform-typo-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let plan = dir.join("bad.toml");
    std::fs::write(
        &plan,
        "[[faults]]\nkind = \"latency\"\ndelay = \"1s\"\nprobabilty = 0.5\n",
    )
    .unwrap();
    let out =
        platform_with_backtraces(&["--listen", "127.0.0.1:0", "--plan", plan.to_str().unwrap()]);
    std::fs::remove_dir_all(&dir).unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.starts_with(&format!("error: {}:4:1: ", plan.display())),
        "{err}"
    );
    assert_eq!(err.matches("probabilty").count(), 1, "{err}");
    assert!(!err.to_lowercase().contains("backtrace"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
}

#[test]
fn a_bad_setting_or_a_wrong_flag_is_a_message_without_a_backtrace() {
    for args in [
        &["--listen", "127.0.0.1:0", "--tokens", "/no/such/tokens.txt"][..],
        &["--listen", "127.0.0.1:0", "--plan", "/no/such/plan.toml"],
        &["--listen", "127.0.0.1:0", "--frobnicate"],
    ] {
        let out = platform_with_backtraces(args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{args:?}: {err}");
        assert!(err.starts_with("error: "), "{args:?}: {err}");
        assert!(!err.to_lowercase().contains("backtrace"), "{args:?}: {err}");
    }
}

#[test]
fn a_duration_flag_longer_than_a_week_is_refused_before_it_overflows_a_clock() {
    for flag in ["--header-read-timeout", "--processing-delay"] {
        // The missing plan stops a build that takes the flag, instead of serving forever.
        let out = platform_with_backtraces(&[
            "--listen",
            "127.0.0.1:0",
            "--plan",
            "/no/such/plan.toml",
            flag,
            "300000000000y",
        ]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{flag}: {err}");
        assert!(err.contains("at most 7days"), "{flag}: {err}");
    }
}

#[tokio::test]
async fn logs_carry_no_colour_codes_when_stderr_is_not_a_terminal() {
    let mut child = Command::new(BIN)
        .args(["--listen", "127.0.0.1:0", "--workers", "1"])
        .env("RUST_LOG", "info")
        .env_remove("NO_COLOR")
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut log = BufReader::new(child.stderr.take().unwrap()).lines();
    let line = tokio::time::timeout(Duration::from_secs(30), async {
        loop {
            let line = log.next_line().await.unwrap().expect("the platform exited");
            if line.contains("listening") {
                break line;
            }
        }
    })
    .await
    .expect("the platform did not log that it listens within 30 s");
    assert!(!line.contains('\u{1b}'), "{line:?}");
}
