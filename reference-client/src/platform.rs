//! The platform's `/v1` API as the client calls it, over HTTP/1.1 only (hyper's pooled
//! client, keep-alive), with a per-request timeout covering connect, send and the whole
//! answer. Every call returns a [`Reply`]: what came back, or how the exchange failed,
//! classified so the delivery code can tell "not sent" from "possibly processed".

use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::header::{HeaderMap, HeaderValue, ACCEPT, AUTHORIZATION, CONTENT_TYPE, RETRY_AFTER};
use hyper::{Method, Request, Uri};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use tax_api::{
    ApiError, ErrorCode, Invoice, QueryPage, QueryRequest, StoredInvoice, SubmissionStatus,
};

use crate::{ClientConfig, ReferenceClientError};

/// How an exchange with the platform failed before an HTTP answer came back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Transport {
    /// The connection could not be made: the request never left.
    Connect,
    /// No answer within the request timeout: the platform may have acted on it.
    Timeout,
    /// The connection broke after the request went out: the platform may have acted on it.
    Reset,
}

/// One exchange's outcome.
#[derive(Debug, Clone)]
pub(crate) enum Reply<T> {
    /// A 2xx answer with its status and decoded body.
    Ok(u16, T),
    /// An error answer: status, envelope (synthesised when the body was not one), `Retry-After`.
    Err(u16, ApiError, Option<Duration>),
    /// No HTTP answer.
    Failed(Transport),
}

/// A successful upload answer: synchronous (201) or asynchronous (202).
#[derive(Debug, Clone)]
pub(crate) enum Uploaded {
    /// Stored and issued, with the platform's reference.
    Issued { platform_ref: String },
    /// Accepted for processing; poll the submission.
    Submitted { submission_id: String },
    /// A 2xx whose body the client could not read.
    Unreadable,
}

/// Idle connections are closed after this long, as browsers and most clients do.
const POOL_IDLE: Duration = Duration::from_secs(90);

/// The platform API client. Cheap to clone (the pool is shared).
#[derive(Clone)]
pub(crate) struct Platform {
    http: Client<HttpConnector, Full<Bytes>>,
    /// Base URL without a trailing `/`.
    base: String,
    /// `POST /v1/invoices`, parsed once.
    upload_uri: Uri,
    /// `Authorization: Bearer …`, marked sensitive; `None` sends no such header.
    auth: Option<HeaderValue>,
    /// Whole-exchange timeout: connect, send, and read the full answer.
    timeout: Duration,
}

fn bad_url(e: impl std::fmt::Display) -> ReferenceClientError {
    ReferenceClientError::Http(format!("the platform URL is not usable: {e}"))
}

/// Everything but RFC 3986 unreserved characters is escaped in a path segment.
const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Percent-encodes one path segment.
fn segment(text: &str) -> std::borrow::Cow<'_, str> {
    percent_encoding::utf8_percent_encode(text, SEGMENT).into()
}

impl Platform {
    /// Builds the pooled HTTP client with the configured per-request timeout.
    pub(crate) fn new(config: &ClientConfig) -> Result<Platform, ReferenceClientError> {
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        connector.set_connect_timeout(Some(config.request_timeout));
        let http = Client::builder(TokioExecutor::new())
            .pool_timer(TokioTimer::new())
            .pool_idle_timeout(POOL_IDLE)
            .pool_max_idle_per_host(config.workers.max(1) * 2)
            .build(connector);
        let base = config.platform_url.trim_end_matches('/').to_owned();
        let upload_uri = format!("{base}/v1/invoices")
            .parse::<Uri>()
            .map_err(bad_url)?;
        let auth = match &config.token {
            Some(t) => {
                let mut v = HeaderValue::from_str(&format!("Bearer {t}")).map_err(|e| {
                    ReferenceClientError::Http(format!(
                        "the platform token is not a valid header: {e}"
                    ))
                })?;
                v.set_sensitive(true);
                Some(v)
            }
            None => None,
        };
        Ok(Platform {
            http,
            base,
            upload_uri,
            auth,
            timeout: config.request_timeout,
        })
    }

    fn uri(&self, path: &str) -> Option<Uri> {
        format!("{}{}", self.base, path).parse().ok()
    }

    fn request(
        &self,
        method: Method,
        uri: Uri,
        body: Option<Vec<u8>>,
    ) -> Option<Request<Full<Bytes>>> {
        let mut b = Request::builder()
            .method(method)
            .uri(uri)
            .header(ACCEPT, HeaderValue::from_static("application/json"));
        if let Some(auth) = &self.auth {
            b = b.header(AUTHORIZATION, auth.clone());
        }
        let body = match body {
            Some(bytes) => {
                b = b.header(CONTENT_TYPE, HeaderValue::from_static("application/json"));
                Full::new(Bytes::from(bytes))
            }
            None => Full::new(Bytes::new()),
        };
        b.body(body).ok()
    }

