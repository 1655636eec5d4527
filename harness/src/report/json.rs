//! `report.json`: the machine-readable report. Its schema is documented in
//! `docs/report-schema.md`; fields serialise in the order declared here.

use serde::Serialize;

use super::text::{duration_ms, replay_command, time_str};
use super::ReportError;
use crate::check::{
    BoundInvoice, CheckResult, Counts, Inconclusive, Invariant, Maintenance, Verdict, Violation,
};
use crate::outcome::{
    ClientExit, ClientInfo, Expect, JournalBudget, RuleFires, RunRecord, TimelineEvent,
};

/// The schema identifier written as the report's first field; bumped on breaking changes.
pub const SCHEMA: &str = "invoice-chaos/report/v1";

#[derive(Serialize)]
struct Versions {
    invoice_chaos: &'static str,
}

#[derive(Serialize)]
struct JsonReport<'a> {
    schema: &'static str,
    scenario: &'a str,
    description: &'a str,
    script: Option<&'a str>,
    seed: u64,
    versions: Versions,
    client: &'a ClientInfo,
    started_at: String,
    finished_at: String,
    duration_ms: u64,
    verdict: Verdict,
    exit_code: i32,
    judged: bool,
    inconclusive: &'a [Inconclusive],
    counts: &'a Counts,
    invariants: &'a [Invariant],
    fault_fires: &'a [RuleFires],
    expect: &'a Expect,
    plan: &'a serde_json::Value,
    timeline: &'a [TimelineEvent],
    maintenance: &'a Maintenance,
    violations: &'a [Violation],
    bound_invoices: &'a [BoundInvoice],
    replay: String,
    journal_budget: Option<&'a JournalBudget>,
    interrupted: Option<&'a str>,
    client_exits: &'a [ClientExit],
    notes: &'a [String],
}

/// Renders `report.json` (pretty-printed, ending in a newline).
pub fn render_json(run: &RunRecord, result: &CheckResult) -> Result<String, ReportError> {
    let mut text = serde_json::to_string_pretty(&json_report(run, result)).map_err(render_error)?;
    text.push('\n');
    Ok(text)
}

/// Renders the same report on one line, without a newline: one line of the JSON
/// Lines that `run --json` prints over several scripts.
pub fn render_json_line(run: &RunRecord, result: &CheckResult) -> Result<String, ReportError> {
    serde_json::to_string(&json_report(run, result)).map_err(render_error)
}

fn render_error(e: serde_json::Error) -> ReportError {
    ReportError::Render {
        file: "report.json",
        message: e.to_string(),
    }
}

fn json_report<'a>(run: &'a RunRecord, result: &'a CheckResult) -> JsonReport<'a> {
    JsonReport {
        schema: SCHEMA,
        scenario: &run.scenario,
        description: &run.description,
        script: run.script_path.as_deref(),
        seed: run.seed,
        versions: Versions {
            invoice_chaos: env!("CARGO_PKG_VERSION"),
        },
        client: &run.client,
        started_at: time_str(&run.started_at),
        finished_at: time_str(&run.finished_at),
        duration_ms: duration_ms(run),
        verdict: result.verdict,
        exit_code: result.verdict.exit_code(),
        judged: result.judged,
        inconclusive: &result.inconclusive,
        counts: &result.counts,
        invariants: &result.invariants,
        fault_fires: &run.fault_stats,
        expect: &run.expect,
        plan: &run.plan,
        timeline: &run.timeline,
        maintenance: &result.maintenance,
        violations: &result.violations,
        bound_invoices: &result.bound_invoices,
        replay: replay_command(run),
        journal_budget: run.journal_budget.as_ref(),
        interrupted: run.lifecycle.interrupted.as_deref(),
        client_exits: &run.lifecycle.client_exits,
        notes: &result.notes,
    }
}
