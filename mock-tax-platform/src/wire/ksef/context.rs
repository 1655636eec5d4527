//! What every `/v2` handler shares: the request context, bearer tokens, JSON
//! bodies and answers.

use std::sync::Arc;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use http::header::{HeaderValue, CONTENT_TYPE};
use http::{HeaderMap, StatusCode};
use http_body_util::{Either, Full};
use hyper::body::Incoming;
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::errors::KsefError;
use super::state::Grant;
use crate::state::AppState;
use crate::wire::respond::Response;

/// One `/v2` request's context.
pub struct Ctx<'a> {
    /// The platform.
    pub state: &'a Arc<AppState>,
    /// Request headers.
    pub headers: HeaderMap,
    /// The body, not yet read.
    pub body: Option<Incoming>,
    /// The query string.
    pub query: String,
    /// Run time it arrived.
    pub now: std::time::Duration,
    /// Wall time it arrived.
    pub wall: DateTime<Utc>,
}

impl Ctx<'_> {
    /// The bearer token, or 401.
    pub fn bearer(&self) -> Result<String, KsefError> {
        self.headers
            .get(http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(|t| t.trim().to_owned())
            .filter(|t| !t.is_empty())
            .ok_or_else(|| {
                KsefError::Unauthorized("Brak tokenu dostępowego (Authorization: Bearer).".into())
            })
    }

    /// The access token's grant, or 401 when it is unknown or expired.
    pub fn access(&self) -> Result<Grant, KsefError> {
        let token = self.bearer()?;
        let grant = self.state.ksef.lock().access.get(&token).cloned();
        match grant {
            Some(g) if g.valid_until > self.wall => Ok(g),
            Some(_) => Err(KsefError::Unauthorized("Token dostępowy wygasł.".into())),
            None => Err(KsefError::Unauthorized(
                "Nieprawidłowy token dostępowy.".into(),
            )),
        }
    }

    /// The raw body within the platform's limit.
    pub async fn bytes(&mut self) -> Result<Bytes, KsefError> {
        match self.body.take() {
            Some(body) => crate::wire::body::read_limited(&self.headers, body, &self.state.config)
                .await
                .map_err(KsefError::from),
            None => Ok(Bytes::new()),
        }
    }

    /// The body parsed as JSON; errors name the field (400 21405).
    pub async fn json<T: DeserializeOwned>(&mut self) -> Result<T, KsefError> {
        let bytes = self.bytes().await?;
        let mut de = serde_json::Deserializer::from_slice(&bytes);
        serde_path_to_error::deserialize(&mut de)
            .map_err(|e| KsefError::validation(format!("{}: {}", e.path(), e.inner())))
    }

    /// A query parameter.
    pub fn param(&self, name: &str) -> Option<String> {
        self.query.split('&').find_map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (k == name).then(|| {
                percent_encoding::percent_decode_str(v)
                    .decode_utf8_lossy()
                    .replace('+', " ")
            })
        })
    }

    /// `http://host` the client used, for the absolute URLs UPO links need.
    pub fn origin(&self) -> String {
        let host = self
            .headers
            .get(http::header::HOST)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("127.0.0.1");
        format!("http://{host}")
    }
}

/// A JSON answer.
pub fn json<T: Serialize>(status: StatusCode, value: &T) -> Response {
    crate::wire::respond::json(status, value)
}

/// A body with a content type.
pub fn bytes(status: StatusCode, content_type: &'static str, body: Vec<u8>) -> Response {
    let mut response = hyper::Response::new(Either::Left(Full::new(Bytes::from(body))));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

/// An empty answer (204).
pub fn empty(status: StatusCode) -> Response {
    let mut response = hyper::Response::new(Either::Left(Full::new(Bytes::new())));
    *response.status_mut() = status;
    response
}
