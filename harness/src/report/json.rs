//! `report.json`: the machine-readable report. Its schema is documented in
//! `docs/report-schema.md`; fields serialise in the order declared here.

use serde::Serialize;

use super::text::{duration_ms, replay_command, time_str};
use super::ReportError;
use crate::check::{CheckResult, Counts, Inconclusive, Invariant, Verdict, Violation};
use crate::outcome::{ClientInfo, Expect, RuleStats, RunRecord, TimelineEvent};

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
    fault_fires: &'a [RuleStats],
    expect: &'a Expect,
    plan: &'a serde_json::Value,
    timeline: &'a [TimelineEvent],
    violations: &'a [Violation],
    replay: String,
    notes: &'a [String],
}

/// Renders `report.json` (pretty-printed, ending in a newline).
pub fn render_json(run: &RunRecord, result: &CheckResult) -> Result<String, ReportError> {
    let report = JsonReport {
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
        violations: &result.violations,
        replay: replay_command(run),
        notes: &result.notes,
    };
    let mut text = serde_json::to_string_pretty(&report).map_err(|e| ReportError::Render {
        file: "report.json",
        message: e.to_string(),
    })?;
    text.push('\n');
    Ok(text)
}
