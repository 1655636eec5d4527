//! The generic `/v1` JSON API: one file per group of routes.

use std::sync::Arc;

use hyper::body::Incoming;
use hyper::Request;
use serde::de::DeserializeOwned;
use tax_api::ApiError;

use crate::server::conn::ConnHandle;
use crate::state::AppState;
use crate::wire::auth;
use crate::wire::body;
use crate::wire::exchange::Exchange;

pub mod query;
pub mod read;
pub mod status;
pub mod upload;
pub mod verify;

/// A `/v1` request with a JSON body, authenticated and parsed.
pub(crate) struct JsonRequest<T> {
    /// The seller the bearer token names (`None` when no tokens are configured).
    pub seller: Option<String>,
    /// The connection, for faults that reset or hang it.
    pub conn: Option<ConnHandle>,
    /// The parsed body; the raw bytes are already dropped.
    pub body: T,
}

/// The shared first phases of every JSON route: authenticate (401), note the seller
/// in the journal, read the body within the limit (413) and parse it (400).
pub(crate) async fn authenticated_json<T: DeserializeOwned>(
    state: &Arc<AppState>,
    req: Request<Incoming>,
    exchange: &mut Exchange<'_>,
) -> Result<JsonRequest<T>, ApiError> {
    let seller = auth::authenticate(state, req.headers())?;
    exchange.entry().seller_tax_id.clone_from(&seller);
    let (parts, incoming) = req.into_parts();
    let conn = exchange.conn();
    let bytes = body::read_limited(&parts.headers, incoming, &state.config).await?;
    let body = body::parse_json(&bytes)?;
    Ok(JsonRequest { seller, conn, body })
}
