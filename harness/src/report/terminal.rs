//! The table printed when a run ends: verdict, counts per class, fires per rule,
//! why it is inconclusive, where the reports are, and how to replay it.

use std::fmt::Write;
use std::path::Path;

use super::text::{
    causes_str, chain_line, client_exit_str, invoices, migration_str, replay_caveat,
    replay_command, unfired_warnings, verdict_label, window_str,
};
use crate::check::{CheckResult, Class, FALSE_FLAG_RATIO};
use crate::outcome::RunRecord;

/// Violations the terminal shows before pointing at the reports.
const FIRST_VIOLATIONS: usize = 3;

/// Invoices of a broken bound the terminal names before pointing at the reports.
const FIRST_BOUND_INVOICES: usize = 5;

/// Renders the end-of-run summary for a terminal (plain text, no colour codes).
pub fn terminal_summary(run: &RunRecord, result: &CheckResult, report_dir: &Path) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}: {} (exit {}), seed {}",
        run.scenario,
        verdict_label(run, result.verdict),
        result.verdict.exit_code(),
        run.seed
    );
    for e in &run.lifecycle.client_exits {
        let _ = writeln!(out, "  {}", client_exit_str(e));
    }
    let _ = writeln!(out, "\n  {:<20} {:>10}", "class", "count");
    for class in Class::ALL {
        // Every class counts invoices but this one, which counts exits of the client.
        let unit = if class == Class::ClientExited {
            " exits"
        } else {
            ""
        };
        let causes = causes_str(result, class);
        let marker = match (class.is_violation() && result.counts.get(class) > 0, causes) {
            (false, _) => String::new(),
            (true, c) if c.is_empty() => "  <-".to_string(),
            (true, c) => format!("  <- {c}"),
        };
        let _ = writeln!(
            out,
            "  {:<20} {:>10}{unit}{marker}",
            class.as_str(),
            result.counts.get(class)
        );
    }
    if let Some(ratio) = result
        .invariants
        .iter()
        .find(|i| i.name == "false_flag_ratio")
    {
        let _ = writeln!(
            out,
            "  false flags {} of judged (allowed {})",
            ratio.observed, ratio.allowed
        );
    }
    if !run.fault_stats.is_empty() {
        // Columns as wide as their longest entry, so long rule names stay aligned.
        let widest = |cell: fn(&crate::outcome::RuleFires) -> &str, least: usize| {
            let longest = run
                .fault_stats
                .iter()
                .map(|s| cell(s).chars().count())
                .max();
            longest.unwrap_or(0).max(least)
        };
        let rule_w = widest(|s| &s.rule, 24);
        let kind_w = widest(|s| &s.kind, 26);
        let _ = writeln!(
            out,
            "\n  {:<rule_w$} {:<kind_w$} {:>8} {:>8}",
            "fault rule", "kind", "fired", "matched"
        );
        for s in &run.fault_stats {
            let mark = if s.scheduled { "" } else { " *" };
            let _ = writeln!(
                out,
                "  {:<rule_w$} {:<kind_w$} {:>8} {:>8}{mark}",
                s.rule, s.kind, s.fired, s.matched
            );
        }
        if run.fault_stats.iter().any(|s| !s.scheduled) {
            let _ = writeln!(
                out,
                "  * already on the platform, not added by this run: shown for information, need not fire"
            );
        }
    }
    bounds(&mut out, result);
    let m = &result.maintenance;
    if !m.windows.is_empty() || !m.migrations.is_empty() {
        let _ = writeln!(out, "\n  maintenance:");
        for w in &m.windows {
            let _ = writeln!(out, "  - window {}", window_str(w));
        }
        for mig in &m.migrations {
            let _ = writeln!(out, "  - migration {}", migration_str(mig));
        }
    }
    for note in &result.notes {
        let _ = writeln!(out, "\n  note: {note}");
    }
    if let Some(warning) = run.journal_budget.as_ref().and_then(|b| b.warning()) {
        let _ = writeln!(out, "\n  warning: {warning}");
    }
    for warning in unfired_warnings(run) {
        let _ = writeln!(out, "  warning: {warning}");
    }
    if !result.inconclusive.is_empty() {
        let _ = writeln!(out, "\n  inconclusive:");
        for reason in &result.inconclusive {
            let _ = writeln!(out, "  - {}", reason.describe());
        }
    }
    for v in result.violations.iter().take(FIRST_VIOLATIONS) {
        let _ = writeln!(out, "\n  {} {}: {}", v.class.as_str(), v.number, v.detail);
        for e in &v.chain {
            let _ = writeln!(out, "    {}", chain_line(e));
        }
    }
    if result.violations.len() > FIRST_VIOLATIONS {
        let _ = writeln!(
            out,
            "\n  … and {} more violations in the report",
            result.violations.len() - FIRST_VIOLATIONS
        );
    }
    let _ = writeln!(
        out,
        "\n  report: {}",
        report_dir.join("summary.md").display()
    );
    let _ = writeln!(
        out,
        "  html:   {}",
        report_dir.join("report.html").display()
    );
    if !result.violations.is_empty() {
        let _ = writeln!(
            out,
            "  violating invoices: {}",
            report_dir.join("violations.csv").display()
        );
    }
    if !result.false_flags.is_empty() {
        let _ = writeln!(
            out,
            "  false flags:        {}",
            report_dir.join("flagged.csv").display()
        );
    }
    let _ = writeln!(out, "  replay: {}", replay_command(run));
    if let Some(caveat) = replay_caveat(run) {
        let _ = writeln!(out, "          ({caveat})");
    }
    out
}

/// A broken false-flag bound with its first invoices: a run that fails on false flags
/// alone has no violation to show, so the bound names them. (The invoices behind a
/// broken `LOST` or `UNRESOLVED` bound are its violations, shown below.)
fn bounds(out: &mut String, result: &CheckResult) {
    let broken = result
        .invariants
        .iter()
        .find(|i| !i.holds && i.name == FALSE_FLAG_RATIO);
    let Some(inv) = broken else { return };
    let behind: Vec<_> = result
        .bound_invoices
        .iter()
        .filter(|b| b.bound == inv.name)
        .collect();
    let _ = writeln!(
        out,
        "\n  bound {} broken: observed {}, allowed {}; {} flagged although stored intact",
        inv.name,
        inv.observed,
        inv.allowed,
        invoices(behind.len())
    );
    for b in behind.iter().take(FIRST_BOUND_INVOICES) {
        let reason = b.client_reason.as_deref().unwrap_or("no reason given");
        let _ = writeln!(out, "  - {} (client: {reason})", b.number);
        for e in &b.chain {
            let _ = writeln!(out, "      {}", chain_line(e));
        }
    }
    if behind.len() > FIRST_BOUND_INVOICES {
        let _ = writeln!(
            out,
            "  … and {} more in flagged.csv",
            behind.len() - FIRST_BOUND_INVOICES
        );
    }
}
