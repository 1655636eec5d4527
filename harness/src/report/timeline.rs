//! The inline SVG timeline of `report.html`: issue rate; one lane per fault kind,
//! coloured by kind, with the fires that caused a violation marked; one lane per
//! violation class; maintenance windows as shaded bands; labelled step markers.
//! Each lane is scaled on its own, so a frequent kind (latency) cannot hide a rare one.

use std::collections::BTreeMap;
use std::fmt::Write;

use chrono::{DateTime, Utc};
use tax_api::JournalEntry;

use super::html::esc;
use super::palette::{causing_fires, class_colour, fault_colour, fire_kind};
use crate::check::{CheckResult, Class};
use crate::outcome::RunRecord;

const BUCKETS: usize = 80;
const WIDTH: f64 = 960.0;
/// Room for lane labels such as `duplicate_without_pointer 21`.
const LEFT: f64 = 200.0;
const PLOT: f64 = WIDTH - LEFT - 16.0;
const LABEL_ROW: f64 = 13.0;
const ISSUE_HEIGHT: f64 = 44.0;
const LANE: f64 = 15.0;
const GAP: f64 = 8.0;
/// Step markers closer than this (in px) share one label.
const MERGE_PX: f64 = 4.0;

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

fn secs(ms: u64) -> f64 {
    ms as f64 / 1000.0
}

/// Bars per time bucket in one lane `(top, height)`, scaled on the lane's own maximum.
fn bars(
    out: &mut String,
    counts: &[u64; BUCKETS],
    lane: (f64, f64),
    style: &str,
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
        // A single fire still shows: at least a third of the lane.
        let h = (lane.1 * n as f64 / max as f64).max(lane.1 / 3.0);
        let _ = write!(
            out,
            r#"<rect {style} x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}"><title>{n} {unit} between {:.1} s and {:.1} s</title></rect>"#,
            LEFT + width * i as f64,
            lane.0 + lane.1 - h,
            (width - 0.5).max(1.0),
            h,
            bucket_ms * i as f64 / 1000.0,
            bucket_ms * (i + 1) as f64 / 1000.0,
        );
    }
}

fn lane_label(out: &mut String, top: f64, height: f64, colour: Option<&str>, text: &str) {
    let y = top + height - 3.0;
    if let Some(colour) = colour {
        let _ = write!(
            out,
            r#"<rect class="swatch" x="4" y="{:.1}" width="10" height="10" fill="{colour}"/>"#,
            y - 9.0
        );
    }
    let _ = write!(
        out,
        r#"<text class="label" x="{:.1}" y="{y:.1}" text-anchor="end">{}</text>"#,
        LEFT - 6.0,
        esc(text)
    );
}

/// Maintenance windows from the timeline: each start paired with the next end; an
/// open one runs to the end of the plot.
fn maintenance_windows(run: &RunRecord, span: u64) -> Vec<(u64, u64, &str)> {
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
    windows
}

/// The short label a timeline event's marker carries.
fn step_label(kind: &str) -> &str {
    match kind {
        "restart" | "restarted" => "restart_client",
        "settle" | "settled" => "settle",
        "maintenance_start" | "maintenance_end" => "maintenance",
        "clear_faults" => "clear",
        other => other,
    }
}

/// One labelled marker: events at (almost) the same spot with the same label merge.
struct Marker {
    at_ms: u64,
    label: String,
    details: Vec<String>,
    /// Steps merged into this marker (ends of steps not counted).
    count: usize,
    row: usize,
}

