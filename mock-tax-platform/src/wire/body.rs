//! Reading request bodies: bounded by the configured limit (413 otherwise) and
//! time (408 otherwise), and parsed as JSON with errors that name the field or the
//! line and column.

use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use serde::de::DeserializeOwned;
use tax_api::{ApiError, ErrorCode};

use crate::config::Config;

/// 413 `PAYLOAD_TOO_LARGE` for a body over `limit` bytes.
pub fn too_large(limit: usize) -> ApiError {
    ApiError::new(
        ErrorCode::PayloadTooLarge,
        format!("the request body is larger than the platform accepts ({limit} bytes)"),
    )
    .with_detail("limit_bytes", limit as u64)
}

/// 408 `REQUEST_TIMEOUT` for a body that took longer than `timeout`.
pub fn too_slow(timeout: Duration) -> ApiError {
    ApiError::new(
        ErrorCode::RequestTimeout,
        format!(
            "the request body did not arrive within {} ms",
            timeout.as_millis()
        ),
    )
    .with_detail(
        "timeout_ms",
        u64::try_from(timeout.as_millis()).unwrap_or(u64::MAX),
    )
}

/// Reads the whole body, refusing more than `config.body_limit` bytes (413) or a
/// body that takes longer than `config.body_read_timeout` (408). A declared
/// `Content-Length` over the limit is refused before any byte is read.
pub async fn read_limited(
    headers: &http::HeaderMap,
    body: Incoming,
    config: &Config,
) -> Result<Bytes, ApiError> {
    let limit = config.body_limit;
    let declared = headers
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|len| len > limit as u64) {
        return Err(too_large(limit));
    }
    let collecting = Limited::new(body, limit).collect();
    let Ok(collected) = tokio::time::timeout(config.body_read_timeout, collecting).await else {
        return Err(too_slow(config.body_read_timeout));
    };
    match collected {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(err)
            if err
                .downcast_ref::<http_body_util::LengthLimitError>()
                .is_some() =>
        {
            Err(too_large(limit))
        }
        Err(err) => Err(ApiError::validation(
            "body",
            format!("the request body could not be read: {err}"),
        )),
    }
}

/// Parses a JSON body into `T`. Syntax errors name the line and column; errors in
/// the data name the field path (e.g. `lines[0].quantity`).
pub fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    if body.is_empty() {
        return Err(ApiError::validation(
            "body",
            "the request body is empty; expected a JSON object",
        ));
    }
    // Fast path: plain serde_json. Only a failing body is parsed again with path
    // tracking, which costs about twice as much, to name the field.
    if let Ok(value) = serde_json::from_slice(body) {
        return Ok(value);
    }
    let mut de = serde_json::Deserializer::from_slice(body);
    let value = serde_path_to_error::deserialize(&mut de)
        .map_err(|err| (err.path().to_string(), err.into_inner()))
        .and_then(|v| de.end().map(|()| v).map_err(|err| (".".to_owned(), err)));
    value.map_err(|(path, inner)| {
        let (line, column) = (inner.line() as u64, inner.column() as u64);
        if inner.is_syntax() || inner.is_eof() {
            return ApiError::new(
                ErrorCode::ValidationFailed,
                format!("malformed JSON at line {line}, column {column}: {inner}"),
            )
            .with_detail("field", "body")
            .with_detail("line", line)
            .with_detail("column", column);
        }
        let named = named_field(&inner);
        let field = match (path.as_str(), named) {
            (".", Some(name)) => name,
            // Unknown fields are reported at their own path, missing ones at the parent's.
            (_, Some(name)) if path == name || path.ends_with(&format!(".{name}")) => path,
            (_, Some(name)) => format!("{path}.{name}"),
            (".", None) => "body".to_owned(),
            (_, None) => path,
        };
        ApiError::validation(&field, format!("invalid {field}: {inner}"))
            .with_detail("line", line)
            .with_detail("column", column)
    })
}

/// The field a "missing field `x`" or "unknown field `x`" error names; serde
/// reports those at the parent's path.
fn named_field(err: &serde_json::Error) -> Option<String> {
    let text = err.to_string();
    let start = ["missing field `", "unknown field `"]
        .iter()
        .find_map(|p| text.find(p).map(|i| i + p.len()))?;
    let len = text[start..].find('`')?;
    Some(text[start..start + len].to_owned())
}
