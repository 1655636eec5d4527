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

/// Checks a run and writes every report format into `dir`, then rewrites the
/// `index.html` of the reports directory `dir` is in. An index that cannot be written
/// is warned about: the run's own reports are what counts.
pub fn judge(record: &RunRecord, dir: &Path) -> Result<Judged, ReportError> {
    let result = check::check(record);
    let paths = report::write_all(dir, record, &result)?;
    if let Some(parent) = dir.parent() {
        // A bare folder name's parent is the current directory.
        let parent = if parent.as_os_str().is_empty() {
            Path::new(".")
        } else {
            parent
        };
        if let Err(e) = report::write_index(parent) {
            eprintln!("warning: the run index was not updated: {e}");
        }
    }
    Ok(Judged { result, paths })
}
