//! The fault-plan half of the control plane: `GET/PUT /_chaos/plan`,
//! `POST /_chaos/faults`, `DELETE /_chaos/faults/{name}`, `POST /_chaos/maintenance`,
//! `POST /_chaos/checkpoint`, `GET /_chaos/stats`.
//!
//! Bodies are JSON in the plan's shape; `PUT /_chaos/plan` and `POST /_chaos/faults`
//! also take TOML when sent with a content type containing `toml`.

use std::sync::Arc;
use std::time::Duration;

use http::header::CONTENT_TYPE;
use http::StatusCode;
use hyper::body::Incoming;
use hyper::Request;
use serde_json::{json, Value};
use tax_api::ApiError;

use crate::auth;
use crate::body;
use crate::chaos::{housekeeping, millis};
use crate::plan::{FaultRule, MaintenanceWindow, Plan, PlanError};
use crate::respond::{self, Response};
use crate::router::Endpoint;
use crate::state::AppState;

/// Serves one fault-plan control route.
pub async fn chaos(
    state: &Arc<AppState>,
    endpoint: Endpoint,
    param: &str,
    req: Request<Incoming>,
) -> Result<Response, ApiError> {
    auth::authenticate_control(state, req.headers())?;
    let now = state.clock.elapsed();
    match endpoint {
        Endpoint::GetPlan => Ok(respond::json(StatusCode::OK, &state.chaos.plan())),
        Endpoint::PutPlan => {
            let (is_toml, text) = read_text(state, req).await?;
            let plan = if is_toml {
                Plan::from_toml_str(&text)
            } else {
                Plan::from_json_str(&text)
            }
            .map_err(plan_error)?;
            state.chaos.set_plan(plan, now).map_err(plan_error)?;
            tracing::info!("fault plan replaced");
            Ok(respond::json(StatusCode::OK, &state.chaos.plan()))
        }
        Endpoint::AddFault => {
            let (is_toml, text) = read_text(state, req).await?;
            let rule: FaultRule = if is_toml {
                toml::from_str(&text).map_err(|e| plan_error(e.into()))?
            } else {
                serde_json::from_str(&text).map_err(|e| plan_error(e.into()))?
            };
            let name = state.chaos.add_rule(rule).map_err(plan_error)?;
            tracing::info!(rule = %name, "fault rule added");
            let rule = state
                .chaos
                .plan()
                .faults
                .into_iter()
                .find(|r| r.name.as_deref() == Some(name.as_str()));
            Ok(respond::json(
                StatusCode::CREATED,
                &json!({"name": name, "rule": rule}),
            ))
        }
        Endpoint::DeleteFault => {
            // The name is one path segment: a space or a slash in it arrives encoded.
            let param = &*percent_encoding::percent_decode_str(param)
                .decode_utf8()
                .map_err(|_| {
                    ApiError::validation(
                        "name",
                        "the rule name in the path is not UTF-8 once decoded",
                    )
                })?;
            if state.chaos.remove_rule(param) {
                tracing::info!(rule = %param, "fault rule deleted");
                Ok(respond::json(StatusCode::OK, &json!({"deleted": param})))
            } else {
                Err(
                    ApiError::not_found(format!("no fault rule named {param:?}"))
                        .with_detail("name", param),
                )
            }
        }
        Endpoint::Maintenance => {
            let (_, text) = read_text(state, req).await?;
            maintenance(state, &text, now)
        }
        Endpoint::Checkpoint => {
            let at = state.chaos.checkpoint_now(now);
            // Everything written up to and including this moment.
            let newly = housekeeping::checkpoint(state, at + Duration::from_nanos(1));
            Ok(respond::json(
                StatusCode::OK,
                &json!({"checkpointed": newly, "at_ms": millis(at)}),
            ))
        }
        _ => Ok(respond::json(
            StatusCode::OK,
            &Stats {
                chaos: state.chaos.stats(),
                journal: state.journal.usage(),
            },
        )),
    }
}

/// `GET /_chaos/stats`: the fault engine's counts and the journal's size and losses.
#[derive(serde::Serialize)]
struct Stats {
    #[serde(flatten)]
    chaos: crate::chaos::ChaosStats,
    journal: crate::journal::JournalUsage,
}

/// `POST /_chaos/maintenance`: `{"stop": true}` ends open windows now (their
/// migrations run at once); any other body is a window opened now.
fn maintenance(state: &AppState, text: &str, now: Duration) -> Result<Response, ApiError> {
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

/// The body as text, and whether it is TOML.
async fn read_text(state: &AppState, req: Request<Incoming>) -> Result<(bool, String), ApiError> {
    let (parts, incoming) = req.into_parts();
    let is_toml = parts
        .headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("toml"));
    let bytes = body::read_limited(&parts.headers, incoming, &state.config).await?;
    let text = String::from_utf8(bytes.to_vec())
        .map_err(|e| ApiError::validation("body", format!("the body is not UTF-8: {e}")))?;
    Ok((is_toml, text))
}

fn plan_error(err: PlanError) -> ApiError {
    ApiError::validation("plan", err.to_string())
}
