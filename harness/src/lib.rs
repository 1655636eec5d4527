//! `invoice-chaos`: runs scenario scripts against a billing client and the mock tax
//! platform, checks that every issued invoice is confirmed intact or flagged, and
//! writes reports for people and CI.
//!
//! # Layout
//!
//! - [`outcome`]: the plain data one run collects, passed from runner to checker to reports.
//! - [`check`]: the oracle: classifies every invoice, checks `[expect]`, reaches the verdict.
//! - [`report`]: writes `report.json`, `junit.xml`, `summary.md`, `report.html`, `journal.jsonl`.

pub mod check;
pub mod outcome;
pub mod report;
