//! The control plane under `/_chaos`: ground truth (served by `truth.rs`), journal,
//! reset, version.

use std::sync::Arc;

use http::StatusCode;
use hyper::body::Incoming;
use hyper::Request;
use serde_json::json;
use tax_api::ApiError;

use crate::auth;
use crate::respond::{self, Response};
use crate::router::Endpoint;
use crate::state::AppState;

/// Serves one control-plane route.
pub fn control(
    state: &Arc<AppState>,
    endpoint: Endpoint,
    req: Request<Incoming>,
) -> Result<Response, ApiError> {
    auth::authenticate_control(state, req.headers())?;
    match endpoint {
        Endpoint::Truth => super::truth::truth(state, req.uri().query()),
        Endpoint::Journal => {
            let since = since(req.uri().query())?;
            Ok(respond::json_lines(&state.journal.since(since)))
        }
        Endpoint::Reset => {
            state.reset();
            tracing::info!("platform reset: store, journal and submissions cleared");
            Ok(respond::json(StatusCode::OK, &json!({"reset": true})))
        }
        _ => Ok(respond::json(
            StatusCode::OK,
            &json!({
                "name": env!("CARGO_PKG_NAME"),
                "version": env!("CARGO_PKG_VERSION"),
                "api": "v1",
                "seed": state.config.seed,
            }),
        )),
    }
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
