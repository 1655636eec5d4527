//! Error answers as KSeF sends them: the legacy `{"exception":{…}}` body or
//! `application/problem+json` (when the request says `X-Error-Format:
//! problem-details`), 401/403 always as problem+json, 429 with `Retry-After`, and
//! the gateway's HTML page for 502/503.

use bytes::Bytes;
use chrono::{DateTime, Utc};
use http::header::{HeaderValue, CONTENT_TYPE, RETRY_AFTER};
use http::StatusCode;
use http_body_util::{Either, Full};
use serde_json::{json, Value};
use tax_api::{ApiError, ErrorCode};

use super::dates::rfc3339;
use crate::wire::respond::Response;

/// One KSeF error answer, before it is rendered for the request's error format.
#[derive(Debug, Clone, PartialEq)]
pub enum KsefError {
    /// 400 with one exception code (21405 validation, 21164 not found, …).
    Bad {
        /// KSeF exception code.
        code: u32,
        /// What went wrong, in the API's words.
        description: String,
        /// Specifics (field names, values).
        details: Vec<String>,
    },
    /// 401: missing, unknown or expired bearer token.
    Unauthorized(String),
    /// 403 with its `reasonCode`.
    Forbidden {
        /// `missing-permissions`, `ip-not-allowed`, `insufficient-resource-access`.
        reason_code: &'static str,
        /// Why.
        detail: String,
    },
    /// 404 for a `/v2` path the mock does not serve.
    NoRoute(String),
    /// 429 with `Retry-After`.
    RateLimited {
        /// Seconds to wait.
        retry_after: u64,
    },
    /// 500 with the legacy body and exception code 500.
    Internal,
    /// The gateway's HTML page (502, 503), with `Retry-After` when given.
    Gateway {
        /// 502 or 503 (any 5xx is accepted).
        status: u16,
        /// Seconds to wait, when the page says.
        retry_after: Option<u64>,
    },
}

impl KsefError {
    /// A 400 with `code`, `description` and one detail.
    pub fn bad(code: u32, description: impl Into<String>, detail: impl Into<String>) -> Self {
        KsefError::Bad {
            code,
            description: description.into(),
            details: vec![detail.into()],
        }
    }

    /// 400 21405: the request does not validate.
    pub fn validation(detail: impl Into<String>) -> Self {
        KsefError::bad(21405, "Błąd walidacji danych wejściowych.", detail)
    }

    /// The HTTP status this answer has.
    pub fn status(&self) -> u16 {
        match self {
            KsefError::Bad { .. } => 400,
            KsefError::Unauthorized(_) => 401,
            KsefError::Forbidden { .. } => 403,
            KsefError::NoRoute(_) => 404,
            KsefError::RateLimited { .. } => 429,
            KsefError::Internal => 500,
            KsefError::Gateway { status, .. } => *status,
        }
    }

    /// The generic code the journal records for it.
    pub fn journal_code(&self) -> ErrorCode {
        match self {
            KsefError::Bad { code: 21164, .. } => ErrorCode::NotFound,
            KsefError::Bad { .. } => ErrorCode::ValidationFailed,
            KsefError::Unauthorized(_) | KsefError::Forbidden { .. } => ErrorCode::Unauthorized,
            KsefError::NoRoute(_) => ErrorCode::NotFound,
            KsefError::RateLimited { .. } => ErrorCode::RateLimited,
            KsefError::Internal => ErrorCode::Internal,
            KsefError::Gateway { .. } => ErrorCode::Maintenance,
        }
    }

