//! Ctrl-C or SIGTERM stops a run: exit 130, a message that names the scenario, a
//! report of what was issued marked `interrupted`, and the client program the harness
//! started stops with it instead of running on — even when the harness is killed.

use std::fs::File;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use crate::run::reference_client_binary;
use crate::support::{script_file, BIN};

pub const LIMIT: Duration = Duration::from_secs(60);

/// Starts `work` on a thread; its result arrives on the returned channel.
pub fn on_thread<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> mpsc::Receiver<T> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(work());
    });
    rx
}

/// Waits at most `LIMIT` for the result of `work` run on a thread.
pub fn within<T: Send + 'static>(what: &str, work: impl FnOnce() -> T + Send + 'static) -> T {
    on_thread(work)
        .recv_timeout(LIMIT)
        .unwrap_or_else(|_| panic!("{what}: nothing within {LIMIT:?}"))
}

/// A client program behind a wrapper script that tells the test about it.
pub struct Wrapped {
    /// Holds every file below.
    pub dir: tempfile::TempDir,
    /// The wrapper script.
    pub wrapper: PathBuf,
    pid_fifo: PathBuf,
    port_file: PathBuf,
    state_file: PathBuf,
    /// Reaches its end once the wrapper and the client are both gone.
    pub alive_fifo: PathBuf,
}

impl Wrapped {
    /// A wrapper that runs the real reference client. With `exec` the client replaces
    /// the shell; without, the shell waits for it and then exits with code 3, saying so.
    /// Both hold `alive` open (the shell's descriptor 3 is inherited), so reading it
    /// to the end waits for exactly the moment both are gone.
    pub fn new(exec: bool) -> Wrapped {
        let dir = tempfile::tempdir().unwrap();
        let path = |name: &str| dir.path().join(name);
        let (pid_fifo, alive_fifo) = (path("pid"), path("alive"));
        for fifo in [&pid_fifo, &alive_fifo] {
            let made = Command::new("mkfifo").arg(fifo).status().unwrap();
            assert!(made.success(), "mkfifo {}", fifo.display());
        }
        let (port_file, state_file, wrapper) = (path("port"), path("state-dir"), path("client.sh"));
        let client = reference_client_binary();
        let run = if exec {
            format!(
                "echo $$ > '{}'\nexec '{}' \"$@\"\n",
                pid_fifo.display(),
                client.display()
            )
        } else {
            format!(
                "'{}' \"$@\" &\nchild=$!\necho $child > '{}'\nwait $child\n\
                 echo \"wrapper: the client exited with $?\" >&2\nexit 3\n",
                client.display(),
                pid_fifo.display()
            )
        };
        std::fs::write(
            &wrapper,
            format!(
                "#!/bin/sh\nexec 3>'{}'\necho $PORT > '{}'\necho \"$CLIENT_STATE_DIR\" > '{}'\n{run}",
                alive_fifo.display(),
                port_file.display(),
                state_file.display()
            ),
        )
        .unwrap();
        Wrapped {
            dir,
            wrapper,
            pid_fifo,
            port_file,
            state_file,
            alive_fifo,
        }
    }

    /// A script that issues far more than the test waits for through the wrapper.
    pub fn script(&self, extra_steps: &str) -> (tempfile::TempDir, PathBuf) {
        self.script_with("count = 100000, rate = 50", extra_steps)
    }

    /// A script whose issue step says `issue` (count and rate), then `extra_steps`.
    pub fn script_with(&self, issue: &str, extra_steps: &str) -> (tempfile::TempDir, PathBuf) {
        script_file(
            "long.toml",
            &format!(
                r#"name = "long"
description = "far longer than the test"
seed = 1

[client]
adapter = "command"
command = ["sh", {wrapper:?}, "--mode", "{{mode}}"]
mode = "robust"
health_timeout = "5s"

[[steps]]
issue = {{ {issue}, concurrency = 2 }}
{extra_steps}
[expect]
faults_must_fire = false
"#,
                wrapper = self.wrapper.display().to_string()
            ),
        )
    }

    /// Starts the harness on `script`, writing reports under the wrapper's directory.
    pub fn start_harness(&self, script: &Path) -> Child {
        self.start_harness_logging(script, "warn")
    }

