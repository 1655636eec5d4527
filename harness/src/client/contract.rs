//! The client contract over HTTP (DESIGN §3): what the harness asks any client system.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, RwLock};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use tax_api::{Invoice, Ledger, ReconcileSummary};

use super::ClientError;

/// How a client answered `POST /invoices`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Submitted {
    /// 202: the client stored it durably and owns its delivery.
    Accepted,
    /// Any other definite answer: the client refused it.
    Refused {
        /// The HTTP status.
        status: u16,
        /// The body, for the log.
        body: String,
    },
}

/// Talks to a client system at a base URL that may change when it is restarted.
#[derive(Debug)]
pub struct ContractClient {
    http: reqwest::Client,
    base: RwLock<String>,
    /// Set while nothing may be sent to the client: its program exited, or the run
    /// was interrupted.
    gone: tokio::sync::watch::Sender<Option<String>>,
    /// The last ledger the client served, what a run is judged on once it has exited;
    /// kept only for clients that can exit under the harness (see [`Self::keep_last_ledger`]).
    last_ledger: Mutex<Option<(Instant, Ledger)>>,
    keep_last: AtomicBool,
}

impl ContractClient {
    /// A client for the system at `base` (e.g. `http://127.0.0.1:8080`).
    pub fn new(base: &str) -> Result<Self, ClientError> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .pool_idle_timeout(Duration::from_secs(5))
            .build()
            .map_err(|e| ClientError::Http(e.to_string()))?;
        Ok(ContractClient {
            http,
            base: RwLock::new(base.trim_end_matches('/').to_string()),
            gone: tokio::sync::watch::Sender::new(None),
            last_ledger: Mutex::new(None),
            keep_last: AtomicBool::new(false),
        })
    }

    /// Points at the system's new address after a restart.
    pub fn set_base(&self, base: &str) {
        if let Ok(mut b) = self.base.write() {
            *b = base.trim_end_matches('/').to_string();
        }
    }

    /// Stops everything sent to the client, saying why (its program exited, or the run
    /// was interrupted); `None` after a restart, when it runs again.
    pub fn set_gone(&self, why: Option<String>) {
        self.gone.send_replace(why);
    }

    /// Why the client is known to be gone, if it is.
    pub fn gone(&self) -> Option<String> {
        self.gone.borrow().clone()
    }

    /// Resolves once the client is known to be gone.
    pub async fn wait_gone(&self) {
        let mut rx = self.gone.subscribe();
        let _ = rx.wait_for(Option::is_some).await;
    }

    /// From now on, keep a copy of every ledger read (a copy costs as much as the
    /// ledger, so only a client program that may exit asks for it).
    pub fn keep_last_ledger(&self) {
        self.keep_last.store(true, Ordering::Relaxed);
    }

    /// The last ledger the client served, if it ever served one.
    pub fn last_ledger(&self) -> Option<Ledger> {
        self.last_ledger
            .lock()
            .ok()
            .and_then(|l| l.as_ref().map(|(_, ledger)| ledger.clone()))
    }

    /// When the last ledger the client served was read.
    pub fn last_ledger_at(&self) -> Option<Instant> {
        self.last_ledger
            .lock()
            .ok()
            .and_then(|l| l.as_ref().map(|(at, _)| *at))
    }

    /// The current base URL.
    pub fn base(&self) -> String {
        self.base.read().map(|b| b.clone()).unwrap_or_default()
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base())
    }

    /// Polls `GET /healthz` until it answers 200 or `timeout` passes.
    pub async fn wait_healthy(&self, timeout: Duration) -> Result<(), ClientError> {
        let deadline = crate::later::later(timeout);
        let mut pause = Duration::from_millis(10);
        loop {
            let last = match self
                .http
                .get(self.url("/healthz"))
                .timeout(Duration::from_secs(2))
                .send()
                .await
            {
                Ok(r) if r.status() == StatusCode::OK => return Ok(()),
                Ok(r) => format!("GET /healthz answered {}", r.status()),
                Err(e) => format!("GET /healthz failed: {e}"),
            };
            if crate::later::later(pause) > deadline {
                return Err(ClientError::NeverHealthy {
                    waited: humantime::format_duration(timeout).to_string(),
                    last,
                });
            }
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(Duration::from_millis(200));
        }
    }

    /// `POST /invoices` once; refused at once when the client is known to be gone.
    pub async fn submit(&self, invoice: &Invoice) -> Result<Submitted, ClientError> {
        if let Some(why) = self.gone() {
            return Err(ClientError::Gone(why));
        }
        let r = self
            .http
            .post(self.url("/invoices"))
            .json(invoice)
            .send()
            .await
            .map_err(|e| ClientError::Http(e.to_string()))?;
        let status = r.status();
        if status == StatusCode::ACCEPTED {
            return Ok(Submitted::Accepted);
        }
        let body = r.text().await.unwrap_or_default();
        if status.is_server_error() {
            return Err(ClientError::Status {
                route: "POST /invoices",
                status: status.as_u16(),
                body,
            });
        }
        Ok(Submitted::Refused {
            status: status.as_u16(),
            body,
        })
    }

    /// `GET /ledger`.
    pub async fn ledger(&self) -> Result<Ledger, ClientError> {
        let r = self
            .http
            .get(self.url("/ledger"))
            .send()
            .await
            .map_err(|e| ClientError::Http(e.to_string()))?;
        let status = r.status();
        if status != StatusCode::OK {
            let body = r.text().await.unwrap_or_default();
            return Err(ClientError::Status {
                route: "GET /ledger",
                status: status.as_u16(),
                body,
            });
        }
        let ledger: Ledger = r.json().await.map_err(|e| ClientError::Body {
            route: "GET /ledger",
            detail: e.to_string(),
        })?;
        if self.keep_last.load(Ordering::Relaxed) {
            if let Ok(mut last) = self.last_ledger.lock() {
                *last = Some((Instant::now(), ledger.clone()));
            }
        }
        Ok(ledger)
    }

    /// `POST /reconcile`; `None` when the client does not offer it (404 or 405).
    pub async fn reconcile(
        &self,
        timeout: Duration,
    ) -> Result<Option<ReconcileSummary>, ClientError> {
        let r = self
            .http
            .post(self.url("/reconcile"))
            .timeout(timeout)
            .send()
            .await
            .map_err(|e| ClientError::Http(e.to_string()))?;
        let status = r.status();
        if status == StatusCode::NOT_FOUND || status == StatusCode::METHOD_NOT_ALLOWED {
            return Ok(None);
        }
        if !status.is_success() {
            let body = r.text().await.unwrap_or_default();
            return Err(ClientError::Status {
                route: "POST /reconcile",
                status: status.as_u16(),
                body,
            });
        }
        let summary = r.json().await.map_err(|e| ClientError::Body {
            route: "POST /reconcile",
            detail: e.to_string(),
        })?;
        Ok(Some(summary))
    }
}
