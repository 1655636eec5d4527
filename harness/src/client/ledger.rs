//! `ledger` adapter: no driving, only an exported ledger file (JSON lines or CSV).

use std::path::{Path, PathBuf};

use tax_api::{Ledger, LedgerEntry, LedgerStatus};

use super::ClientError;
use crate::outcome::ClientInfo;
use crate::script::LedgerFormat;

/// A ledger exported by a client system the harness does not run.
pub struct LedgerAdapter {
    path: PathBuf,
    format: LedgerFormat,
}

impl LedgerAdapter {
    /// The adapter for one file.
    pub fn new(path: &Path, format: LedgerFormat) -> Self {
        LedgerAdapter {
            path: path.to_path_buf(),
            format,
        }
    }

    /// Reads the file.
    pub fn read(&self) -> Result<Ledger, ClientError> {
        read_ledger_file(&self.path, self.format)
    }

    /// Report description.
    pub fn info(&self) -> ClientInfo {
        ClientInfo {
            adapter: "ledger".into(),
            mode: None,
            target: Some(self.path.display().to_string()),
        }
    }
}

/// Reads a ledger file: JSON lines of ledger entries, or CSV with the header
/// `number,status,reason,platform_ref` (empty cells are null; fields may be double-quoted).
pub fn read_ledger_file(path: &Path, format: LedgerFormat) -> Result<Ledger, ClientError> {
    let err = |detail: String| ClientError::LedgerFile {
        path: path.display().to_string(),
        detail,
    };
    let text = std::fs::read_to_string(path).map_err(|e| err(e.to_string()))?;
    let mut entries = Vec::new();
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty());
    match format {
        LedgerFormat::Jsonl => {
            for (i, line) in lines {
                let entry: LedgerEntry = serde_json::from_str(line)
                    .map_err(|e| err(format!("line {}: expected a ledger entry: {e}", i + 1)))?;
                entries.push(entry);
            }
        }
        LedgerFormat::Csv => {
            let Some((_, header)) = lines.next() else {
                return Ok(Ledger { entries });
            };
            let names = split_csv(header);
            let col = |name: &str| names.iter().position(|n| n == name);
            let (Some(number), Some(status)) = (col("number"), col("status")) else {
                return Err(err(format!(
                    "line 1: expected a header naming `number` and `status`, found {header:?}"
                )));
            };
            let (reason, platform_ref) = (col("reason"), col("platform_ref"));
            for (i, line) in lines {
                let cells = split_csv(line);
                let cell = |c: Option<usize>| {
                    c.and_then(|c| cells.get(c))
                        .filter(|s| !s.is_empty())
                        .cloned()
                };
                let status_text = cell(Some(status)).unwrap_or_default();
                let status = match status_text.as_str() {
                    "confirmed" => LedgerStatus::Confirmed,
                    "flagged" => LedgerStatus::Flagged,
                    "pending" => LedgerStatus::Pending,
                    other => return Err(err(format!(
                        "line {}: expected status confirmed, flagged or pending, found {other:?}",
                        i + 1
                    ))),
                };
                let Some(number) = cell(Some(number)) else {
                    return Err(err(format!(
                        "line {}: expected an invoice number, found none",
                        i + 1
                    )));
                };
                entries.push(LedgerEntry {
                    number,
                    status,
                    reason: cell(reason),
                    platform_ref: cell(platform_ref),
                });
            }
        }
    }
    Ok(Ledger { entries })
}

/// Splits one CSV row; double quotes group a field and `""` inside them is a quote.
fn split_csv(line: &str) -> Vec<String> {
    let mut cells = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = line.trim_end_matches('\r').chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => cells.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    cells.push(cur);
    cells.into_iter().map(|c| c.trim().to_string()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_ledger_reads_quoted_reasons_and_empty_cells_as_null() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("l.csv");
        std::fs::write(
            &path,
            "number,status,reason,platform_ref\n1,confirmed,,P1\n2,flagged,\"hash differs, lines missing\",\n",
        )
        .unwrap();
        let ledger = read_ledger_file(&path, LedgerFormat::Csv).unwrap();
        assert_eq!(ledger.entries.len(), 2);
        assert_eq!(ledger.entries[0].platform_ref.as_deref(), Some("P1"));
        assert_eq!(ledger.entries[0].reason, None);
        assert_eq!(ledger.entries[1].status, LedgerStatus::Flagged);
        assert_eq!(
            ledger.entries[1].reason.as_deref(),
            Some("hash differs, lines missing")
        );
    }

    #[test]
    fn jsonl_ledger_names_the_bad_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("l.jsonl");
        std::fs::write(&path, "{\"number\":\"1\",\"status\":\"pending\"}\n{oops}\n").unwrap();
        let e = read_ledger_file(&path, LedgerFormat::Jsonl).unwrap_err();
        assert!(e.to_string().contains("line 2"), "{e}");
    }
}
