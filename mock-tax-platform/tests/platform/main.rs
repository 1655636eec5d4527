//! Integration tests of the mock tax platform: each starts its own platform on
//! `127.0.0.1:0` and talks HTTP to it over loopback.

// Test helpers outside `#[test]` functions may unwrap too: a panic is the failure report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod connections;
mod control;
pub(crate) mod faults;
mod journal_budget;
mod layout;
mod limits;
mod openapi;
mod query;
mod read;
pub(crate) mod shutdown;
#[cfg(unix)]
mod signals;
mod truth;
mod upload;
mod user_errors;
mod workers;
