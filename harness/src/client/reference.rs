//! `reference` adapter: the reference client in-process on an ephemeral port, with a
//! temporary state directory.

use std::sync::Arc;

use super::{ClientEnv, ClientError, ContractClient};
use crate::outcome::ClientInfo;
use crate::script::ClientMode;

/// The reference client running inside the harness.
pub struct ReferenceAdapter {
    mode: ClientMode,
    contract: Arc<ContractClient>,
}

impl ReferenceAdapter {
    /// Starts the reference client and waits until it is healthy.
    pub async fn start(mode: ClientMode, _env: &ClientEnv) -> Result<Self, ClientError> {
        let _ = mode;
        Err(ClientError::Unsupported {
            adapter: "reference",
            action: "start yet",
        })
    }

    /// The HTTP contract.
    pub fn contract(&self) -> Arc<ContractClient> {
        self.contract.clone()
    }

    /// Kill abruptly and start again on the same state.
    pub async fn restart(&mut self) -> Result<(), ClientError> {
        Err(ClientError::Unsupported {
            adapter: "reference",
            action: "restart yet",
        })
    }

    /// Report description.
    pub fn info(&self) -> ClientInfo {
        ClientInfo {
            adapter: "reference".into(),
            mode: Some(self.mode.as_str().into()),
            target: Some(self.contract.base()),
        }
    }

    /// Stops the client.
    pub async fn stop(self) {}
}
