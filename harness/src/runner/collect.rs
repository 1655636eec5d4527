//! After the steps: read what the client believes and what the platform holds.

use serde_json::Value;
use tax_api::{JournalEntry, Ledger, TruthSnapshot};

use crate::check::ledger_file::declared_scope;
use crate::client::ClientSystem;
use crate::outcome::{RuleStats, RunProblem, Scope};
use crate::platform::PlatformHandle;

/// Everything read at the end of a run.
pub struct Collected {
    pub ledger: Option<Ledger>,
    pub truth: Option<TruthSnapshot>,
    pub journal: Vec<JournalEntry>,
    pub fault_stats: Vec<RuleStats>,
    pub problems: Vec<RunProblem>,
    /// What a ledger file's columns declare about the records to check.
    pub scope: Scope,
    /// What the ledger reader tolerated, said once.
    pub notes: Vec<String>,
}

/// Reads the ledger, truth, journal and fault statistics; what cannot be read
/// becomes a problem (the verdict is then inconclusive), never an abort. `armed`
/// names the rules the run added and still in force: any other live rule was on the
/// platform before the run, so it is reported with `scheduled = false`.
pub async fn collect(
    platform: &PlatformHandle,
    client: Option<&ClientSystem>,
    removed_stats: Vec<RuleStats>,
    armed: &[String],
) -> Collected {
    let mut problems = Vec::new();
    let mut scope = Scope::default();
    let mut notes = Vec::new();
    let read = match client {
        Some(ClientSystem::Ledger(file)) => Some(file.read().map(|export| {
            scope = declared_scope(Scope::default(), &export);
            for note in &export.notes {
                tracing::warn!("{note}");
            }
            notes = export.notes;
            export.ledger
        })),
        Some(c) => Some(c.ledger().await),
        None => None,
    };
    let ledger = match read {
        Some(Ok(l)) => Some(l),
        Some(Err(e)) => {
            problems.push(RunProblem::LedgerUnreadable {
                detail: e.to_string(),
            });
            None
        }
        None => None,
    };
    let control = &platform.control;
    let truth = match control.truth().await {
        Ok(t) => Some(t),
        Err(e) => {
            problems.push(RunProblem::TruthUnreadable {
                detail: e.to_string(),
            });
            None
        }
    };
    let journal = control.journal().await.unwrap_or_else(|e| {
        tracing::warn!("{e}");
        Vec::new()
    });
    let fault_stats = match control.stats().await {
        Ok(v) => {
            let mut live = rule_stats(&v);
            for rule in &mut live {
                rule.scheduled = armed.contains(&rule.rule);
            }
            let mut all: Vec<RuleStats> = removed_stats
                .into_iter()
                .filter(|r| !live.iter().any(|l| l.rule == r.rule))
                .collect();
            all.extend(live);
            all
        }
        Err(e) => {
            tracing::warn!("{e}");
            Vec::new()
        }
    };
    Collected {
        ledger,
        truth,
        journal,
        fault_stats,
        problems,
        scope,
        notes,
    }
}

/// Reads `GET /_chaos/stats` (`{"rules": [{name, kind, matched, fired}], …}`).
pub fn rule_stats(v: &Value) -> Vec<RuleStats> {
    #[derive(serde::Deserialize)]
    struct Wire {
        name: String,
        kind: String,
        matched: u64,
        fired: u64,
    }
    let rules = v.get("rules").cloned().unwrap_or(Value::Null);
    match serde_json::from_value::<Vec<Wire>>(rules) {
        Ok(rules) => rules
            .into_iter()
            .map(|w| RuleStats {
                rule: w.name,
                kind: w.kind,
                fired: w.fired,
                matched: w.matched,
                scheduled: true,
            })
            .collect(),
        Err(e) => {
            tracing::warn!("GET /_chaos/stats: unexpected shape: {e}");
            Vec::new()
        }
    }
}
