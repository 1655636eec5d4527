//! The fault plan over the control plane: `GET /_chaos/plan`, `PUT /_chaos/plan`,
//! `POST /_chaos/faults`, `DELETE /_chaos/faults/{name}`.
//!
//! Bodies are JSON in the plan's shape; `PUT /_chaos/plan` and `POST /_chaos/faults`
//! also take TOML when sent with a content type containing `toml`.

use http::header::CONTENT_TYPE;
use http::StatusCode;
use hyper::body::Incoming;
use hyper::Request;
use serde_json::json;
use tax_api::ApiError;

use crate::chaos::plan::{FaultRule, Plan, PlanError};
use crate::state::AppState;
use crate::wire::body;
use crate::wire::respond::{self, Response};

/// `GET /_chaos/plan`: the plan as it stands.
pub fn get_plan(state: &AppState) -> Response {
    respond::json(StatusCode::OK, &state.chaos.plan())
}

/// `PUT /_chaos/plan`: replaces the whole plan; counters and plan time start again.
pub async fn put_plan(state: &AppState, req: Request<Incoming>) -> Result<Response, ApiError> {
    let now = state.clock.elapsed();
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

/// `POST /_chaos/faults`: adds one rule; the others keep their counters.
pub async fn add_fault(state: &AppState, req: Request<Incoming>) -> Result<Response, ApiError> {
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

/// `DELETE /_chaos/faults/{name}`: removes the named rule.
pub fn delete_fault(state: &AppState, name: &str) -> Result<Response, ApiError> {
    // The name is one path segment: a space or a slash in it arrives encoded.
    let name = &*percent_encoding::percent_decode_str(name)
        .decode_utf8()
        .map_err(|_| {
            ApiError::validation(
                "name",
                "the rule name in the path is not UTF-8 once decoded",
            )
        })?;
    if state.chaos.remove_rule(name) {
        tracing::info!(rule = %name, "fault rule deleted");
        Ok(respond::json(StatusCode::OK, &json!({"deleted": name})))
    } else {
        Err(ApiError::not_found(format!("no fault rule named {name:?}")).with_detail("name", name))
    }
}

/// The body as text, and whether it is TOML.
pub(super) async fn read_text(
    state: &AppState,
    req: Request<Incoming>,
) -> Result<(bool, String), ApiError> {
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

/// A plan the platform refuses, as a 400 naming what is wrong.
pub(super) fn plan_error(err: PlanError) -> ApiError {
    ApiError::validation("plan", err.to_string())
}
