//! The harness crate's one integration-test binary.

// Helpers outside #[test] functions panic on purpose: the panic is the failure report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod browser;
mod check;
mod cli;
#[cfg(unix)]
mod client_exit;
mod contradictory;
mod diff;
mod explain;
mod explain_run;
mod explore;
mod features;
mod fuzz_scripts;
#[cfg(unix)]
mod install;
#[cfg(unix)]
mod interrupt;
mod jobs;
mod ksef_chain;
#[cfg(unix)]
mod ksef_scenarios;
mod ledger_file;
mod ledger_scope;
mod leftover_rules;
mod library;
mod logs;
mod remote;
mod report;
mod rerun;
mod run;
mod scenario_library;
mod scripts;
mod several;
mod shard;
mod stub_client;
mod support;
mod unfired;
mod unrunnable;
mod wiring;
