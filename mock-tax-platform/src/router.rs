//! The route table and dispatch: one list of (method, path) pairs that the server
//! serves and the OpenAPI test compares with `docs/openapi/tax-platform.yaml`.

use std::sync::Arc;

use http::Method;
use hyper::body::Incoming;
use hyper::Request;
use tax_api::{ApiError, ErrorCode, Route};

use crate::control;
use crate::server::conn::ConnHandle;
use crate::state::AppState;
use crate::wire::exchange::Exchange;
use crate::wire::respond::{self, Response};
use crate::wire::{auth, generic};

/// Which handler serves a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    /// `POST /v1/invoices`.
    Upload,
    /// `POST /v1/invoices/query`.
    Query,
    /// `GET /v1/invoices/{number}`.
    GetInvoice,
    /// `GET /v1/submissions/{id}`.
    GetSubmission,
    /// `POST /v1/verify`.
    Verify,
    /// `GET /v1/status`.
    Status,
    /// `GET /_chaos/truth`.
    Truth,
    /// `GET /_chaos/journal`.
    Journal,
    /// `POST /_chaos/reset`.
    Reset,
    /// `GET /_chaos/version`.
    Version,
    /// `GET /_chaos/plan`.
    GetPlan,
    /// `PUT /_chaos/plan`.
    PutPlan,
    /// `POST /_chaos/faults`.
    AddFault,
    /// `DELETE /_chaos/faults/{name}`.
    DeleteFault,
    /// `POST /_chaos/maintenance`.
    Maintenance,
    /// `POST /_chaos/checkpoint`.
    Checkpoint,
    /// `GET /_chaos/stats`.
    Stats,
}

/// One served route.
#[derive(Debug, Clone, Copy)]
pub struct RouteSpec {
    /// HTTP method, upper case.
    pub method: &'static str,
    /// Path template; `{name}` matches one segment.
    pub path: &'static str,
    /// The route as the journal and fault rules name it.
    pub route: Route,
    /// The handler.
    pub endpoint: Endpoint,
}

const fn spec(
    method: &'static str,
    path: &'static str,
    route: Route,
    endpoint: Endpoint,
) -> RouteSpec {
    RouteSpec {
        method,
        path,
        route,
        endpoint,
    }
}

/// Every route the platform serves. Order matters where templates overlap: the
/// literal `/v1/invoices/query` comes before `/v1/invoices/{number}`.
pub const ROUTES: &[RouteSpec] = &[
    spec("POST", "/v1/invoices", Route::Upload, Endpoint::Upload),
    spec("POST", "/v1/invoices/query", Route::Query, Endpoint::Query),
    spec(
        "GET",
        "/v1/invoices/{number}",
        Route::Get,
        Endpoint::GetInvoice,
    ),
    spec(
        "GET",
        "/v1/submissions/{id}",
        Route::Get,
        Endpoint::GetSubmission,
    ),
    spec("POST", "/v1/verify", Route::Verify, Endpoint::Verify),
    spec("GET", "/v1/status", Route::Status, Endpoint::Status),
    spec("GET", "/_chaos/truth", Route::Control, Endpoint::Truth),
    spec("GET", "/_chaos/journal", Route::Control, Endpoint::Journal),
    spec("POST", "/_chaos/reset", Route::Control, Endpoint::Reset),
    spec("GET", "/_chaos/version", Route::Control, Endpoint::Version),
    spec("GET", "/_chaos/plan", Route::Control, Endpoint::GetPlan),
    spec("PUT", "/_chaos/plan", Route::Control, Endpoint::PutPlan),
    spec("POST", "/_chaos/faults", Route::Control, Endpoint::AddFault),
    spec(
        "DELETE",
        "/_chaos/faults/{name}",
        Route::Control,
        Endpoint::DeleteFault,
    ),
    spec(
        "POST",
        "/_chaos/maintenance",
        Route::Control,
        Endpoint::Maintenance,
    ),
    spec(
        "POST",
        "/_chaos/checkpoint",
        Route::Control,
        Endpoint::Checkpoint,
    ),
    spec("GET", "/_chaos/stats", Route::Control, Endpoint::Stats),
];

