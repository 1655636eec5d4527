//! `invoice-chaos`: runs scenario scripts against a billing client and the mock tax
//! platform, checks that every issued invoice is confirmed intact or flagged, and
//! writes reports for people and CI.
//!
//! # Layout
//!
//! - [`app`]: the `run`, `validate` and `list` commands the binary calls.
//! - [`explore`]: `invoice-chaos explore`: generated scenarios, findings shrunk to a minimal script.
//! - [`script`]: scenario scripts — parsing, checking, errors at `file:line:column`.
//! - `runner`: runs one scenario: platform, client, steps, collection.
//! - [`workload`]: the seeded invoice generator and the rate-limited issuer.
//! - [`client`]: client adapters (`reference`, `command`, `url`, `ledger`), one file each.
//! - [`platform`]: the embedded platform or a running one, driven through its control plane.
//! - [`judge`]: where a finished run meets the checker and the report writers.
//! - [`outcome`]: the plain data one run collects, passed from runner to checker to reports.
//! - [`check`]: the oracle: classifies every invoice, checks `[expect]`, reaches the verdict.
//! - [`diff`]: `invoice-chaos diff`: what changed between two runs, from their `report.json`.
//! - [`report`]: writes `report.json`, `junit.xml`, `summary.md`, `report.html`, `journal.jsonl`.
//! - `later`: deadlines from user-written durations that never overflow the clock.
//! - [`exit`]: exit codes (0 pass, 1 fail, 2 inconclusive, 254 bad input, 255 harness error).
//! - [`logging`]: `tracing` output filtered by `RUST_LOG`.
//! - [`out`]: stdout writes that survive a closed pipe (`invoice-chaos list | head`).
//! - [`shard`]: `--shard K/N`, a stable share of a library by script name.
//! - `results`: `results.json` and `summary.md` of a run of several scripts.
//! - [`merge`]: `invoice-chaos merge`: shards' report directories become one.
//! - [`fault_list`]: `invoice-chaos faults`, from the platform's fault catalog.
//! - [`help`]: the examples and exit codes at the end of each `--help`.
//! - [`program`]: how replay lines name this program (on `PATH` or by its path).

pub mod app;
pub mod check;
pub mod client;
pub mod diff;
pub mod exit;
pub mod explore;
pub mod fault_list;
pub mod help;
pub mod judge;
mod later;
pub mod logging;
pub mod merge;
pub mod out;
pub mod outcome;
pub mod platform;
pub mod program;
pub mod report;
mod results;
mod runner;
pub mod script;
pub mod shard;
pub mod workload;
