//! `summary.md`: what a person reads first — verdict, counts, fault fires, the first
//! violations with their causal chains, and the command that replays the run.

use std::fmt::Write;

use super::text::{
    client_exit_str, client_label, client_str, duration_ms, effect_str, fault_str, integrity_str,
    platform_str, replay_caveat, replay_command, response_str, time_str, unfired_warnings,
    verdict_label,
};
use crate::check::{CheckResult, Class, Violation};
use crate::outcome::RunRecord;

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
        "- platform: **{}** (truth: {integrity}, copies {}); cause: {}\n",
        platform_str(v.platform.state),
        v.platform.copies,
        opt(&v.platform.cause)
    );
    if v.chain.is_empty() {
        let _ = writeln!(out, "No request about this invoice reached the platform.\n");
        return;
    }
    let _ = writeln!(
        out,
        "| seq | at | request | attempt | fault | response | effect |"
    );
    let _ = writeln!(out, "|---:|---:|---|---:|---|---|---|");
    for e in &v.chain {
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
    let _ = writeln!(out, "| violations | {} |\n", result.counts.violations());

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
        "## Invoices by class\n\n| class | invoices | meaning |\n|---|---:|---|"
    );
    for class in Class::ALL {
        let _ = writeln!(
            out,
            "| {} | {} | {} |",
            md(class.as_str()),
            result.counts.get(class),
            class.meaning()
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
        for (n, v) in result.violations.iter().take(shown).enumerate() {
            violation(&mut out, n + 1, v);
        }
    }

    let replay = replay_command(run);
    let fence = "`".repeat(longest_backtick_run(&replay).max(2) + 1);
    let _ = writeln!(out, "## Replay\n\n{fence}sh\n{replay}\n{fence}");
    if let Some(caveat) = replay_caveat(run) {
        let _ = writeln!(out, "\nNote: {}.", md(&caveat));
    }
    out
}
