//! `ledger` adapter: no driving, only an exported ledger file (JSON lines, the
//! `GET /ledger` document, or CSV), read by the checker's ledger-file reader.

use std::path::{Path, PathBuf};

use super::ClientError;
use crate::check::ledger_file::{read_ledger_file, ColumnMap, LedgerExport};
use crate::outcome::ClientInfo;

/// A ledger exported by a client system the harness does not run.
pub struct LedgerAdapter {
    path: PathBuf,
    columns: ColumnMap,
}

impl LedgerAdapter {
    /// The adapter for one file, with the script's names for its CSV columns.
    pub fn new(path: &Path, columns: &ColumnMap) -> Self {
        LedgerAdapter {
            path: path.to_path_buf(),
            columns: columns.clone(),
        }
    }

    /// Reads the file.
    pub fn read(&self) -> Result<LedgerExport, ClientError> {
        read_ledger_file(&self.path, &self.columns).map_err(|e| ClientError::LedgerFile {
            path: self.path.display().to_string(),
            detail: e.to_string(),
        })
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
