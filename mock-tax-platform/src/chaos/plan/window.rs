//! Maintenance windows and the migration that runs when one ends.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::duration;
use super::PlanError;

/// A maintenance window: writes (and reads, with `reads = true`) answer 503
/// `MAINTENANCE` with `Retry-After` and `/v1/status` says `maintenance`; when it ends
/// its migration, if any, runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MaintenanceWindow {
    /// Cited by the journal and the truth; generated (`maintenance#1`) when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Start, relative to the plan's start; absent: at once.
    #[serde(
        default,
        with = "duration::optional",
        skip_serializing_if = "Option::is_none"
    )]
    pub after: Option<Duration>,
    /// How long it lasts.
    #[serde(with = "duration::required")]
    pub duration: Duration,
    /// Whether reads are refused too.
    #[serde(default)]
    pub reads: bool,
    /// `Retry-After` sent; absent: the time left in the window, rounded up to seconds.
    #[serde(
        default,
        with = "duration::optional",
        skip_serializing_if = "Option::is_none"
    )]
    pub retry_after: Option<Duration>,
    /// What the migration at the end of the window does to recent records.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub migration: Option<Migration>,
}

impl MaintenanceWindow {
    /// A window starting at once, for `duration`, refusing writes only, without migration.
    pub fn now(duration: Duration) -> Self {
        MaintenanceWindow {
            name: None,
            after: None,
            duration,
            reads: false,
            retry_after: None,
            migration: None,
        }
    }

    /// Checks the duration and the migration's fractions.
    pub fn validate(&self) -> Result<(), PlanError> {
        let invalid = |message: String| PlanError::Invalid {
            what: format!(
                "maintenance window `{}`",
                self.name.as_deref().unwrap_or("maintenance")
            ),
            message,
        };
        if self.duration.is_zero() {
            return Err(invalid("expected a positive `duration`, found 0s".into()));
        }
        if let Some(m) = &self.migration {
            m.validate().map_err(invalid)?;
        }
        Ok(())
    }
}

/// Which records a migration may touch.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MigrationSince {
    /// Records not yet covered by a checkpoint (the realistic case).
    #[default]
    Checkpoint,
    /// Every record since the plan started, checkpointed or not.
    Start,
}

/// The migration run when a window ends. Fractions are of the eligible records
/// (written since the last checkpoint, and within `from`..`to` when given); exactly
/// `round(fraction × eligible)` records are chosen for each — at least `at_least` for
/// a fraction above 0 — disjointly, ordered by a hash of the seed, the window and the
/// record, so the choice is reproducible.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Migration {
    /// Fraction of eligible records lost outright.
    #[serde(default)]
    pub lose: f64,
    /// Fraction of eligible records that lose their line items.
    #[serde(default)]
    pub strip_lines: f64,
    /// Fraction of eligible records reverted to their checkpointed version; a record
    /// created since the checkpoint has none, so reverting it removes it.
    #[serde(default)]
    pub revert: f64,
    /// Which records are eligible.
    #[serde(default)]
    pub since: MigrationSince,
    /// Only records written at or after this offset from the plan's start.
    #[serde(
        default,
        with = "duration::optional",
        skip_serializing_if = "Option::is_none"
    )]
    pub from: Option<Duration>,
    /// Only records written before this offset from the plan's start.
    #[serde(
        default,
        with = "duration::optional",
        skip_serializing_if = "Option::is_none"
    )]
    pub to: Option<Duration>,
    /// Each fate with a fraction above 0 takes at least this many records, while
    /// eligible ones remain: a small run still loses one of its few records.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub at_least: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl Migration {
    fn validate(&self) -> Result<(), String> {
        for (key, f) in [
            ("lose", self.lose),
            ("strip_lines", self.strip_lines),
            ("revert", self.revert),
        ] {
            if !(0.0..=1.0).contains(&f) {
                return Err(format!(
                    "migration `{key}` must be within 0 and 1, found {f}"
                ));
            }
        }
        let sum = self.lose + self.strip_lines + self.revert;
        if sum > 1.0 + 1e-9 {
            return Err(format!(
                "migration fractions lose + strip_lines + revert must not exceed 1, found {sum}"
            ));
        }
        if let (Some(from), Some(to)) = (self.from, self.to) {
            if to <= from {
                return Err("migration `to` must come after `from`".into());
            }
        }
        Ok(())
    }
}
