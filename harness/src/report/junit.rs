//! `junit.xml` for CI: one testsuite per scenario, one testcase per invariant, plus
//! one that says whether the run was conclusive. Failures carry the first
//! violations of their class with causal chains.

use std::fmt::Write;
use std::time::Duration;

use quick_junit::{NonSuccessKind, Property, Report, TestCase, TestCaseStatus, TestSuite};

use super::text::{
    cause_str, causes_str, chain_line, client_exit_str, client_str, duration_ms, fields_str,
    migration_str, platform_str, replay_command, window_str,
};
use super::ReportError;
use crate::check::{CheckResult, Class, Invariant, Violation, FALSE_FLAG_RATIO};
use crate::outcome::RunRecord;

/// How many violations a failing testcase spells out.
pub const CHAINS_PER_FAILURE: usize = 5;

fn violation_text(out: &mut String, v: &Violation) {
    let _ = writeln!(out, "{} {}: {}", v.class.as_str(), v.number, v.detail);
    let _ = writeln!(
        out,
        "  client: {} (reason: {}); platform: {}",
        client_str(v.client.status),
        v.client.reason.as_deref().unwrap_or("none"),
        platform_str(v.platform.state)
    );
    if let Some(cause) = cause_str(v.cause.as_ref()) {
        let _ = writeln!(out, "  cause: {cause}");
    }
    if let Some(fields) = fields_str(v) {
        let _ = writeln!(out, "  fields: {fields}");
    }
    if v.chain.is_empty() {
        let _ = writeln!(out, "  no request about this invoice reached the platform");
    }
    for e in &v.chain {
        let _ = writeln!(out, "  {}", chain_line(e));
    }
}

fn invariant_case(
    classname: &str,
    inv: &Invariant,
    run: &RunRecord,
    result: &CheckResult,
) -> TestCase {
    let status = if inv.holds {
        TestCaseStatus::success()
    } else {
        let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
        let causes = Class::violations()
            .find(|c| c.as_str() == inv.name)
            .map(|c| causes_str(result, c))
            .filter(|c| !c.is_empty())
            .map_or_else(String::new, |c| format!("; caused by {c}"));
        status.set_message(format!(
            "{}: observed {}, allowed {}{causes}",
            inv.name, inv.observed, inv.allowed
        ));
        status.set_type(inv.name.clone());
        let mut description = String::new();
        let matching = result
            .violations
            .iter()
            .filter(|v| v.class.as_str() == inv.name);
        for v in matching.take(CHAINS_PER_FAILURE) {
            violation_text(&mut description, v);
        }
        if inv.name == FALSE_FLAG_RATIO {
            let behind = result.bound_invoices.iter().filter(|b| b.bound == inv.name);
            for b in behind.take(CHAINS_PER_FAILURE) {
                let _ = writeln!(
                    description,
                    "{}: flagged although stored intact (reason: {})",
                    b.number,
                    b.client_reason.as_deref().unwrap_or("none")
                );
                for e in &b.chain {
                    let _ = writeln!(description, "  {}", chain_line(e));
                }
            }
        }
        if inv.name == Class::ClientExited.as_str() {
            for e in run.lifecycle.client_exits.iter().filter(|e| !e.restarted) {
                let _ = writeln!(description, "{}", client_exit_str(e));
                for line in &e.log_tail {
                    let _ = writeln!(description, "  | {line}");
                }
            }
        }
        if !description.is_empty() {
            status.set_description(description);
        }
        status
    };
    let mut case = TestCase::new(format!("{}: {}", inv.name, inv.description), status);
    case.set_classname(classname.to_string());
    case
}

fn conclusive_case(classname: &str, result: &CheckResult) -> TestCase {
    let status = if result.inconclusive.is_empty() {
        TestCaseStatus::success()
    } else {
        let mut status = TestCaseStatus::non_success(NonSuccessKind::Error);
        status.set_message(format!(
            "inconclusive: {}",
            result.inconclusive[0].describe()
        ));
        status.set_type("inconclusive");
        let description: String = result
            .inconclusive
            .iter()
            .map(|r| format!("{}\n", r.describe()))
            .collect();
        status.set_description(description);
        status
    };
    let mut case = TestCase::new("the run tested what the script scheduled", status);
    case.set_classname(classname.to_string());
    case
}

/// Renders `junit.xml`.
pub fn render_junit(run: &RunRecord, result: &CheckResult) -> Result<String, ReportError> {
    let mut report = Report::new("invoice-chaos");
    report.set_timestamp(run.started_at);
    report.set_time(Duration::from_millis(duration_ms(run)));
    report.add_test_suite(junit_suite(run, result));
    report.to_string().map_err(|e| ReportError::Render {
        file: "junit.xml",
        message: e.to_string(),
    })
}

/// The testsuite of one scenario run, as `junit.xml` holds it.
pub fn junit_suite(run: &RunRecord, result: &CheckResult) -> TestSuite {
    let classname = format!("invoice-chaos.{}", run.scenario);
    let mut suite = TestSuite::new(run.scenario.clone());
    suite.set_timestamp(run.started_at);
    suite.set_time(Duration::from_millis(duration_ms(run)));
    suite.add_property(Property::new("seed", run.seed.to_string()));
    suite.add_property(Property::new("verdict", result.verdict.as_str()));
    suite.add_property(Property::new("replay", replay_command(run)));
    if let Some(signal) = &run.lifecycle.interrupted {
        suite.add_property(Property::new("interrupted", signal.as_str()));
    }
    for (i, w) in result.maintenance.windows.iter().enumerate() {
        let name = format!("maintenance.window.{}", i + 1);
        suite.add_property(Property::new(name, window_str(w)));
    }
    for m in &result.maintenance.migrations {
        let name = format!("maintenance.migration.{}", m.name);
        suite.add_property(Property::new(name, migration_str(m)));
    }
    suite.add_test_case(conclusive_case(&classname, result));
    for inv in &result.invariants {
        suite.add_test_case(invariant_case(&classname, inv, run, result));
    }
    suite
}