fn step_markers(run: &RunRecord, span: u64) -> Vec<Marker> {
    let mut markers: Vec<Marker> = Vec::new();
    for e in &run.timeline {
        let label = step_label(&e.kind);
        let detail = format!("{:.3} s {}: {}", secs(e.at_ms), e.kind, e.detail);
        // The end of a step (`settled`, `restarted`, `maintenance_end`) adds to the
        // hover text of its start instead of drawing a second marker.
        let ends_step = matches!(e.kind.as_str(), "settled" | "restarted" | "maintenance_end");
        if let Some(last) = markers.iter_mut().rev().find(|m| {
            m.label == label
                && (ends_step || (x(e.at_ms, span) - x(m.at_ms, span)).abs() < MERGE_PX)
        }) {
            last.details.push(detail);
            if !ends_step {
                last.count += 1;
            }
            continue;
        }
        markers.push(Marker {
            at_ms: e.at_ms,
            label: label.to_string(),
            details: vec![detail],
            count: 1,
            row: 0,
        });
    }
    // Labels that would overlap go one row further down.
    let mut row_ends: Vec<f64> = Vec::new();
    for m in &mut markers {
        let start = x(m.at_ms, span);
        let text = if m.count > 1 {
            format!("{} ×{}", m.label, m.count)
        } else {
            m.label.clone()
        };
        let end = start + 6.5 * text.chars().count() as f64 + 6.0;
        m.row = row_ends
            .iter()
            .position(|&e| e <= start)
            .unwrap_or(row_ends.len());
        if m.row == row_ends.len() {
            row_ends.push(end);
        } else {
            row_ends[m.row] = end;
        }
        m.label = text;
    }
    markers
}

/// One lane per fault kind that fired, in the order the run's rules were listed.
struct FaultLane<'a> {
    kind: &'a str,
    counts: [u64; BUCKETS],
    total: u64,
}

fn fault_lanes(run: &RunRecord, span: u64) -> Vec<FaultLane<'_>> {
    let mut order: Vec<&str> = run.fault_stats.iter().map(|s| s.kind.as_str()).collect();
    let mut lanes: BTreeMap<&str, FaultLane<'_>> = BTreeMap::new();
    for e in &run.journal {
        let Some(kind) = fire_kind(e) else { continue };
        if !order.contains(&kind) {
            order.push(kind);
        }
        let lane = lanes.entry(kind).or_insert_with(|| FaultLane {
            kind,
            counts: [0; BUCKETS],
            total: 0,
        });
        lane.counts[bucket(journal_ms(run.started_at, e), span)] += 1;
        lane.total += 1;
    }
    let mut ordered = Vec::new();
    for kind in order {
        if let Some(lane) = lanes.remove(kind) {
            ordered.push(lane);
        }
    }
    ordered
}

