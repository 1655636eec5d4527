//! `report.html`: one self-contained page (inline CSS and SVG, no external assets)
//! with the verdict, counts, a timeline and the violations with their causal chains.
//! Every piece of text from the run is escaped.

use std::fmt::Write;

use super::text::{
    cause_str, client_exit_str, client_label, client_str, duration_ms, effect_str, fault_str,
    fields_str, integrity_str, platform_str, replay_command, response_str, time_str, verdict_label,
};
use super::timeline::render_svg;
use crate::check::{CheckResult, Class, Verdict, Violation};
use crate::outcome::RunRecord;

/// Violations the page spells out; the rest are in `report.json`.
pub const HTML_VIOLATIONS: usize = 200;

/// Violations shown unfolded at the top of the list.
const OPEN_VIOLATIONS: usize = 3;

const STYLE: &str = "body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:1000px;color:#222}\
h1{margin-bottom:.2em}.verdict{display:inline-block;padding:.2em .7em;border-radius:4px;color:#fff;font-weight:bold}\
.pass{background:#2e7d32}.fail{background:#c62828}.inconclusive{background:#ef6c00}\
table{border-collapse:collapse;margin:.5em 0 1.2em}td,th{border:1px solid #ccc;padding:.2em .6em;text-align:left;vertical-align:top}\
td.n{text-align:right}tr.bad td{background:#fdecea}code,pre{font-family:ui-monospace,monospace;font-size:13px}\
pre{background:#f5f5f5;padding:.6em;overflow-x:auto}details{margin:.4em 0;border:1px solid #ddd;padding:.3em .6em}\
summary{cursor:pointer}svg{width:100%;height:auto;border:1px solid #ddd}\
svg .issued{fill:#1565c0}svg .fault{fill:#c62828}svg .violation{fill:#ef6c00}\
svg .maintenance{fill:#9e9e9e;fill-opacity:.25}svg .event{stroke:#555;stroke-dasharray:3 3}\
svg .axisline{stroke:#555}svg text{font-size:11px;fill:#444}.legend{color:#555;font-size:12px}";

/// Escapes text for HTML element content and attribute values.
pub(crate) fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

fn opt(value: &Option<String>) -> String {
    value.as_deref().map_or_else(|| "—".to_string(), esc)
}

fn violation(out: &mut String, v: &Violation, open: bool) {
    let open = if open { " open" } else { "" };
    let _ = write!(
        out,
        "<details{open}><summary><b>{}</b> <code>{}</code> — {}</summary>",
        v.class.as_str(),
        esc(&v.number),
        esc(&v.detail)
    );
    let accepted = match v.client.accepted {
        Some(true) => "accepted (202)",
        Some(false) => "refused",
        None => "never issued",
    };
    let _ = write!(
        out,
        "<p>client: <b>{}</b>, {accepted}; reason: {}; platform_ref: {}<br>platform: <b>{}</b> (truth: {}, copies {}); cause: {}</p>",
        client_str(v.client.status),
        opt(&v.client.reason),
        opt(&v.client.platform_ref),
        platform_str(v.platform.state),
        v.platform.integrity.map_or("never stored", integrity_str),
        v.platform.copies,
        opt(&cause_str(v.cause.as_ref())),
    );
    if let Some(fields) = fields_str(v) {
        let _ = write!(out, "<p>fields: {}</p>", esc(&fields));
    }
    if v.chain.is_empty() {
        out.push_str("<p>No request about this invoice reached the platform.</p></details>\n");
        return;
    }
    out.push_str("<table><tr><th>seq</th><th>at</th><th>request</th><th>attempt</th><th>fault</th><th>response</th><th>effect</th><th>note</th></tr>");
    for e in &v.chain {
        let _ = write!(
            out,
            "<tr><td class=n>{}</td><td class=n>+{} ms</td><td><code>{} {}</code></td><td class=n>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            e.seq,
            e.elapsed_ms,
            esc(&e.method),
            esc(&e.path),
            e.attempt.map_or("—".to_string(), |a| a.to_string()),
            fault_str(e).as_deref().map_or("—".to_string(), esc),
            esc(&response_str(e)),
            effect_str(e.effect),
            opt(&e.note),
        );
    }
    out.push_str("</table></details>\n");
}

