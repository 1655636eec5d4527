//! `commit_then_reset`: the record is stored in full, then the connection is reset (TCP RST).

use serde::{Deserialize, Serialize};
use tax_api::Route;

use super::{Effect, Fault};
use crate::chaos::plan::RouteTarget;
use crate::chaos::seeded::DecisionRng;

/// The record is stored in full, then the connection is reset (TCP RST). No settings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommitThenReset {}

impl Fault for CommitThenReset {
    fn kind(&self) -> &'static str {
        "commit_then_reset"
    }

    fn default_route(&self) -> RouteTarget {
        RouteTarget::Upload
    }

    fn supports(&self, route: Route) -> bool {
        super::upload_only(route)
    }

    fn effect(&self, _rng: &mut DecisionRng) -> Effect {
        Effect::Reset { commit: true }
    }
}
