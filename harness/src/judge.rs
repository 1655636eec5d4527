//! The one place a finished run meets the checker and the report writers.
//!
//! TEMPORARY: until `crate::check` and `crate::report` land, this holds a minimal
//! stand-in verdict (confirmed-and-intact or flagged, per accepted invoice) and writes
//! only `run.json` and `journal.jsonl`. It is replaced by `check::check` and
//! `report::write_all` without changing its callers.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::Serialize;
use tax_api::{Integrity, LedgerStatus};

use crate::exit::Exit;
use crate::outcome::RunRecord;

/// The verdict of one run and where its files went.
#[derive(Debug, Clone, Serialize)]
pub struct Judged {
    /// `pass`, `fail` or `inconclusive`.
    pub verdict: &'static str,
    /// One line per violation or problem, for the terminal.
    pub findings: Vec<String>,
    /// The run's report directory.
    pub report_dir: PathBuf,
}

impl Judged {
    /// The exit code this verdict maps to.
    pub fn exit(&self) -> Exit {
        match self.verdict {
            "pass" => Exit::Pass,
            "fail" => Exit::Fail,
            _ => Exit::Inconclusive,
        }
    }
}

/// Judges a run and writes its files into `dir`.
pub fn judge(record: &RunRecord, dir: &Path) -> std::io::Result<Judged> {
    let mut findings = Vec::new();
    for p in &record.problems {
        findings.push(format!(
            "problem: {}",
            serde_json::to_string(p).unwrap_or_default()
        ));
    }
    let inconclusive = !findings.is_empty();
    if let (Some(ledger), Some(truth)) = (&record.ledger, &record.truth) {
        let status: HashMap<&str, LedgerStatus> = ledger
            .entries
            .iter()
            .map(|e| (e.number.as_str(), e.status))
            .collect();
        let held: HashMap<&str, Integrity> = truth
            .records
            .iter()
            .map(|r| (r.number.as_str(), r.integrity))
            .collect();
        for i in record.issued.iter().filter(|i| i.accepted) {
            let n = i.invoice.number.as_str();
            let bad = match (status.get(n), held.get(n)) {
                (Some(LedgerStatus::Flagged), _) => None,
                (Some(LedgerStatus::Confirmed), Some(Integrity::Intact)) => None,
                (Some(LedgerStatus::Confirmed), other) => {
                    Some(format!("confirmed but platform holds {other:?}"))
                }
                (Some(LedgerStatus::Pending), _) => Some("still pending".to_string()),
                (None, _) => Some("absent from the ledger".to_string()),
            };
            if let Some(why) = bad {
                findings.push(format!("{n}: {why}"));
            }
        }
    }
    let verdict = if inconclusive {
        "inconclusive"
    } else if findings.is_empty() {
        "pass"
    } else {
        "fail"
    };
    std::fs::write(dir.join("run.json"), serde_json::to_vec_pretty(record)?)?;
    let mut journal = std::io::BufWriter::new(std::fs::File::create(dir.join("journal.jsonl"))?);
    for entry in &record.journal {
        serde_json::to_writer(&mut journal, entry)?;
        journal.write_all(b"\n")?;
    }
    journal.flush()?;
    Ok(Judged {
        verdict,
        findings,
        report_dir: dir.to_path_buf(),
    })
}
