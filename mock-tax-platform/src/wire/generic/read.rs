//! `GET /v1/invoices/{number}` and `GET /v1/submissions/{id}`: reads scoped to the
//! authenticated seller; another seller's record is a plain 404.

use std::sync::Arc;

use http::StatusCode;
use hyper::body::Incoming;
use hyper::Request;
use tax_api::{ApiError, Route};

use crate::state::AppState;
use crate::wire::auth;
use crate::wire::exchange::Exchange;
use crate::wire::faulted as chaos;
use crate::wire::respond::{self, Response};

/// Serves `GET /v1/invoices/{number}`.
pub async fn get_invoice(
    state: &Arc<AppState>,
    req: Request<Incoming>,
    number: &str,
    exchange: &mut Exchange<'_>,
) -> Result<Response, ApiError> {
    let seller = auth::authenticate(state, req.headers())?;
    exchange.entry().seller_tax_id.clone_from(&seller);
    let attempt = exchange.count_attempt(seller.as_deref().unwrap_or(""), number);
    let conn = exchange.conn();
    let entered = chaos::enter(state, exchange, Route::Get)?;
    let facts = chaos::facts(
        &entered,
        Route::Get,
        seller.as_deref(),
        Some(number),
        number,
        attempt,
    );
    if let Some(response) =
        chaos::before_read(state, exchange, conn.as_ref(), &entered, &facts).await
    {
        return Ok(response);
    }
    let now = state.clock.elapsed();
    state
        .store
        .get_visible(seller.as_deref(), number, now)
        .and_then(|record| record.to_stored_invoice())
        .map(|stored| respond::json(StatusCode::OK, &stored))
        .ok_or_else(|| {
            ApiError::not_found(format!("no invoice {number} for this seller"))
                .with_detail("number", number)
        })
}

/// Serves `GET /v1/submissions/{id}`.
pub async fn get_submission(
    state: &Arc<AppState>,
    req: Request<Incoming>,
    id: &str,
    exchange: &mut Exchange<'_>,
) -> Result<Response, ApiError> {
    let seller = auth::authenticate(state, req.headers())?;
    exchange.entry().seller_tax_id.clone_from(&seller);
    let attempt = state
        .journal
        .next_attempt(Route::Get, seller.as_deref().unwrap_or(""), id);
    let conn = exchange.conn();
    let entered = chaos::enter(state, exchange, Route::Get)?;
    let facts = chaos::facts(&entered, Route::Get, seller.as_deref(), None, id, attempt);
    if let Some(response) =
        chaos::before_read(state, exchange, conn.as_ref(), &entered, &facts).await
    {
        return Ok(response);
    }
    let now = state.clock.elapsed();
    let status = state
        .submissions
        .status(id, seller.as_deref(), now)
        .ok_or_else(|| {
            ApiError::not_found(format!("no submission {id} for this seller"))
                .with_detail("submission_id", id)
        })?;
    exchange.entry().number = Some(status.number.clone());
    Ok(respond::json(StatusCode::OK, &status))
}
