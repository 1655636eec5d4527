//! `error_after_commit`: the record is stored in full (or a KSeF session opened or
//! closed), then the client gets a 5xx.

use serde::{Deserialize, Serialize};

use super::{Effect, Fault, Routes};
use crate::chaos::seeded::DecisionRng;

/// Settings of an `error_after_commit` fault.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ErrorAfterCommit {
    /// HTTP status sent after the commit, 500–599. Default 500.
    #[serde(default = "default_status")]
    pub status: u16,
}

fn default_status() -> u16 {
    500
}

impl Default for ErrorAfterCommit {
    fn default() -> Self {
        ErrorAfterCommit {
            status: default_status(),
        }
    }
}

impl Fault for ErrorAfterCommit {
    fn kind(&self) -> &'static str {
        "error_after_commit"
    }

    fn routes(&self) -> Routes {
        Routes::UPLOADS_AND_SESSIONS
    }

    fn validate(&self) -> Result<(), String> {
        if (500..=599).contains(&self.status) {
            Ok(())
        } else {
            Err(format!("status must be a 5xx code, found {}", self.status))
        }
    }

    fn effect(&self, _rng: &mut DecisionRng) -> Effect {
        Effect::ErrorAfterCommit {
            status: self.status,
        }
    }
}
