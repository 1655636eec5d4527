//! A mock government e-invoice platform: the `/v1` API a billing system uploads
//! invoices to, a record store that keeps exactly what was stored, a journal of
//! every request, and a control plane (`/_chaos/…`) that tells the truth about both.
//!
//! Embed it with [`start`] (binds `127.0.0.1:0`) or [`start_on`]; serve it from a
//! binary with [`run`].
//!
//! # Layout
//!
//! What the platform *is* sits below a seam; how it is *spoken to* sits above it.
//! Nothing below imports hyper, the shared request state or a route.
//!
//! - `store`: what is stored — records keyed by (seller, number) with their write
//!   sequence and ground truth: the store and its reads (`store/mod.rs`), the
//!   upload's check-and-insert (`upload`), one `record`, one `seller`'s records and
//!   their `index` by number, the paged `truth`, the compact layouts (`packed`,
//!   `chunked`, `fasthash`; each says what it gains, measured by
//!   `benches/store_layouts.rs`); the request `journal` and its `attempts` counter;
//!   asynchronous `submissions`.
//! - `chaos`: the fault subsystem — the [`plan`] (rules and maintenance windows),
//!   the [`engine`] that decides (targeting, counting, the [`seeded`] draw), one file
//!   per fault kind in [`faults`], the [`maintenance`] schedule and what a
//!   [`migration`] does to records. See `FAULTS.md`.
//! - `clock`: the run clock every timestamp comes from.
//! - `state`: the one shared state a request sees (store, journal, chaos, clock).
//! - `housekeeping`: runs what the schedule owes the store — periodic checkpoints
//!   and migrations — lazily at the start of each request.
//!
//! Above the seam:
//!
//! - `router`: the route table ([`ROUTES`]), 404/405, and one dispatch: one arm per
//!   endpoint, journaling every exchange.
//! - `wire`: the API dialects — `wire/generic/` serves today's `/v1` JSON API,
//!   `wire/ksef/` KSeF 2.0 under `/v2` (`docs/ksef.md`, [`KsefSettings`] in
//!   [`Config`]) — and what they share: request parsing (`body`), answers (`respond`), tokens (`auth`),
//!   the journal entry of one request (`exchange`), and faults as a handler meets
//!   them (`faulted`, `upload_plan`).
//! - `control`: the `/_chaos` control plane — truth, journal, reset, version
//!   (`control/mod.rs`), the fault plan and maintenance (`control/plan.rs`).
//! - `server`: listeners, accept loops, connections (`server/conn/`), [`workers`]
//!   and graceful shutdown; the [`Platform`] handle.
//! - `config`: [`Config`] and the token-file reader.

mod chaos;
mod clock;
mod config;
mod control;
mod housekeeping;
mod router;
mod server;
mod state;
mod store;
mod wire;

#[cfg(test)]
mod fuzz;

pub use chaos::{engine, faults, maintenance, migration, plan, seeded};
pub use config::{
    parse_size, parse_token_pair, read_tokens_file, Config, SizeError, TokenError,
    DEFAULT_BODY_LIMIT, DEFAULT_BODY_READ_TIMEOUT, DEFAULT_HEADER_READ_TIMEOUT,
    DEFAULT_JOURNAL_LIMIT,
};
pub use router::{RouteSpec, ROUTES};
pub use server::workers;
pub use server::{
    check_control_token, run, run_with_control, start, start_on, Platform, StartError,
};
pub use wire::ksef::client_side as ksef_client_side;
pub use wire::ksef::routes::ROUTES as KSEF_ROUTES;
pub use wire::ksef::{
    KeyError, KeyMaterial, KsefSettings, DEFAULT_QUERY_LIMIT as KSEF_DEFAULT_QUERY_LIMIT,
};
