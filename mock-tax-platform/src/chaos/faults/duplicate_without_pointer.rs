//! `duplicate_without_pointer`: an upload of a number the platform already holds is
//! answered 409 `DUPLICATE` without `details.original_ref` — even when the content is
//! the same and the platform would normally answer idempotently. Nothing changes in
//! the store; the client cannot tell whether its own upload is the one stored.

use serde::{Deserialize, Serialize};
use tax_api::Route;

use super::{Effect, Fault};
use crate::chaos::engine::RequestFacts;
use crate::chaos::plan::RouteTarget;
use crate::chaos::seeded::DecisionRng;

/// Settings of a `duplicate_without_pointer` fault. None.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DuplicateWithoutPointer {}

impl Fault for DuplicateWithoutPointer {
    fn kind(&self) -> &'static str {
        "duplicate_without_pointer"
    }

    fn default_route(&self) -> RouteTarget {
        RouteTarget::Upload
    }

    fn supports(&self, route: Route) -> bool {
        super::upload_only(route)
    }

    /// Only an upload of a number already stored can be answered "duplicate".
    fn applies(&self, request: &RequestFacts<'_>) -> bool {
        request.existing
    }

    fn needs_existing(&self) -> bool {
        true
    }

    fn effect(&self, _rng: &mut DecisionRng) -> Effect {
        Effect::StripOriginalRef
    }
}
