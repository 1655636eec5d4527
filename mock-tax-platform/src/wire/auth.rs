//! Bearer-token authentication: each seller has its own token; with none
//! configured every request is accepted for any seller.

use http::header::AUTHORIZATION;
use http::HeaderMap;
use tax_api::ApiError;

use crate::state::AppState;

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

/// The seller a request acts for: `Ok(None)` when no tokens are configured (any
/// seller), `Ok(Some(seller))` for a known token, 401 otherwise.
pub fn authenticate(state: &AppState, headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    if state.sellers_by_token.is_empty() {
        return Ok(None);
    }
    let token = bearer(headers).ok_or_else(|| {
        ApiError::unauthorized("expected an `Authorization: Bearer <token>` header, found none")
    })?;
    state
        .sellers_by_token
        .get(token)
        .cloned()
        .map(Some)
        .ok_or_else(|| ApiError::unauthorized("the bearer token is not valid for any seller"))
}

/// 401 when the authenticated seller is not the one the request names.
pub fn check_seller(authenticated: Option<&str>, named: &str) -> Result<(), ApiError> {
    match authenticated {
        Some(seller) if seller != named => Err(ApiError::unauthorized(format!(
            "the token is for seller {seller}, the request names seller {named}"
        ))
        .with_detail("field", "seller_tax_id")),
        _ => Ok(()),
    }
}

/// 401 unless the control-plane token (when configured) is presented as a bearer token.
pub fn authenticate_control(state: &AppState, headers: &HeaderMap) -> Result<(), ApiError> {
    match &state.config.control_token {
        None => Ok(()),
        Some(expected) if bearer(headers) == Some(expected.as_str()) => Ok(()),
        Some(_) => Err(ApiError::unauthorized(
            "the control plane expects `Authorization: Bearer <control token>`",
        )),
    }
}
