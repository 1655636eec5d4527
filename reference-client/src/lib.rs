//! A reference billing client for Invoice Chaos: it speaks the client contract
//! (DESIGN §3), keeps every accepted invoice in a durable SQLite outbox, and delivers
//! it to the tax platform over HTTP in one of two modes — `naive`, which makes the
//! mistakes seen in the field, and `robust`, which proves every invoice stored or flags
//! it for a person.
//!
//! It depends on the wire contract (`tax-api`) only, never on the mock platform: like
//! any real client it talks to the platform over HTTP.
//!
//! ```no_run
//! # async fn demo() -> Result<(), reference_client::ReferenceClientError> {
//! use reference_client::{ClientConfig, Mode};
//! let mut config = ClientConfig::new("http://127.0.0.1:8080", "91110000MA01ABCD1X", "/tmp/client");
//! config.mode = Mode::Robust;
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.map_err(|source| {
//!     reference_client::ReferenceClientError::Io { context: "bind".into(), source }
//! })?;
//! let client = reference_client::start(config, listener).await?;
//! println!("client contract on http://{}", client.addr());
//! client.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! # Layout
//!
//! - `config`: [`ClientConfig`] and [`Mode`], the settings of one client.
//! - `error`: [`ReferenceClientError`], why a client could not start or run.
//! - `runtime`: [`start`], [`run`], [`spawn_isolated`] and their handles.
//! - `server`: the contract routes (`/healthz`, `/invoices`, `/reconcile`, `/ledger`, and
//!   `/stats`) on hyper; [`ROUTES`] lists them for the OpenAPI check.
//! - `outbox`: the SQLite outbox on its own thread (WAL, group commit) and the row states.
//! - `dispatch`: the worker pool and its bounded queue over open outbox rows.
//! - `deliver`: delivery of one invoice — `naive`, `robust`, and the read-back `check`.
//! - `retry`: which failures are transient, and backoff with seeded jitter.
//! - `platform`: the platform's `/v1` API over hyper's pooled client, failures classified.
//! - `reconcile`: reconciliation by period through `POST /v1/invoices/query`.

mod config;
mod deliver;
mod dispatch;
mod error;
mod outbox;
mod platform;
mod reconcile;
mod retry;
mod runtime;
mod server;
#[cfg(test)]
mod testutil;

pub use config::{ClientConfig, Mode};
pub use error::ReferenceClientError;
pub use runtime::{run, spawn_isolated, start, IsolatedClient, RunningClient};
pub use server::ROUTES;
