//! Logs on stderr are plain text when stderr is not a terminal, and a user's mistake
//! is a message, never a backtrace, even with `RUST_BACKTRACE=1` (common in CI).

use crate::support::{script_file, BIN};

#[test]
fn warnings_carry_no_colour_codes_when_stderr_is_not_a_terminal() {
    let (dir, ledger) = script_file("ledger.jsonl", "");
    let script = dir.path().join("ledger.toml");
    std::fs::write(
        &script,
        format!(
            "name = \"l\"\n[client]\nadapter = \"ledger\"\nledger = {:?}\n",
            ledger.display().to_string()
        ),
    )
    .unwrap();
    // The mode override does not apply to a ledger: a warning, then the missing
    // platform URL stops the run before it starts.
    let out = std::process::Command::new(BIN)
        .args(["run", "--client-mode", "naive", script.to_str().unwrap()])
        .env_remove("RUST_LOG")
        .env_remove("NO_COLOR")
        .env("RUST_BACKTRACE", "1")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(254), "{err}");
    assert!(err.contains("--client-mode naive ignored"), "{err}");
    assert!(!err.contains('\u{1b}'), "{err:?}");
    assert!(!err.to_lowercase().contains("backtrace"), "{err}");
}
