//! `drop_after_ack`: the client is told the upload succeeded; nothing is stored.

use serde::{Deserialize, Serialize};
use tax_api::Route;

use super::{Effect, Fault};
use crate::chaos::plan::RouteTarget;
use crate::chaos::seeded::DecisionRng;

/// The client is told the upload succeeded; nothing is stored. No settings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DropAfterAck {}

impl Fault for DropAfterAck {
    fn kind(&self) -> &'static str {
        "drop_after_ack"
    }

    fn default_route(&self) -> RouteTarget {
        RouteTarget::Upload
    }

    fn supports(&self, route: Route) -> bool {
        super::upload_only(route)
    }

    fn effect(&self, _rng: &mut DecisionRng) -> Effect {
        Effect::AckWithoutStore
    }
}
