//! `GET /_chaos/stats`: the fault engine's counts and the journal's size and losses.

use http::StatusCode;
use tax_api::control::PlatformStats;

use crate::state::AppState;
use crate::wire::respond::{self, Response};

/// `GET /_chaos/stats`.
pub fn stats(state: &AppState) -> Response {
    respond::json(
        StatusCode::OK,
        &PlatformStats {
            chaos: state.chaos.stats(),
            journal: Some(state.journal.usage()),
        },
    )
}
