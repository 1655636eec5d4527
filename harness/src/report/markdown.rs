//! `summary.md`: what a person reads first — verdict, counts, fault fires, the first
//! violations with their causal chains, and the command that replays the run.

use std::fmt::Write;

use super::maintenance_table::{
    migration_cells, window_cells, Column, MIGRATION_COLUMNS, MIGRATION_LEGEND, WINDOW_COLUMNS,
};
use super::text::{
    cause_str, causes_str, client_exit_str, client_label, client_str, duration_ms, effect_str,
    fault_str, integrity_str, invoices, platform_str, replay_caveat, replay_command, response_str,
    time_str, unfired_warnings, verdict_label,
};
use crate::check::{CheckResult, Class, Violation, FALSE_FLAG_RATIO};
use crate::outcome::RunRecord;
use tax_api::JournalEntry;

/// How many violations the summary shows with their chains.
pub const FIRST_VIOLATIONS: usize = 10;

/// Escapes text so Markdown shows it literally, on one line (safe in table cells).
fn md(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '#' | '!' | '~' | '&' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' => out.push(' '),
            _ => out.push(c),
        }
    }
    out
}

fn longest_backtick_run(text: &str) -> usize {
    text.split(|c| c != '`').map(str::len).max().unwrap_or(0)
}

fn opt(value: &Option<String>) -> String {
    value.as_deref().map_or_else(|| "—".to_string(), md)
}

fn violation(out: &mut String, n: usize, v: &Violation) {
    let _ = writeln!(out, "### {n}. {} {}\n", v.class.as_str(), md(&v.number));
    let _ = writeln!(out, "{}\n", md(&v.detail));
    let accepted = match v.client.accepted {
        Some(true) => "accepted (202)",
        Some(false) => "refused",
        None => "never issued",
    };
    let _ = writeln!(
        out,
        "- client: **{}**, {accepted}; reason: {}; platform_ref: {}",
        client_str(v.client.status),
        opt(&v.client.reason),
        opt(&v.client.platform_ref)
    );
    let integrity = v.platform.integrity.map_or("never stored", integrity_str);
    let _ = writeln!(
        out,
        "- platform: **{}** (truth: {integrity}, copies {}); cause: {}",
        platform_str(v.platform.state),
        v.platform.copies,
        opt(&cause_str(v.cause.as_ref()))
    );
    if !v.missing_fields.is_empty() {
        let _ = writeln!(
            out,
            "- missing fields: {}",
            md(&v.missing_fields.join(", "))
        );
    }
    for d in &v.differing_fields {
        let _ = writeln!(
            out,
            "- `{}` differs: issued {}, stored {}",
            md(&d.field),
            md(&d.expected),
            md(&d.actual)
        );
    }
    if let Some(n) = v.copies {
        let _ = writeln!(out, "- copies held: {n}");
    }
    out.push('\n');
    chain_table(out, &v.chain);
}

fn chain_table(out: &mut String, chain: &[JournalEntry]) {
    if chain.is_empty() {
        let _ = writeln!(out, "No request about this invoice reached the platform.\n");
        return;
    }
    let _ = writeln!(
        out,
        "| seq | at | request | attempt | fault | response | effect |"
    );
    let _ = writeln!(out, "|---:|---:|---|---:|---|---|---|");
    for e in chain {
        let _ = writeln!(
            out,
            "| {} | +{} ms | {} {} | {} | {} | {} | {}{} |",
            e.seq,
            e.elapsed_ms,
            md(&e.method),
            md(&e.path),
            e.attempt.map_or("—".to_string(), |a| a.to_string()),
            fault_str(e).as_deref().map_or("—".to_string(), md),
            md(&response_str(e)),
            effect_str(e.effect),
            e.note
                .as_deref()
                .map_or(String::new(), |n| format!(" ({})", md(n))),
        );
    }
    out.push('\n');
}

