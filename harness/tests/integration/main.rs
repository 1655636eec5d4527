//! The harness crate's one integration-test binary.

// Helpers outside #[test] functions panic on purpose: the panic is the failure report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod check;
#[cfg(unix)]
mod interrupt;
mod jobs;
mod ledger_file;
mod remote;
mod report;
mod run;
mod scenario_library;
mod scripts;
mod support;
mod unfired;
