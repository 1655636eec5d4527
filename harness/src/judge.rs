//! The one place a finished run meets the checker and the report writers.

use std::path::Path;

use crate::check::{self, CheckResult, Verdict};
use crate::exit::Exit;
use crate::outcome::RunRecord;
use crate::report::{self, ReportError, ReportPaths};

/// The verdict of one run and where its files went.
#[derive(Debug, Clone)]
pub struct Judged {
    /// The checker's judgement.
    pub result: CheckResult,
    /// Every report file written.
    pub paths: ReportPaths,
}

impl Judged {
    /// The exit code this verdict maps to.
    pub fn exit(&self) -> Exit {
        match self.result.verdict {
            Verdict::Pass => Exit::Pass,
            Verdict::Fail => Exit::Fail,
            Verdict::Inconclusive => Exit::Inconclusive,
        }
    }
}

/// Checks a run and writes every report format into `dir`.
pub fn judge(record: &RunRecord, dir: &Path) -> Result<Judged, ReportError> {
    let result = check::check(record);
    let paths = report::write_all(dir, record, &result)?;
    Ok(Judged { result, paths })
}
