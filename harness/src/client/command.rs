//! `command` adapter: starts any program that speaks the client contract, with the
//! environment of DESIGN §3, and can kill it (SIGKILL) and start it again mid-run.
//! At the end of a run it asks the program to stop (SIGTERM) and kills it only if
//! it is still running after a grace period. Signals reach the program's whole
//! process group ([`Program`]).
//!
//! A program that exits by itself is noticed at once: the run stops issuing to it,
//! keeps the last ledger it served (read once a second while it runs), and records
//! when and how it exited with the end of its log ([`ExitSeen`]).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::task::JoinHandle;

use super::program::{Launch, Program, ProgramExit};
use super::{ClientEnv, ClientError, ContractClient};
use crate::outcome::ClientInfo;
use crate::script::ClientMode;

/// A client program the harness owns.
pub struct CommandAdapter {
    argv: Vec<String>,
    mode: Option<ClientMode>,
    extra_env: BTreeMap<String, String>,
    env: ClientEnv,
    log: PathBuf,
    program: Box<Program>,
    contract: Arc<ContractClient>,
    /// Every exit the harness did not cause, in order.
    exits: Arc<Mutex<Vec<ExitSeen>>>,
    /// Watches the running program; aborted before the harness stops it itself.
    watch: Option<JoinHandle<()>>,
}

/// An exit of the client program that the harness did not cause.
#[derive(Debug, Clone)]
pub struct ExitSeen {
    /// When the harness learnt of it.
    pub at: Instant,
    /// How the program ended.
    pub exit: ProgramExit,
    /// The last lines of `client.log`.
    pub log_tail: Vec<String>,
    /// When the last ledger it served was read (what its invoices are judged on).
    pub ledger_at: Option<Instant>,
    /// Whether a later `restart_client` step started the program again.
    pub restarted: bool,
}

/// How many lines of `client.log` an exit keeps.
const LOG_TAIL_LINES: usize = 20;

/// How often the last good ledger is refreshed while the program runs: it is what
/// the run is judged on if the program exits.
const LEDGER_REFRESH: Duration = Duration::from_secs(1);

impl CommandAdapter {
    /// Starts the program and waits until `GET /healthz` answers 200.
    pub async fn start(
        argv: &[String],
        mode: Option<ClientMode>,
        extra_env: &BTreeMap<String, String>,
        env: &ClientEnv,
    ) -> Result<Self, ClientError> {
        let log = env.report_dir.join("client.log");
        let (program, base) = spawn(argv, mode, extra_env, env, &log)?;
        let contract = Arc::new(ContractClient::new(&base)?);
        contract.keep_last_ledger();
        let mut adapter = CommandAdapter {
            argv: argv.to_vec(),
            mode,
            extra_env: extra_env.clone(),
            env: env.clone(),
            log,
            program,
            contract,
            exits: Arc::new(Mutex::new(Vec::new())),
            watch: None,
        };
        adapter.wait_ready().await?;
        adapter.watch_program();
        Ok(adapter)
    }

    /// Waits for health, noticing if the program dies first.
    async fn wait_ready(&mut self) -> Result<(), ClientError> {
        let contract = self.contract.clone();
        let timeout = self.env.health_timeout;
        tokio::select! {
            healthy = contract.wait_healthy(timeout) => healthy,
            exit = self.program.wait() => Err(ClientError::Exited {
                status: exit.describe(),
                log: self.log.display().to_string(),
            }),
        }
    }

    /// From now on, an exit of the program is recorded and ends issuing to it.
    fn watch_program(&mut self) {
        let mut exit = self.program.exit_watch();
        let (contract, exits, log) = (self.contract.clone(), self.exits.clone(), self.log.clone());
        self.watch = Some(tokio::spawn(async move {
            let mut refresh = tokio::time::interval(LEDGER_REFRESH);
            let seen = loop {
                let now = *exit.borrow_and_update();
                if now.is_some() {
                    break now;
                }
                tokio::select! {
                    changed = exit.changed() => {
                        if changed.is_err() {
                            break None;
                        }
                    }
                    _ = refresh.tick() => {
                        // Kept by the contract as its last good ledger.
                        let _ = contract.ledger().await;
                    }
                }
            };
            let exit = seen.unwrap_or(ProgramExit {
                code: None,
                signal: None,
            });
            tracing::error!("the client program exited by itself: {}", exit.describe());
            // Recorded before the run is told, so that a run which stops on the news
            // finds the record.
            if let Ok(mut v) = exits.lock() {
                v.push(ExitSeen {
                    at: Instant::now(),
                    exit,
                    log_tail: tail(&log, LOG_TAIL_LINES),
                    ledger_at: contract.last_ledger_at(),
                    restarted: false,
                });
            }
            contract.set_gone(Some(format!(
                "the client program exited ({})",
                exit.describe()
            )));
        }));
    }

