//! Reads back a run's `report.json`: what the run index and `invoice-chaos diff`
//! need from it, and nothing else. Every field has a default, so reports written
//! before a field existed (or after one was added) still read.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::SCHEMA;

/// The schema family this reader understands; a later `v2` would need a new reader.
const SCHEMA_FAMILY: &str = "invoice-chaos/report/";

/// One run's report, as far as history and comparison need it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct RunReport {
    /// `invoice-chaos/report/v1`.
    pub schema: String,
    /// The scenario's name.
    pub scenario: String,
    /// The scenario's description.
    pub description: String,
    /// The master seed.
    pub seed: u64,
    /// Which client ran.
    pub client: ClientSummary,
    /// When the run started (RFC 3339, UTC).
    pub started_at: String,
    /// How long it ran.
    pub duration_ms: u64,
    /// `pass`, `fail` or `inconclusive`.
    pub verdict: String,
    /// Whether the checker could judge the invoices at all.
    pub judged: bool,
    /// Invoices per class (`ok`, `LOST`, …) and the other counters.
    pub counts: BTreeMap<String, serde_json::Value>,
    /// Each fault rule's fires.
    pub fault_fires: Vec<FireSummary>,
    /// Every violating invoice.
    pub violations: Vec<ViolationSummary>,
    /// Maintenance windows and migration outcomes, when the report lists them.
    pub maintenance: MaintenanceSummary,
    /// Why the run is inconclusive, if it is.
    pub inconclusive: Vec<serde_json::Value>,
}

/// The client of a run.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ClientSummary {
    /// `reference`, `command`, `url`, `ledger`.
    pub adapter: String,
    /// `naive` or `robust`, for the reference client.
    pub mode: Option<String>,
    /// The program or URL of other adapters.
    pub target: Option<String>,
}

impl ClientSummary {
    /// `reference naive`, `command ./billing`, …: the mode when there is one (the
    /// reference client's target is only the platform's passing address).
    pub fn label(&self) -> String {
        match self.mode.as_ref().or(self.target.as_ref()) {
            Some(part) => format!("{} {part}", self.adapter),
            None => self.adapter.clone(),
        }
    }
}

/// One fault rule's fires.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct FireSummary {
    /// The rule's name.
    pub rule: String,
    /// Its fault kind.
    pub kind: String,
    /// How often it fired.
    pub fired: u64,
}

/// One violating invoice.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ViolationSummary {
    /// `LOST`, `SILENT_PARTIAL`, …
    pub class: String,
    /// The invoice number.
    pub number: String,
    /// The one-line explanation.
    pub detail: String,
    /// The rule whose fire caused it, when the report names one.
    pub cause: Option<CauseSummary>,
    /// What the platform holds; its `cause` names the damaging rule in older reports.
    pub platform: PlatformSummary,
}

impl ViolationSummary {
    /// The rule that caused the violation, from whichever field the report has.
    pub fn cause_rule(&self) -> Option<&str> {
        self.cause
            .as_ref()
            .and_then(|c| c.rule.as_deref())
            .or(self.platform.cause.as_deref())
    }
}

/// The fault behind a violation.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct CauseSummary {
    /// The rule's name.
    pub rule: Option<String>,
    /// Its fault kind.
    pub kind: Option<String>,
}

/// What the platform holds of a violating invoice, as far as comparison needs it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct PlatformSummary {
    /// The rule the platform names as the damage's cause.
    pub cause: Option<String>,
}

/// The run's maintenance windows and migrations.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct MaintenanceSummary {
    /// Each migration's outcome.
    pub migrations: Vec<MigrationSummary>,
}

/// What one maintenance migration did, and how much of it the client caught.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct MigrationSummary {
    /// The maintenance window's name.
    pub name: String,
    /// The migration's kind.
    pub kind: String,
    /// Since when records were eligible (`checkpoint`, …).
    pub since: Option<String>,
    /// Records the migration could touch.
    pub eligible: u64,
    /// Records it removed.
    pub lost: u64,
    /// Records whose lines it stripped.
    pub stripped: u64,
    /// Records it reverted.
    pub reverted: u64,
    /// Affected invoices the client flagged or uploaded again.
    pub caught: u64,
    /// Affected invoices the client missed.
    pub missed: u64,
}

impl RunReport {
    /// The count of a class (`LOST`, `ok`, …); 0 when the report has none.
    pub fn count(&self, class: &str) -> u64 {
        self.counts
            .get(class)
            .and_then(serde_json::Value::as_u64)
            .unwrap_or(0)
    }
}

/// A `report.json` that cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The file is missing or unreadable.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// What the system said.
        #[source]
        source: std::io::Error,
    },
    /// The file is not a report of this tool.
    #[error("{path}:{line}:{column}: {message}")]
    Invalid {
        /// The file.
        path: String,
        /// Where the problem is.
        line: usize,
        /// Where the problem is.
        column: usize,
        /// What was expected and what was found.
        message: String,
    },
}

/// Where a run's `report.json` is: the file itself, or the run directory holding it.
pub(crate) fn report_path(run: &Path) -> PathBuf {
    if run.is_dir() {
        run.join("report.json")
    } else {
        run.to_path_buf()
    }
}

/// Reads and checks a run's `report.json` (`run` is the file or its directory).
pub fn read_report(run: &Path) -> Result<RunReport, ReadError> {
    let path = report_path(run);
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(&path).map_err(|source| ReadError::Io {
        path: shown.clone(),
        source,
    })?;
    let report: RunReport = serde_json::from_str(&text).map_err(|e| ReadError::Invalid {
        path: shown.clone(),
        line: e.line(),
        column: e.column(),
        // The position is in the prefix already.
        message: e
            .to_string()
            .rsplit_once(" at line ")
            .map_or_else(|| e.to_string(), |(m, _)| m.to_string()),
    })?;
    if !report.schema.starts_with(SCHEMA_FAMILY) || report.verdict.is_empty() {
        return Err(ReadError::Invalid {
            path: shown,
            line: 1,
            column: 1,
            message: format!(
                "expected a run report (schema {SCHEMA}), found schema {:?}",
                report.schema
            ),
        });
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_report_without_the_newer_fields_reads_with_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("report.json");
        std::fs::write(
            &path,
            r#"{"schema":"invoice-chaos/report/v1","verdict":"fail","counts":{"LOST":2},
               "violations":[{"class":"LOST","number":"N-1","platform":{"cause":"r1"}}]}"#,
        )
        .unwrap();

        let report = read_report(dir.path()).unwrap();

        assert_eq!(report.count("LOST"), 2);
        assert_eq!(report.count("DUPLICATE"), 0);
        assert_eq!(report.violations[0].cause_rule(), Some("r1"));
        assert!(report.maintenance.migrations.is_empty());
    }

    #[test]
    fn a_file_that_is_not_a_report_is_refused_with_its_position() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("report.json");
        std::fs::write(&path, "{\n  \"verdict\": 3\n}").unwrap();

        let err = read_report(&path).unwrap_err().to_string();

        assert!(err.contains("report.json:2:"), "{err}");
        std::fs::write(&path, r#"{"schema":"other","verdict":"pass"}"#).unwrap();
        let err = read_report(&path).unwrap_err().to_string();
        assert!(err.contains("expected a run report"), "{err}");
    }
}
