//! Maintenance windows and their migrations as results of their own: when each window
//! was open and whether reads were allowed, what each migration lost, stripped or
//! reverted, and how many of the invoices it touched the client caught (flagged, or
//! uploaded again so the platform holds them intact) versus missed (a violation).

use std::collections::HashMap;

use mock_tax_platform::plan::{MaintenanceWindow, MigrationSince};
use serde::{Deserialize, Serialize};
use tax_api::control::MigrationReport;

use super::class::Class;
use crate::outcome::RunRecord;

/// The run's maintenance windows and migrations.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Maintenance {
    /// Each window the run opened, in order.
    pub windows: Vec<WindowSpan>,
    /// Each migration the platform ran at the end of one of those windows.
    pub migrations: Vec<MigrationOutcome>,
}

/// One maintenance window on the run's clock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WindowSpan {
    /// The window's name, when the script gave one.
    pub name: Option<String>,
    /// When it opened, in milliseconds since the run started.
    pub start_ms: u64,
    /// When it closed.
    pub end_ms: u64,
    /// Whether reads were answered during it (writes never are).
    pub reads_allowed: bool,
}

/// What one migration did and what the client made of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MigrationOutcome {
    /// The window whose end ran it.
    pub name: String,
    /// What it was set to do (`lose 3%, strip_lines 2%`).
    pub kind: String,
    /// Which records were eligible: `checkpoint` (written since the last checkpoint)
    /// or `start` (every record).
    pub since: String,
    /// Records it could touch.
    pub eligible: u64,
    /// Records it removed.
    pub lost: u64,
    /// Records it stripped of their lines.
    pub stripped: u64,
    /// Records it reverted.
    pub reverted: u64,
    /// Of the records it touched that this run judged, those that ended in a class
    /// that is not a violation: the client flagged them or uploaded them again.
    pub caught: u64,
    /// Those that ended as a violation: the client still believes them delivered.
    pub missed: u64,
}

/// The invoices migrations touched, by number, with the class each was judged into.
#[derive(Debug, Default)]
pub(super) struct Watch {
    by_number: HashMap<String, Vec<(String, Option<Class>)>>,
}

impl Watch {
    /// Watches every record a migration lost, stripped or reverted (`seller/number`).
    pub(super) fn new(migrations: &[MigrationReport]) -> Self {
        let mut by_number: HashMap<String, Vec<(String, Option<Class>)>> = HashMap::new();
        let keys = migrations
            .iter()
            .flat_map(|m| m.lost.iter().chain(&m.stripped).chain(&m.reverted));
        for key in keys {
            let (seller, number) = key.split_once('/').unwrap_or(("", key.as_str()));
            let sellers = by_number.entry(number.to_string()).or_default();
            if !sellers.iter().any(|(s, _)| s == seller) {
                sellers.push((seller.to_string(), None));
            }
        }
        Watch { by_number }
    }

    /// Records the class of a judged invoice, if a migration touched it. Without a
    /// seller (a number-only check) the number alone identifies it.
    pub(super) fn note(&mut self, seller: Option<&str>, number: &str, class: Class) {
        if self.by_number.is_empty() {
            return;
        }
        if let Some(sellers) = self.by_number.get_mut(number) {
            for (s, c) in sellers.iter_mut() {
                if seller.map_or(true, |w| w == s) && c.is_none() {
                    *c = Some(class);
                }
            }
        }
    }

    fn class_of(&self, key: &str) -> Option<Class> {
        let (seller, number) = key.split_once('/').unwrap_or(("", key));
        self.by_number
            .get(number)?
            .iter()
            .find(|(s, _)| s == seller)
            .and_then(|(_, c)| *c)
    }
}

fn percent(fraction: f64) -> String {
    let p = fraction * 100.0;
    if (p - p.round()).abs() < 1e-9 {
        format!("{}%", p.round())
    } else {
        format!("{p:.1}%")
    }
}

/// `lose 3%, strip_lines 2%` from the window's migration settings; from the fates
/// the platform counted when the settings are unknown.
fn kind(body: Option<&MaintenanceWindow>, m: &MigrationReport) -> String {
    let parts: Vec<String> = match body.and_then(|b| b.migration.as_ref()) {
        Some(plan) => [
            ("lose", plan.lose),
            ("strip_lines", plan.strip_lines),
            ("revert", plan.revert),
        ]
        .into_iter()
        .filter(|(_, f)| *f > 0.0)
        .map(|(name, f)| format!("{name} {}", percent(f)))
        .collect(),
        None => [
            ("lose", m.lost.len()),
            ("strip_lines", m.stripped.len()),
            ("revert", m.reverted.len()),
        ]
        .into_iter()
        .filter(|(_, n)| *n > 0)
        .map(|(name, _)| name.to_string())
        .collect(),
    };
    if parts.is_empty() {
        "none".to_string()
    } else {
        parts.join(", ")
    }
}

