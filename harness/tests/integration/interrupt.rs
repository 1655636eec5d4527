//! Ctrl-C or SIGTERM stops a run: exit 130, a message that names the scenario, and
//! the client program the harness started stops with it instead of running on.

use std::fs::File;
use std::io::Read;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use crate::run::reference_client_binary;
use crate::support::{script_file, BIN};

const LIMIT: Duration = Duration::from_secs(60);

/// Starts `work` on a thread; its result arrives on the returned channel.
fn on_thread<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> mpsc::Receiver<T> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(work());
    });
    rx
}

/// Waits at most `LIMIT` for the result of `work` run on a thread.
fn within<T: Send + 'static>(what: &str, work: impl FnOnce() -> T + Send + 'static) -> T {
    on_thread(work)
        .recv_timeout(LIMIT)
        .unwrap_or_else(|_| panic!("{what}: nothing within {LIMIT:?}"))
}

#[test]
fn sigterm_stops_the_run_and_the_client_program_it_started() {
    let dir = tempfile::tempdir().unwrap();
    let (pid_fifo, alive_fifo) = (dir.path().join("pid"), dir.path().join("alive"));
    for fifo in [&pid_fifo, &alive_fifo] {
        let made = Command::new("mkfifo").arg(fifo).status().unwrap();
        assert!(made.success(), "mkfifo {}", fifo.display());
    }
    // The client program holds `alive` open for writing for as long as it lives (the
    // shell's descriptor 3 is inherited through `exec`), so reading it to the end
    // waits for exactly the moment the client is gone.
    let wrapper = dir.path().join("client.sh");
    std::fs::write(
        &wrapper,
        format!(
            "#!/bin/sh\nexec 3>'{alive}'\necho $$ > '{pid}'\nexec '{client}' \"$@\"\n",
            alive = alive_fifo.display(),
            pid = pid_fifo.display(),
            client = reference_client_binary().display()
        ),
    )
    .unwrap();
    let (_script_dir, script) = script_file(
        "long.toml",
        &format!(
            r#"name = "long"
description = "far longer than the test: it must be interrupted"
seed = 1

[client]
adapter = "command"
command = ["sh", {wrapper:?}, "--mode", "{{mode}}"]
mode = "robust"

[[steps]]
issue = {{ count = 100000, rate = 20, concurrency = 2 }}
[[steps]]
settle = {{ timeout = "60s" }}

[expect]
faults_must_fire = false
"#,
            wrapper = wrapper.display().to_string()
        ),
    );
    let client_gone =
        on_thread(move || File::open(alive_fifo).and_then(|mut f| f.read_to_end(&mut Vec::new())));
    let harness = Command::new(BIN)
        .args(["run", "--quiet", script.to_str().unwrap(), "--reports"])
        .arg(dir.path().join("reports"))
        .env_remove("RUST_LOG")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();

    // The client program has started once it wrote its pid.
    let client_pid = within("the client's pid", move || {
        let mut pid = String::new();
        File::open(pid_fifo)
            .unwrap()
            .read_to_string(&mut pid)
            .unwrap();
        pid.trim().to_owned()
    });
    let sent = Command::new("sh")
        .args(["-c", &format!("kill -TERM {}", harness.id())])
        .status()
        .unwrap();
    assert!(sent.success());
    let output = within("the harness's exit", move || {
        harness.wait_with_output().unwrap()
    });
    let stderr = String::from_utf8_lossy(&output.stderr);

    assert_eq!(output.status.code(), Some(130), "{stderr}");
    assert!(
        stderr.contains("interrupted (SIGTERM)") && stderr.contains("long.toml"),
        "{stderr}"
    );
    client_gone
        .recv_timeout(LIMIT)
        .unwrap_or_else(|_| panic!("the client program (pid {client_pid}) still runs"))
        .unwrap();
}

#[test]
fn sigkill_of_the_harness_stops_the_client_behind_a_wrapper_and_removes_its_state() {
    let dir = tempfile::tempdir().unwrap();
    let (pid_fifo, alive_fifo) = (dir.path().join("pid"), dir.path().join("alive"));
    let state_file = dir.path().join("state-dir");
    for fifo in [&pid_fifo, &alive_fifo] {
        let made = Command::new("mkfifo").arg(fifo).status().unwrap();
        assert!(made.success(), "mkfifo {}", fifo.display());
    }
    // The wrapper runs the client as its child (no `exec`): both hold `alive` open,
    // so it reaches its end only once the wrapper and the client are both gone.
    let wrapper = dir.path().join("client.sh");
    std::fs::write(
        &wrapper,
        format!(
            "#!/bin/sh\nexec 3>'{alive}'\necho \"$CLIENT_STATE_DIR\" > '{state}'\n\
             '{client}' \"$@\" &\necho $! > '{pid}'\nwait\n",
            alive = alive_fifo.display(),
            state = state_file.display(),
            pid = pid_fifo.display(),
            client = reference_client_binary().display()
        ),
    )
    .unwrap();
    let (_script_dir, script) = script_file(
        "long.toml",
        &format!(
            r#"name = "long"
description = "far longer than the test: the harness is killed"
seed = 1

[client]
adapter = "command"
command = ["sh", {wrapper:?}, "--mode", "{{mode}}"]
mode = "robust"

[[steps]]
issue = {{ count = 100000, rate = 20, concurrency = 2 }}

[expect]
faults_must_fire = false
"#,
            wrapper = wrapper.display().to_string()
        ),
    );
    let client_gone =
        on_thread(move || File::open(alive_fifo).and_then(|mut f| f.read_to_end(&mut Vec::new())));
    let mut harness = Command::new(BIN)
        .args(["run", "--quiet", script.to_str().unwrap(), "--reports"])
        .arg(dir.path().join("reports"))
        .env_remove("RUST_LOG")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let client_pid = within("the client's pid", move || {
        let mut pid = String::new();
        File::open(pid_fifo)
            .unwrap()
            .read_to_string(&mut pid)
            .unwrap();
        pid.trim().to_owned()
    });
    let state_dir = std::path::PathBuf::from(
        std::fs::read_to_string(&state_file)
            .unwrap()
            .trim()
            .to_owned(),
    );
    assert!(state_dir.is_dir(), "{}", state_dir.display());

    harness.kill().unwrap();
    harness.wait().unwrap();

    client_gone
        .recv_timeout(LIMIT)
        .unwrap_or_else(|_| panic!("the client program (pid {client_pid}) still runs"))
        .unwrap();
    // The supervisor removes the state directory once the client's group is empty.
    let give_up = std::time::Instant::now() + LIMIT;
    while state_dir.exists() && std::time::Instant::now() < give_up {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(
        !state_dir.exists(),
        "{} is still there",
        state_dir.display()
    );
}
