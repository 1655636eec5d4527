//! The platform's control plane over HTTP (`/_chaos/…`). Every fault, maintenance and
//! checkpoint step goes through here, so a script runs the same against the embedded
//! platform and a running one.

use std::time::Duration;

use reqwest::Method;
use serde::de::DeserializeOwned;
use serde_json::Value;
use tax_api::control::PlatformStats;
use tax_api::{JournalEntry, TruthSnapshot};

use super::truth::TruthLines;
use super::PlatformError;

/// How long reading the whole truth may take: it grows with the store, so it gets
/// far longer than the other calls' minute (a million records stream in seconds).
const TRUTH_TIMEOUT: Duration = Duration::from_secs(600);

/// A client for one platform's control plane.
#[derive(Debug, Clone)]
pub struct ControlPlane {
    http: reqwest::Client,
    base: String,
    token: Option<String>,
}

impl ControlPlane {
    /// The control plane at `base` (the platform's base URL), with an optional bearer token.
    pub fn new(base: &str, token: Option<String>) -> Result<Self, PlatformError> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .build()
            .map_err(|e| PlatformError::Control {
                call: "build client".into(),
                detail: e.to_string(),
            })?;
        Ok(ControlPlane {
            http,
            base: base.trim_end_matches('/').to_string(),
            token,
        })
    }

    /// The platform's base URL.
    pub fn base(&self) -> &str {
        &self.base
    }

    async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<String, PlatformError> {
        let call = format!("{method} {path}");
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if let Some(token) = &self.token {
            req = req.bearer_auth(token);
        }
        if let Some(body) = body {
            req = req.json(body);
        }
        let resp = req.send().await.map_err(|e| PlatformError::Control {
            call: call.clone(),
            detail: e.to_string(),
        })?;
        let status = resp.status();
        let text = resp.text().await.map_err(|e| PlatformError::Control {
            call: call.clone(),
            detail: e.to_string(),
        })?;
        if !status.is_success() {
            return Err(PlatformError::Control {
                call,
                detail: format!("answered {status}: {}", text.trim()),
            });
        }
        Ok(text)
    }

    async fn json<T: DeserializeOwned>(&self, path: &str) -> Result<T, PlatformError> {
        let text = self.call(Method::GET, path, None).await?;
        serde_json::from_str(&text).map_err(|e| PlatformError::Control {
            call: format!("GET {path}"),
            detail: format!("unexpected body: {e}"),
        })
    }

    /// `POST /_chaos/reset`: forget every record, rule and journal entry.
    pub async fn reset(&self) -> Result<(), PlatformError> {
        self.call(Method::POST, "/_chaos/reset", None)
            .await
            .map(drop)
    }

    /// `GET /_chaos/version`: name, version and the platform's seed.
    pub async fn version(&self) -> Result<Value, PlatformError> {
        self.json("/_chaos/version").await
    }

    /// `POST /_chaos/faults`: add one rule.
    pub async fn add_fault(&self, rule: &Value) -> Result<(), PlatformError> {
        self.call(Method::POST, "/_chaos/faults", Some(rule))
            .await
            .map(drop)
    }

    /// `DELETE /_chaos/faults/{name}`: remove one rule.
    pub async fn remove_fault(&self, name: &str) -> Result<(), PlatformError> {
        let path = format!("/_chaos/faults/{}", encode_segment(name));
        self.call(Method::DELETE, &path, None).await.map(drop)
    }

    /// `GET /_chaos/plan`.
    pub async fn plan(&self) -> Result<Value, PlatformError> {
        self.json("/_chaos/plan").await
    }

    /// `PUT /_chaos/plan`: replace the whole plan.
    pub async fn put_plan(&self, plan: &Value) -> Result<(), PlatformError> {
        self.call(Method::PUT, "/_chaos/plan", Some(plan))
            .await
            .map(drop)
    }

    /// `POST /_chaos/maintenance`: open (or close) a window now.
    pub async fn maintenance(&self, body: &Value) -> Result<Value, PlatformError> {
        let text = self
            .call(Method::POST, "/_chaos/maintenance", Some(body))
            .await?;
        Ok(serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    /// `POST /_chaos/checkpoint`: make everything stored so far durable.
    pub async fn checkpoint(&self) -> Result<(), PlatformError> {
        self.call(
            Method::POST,
            "/_chaos/checkpoint",
            Some(&Value::Object(Default::default())),
        )
        .await
        .map(drop)
    }

    /// `GET /_chaos/stats`: how often each rule matched and fired, and the journal's budget.
    pub async fn stats(&self) -> Result<PlatformStats, PlatformError> {
        self.json("/_chaos/stats").await
    }

    /// `GET /_chaos/truth?format=jsonl`, read as it streams. The whole truth or an
    /// error: a stream cut short is never taken for a smaller truth. A platform from
    /// before the streaming form answers one JSON document, which is read as such.
    pub async fn truth(&self) -> Result<TruthSnapshot, PlatformError> {
        let call = "GET /_chaos/truth".to_string();
        let failed = |detail: String| PlatformError::Control {
            call: call.clone(),
            detail,
        };
        let mut req = self
            .http
            .get(format!("{}/_chaos/truth?format=jsonl", self.base))
            .timeout(TRUTH_TIMEOUT);
        if let Some(token) = &self.token {
            req = req.bearer_auth(token);
        }
        let mut resp = req.send().await.map_err(|e| failed(e.to_string()))?;
        let status = resp.status();
        if !status.is_success() {
            let text = resp.text().await.unwrap_or_default();
            return Err(failed(format!("answered {status}: {}", text.trim())));
        }
        let is_lines = resp
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("ndjson"));
        if !is_lines {
            let text = resp.text().await.map_err(|e| failed(e.to_string()))?;
            return serde_json::from_str(&text)
                .map_err(|e| failed(format!("unexpected body: {e}")));
        }
        let mut lines = TruthLines::default();
        loop {
            match resp.chunk().await {
                Ok(Some(chunk)) => lines.feed(&chunk).map_err(&failed)?,
                Ok(None) => break,
                Err(e) => {
                    return Err(failed(format!(
                        "the truth stream broke off ({e}): it is truncated"
                    )))
                }
            }
        }
        lines.finish().map_err(failed)
    }

    /// `GET /_chaos/journal` (JSON lines).
    pub async fn journal(&self) -> Result<Vec<JournalEntry>, PlatformError> {
        let text = self.call(Method::GET, "/_chaos/journal", None).await?;
        text.lines()
            .filter(|l| !l.trim().is_empty())
            .enumerate()
            .map(|(i, l)| {
                serde_json::from_str(l).map_err(|e| PlatformError::Control {
                    call: "GET /_chaos/journal".into(),
                    detail: format!("line {}: {e}", i + 1),
                })
            })
            .collect()
    }
}