    /// As [`Wrapped::start_harness`], with `RUST_LOG` set to `filter`.
    pub fn start_harness_logging(&self, script: &Path, filter: &str) -> Child {
        Command::new(BIN)
            .args([
                "run",
                "--quiet",
                "--json",
                script.to_str().unwrap(),
                "--reports",
            ])
            .arg(self.reports())
            .env("RUST_LOG", filter)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    }

    /// Where the harness writes its run directories.
    pub fn reports(&self) -> PathBuf {
        self.dir.path().join("reports")
    }

    /// The client's pid, once the wrapper has started it.
    pub fn client_pid(&self) -> String {
        let fifo = self.pid_fifo.clone();
        within("the client's pid", move || {
            let mut pid = String::new();
            File::open(fifo).unwrap().read_to_string(&mut pid).unwrap();
            pid.trim().to_owned()
        })
    }

    /// The client's `CLIENT_STATE_DIR`.
    pub fn state_dir(&self) -> PathBuf {
        PathBuf::from(std::fs::read_to_string(&self.state_file).unwrap().trim())
    }

    /// Waits until the client has taken at least `n` invoices (polling its ledger).
    pub fn wait_for_accepted(&self, n: usize) {
        let port: u16 = std::fs::read_to_string(&self.port_file)
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        let give_up = std::time::Instant::now() + LIMIT;
        loop {
            if ledger_entries(port) >= n {
                return;
            }
            assert!(
                std::time::Instant::now() < give_up,
                "the client never held {n} invoices"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Resolves once the wrapper and the client are both gone.
    pub fn gone(&self) -> mpsc::Receiver<std::io::Result<usize>> {
        let alive = self.alive_fifo.clone();
        on_thread(move || File::open(alive).and_then(|mut f| f.read_to_end(&mut Vec::new())))
    }
}

/// How many entries the client's `GET /ledger` lists (0 while it cannot answer).
fn ledger_entries(port: u16) -> usize {
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else {
        return 0;
    };
    let request = "GET /ledger HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    let mut answer = String::new();
    if stream.write_all(request.as_bytes()).is_err() || stream.read_to_string(&mut answer).is_err()
    {
        return 0;
    }
    answer.matches("\"number\"").count()
}

/// The one run directory under `reports` and its `report.json`.
pub fn only_report(reports: &Path) -> (PathBuf, serde_json::Value) {
    let dir = std::fs::read_dir(reports)
        .unwrap()
        .find(|e| e.as_ref().is_ok_and(|e| e.path().is_dir()))
        .expect("a run directory")
        .unwrap()
        .path();
    let text = std::fs::read_to_string(dir.join("report.json")).unwrap();
    (dir, serde_json::from_str(&text).unwrap())
}

#[test]
fn sigterm_stops_the_run_reports_what_was_issued_and_stops_the_client() {
    let client = Wrapped::new(true);
    let (_script_dir, script) = client.script("[[steps]]\nsettle = { timeout = \"60s\" }\n");
    let gone = client.gone();
    let harness = client.start_harness(&script);
    let client_pid = client.client_pid();
    client.wait_for_accepted(5);

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
    gone.recv_timeout(LIMIT)
        .unwrap_or_else(|_| panic!("the client program (pid {client_pid}) still runs"))
        .unwrap();
    let (dir, report) = only_report(&client.reports());
    for file in ["junit.xml", "report.html", "summary.md"] {
        assert!(
            dir.join(file).is_file(),
            "{file} missing in {}",
            dir.display()
        );
    }
    assert_eq!(report["interrupted"], "SIGTERM", "{report}");
    assert_eq!(report["verdict"], "inconclusive", "{report}");
    assert_eq!(report["inconclusive"][0]["kind"], "interrupted", "{report}");
    assert!(
        report["counts"]["judged"].as_u64().unwrap() >= 5,
        "{report}"
    );
    let junit = std::fs::read_to_string(dir.join("junit.xml")).unwrap();
    assert!(
        junit.contains(r#"name="interrupted" value="SIGTERM""#),
        "{junit}"
    );
}

#[test]
fn sigkill_of_the_harness_stops_the_client_behind_a_wrapper_and_removes_its_state() {
    let client = Wrapped::new(false);
    let (_script_dir, script) = client.script("");
    let gone = client.gone();
    let mut harness = client.start_harness(&script);
    let client_pid = client.client_pid();
    let state_dir = client.state_dir();
    assert!(state_dir.is_dir(), "{}", state_dir.display());

    harness.kill().unwrap();
    harness.wait().unwrap();

    gone.recv_timeout(LIMIT)
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
