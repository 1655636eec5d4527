//! The steps of a scenario: one variant of [`Step`] per step kind (DESIGN §4).

use std::num::{NonZeroU64, NonZeroUsize};

use serde::{Deserialize, Serialize};

use super::values::{Fraction, HumanDuration, On};

/// One `[[steps]]` entry. Each entry holds exactly one action; steps run in order,
/// except that `issue` keeps issuing in the background while later steps run.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    /// Start issuing invoices to the client in the background.
    Issue(IssueStep),
    /// Add one fault rule to the platform's plan.
    Fault(FaultStep),
    /// Remove every fault rule.
    ClearFaults(On),
    /// Do nothing for a while (issue steps keep running).
    Wait(HumanDuration),
    /// Open a maintenance window now, wait for it to end (and its migration to run).
    Maintenance(MaintenanceStep),
    /// Make everything the platform has stored so far durable across migrations.
    Checkpoint(On),
    /// Kill the client abruptly (SIGKILL) and start it again on the same state.
    RestartClient(On),
    /// Ask the client to reconcile now (`POST /reconcile`).
    Reconcile(On),
    /// Wait for the issue steps, reconcile, then wait until nothing is pending.
    Settle(SettleStep),
}

impl Step {
    /// The step's key as written in a script, for logs and the timeline.
    pub fn kind(&self) -> &'static str {
        match self {
            Step::Issue(_) => "issue",
            Step::Fault(_) => "fault",
            Step::ClearFaults(_) => "clear_faults",
            Step::Wait(_) => "wait",
            Step::Maintenance(_) => "maintenance",
            Step::Checkpoint(_) => "checkpoint",
            Step::RestartClient(_) => "restart_client",
            Step::Reconcile(_) => "reconcile",
            Step::Settle(_) => "settle",
        }
    }
}

/// `issue = { count = 500, rate = 200, concurrency = 8 }`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IssueStep {
    /// How many invoices to issue.
    pub count: NonZeroU64,
    /// Invoices per second; absent means as fast as `concurrency` allows.
    #[serde(default)]
    pub rate: Option<toml::Spanned<f64>>,
    /// Most invoices in flight to the client at once.
    #[serde(default = "default_concurrency")]
    pub concurrency: NonZeroUsize,
}

fn default_concurrency() -> NonZeroUsize {
    NonZeroUsize::MIN.saturating_add(7)
}

/// `fault = { kind = "partial_write", probability = 0.05, … }`: one fault rule, in the
/// platform plan's own shape, so every kind and setting the platform knows is accepted.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(transparent)]
pub struct FaultStep(pub toml::Table);

/// `maintenance = { duration = "2s", migration = { lose = 0.02, since = "checkpoint" } }`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MaintenanceStep {
    /// How long writes answer 503 `MAINTENANCE`.
    pub duration: HumanDuration,
    /// Whether reads are refused too.
    #[serde(default)]
    pub reads: bool,
    /// What the migration at the end of the window does to recent records.
    #[serde(default)]
    pub migration: Option<Migration>,
}

/// The migration run when a maintenance window ends.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Migration {
    /// Fraction of the exposed records the migration takes.
    pub lose: Fraction,
    /// Which records are exposed.
    #[serde(default)]
    pub since: MigrationSince,
    /// What happens to a record the migration takes.
    #[serde(default)]
    pub effect: MigrationEffect,
}

/// Which records a migration may take.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MigrationSince {
    /// Records written since the last checkpoint (not yet durable).
    #[default]
    Checkpoint,
    /// Records written since the start of the window.
    Window,
    /// Every record.
    Start,
}

/// What a migration does to a record it takes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MigrationEffect {
    /// The record disappears.
    #[default]
    Lose,
    /// The record keeps its header but loses its lines.
    DropLines,
    /// The record reverts to an older version.
    Revert,
}

/// `settle = { timeout = "30s" }`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SettleStep {
    /// How long to wait for the client to resolve everything after the issue steps end.
    #[serde(default = "default_settle_timeout")]
    pub timeout: HumanDuration,
}

fn default_settle_timeout() -> HumanDuration {
    HumanDuration(std::time::Duration::from_secs(30))
}
