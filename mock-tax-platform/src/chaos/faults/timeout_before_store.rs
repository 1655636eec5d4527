//! `timeout_before_store`: no answer comes and nothing is stored.

use serde::{Deserialize, Serialize};
use tax_api::Route;

use super::{Effect, Fault};
use crate::chaos::plan::RouteTarget;
use crate::chaos::seeded::DecisionRng;

/// No answer comes and nothing is stored. No settings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimeoutBeforeStore {}

impl Fault for TimeoutBeforeStore {
    fn kind(&self) -> &'static str {
        "timeout_before_store"
    }

    fn default_route(&self) -> RouteTarget {
        RouteTarget::Upload
    }

    fn supports(&self, route: Route) -> bool {
        super::is_api_route(route)
    }

    fn effect(&self, _rng: &mut DecisionRng) -> Effect {
        Effect::Hang { commit: false }
    }
}