/// Renders `summary.md`.
pub fn render_markdown(run: &RunRecord, result: &CheckResult) -> String {
    let mut out = String::new();
    let verdict = result.verdict;
    let _ = writeln!(
        out,
        "# {} — {}\n",
        md(&run.scenario),
        md(&verdict_label(run, verdict))
    );
    if !run.description.is_empty() {
        let _ = writeln!(out, "{}\n", md(&run.description));
    }
    let _ = writeln!(out, "| | |\n|---|---|");
    let _ = writeln!(
        out,
        "| verdict | **{}** (exit {}) |",
        verdict.as_str(),
        verdict.exit_code()
    );
    let _ = writeln!(out, "| seed | {} |", run.seed);
    let _ = writeln!(out, "| client | {} |", md(&client_label(run)));
    let _ = writeln!(out, "| started | {} |", time_str(&run.started_at));
    let _ = writeln!(out, "| duration | {} ms |", duration_ms(run));
    let _ = writeln!(out, "| invoices judged | {} |", result.counts.judged);
    let _ = writeln!(out, "| violations | {} |", result.counts.violations());
    let broken: Vec<&str> = result
        .invariants
        .iter()
        .filter(|i| !i.holds && i.name == FALSE_FLAG_RATIO)
        .map(|i| i.name.as_str())
        .collect();
    if !broken.is_empty() {
        let _ = writeln!(
            out,
            "| broken bounds | {} ({} flagged although intact) |",
            md(&broken.join(", ")),
            invoices(
                result
                    .bound_invoices
                    .iter()
                    .filter(|b| b.bound == FALSE_FLAG_RATIO)
                    .count()
            )
        );
    }
    out.push('\n');

    if let Some(warning) = run.journal_budget.as_ref().and_then(|b| b.warning()) {
        let _ = writeln!(out, "> **Warning:** {}\n", md(&warning));
    }

    if !result.inconclusive.is_empty() {
        let _ = writeln!(out, "## Why the run is inconclusive\n");
        for reason in &result.inconclusive {
            let _ = writeln!(out, "- {}", md(&reason.describe()));
        }
        out.push('\n');
    }

    if !result.notes.is_empty() {
        let _ = writeln!(out, "## Notes\n");
        for note in &result.notes {
            let _ = writeln!(out, "- {}", md(note));
        }
        out.push('\n');
    }

    let _ = writeln!(
        out,
        "## Invoices by class\n\n| class | count | meaning | caused by |\n|---|---:|---|---|"
    );
    for class in Class::ALL {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} |",
            md(class.as_str()),
            result.counts.get(class),
            class.meaning(),
            md(&causes_str(result, class))
        );
    }
    out.push('\n');

    if !result.invariants.is_empty() {
        let _ = writeln!(
            out,
            "## Invariants\n\n| invariant | observed | allowed | holds |\n|---|---:|---:|---|"
        );
        for i in &result.invariants {
            let holds = if i.holds { "yes" } else { "**no**" };
            let _ = writeln!(
                out,
                "| {} | {} | {} | {holds} |",
                md(&i.name),
                i.observed,
                i.allowed
            );
        }
        out.push('\n');
    }

    if !run.lifecycle.client_exits.is_empty() {
        let _ = writeln!(out, "## The client program exited\n");
        for e in &run.lifecycle.client_exits {
            let _ = writeln!(out, "- {}", md(&client_exit_str(e)));
            if !e.log_tail.is_empty() {
                let text = e.log_tail.join("\n");
                let fence = "`".repeat(longest_backtick_run(&text).max(2) + 1);
                let _ = writeln!(out, "\n{fence}text\n{text}\n{fence}\n");
            }
        }
        out.push('\n');
    }

    maintenance(&mut out, result);

    let _ = writeln!(out, "## Fault fires\n");
    if run.fault_stats.is_empty() {
        let _ = writeln!(out, "No fault rule was scheduled.\n");
    } else {
        let _ = writeln!(
            out,
            "| rule | kind | fired | matched |\n|---|---|---:|---:|"
        );
        for s in &run.fault_stats {
            let mark = if s.scheduled { "" } else { " \\*" };
            let _ = writeln!(
                out,
                "| {}{mark} | {} | {} | {} |",
                md(&s.rule),
                md(&s.kind),
                s.fired,
                s.matched
            );
        }
        if run.fault_stats.iter().any(|s| !s.scheduled) {
            let _ = writeln!(
                out,
                "\n\\* already on the platform, not added by this run: shown for information, need not fire"
            );
        }
        out.push('\n');
        let warnings = unfired_warnings(run);
        for warning in &warnings {
            let _ = writeln!(out, "- **Warning:** {}", md(warning));
        }
        if !warnings.is_empty() {
            out.push('\n');
        }
    }

    if !result.violations.is_empty() {
        let shown = result.violations.len().min(FIRST_VIOLATIONS);
        let _ = writeln!(
            out,
            "## First violations ({shown} of {})\n",
            result.violations.len()
        );
        let _ = writeln!(
            out,
            "Every violating invoice is in `violations.csv`, one row each.\n"
        );
        for (n, v) in result.violations.iter().take(shown).enumerate() {
            violation(&mut out, n + 1, v);
        }
    }

    bounds(&mut out, result);

    let replay = replay_command(run);
    let fence = "`".repeat(longest_backtick_run(&replay).max(2) + 1);
    let _ = writeln!(out, "## Replay\n\n{fence}sh\n{replay}\n{fence}");
    if let Some(caveat) = replay_caveat(run) {
        let _ = writeln!(out, "\nNote: {}.", md(&caveat));
    }
    out
}

