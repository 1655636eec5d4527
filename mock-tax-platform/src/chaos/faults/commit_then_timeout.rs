//! `commit_then_timeout`: the record is stored in full, then no answer comes until the client gives up.

use serde::{Deserialize, Serialize};
use tax_api::Route;

use super::{Effect, Fault};
use crate::chaos::plan::RouteTarget;
use crate::chaos::seeded::DecisionRng;

/// The record is stored in full, then no answer comes until the client gives up. No settings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommitThenTimeout {}

impl Fault for CommitThenTimeout {
    fn kind(&self) -> &'static str {
        "commit_then_timeout"
    }

    fn default_route(&self) -> RouteTarget {
        RouteTarget::Upload
    }

    fn supports(&self, route: Route) -> bool {
        super::upload_only(route)
    }

    fn effect(&self, _rng: &mut DecisionRng) -> Effect {
        Effect::Hang { commit: true }
    }
}
