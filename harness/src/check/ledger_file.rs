//! Reading a ledger exported by a client system, for `invoice-chaos check --ledger FILE`
//! (the `ledger` adapter): JSON lines of ledger entries, the `GET /ledger` JSON
//! document, or CSV with the header `number,status,reason,platform_ref`.
//!
//! Mistakes in the file are reported with its path, line and column, what was
//! expected and what was found.

use std::path::Path;

use chrono::{DateTime, Utc};
use tax_api::{Invoice, JournalEntry, Ledger, LedgerEntry, TruthSnapshot};

use crate::outcome::{ClientInfo, Expect, IssuedInvoice, RuleStats, RunProblem, RunRecord};

mod csv;

use csv::csv_entries;

/// The shapes a ledger export may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LedgerFormat {
    /// One `LedgerEntry` JSON object per line.
    JsonLines,
    /// One `{"entries": [...]}` document, as `GET /ledger` answers.
    JsonDocument,
    /// CSV with a header naming `number`, `status` and optionally `reason`, `platform_ref`.
    Csv,
}

impl LedgerFormat {
    /// Guesses the format from the file name, then from the content.
    pub fn detect(path: &Path, text: &str) -> LedgerFormat {
        match path.extension().and_then(|e| e.to_str()) {
            Some("csv") => return LedgerFormat::Csv,
            Some("jsonl") | Some("ndjson") => return LedgerFormat::JsonLines,
            _ => {}
        }
        let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
        if !first.trim_start().starts_with('{') {
            LedgerFormat::Csv
        } else if serde_json::from_str::<LedgerEntry>(first).is_ok() {
            LedgerFormat::JsonLines
        } else {
            LedgerFormat::JsonDocument
        }
    }
}

/// A ledger or issued-invoice file that could not be used.
#[derive(Debug, thiserror::Error)]
pub enum LedgerFileError {
    /// The file could not be read at all.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file as named by the user.
        path: String,
        /// What the system said.
        #[source]
        source: std::io::Error,
    },
    /// The file was read but its content is wrong at a known place.
    #[error("{path}:{line}:{column}: {message}")]
    Syntax {
        /// The file as named by the user.
        path: String,
        /// 1-based line.
        line: usize,
        /// 1-based column (in characters); 1 when only the line is known.
        column: usize,
        /// What was expected and what was found.
        message: String,
    },
}

pub(crate) fn syntax(
    path: &str,
    line: usize,
    column: usize,
    message: impl Into<String>,
) -> LedgerFileError {
    LedgerFileError::Syntax {
        path: path.to_string(),
        line,
        column,
        message: message.into(),
    }
}

/// serde_json's message without its own "at line L column C" suffix.
fn json_message(err: &serde_json::Error) -> String {
    let text = err.to_string();
    match text.rfind(" at line ") {
        Some(pos) => text[..pos].to_string(),
        None => text,
    }
}

/// Reads and parses a ledger export, detecting its format.
pub fn read_ledger_file(path: &Path) -> Result<Ledger, LedgerFileError> {
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| LedgerFileError::Io {
        path: name.clone(),
        source,
    })?;
    parse_ledger(&name, &text, LedgerFormat::detect(path, &text))
}

/// Parses a ledger export already in memory; `path` only names it in errors.
pub fn parse_ledger(
    path: &str,
    text: &str,
    format: LedgerFormat,
) -> Result<Ledger, LedgerFileError> {
    let entries = match format {
        LedgerFormat::JsonDocument => {
            let ledger: Ledger = serde_json::from_str(text)
                .map_err(|e| syntax(path, e.line(), e.column(), json_message(&e)))?;
            ledger.entries.into_iter().map(|e| (0, e)).collect()
        }
        LedgerFormat::JsonLines => json_lines::<LedgerEntry>(path, text)?,
        LedgerFormat::Csv => csv_entries(path, text)?,
    };
    // Repeated numbers are kept in file order: the checker tolerates identical
    // repeats and judges differing ones as CONTRADICTORY_LEDGER, whatever their order.
    let out = entries.into_iter().map(|(_, entry)| entry).collect();
    Ok(Ledger { entries: out })
}

