//! `command` adapter: starts any program that speaks the client contract, with the
//! environment of DESIGN §3, and can kill it (SIGKILL) and start it again mid-run.
//! At the end of a run it asks the program to stop (SIGTERM) and kills it only if
//! it is still running after a grace period. Signals reach the program's whole
//! process group ([`Program`]).

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use tokio::process::Command;

use super::program::Program;
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
    program: Program,
    contract: Arc<ContractClient>,
}

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
        let mut adapter = CommandAdapter {
            argv: argv.to_vec(),
            mode,
            extra_env: extra_env.clone(),
            env: env.clone(),
            log,
            program,
            contract,
        };
        adapter.wait_ready().await?;
        Ok(adapter)
    }

    /// Waits for health, noticing if the program dies first.
    async fn wait_ready(&mut self) -> Result<(), ClientError> {
        let contract = self.contract.clone();
        let timeout = self.env.health_timeout;
        tokio::select! {
            healthy = contract.wait_healthy(timeout) => healthy,
            status = self.program.wait() => Err(ClientError::Exited {
                status: status.map_or_else(|e| e.to_string(), |s| s.to_string()),
                log: self.log.display().to_string(),
            }),
        }
    }

    /// The HTTP contract; its address follows restarts.
    pub fn contract(&self) -> Arc<ContractClient> {
        self.contract.clone()
    }

    /// SIGKILL, then start again on the same state directory (on a fresh port).
    pub async fn restart(&mut self) -> Result<(), ClientError> {
        self.program.kill().await;
        let (program, base) = spawn(&self.argv, self.mode, &self.extra_env, &self.env, &self.log)?;
        self.program = program;
        self.contract.set_base(&base);
        self.wait_ready().await
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
        self.program.stop(STOP_GRACE).await;
    }
}

/// How long a client program gets to exit after SIGTERM at the end of a run.
const STOP_GRACE: Duration = Duration::from_secs(5);

/// Picks a free loopback port, then starts the program on it with its output appended
/// to `log`. Returns the program and its base URL.
fn spawn(
    argv: &[String],
    mode: Option<ClientMode>,
    extra_env: &BTreeMap<String, String>,
    env: &ClientEnv,
    log: &PathBuf,
) -> Result<(Program, String), ClientError> {
    let program = argv.first().cloned().unwrap_or_default();
    let fail = |detail: String| ClientError::Spawn {
        program: program.clone(),
        detail,
    };
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_err(|e| fail(format!("no free loopback port: {e}")))?
        .port();
    let out: File = OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .map_err(|e| fail(format!("cannot open {}: {e}", log.display())))?;
    let err = out.try_clone().map_err(|e| fail(e.to_string()))?;
    let mode_text = mode.map_or("", ClientMode::as_str);
    let args = argv.iter().skip(1).map(|a| a.replace("{mode}", mode_text));
    let mut cmd = Command::new(&program);
    cmd.args(args)
        .envs(extra_env)
        .env("PORT", port.to_string())
        .env("TAX_PLATFORM_URL", &env.platform_url)
        .env("TAX_PLATFORM_TOKEN", &env.token)
        .env("TAX_SELLER_ID", &env.seller_tax_id)
        .env("CLIENT_STATE_DIR", &env.state_dir)
        .stdin(Stdio::null())
        .stdout(Stdio::from(out))
        .stderr(Stdio::from(err));
    if let Some(m) = mode {
        cmd.env("CLIENT_MODE", m.as_str());
    }
    let started = Program::spawn(&mut cmd).map_err(|e| fail(e.to_string()))?;
    tracing::info!(program = %program, port, "client program started");
    Ok((started, format!("http://127.0.0.1:{port}")))
}
