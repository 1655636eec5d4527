//! How the platform is spoken to: the dialects of its API over HTTP, and what
//! every dialect shares below them.
//!
//! - [`generic`]: today's `/v1` JSON API, one file per group of routes.
//! - [`ksef`]: the KSeF 2.0 dialect under `/v2` (`docs/ksef.md`): it parses its own
//!   wire format into the generic invoice and renders the same fault decisions its own way.
//! - [`exchange`]: the journal entry of one request, appended even if it is cut off.
//! - [`auth`]: per-seller bearer tokens and the control-plane token.
//! - [`body`]: bounded body reading (413) and JSON parsing with field or position errors (400).
//! - [`respond`]: JSON responses and the error envelope (with `Retry-After`).
//! - [`faulted`]: the fault subsystem as a request handler meets it — the
//!   maintenance gate, the decision, delays, resets and hangs.
//! - [`upload_plan`]: what a decided fault does to one upload, as a pure function.

pub mod auth;
pub mod body;
pub mod commit;
pub mod exchange;
pub mod faulted;
pub mod generic;
pub mod ksef;
pub mod respond;
pub mod upload_plan;