/// Renders `report.html`.
pub fn render_html(run: &RunRecord, result: &CheckResult) -> String {
    let mut out = String::new();
    let verdict = result.verdict;
    let css = match verdict {
        Verdict::Pass => "pass",
        Verdict::Fail => "fail",
        Verdict::Inconclusive => "inconclusive",
    };
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{} — {}</title><style>{STYLE}</style></head><body>",
        esc(&run.scenario),
        verdict.as_str()
    );
    let _ = write!(
        out,
        "<h1>{}</h1><p><span class=\"verdict {css}\">{}</span> exit {}</p><p>{}</p>",
        esc(&run.scenario),
        esc(&verdict_label(run, verdict)),
        verdict.exit_code(),
        esc(&run.description)
    );
    let _ = write!(
        out,
        "<table><tr><th>seed</th><td>{}</td></tr><tr><th>client</th><td>{}</td></tr><tr><th>started</th><td>{}</td></tr><tr><th>duration</th><td>{} ms</td></tr><tr><th>replay</th><td><code>{}</code></td></tr></table>",
        run.seed,
        esc(&client_label(run)),
        time_str(&run.started_at),
        duration_ms(run),
        esc(&replay_command(run))
    );
    if !result.inconclusive.is_empty() {
        out.push_str("<h2>Why the run is inconclusive</h2><ul>");
        for r in &result.inconclusive {
            let _ = write!(out, "<li>{}</li>", esc(&r.describe()));
        }
        out.push_str("</ul>\n");
    }
    if !result.notes.is_empty() {
        out.push_str("<h2>Notes</h2><ul>");
        for note in &result.notes {
            let _ = write!(out, "<li>{}</li>", esc(note));
        }
        out.push_str("</ul>\n");
    }
    out.push_str(
        "<h2>Invoices by class</h2><table><tr><th>class</th><th>invoices</th><th>meaning</th></tr>",
    );
    for class in Class::ALL {
        let n = result.counts.get(class);
        let bad = if class.is_violation() && n > 0 {
            " class=bad"
        } else {
            ""
        };
        let _ = write!(
            out,
            "<tr{bad}><td>{}</td><td class=n>{n}</td><td>{}</td></tr>",
            class.as_str(),
            class.meaning()
        );
    }
    out.push_str("</table>\n");
    if !result.invariants.is_empty() {
        out.push_str("<h2>Invariants</h2><table><tr><th>invariant</th><th>observed</th><th>allowed</th><th>holds</th></tr>");
        for i in &result.invariants {
            let bad = if i.holds { "" } else { " class=bad" };
            let _ = write!(
                out,
                "<tr{bad}><td>{}</td><td class=n>{}</td><td class=n>{}</td><td>{}</td></tr>",
                esc(&i.name),
                i.observed,
                i.allowed,
                if i.holds { "yes" } else { "no" }
            );
        }
        out.push_str("</table>\n");
    }
    out.push_str("<h2>Timeline</h2>");
    out.push_str(&render_svg(run, result));
    out.push_str("<p class=legend>Bars per time bucket: invoices issued (blue), fault fires (red), violations by issue time (orange). Shaded bands: maintenance windows. Dashed lines: steps and other events. Hover for details.</p>\n");
    out.push_str(&super::html_explain::maintenance(result));
    out.push_str(&super::html_explain::bound_invoices(result));
    if !run.lifecycle.client_exits.is_empty() {
        out.push_str("<h2>The client program exited</h2>");
        for e in &run.lifecycle.client_exits {
            let _ = write!(out, "<p>{}</p>", esc(&client_exit_str(e)));
            if !e.log_tail.is_empty() {
                let _ = write!(out, "<pre>{}</pre>", esc(&e.log_tail.join("\n")));
            }
        }
        out.push('\n');
    }
    out.push_str("<h2>Fault fires</h2>");
    if run.fault_stats.is_empty() {
        out.push_str("<p>No fault rule was scheduled.</p>");
    } else {
        out.push_str("<table><tr><th>rule</th><th>kind</th><th>fired</th><th>matched</th></tr>");
        for s in &run.fault_stats {
            let bad = if s.fired == 0 && s.scheduled {
                " class=bad"
            } else {
                ""
            };
            let mark = if s.scheduled {
                ""
            } else {
                " (already on the platform: for information)"
            };
            let _ = write!(
                out,
                "<tr{bad}><td>{}{mark}</td><td>{}</td><td class=n>{}</td><td class=n>{}</td></tr>",
                esc(&s.rule),
                esc(&s.kind),
                s.fired,
                s.matched
            );
        }
        out.push_str("</table>\n");
    }
    if !result.violations.is_empty() {
        let shown = result.violations.len().min(HTML_VIOLATIONS);
        let _ = write!(
            out,
            "<h2>Violations ({shown} of {})</h2>",
            result.violations.len()
        );
        for (i, v) in result.violations.iter().take(shown).enumerate() {
            violation(&mut out, v, i < OPEN_VIOLATIONS);
        }
    }
    out.push_str("</body></html>\n");
    out
}