/// The maintenance windows and what their migrations did, as two tables.
fn maintenance(out: &mut String, result: &CheckResult) {
    let m = &result.maintenance;
    if m.windows.is_empty() && m.migrations.is_empty() {
        return;
    }
    let _ = writeln!(out, "## Maintenance\n");
    if !m.windows.is_empty() {
        table_head(out, &WINDOW_COLUMNS);
        for w in &m.windows {
            table_row(out, &window_cells(w).map(|c| md(&c)));
        }
        out.push('\n');
    }
    if !m.migrations.is_empty() {
        table_head(out, &MIGRATION_COLUMNS);
        for g in &m.migrations {
            let mut cells = migration_cells(g).map(|c| md(&c));
            if g.missed > 0 {
                cells[8] = format!("**{}**", g.missed);
            }
            table_row(out, &cells);
        }
        let _ = writeln!(out, "\n{MIGRATION_LEGEND}\n");
    }
}

/// A heading row and its alignment row (numbers right).
fn table_head(out: &mut String, columns: &[Column]) {
    let titles: Vec<&str> = columns.iter().map(|c| c.title).collect();
    let aligns: Vec<&str> = columns
        .iter()
        .map(|c| if c.numeric { "---:" } else { "---" })
        .collect();
    let _ = writeln!(out, "| {} |\n|{}|", titles.join(" | "), aligns.join("|"));
}

/// One row of cells already escaped (and emphasised) for Markdown.
fn table_row(out: &mut String, cells: &[String]) {
    let _ = writeln!(out, "| {} |", cells.join(" | "));
}

/// The invoices behind a broken false-flag bound, with their chains: such a run may
/// fail with no violation at all. LOST and UNRESOLVED bounds are their violations.
fn bounds(out: &mut String, result: &CheckResult) {
    let behind: Vec<_> = result
        .bound_invoices
        .iter()
        .filter(|b| b.bound == FALSE_FLAG_RATIO)
        .collect();
    if behind.is_empty() {
        return;
    }
    let shown = behind.len().min(FIRST_VIOLATIONS);
    let _ = writeln!(
        out,
        "## Broken bound: {FALSE_FLAG_RATIO} ({shown} of {} invoices)\n",
        behind.len()
    );
    let _ = writeln!(
        out,
        "Flagged by the client although the platform holds them intact; all are in `flagged.csv`.\n"
    );
    for (n, b) in behind.iter().take(shown).enumerate() {
        let _ = writeln!(out, "### {}. {}\n", n + 1, md(&b.number));
        let _ = writeln!(
            out,
            "- client: **flagged**; reason: {}\n",
            opt(&b.client_reason)
        );
        chain_table(out, &b.chain);
    }
}
