//! `POST /v1/verify`: does the platform hold this number with this total?

use std::sync::Arc;

use http::StatusCode;
use hyper::body::Incoming;
use hyper::Request;
use tax_api::{ApiError, Route, VerifyRequest, VerifyResponse, VerifyResult};

use crate::auth;
use crate::body;
use crate::chaos::request as chaos;
use crate::conn::ConnHandle;
use crate::exchange::Exchange;
use crate::respond::{self, Response};
use crate::state::AppState;

/// Serves `POST /v1/verify`.
pub async fn verify(
    state: &Arc<AppState>,
    req: Request<Incoming>,
    exchange: &mut Exchange,
) -> Result<Response, ApiError> {
    let seller = auth::authenticate(state, req.headers())?;
    exchange.entry().seller_tax_id.clone_from(&seller);
    let (parts, incoming) = req.into_parts();
    let conn = parts.extensions.get::<ConnHandle>().cloned();
    let bytes = body::read_limited(&parts.headers, incoming, state.config.body_limit).await?;
    let request: VerifyRequest = body::parse_json(&bytes)?;
    let attempt = exchange.count_attempt(seller.as_deref().unwrap_or(""), &request.number);
    let entered = chaos::enter(state, exchange, Route::Verify)?;
    let facts = chaos::facts(
        &entered,
        Route::Verify,
        seller.as_deref(),
        Some(&request.number),
        &request.number,
        attempt,
    );
    if let Some(response) =
        chaos::before_read(state, exchange, conn.as_ref(), &entered, &facts).await
    {
        return Ok(response);
    }
    let now = state.clock.elapsed();
    let result = match state
        .store
        .get_visible(seller.as_deref(), &request.number, now)
        .and_then(|r| r.stored)
    {
        None => VerifyResult::NotFound,
        Some(stored) if stored.totals.total_incl_tax == request.total_incl_tax => {
            VerifyResult::Match
        }
        Some(_) => VerifyResult::Mismatch,
    };
    Ok(respond::json(
        StatusCode::OK,
        &VerifyResponse {
            number: request.number,
            result,
        },
    ))
}
