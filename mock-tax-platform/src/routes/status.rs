//! `GET /v1/status`: the platform's operating state and announced windows.

use http::StatusCode;
use tax_api::{PlatformState, PlatformStatus};

use crate::respond::{self, Response};
use crate::state::AppState;

/// Serves `GET /v1/status`. Needs no token, like a public status page.
pub fn status(_state: &AppState) -> Response {
    respond::json(
        StatusCode::OK,
        &PlatformStatus {
            state: PlatformState::Normal,
            windows: Vec::new(),
        },
    )
}