/// Reads `--issued FILE`: JSON lines of invoices as the workload issued them. Each
/// counts as accepted by the client, issued at the start of the run.
pub fn read_issued_file(path: &Path) -> Result<Vec<IssuedInvoice>, LedgerFileError> {
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| LedgerFileError::Io {
        path: name.clone(),
        source,
    })?;
    Ok(json_lines::<Invoice>(&name, &text)?
        .into_iter()
        .map(|(_, invoice)| IssuedInvoice {
            invoice,
            accepted: true,
            at_ms: 0,
        })
        .collect())
}

fn json_lines<T: serde::de::DeserializeOwned>(
    path: &str,
    text: &str,
) -> Result<Vec<(usize, T)>, LedgerFileError> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let value = serde_json::from_str(line)
            .map_err(|e| syntax(path, i + 1, e.column().max(1), json_message(&e)))?;
        out.push((i + 1, value));
    }
    Ok(out)
}

/// What `invoice-chaos check --ledger FILE --platform-url URL [--issued FILE]` gathered.
#[derive(Debug, Clone)]
pub struct LedgerCheck<'a> {
    /// The exported ledger.
    pub ledger_path: &'a Path,
    /// The invoices the billing system issued (JSON lines of invoices), when known.
    pub issued_path: Option<&'a Path>,
    /// The platform the ledger is checked against.
    pub platform_url: &'a str,
    /// `GET /_chaos/truth`, or what went wrong fetching it.
    pub truth: Result<TruthSnapshot, String>,
    /// `GET /_chaos/journal` (empty when unavailable: chains are then empty).
    pub journal: Vec<JournalEntry>,
    /// The rules loaded on the platform, reported for information: a ledger check
    /// schedules none, so none has to fire (`scheduled` is false on each).
    pub fault_stats: Vec<RuleStats>,
    /// When the check started and ended (the caller's clock, so reports stay reproducible).
    pub started_at: DateTime<Utc>,
    /// See `started_at`.
    pub finished_at: DateTime<Utc>,
}

/// Builds the run record of a ledger check, ready for [`crate::check::check`] and the
/// reports. A file the user named that cannot be read or parsed is an error (bad
/// arguments); unreadable truth makes the run inconclusive instead. The platform URL
/// and issued file are kept in `plan` (`{"platform_url", "issued"}`), which a ledger
/// check does not otherwise use, so the replay command can name them.
pub fn ledger_run(input: LedgerCheck<'_>) -> Result<RunRecord, LedgerFileError> {
    let ledger = read_ledger_file(input.ledger_path)?;
    let issued = match input.issued_path {
        Some(path) => read_issued_file(path)?,
        None => Vec::new(),
    };
    let mut problems = Vec::new();
    let truth = match input.truth {
        Ok(truth) => Some(truth),
        Err(detail) => {
            problems.push(RunProblem::TruthUnreadable { detail });
            None
        }
    };
    let ledger_name = input.ledger_path.display().to_string();
    let issued_name = input.issued_path.map(|p| p.display().to_string());
    Ok(RunRecord {
        scenario: "ledger-check".to_string(),
        description: format!(
            "ledger {ledger_name} checked against {}",
            input.platform_url
        ),
        script_path: None,
        seed: truth.as_ref().map_or(0, |t| t.seed),
        client: ClientInfo {
            adapter: "ledger".to_string(),
            mode: None,
            target: Some(ledger_name),
        },
        started_at: input.started_at,
        finished_at: input.finished_at,
        issued,
        ledger: Some(ledger),
        truth,
        journal: input.journal,
        plan: serde_json::json!({"platform_url": input.platform_url, "issued": issued_name}),
        fault_stats: input
            .fault_stats
            .into_iter()
            .map(|s| RuleStats {
                scheduled: false,
                ..s
            })
            .collect(),
        expect: Expect {
            faults_must_fire: false,
            ..Expect::default()
        },
        problems,
        timeline: Vec::new(),
        replay_flags: Vec::new(),
    })
}
