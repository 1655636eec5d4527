//! The parts of `report.html` that explain a run beyond its violations: the
//! maintenance windows and migrations, and the invoices behind a broken false-flag
//! bound. Plain tables, so they read the same printed.

use std::fmt::Write;

use super::html::esc;
use super::text::chain_line;
use crate::check::{CheckResult, FALSE_FLAG_RATIO};

/// Invoices of a broken bound the page spells out; the rest are in `flagged.csv`.
const BOUND_INVOICES: usize = 200;

/// The windows and migrations as two tables; empty when the run had none.
pub(crate) fn maintenance(result: &CheckResult) -> String {
    let m = &result.maintenance;
    let mut out = String::new();
    if m.windows.is_empty() && m.migrations.is_empty() {
        return out;
    }
    out.push_str("<h2>Maintenance</h2>");
    if !m.windows.is_empty() {
        out.push_str("<table><tr><th>window</th><th>start</th><th>end</th><th>reads</th></tr>");
        for w in &m.windows {
            let _ = write!(
                out,
                "<tr><td>{}</td><td class=n>+{} ms</td><td class=n>+{} ms</td><td>{}</td></tr>",
                esc(w.name.as_deref().unwrap_or("—")),
                w.start_ms,
                w.end_ms,
                if w.reads_allowed {
                    "allowed"
                } else {
                    "refused"
                }
            );
        }
        out.push_str("</table>");
    }
    if !m.migrations.is_empty() {
        out.push_str("<table><tr><th>migration</th><th>kind</th><th>since</th><th>eligible</th><th>lost</th><th>stripped</th><th>reverted</th><th>client caught</th><th>client missed</th></tr>");
        for g in &m.migrations {
            let bad = if g.missed > 0 { " class=bad" } else { "" };
            let _ = write!(
                out,
                "<tr{bad}><td>{}</td><td>{}</td><td>{}</td><td class=n>{}</td><td class=n>{}</td><td class=n>{}</td><td class=n>{}</td><td class=n>{}</td><td class=n>{}</td></tr>",
                esc(&g.name),
                esc(&g.kind),
                esc(&g.since),
                g.eligible,
                g.lost,
                g.stripped,
                g.reverted,
                g.caught,
                g.missed
            );
        }
        out.push_str("</table><p class=legend>Caught: the invoice ended flagged, or uploaded again and intact. Missed: it ended as a violation.</p>");
    }
    out.push('\n');
    out
}

/// The invoices behind a broken false-flag bound, each with its chain; empty when
/// that bound held. (LOST and UNRESOLVED bounds are their violations.)
pub(crate) fn bound_invoices(result: &CheckResult) -> String {
    let behind: Vec<_> = result
        .bound_invoices
        .iter()
        .filter(|b| b.bound == FALSE_FLAG_RATIO)
        .collect();
    let mut out = String::new();
    if behind.is_empty() {
        return out;
    }
    let shown = behind.len().min(BOUND_INVOICES);
    let _ = write!(
        out,
        "<h2>Broken bound: {FALSE_FLAG_RATIO} ({shown} of {} invoices)</h2><p>Flagged by the client although the platform holds them intact; all are in <code>flagged.csv</code>.</p>",
        behind.len()
    );
    for b in behind.iter().take(shown) {
        let _ = write!(
            out,
            "<details><summary><b>false flag</b> <code>{}</code> — reason: {}</summary><pre>",
            esc(&b.number),
            esc(b.client_reason.as_deref().unwrap_or("—"))
        );
        for e in &b.chain {
            let _ = writeln!(out, "{}", esc(&chain_line(e)));
        }
        out.push_str("</pre></details>\n");
    }
    out
}
