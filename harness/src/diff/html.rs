//! `diff.html`: the comparison of two runs as one self-contained page.

use std::fmt::Write;

use super::compare::{Diff, InvoiceRow, MigrationRow, Outcome};
use crate::report::read::MigrationSummary;
use crate::report::{esc, CSP, STYLE};

fn verdict(v: &str) -> String {
    let v = esc(v);
    format!("<span class=\"verdict {v}\">{}</span>", v.to_uppercase())
}

fn opt(n: Option<u64>) -> String {
    n.map_or_else(|| "—".to_string(), |n| n.to_string())
}

fn invoices(out: &mut String, id: &str, title: &str, rows: &[InvoiceRow]) {
    let _ = write!(out, "<h2>{title} ({})</h2>", rows.len());
    if rows.is_empty() {
        out.push_str("<p>None.</p>");
        return;
    }
    let _ = write!(
        out,
        "<table id={id}><tr><th>invoice</th><th>class</th><th>cause</th><th>detail</th></tr>"
    );
    for r in rows {
        let _ = write!(
            out,
            "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&r.number),
            esc(&r.class),
            esc(r.cause.as_deref().unwrap_or("—")),
            esc(&r.detail)
        );
    }
    out.push_str("</table>\n");
}

fn migration_cells(out: &mut String, m: &Option<MigrationSummary>) {
    match m {
        Some(m) => {
            let _ = write!(
                out,
                "<td class=n>{}</td><td class=n>{}</td><td class=n>{}</td><td class=n>{}</td><td class=n>{}</td><td class=n>{}</td>",
                m.eligible, m.lost, m.stripped, m.reverted, m.caught, m.missed
            );
        }
        None => out.push_str("<td colspan=6>—</td>"),
    }
}

fn migrations(out: &mut String, rows: &[MigrationRow]) {
    out.push_str("<h2>Migrations</h2>");
    if rows.is_empty() {
        out.push_str("<p>Neither report lists a migration.</p>");
        return;
    }
    out.push_str(
        "<table><tr><th rowspan=2>window</th><th colspan=6>A</th><th colspan=6>B</th></tr><tr>",
    );
    for _ in 0..2 {
        out.push_str("<th>eligible</th><th>lost</th><th>stripped</th><th>reverted</th><th>caught</th><th>missed</th>");
    }
    out.push_str("</tr>");
    for r in rows {
        let _ = write!(out, "<tr><td>{}</td>", esc(&r.name));
        migration_cells(out, &r.a);
        migration_cells(out, &r.b);
        out.push_str("</tr>");
    }
    out.push_str("</table>\n");
}

/// Renders `diff.html`.
pub fn render_diff_html(d: &Diff) -> String {
    let mut out = String::new();
    let (css, headline) = match d.outcome {
        Outcome::NoWorse => ("pass", "B is no worse than A"),
        Outcome::Worse => ("fail", "B is worse than A"),
        Outcome::Inconclusive => ("inconclusive", "Cannot say whether B is worse than A"),
    };
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">{CSP}<title>diff — {}</title><style>{STYLE}</style></head><body><h1>{}: A → B</h1><p><span class=\"verdict {css}\">{headline}</span> exit {}</p>",
        esc(&d.b.scenario),
        esc(&d.b.scenario),
        d.exit().code()
    );
    if !d.reasons.is_empty() {
        out.push_str("<ul>");
        for r in &d.reasons {
            let _ = write!(out, "<li>{}</li>", esc(r));
        }
        out.push_str("</ul>");
    }
    out.push_str("<table><tr><th></th><th>run</th><th>scenario</th><th>started</th><th>seed</th><th>client</th><th>verdict</th></tr>");
    for (name, s) in [("A", &d.a), ("B", &d.b)] {
        let _ = write!(
            out,
            "<tr><th>{name}</th><td><code>{}</code></td><td>{}</td><td>{}</td><td class=n>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&s.run),
            esc(&s.scenario),
            esc(&s.started_at),
            s.seed,
            esc(&s.client),
            verdict(&s.verdict)
        );
    }
    out.push_str("</table>\n<h2>Invoices by class</h2><table id=classes><tr><th>class</th><th>A</th><th>B</th></tr>");
    for r in &d.classes {
        let row = if r.violation && r.b > r.a {
            " class=bad"
        } else if r.violation && r.b < r.a {
            " class=good"
        } else {
            ""
        };
        let _ = write!(
            out,
            "<tr{row}><td>{}</td><td class=n>{}</td><td class=n>{}</td></tr>",
            r.class, r.a, r.b
        );
    }
    out.push_str("</table>\n<h2>Fault fires</h2>");
    if d.fault_fires.is_empty() {
        out.push_str("<p>Neither run had a fault rule.</p>");
    } else {
        out.push_str("<table><tr><th>rule</th><th>kind</th><th>A fired</th><th>B fired</th></tr>");
        for f in &d.fault_fires {
            let _ = write!(
                out,
                "<tr><td>{}</td><td>{}</td><td class=n>{}</td><td class=n>{}</td></tr>",
                esc(&f.rule),
                esc(&f.kind),
                opt(f.a),
                opt(f.b)
            );
        }
        out.push_str("</table>\n");
    }
    migrations(&mut out, &d.migrations);
    invoices(
        &mut out,
        "saved",
        "Saved in B: violate in A, not in B",
        &d.only_in_a,
    );
    invoices(
        &mut out,
        "new",
        "New in B: violate in B, not in A",
        &d.only_in_b,
    );
    if !d.changed.is_empty() {
        let _ = write!(
            out,
            "<h2>Changed class ({})</h2><table><tr><th>invoice</th><th>A</th><th>B</th></tr>",
            d.changed.len()
        );
        for c in &d.changed {
            let _ = write!(
                out,
                "<tr><td><code>{}</code></td><td>{}</td><td>{}</td></tr>",
                esc(&c.number),
                esc(&c.a),
                esc(&c.b)
            );
        }
        out.push_str("</table>\n");
    }
    if !d.notes.is_empty() {
        out.push_str("<h2>Notes</h2><ul>");
        for n in &d.notes {
            let _ = write!(out, "<li>{}</li>", esc(n));
        }
        out.push_str("</ul>");
    }
    out.push_str("</body></html>\n");
    out
}
