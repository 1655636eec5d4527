//! A mock government e-invoice platform: the `/v1` API a billing system uploads
//! invoices to, a record store that keeps exactly what was stored, a journal of
//! every request, and a control plane (`/_chaos/…`) that tells the truth about both.
//!
//! Embed it with [`start`] (binds `127.0.0.1:0`) or [`start_on`]; serve it from a
//! binary with [`run`].
//!
//! # Layout
//!
//! - `config`: [`Config`] and the token-file reader.
//! - `server`: listeners, accept loops, [`Platform`] handle, graceful shutdown.
//! - `accept_errors`: back-off and a rate-limited log line when `accept` fails.
//! - `conn`: one connection on one descriptor: header-read timeout, graceful and
//!   lingering close, and the per-connection handle whose `reset()` makes the peer
//!   see a TCP RST.
//! - `router`: the route table ([`ROUTES`]), 404/405, dispatch and journaling.
//! - `exchange`: the journal entry of one request, appended even if the request is cut off.
//! - `routes`: one file per group of routes; `routes/upload.rs` holds the upload's phases.
//! - `auth`: per-seller bearer tokens and the control-plane token.
//! - `body`: bounded body reading (413) and JSON parsing with field or position errors (400).
//! - `respond`: JSON responses and the error envelope (with `Retry-After`).
//! - `store`: records keyed by (seller, number), write sequence, ground truth.
//! - `packed`: the compact form the store keeps each invoice in.
//! - `journal`: append-only request log within a memory budget (dropped entries
//!   counted), and the attempt counter per (route, seller, number).
//! - `fasthash`: the Fx hasher for the store's and journal's maps.
//! - `chunked`: the append-only list the store and journal grow without copying.
//! - `submissions`: asynchronous uploads (`processing_delay`) and their states.
//! - `state`: the shared state every request sees, including the run clock
//!   (`clock`) and the shutdown signal.
//! - [`plan`]: the fault plan (`[[faults]]` rules, `[[maintenance]]` windows) as
//!   scenario scripts and `/_chaos/plan` write it.
//! - [`faults`]: one file per fault kind, each a settings struct and its effect.
//! - [`engine`]: targeting, windows, counting and the seeded probability draw.
//! - [`seeded`]: the order-independent hash every decision is drawn from.
//! - [`maintenance`]: which maintenance windows are open and which owe a migration.
//! - [`migration`]: which records a migration loses, strips or reverts.
//! - `chaos`: the engine, schedule and checkpoints as the request path uses them
//!   (gate, decision, delays, resets, hangs, lazy checkpoints and migrations);
//!   `routes/chaos.rs` serves the plan's control routes. See `FAULTS.md`.
//! - [`workers`]: threads that serve connections, each connection pinned to one.
//! - `wire`: dialects besides `/v1`; `wire/ksef` serves KSeF 2.0 under `/v2`
//!   (`docs/ksef.md`), with [`KsefSettings`] in [`Config`].

mod accept_errors;
mod auth;
mod body;
mod chaos;
mod chunked;
mod clock;
mod config;
mod conn;
mod counter;
mod exchange;
mod fasthash;
mod journal;
mod packed;
mod respond;
mod router;
mod routes;
mod server;
mod state;
mod store;
mod submissions;
mod wire;

pub mod engine;
pub mod faults;
pub mod maintenance;
pub mod migration;
pub mod plan;
pub mod seeded;
pub mod workers;

#[cfg(test)]
mod fuzz;

pub use chaos::{ChaosStats, MigrationReport};
pub use config::{
    parse_size, parse_token_pair, read_tokens_file, Config, SizeError, TokenError,
    DEFAULT_BODY_LIMIT, DEFAULT_BODY_READ_TIMEOUT, DEFAULT_HEADER_READ_TIMEOUT,
    DEFAULT_JOURNAL_LIMIT,
};
pub use router::{RouteSpec, ROUTES};
pub use server::{
    check_control_token, run, run_with_control, start, start_on, Platform, StartError,
};
pub use wire::ksef::routes::ROUTES as KSEF_ROUTES;
pub use wire::ksef::{
    KeyError, KeyMaterial, KsefSettings, DEFAULT_QUERY_LIMIT as KSEF_DEFAULT_QUERY_LIMIT,
};