/// Which routes a listener serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Serves {
    /// API and control plane on one listener (the default).
    Both,
    /// `/v1/…` only.
    Api,
    /// `/_chaos/…` only.
    Control,
}

impl Serves {
    fn includes(self, route: Route) -> bool {
        match self {
            Serves::Both => true,
            Serves::Api => route != Route::Control,
            Serves::Control => route == Route::Control,
        }
    }
}

/// Matches `path` against a template; returns the `{…}` segment's value, if any.
fn matches<'p>(template: &str, path: &'p str) -> Option<Option<&'p str>> {
    let mut param = None;
    let mut t = template.split('/');
    let mut p = path.split('/');
    loop {
        match (t.next(), p.next()) {
            (None, None) => return Some(param),
            (Some(ts), Some(ps)) if ts.starts_with('{') => {
                if ps.is_empty() {
                    return None;
                }
                param = Some(ps);
            }
            (Some(ts), Some(ps)) if ts == ps => {}
            _ => return None,
        }
    }
}

/// The route for a request, or the 404/405 envelope. As in OpenAPI, a literal
/// path is matched before templates: `GET /v1/invoices/query` is a 405 that
/// allows `POST`, not a read of an invoice numbered `query`.
fn find<'p>(
    serves: Serves,
    method: &Method,
    path: &'p str,
) -> Result<(&'static RouteSpec, Option<&'p str>), (Route, ApiError)> {
    let candidates: Vec<(&'static RouteSpec, Option<&'p str>)> = ROUTES
        .iter()
        .filter(|s| serves.includes(s.route))
        .filter_map(|s| matches(s.path, path).map(|param| (s, param)))
        .collect();
    let literal = candidates.iter().any(|(_, param)| param.is_none());
    let mut allowed: Vec<&'static str> = Vec::new();
    let mut route = Route::Unknown;
    for (spec, param) in candidates {
        if literal && param.is_some() {
            continue;
        }
        if spec.method == method.as_str() {
            return Ok((spec, param));
        }
        route = spec.route;
        allowed.push(spec.method);
    }
    if allowed.is_empty() {
        return Err((
            Route::Unknown,
            ApiError::not_found(format!("no route {method} {path}")).with_detail("path", path),
        ));
    }
    Err((
        route,
        ApiError::new(
            ErrorCode::MethodNotAllowed,
            format!(
                "{path} does not accept {method}; it accepts {}",
                allowed.join(", ")
            ),
        )
        .with_detail("allowed", allowed),
    ))
}

/// Serves one request: routes it, runs its handler, journals the exchange.
pub async fn handle(
    state: &Arc<AppState>,
    serves: Serves,
    req: Request<Incoming>,
    conn: ConnHandle,
) -> Response {
    // One clock read serves housekeeping, the journal entry and the plan's gate.
    let arrived = state.clock.now();
    crate::housekeeping::tick(state, arrived.0);
    // The KSeF 2.0 dialect serves `/v2/…` (no `/v1` route starts so).
    if serves != Serves::Control && req.uri().path().starts_with("/v2/") {
        return crate::wire::ksef::handle(state, req, conn, arrived).await;
    }
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let (mut exchange, result) = match find(serves, &method, &path) {
        Ok((spec, param)) => {
            let param = param.map(str::to_owned);
            let mut exchange =
                Exchange::begin(state, arrived, spec.route, &method, path, Some(conn));
            let result = dispatch(state, spec, param, req, &mut exchange).await;
            (exchange, result)
        }
        Err((route, err)) => (
            Exchange::begin(state, arrived, route, &method, path, None),
            Err(err),
        ),
    };
    let (response, error_code) = match result {
        Ok(response) => (response, None),
        Err(err) => {
            if err.code == ErrorCode::Internal {
                let path = &exchange.entry().path;
                tracing::error!(%method, %path, message = %err.message, "internal error");
            }
            (respond::error(&err), Some(err.code))
        }
    };
    let status = response.status().as_u16();
    tracing::debug!(%method, path = %exchange.entry().path, status, "answered");
    exchange.finish(status, error_code);
    response
}

