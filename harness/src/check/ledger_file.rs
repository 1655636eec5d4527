//! Reading a ledger exported by a client system, for `invoice-chaos check --ledger FILE`
//! (the `ledger` adapter): JSON lines of ledger entries, the `GET /ledger` JSON
//! document, or CSV as billing systems export it (see `csv`); and the `--issued` file.
//!
//! Mistakes in the file are reported with its path, line and column, what was
//! expected and what was found.

use std::collections::BTreeSet;
use std::path::Path;

use chrono::{DateTime, FixedOffset, Utc};
use tax_api::{Invoice, JournalEntry, Ledger, LedgerEntry, TruthSnapshot};

use crate::outcome::{ClientInfo, Expect, IssuedInvoice, RuleFires, RunProblem, RunRecord, Scope};

mod columns;
mod csv;

pub use columns::{Column, ColumnMap, ColumnMapError};
use csv::csv_ledger;

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

/// A ledger file as read: its entries, what the reader tolerated, and what the file
/// says about whose invoices, issued when, it covers.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LedgerExport {
    /// The entries in file order. Repeated numbers are kept: the checker tolerates
    /// identical repeats and judges differing ones as CONTRADICTORY_LEDGER.
    pub ledger: Ledger,
    /// Things worth telling the user once (columns ignored), for stderr and the report.
    pub notes: Vec<String>,
    /// Sellers named by a `seller_tax_id` column.
    pub sellers: BTreeSet<String>,
    /// Earliest and latest time of an `issued_at` column.
    pub issued: Option<(DateTime<FixedOffset>, DateTime<FixedOffset>)>,
}

/// Reads and parses a ledger export, detecting its format; `columns` names the CSV
/// header of each column the user calls otherwise.
pub fn read_ledger_file(path: &Path, columns: &ColumnMap) -> Result<LedgerExport, LedgerFileError> {
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| LedgerFileError::Io {
        path: name.clone(),
        source,
    })?;
    parse_ledger(&name, &text, LedgerFormat::detect(path, &text), columns)
}

/// Parses a ledger export already in memory; `path` only names it in errors.
pub fn parse_ledger(
    path: &str,
    text: &str,
    format: LedgerFormat,
    columns: &ColumnMap,
) -> Result<LedgerExport, LedgerFileError> {
    let entries = match format {
        LedgerFormat::JsonDocument => {
            serde_json::from_str::<Ledger>(text)
                .map_err(|e| syntax(path, e.line(), e.column(), json_message(&e)))?
                .entries
        }
        LedgerFormat::JsonLines => json_lines::<LedgerEntry>(path, text)?,
        LedgerFormat::Csv => return csv_ledger(path, text, columns),
    };
    Ok(LedgerExport {
        ledger: Ledger { entries },
        ..LedgerExport::default()
    })
}

/// What `--issued FILE` says the billing system issued.
#[derive(Debug, Clone, Default)]
pub struct IssuedFile {
    /// Lines holding a whole invoice (JSON): judged with their content.
    pub invoices: Vec<IssuedInvoice>,
    /// Lines holding only an invoice number: judged by number.
    pub numbers: Vec<String>,
}

/// Reads `--issued FILE`: one issued invoice per line, either its full upload body
/// (JSON) or only its number. Each counts as accepted by the client, issued at the
/// start of the run. Blank lines and `#` comments are skipped.
pub fn read_issued_file(path: &Path) -> Result<IssuedFile, LedgerFileError> {
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| LedgerFileError::Io {
        path: name.clone(),
        source,
    })?;
    let mut out = IssuedFile::default();
    for (i, line) in text.trim_start_matches('\u{feff}').lines().enumerate() {
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        if trimmed.starts_with('{') {
            let invoice: Invoice = serde_json::from_str(line)
                .map_err(|e| syntax(&name, i + 1, e.column().max(1), json_message(&e)))?;
            out.invoices.push(IssuedInvoice {
                invoice,
                accepted: true,
                at_ms: 0,
            });
        } else if let Some(at) = trimmed.find(|c: char| c.is_whitespace() || c == ',') {
            let column = line.find(trimmed).unwrap_or(0) + trimmed[..at].chars().count() + 1;
            return Err(syntax(
                &name,
                i + 1,
                column,
                format!(
                    "expected one invoice number or one JSON invoice per line, found {trimmed:?}"
                ),
            ));
        } else {
            out.numbers.push(trimmed.to_string());
        }
    }
    Ok(out)
}

fn json_lines<T: serde::de::DeserializeOwned>(
    path: &str,
    text: &str,
) -> Result<Vec<T>, LedgerFileError> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let value = serde_json::from_str(line)
            .map_err(|e| syntax(path, i + 1, e.column().max(1), json_message(&e)))?;
        out.push(value);
    }
    Ok(out)
}

/// What `invoice-chaos check --ledger FILE --platform-url URL [--issued FILE]` gathered.
#[derive(Debug, Clone)]
pub struct LedgerCheck<'a> {
    /// The exported ledger.
    pub ledger_path: &'a Path,
    /// The invoices the billing system issued (invoice bodies or numbers), when known.
    pub issued_path: Option<&'a Path>,
    /// The user's names for the CSV ledger's columns (`--column`).
    pub columns: &'a ColumnMap,
    /// Whose records, issued when, to check (`--seller`, `--from`, `--to`); what is
    /// left open comes from the ledger's columns, or the checker derives it.
    pub scope: Scope,
    /// The flags the replay command must repeat (`--seller`, `--column`, …).
    pub replay_flags: Vec<String>,
    /// The platform the ledger is checked against.
    pub platform_url: &'a str,
    /// `GET /_chaos/truth`, or what went wrong fetching it.
    pub truth: Result<TruthSnapshot, String>,
    /// `GET /_chaos/journal` (empty when unavailable: chains are then empty).
    pub journal: Vec<JournalEntry>,
    /// The rules loaded on the platform, reported for information: a ledger check
    /// schedules none, so none has to fire (`scheduled` is false on each).
    pub fault_stats: Vec<RuleFires>,
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
    let export = read_ledger_file(input.ledger_path, input.columns)?;
    let issued = match input.issued_path {
        Some(path) => read_issued_file(path)?,
        None => IssuedFile::default(),
    };
    let scope = declared_scope(input.scope, &export);
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
        issued: issued.invoices,
        ledger: Some(export.ledger),
        truth,
        journal: input.journal,
        plan: serde_json::json!({"platform_url": input.platform_url, "issued": issued_name}),
        fault_stats: input
            .fault_stats
            .into_iter()
            .map(|s| RuleFires {
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
        replay_flags: input.replay_flags,
        issued_numbers: issued.numbers,
        scope,
        notes: export.notes,
        migrations: Vec::new(),
        journal_budget: None,
        lifecycle: Default::default(),
    })
}

/// The scope the user gave, completed by what the ledger file's columns say.
pub fn declared_scope(mut scope: Scope, export: &LedgerExport) -> Scope {
    if scope.sellers.is_empty() && !export.sellers.is_empty() {
        scope.sellers = export.sellers.iter().cloned().collect();
        scope.sellers_source = Some("the ledger's seller_tax_id column".into());
    }
    if scope.from.is_none() && scope.to.is_none() {
        if let Some((from, to)) = export.issued {
            scope.from = Some(from);
            scope.to = Some(to);
            scope.period_source = Some("the ledger's issued_at column".into());
        }
    }
    scope
}