    /// Sends a request and reads its whole answer within the timeout.
    async fn send(&self, req: Option<Request<Full<Bytes>>>) -> Result<Answer, Transport> {
        // A request that could not be built (a URL that makes no URI) never left.
        let req = req.ok_or(Transport::Connect)?;
        tokio::time::timeout(self.timeout, self.round_trip(req))
            .await
            .unwrap_or(Err(Transport::Timeout))
    }

    async fn exchange<T: DeserializeOwned>(&self, req: Option<Request<Full<Bytes>>>) -> Reply<T> {
        match self.send(req).await {
            Ok(answer) => decode(&answer),
            Err(t) => Reply::Failed(t),
        }
    }

    async fn round_trip(&self, req: Request<Full<Bytes>>) -> Result<Answer, Transport> {
        let resp = self.http.request(req).await.map_err(|e| {
            if e.is_connect() {
                Transport::Connect
            } else {
                Transport::Reset
            }
        })?;
        let (parts, body) = resp.into_parts();
        let body = body
            .collect()
            .await
            .map_err(|_| Transport::Reset)?
            .to_bytes();
        Ok(Answer {
            status: parts.status.as_u16(),
            headers: parts.headers,
            body,
        })
    }

    /// `POST /v1/invoices`.
    pub(crate) async fn upload(&self, invoice: &Invoice) -> Reply<Uploaded> {
        let body = serde_json::to_vec(invoice).ok();
        let req = body.and_then(|b| self.request(Method::POST, self.upload_uri.clone(), Some(b)));
        let answer = match self.send(req).await {
            Ok(a) => a,
            Err(t) => return Reply::Failed(t),
        };
        match decode::<UploadAnswer>(&answer) {
            Reply::Ok(status, a) => Reply::Ok(status, a.into()),
            // Not the usual shape: read it field by field, as any JSON value.
            Reply::Err(..) if answer.is_success() => match decode::<serde_json::Value>(&answer) {
                Reply::Ok(status, v) => Reply::Ok(status, read_upload(v)),
                Reply::Err(s, e, r) => Reply::Err(s, e, r),
                Reply::Failed(t) => Reply::Failed(t),
            },
            Reply::Err(s, e, r) => Reply::Err(s, e, r),
            Reply::Failed(t) => Reply::Failed(t),
        }
    }

    /// A `GET` of `path`, decoded as `T`.
    async fn fetch<T: DeserializeOwned>(&self, path: &str) -> Reply<T> {
        let uri = self.uri(path);
        self.exchange(uri.and_then(|u| self.request(Method::GET, u, None)))
            .await
    }

    /// `GET /v1/invoices/{number}`.
    pub(crate) async fn get(&self, number: &str) -> Reply<StoredInvoice> {
        self.fetch(&format!("/v1/invoices/{}", segment(number)))
            .await
    }

    /// `GET /v1/submissions/{id}`.
    pub(crate) async fn submission(&self, id: &str) -> Reply<SubmissionStatus> {
        self.fetch(&format!("/v1/submissions/{}", segment(id)))
            .await
    }

    /// `POST /v1/invoices/query`, one page.
    pub(crate) async fn query(&self, q: &QueryRequest) -> Reply<QueryPage> {
        let body = serde_json::to_vec(q).ok();
        let req = body
            .zip(self.uri("/v1/invoices/query"))
            .and_then(|(b, u)| self.request(Method::POST, u, Some(b)));
        self.exchange(req).await
    }

    /// `GET /v1/status`.
    pub(crate) async fn status(&self) -> Reply<tax_api::PlatformStatus> {
        self.fetch("/v1/status").await
    }
}

/// A complete HTTP answer.
struct Answer {
    status: u16,
    headers: HeaderMap,
    body: Bytes,
}

impl Answer {
    fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// The fields of an upload answer the client reads; any other field is ignored, and a
/// field that is not a string counts as absent.
#[derive(Deserialize)]
struct UploadAnswer {
    #[serde(default, deserialize_with = "text_or_none")]
    platform_ref: Option<String>,
    #[serde(default, deserialize_with = "text_or_none")]
    submission_id: Option<String>,
}

/// A string, or `None` for any other JSON value.
fn text_or_none<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match serde_json::Value::deserialize(d)? {
        serde_json::Value::String(s) => Some(s),
        _ => None,
    })
}

/// An answer in an unusual shape (not an object, or a key given twice), read as any
/// JSON value first; the decision is still [`Uploaded::from`]'s.
fn read_upload(v: serde_json::Value) -> Uploaded {
    serde_json::from_value::<UploadAnswer>(v).map_or(Uploaded::Unreadable, Uploaded::from)
}

impl From<UploadAnswer> for Uploaded {
    fn from(a: UploadAnswer) -> Uploaded {
        if let Some(platform_ref) = a.platform_ref {
            Uploaded::Issued { platform_ref }
        } else if let Some(submission_id) = a.submission_id {
            Uploaded::Submitted { submission_id }
        } else {
            Uploaded::Unreadable
        }
    }
}