/// Renders the timeline as one `<svg>` element.
pub(crate) fn render_svg(run: &RunRecord, result: &CheckResult) -> String {
    let span = span_ms(run);
    let markers = step_markers(run, span);
    let label_rows = markers.iter().map(|m| m.row + 1).max().unwrap_or(0) as f64;
    let lanes = fault_lanes(run, span);
    let classes: Vec<Class> = Class::violations()
        .filter(|c| result.violations.iter().any(|v| v.class == *c))
        .collect();

    let plot_top = 4.0 + LABEL_ROW * label_rows + 4.0;
    let issue_lane = (plot_top, ISSUE_HEIGHT);
    let faults_top = plot_top + ISSUE_HEIGHT + GAP;
    let violations_top = faults_top + LANE * lanes.len().max(1) as f64 + GAP;
    let axis_y = violations_top + LANE * classes.len().max(1) as f64 + 4.0;
    let height = axis_y + 20.0;

    let mut out = String::new();
    let _ = write!(
        out,
        r#"<svg id="timeline" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height:.0}" role="img" aria-label="run timeline">"#
    );
    for (start, end, detail) in maintenance_windows(run, span) {
        let _ = write!(
            out,
            r#"<rect class="maintenance" x="{:.1}" y="{plot_top:.1}" width="{:.1}" height="{:.1}"><title>maintenance {:.1} s – {:.1} s: {}</title></rect>"#,
            x(start, span),
            (x(end, span) - x(start, span)).max(1.0),
            axis_y - plot_top,
            secs(start),
            secs(end),
            esc(detail)
        );
    }

    let mut issued = [0u64; BUCKETS];
    for i in &run.issued {
        issued[bucket(i.at_ms, span)] += 1;
    }
    bars(
        &mut out,
        &issued,
        issue_lane,
        r#"class="issued""#,
        "invoices issued",
        span,
    );
    let issued_max = issued.iter().copied().max().unwrap_or(0);
    lane_label(
        &mut out,
        plot_top,
        ISSUE_HEIGHT,
        None,
        &format!("issued {} (max {issued_max}/bucket)", run.issued.len()),
    );

    if lanes.is_empty() {
        lane_label(&mut out, faults_top, LANE, None, "no fault fired");
    }
    for (i, lane) in lanes.iter().enumerate() {
        let top = faults_top + LANE * i as f64;
        let colour = fault_colour(lane.kind);
        let style = format!(
            r#"class="fault" data-kind="{}" fill="{colour}""#,
            esc(lane.kind)
        );
        bars(
            &mut out,
            &lane.counts,
            (top + 2.0, LANE - 3.0),
            &style,
            &format!("{} fires", esc(lane.kind)),
            span,
        );
        lane_label(
            &mut out,
            top,
            LANE,
            Some(colour),
            &format!("{} {}", lane.kind, lane.total),
        );
    }
    // The fires that caused a violation: a dark triangle on their kind's lane.
    for v in &result.violations {
        for e in causing_fires(v) {
            let Some(i) = fire_kind(e).and_then(|k| lanes.iter().position(|l| l.kind == k)) else {
                continue;
            };
            let cx = x(journal_ms(run.started_at, e), span);
            let top = faults_top + LANE * i as f64;
            let _ = write!(
                out,
                r#"<path class="cause" d="M{:.1} {:.1}h8l-4 7z"><title>{:.3} s: {} (rule {}) caused {} {}</title></path>"#,
                cx - 4.0,
                top,
                secs(journal_ms(run.started_at, e)),
                esc(fire_kind(e).unwrap_or("")),
                esc(e.rule.as_deref().unwrap_or("")),
                v.class.as_str(),
                esc(&v.number)
            );
        }
    }

    if classes.is_empty() {
        lane_label(&mut out, violations_top, LANE, None, "no violations");
    }
    for (i, class) in classes.iter().enumerate() {
        let top = violations_top + LANE * i as f64;
        let colour = class_colour(*class);
        let of_class: Vec<_> = result
            .violations
            .iter()
            .filter(|v| v.class == *class)
            .collect();
        for v in &of_class {
            let Some(at) = v.client.issued_at_ms else {
                continue;
            };
            let _ = write!(
                out,
                r#"<rect class="violation" data-class="{}" x="{:.1}" y="{:.1}" width="2" height="{:.1}" fill="{colour}"><title>{} {} issued at {:.3} s</title></rect>"#,
                class.as_str(),
                x(at, span) - 1.0,
                top + 2.0,
                LANE - 3.0,
                class.as_str(),
                esc(&v.number),
                secs(at)
            );
        }
        lane_label(
            &mut out,
            top,
            LANE,
            Some(colour),
            &format!("{} {}", class.as_str(), of_class.len()),
        );
    }

    for m in &markers {
        let mx = x(m.at_ms, span);
        let label_y = 4.0 + LABEL_ROW * (m.row as f64 + 1.0) - 3.0;
        let _ = write!(
            out,
            r#"<g class="step"><title>{}</title><line class="event" x1="{mx:.1}" y1="{:.1}" x2="{mx:.1}" y2="{axis_y:.1}"/><text class="steplabel" x="{:.1}" y="{label_y:.1}">{}</text></g>"#,
            esc(&m.details.join("\n")),
            label_y - 9.0,
            mx + 2.0,
            esc(&m.label)
        );
    }
    let _ = write!(
        out,
        r#"<line class="axisline" x1="{LEFT}" y1="{axis_y:.1}" x2="{:.1}" y2="{axis_y:.1}"/>"#,
        LEFT + PLOT
    );
    for q in 0..=4u64 {
        let at = span * q / 4;
        let _ = write!(
            out,
            r#"<text class="axis" x="{:.1}" y="{:.1}" text-anchor="middle">{:.1} s</text>"#,
            x(at, span),
            axis_y + 15.0,
            secs(at)
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
