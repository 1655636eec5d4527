//! The parts of `report.html` that explain a run beyond its violations: the
//! maintenance windows and migrations, and the invoices behind a broken false-flag
//! bound. Plain tables, so they read the same printed.

use std::fmt::Write;

use super::html::esc;
use super::maintenance_table::{
    migration_cells, window_cells, Column, MIGRATION_COLUMNS, MIGRATION_LEGEND, WINDOW_COLUMNS,
};
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
        table_head(&mut out, &WINDOW_COLUMNS);
        for w in &m.windows {
            table_row(&mut out, "", &WINDOW_COLUMNS, &window_cells(w));
        }
        out.push_str("</table>");
    }
    if !m.migrations.is_empty() {
        table_head(&mut out, &MIGRATION_COLUMNS);
        for g in &m.migrations {
            let bad = if g.missed > 0 { " class=bad" } else { "" };
            table_row(&mut out, bad, &MIGRATION_COLUMNS, &migration_cells(g));
        }
        let _ = write!(out, "</table><p class=legend>{MIGRATION_LEGEND}</p>");
    }
    out.push('\n');
    out
}

fn table_head(out: &mut String, columns: &[Column]) {
    out.push_str("<table><tr>");
    for c in columns {
        let _ = write!(out, "<th>{}</th>", c.title);
    }
    out.push_str("</tr>");
}

/// One row; numeric cells get `class=n`, the row `attrs` (e.g. ` class=bad`).
fn table_row(out: &mut String, attrs: &str, columns: &[Column], cells: &[String]) {
    let _ = write!(out, "<tr{attrs}>");
    for (c, cell) in columns.iter().zip(cells) {
        let class = if c.numeric { " class=n" } else { "" };
        let _ = write!(out, "<td{class}>{}</td>", esc(cell));
    }
    out.push_str("</tr>");
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
