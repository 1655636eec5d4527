//! The inline SVG timeline of `report.html`: issue rate, fault fires and violations
//! per time bucket, maintenance windows as shaded bands, and the run's other events.

use std::fmt::Write;

use chrono::{DateTime, Utc};
use tax_api::JournalEntry;

use super::html::esc;
use crate::check::CheckResult;
use crate::outcome::RunRecord;

const BUCKETS: usize = 60;
const WIDTH: f64 = 960.0;
const LEFT: f64 = 60.0;
const PLOT: f64 = WIDTH - LEFT - 20.0;
/// Rows: (label, top, height).
const ISSUE_ROW: (f64, f64) = (10.0, 100.0);
const FAULT_ROW: (f64, f64) = (125.0, 40.0);
const VIOLATION_ROW: (f64, f64) = (180.0, 40.0);
const AXIS_Y: f64 = 235.0;
const HEIGHT: f64 = 275.0;

/// A journal entry's time on the run's clock. The entry's `elapsed_ms` counts from
/// the platform's own start (or last reset), which is not the run's start — a
/// running platform may have been up for hours — so its wall-clock stamp is used,
/// and `elapsed_ms` only when the stamp does not parse.
fn journal_ms(started_at: DateTime<Utc>, entry: &JournalEntry) -> u64 {
    DateTime::parse_from_rfc3339(&entry.at)
        .ok()
        .map(|at| (at.with_timezone(&Utc) - started_at).num_milliseconds())
        .map_or(entry.elapsed_ms, |ms| u64::try_from(ms).unwrap_or(0))
}

fn span_ms(run: &RunRecord) -> u64 {
    let run_ms = super::text::duration_ms(run);
    let issued = run.issued.iter().map(|i| i.at_ms).max().unwrap_or(0);
    let events = run.timeline.iter().map(|e| e.at_ms).max().unwrap_or(0);
    let journal = run
        .journal
        .iter()
        .map(|e| journal_ms(run.started_at, e))
        .max()
        .unwrap_or(0);
    run_ms.max(issued).max(events).max(journal).max(1)
}

fn x(at_ms: u64, span: u64) -> f64 {
    LEFT + PLOT * (at_ms.min(span) as f64) / (span as f64)
}

fn bucket(at_ms: u64, span: u64) -> usize {
    ((at_ms.min(span) as u128 * BUCKETS as u128 / (span as u128 + 1)) as usize).min(BUCKETS - 1)
}

fn bars(
    out: &mut String,
    counts: &[u64; BUCKETS],
    row: (f64, f64),
    class: &str,
    unit: &str,
    span: u64,
) {
    let max = counts.iter().copied().max().unwrap_or(0).max(1);
    let width = PLOT / BUCKETS as f64;
    let bucket_ms = span as f64 / BUCKETS as f64;
    for (i, &n) in counts.iter().enumerate() {
        if n == 0 {
            continue;
        }
        let h = row.1 * n as f64 / max as f64;
        let _ = write!(
            out,
            r#"<rect class="{class}" x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}"><title>{n} {unit} between {:.1} s and {:.1} s</title></rect>"#,
            LEFT + width * i as f64,
            row.0 + row.1 - h,
            (width - 1.0).max(1.0),
            h,
            bucket_ms * i as f64 / 1000.0,
            bucket_ms * (i + 1) as f64 / 1000.0,
        );
    }
    let _ = write!(
        out,
        r#"<text class="axis" x="{:.1}" y="{:.1}" text-anchor="end">{max}</text>"#,
        LEFT - 6.0,
        row.0 + 10.0
    );
}

