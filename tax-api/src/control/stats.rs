//! `GET /_chaos/stats`: how often each fault rule matched and fired, what each
//! maintenance migration did, and how much of its budget the journal holds.

use serde::{Deserialize, Serialize};

/// The whole answer of `GET /_chaos/stats`: the fault engine's counts, with the
/// journal's usage beside them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlatformStats {
    /// Rule counters, migrations and the checkpoint mark.
    #[serde(flatten)]
    pub chaos: ChaosStats,
    /// The journal's size and losses; `None` from a platform that does not report them.
    #[serde(default)]
    pub journal: Option<JournalUsage>,
}

/// The fault engine's side of `GET /_chaos/stats`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChaosStats {
    /// The seed decisions are drawn from.
    pub seed: u64,
    /// Per rule, in plan order: how often it matched and fired.
    pub rules: Vec<RuleStats>,
    /// Every migration run so far.
    #[serde(default)]
    pub migrations: Vec<MigrationReport>,
    /// Plan time (ms) up to which records are checkpointed; `None` before the first.
    pub checkpointed_through_ms: Option<u64>,
}

/// How often one rule matched and fired.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleStats {
    /// The rule's name.
    pub name: String,
    /// Its fault kind.
    pub kind: String,
    /// Requests it matched (route, seller, prefix, window, applicability).
    pub matched: u64,
    /// Requests it fired on.
    pub fired: u64,
}

/// What one migration did. Run records keep it too; fields missing from an older
/// record read as zero or empty.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MigrationReport {
    /// The window whose end ran it.
    pub window: String,
    /// When the window ended, in plan time (milliseconds).
    #[serde(default)]
    pub ended_at_ms: u64,
    /// Records it could touch.
    #[serde(default)]
    pub eligible: u64,
    /// `seller/number` of each record lost.
    #[serde(default)]
    pub lost: Vec<String>,
    /// `seller/number` of each record stripped of its lines.
    #[serde(default)]
    pub stripped: Vec<String>,
    /// `seller/number` of each record reverted (removed when it had no older version).
    #[serde(default)]
    pub reverted: Vec<String>,
}

/// The journal's size and losses, under `journal` in `GET /_chaos/stats`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JournalUsage {
    /// Entries kept.
    pub entries: u64,
    /// Bytes they take, as the budget counts them.
    pub bytes: u64,
    /// The budget (`--journal-limit`).
    pub limit_bytes: u64,
    /// Entries about an invoice, a fault or a store change that were not kept
    /// because the budget was spent: causal chains from then on are incomplete.
    pub dropped: u64,
    /// Run time (ms) of the first dropped entry; `None` while nothing was dropped.
    pub first_dropped_at_ms: Option<u64>,
    /// Untied entries (401s, 404s, status polls) not kept.
    pub untied_dropped: u64,
}
