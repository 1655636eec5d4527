//! The steps of a scenario: one variant of [`Step`] per step kind (DESIGN §4).

use std::num::{NonZeroU64, NonZeroUsize};

use serde::{Deserialize, Serialize};

use mock_tax_platform::plan::{FaultRule, MaintenanceWindow};

use super::values::{HumanDuration, On};

/// One `[[steps]]` entry. Each entry holds exactly one action; steps run in order,
/// except that `issue` keeps issuing in the background while later steps run.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    /// Start issuing invoices to the client in the background.
    Issue(IssueStep),
    /// Add one fault rule to the platform's plan, in the plan's own shape
    /// (`kind` plus its settings and targeting), so every kind the platform knows works.
    Fault(FaultRule),
    /// Remove every fault rule.
    ClearFaults(On),
    /// Do nothing for a while (issue steps keep running).
    Wait(HumanDuration),
    /// Open a maintenance window (a plan window: `duration`, `reads`, `migration`, …)
    /// now, and wait until it has ended.
    Maintenance(MaintenanceWindow),
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
    #[serde(
        default = "default_concurrency",
        deserialize_with = "bounded_concurrency"
    )]
    pub concurrency: NonZeroUsize,
}

/// The most invoices one issue step may keep in flight: far more than a client on one
/// machine serves, and far below what the issuer's semaphore can count.
pub const MOST_IN_FLIGHT: usize = 10_000;

fn default_concurrency() -> NonZeroUsize {
    NonZeroUsize::MIN.saturating_add(7)
}

fn bounded_concurrency<'de, D: serde::Deserializer<'de>>(d: D) -> Result<NonZeroUsize, D::Error> {
    let n = NonZeroUsize::deserialize(d)?;
    if n.get() > MOST_IN_FLIGHT {
        return Err(serde::de::Error::custom(format!(
            "expected at most {MOST_IN_FLIGHT} invoices in flight, found {n}"
        )));
    }
    Ok(n)
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
