//! After the steps: read what the client believes and what the platform holds.

use tax_api::control::{MigrationReport, PlatformStats};
use tax_api::{JournalEntry, Ledger, TruthSnapshot};

use crate::check::ledger_file::declared_scope;
use crate::client::ClientSystem;
use crate::outcome::{JournalBudget, RuleFires, RunProblem, Scope};
use crate::platform::PlatformHandle;

/// Everything read at the end of a run.
#[derive(Default)]
pub struct Collected {
    pub ledger: Option<Ledger>,
    pub truth: Option<TruthSnapshot>,
    pub journal: Vec<JournalEntry>,
    /// Whether `journal` is the platform's (not empty for want of an answer).
    pub journal_read: bool,
    pub fault_stats: Vec<RuleFires>,
    pub journal_budget: Option<JournalBudget>,
    pub problems: Vec<RunProblem>,
    /// What a ledger file's columns declare about the records to check.
    pub scope: Scope,
    /// What the ledger reader tolerated, said once.
    pub notes: Vec<String>,
    /// What each maintenance window's migration did.
    pub migrations: Vec<MigrationReport>,
}

/// Reads the ledger, truth, journal and fault statistics; what cannot be read
/// becomes a problem (the verdict is then inconclusive), never an abort. `armed`
/// names the rules the run added and still in force: any other live rule was on the
/// platform before the run, so it is reported with `scheduled = false`.
pub async fn collect(
    platform: &PlatformHandle,
    client: Option<&ClientSystem>,
    removed_stats: Vec<RuleFires>,
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
    let (journal, journal_read) = match control.journal().await {
        Ok(j) => (j, true),
        Err(e) => {
            tracing::warn!("{e}");
            (Vec::new(), false)
        }
    };
    let mut migrations = Vec::new();
    let (fault_stats, journal_budget) = match control.stats().await {
        Ok(v) => {
            migrations = v.chaos.migrations.clone();
            let mut live = rule_stats(&v);
            for rule in &mut live {
                rule.scheduled = armed.contains(&rule.rule);
            }
            let mut all: Vec<RuleFires> = removed_stats
                .into_iter()
                .filter(|r| !live.iter().any(|l| l.rule == r.rule))
                .collect();
            all.extend(live);
            (all, journal_budget(&v))
        }
        Err(e) => {
            tracing::warn!("{e}");
            (Vec::new(), None)
        }
    };
    Collected {
        ledger,
        truth,
        journal,
        journal_read,
        fault_stats,
        journal_budget,
        problems,
        scope,
        notes,
        migrations,
    }
}

/// The journal's budget from `GET /_chaos/stats`; `None` when the platform reports none.
pub fn journal_budget(stats: &PlatformStats) -> Option<JournalBudget> {
    stats.journal.as_ref().map(|j| JournalBudget {
        dropped: j.dropped,
        first_dropped_at_ms: j.first_dropped_at_ms,
        limit_bytes: j.limit_bytes,
    })
}

/// `collecting`, given at most `bound` (an interrupted run); what it did not read
/// in time is a problem, as if it could not be read.
pub async fn within(
    bound: std::time::Duration,
    collecting: impl std::future::Future<Output = Collected>,
) -> Collected {
    match tokio::time::timeout(bound, collecting).await {
        Ok(c) => c,
        Err(_) => {
            let detail = format!(
                "the run was interrupted and this was not read within {}",
                humantime::format_duration(bound)
            );
            Collected {
                problems: vec![
                    RunProblem::LedgerUnreadable {
                        detail: detail.clone(),
                    },
                    RunProblem::TruthUnreadable { detail },
                ],
                ..Collected::default()
            }
        }
    }
}

/// Each rule's counts from `GET /_chaos/stats`, as the run's outcome reports them.
pub fn rule_stats(stats: &PlatformStats) -> Vec<RuleFires> {
    stats
        .chaos
        .rules
        .iter()
        .map(|r| RuleFires {
            rule: r.name.clone(),
            kind: r.kind.clone(),
            fired: r.fired,
            matched: r.matched,
            scheduled: true,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stats(value: serde_json::Value) -> PlatformStats {
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn the_journal_budget_is_read_from_the_stats_and_absent_from_older_platforms() {
        let with_budget = stats(serde_json::json!({
            "seed": 1, "rules": [], "checkpointed_through_ms": null,
            "journal": {"entries": 3, "bytes": 480, "limit_bytes": 500, "dropped": 2,
                        "first_dropped_at_ms": 15, "untied_dropped": 9}
        }));
        assert_eq!(
            journal_budget(&with_budget),
            Some(JournalBudget {
                dropped: 2,
                first_dropped_at_ms: Some(15),
                limit_bytes: 500
            })
        );
        let older = stats(serde_json::json!({"seed": 1, "rules": []}));
        assert_eq!(journal_budget(&older), None);
    }

    #[test]
    fn rule_counts_are_read_by_name_and_kind() {
        let read = rule_stats(&stats(serde_json::json!({
            "seed": 1,
            "rules": [{"name": "r1", "kind": "duplicate", "matched": 5, "fired": 2}]
        })));
        assert_eq!(
            read,
            vec![RuleFires {
                rule: "r1".into(),
                kind: "duplicate".into(),
                fired: 2,
                matched: 5,
                scheduled: true,
            }]
        );
    }
}