/// `Retry-After` in seconds (the HTTP-date form is not used by the platform).
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let v = headers.get(RETRY_AFTER)?.to_str().ok()?;
    v.trim().parse::<u64>().ok().map(Duration::from_secs)
}

pub(crate) fn status_code(status: u16) -> ErrorCode {
    match status {
        400 => ErrorCode::ValidationFailed,
        408 => ErrorCode::RequestTimeout,
        401 | 403 => ErrorCode::Unauthorized,
        404 => ErrorCode::NotFound,
        409 => ErrorCode::Duplicate,
        422 => ErrorCode::TotalsMismatch,
        429 => ErrorCode::RateLimited,
        502 | 503 | 550 => ErrorCode::SystemAborted,
        _ => ErrorCode::Internal,
    }
}

/// Decodes a complete answer: a 2xx body as `T`, anything else as the error envelope.
fn decode<T: DeserializeOwned>(answer: &Answer) -> Reply<T> {
    let (status, body) = (answer.status, &answer.body[..]);
    if answer.is_success() {
        match serde_json::from_slice::<T>(body) {
            Ok(v) => Reply::Ok(status, v),
            Err(e) => Reply::Err(
                status,
                ApiError::new(
                    ErrorCode::Internal,
                    format!("a {status} answer whose body could not be read: {e}"),
                ),
                None,
            ),
        }
    } else {
        let err = serde_json::from_slice::<ApiError>(body).unwrap_or_else(|_| {
            ApiError::new(
                status_code(status),
                format!("HTTP {status} without an error envelope"),
            )
        });
        let after = retry_after(&answer.headers)
            .or_else(|| err.retry_after_secs().map(Duration::from_secs));
        Reply::Err(status, err, after)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, body: &str) -> Answer {
        Answer {
            status,
            headers: HeaderMap::new(),
            body: Bytes::copy_from_slice(body.as_bytes()),
        }
    }

    #[test]
    fn a_path_segment_keeps_plain_text_and_escapes_the_rest() {
        assert_eq!(segment("B000000001-x.y_z~"), "B000000001-x.y_z~");
        assert_eq!(segment("a/b c?#%"), "a%2Fb%20c%3F%23%25");
        assert_eq!(segment("发票"), "%E5%8F%91%E7%A5%A8");
    }

    #[test]
    fn upload_answers_are_read_by_field_and_odd_shapes_are_unreadable() {
        let read = |status, body| match decode::<UploadAnswer>(&answer(status, body)) {
            Reply::Ok(_, a) => Some(Uploaded::from(a)),
            _ => None,
        };
        assert!(matches!(
            read(201, r#"{"number":"N","platform_ref":"P-1","status":"ISSUED"}"#),
            Some(Uploaded::Issued { platform_ref }) if platform_ref == "P-1"
        ));
        assert!(matches!(
            read(202, r#"{"submission_id":"S-1","status":"RECEIVED"}"#),
            Some(Uploaded::Submitted { submission_id }) if submission_id == "S-1"
        ));
        assert!(matches!(
            read(201, r#"{"platform_ref":7}"#),
            Some(Uploaded::Unreadable)
        ));
        assert!(matches!(read(201, "[1]"), Some(Uploaded::Unreadable)));
        assert!(read(201, "not json").is_none());
        assert!(matches!(
            read_upload(serde_json::json!([1])),
            Uploaded::Unreadable
        ));
        assert!(matches!(
            read_upload(serde_json::json!({"submission_id": "S-2", "extra": [1]})),
            Uploaded::Submitted { submission_id } if submission_id == "S-2"
        ));
        // A key given twice fails the struct decode; read as a value, the last one counts.
        let twice = r#"{"platform_ref":"P-1","platform_ref":"P-2"}"#;
        assert!(read(201, twice).is_none());
        let value = match decode::<serde_json::Value>(&answer(201, twice)) {
            Reply::Ok(_, v) => v,
            _ => panic!("a key given twice is still JSON"),
        };
        assert!(matches!(
            read_upload(value),
            Uploaded::Issued { platform_ref } if platform_ref == "P-2"
        ));
    }

    #[test]
    fn an_error_answer_keeps_its_envelope_and_retry_after() {
        let mut a = answer(
            429,
            r#"{"code":"RATE_LIMITED","message":"slow down","retryable":true,"details":{}}"#,
        );
        a.headers.insert(RETRY_AFTER, HeaderValue::from_static("3"));
        match decode::<UploadAnswer>(&a) {
            Reply::Err(429, err, after) => {
                assert_eq!(err.code, ErrorCode::RateLimited);
                assert_eq!(after, Some(Duration::from_secs(3)));
            }
            _ => panic!("expected an error reply"),
        }
        match decode::<UploadAnswer>(&answer(502, "<html>")) {
            Reply::Err(502, err, None) => assert_eq!(err.code, ErrorCode::SystemAborted),
            _ => panic!("expected an error reply"),
        }
    }
}
