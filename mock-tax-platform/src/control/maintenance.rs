//! Maintenance and checkpoints over the control plane: `POST /_chaos/maintenance`
//! opens or stops a window now, `POST /_chaos/checkpoint` makes everything stored
//! so far durable.

use std::time::Duration;

use http::StatusCode;
use hyper::body::Incoming;
use hyper::Request;
use serde_json::{json, Value};
use tax_api::ApiError;

use super::plan::{plan_error, read_text};
use crate::chaos::millis;
use crate::chaos::plan::MaintenanceWindow;
use crate::housekeeping;
use crate::state::AppState;
use crate::wire::body;
use crate::wire::respond::{self, Response};

/// `POST /_chaos/maintenance`: `{"stop": true}` ends open windows now (their
/// migrations run at once); any other body is a window opened now.
pub async fn maintenance(state: &AppState, req: Request<Incoming>) -> Result<Response, ApiError> {
    let now = state.clock.elapsed();
    let (_, text) = read_text(state, req).await?;
    let value: Value = body::parse_json(text.as_bytes())?;
    if value.get("stop").is_some() {
        if value != json!({"stop": true}) {
            return Err(ApiError::validation(
                "stop",
                "to stop maintenance send exactly {\"stop\": true}",
            ));
        }
        let stopped = state.chaos.close_windows(now);
        housekeeping::tick(state, now);
        let migrations: Vec<_> = state
            .chaos
            .stats()
            .migrations
            .into_iter()
            .filter(|m| stopped.contains(&m.window))
            .collect();
        return Ok(respond::json(
            StatusCode::OK,
            &json!({"stopped": stopped, "migrations": migrations}),
        ));
    }
    let window: MaintenanceWindow =
        serde_json::from_value(value).map_err(|e| plan_error(e.into()))?;
    let (name, start, end) = state.chaos.open_window(window, now).map_err(plan_error)?;
    tracing::info!(window = %name, "maintenance window opened");
    Ok(respond::json(
        StatusCode::OK,
        &json!({"window": name, "starts_at_ms": millis(start), "ends_at_ms": millis(end)}),
    ))
}

/// `POST /_chaos/checkpoint`: everything written up to and including this moment
/// becomes durable across migrations.
pub fn checkpoint(state: &AppState) -> Response {
    let now = state.clock.elapsed();
    let at = state.chaos.checkpoint_now(now);
    let newly = housekeeping::checkpoint(state, at + Duration::from_nanos(1));
    respond::json(
        StatusCode::OK,
        &json!({"checkpointed": newly, "at_ms": millis(at)}),
    )
}
