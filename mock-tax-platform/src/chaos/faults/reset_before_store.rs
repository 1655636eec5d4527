//! `reset_before_store`: the connection is reset (TCP RST) before anything is stored.

use serde::{Deserialize, Serialize};
use tax_api::Route;

use super::{Effect, Fault};
use crate::chaos::plan::RouteTarget;
use crate::chaos::seeded::DecisionRng;

/// The connection is reset (TCP RST) before anything is stored. No settings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResetBeforeStore {}

impl Fault for ResetBeforeStore {
    fn kind(&self) -> &'static str {
        "reset_before_store"
    }

    fn default_route(&self) -> RouteTarget {
        RouteTarget::Upload
    }

    fn supports(&self, route: Route) -> bool {
        super::is_api_route(route)
    }

    fn effect(&self, _rng: &mut DecisionRng) -> Effect {
        Effect::Reset { commit: false }
    }
}