    /// The answer for a request that asked for `problem` details (or not), at `now`.
    pub fn render(&self, problem: bool, instance: &str, now: DateTime<Utc>) -> Response {
        let timestamp = rfc3339(now);
        let trace_id = format!(
            "{:016x}",
            crate::seeded::derive(0, &[instance.as_bytes(), timestamp.as_bytes()])
        );
        let (content_type, body, retry_after): (&'static str, Vec<u8>, Option<u64>) = match self {
            KsefError::Bad {
                code,
                description,
                details,
            } if problem => (
                "application/problem+json",
                to_vec(&json!({
                    "title": "Bad Request",
                    "status": 400,
                    "instance": instance,
                    "detail": description,
                    "errors": [{"code": code, "description": description, "details": details}],
                    "timestamp": timestamp,
                    "traceId": trace_id,
                })),
                None,
            ),
            KsefError::Bad {
                code,
                description,
                details,
            } => (
                "application/json",
                legacy(*code, description, details, &timestamp),
                None,
            ),
            KsefError::Unauthorized(detail) => (
                "application/problem+json",
                to_vec(&json!({
                    "title": "Unauthorized",
                    "status": 401,
                    "detail": detail,
                    "instance": instance,
                    "traceId": trace_id,
                    "timestamp": timestamp,
                })),
                None,
            ),
            KsefError::Forbidden {
                reason_code,
                detail,
            } => (
                "application/problem+json",
                to_vec(&json!({
                    "title": "Forbidden",
                    "status": 403,
                    "detail": detail,
                    "reasonCode": reason_code,
                    "instance": instance,
                    "traceId": trace_id,
                    "timestamp": timestamp,
                })),
                None,
            ),
            KsefError::NoRoute(path) => (
                "application/problem+json",
                to_vec(&json!({
                    "title": "Not Found",
                    "status": 404,
                    "detail": format!("no route {path}"),
                    "instance": instance,
                    "timestamp": timestamp,
                })),
                None,
            ),
            KsefError::RateLimited { retry_after } if problem => (
                "application/problem+json",
                to_vec(&json!({
                    "title": "Too Many Requests",
                    "status": 429,
                    "instance": instance,
                    "detail": rate_limit_detail(*retry_after),
                    "timestamp": timestamp,
                    "traceId": trace_id,
                })),
                Some(*retry_after),
            ),
            KsefError::RateLimited { retry_after } => (
                "application/json",
                to_vec(&json!({"status": {
                    "code": 429,
                    "description": "Too Many Requests",
                    "details": [rate_limit_detail(*retry_after)],
                }})),
                Some(*retry_after),
            ),
            KsefError::Internal => (
                "application/json",
                legacy(500, "Wystąpił nieoczekiwany błąd.", &[], &timestamp),
                None,
            ),
            KsefError::Gateway {
                status,
                retry_after,
            } => (
                "text/html; charset=utf-8",
                gateway_page(*status),
                *retry_after,
            ),
        };
        let mut response = hyper::Response::new(Either::Left(Full::new(Bytes::from(body))));
        *response.status_mut() =
            StatusCode::from_u16(self.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let headers = response.headers_mut();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
        if let Some(secs) = retry_after {
            headers.insert(RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}

/// The legacy body: `{"exception":{"exceptionDetailList":[…],…}}`.
fn legacy(code: u32, description: &str, details: &[String], timestamp: &str) -> Vec<u8> {
    let mut entry = json!({"exceptionCode": code, "exceptionDescription": description});
    if !details.is_empty() {
        entry["details"] = json!(details);
    }
    to_vec(&json!({"exception": {
        "exceptionDetailList": [entry],
        "referenceNumber": Value::Null,
        "serviceCode": "KSeF-mock",
        "serviceName": "Invoice Chaos KSeF 2.0 mock",
        "timestamp": timestamp,
    }}))
}

fn rate_limit_detail(retry_after: u64) -> String {
    format!("Przekroczono limit żądań. Spróbuj ponownie po {retry_after} sekundach.")
}

/// The page a gateway in front of KSeF shows when the API behind it is down.
fn gateway_page(status: u16) -> Vec<u8> {
    let reason = StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("Error");
    format!(
        "<!DOCTYPE html>\n<html><head><title>{status} {reason}</title></head>\
         <body><h1>{status} {reason}</h1><p>The service is temporarily unavailable. \
         Please try again later.</p></body></html>\n"
    )
    .into_bytes()
}

fn to_vec(value: &Value) -> Vec<u8> {
    let mut body = serde_json::to_vec(value).unwrap_or_default();
    body.push(b'\n');
    body
}

impl From<ApiError> for KsefError {
    /// The platform's shared helpers (body limits, maintenance gate) speak the
    /// generic envelope; this is how each looks on the KSeF wire.
    fn from(err: ApiError) -> Self {
        match err.code {
            ErrorCode::Maintenance => KsefError::Gateway {
                status: 503,
                retry_after: err.retry_after_secs(),
            },
            ErrorCode::RateLimited => KsefError::RateLimited {
                retry_after: err.retry_after_secs().unwrap_or(1),
            },
            ErrorCode::Unauthorized => KsefError::Unauthorized(err.message),
            ErrorCode::Internal => KsefError::Internal,
            _ => KsefError::validation(err.message),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;

    async fn body(response: Response) -> (u16, String, String) {
        let status = response.status().as_u16();
        let ct = response.headers()[CONTENT_TYPE]
            .to_str()
            .unwrap()
            .to_owned();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        (status, ct, String::from_utf8(bytes.to_vec()).unwrap())
    }

    fn now() -> DateTime<Utc> {
        DateTime::UNIX_EPOCH
    }

    #[tokio::test]
    async fn a_400_is_legacy_unless_problem_details_are_asked_for() {
        let err = KsefError::bad(21164, "Faktura nie istnieje.", "5265877635-…");
        let (status, ct, text) = body(err.render(false, "/v2/x", now())).await;
        assert_eq!((status, ct.as_str()), (400, "application/json"));
        let v: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            v["exception"]["exceptionDetailList"][0]["exceptionCode"],
            21164
        );
        let (status, ct, text) = body(err.render(true, "/v2/x", now())).await;
        assert_eq!((status, ct.as_str()), (400, "application/problem+json"));
        let v: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["errors"][0]["code"], 21164);
        assert_eq!(v["status"], 400);
        assert!(v["timestamp"].as_str().unwrap().ends_with("+00:00"));
    }

    #[tokio::test]
    async fn a_429_carries_retry_after_and_the_ksef_status_body() {
        let response = KsefError::RateLimited { retry_after: 30 }.render(false, "/v2/x", now());
        assert_eq!(response.headers()[RETRY_AFTER], "30");
        let (status, _, text) = body(response).await;
        let v: Value = serde_json::from_str(&text).unwrap();
        assert_eq!((status, v["status"]["code"].as_u64()), (429, Some(429)));
        assert!(v["status"]["details"][0]
            .as_str()
            .unwrap()
            .contains("30 sekundach"));
    }

    #[tokio::test]
    async fn a_401_is_always_problem_json_and_a_503_is_an_html_page() {
        let (status, ct, _) =
            body(KsefError::Unauthorized("expired".into()).render(false, "/", now())).await;
        assert_eq!((status, ct.as_str()), (401, "application/problem+json"));
        let response = KsefError::Gateway {
            status: 503,
            retry_after: Some(60),
        }
        .render(true, "/", now());
        assert_eq!(response.headers()[RETRY_AFTER], "60");
        let (status, ct, text) = body(response).await;
        assert_eq!((status, ct.as_str()), (503, "text/html; charset=utf-8"));
        assert!(text.starts_with("<!DOCTYPE html>"), "{text}");
    }

    #[tokio::test]
    async fn a_500_is_the_legacy_body_with_exception_code_500() {
        let (status, _, text) = body(KsefError::Internal.render(true, "/", now())).await;
        let v: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(status, 500);
        assert_eq!(
            v["exception"]["exceptionDetailList"][0]["exceptionCode"],
            500
        );
    }

    #[test]
    fn the_maintenance_gate_becomes_the_gateway_page() {
        let err =
            ApiError::new(ErrorCode::Maintenance, "closed").with_detail("retry_after_secs", 9);
        assert_eq!(
            KsefError::from(err),
            KsefError::Gateway {
                status: 503,
                retry_after: Some(9)
            }
        );
    }
}
