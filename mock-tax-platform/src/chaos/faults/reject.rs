//! `reject`: the platform refuses the request with a 5xx or a platform abort code
//! (KSeF answers 550 when it aborts processing); nothing is stored.

use serde::{Deserialize, Serialize};
use tax_api::ErrorCode;

use super::{Effect, Fault, Routes};
use crate::chaos::seeded::DecisionRng;

/// Settings of a `reject` fault.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reject {
    /// HTTP status, 500–599 (500, 502, 503, or an abort code such as 550). Default 503.
    #[serde(default = "default_status")]
    pub status: u16,
    /// `Retry-After` seconds to send, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u64>,
}

fn default_status() -> u16 {
    503
}

impl Default for Reject {
    fn default() -> Self {
        Reject {
            status: default_status(),
            retry_after: None,
        }
    }
}

impl Fault for Reject {
    fn kind(&self) -> &'static str {
        "reject"
    }

    fn routes(&self) -> Routes {
        Routes::ANY_UPLOADS_BY_DEFAULT
    }

    fn validate(&self) -> Result<(), String> {
        if (500..=599).contains(&self.status) {
            Ok(())
        } else {
            Err(format!(
                "status must be a 5xx code such as 500, 502, 503 or 550, found {}",
                self.status
            ))
        }
    }

    fn effect(&self, _rng: &mut DecisionRng) -> Effect {
        let code = if self.status == 500 {
            ErrorCode::Internal
        } else {
            ErrorCode::SystemAborted
        };
        Effect::Respond {
            status: self.status,
            code,
            retry_after: self.retry_after,
        }
    }
}
