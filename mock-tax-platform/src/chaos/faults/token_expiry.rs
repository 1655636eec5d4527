//! `token_expiry`: the request is refused with 401 as if the bearer token had expired.

use serde::{Deserialize, Serialize};
use tax_api::{ErrorCode, Route};

use super::{Effect, Fault};
use crate::chaos::plan::RouteTarget;
use crate::chaos::seeded::DecisionRng;

/// The request is refused with 401 as if the bearer token had expired. No settings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenExpiry {}

impl Fault for TokenExpiry {
    fn kind(&self) -> &'static str {
        "token_expiry"
    }

    fn default_route(&self) -> RouteTarget {
        RouteTarget::Any
    }

    fn supports(&self, route: Route) -> bool {
        super::is_api_route(route)
    }

    fn effect(&self, _rng: &mut DecisionRng) -> Effect {
        Effect::Respond {
            status: 401,
            code: ErrorCode::Unauthorized,
            retry_after: None,
        }
    }
}
