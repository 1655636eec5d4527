//! The install the README describes, and the replay line of an installed harness run
//! as printed. Ignored by `cargo test --workspace`: the workspace's test build has a
//! feature set of its own (the platform's tests pause tokio's clock), so an install
//! there would rebuild the harness beside binaries other tests are running. `.ci/run`
//! runs it on its own with `--ignored`, where the install reuses the test build.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::BIN;

/// The target directory the tests were built in, which the install reuses.
fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => PathBuf::from(dir),
        // BIN is <target>/debug/invoice-chaos.
        None => Path::new(BIN)
            .parent()
            .unwrap()
            .parent()
            .unwrap()
            .to_path_buf(),
    }
}

#[test]
#[ignore = "installs with cargo; .ci/run runs it with --ignored"]
fn an_installed_harness_prints_a_replay_line_that_runs_as_printed() {
    let root = tempfile::tempdir().unwrap();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let installed = Command::new(cargo)
        .args(["install", "--locked", "--debug", "--path"])
        .arg(env!("CARGO_MANIFEST_DIR"))
        .arg("--root")
        .arg(root.path())
        .env("CARGO_TARGET_DIR", target_dir())
        .output()
        .unwrap();
    assert!(installed.status.success(), "{installed:?}");
    let program = root.path().join("bin").join("invoice-chaos");
    let work = tempfile::tempdir().unwrap();
    let script = work.path().join("quick.toml");
    std::fs::write(
        &script,
        "name = \"quick\"\n\n[client]\nadapter = \"reference\"\nmode = \"robust\"\n\n\
         [[steps]]\nissue = { count = 5 }\n\n[[steps]]\nsettle = { timeout = \"20s\" }\n\n\
         [expect]\nfaults_must_fire = false\n",
    )
    .unwrap();

    let first = Command::new(&program)
        .args(["run", "--quiet"])
        .arg(&script)
        .current_dir(work.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8(first.stdout).unwrap();
    let replay = stdout
        .lines()
        .find_map(|line| line.trim().strip_prefix("replay: "))
        .unwrap_or_else(|| panic!("no replay line in {stdout}"))
        .to_string();
    let again = tempfile::tempdir().unwrap();
    let second = Command::new("sh")
        .args(["-c", &replay])
        .current_dir(again.path())
        .output()
        .unwrap();

    assert_eq!(first.status.code(), Some(0), "{stdout}");
    assert!(
        replay.starts_with(&format!("{} run ", program.display())),
        "an install outside PATH is named by its path: {replay}"
    );
    assert_eq!(second.status.code(), Some(0), "{second:?}");
    let second_out = String::from_utf8(second.stdout).unwrap();
    let seed = replay
        .split("--seed ")
        .nth(1)
        .unwrap()
        .split(' ')
        .next()
        .unwrap();
    assert!(
        second_out.contains(&format!("quick: PASS (exit 0), seed {seed}")),
        "{second_out}"
    );
}