/// The windows the run opened, as sent, in order.
fn bodies(run: &RunRecord) -> Vec<Option<MaintenanceWindow>> {
    run.plan
        .get("maintenance")
        .and_then(|m| m.as_array())
        .map(|list| {
            list.iter()
                .map(|b| serde_json::from_value(b.clone()).ok())
                .collect()
        })
        .unwrap_or_default()
}

/// Pairs each `maintenance_start` event with the next `maintenance_end` and with
/// the window sent in the same order; a window still open runs to the run's end.
fn windows(run: &RunRecord, bodies: &[Option<MaintenanceWindow>]) -> Vec<WindowSpan> {
    let run_ms = u64::try_from((run.finished_at - run.started_at).num_milliseconds()).unwrap_or(0);
    let mut out: Vec<WindowSpan> = Vec::new();
    let mut open: Option<usize> = None;
    for e in &run.timeline {
        match e.kind.as_str() {
            "maintenance_start" => {
                let body = bodies.get(out.len()).and_then(Option::as_ref);
                let after = body.and_then(|b| b.after).unwrap_or_default();
                let start_ms = e.at_ms + after.as_millis() as u64;
                let lasts = body.map_or(0, |b| b.duration.as_millis() as u64);
                open = Some(out.len());
                out.push(WindowSpan {
                    name: body.and_then(|b| b.name.clone()),
                    start_ms,
                    end_ms: if lasts > 0 { start_ms + lasts } else { run_ms },
                    reads_allowed: !body.is_some_and(|b| b.reads),
                });
            }
            "maintenance_end" => {
                if let Some(w) = open.take().and_then(|i| out.get_mut(i)) {
                    w.end_ms = e.at_ms.max(w.start_ms);
                }
            }
            _ => {}
        }
    }
    out
}

/// The run's own migrations: those of the windows it named, then, for the windows it
/// left unnamed, the last ones under a name the platform generated (`maintenance#N`).
fn own_migrations<'a>(
    run: &'a RunRecord,
    bodies: &[Option<MaintenanceWindow>],
) -> Vec<(&'a MigrationReport, Option<MaintenanceWindow>)> {
    let named: Vec<&MaintenanceWindow> = bodies
        .iter()
        .flatten()
        .filter(|b| b.name.is_some())
        .collect();
    let unnamed: Vec<&MaintenanceWindow> = bodies
        .iter()
        .flatten()
        .filter(|b| b.name.is_none())
        .collect();
    let generated: Vec<&MigrationReport> = run
        .migrations
        .iter()
        .filter(|m| m.window.starts_with("maintenance#"))
        .collect();
    let skip = generated.len().saturating_sub(unnamed.len());
    let mut unnamed_bodies = unnamed.into_iter();
    let mut out = Vec::new();
    for m in &run.migrations {
        if let Some(body) = named.iter().find(|b| b.name.as_deref() == Some(&m.window)) {
            out.push((m, Some((*body).clone())));
        } else if generated[skip..].iter().any(|g| std::ptr::eq(*g, m)) {
            out.push((m, unnamed_bodies.next().cloned()));
        } else if bodies.is_empty() {
            // A hand-built or replayed record without its plan: report what is known.
            out.push((m, None));
        }
    }
    out
}

/// The maintenance part of the checker's result.
pub(super) fn summarise(run: &RunRecord, watch: &Watch) -> Maintenance {
    let bodies = bodies(run);
    let migrations = own_migrations(run, &bodies)
        .into_iter()
        .map(|(m, body)| {
            let touched = m.lost.iter().chain(&m.stripped).chain(&m.reverted);
            let classes: Vec<Class> = touched.filter_map(|k| watch.class_of(k)).collect();
            let missed = classes.iter().filter(|c| c.is_violation()).count() as u64;
            let since = body
                .as_ref()
                .and_then(|b| b.migration.as_ref())
                .map(|p| match p.since {
                    MigrationSince::Checkpoint => "checkpoint",
                    MigrationSince::Start => "start",
                });
            MigrationOutcome {
                name: m.window.clone(),
                kind: kind(body.as_ref(), m),
                since: since.unwrap_or("unknown").to_string(),
                eligible: m.eligible,
                lost: m.lost.len() as u64,
                stripped: m.stripped.len() as u64,
                reverted: m.reverted.len() as u64,
                caught: classes.len() as u64 - missed,
                missed,
            }
        })
        .collect();
    Maintenance {
        windows: windows(run, &bodies),
        migrations,
    }
}
