//! `token_expiry`: the request is refused with 401 as if the bearer token had expired.

use tax_api::ErrorCode;

use super::{Effect, Routes};

fault_without_settings! {
    /// The request is refused with 401 as if the bearer token had expired. No settings.
    TokenExpiry,
    "token_expiry",
    Routes::ANY,
    Effect::Respond {
        status: 401,
        code: ErrorCode::Unauthorized,
        retry_after: None,
    }
}