/// Runs the endpoint's handler: one arm per endpoint, no fallback. Control-plane
/// routes are authenticated here, once, before their handler runs.
async fn dispatch(
    state: &Arc<AppState>,
    spec: &RouteSpec,
    param: Option<String>,
    req: Request<Incoming>,
    exchange: &mut Exchange<'_>,
) -> Result<Response, ApiError> {
    if spec.route == Route::Control {
        auth::authenticate_control(state, req.headers())?;
    }
    let param = param.unwrap_or_default();
    // Each route's future is boxed: unboxed, this future (and those holding it)
    // would be as large as the largest route's, kilobytes that hyper moves
    // several times per request.
    match spec.endpoint {
        Endpoint::Upload => Box::pin(generic::upload::upload(state, req, exchange)).await,
        Endpoint::Query => Box::pin(generic::query::query(state, req, exchange)).await,
        Endpoint::GetInvoice => {
            Box::pin(generic::read::get_invoice(state, req, &param, exchange)).await
        }
        Endpoint::GetSubmission => {
            Box::pin(generic::read::get_submission(state, req, &param, exchange)).await
        }
        Endpoint::Verify => Box::pin(generic::verify::verify(state, req, exchange)).await,
        Endpoint::Status => Ok(generic::status::status(state)),
        Endpoint::Truth => control::truth::truth(state, req.uri().query()),
        Endpoint::Journal => control::journal(state, req.uri().query()),
        Endpoint::Reset => Ok(control::reset(state)),
        Endpoint::Version => Ok(control::version(state)),
        Endpoint::GetPlan => Ok(control::plan::get_plan(state)),
        Endpoint::PutPlan => Box::pin(control::plan::put_plan(state, req)).await,
        Endpoint::AddFault => Box::pin(control::plan::add_fault(state, req)).await,
        Endpoint::DeleteFault => control::plan::delete_fault(state, &param),
        Endpoint::Maintenance => Box::pin(control::maintenance::maintenance(state, req)).await,
        Endpoint::Checkpoint => Ok(control::maintenance::checkpoint(state)),
        Endpoint::Stats => Ok(control::stats::stats(state)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_query_path_serves_post_only_and_other_numbers_serve_get() {
        let (spec, _) = find(Serves::Both, &Method::POST, "/v1/invoices/query").unwrap();
        assert_eq!(spec.endpoint, Endpoint::Query);
        let (_, err) = find(Serves::Both, &Method::GET, "/v1/invoices/query").unwrap_err();
        assert_eq!(err.code, ErrorCode::MethodNotAllowed);
        let (spec, param) = find(Serves::Both, &Method::GET, "/v1/invoices/queries").unwrap();
        assert_eq!(
            (spec.endpoint, param),
            (Endpoint::GetInvoice, Some("queries"))
        );
    }

    #[test]
    fn a_405_on_the_query_path_allows_only_post() {
        let (_, err) = find(Serves::Both, &Method::DELETE, "/v1/invoices/query").unwrap_err();
        assert_eq!(err.code, ErrorCode::MethodNotAllowed);
        assert_eq!(err.details["allowed"], serde_json::json!(["POST"]));
        assert!(err.message.ends_with("it accepts POST"), "{}", err.message);
    }

    #[test]
    fn control_routes_are_unknown_on_an_api_only_listener() {
        let (route, err) = find(Serves::Api, &Method::GET, "/_chaos/truth").unwrap_err();
        assert_eq!((route, err.code), (Route::Unknown, ErrorCode::NotFound));
    }
}
