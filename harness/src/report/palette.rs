//! What the HTML pages colour and how: one fixed colour per fault kind and per
//! violation class (the same in every run, so a reader learns them once), and which
//! fault fire caused a violation.

use tax_api::{JournalEntry, StoreEffect};

use crate::check::{Class, Violation};

/// Colour of a fault kind's fires; kinds this build does not know share a grey.
pub(crate) fn fault_colour(kind: &str) -> &'static str {
    match kind {
        "drop_after_ack" => "#d62728",
        "partial_write" => "#ff7f0e",
        "corrupt" => "#8c564b",
        "duplicate" => "#9467bd",
        "duplicate_without_pointer" => "#c49bd9",
        "reject" => "#e377c2",
        "reset_before_store" => "#6b6b6b",
        "commit_then_reset" => "#bcbd22",
        "commit_then_timeout" => "#17becf",
        "timeout_before_store" => "#7ba7d9",
        "error_after_commit" => "#f2a641",
        "visibility_lag" => "#6fcf6f",
        "rate_limit" => "#2ca02c",
        "token_expiry" => "#f08fc0",
        "latency" => "#b5b5b5",
        "slow_query" => "#c9c95a",
        "stuck_processing" => "#5fc4d1",
        "maintenance" => "#4d4d4d",
        "migration" => "#393b79",
        _ => "#999999",
    }
}

/// Colour of a violation class's marks.
pub(crate) fn class_colour(class: Class) -> &'static str {
    match class {
        Class::Lost => "#c62828",
        Class::SilentPartial => "#ef6c00",
        Class::SilentCorruption => "#6a1b9a",
        Class::Duplicate => "#1565c0",
        Class::Unresolved => "#f9a825",
        Class::Forgotten => "#4e342e",
        Class::Unexpected => "#00838f",
        Class::ClientExited => "#37474f",
        Class::ContradictoryLedger => "#ad1457",
        Class::Ok | Class::FalseFlag | Class::Flagged | Class::Refused => "#777777",
    }
}

/// The kind a journal entry's fire is drawn as: its fault, else its rule.
pub(crate) fn fire_kind(e: &JournalEntry) -> Option<&str> {
    e.fault.as_deref().or(e.rule.as_deref())
}

/// Whether an entry's effect is damage a fault did to the record (as opposed to a
/// refusal or a delay, which a client can ride out).
fn damaging(effect: StoreEffect) -> bool {
    matches!(
        effect,
        StoreEffect::Dropped
            | StoreEffect::StoredPartial
            | StoreEffect::StoredCorrupted
            | StoreEffect::StoredDuplicate
            | StoreEffect::Migration
    )
}

/// The fires in a violation's chain that caused it: the fires of the rule the
/// platform names as the record's cause, else the fires whose effect damaged the
/// record. Empty when the chain shows no such fire (a client-side loss, say).
pub(crate) fn causing_fires(v: &Violation) -> Vec<&JournalEntry> {
    let fires = || v.chain.iter().filter(|e| e.rule.is_some());
    if let Some(cause) = v.platform.cause.as_deref() {
        // A migration's cause reads `upgrade (lost)`: the rule is its first word.
        let rule = cause.split(" (").next().unwrap_or(cause);
        let named: Vec<_> = fires()
            .filter(|e| e.rule.as_deref() == Some(rule) && damaging(e.effect))
            .collect();
        if !named.is_empty() {
            return named;
        }
    }
    fires().filter(|e| damaging(e.effect)).collect()
}

/// The rule a violation is filtered by in `report.html`: the rule of its causing
/// fire, else the platform's cause, else `none`.
pub(crate) fn cause_rule(v: &Violation) -> String {
    if let Some(rule) = causing_fires(v).first().and_then(|e| e.rule.as_deref()) {
        return rule.to_string();
    }
    match v.platform.cause.as_deref() {
        Some(cause) => cause.split(" (").next().unwrap_or(cause).to_string(),
        None => "none".to_string(),
    }
}
