//! After the steps: read what the client believes and what the platform holds.

use serde_json::Value;
use tax_api::{JournalEntry, Ledger, TruthSnapshot};

use crate::client::ClientSystem;
use crate::outcome::{RuleStats, RunProblem};
use crate::platform::PlatformHandle;

/// Everything read at the end of a run.
pub struct Collected {
    pub ledger: Option<Ledger>,
    pub truth: Option<TruthSnapshot>,
    pub journal: Vec<JournalEntry>,
    pub plan: Value,
    pub fault_stats: Vec<RuleStats>,
    pub problems: Vec<RunProblem>,
}

/// Reads the ledger, truth, journal, plan and fault statistics; what cannot be read
/// becomes a problem (the verdict is then inconclusive), never an abort.
pub async fn collect(platform: &PlatformHandle, client: Option<&ClientSystem>) -> Collected {
    let mut problems = Vec::new();
    let ledger = match client {
        Some(c) => match c.ledger().await {
            Ok(l) => Some(l),
            Err(e) => {
                problems.push(RunProblem::LedgerUnreadable {
                    detail: e.to_string(),
                });
                None
            }
        },
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
    let plan = control.plan().await.unwrap_or_else(|e| {
        tracing::warn!("{e}");
        Value::Null
    });
    let fault_stats = match control.stats().await {
        Ok(v) => rule_stats(&v),
        Err(e) => {
            tracing::warn!("{e}");
            Vec::new()
        }
    };
    Collected {
        ledger,
        truth,
        journal,
        plan,
        fault_stats,
        problems,
    }
}

/// Reads `GET /_chaos/stats`: a list of rule statistics, or an object holding one under `rules`.
fn rule_stats(v: &Value) -> Vec<RuleStats> {
    let list = v.get("rules").unwrap_or(v);
    serde_json::from_value(list.clone()).unwrap_or_else(|e| {
        tracing::warn!("GET /_chaos/stats: unexpected shape: {e}");
        Vec::new()
    })
}
