//! The harness crate's one integration-test binary.

// Helpers outside #[test] functions panic on purpose: the panic is the failure report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod check;
mod explore;
#[cfg(unix)]
mod interrupt;
mod ledger_file;
mod remote;
mod report;
mod rerun;
mod run;
mod scenario_library;
mod scripts;
mod several;
mod support;
mod wiring;
