//! Deferred work the schedule owes the store — periodic checkpoints and the
//! migrations of windows that have ended — done lazily at the start of every
//! request, so paused test time works and no background task is needed. Each piece
//! happens as of its own moment (a migration only sees records written before its
//! window ended), however late the next request comes.

use std::collections::HashMap;
use std::time::Duration;

use http::Method;
use tax_api::{Integrity, Route, StoreEffect};

use tax_api::control::MigrationReport;

use crate::chaos::maintenance::DueMigration;
use crate::chaos::migration::{self, MigrationFate, RecordDescriptor};
use crate::chaos::{millis, Due};
use crate::state::AppState;
use crate::store::journal::Entry;
use crate::store::Record;

/// Does everything due by run time `now`.
pub fn tick(state: &AppState, now: Duration) {
    for due in state.chaos.take_due(now) {
        match due {
            Due::Checkpoint(through) => {
                checkpoint(state, through);
            }
            Due::Migrate(m) => migrate(state, &m),
        }
    }
}

/// Run-clock time a record was written at.
fn written_at(state: &AppState, record: &Record) -> Duration {
    (record.persisted_at - state.clock.wall_at(Duration::ZERO))
        .to_std()
        .unwrap_or_default()
}

/// Marks every record written before plan time `through` as checkpointed; returns
/// how many were newly covered.
pub fn checkpoint(state: &AppState, through: Duration) -> usize {
    let started = state.chaos.started();
    let epoch = state.clock.wall_at(Duration::ZERO);
    let mut newly = 0;
    state.store.update_all(|_, record| {
        let written = (record.persisted_at - epoch).to_std().unwrap_or_default();
        if !record.checkpointed && written.saturating_sub(started) < through {
            record.checkpointed = true;
            newly += 1;
        }
    });
    newly
}

/// Runs one window's migration against the store and journals it.
fn migrate(state: &AppState, due: &DueMigration) {
    let Some(plan) = &due.migration else {
        journal(
            state,
            due,
            None,
            "maintenance window ended; no migration".into(),
            StoreEffect::None,
        );
        return;
    };
    let started = state.chaos.started();
    // Pass 1: describe the live records written before the window ended.
    let mut keys: Vec<(String, Duration, bool)> = Vec::new();
    state.store.update_all(|seller, record| {
        let written = written_at(state, record).saturating_sub(started);
        if record.has_stored() && written < due.ended_at {
            keys.push((record_key(seller, record), written, record.checkpointed));
        }
    });
    let descriptors: Vec<RecordDescriptor<'_>> = keys
        .iter()
        .map(|(key, written_at, checkpointed)| RecordDescriptor {
            key,
            written_at: *written_at,
            checkpointed: *checkpointed,
        })
        .collect();
    let eligible = descriptors
        .iter()
        .filter(|d| !d.checkpointed || plan.since == crate::chaos::plan::MigrationSince::Start)
        .count() as u64;
    let chosen = migration::choose(state.config.seed, &due.window, plan, &descriptors);
    let fates: HashMap<String, MigrationFate> = chosen
        .iter()
        .map(|&(i, fate)| (keys[i].0.clone(), fate))
        .collect();
    // Pass 2: apply the fates.
    let mut report = MigrationReport {
        window: due.window.clone(),
        ended_at_ms: millis(due.ended_at),
        eligible,
        lost: Vec::new(),
        stripped: Vec::new(),
        reverted: Vec::new(),
    };
    let mut touched: Vec<(String, String, MigrationFate)> = Vec::new();
    state.store.update_all(|seller, record| {
        let key = record_key(seller, record);
        let Some(&fate) = fates.get(&key) else { return };
        if !record.has_stored() {
            return;
        }
        // What the client sent stays known after the stored copy changes.
        record.pin_sent_hash();
        match fate {
            MigrationFate::Lost | MigrationFate::Revert => {
                // Nothing older than the checkpoint exists for a record created since,
                // so a revert removes it just as a loss does.
                record.set_stored(None);
                record.integrity = Integrity::LostInMigration;
            }
            MigrationFate::StripLines => {
                if let Some(mut stored) = record.stored() {
                    stored.lines.clear();
                    record.set_stored(Some(stored));
                }
                record.integrity = Integrity::Partial;
            }
        }
        record.set_cause(format!("{} ({})", due.window, fate_name(fate)));
        match fate {
            MigrationFate::Lost => report.lost.push(key.clone()),
            MigrationFate::StripLines => report.stripped.push(key.clone()),
            MigrationFate::Revert => report.reverted.push(key.clone()),
        }
        touched.push((seller.to_owned(), record.number.to_string(), fate));
    });
    let summary = format!(
        "migration after {}: {} eligible, {} lost, {} stripped, {} reverted",
        due.window,
        eligible,
        report.lost.len(),
        report.stripped.len(),
        report.reverted.len()
    );
    tracing::info!(window = %due.window, "{summary}");
    journal(state, due, None, summary, StoreEffect::Migration);
    for (seller, number, fate) in touched {
        journal(
            state,
            due,
            Some((seller, number)),
            format!("{} by the migration after {}", fate_name(fate), due.window),
            StoreEffect::Migration,
        );
    }
    state.chaos.record_migration(report);
}

fn record_key(seller: &str, record: &Record) -> String {
    format!("{seller}/{}", record.number)
}

fn fate_name(fate: MigrationFate) -> &'static str {
    match fate {
        MigrationFate::Lost => "lost",
        MigrationFate::StripLines => "lines stripped",
        MigrationFate::Revert => "reverted",
    }
}

/// Appends a platform-side journal entry for a migration.
fn journal(
    state: &AppState,
    due: &DueMigration,
    record: Option<(String, String)>,
    note: String,
    effect: StoreEffect,
) {
    let at = state.chaos.started().saturating_add(due.ended_at);
    let (seller, number) = match record {
        Some((s, n)) => (Some(s), Some(n)),
        None => (None, None),
    };
    let method = Method::from_bytes(b"MIGRATE").unwrap_or(Method::POST);
    let mut entry = Entry::new(
        at,
        state.clock.wall_at(at),
        Route::Control,
        method,
        format!("/_chaos/maintenance/{}", due.window),
    );
    entry.seller_tax_id = seller;
    entry.number = number;
    entry.rule = Some(due.window.clone());
    entry.fault = Some("migration".into());
    entry.effect = effect;
    entry.note = Some(note);
    state.journal.append(entry);
}
