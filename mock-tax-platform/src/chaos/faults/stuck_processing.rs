//! `stuck_processing`: the upload is accepted asynchronously (202) and its submission
//! stays `PROCESSING` for good.

use serde::{Deserialize, Serialize};

use super::{Effect, Fault, Routes};
use crate::chaos::seeded::DecisionRng;

/// Settings of a `stuck_processing` fault.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StuckProcessing {
    /// Whether the record is stored although its submission never completes
    /// (a client that reads back by number finds it). Default false.
    #[serde(default)]
    pub store: bool,
}

impl Fault for StuckProcessing {
    fn kind(&self) -> &'static str {
        "stuck_processing"
    }

    fn routes(&self) -> Routes {
        Routes::UPLOADS
    }

    fn effect(&self, _rng: &mut DecisionRng) -> Effect {
        Effect::StuckProcessing { store: self.store }
    }
}
