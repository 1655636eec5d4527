//! The platform's `/v1` API as the client calls it, over HTTP only, with a per-request
//! timeout. Every call returns a [`Reply`]: what came back, or how the exchange failed,
//! classified so the delivery code can tell "not sent" from "possibly processed".

use std::time::Duration;

use reqwest::header::{HeaderMap, RETRY_AFTER};
use serde::de::DeserializeOwned;
use tax_api::{
    ApiError, ErrorCode, Invoice, QueryPage, QueryRequest, StoredInvoice, SubmissionStatus,
};

use crate::{ClientConfig, ClientError};

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

/// The platform API client. Cheap to clone (reqwest pools connections).
#[derive(Clone)]
pub(crate) struct Platform {
    http: reqwest::Client,
    base: String,
    token: Option<String>,
}

impl Platform {
    /// Builds the HTTP client with the configured per-request timeout.
    pub(crate) fn new(config: &ClientConfig) -> Result<Platform, ClientError> {
        let http = reqwest::Client::builder()
            .timeout(config.request_timeout)
            .connect_timeout(config.request_timeout)
            .pool_max_idle_per_host(config.workers.max(1) * 2)
            .tcp_nodelay(true)
            .build()
            .map_err(|e| ClientError::Http(e.to_string()))?;
        Ok(Platform {
            http,
            base: config.platform_url.trim_end_matches('/').to_owned(),
            token: config.token.clone(),
        })
    }

    fn req(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let b = self.http.request(method, format!("{}{}", self.base, path));
        match &self.token {
            Some(t) => b.bearer_auth(t),
            None => b,
        }
    }

    /// `POST /v1/invoices`.
    pub(crate) async fn upload(&self, invoice: &Invoice) -> Reply<Uploaded> {
        let sent = self
            .req(reqwest::Method::POST, "/v1/invoices")
            .json(invoice);
        match exchange::<serde_json::Value>(sent).await {
            Reply::Ok(status, v) => Reply::Ok(status, read_upload(v)),
            Reply::Err(s, e, r) => Reply::Err(s, e, r),
            Reply::Failed(t) => Reply::Failed(t),
        }
    }

    /// `GET /v1/invoices/{number}`.
    pub(crate) async fn get(&self, number: &str) -> Reply<StoredInvoice> {
        exchange(self.req(reqwest::Method::GET, &format!("/v1/invoices/{number}"))).await
    }

    /// `GET /v1/submissions/{id}`.
    pub(crate) async fn submission(&self, id: &str) -> Reply<SubmissionStatus> {
        exchange(self.req(reqwest::Method::GET, &format!("/v1/submissions/{id}"))).await
    }

    /// `POST /v1/invoices/query`, one page.
    pub(crate) async fn query(&self, q: &QueryRequest) -> Reply<QueryPage> {
        exchange(
            self.req(reqwest::Method::POST, "/v1/invoices/query")
                .json(q),
        )
        .await
    }

    /// `GET /v1/status`.
    pub(crate) async fn status(&self) -> Reply<tax_api::PlatformStatus> {
        exchange(self.req(reqwest::Method::GET, "/v1/status")).await
    }
}

fn read_upload(v: serde_json::Value) -> Uploaded {
    let text = |k: &str| v.get(k).and_then(|x| x.as_str()).map(str::to_owned);
    if let Some(platform_ref) = text("platform_ref") {
        Uploaded::Issued { platform_ref }
    } else if let Some(submission_id) = text("submission_id") {
        Uploaded::Submitted { submission_id }
    } else {
        Uploaded::Unreadable
    }
}

fn classify(e: &reqwest::Error) -> Transport {
    if e.is_timeout() {
        Transport::Timeout
    } else if e.is_connect() {
        Transport::Connect
    } else {
        Transport::Reset
    }
}

/// `Retry-After` in seconds (the HTTP-date form is not used by the platform).
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let v = headers.get(RETRY_AFTER)?.to_str().ok()?;
    v.trim().parse::<u64>().ok().map(Duration::from_secs)
}

fn status_code(status: u16) -> ErrorCode {
    match status {
        400 => ErrorCode::ValidationFailed,
        401 | 403 => ErrorCode::Unauthorized,
        404 => ErrorCode::NotFound,
        409 => ErrorCode::Duplicate,
        422 => ErrorCode::TotalsMismatch,
        429 => ErrorCode::RateLimited,
        502 | 503 | 550 => ErrorCode::SystemAborted,
        _ => ErrorCode::Internal,
    }
}

async fn exchange<T: DeserializeOwned>(req: reqwest::RequestBuilder) -> Reply<T> {
    let resp = match req.send().await {
        Ok(r) => r,
        Err(e) => return Reply::Failed(classify(&e)),
    };
    let status = resp.status().as_u16();
    let after = retry_after(resp.headers());
    let body = match resp.bytes().await {
        Ok(b) => b,
        Err(e) => return Reply::Failed(classify(&e)),
    };
    if (200..300).contains(&status) {
        match serde_json::from_slice::<T>(&body) {
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
        let err = serde_json::from_slice::<ApiError>(&body).unwrap_or_else(|_| {
            ApiError::new(
                status_code(status),
                format!("HTTP {status} without an error envelope"),
            )
        });
        let after = after.or_else(|| err.retry_after_secs().map(Duration::from_secs));
        Reply::Err(status, err, after)
    }
}
