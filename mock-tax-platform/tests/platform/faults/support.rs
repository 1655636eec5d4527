//! Helpers for fault tests: a platform with a plan, truth and journal lookups,
//! and recognising resets and timeouts on the client side.

use std::error::Error as _;
use std::time::Duration;

use mock_tax_platform::plan::Plan;
use mock_tax_platform::Platform;
use serde_json::Value;
use tax_api::{JournalEntry, TruthRecord, TruthSnapshot};

use crate::common::*;

/// A two-seller platform with this plan (JSON) installed at start.
pub async fn start_with(seed: u64, plan: Value) -> (Platform, Api) {
    let config = mock_tax_platform::Config {
        seed,
        plan: Plan::from_json_str(&plan.to_string()).unwrap(),
        ..two_sellers()
    };
    let platform = start(config).await;
    let api = Api::new(&platform, Some(TOKEN));
    (platform, api)
}

/// A platform whose only rule is `rule` (JSON).
pub async fn start_with_rule(rule: Value) -> (Platform, Api) {
    start_with(1, serde_json::json!({ "faults": [rule] })).await
}

/// A client that gives up after `timeout`.
pub fn impatient(api: &Api, timeout: Duration) -> Api {
    Api {
        http: reqwest::Client::builder().timeout(timeout).build().unwrap(),
        ..api.clone()
    }
}

pub async fn truth(platform: &Platform) -> TruthSnapshot {
    control_get(platform, "/_chaos/truth").await
}

/// The truth record of `number`, if the platform ever stored it.
pub async fn truth_of(platform: &Platform, number: &str) -> Option<TruthRecord> {
    truth(platform)
        .await
        .records
        .into_iter()
        .find(|r| r.number == number)
}

pub async fn journal(platform: &Platform) -> Vec<JournalEntry> {
    reqwest::get(format!("{}/_chaos/journal", platform.control_url()))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

pub async fn stats(platform: &Platform) -> Value {
    control_get(platform, "/_chaos/stats").await
}

/// Sends a control-plane request with a JSON body.
pub async fn control(
    platform: &Platform,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut req =
        reqwest::Client::new().request(method, format!("{}{path}", platform.control_url()));
    if let Some(body) = body {
        req = req.json(&body);
    }
    let response = req.send().await.unwrap();
    status_json(response).await
}

/// `POST /_chaos/faults` with this rule.
pub async fn add_rule(platform: &Platform, rule: Value) -> (u16, Value) {
    control(
        platform,
        reqwest::Method::POST,
        "/_chaos/faults",
        Some(rule),
    )
    .await
}

/// Uploads and returns the transport error (a reset or a timeout) instead of a response.
pub async fn upload_err(api: &Api, number: &str) -> reqwest::Error {
    let inv = invoice(SELLER, number);
    api.http
        .post(format!("{}/v1/invoices", api.base))
        .bearer_auth(TOKEN)
        .json(&inv)
        .send()
        .await
        .expect_err("expected no answer")
}

/// Whether the error is a "connection reset by peer" somewhere down its causes.
pub fn is_reset(err: &reqwest::Error) -> bool {
    let mut source = err.source();
    while let Some(cause) = source {
        if let Some(io) = cause.downcast_ref::<std::io::Error>() {
            if io.kind() == std::io::ErrorKind::ConnectionReset {
                return true;
            }
        }
        if cause.to_string().contains("connection reset") {
            return true;
        }
        source = cause.source();
    }
    false
}

/// Sends a raw upload over a plain socket and returns how reading the answer ends.
pub fn raw_upload(addr: std::net::SocketAddr, number: &str) -> Result<usize, std::io::ErrorKind> {
    use std::io::{Read, Write};
    let body = serde_json::to_vec(&invoice(SELLER, number)).unwrap();
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let head = format!(
        "POST /v1/invoices HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TOKEN}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(&body).unwrap();
    let mut buf = [0u8; 512];
    stream.read(&mut buf).map_err(|e| e.kind())
}

/// The journal entries of uploads of `number`, in order.
pub fn uploads_of<'a>(entries: &'a [JournalEntry], number: &str) -> Vec<&'a JournalEntry> {
    entries
        .iter()
        .filter(|e| e.route == tax_api::Route::Upload && e.number.as_deref() == Some(number))
        .collect()
}