    fn unwatch(&mut self) {
        if let Some(w) = self.watch.take() {
            w.abort();
        }
    }

    /// The HTTP contract; its address follows restarts.
    pub fn contract(&self) -> Arc<ContractClient> {
        self.contract.clone()
    }

    /// Exits of the program the harness did not cause.
    pub fn exits(&self) -> Vec<ExitSeen> {
        self.exits.lock().map(|v| v.clone()).unwrap_or_default()
    }

    /// SIGKILL, then start again on the same state directory (on a fresh port).
    pub async fn restart(&mut self) -> Result<(), ClientError> {
        self.unwatch();
        self.program.kill().await;
        if let Ok(mut v) = self.exits.lock() {
            v.iter_mut().for_each(|e| e.restarted = true);
        }
        let (program, base) = spawn(&self.argv, self.mode, &self.extra_env, &self.env, &self.log)?;
        self.program = program;
        self.contract.set_base(&base);
        self.contract.set_gone(None);
        self.wait_ready().await?;
        self.watch_program();
        Ok(())
    }

    /// Report description.
    pub fn info(&self) -> ClientInfo {
        ClientInfo {
            adapter: "command".into(),
            mode: self.mode.map(|m| m.as_str().to_string()),
            target: Some(self.argv.join(" ")),
        }
    }

    /// Stops the program at the end of the run: SIGTERM to it and whatever it
    /// started, so that it can finish its log and close its state as on
    /// `docker stop`, then SIGKILL to what is still running after [`STOP_GRACE`].
    /// (A `restart_client` step stands for a crash and kills at once.)
    pub async fn stop(mut self) {
        self.unwatch();
        self.program.stop(STOP_GRACE).await;
    }
}

/// How long a client program gets to exit after SIGTERM at the end of a run.
const STOP_GRACE: Duration = Duration::from_secs(5);

/// The last `n` lines of a log file (empty if it cannot be read).
fn tail(path: &Path, n: usize) -> Vec<String> {
    let text = std::fs::read(path).unwrap_or_default();
    let text = String::from_utf8_lossy(&text);
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..]
        .iter()
        .map(|l| l.to_string())
        .collect()
}

/// Picks a free loopback port, then starts the program on it with its output appended
/// to `log`. Returns the program and its base URL.
fn spawn(
    argv: &[String],
    mode: Option<ClientMode>,
    extra_env: &BTreeMap<String, String>,
    env: &ClientEnv,
    log: &Path,
) -> Result<(Box<Program>, String), ClientError> {
    let program = argv.first().cloned().unwrap_or_default();
    let fail = |detail: String| ClientError::Spawn {
        program: program.clone(),
        detail,
    };
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_err(|e| fail(format!("no free loopback port: {e}")))?
        .port();
    let mode_text = mode.map_or("", ClientMode::as_str);
    let mut full = vec![program.clone()];
    full.extend(argv.iter().skip(1).map(|a| a.replace("{mode}", mode_text)));
    let mut vars: Vec<(String, String)> = extra_env
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    vars.extend([
        ("PORT".to_string(), port.to_string()),
        ("TAX_PLATFORM_URL".to_string(), env.platform_url.clone()),
        ("TAX_PLATFORM_TOKEN".to_string(), env.token.clone()),
        ("TAX_SELLER_ID".to_string(), env.seller_tax_id.clone()),
        (
            "CLIENT_STATE_DIR".to_string(),
            env.state_dir.display().to_string(),
        ),
    ]);
    if let Some(m) = mode {
        vars.push(("CLIENT_MODE".to_string(), m.as_str().to_string()));
    }
    let started = Program::spawn(Launch {
        argv: full,
        env: vars,
        log,
        state_dir: &env.state_dir,
        grace: STOP_GRACE,
    })
    .map_err(|e| fail(e.to_string()))?;
    tracing::info!(program = %program, port, "client program started");
    Ok((Box::new(started), format!("http://127.0.0.1:{port}")))
}
