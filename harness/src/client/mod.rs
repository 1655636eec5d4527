//! Client adapters (DESIGN §3): one file per way of reaching a client system, one
//! [`ClientSystem`] enum the runner drives without caring which it is.

mod command;
mod contract;
mod ledger;
mod program;
mod reference;
#[cfg(unix)]
pub mod supervisor;
mod url;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tax_api::Ledger;

pub(crate) use command::ExitSeen;
pub(crate) use contract::{ContractClient, Submitted};

use crate::outcome::ClientInfo;
use crate::script::{AdapterSpec, ClientSpec};

/// Why a client system could not be started, reached or read.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The client never answered `GET /healthz` with 200.
    #[error("the client did not become healthy within {waited}: {last}")]
    NeverHealthy {
        /// The deadline.
        waited: String,
        /// The last thing seen.
        last: String,
    },
    /// The program could not be started.
    #[error("cannot start {program}: {detail}")]
    Spawn {
        /// The program.
        program: String,
        /// Why.
        detail: String,
    },
    /// The program exited while the harness waited for it.
    #[error("the client program exited early ({status}); its output is in {log}")]
    Exited {
        /// How it exited.
        status: String,
        /// Where its stdout/stderr went.
        log: String,
    },
    /// The client program exited during the run; nothing more is sent to it.
    #[error("{0}")]
    Gone(String),
    /// A request failed at the transport level.
    #[error("request to the client failed: {0}")]
    Http(String),
    /// The client answered with an unexpected status.
    #[error("{route} answered {status}: {body}")]
    Status {
        /// Which route.
        route: &'static str,
        /// The status.
        status: u16,
        /// The body.
        body: String,
    },
    /// The client's answer was not what the contract says.
    #[error("{route} answered a body that is not the contract's shape: {detail}")]
    Body {
        /// Which route.
        route: &'static str,
        /// What was wrong.
        detail: String,
    },
    /// A ledger file could not be read.
    #[error("ledger file {path}: {detail}")]
    LedgerFile {
        /// The file.
        path: String,
        /// What was wrong, with the line number.
        detail: String,
    },
    /// The adapter cannot do what the step asks.
    #[error("the {adapter} adapter cannot {action}")]
    Unsupported {
        /// The adapter.
        adapter: &'static str,
        /// What was asked.
        action: &'static str,
    },
}

/// What a started client needs to know about its world (the env of DESIGN §3).
#[derive(Debug, Clone)]
pub(crate) struct ClientEnv {
    /// `TAX_PLATFORM_URL`.
    pub platform_url: String,
    /// `TAX_PLATFORM_TOKEN`.
    pub token: String,
    /// `TAX_SELLER_ID`.
    pub seller_tax_id: String,
    /// `CLIENT_STATE_DIR`: kept across restarts within one run.
    pub state_dir: PathBuf,
    /// Where the run's files go (the command adapter's output log lands here).
    pub report_dir: PathBuf,
    /// How long a (re)started client gets to become healthy.
    pub health_timeout: Duration,
    /// The run's master seed (the reference client seeds its retry jitter with it).
    pub seed: u64,
}

/// The client system under test, whichever adapter reaches it.
pub(crate) enum ClientSystem {
    /// The reference client in-process.
    Reference(reference::ReferenceAdapter),
    /// A program the harness started.
    Command(command::CommandAdapter),
    /// A client already running.
    Url(url::UrlAdapter),
    /// An exported ledger file.
    Ledger(ledger::LedgerAdapter),
}

impl ClientSystem {
    /// Starts (or reaches) the client and waits until it is healthy.
    pub async fn start(spec: &ClientSpec, env: &ClientEnv) -> Result<Self, ClientError> {
        Ok(match &spec.adapter {
            AdapterSpec::Reference { mode } => {
                ClientSystem::Reference(reference::ReferenceAdapter::start(*mode, env).await?)
            }
            AdapterSpec::Command {
                argv,
                mode,
                env: extra,
            } => ClientSystem::Command(
                command::CommandAdapter::start(argv, *mode, extra, env).await?,
            ),
            AdapterSpec::Url { url } => ClientSystem::Url(url::UrlAdapter::start(url, env).await?),
            AdapterSpec::Ledger { path, columns } => {
                ClientSystem::Ledger(ledger::LedgerAdapter::new(path, columns))
            }
        })
    }

    /// The HTTP contract to drive it; `None` for a ledger file.
    pub fn contract(&self) -> Option<Arc<ContractClient>> {
        match self {
            ClientSystem::Reference(c) => Some(c.contract()),
            ClientSystem::Command(c) => Some(c.contract()),
            ClientSystem::Url(c) => Some(c.contract()),
            ClientSystem::Ledger(_) => None,
        }
    }

    /// Kills the client abruptly and starts it again on the same state.
    pub async fn restart(&mut self) -> Result<(), ClientError> {
        match self {
            ClientSystem::Reference(c) => c.restart().await,
            ClientSystem::Command(c) => c.restart().await,
            ClientSystem::Url(_) => Err(ClientError::Unsupported {
                adapter: "url",
                action: "restart",
            }),
            ClientSystem::Ledger(_) => Err(ClientError::Unsupported {
                adapter: "ledger",
                action: "restart",
            }),
        }
    }

    /// The client's ledger now; once the client program has exited, the last one it
    /// served.
    pub async fn ledger(&self) -> Result<Ledger, ClientError> {
        match self {
            ClientSystem::Ledger(l) => l.read().map(|export| export.ledger),
            other => match other.contract() {
                Some(c) => match c.ledger().await {
                    Ok(l) => Ok(l),
                    Err(e) => match (c.gone(), c.last_ledger()) {
                        (Some(_), Some(last)) => Ok(last),
                        _ => Err(e),
                    },
                },
                None => Err(ClientError::Unsupported {
                    adapter: "ledger",
                    action: "serve a ledger",
                }),
            },
        }
    }

    /// Exits of a client program that the harness did not cause (command adapter only).
    pub fn exits(&self) -> Vec<ExitSeen> {
        match self {
            ClientSystem::Command(c) => c.exits(),
            _ => Vec::new(),
        }
    }

    /// Describes the client for the report.
    pub fn info(&self) -> ClientInfo {
        match self {
            ClientSystem::Reference(c) => c.info(),
            ClientSystem::Command(c) => c.info(),
            ClientSystem::Url(c) => c.info(),
            ClientSystem::Ledger(c) => c.info(),
        }
    }

    /// Stops whatever the harness started.
    pub async fn stop(self) {
        match self {
            ClientSystem::Reference(c) => c.stop().await,
            ClientSystem::Command(c) => c.stop().await,
            ClientSystem::Url(_) | ClientSystem::Ledger(_) => {}
        }
    }
}