/// Renders the timeline as one `<svg>` element.
pub(crate) fn render_svg(run: &RunRecord, result: &CheckResult) -> String {
    let span = span_ms(run);
    let mut out = String::new();
    let _ = write!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="run timeline">"#
    );
    // Maintenance windows: pair each start with the next end; an open one runs to the end.
    let mut open: Option<(u64, &str)> = None;
    let mut windows = Vec::new();
    for e in &run.timeline {
        match e.kind.as_str() {
            "maintenance_start" => open = Some((e.at_ms, e.detail.as_str())),
            "maintenance_end" => {
                if let Some((start, detail)) = open.take() {
                    windows.push((start, e.at_ms, detail));
                }
            }
            _ => {}
        }
    }
    if let Some((start, detail)) = open {
        windows.push((start, span, detail));
    }
    for (start, end, detail) in windows {
        let _ = write!(
            out,
            r#"<rect class="maintenance" x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}"><title>maintenance {:.1} s – {:.1} s: {}</title></rect>"#,
            x(start, span),
            ISSUE_ROW.0,
            (x(end, span) - x(start, span)).max(1.0),
            VIOLATION_ROW.0 + VIOLATION_ROW.1 - ISSUE_ROW.0,
            start as f64 / 1000.0,
            end as f64 / 1000.0,
            esc(detail)
        );
    }
    let mut issued = [0u64; BUCKETS];
    for i in &run.issued {
        issued[bucket(i.at_ms, span)] += 1;
    }
    let mut faults = [0u64; BUCKETS];
    for e in run
        .journal
        .iter()
        .filter(|e| e.rule.is_some() || e.fault.is_some())
    {
        faults[bucket(journal_ms(run.started_at, e), span)] += 1;
    }
    let mut violations = [0u64; BUCKETS];
    for v in &result.violations {
        if let Some(at) = v.client.issued_at_ms {
            violations[bucket(at, span)] += 1;
        }
    }
    bars(
        &mut out,
        &issued,
        ISSUE_ROW,
        "issued",
        "invoices issued",
        span,
    );
    bars(&mut out, &faults, FAULT_ROW, "fault", "fault fires", span);
    bars(
        &mut out,
        &violations,
        VIOLATION_ROW,
        "violation",
        "violations (by issue time)",
        span,
    );
    for (label, row) in [
        ("issued", ISSUE_ROW),
        ("faults", FAULT_ROW),
        ("violations", VIOLATION_ROW),
    ] {
        let _ = write!(
            out,
            r#"<text class="label" x="{:.1}" y="{:.1}" text-anchor="end">{label}</text>"#,
            LEFT - 6.0,
            row.0 + row.1
        );
    }
    for e in run
        .timeline
        .iter()
        .filter(|e| !e.kind.starts_with("maintenance_"))
    {
        let ex = x(e.at_ms, span);
        let _ = write!(
            out,
            r#"<line class="event" x1="{ex:.1}" y1="{:.1}" x2="{ex:.1}" y2="{AXIS_Y:.1}"><title>{:.3} s {}: {}</title></line>"#,
            ISSUE_ROW.0,
            e.at_ms as f64 / 1000.0,
            esc(&e.kind),
            esc(&e.detail)
        );
    }
    let _ = write!(
        out,
        r#"<line class="axisline" x1="{LEFT}" y1="{AXIS_Y}" x2="{:.1}" y2="{AXIS_Y}"/>"#,
        LEFT + PLOT
    );
    for q in 0..=4u64 {
        let at = span * q / 4;
        let _ = write!(
            out,
            r#"<text class="axis" x="{:.1}" y="{:.1}" text-anchor="middle">{:.1} s</text>"#,
            x(at, span),
            AXIS_Y + 16.0,
            at as f64 / 1000.0
        );
    }
    out.push_str("</svg>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn journal_times_are_put_on_the_runs_clock_by_their_wall_stamp() {
        let started = DateTime::parse_from_rfc3339("2026-01-01T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let entry = |at: &str, elapsed_ms: u64| -> JournalEntry {
            serde_json::from_value(serde_json::json!({
                "seq": 0, "at": at, "elapsed_ms": elapsed_ms, "route": "upload",
                "method": "POST", "path": "/v1/invoices", "effect": "stored"
            }))
            .unwrap()
        };
        // A platform up for an hour before the run: elapsed_ms says 3 601 500.
        assert_eq!(
            journal_ms(started, &entry("2026-01-01T10:00:01.500Z", 3_601_500)),
            1500
        );
        // Before the run started (a reset racing the start): clamped to 0.
        assert_eq!(
            journal_ms(started, &entry("2026-01-01T09:59:59.000Z", 5)),
            0
        );
        // No usable stamp: the platform's own count.
        assert_eq!(journal_ms(started, &entry("garbage", 42)), 42);
    }
}
