//! Report writers (DESIGN §6), one format per file. Every writer is a pure function
//! of the [`RunRecord`] and the [`CheckResult`]: times come from the record, order
//! is fixed, so the same run always renders the same bytes (golden-file tested).
//! `index.html` of a reports directory and [`read`] (reading a `report.json` back)
//! serve run history and `invoice-chaos diff`.

mod csv;
mod html;
mod html_explain;
mod index;
mod journal;
mod json;
mod junit;
mod junit_all;
mod maintenance_table;
mod markdown;
mod palette;
pub mod read;
mod terminal;
mod text;
mod timeline;

use std::path::{Path, PathBuf};

use crate::check::CheckResult;
use crate::outcome::RunRecord;

pub use self::csv::{render_flagged_csv, render_violations_csv};
pub use html::render_html;
pub(crate) use html::{esc, CSP, STYLE};
pub use index::{index_command, write_index};
pub use journal::render_journal;
pub use json::render_json;
pub(crate) use json::{render_json_line, SCHEMA};
pub(crate) use junit::junit_suite;
pub use junit::render_junit;
pub(crate) use junit_all::{harness_error_suite, render_junit_all};
pub use markdown::render_markdown;
pub use terminal::terminal_summary;
pub use text::{replay_caveat, replay_command};

/// Where [`write_all`] put each file, for the terminal summary and CI to point at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportPaths {
    /// The report directory.
    pub dir: PathBuf,
    /// `report.json`.
    pub json: PathBuf,
    /// `junit.xml`.
    pub junit: PathBuf,
    /// `summary.md`.
    pub summary: PathBuf,
    /// `report.html`.
    pub html: PathBuf,
    /// `journal.jsonl`.
    pub journal: PathBuf,
    /// `violations.csv`: every violating invoice, one row each.
    pub violations_csv: PathBuf,
    /// `flagged.csv`: every invoice flagged although stored intact.
    pub flagged_csv: PathBuf,
}

/// A report that could not be rendered or written.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// Creating the directory or writing a file failed.
    #[error("cannot write {path}: {source}")]
    Io {
        /// The file or directory.
        path: String,
        /// What the system said.
        #[source]
        source: std::io::Error,
    },
    /// Serialising JSON failed (a non-finite number in the plan, for example).
    #[error("cannot render {file}: {message}")]
    Render {
        /// Which report file.
        file: &'static str,
        /// What went wrong.
        message: String,
    },
}

/// The folder name a run's reports go in: `<scenario>-<UTC start, basic ISO 8601>`,
/// with anything but letters, digits, `-` and `_` in the name replaced by `_`.
pub fn report_dir_name(run: &RunRecord) -> String {
    let name: String = run
        .scenario
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("{name}-{}", run.started_at.format("%Y%m%dT%H%M%SZ"))
}

fn write(path: &Path, content: &str) -> Result<(), ReportError> {
    std::fs::write(path, content).map_err(|source| ReportError::Io {
        path: path.display().to_string(),
        source,
    })
}

/// Writes every report format into `dir` (created if needed).
pub fn write_all(
    dir: &Path,
    run: &RunRecord,
    result: &CheckResult,
) -> Result<ReportPaths, ReportError> {
    std::fs::create_dir_all(dir).map_err(|source| ReportError::Io {
        path: dir.display().to_string(),
        source,
    })?;
    let paths = ReportPaths {
        dir: dir.to_path_buf(),
        json: dir.join("report.json"),
        junit: dir.join("junit.xml"),
        summary: dir.join("summary.md"),
        html: dir.join("report.html"),
        journal: dir.join("journal.jsonl"),
        violations_csv: dir.join("violations.csv"),
        flagged_csv: dir.join("flagged.csv"),
    };
    write(&paths.json, &render_json(run, result)?)?;
    write(&paths.junit, &render_junit(run, result)?)?;
    write(&paths.summary, &render_markdown(run, result))?;
    write(&paths.html, &render_html(run, result))?;
    write(&paths.journal, &render_journal(&run.journal)?)?;
    write(&paths.violations_csv, &render_violations_csv(result)?)?;
    write(&paths.flagged_csv, &render_flagged_csv(result)?)?;
    Ok(paths)
}
