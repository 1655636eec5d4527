//! Integration tests of the reference client: each starts the embedded mock platform
//! and a client on `127.0.0.1:0`, installs faults through the platform's control plane
//! over HTTP (as the harness does), issues invoices through the client contract, and
//! judges the client's ledger against the platform's ground truth.

// Test helpers outside `#[test]` functions may unwrap too: a panic is the failure report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod async_faults;
mod common;
mod contract;
mod faults;
mod maintenance;
mod restart;
#[cfg(unix)]
mod signals;
mod user_errors;
