//! Building responses: JSON bodies, the error envelope (with `Retry-After` when the
//! error carries `details.retry_after_secs`), JSON lines, and streamed bodies.

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http::header::{HeaderValue, ALLOW, CONTENT_TYPE, RETRY_AFTER};
use http::StatusCode;
use http_body_util::{Either, Full};
use hyper::body::Frame;
use serde::Serialize;
use serde_json::Value;
use tax_api::{ApiError, ErrorCode};

/// Every response body: whole, or [`Streamed`] a chunk at a time.
pub type Body = Either<Full<Bytes>, Streamed>;

/// Every response the platform sends.
pub type Response = hyper::Response<Body>;

/// Gives the next chunk of a streamed body; `None` once the body is complete.
type NextChunk = Box<dyn FnMut() -> Option<Result<Bytes, std::io::Error>> + Send>;

/// A body made a chunk at a time, each only when the connection asks for more,
/// so an answer as large as the whole store never sits in memory at once. An
/// error ends the response mid-body: the client sees a truncated answer, never a
/// short one that looks complete.
pub struct Streamed {
    next: NextChunk,
}

impl Streamed {
    /// A body whose chunks `next` makes, in order.
    pub fn new(
        next: impl FnMut() -> Option<Result<Bytes, std::io::Error>> + Send + 'static,
    ) -> Self {
        Streamed {
            next: Box::new(next),
        }
    }
}

impl hyper::body::Body for Streamed {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, std::io::Error>>> {
        // hyper asks for a frame only when its write buffer has room: that is
        // what bounds the memory a stream holds.
        Poll::Ready((self.get_mut().next)().map(|chunk| chunk.map(Frame::data)))
    }
}

/// A `200` whose body is streamed.
pub fn streamed(content_type: &'static str, body: Streamed) -> Response {
    let mut response = hyper::Response::new(Either::Right(body));
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

fn with_body(status: StatusCode, content_type: &'static str, body: Vec<u8>) -> Response {
    let mut response = hyper::Response::new(Either::Left(Full::new(Bytes::from(body))));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

/// A JSON response from a body already written (and newline-terminated).
pub fn json_body(status: StatusCode, body: Vec<u8>) -> Response {
    with_body(status, "application/json", body)
}

/// A JSON response. Serialising our own types cannot fail in practice; if it does,
/// the client gets a logged 500.
pub fn json<T: Serialize>(status: StatusCode, value: &T) -> Response {
    match serde_json::to_vec(value) {
        Ok(mut body) => {
            // A final newline keeps terminal output (curl) readable.
            body.push(b'\n');
            with_body(status, "application/json", body)
        }
        Err(err) => {
            tracing::error!(error = %err, "cannot serialise a response body");
            error(&ApiError::internal())
        }
    }
}

/// The error envelope with the status its code implies, plus `Retry-After`.
pub fn error(err: &ApiError) -> Response {
    let status = StatusCode::from_u16(err.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut body = serde_json::to_vec(err).unwrap_or_else(|_| {
        br#"{"code":"INTERNAL","message":"error envelope","retryable":true,"details":{}}"#.to_vec()
    });
    body.push(b'\n');
    let mut response = with_body(status, "application/json", body);
    if err.code == ErrorCode::MethodNotAllowed {
        // HTTP requires a 405 to say which methods the resource accepts.
        if let Some(Value::Array(allowed)) = err.details.get("allowed") {
            let allow: Vec<&str> = allowed.iter().filter_map(Value::as_str).collect();
            if let Ok(value) = HeaderValue::from_str(&allow.join(", ")) {
                response.headers_mut().insert(ALLOW, value);
            }
        }
    }
    if let Some(secs) = err.retry_after_secs() {
        response
            .headers_mut()
            .insert(RETRY_AFTER, HeaderValue::from(secs));
    }
    response
}

/// A JSON-lines response (one serialised value per line).
pub fn json_lines<T: Serialize>(values: &[T]) -> Response {
    let mut body = Vec::with_capacity(values.len() * 256);
    for value in values {
        if serde_json::to_writer(&mut body, value).is_err() {
            return error(&ApiError::internal());
        }
        body.push(b'\n');
    }
    with_body(StatusCode::OK, "application/x-ndjson", body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_with_retry_after_secs_sends_the_retry_after_header() {
        let err =
            ApiError::new(ErrorCode::Maintenance, "closed").with_detail("retry_after_secs", 30);
        let response = error(&err);
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(response.headers()[RETRY_AFTER], "30");
    }

    #[test]
    fn an_error_without_retry_after_secs_sends_no_retry_after_header() {
        let response = error(&ApiError::not_found("nothing"));
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
        assert!(response.headers().get(RETRY_AFTER).is_none());
    }
}
