//! KSeF 2.0 (Poland's national e-invoice API) under `/v2`, over the same store,
//! journal, truth and fault engine as `/v1`: a send is parsed from FA(3) into the
//! generic invoice, gets the same fault decision as a `/v1` upload of that invoice
//! and the same store phase, and each fault is rendered as KSeF shows it. How to
//! point an integration at it, and what each fault looks like: `docs/ksef.md`.
//!
//! # Layout
//!
//! - `nip`, `ids`, `dates`: NIPs, reference and KSeF numbers (CRC-8), RFC 3339.
//! - `errors`: legacy and problem+json bodies, 429, the gateway's HTML 503.
//! - `crypto`: key material, RSA-OAEP-SHA256 and AES-256-CBC.
//! - `fa3`: FA(3) XML ↔ the generic invoice.
//! - `state`: challenges, tokens, sessions and sent invoices.
//! - `context`: the request context every handler gets.
//! - `routes`: the route table and one file per group of routes.
//! - `client_side`: what a client does (for tests that drive `/v2` from outside).

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use http::header::HeaderValue;
use hyper::body::Incoming;
use hyper::Request;

use crate::server::conn::ConnHandle;
use crate::state::AppState;
use crate::wire::exchange::Exchange;
use crate::wire::respond::Response;

pub mod client_side;
mod context;
pub mod crypto;
pub mod dates;
pub mod errors;
pub mod fa3;
pub mod ids;
pub mod nip;
pub mod routes;
pub mod state;

#[cfg(test)]
mod tests;

pub use crypto::{KeyError, KeyMaterial};
pub use state::KsefState;

/// Default `isTruncated` limit of a metadata query, as in KSeF.
pub const DEFAULT_QUERY_LIMIT: usize = 10_000;

/// The dialect's settings.
#[derive(Debug, Clone)]
pub struct KsefSettings {
    /// Key material loaded with `--ksef-key`/`--ksef-cert`; `None`: the committed
    /// test-only pair.
    pub keys: Option<Arc<KeyMaterial>>,
    /// Records a metadata query returns before it says `isTruncated` (KSeF: 10 000);
    /// small values exercise clients' narrow-and-restart logic cheaply.
    pub query_limit: usize,
}

impl Default for KsefSettings {
    fn default() -> Self {
        KsefSettings {
            keys: None,
            query_limit: DEFAULT_QUERY_LIMIT,
        }
    }
}

/// Serves one `/v2` request that arrived at `arrived`, journaled like any other.
pub async fn handle(
    state: &Arc<AppState>,
    req: Request<Incoming>,
    conn: ConnHandle,
    arrived: (Duration, DateTime<Utc>),
) -> Response {
    let (parts, body) = req.into_parts();
    let path = parts.uri.path().to_owned();
    let op = routes::Op::find(&parts.method, &path);
    let route = op
        .as_ref()
        .map_or(tax_api::Route::Unknown, routes::Op::route);
    let mut exchange = Exchange::begin(
        state,
        arrived,
        route,
        &parts.method,
        path.clone(),
        Some(conn.clone()),
    );
    let problem = parts
        .headers
        .get("x-error-format")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("problem-details"));
    let mut ctx = context::Ctx {
        state,
        headers: parts.headers,
        body: Some(body),
        query: parts.uri.query().unwrap_or("").to_owned(),
        now: arrived.0,
        wall: arrived.1,
    };
    let result = match op {
        Some(op) => routes::dispatch(op, &mut ctx, &mut exchange, Some(&conn)).await,
        None => Err(errors::KsefError::NoRoute(format!(
            "{} {path}",
            parts.method
        ))),
    };
    let (mut response, error_code) = match result {
        Ok(response) => (response, None),
        Err(err) => {
            // A 500 a fault rule asked for is the run going to plan, not a platform error.
            if err == errors::KsefError::Internal && exchange.entry().fault.is_none() {
                tracing::error!(%path, "KSeF request answered 500");
            }
            (
                err.render(problem, &path, state.clock.now().1),
                Some(err.journal_code()),
            )
        }
    };
    if let Some(warning) = maintenance_warning(state) {
        response.headers_mut().insert("x-system-warning", warning);
    }
    exchange.finish(response.status().as_u16(), error_code);
    response
}

/// `X-System-Warning` announcing the next maintenance window, as KSeF announces
/// planned work ahead (clients route it to a warning handler).
fn maintenance_warning(state: &AppState) -> Option<HeaderValue> {
    let next = state.chaos.next_window(state.clock.elapsed())?;
    let at =
        |t: Duration| dates::rfc3339(state.clock.wall_at(state.chaos.started().saturating_add(t)));
    HeaderValue::from_str(&format!(
        "[MAINTENANCE]: planned maintenance from {} to {}",
        at(next.start),
        at(next.end)
    ))
    .ok()
}
