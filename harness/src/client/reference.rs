//! `reference` adapter: the reference client in-process on an ephemeral port, with a
//! temporary state directory. It runs on its own runtime and thread (the client
//! crate's isolated mode), so `restart_client` can kill it as abruptly as `kill -9`.

use std::sync::Arc;

use reference_client::{ClientConfig, IsolatedClient, Mode};

use super::{ClientEnv, ClientError, ContractClient};
use crate::outcome::ClientInfo;
use crate::script::ClientMode;

/// The reference client running inside the harness.
pub struct ReferenceAdapter {
    mode: ClientMode,
    env: ClientEnv,
    client: Option<IsolatedClient>,
    contract: Arc<ContractClient>,
}

impl ReferenceAdapter {
    /// Starts the reference client and waits until it is healthy.
    pub async fn start(mode: ClientMode, env: &ClientEnv) -> Result<Self, ClientError> {
        let (client, base) = spawn(mode, env)?;
        let contract = Arc::new(ContractClient::new(&base)?);
        contract.wait_healthy(env.health_timeout).await?;
        Ok(ReferenceAdapter {
            mode,
            env: env.clone(),
            client: Some(client),
            contract,
        })
    }

    /// The HTTP contract; its address follows restarts.
    pub fn contract(&self) -> Arc<ContractClient> {
        self.contract.clone()
    }

    /// Kills the client's runtime mid-flight, then starts a new one on the same state.
    pub async fn restart(&mut self) -> Result<(), ClientError> {
        kill(self.client.take()).await;
        let (client, base) = spawn(self.mode, &self.env)?;
        self.client = Some(client);
        self.contract.set_base(&base);
        self.contract.wait_healthy(self.env.health_timeout).await
    }

    /// Report description.
    pub fn info(&self) -> ClientInfo {
        ClientInfo {
            adapter: "reference".into(),
            mode: Some(self.mode.as_str().into()),
            target: Some(self.contract.base()),
        }
    }

    /// Stops the client (abruptly: its outbox is durable, nothing is owed).
    pub async fn stop(mut self) {
        kill(self.client.take()).await;
    }
}

/// `IsolatedClient::kill` joins the client's thread, so it runs off the async workers.
async fn kill(client: Option<IsolatedClient>) {
    if let Some(c) = client {
        if let Err(e) = tokio::task::spawn_blocking(move || c.kill()).await {
            tracing::warn!("killing the reference client: {e}");
        }
    }
}

fn spawn(mode: ClientMode, env: &ClientEnv) -> Result<(IsolatedClient, String), ClientError> {
    let fail = |detail: String| ClientError::Spawn {
        program: "reference client".into(),
        detail,
    };
    let listener = std::net::TcpListener::bind("127.0.0.1:0")
        .map_err(|e| fail(format!("cannot bind 127.0.0.1:0: {e}")))?;
    let mut config = ClientConfig::new(
        env.platform_url.clone(),
        env.seller_tax_id.clone(),
        env.state_dir.clone(),
    );
    config.token = Some(env.token.clone());
    config.mode = match mode {
        ClientMode::Naive => Mode::Naive,
        ClientMode::Robust => Mode::Robust,
    };
    config.jitter_seed = env.seed;
    let client =
        reference_client::spawn_isolated(config, listener).map_err(|e| fail(e.to_string()))?;
    let base = format!("http://{}", client.addr());
    tracing::info!(url = %base, mode = mode.as_str(), "reference client started");
    Ok((client, base))
}
