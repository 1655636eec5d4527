//! The one error envelope every platform route answers with: `{code, message, retryable, details}`.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Every error code the platform can answer with. The HTTP status follows from the code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ErrorCode {
    /// 400: the body is not a well-formed invoice or request.
    ValidationFailed,
    /// 422: the lines do not add up to the totals.
    TotalsMismatch,
    /// 401: missing, wrong or expired bearer token.
    Unauthorized,
    /// 409: the number exists with different content.
    Duplicate,
    /// 404: no such record for this seller (also hides other sellers' records).
    NotFound,
    /// 413: the body is larger than the platform accepts.
    PayloadTooLarge,
    /// 408: the request body did not arrive within the platform's body-read timeout.
    RequestTimeout,
    /// 405: the route exists but not with this method.
    MethodNotAllowed,
    /// 429: too many requests; honour `Retry-After`.
    RateLimited,
    /// 503: a maintenance window is open; honour `Retry-After`.
    Maintenance,
    /// 500: the platform failed.
    Internal,
    /// 502/503 or a platform-specific abort code injected by a `reject` fault.
    SystemAborted,
}

impl ErrorCode {
    /// The HTTP status this code is sent with.
    pub fn status(self) -> u16 {
        match self {
            ErrorCode::ValidationFailed => 400,
            ErrorCode::TotalsMismatch => 422,
            ErrorCode::Unauthorized => 401,
            ErrorCode::Duplicate => 409,
            ErrorCode::NotFound => 404,
            ErrorCode::PayloadTooLarge => 413,
            ErrorCode::RequestTimeout => 408,
            ErrorCode::MethodNotAllowed => 405,
            ErrorCode::RateLimited => 429,
            ErrorCode::Maintenance => 503,
            ErrorCode::Internal => 500,
            ErrorCode::SystemAborted => 503,
        }
    }

    /// Whether a client may retry the same request unchanged and hope for another answer.
    pub fn retryable(self) -> bool {
        matches!(
            self,
            ErrorCode::RateLimited
                | ErrorCode::RequestTimeout
                | ErrorCode::Maintenance
                | ErrorCode::Internal
                | ErrorCode::SystemAborted
        )
    }

    /// The wire spelling, e.g. `TOTALS_MISMATCH`.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::ValidationFailed => "VALIDATION_FAILED",
            ErrorCode::TotalsMismatch => "TOTALS_MISMATCH",
            ErrorCode::Unauthorized => "UNAUTHORIZED",
            ErrorCode::Duplicate => "DUPLICATE",
            ErrorCode::NotFound => "NOT_FOUND",
            ErrorCode::PayloadTooLarge => "PAYLOAD_TOO_LARGE",
            ErrorCode::RequestTimeout => "REQUEST_TIMEOUT",
            ErrorCode::MethodNotAllowed => "METHOD_NOT_ALLOWED",
            ErrorCode::RateLimited => "RATE_LIMITED",
            ErrorCode::Maintenance => "MAINTENANCE",
            ErrorCode::Internal => "INTERNAL",
            ErrorCode::SystemAborted => "SYSTEM_ABORTED",
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error envelope. `message` is for people; `details` carries machine-readable
/// context such as `field`, `original_ref` or `retry_after_secs`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, thiserror::Error)]
#[error("{code}: {message}")]
pub struct ApiError {
    /// What went wrong, from a closed list.
    pub code: ErrorCode,
    /// A sentence a person can act on.
    pub message: String,
    /// Whether retrying the same request unchanged may succeed.
    pub retryable: bool,
    /// Machine-readable context; an empty object when there is none.
    #[serde(default)]
    pub details: Map<String, Value>,
}

impl ApiError {
    /// An error with the code's default retryability and no details.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ApiError {
            code,
            message: message.into(),
            retryable: code.retryable(),
            details: Map::new(),
        }
    }

    /// Adds one detail, builder style.
    pub fn with_detail(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.details.insert(key.to_owned(), value.into());
        self
    }

    /// 400 `VALIDATION_FAILED` naming the offending field.
    pub fn validation(field: &str, message: impl Into<String>) -> Self {
        ApiError::new(ErrorCode::ValidationFailed, message).with_detail("field", field)
    }

    /// 422 `TOTALS_MISMATCH` naming where the arithmetic breaks.
    pub fn totals_mismatch(field: &str, expected: i64, found: i64) -> Self {
        ApiError::new(
            ErrorCode::TotalsMismatch,
            format!("{field} is {found}, the lines give {expected}"),
        )
        .with_detail("field", field)
        .with_detail("expected", expected)
        .with_detail("found", found)
    }

    /// 404 `NOT_FOUND`.
    pub fn not_found(what: impl Into<String>) -> Self {
        ApiError::new(ErrorCode::NotFound, what)
    }

    /// 401 `UNAUTHORIZED`.
    pub fn unauthorized(message: impl Into<String>) -> Self {
        ApiError::new(ErrorCode::Unauthorized, message)
    }

    /// 409 `DUPLICATE`, pointing at the record that holds the number.
    pub fn duplicate(number: &str, original_ref: Option<&str>) -> Self {
        let err = ApiError::new(
            ErrorCode::Duplicate,
            format!("invoice {number} already exists with different content"),
        );
        match original_ref {
            Some(r) => err.with_detail("original_ref", r),
            None => err,
        }
    }

    /// 500 `INTERNAL`; the cause goes to the log, not to the client.
    pub fn internal() -> Self {
        ApiError::new(
            ErrorCode::Internal,
            "the platform failed to process the request",
        )
    }

    /// The HTTP status of this error.
    pub fn status(&self) -> u16 {
        self.code.status()
    }

    /// `details.retry_after_secs`, when the platform set one (429, 503).
    pub fn retry_after_secs(&self) -> Option<u64> {
        self.details.get("retry_after_secs").and_then(Value::as_u64)
    }
}
