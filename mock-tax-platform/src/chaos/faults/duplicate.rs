//! `duplicate`: the client is told the upload succeeded; the platform stores two copies under different references.

use serde::{Deserialize, Serialize};
use tax_api::Route;

use super::{Effect, Fault};
use crate::chaos::plan::RouteTarget;
use crate::chaos::seeded::DecisionRng;

/// The client is told the upload succeeded; the platform stores two copies under different references. No settings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Duplicate {}

impl Fault for Duplicate {
    fn kind(&self) -> &'static str {
        "duplicate"
    }

    fn default_route(&self) -> RouteTarget {
        RouteTarget::Upload
    }

    fn supports(&self, route: Route) -> bool {
        super::upload_only(route)
    }

    fn effect(&self, _rng: &mut DecisionRng) -> Effect {
        Effect::StoreTwice
    }
}
