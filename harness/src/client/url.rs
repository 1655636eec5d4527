//! `url` adapter: a client system already running; the harness only talks to it.

use std::sync::Arc;

use super::{ClientEnv, ClientError, ContractClient};
use crate::outcome::ClientInfo;

/// A client someone else started.
pub struct UrlAdapter {
    contract: Arc<ContractClient>,
}

impl UrlAdapter {
    /// Reaches the client at `url` and waits until it is healthy.
    pub async fn start(url: &str, env: &ClientEnv) -> Result<Self, ClientError> {
        let contract = Arc::new(ContractClient::new(url)?);
        contract.wait_healthy(env.health_timeout).await?;
        Ok(UrlAdapter { contract })
    }

    /// The HTTP contract.
    pub fn contract(&self) -> Arc<ContractClient> {
        self.contract.clone()
    }

    /// Report description.
    pub fn info(&self) -> ClientInfo {
        ClientInfo {
            adapter: "url".into(),
            mode: None,
            target: Some(self.contract.base()),
        }
    }
}
