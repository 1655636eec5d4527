//! `POST /v1/verify`: does the platform hold this number with this total?

use std::sync::Arc;

use http::StatusCode;
use hyper::body::Incoming;
use hyper::Request;
use tax_api::{ApiError, Route, VerifyRequest, VerifyResponse, VerifyResult};

use crate::state::AppState;
use crate::wire::exchange::Exchange;
use crate::wire::faulted as chaos;
use crate::wire::respond::{self, Response};

use super::{authenticated_json, JsonRequest};

/// Serves `POST /v1/verify`.
pub async fn verify(
    state: &Arc<AppState>,
    req: Request<Incoming>,
    exchange: &mut Exchange<'_>,
) -> Result<Response, ApiError> {
    let JsonRequest {
        seller,
        conn,
        body: request,
    } = authenticated_json::<VerifyRequest>(state, req, exchange).await?;
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
        .and_then(|r| r.stored())
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
