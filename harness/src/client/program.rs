//! A client program the `command` adapter started. It runs under the harness's own
//! supervisor process ([`super::supervisor`]), in a process group of its own, so
//! that stopping it reaches everything it started as well — a wrapper script and
//! the client the script runs — and so that it dies with the harness even when the
//! harness is killed with SIGKILL. The supervisor also tells the harness at once
//! when the program exits, and how.

use std::io;
use std::path::Path;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::io::AsyncWriteExt;
#[cfg(unix)]
use tokio::io::{AsyncBufReadExt, BufReader};
#[cfg(unix)]
use tokio::process::Command;
use tokio::process::{Child, ChildStdin};
use tokio::sync::watch;

/// How long a supervisor gets to carry out `kill` before it is killed itself.
const KILL_GRACE: Duration = Duration::from_secs(5);

/// How a client program exited, as its supervisor saw it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProgramExit {
    /// The exit code, when it exited by itself.
    pub code: Option<i32>,
    /// The signal that ended it, when a signal did.
    pub signal: Option<i32>,
}

impl ProgramExit {
    /// "exit code 3", "signal 9", or "unknown" when the supervisor itself vanished.
    pub fn describe(&self) -> String {
        match (self.code, self.signal) {
            (Some(code), _) => format!("exit code {code}"),
            (None, Some(sig)) => format!("signal {sig}"),
            (None, None) => "unknown (its supervisor exited)".to_string(),
        }
    }

    fn parse(line: &str) -> Option<ProgramExit> {
        let mut words = line.split_whitespace();
        if words.next()? != "exited" {
            return None;
        }
        let kind = words.next();
        let value = words.next().and_then(|v| v.parse().ok());
        Some(match kind {
            Some("code") => ProgramExit {
                code: value,
                signal: None,
            },
            Some("signal") => ProgramExit {
                code: None,
                signal: value,
            },
            _ => ProgramExit {
                code: None,
                signal: None,
            },
        })
    }
}

/// What to start.
pub struct Launch<'a> {
    /// Program and arguments.
    pub argv: Vec<String>,
    /// Environment added to the harness's own.
    pub env: Vec<(String, String)>,
    /// Where the program's stdout and stderr go.
    pub log: &'a Path,
    /// Removed by the supervisor if the harness dies.
    pub state_dir: &'a Path,
    /// How long the program gets after SIGTERM on a stop.
    pub grace: Duration,
}

/// A started client program, through its supervisor.
#[derive(Debug)]
pub struct Program {
    supervisor: Child,
    /// The supervisor's stdin. Dropping it (the harness ending, however it ends)
    /// makes the supervisor stop the program.
    commands: Option<ChildStdin>,
    exit: watch::Receiver<Option<ProgramExit>>,
}

impl Program {
    /// Starts the supervisor, which starts the program.
    #[cfg(unix)]
    pub fn spawn(launch: Launch<'_>) -> io::Result<Program> {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(launch.log)?;
        let mut cmd = Command::new(std::env::current_exe()?);
        cmd.arg(super::supervisor::SUBCOMMAND)
            .arg("--grace-ms")
            .arg(launch.grace.as_millis().to_string())
            .arg("--state-dir")
            .arg(launch.state_dir)
            .arg("--")
            .args(&launch.argv)
            .envs(launch.env)
            .process_group(0)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(log);
        let mut supervisor = cmd.spawn()?;
        let commands = supervisor.stdin.take();
        let lines = supervisor.stdout.take();
        let (tx, exit) = watch::channel(None);
        tokio::spawn(async move {
            if let Some(out) = lines {
                let mut lines = BufReader::new(out).lines();
                while let Ok(Some(line)) = lines.next_line().await {
                    if let Some(e) = ProgramExit::parse(&line) {
                        let _ = tx.send(Some(e));
                        return;
                    }
                }
            }
            // The supervisor is gone without a word: so is the program.
            let _ = tx.send(Some(ProgramExit {
                code: None,
                signal: None,
            }));
        });
        Ok(Program {
            supervisor,
            commands,
            exit,
        })
    }

    /// Without process groups the harness cannot vouch for stopping a program.
    #[cfg(not(unix))]
    pub fn spawn(_launch: Launch<'_>) -> io::Result<Program> {
        Err(io::Error::new(
            io::ErrorKind::Unsupported,
            "the command adapter needs a Unix system",
        ))
    }

    /// Resolves once the program has exited, with how.
    pub fn exit_watch(&self) -> watch::Receiver<Option<ProgramExit>> {
        self.exit.clone()
    }

    /// Waits for the program to exit.
    pub async fn wait(&mut self) -> ProgramExit {
        match self.exit.wait_for(Option::is_some).await {
            Ok(e) => e.unwrap_or(ProgramExit {
                code: None,
                signal: None,
            }),
            Err(_) => ProgramExit {
                code: None,
                signal: None,
            },
        }
    }

    /// SIGKILL to the whole group at once (a crash); returns once the supervisor is done.
    pub async fn kill(&mut self) {
        self.command_and_wait("kill", KILL_GRACE).await;
    }

    /// Asks the group to stop (SIGTERM) and gives it `grace` to exit, the program
    /// first and then anything it started; the supervisor kills what is left.
    pub async fn stop(&mut self, grace: Duration) {
        self.command_and_wait("stop", grace.saturating_add(KILL_GRACE))
            .await;
    }

    async fn command_and_wait(&mut self, word: &str, limit: Duration) {
        if let Some(stdin) = self.commands.as_mut() {
            // A supervisor that already exited cannot read: nothing is left to stop.
            let _ = stdin.write_all(format!("{word}\n").as_bytes()).await;
            let _ = stdin.flush().await;
        }
        if tokio::time::timeout(limit, self.supervisor.wait())
            .await
            .is_err()
        {
            tracing::warn!("the client program's supervisor did not finish `{word}`; killing it");
            if let Err(e) = self.supervisor.kill().await {
                tracing::debug!("killing the supervisor: {e}");
            }
        }
        self.commands = None;
    }
}
