//! `ledger` adapter: no driving, only an exported ledger file (JSON lines, the
//! `GET /ledger` document, or CSV), read by the checker's ledger-file reader.

use std::path::{Path, PathBuf};

use tax_api::Ledger;

use super::ClientError;
use crate::check::ledger_file::read_ledger_file;
use crate::outcome::ClientInfo;

/// A ledger exported by a client system the harness does not run.
pub struct LedgerAdapter {
    path: PathBuf,
}

impl LedgerAdapter {
    /// The adapter for one file.
    pub fn new(path: &Path) -> Self {
        LedgerAdapter {
            path: path.to_path_buf(),
        }
    }

    /// Reads the file.
    pub fn read(&self) -> Result<Ledger, ClientError> {
        read_ledger_file(&self.path).map_err(|e| ClientError::LedgerFile {
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
