//! `report.html`: one self-contained page (inline CSS and SVG, no external assets)
//! with the verdict, counts, a timeline and the violations with their causal chains.
//! Every piece of text from the run is escaped.

use std::fmt::Write;

use super::palette::{cause_rule, class_colour, fault_colour, fire_kind};
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

/// The style sheet every page shares (report, index, diff).
pub(crate) const STYLE: &str = "body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:1000px;color:#222;padding:0 1em}\
h1{margin-bottom:.2em}.verdict{display:inline-block;padding:.2em .7em;border-radius:4px;color:#fff;font-weight:bold}\
.pass{background:#2e7d32}.fail{background:#c62828}.inconclusive{background:#ef6c00}\
table{border-collapse:collapse;margin:.5em 0 1.2em}td,th{border:1px solid #ccc;padding:.2em .6em;text-align:left;vertical-align:top}\
td.n{text-align:right}tr.bad td,td.bad{background:#fdecea}tr.good td,td.good{background:#e8f5e9}code,pre{font-family:ui-monospace,monospace;font-size:13px}\
pre{background:#f5f5f5;padding:.6em;overflow-x:auto}details{margin:.4em 0;border:1px solid #ddd;padding:.3em .6em}\
summary{cursor:pointer}svg{width:100%;height:auto;border:1px solid #ddd}\
svg .issued{fill:#1565c0}svg .cause{fill:#000}svg .maintenance{fill:#9e9e9e;fill-opacity:.22}\
svg .event{stroke:#555;stroke-dasharray:3 3}svg .swatch{stroke:#333;stroke-width:.5}\
svg .axisline{stroke:#555}svg text{font-size:11px;fill:#333}svg .steplabel{font-weight:600}\
.legend{color:#444;font-size:12px}.headline{font-size:15px}.key{display:inline-block;width:.9em;height:.9em;vertical-align:-.1em;margin:0 .25em 0 .6em;border:1px solid #333}\
#runs td{white-space:nowrap}#filter{margin:.5em 0;padding:.4em .6em;background:#f5f5f5;border:1px solid #ddd}#filter label{margin-right:1em}\
@media print{body{max-width:none;margin:0;font-size:11px}#filter{display:none}details,tr,svg{break-inside:avoid}\
*{-webkit-print-color-adjust:exact;print-color-adjust:exact}}";

/// Forbids every load from outside the page: the report works offline and cannot
/// leak its contents, whatever text a run put in it.
pub(crate) const CSP: &str = "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'\">";

/// The violation filter: shows the controls (hidden without scripts, so that a
/// reader without them sees every violation), hides what does not match, and
/// unfolds every violation before printing.
const FILTER_SCRIPT: &str = "<script>(function(){var f=document.getElementById('filter');if(!f)return;\
var c=document.getElementById('f-class'),k=document.getElementById('f-cause'),n=document.getElementById('f-shown'),\
all=document.querySelectorAll('#violations details');function apply(){var s=0;all.forEach(function(d){\
var ok=(!c.value||d.dataset.class===c.value)&&(!k.value||d.dataset.cause===k.value);d.hidden=!ok;if(ok)s++;});\
n.textContent=s+' of '+all.length+' shown';}c.addEventListener('change',apply);k.addEventListener('change',apply);\
f.hidden=false;apply();window.addEventListener('beforeprint',function(){all.forEach(function(d){d.open=true;});});})();</script>";

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
        "<details data-class=\"{}\" data-cause=\"{}\"{open}><summary><span class=key style=\"background:{}\"></span><b>{}</b> <code>{}</code> — {}</summary>",
        v.class.as_str(),
        esc(&cause_rule(v)),
        class_colour(v.class),
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

/// The violations at a glance, by class, in the colours of the timeline's lanes.
fn headline(out: &mut String, result: &CheckResult) {
    let total = result.counts.violations();
    if total == 0 {
        out.push_str("<p class=headline>No violations.</p>");
        return;
    }
    let _ = write!(out, "<p class=headline><b>{total} violation(s):</b>");
    for class in Class::violations() {
        let n = result.counts.get(class);
        if n > 0 {
            let _ = write!(
                out,
                "<span class=key style=\"background:{}\"></span>{} <b>{n}</b>",
                class_colour(class),
                class.as_str()
            );
        }
    }
    out.push_str("</p>");
}

/// What the timeline's marks mean, with a swatch per fault kind that fired and per
/// violation class present, for a reader (or a printout) that cannot hover.
fn timeline_legend(out: &mut String, run: &RunRecord, result: &CheckResult) {
    out.push_str("<p class=legend>Blue bars: invoices issued per time bucket. One lane per fault kind (each scaled to its own busiest bucket) and per violation class (a mark at each violating invoice's issue time). <b>▼</b> a fire that caused a violation. Shaded: maintenance windows. Dashed lines: steps.<br>");
    let mut kinds: Vec<&str> = Vec::new();
    for kind in run.journal.iter().filter_map(fire_kind) {
        if !kinds.contains(&kind) {
            kinds.push(kind);
        }
    }
    kinds.sort_unstable();
    if !kinds.is_empty() {
        out.push_str("Fault kinds:");
        for kind in kinds {
            let _ = write!(
                out,
                "<span class=key style=\"background:{}\"></span>{}",
                fault_colour(kind),
                esc(kind)
            );
        }
        out.push_str("<br>");
    }
    let classes: Vec<Class> = Class::violations()
        .filter(|c| result.violations.iter().any(|v| v.class == *c))
        .collect();
    if !classes.is_empty() {
        out.push_str("Violations:");
        for class in classes {
            let _ = write!(
                out,
                "<span class=key style=\"background:{}\"></span>{}",
                class_colour(class),
                class.as_str()
            );
        }
    }
    out.push_str("</p>\n");
}

/// The class and cause selectors, each listing what the shown violations hold.
/// Hidden until the page's script runs, so that without it every violation shows.
fn filter_form(out: &mut String, listed: &[Violation]) {
    let mut classes: Vec<Class> = listed.iter().map(|v| v.class).collect();
    classes.sort_unstable();
    classes.dedup();
    let mut causes: Vec<String> = listed.iter().map(cause_rule).collect();
    causes.sort_unstable();
    causes.dedup();
    out.push_str(
        "<form id=filter hidden><label>class <select id=f-class><option value=\"\">any</option>",
    );
    for class in classes {
        let _ = write!(out, "<option>{}</option>", class.as_str());
    }
    out.push_str(
        "</select></label><label>cause <select id=f-cause><option value=\"\">any</option>",
    );
    for cause in causes {
        let _ = write!(out, "<option>{}</option>", esc(&cause));
    }
    out.push_str("</select></label><span id=f-shown></span></form>");
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
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">{CSP}<title>{} — {}</title><style>{STYLE}</style></head><body>",
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
    headline(&mut out, result);
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
        // A failing run outranks its inconclusive reasons; they still need saying.
        out.push_str(if verdict == Verdict::Inconclusive {
            "<h2>Why the run is inconclusive</h2><ul>"
        } else {
            "<h2>What the run cannot vouch for</h2><ul>"
        });
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
    out.push_str("<h2>Timeline</h2>");
    out.push_str(&render_svg(run, result));
    timeline_legend(&mut out, run, result);
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
        let listed = &result.violations[..shown];
        filter_form(&mut out, listed);
        out.push_str("<div id=violations>");
        for (i, v) in listed.iter().enumerate() {
            violation(&mut out, v, i < OPEN_VIOLATIONS);
        }
        out.push_str("</div>");
        out.push_str(FILTER_SCRIPT);
    }
    out.push_str("</body></html>\n");
    out
}