/// Percent-encodes one path segment (rule names like `partial_write#1` hold `#`).
fn encode_segment(segment: &str) -> String {
    segment
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;

    use super::ControlPlane;

    const RECORD: &str = r#"{"seller_tax_id":"S","number":"N1","platform_ref":"PLT-1","integrity":"intact","sent_hash":"h","stored_hash":"h","sent_line_count":1,"stored_line_count":1,"copies":1,"cause":null,"persisted_at":"2025-01-01T00:00:00Z","checkpointed":false,"stored":null}"#;

    /// Serves one connection on loopback with `head` and then `body`, then closes it.
    async fn serve_once(head: &'static str, body: String) -> String {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let (mut stream, _) = listener.accept().await.unwrap();
            let mut request = [0u8; 4096];
            let _ = stream.read(&mut request).await;
            stream.write_all(head.as_bytes()).await.unwrap();
            stream.write_all(body.as_bytes()).await.unwrap();
            stream.shutdown().await.unwrap();
        });
        format!("http://{addr}")
    }

    const CHUNKED: &str = "HTTP/1.1 200 OK\r\ncontent-type: application/x-ndjson\r\n\
                           transfer-encoding: chunked\r\nconnection: close\r\n\r\n";

    fn chunk(text: &str) -> String {
        format!("{:x}\r\n{text}\r\n", text.len())
    }

    #[tokio::test]
    async fn a_truth_stream_cut_off_mid_body_is_an_error() {
        let base = serve_once(CHUNKED, chunk(&format!("{RECORD}\n"))).await;
        let err = ControlPlane::new(&base, None)
            .unwrap()
            .truth()
            .await
            .unwrap_err();
        assert!(err.to_string().contains("truncated"), "{err}");
    }

    #[tokio::test]
    async fn a_complete_body_without_the_end_line_is_an_error() {
        let body = format!("{}0\r\n\r\n", chunk(&format!("{RECORD}\n")));
        let base = serve_once(CHUNKED, body).await;
        let err = ControlPlane::new(&base, None)
            .unwrap()
            .truth()
            .await
            .unwrap_err();
        assert!(err.to_string().contains("without its end line"), "{err}");
    }

    #[tokio::test]
    async fn a_complete_stream_is_the_whole_truth() {
        let end = r#"{"end":true,"seed":3,"records":1,"high_water_mark":1,"next_cursor":null}"#;
        let body = format!(
            "{}{}0\r\n\r\n",
            chunk(&format!("{RECORD}\n")),
            chunk(&format!("{end}\n"))
        );
        let base = serve_once(CHUNKED, body).await;
        let truth = ControlPlane::new(&base, None)
            .unwrap()
            .truth()
            .await
            .unwrap();
        assert_eq!((truth.seed, truth.records.len()), (3, 1));
    }

    #[test]
    fn rule_names_are_percent_encoded_in_paths() {
        assert_eq!(
            super::encode_segment("partial_write#1"),
            "partial_write%231"
        );
        assert_eq!(super::encode_segment("a b/c"), "a%20b%2Fc");
    }
}
