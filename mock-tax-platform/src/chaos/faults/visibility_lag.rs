//! `visibility_lag`: the record is stored in full, but reads of it (get, query,
//! verify) answer as if it did not exist for a while after the write.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::{Effect, Fault, Routes};
use crate::chaos::plan::duration;
use crate::chaos::seeded::DecisionRng;

/// Settings of a `visibility_lag` fault.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VisibilityLag {
    /// How long after the write the record stays invisible (default 2s).
    #[serde(default = "default_lag", with = "duration::required")]
    pub lag: Duration,
}

fn default_lag() -> Duration {
    Duration::from_secs(2)
}

impl Default for VisibilityLag {
    fn default() -> Self {
        VisibilityLag { lag: default_lag() }
    }
}

impl Fault for VisibilityLag {
    fn kind(&self) -> &'static str {
        "visibility_lag"
    }

    fn routes(&self) -> Routes {
        Routes::UPLOADS
    }

    fn effect(&self, _rng: &mut DecisionRng) -> Effect {
        Effect::HideFor(self.lag)
    }
}
