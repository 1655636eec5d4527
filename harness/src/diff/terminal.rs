//! The terminal table of `invoice-chaos diff`.

use std::fmt::Write;

use super::compare::{Diff, InvoiceRow, MigrationRow, Outcome};

/// Invoices listed per direction; the rest are in `--json` and `diff.html`.
const LISTED: usize = 20;

fn opt(n: Option<u64>) -> String {
    n.map_or_else(|| "—".to_string(), |n| n.to_string())
}

fn change(a: u64, b: u64) -> String {
    match b.cmp(&a) {
        std::cmp::Ordering::Equal => String::new(),
        std::cmp::Ordering::Greater => format!("+{}", b - a),
        std::cmp::Ordering::Less => format!("-{}", a - b),
    }
}

fn invoices(out: &mut String, title: &str, rows: &[InvoiceRow]) {
    let _ = writeln!(out, "\n  {title}: {}", rows.len());
    for r in rows.iter().take(LISTED) {
        let cause = r
            .cause
            .as_deref()
            .map_or_else(String::new, |c| format!(" (cause: {c})"));
        let _ = writeln!(out, "    {:<20} {}{cause}", r.class, r.number);
    }
    if rows.len() > LISTED {
        let _ = writeln!(
            out,
            "    … and {} more (diff.html and --json list all)",
            rows.len() - LISTED
        );
    }
}

fn migration_cells(m: &Option<crate::report::read::MigrationSummary>) -> String {
    m.as_ref().map_or_else(
        || "—".to_string(),
        |m| {
            format!(
                "{} eligible, {} lost, {} stripped, {} reverted; caught {}, missed {}",
                m.eligible, m.lost, m.stripped, m.reverted, m.caught, m.missed
            )
        },
    )
}

fn migrations(out: &mut String, rows: &[MigrationRow]) {
    if rows.is_empty() {
        return;
    }
    out.push_str("\n  migrations\n");
    for r in rows {
        let _ = writeln!(out, "    {}", r.name);
        let _ = writeln!(out, "      A: {}", migration_cells(&r.a));
        let _ = writeln!(out, "      B: {}", migration_cells(&r.b));
    }
}

/// Renders the comparison for a terminal.
pub fn render_terminal(d: &Diff) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "diff: A {} {} → B {} {}",
        d.a.client,
        d.a.verdict.to_uppercase(),
        d.b.client,
        d.b.verdict.to_uppercase()
    );
    for (name, s) in [("A", &d.a), ("B", &d.b)] {
        let _ = writeln!(
            out,
            "  {name}  {}  ({}, {}, seed {}, {})",
            s.run, s.scenario, s.started_at, s.seed, s.client
        );
    }
    let _ = writeln!(out, "\n  {:<22} {:>7} {:>7}  change", "class", "A", "B");
    for r in &d.classes {
        let mark = if r.violation && r.b > r.a {
            "  <- worse"
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "  {:<22} {:>7} {:>7}  {}{mark}",
            r.class,
            r.a,
            r.b,
            change(r.a, r.b)
        );
    }
    if !d.fault_fires.is_empty() {
        let _ = writeln!(
            out,
            "\n  {:<24} {:<28} {:>7} {:>7}",
            "fault rule", "kind", "A fired", "B fired"
        );
        for f in &d.fault_fires {
            let _ = writeln!(
                out,
                "  {:<24} {:<28} {:>7} {:>7}",
                f.rule,
                f.kind,
                opt(f.a),
                opt(f.b)
            );
        }
    }
    migrations(&mut out, &d.migrations);
    invoices(
        &mut out,
        "saved in B (violate in A, not in B)",
        &d.only_in_a,
    );
    invoices(&mut out, "new in B (violate in B, not in A)", &d.only_in_b);
    if !d.changed.is_empty() {
        let _ = writeln!(out, "\n  changed class: {}", d.changed.len());
        for c in d.changed.iter().take(LISTED) {
            let _ = writeln!(out, "    {} {} -> {}", c.number, c.a, c.b);
        }
    }
    for note in &d.notes {
        let _ = writeln!(out, "\n  note: {note}");
    }
    let verdict = match d.outcome {
        Outcome::NoWorse => "B is no worse than A",
        Outcome::Worse => "B is WORSE than A",
        Outcome::Inconclusive => "INCONCLUSIVE: cannot say whether B is worse than A",
    };
    let _ = writeln!(out, "\n  {verdict} (exit {})", d.exit().code());
    for r in &d.reasons {
        let _ = writeln!(out, "  - {r}");
    }
    out
}
