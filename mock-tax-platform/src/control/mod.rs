//! The control plane under `/_chaos`, one function per route; the router checks the
//! control token once before calling any of them.
//!
//! - `mod.rs`: journal, reset, version.
//! - [`truth`]: `GET /_chaos/truth`, streamed.
//! - [`plan`]: `GET/PUT /_chaos/plan`, `POST /_chaos/faults`, `DELETE /_chaos/faults/{name}`.
//! - [`maintenance`]: `POST /_chaos/maintenance`, `POST /_chaos/checkpoint`.
//! - [`stats`]: `GET /_chaos/stats`.

use http::StatusCode;
use serde_json::json;
use tax_api::ApiError;

use crate::state::AppState;
use crate::wire::respond::{self, Response};

pub mod maintenance;
pub mod plan;
pub mod stats;
pub mod truth;

/// `GET /_chaos/journal?since=N`: journal entries as JSON lines.
pub fn journal(state: &AppState, query: Option<&str>) -> Result<Response, ApiError> {
    let since = since(query)?;
    Ok(respond::json_lines(&state.journal.since(since)))
}

/// `POST /_chaos/reset`: forget every record, journal entry and submission.
pub fn reset(state: &AppState) -> Response {
    state.reset();
    tracing::info!("platform reset: store, journal and submissions cleared");
    respond::json(StatusCode::OK, &json!({"reset": true}))
}

/// `GET /_chaos/version`: name, version, API and seed.
pub fn version(state: &AppState) -> Response {
    respond::json(
        StatusCode::OK,
        &json!({
            "name": env!("CARGO_PKG_NAME"),
            "version": env!("CARGO_PKG_VERSION"),
            "api": "v1",
            "seed": state.config.seed,
        }),
    )
}

/// `?since=N`: journal entries from sequence N on (default 0).
fn since(query: Option<&str>) -> Result<u64, ApiError> {
    let Some(query) = query else { return Ok(0) };
    for pair in query.split('&') {
        if let Some(value) = pair.strip_prefix("since=") {
            return value.parse().map_err(|_| {
                ApiError::validation(
                    "since",
                    format!("since must be a journal sequence number, found {value:?}"),
                )
            });
        }
    }
    Ok(0)
}
