//! `rate_limit`: the request is refused with 429 `RATE_LIMITED` and `Retry-After`.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use tax_api::ErrorCode;

use super::{Effect, Fault, Routes};
use crate::chaos::plan::duration;
use crate::chaos::seeded::DecisionRng;

/// Settings of a `rate_limit` fault.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimit {
    /// The `Retry-After` sent, rounded up to whole seconds (default 1s).
    #[serde(default = "default_retry_after", with = "duration::required")]
    pub retry_after: Duration,
}

fn default_retry_after() -> Duration {
    Duration::from_secs(1)
}

impl Default for RateLimit {
    fn default() -> Self {
        RateLimit {
            retry_after: default_retry_after(),
        }
    }
}

impl Fault for RateLimit {
    fn kind(&self) -> &'static str {
        "rate_limit"
    }

    fn routes(&self) -> Routes {
        Routes::ANY
    }

    fn effect(&self, _rng: &mut DecisionRng) -> Effect {
        let secs = crate::chaos::maintenance::ceil_secs(self.retry_after);
        Effect::Respond {
            status: 429,
            code: ErrorCode::RateLimited,
            retry_after: Some(secs),
        }
    }
}
