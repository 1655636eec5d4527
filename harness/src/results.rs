//! What one `run` of several scripts leaves beside their run directories, and what
//! `merge` combines: `results.json` (each script's outcome) and `summary.md` (the
//! same for people). The summary is a function of the outcomes alone, sorted by
//! script, so the merge of a library's shards equals one run of the whole library.

use std::fmt::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::exit::Exit;

/// The file a run writes its outcomes to, and `merge` reads.
pub const RESULTS_FILE: &str = "results.json";
/// The combined summary for people.
pub const SUMMARY_FILE: &str = "summary.md";

/// How one script ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScriptResult {
    /// The script's path as given on the command line.
    pub script: String,
    /// The scenario's name.
    pub scenario: String,
    /// `pass`, `fail`, `inconclusive`, or `harness error` when there is no verdict.
    pub verdict: String,
    /// The process exit code this outcome maps to.
    pub exit_code: u8,
    /// The run's seed, when it ran.
    pub seed: Option<u64>,
    /// The command that replays it, when it ran.
    pub replay: Option<String>,
    /// Its run directory, relative to the reports directory.
    pub report_dir: Option<String>,
    /// Why there is no verdict.
    pub error: Option<String>,
}

/// The outcomes of one `run` (or of a merge).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Results {
    /// The run's own exit code (130 when it was interrupted).
    pub exit_code: u8,
    /// One entry per script that ran or failed to.
    pub scripts: Vec<ScriptResult>,
}

/// Why results could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum ResultsError {
    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// What the system said.
        source: std::io::Error,
    },
    /// The file is not a results file of this version.
    #[error("{path}: not a results file of `invoice-chaos run`: {message}")]
    Malformed {
        /// The file.
        path: String,
        /// What serde said.
        message: String,
    },
}

impl Results {
    /// The exit code of everything together: the worst of the parts.
    pub fn exit(&self) -> Exit {
        self.scripts
            .iter()
            .map(|s| s.exit_code)
            .chain([self.exit_code])
            .map(Exit::from_code)
            .fold(Exit::Pass, Exit::worst)
    }

    /// `3 scripts: 2 passed, 0 failed, 1 inconclusive` (and harness errors, if any).
    pub fn tally(&self) -> Tally {
        let mut tally = Tally::default();
        for s in &self.scripts {
            tally.add(Exit::from_code(s.exit_code));
        }
        tally
    }

    /// Writes `results.json` and `summary.md` into `dir`.
    pub fn write(&self, dir: &Path) -> Result<(), ResultsError> {
        let io = |path: &Path| {
            let path = path.display().to_string();
            move |source| ResultsError::Io { path, source }
        };
        std::fs::create_dir_all(dir).map_err(io(dir))?;
        let json_path = dir.join(RESULTS_FILE);
        let json = serde_json::to_string_pretty(self).map_err(|e| ResultsError::Malformed {
            path: json_path.display().to_string(),
            message: e.to_string(),
        })?;
        std::fs::write(&json_path, json + "\n").map_err(io(&json_path))?;
        let md_path = dir.join(SUMMARY_FILE);
        std::fs::write(&md_path, self.summary()).map_err(io(&md_path))
    }

    /// Reads `dir/results.json`.
    pub fn read(dir: &Path) -> Result<Results, ResultsError> {
        let path = dir.join(RESULTS_FILE);
        let text = std::fs::read_to_string(&path).map_err(|source| ResultsError::Io {
            path: path.display().to_string(),
            source,
        })?;
        serde_json::from_str(&text).map_err(|e| ResultsError::Malformed {
            path: path.display().to_string(),
            message: e.to_string(),
        })
    }

    /// `summary.md`: the tally, one table row per script, then how to replay each.
    pub fn summary(&self) -> String {
        let mut scripts: Vec<&ScriptResult> = self.scripts.iter().collect();
        scripts.sort_by(|a, b| (&a.script, &a.scenario).cmp(&(&b.script, &b.scenario)));
        let mut out = String::from("# invoice-chaos results\n\n");
        let _ = writeln!(out, "{}\n", self.tally().line());
        out.push_str("| Script | Scenario | Verdict | Seed |\n|---|---|---|---|\n");
        for s in &scripts {
            let seed = s.seed.map(|n| n.to_string()).unwrap_or_else(|| "-".into());
            let _ = writeln!(
                out,
                "| {} | {} | {} | {seed} |",
                code(&s.script),
                cell(&s.scenario),
                cell(&s.verdict)
            );
        }
        let errors: Vec<_> = scripts.iter().filter(|s| s.error.is_some()).collect();
        if !errors.is_empty() {
            out.push_str("\n## Harness errors\n\n");
            for s in errors {
                let error = s.error.as_deref().unwrap_or_default();
                let _ = writeln!(out, "- {}: {}", cell(&s.scenario), cell(error));
            }
        }
        let replays: Vec<_> = scripts.iter().filter(|s| s.replay.is_some()).collect();
        if !replays.is_empty() {
            out.push_str("\n## Replay\n\n");
            for s in replays {
                let replay = s.replay.as_deref().unwrap_or_default();
                let _ = writeln!(out, "- {}: {}", cell(&s.scenario), code(replay));
            }
        }
        out
    }
}

/// Text in a table cell: pipes and line breaks would end the cell.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace(['\n', '\r'], " ")
}

/// Inline code that survives backticks inside it.
fn code(text: &str) -> String {
    let longest = text
        .split(|c| c != '`')
        .map(str::len)
        .max()
        .unwrap_or_default();
    let fence = "`".repeat(longest + 1);
    let pad = if text.starts_with('`') || text.ends_with('`') {
        " "
    } else {
        ""
    };
    cell(&format!("{fence}{pad}{text}{pad}{fence}"))
}

/// How the scripts of a run ended, for its closing line.
#[derive(Debug, Default)]
pub struct Tally {
    passed: usize,
    failed: usize,
    inconclusive: usize,
    errors: usize,
}

impl Tally {
    /// Counts one outcome.
    pub fn add(&mut self, outcome: Exit) {
        match outcome {
            Exit::Pass => self.passed += 1,
            Exit::Fail => self.failed += 1,
            Exit::Inconclusive => self.inconclusive += 1,
            Exit::BadInput | Exit::HarnessError | Exit::Interrupted => self.errors += 1,
        }
    }

    /// `12 scripts: 11 passed, 1 failed, 0 inconclusive` (and harness errors, if any).
    pub fn line(&self) -> String {
        let total = self.passed + self.failed + self.inconclusive + self.errors;
        let mut line = format!(
            "{total} scripts: {} passed, {} failed, {} inconclusive",
            self.passed, self.failed, self.inconclusive
        );
        if self.errors > 0 {
            line.push_str(&format!(", {} harness error(s)", self.errors));
        }
        line
    }
}

/// The run directory `dir` relative to `reports`, as `results.json` records it.
pub fn relative_dir(dir: &Path, reports: &Path) -> String {
    dir.strip_prefix(reports)
        .map(PathBuf::from)
        .unwrap_or_else(|_| dir.to_path_buf())
        .display()
        .to_string()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn result(script: &str, verdict: &str, exit_code: u8) -> ScriptResult {
        ScriptResult {
            script: script.into(),
            scenario: script.trim_end_matches(".toml").into(),
            verdict: verdict.into(),
            exit_code,
            seed: Some(7),
            replay: Some(format!("invoice-chaos run {script} --seed 7")),
            report_dir: None,
            error: None,
        }
    }

    #[test]
    fn the_closing_line_counts_every_outcome_and_names_harness_errors_only_when_there_are_some() {
        let mut tally = Tally::default();
        for outcome in [Exit::Pass, Exit::Pass, Exit::Fail, Exit::Inconclusive] {
            tally.add(outcome);
        }
        assert_eq!(
            tally.line(),
            "4 scripts: 2 passed, 1 failed, 1 inconclusive"
        );
        tally.add(Exit::HarnessError);
        assert_eq!(
            tally.line(),
            "5 scripts: 2 passed, 1 failed, 1 inconclusive, 1 harness error(s)"
        );
    }

    #[test]
    fn the_summary_does_not_depend_on_the_order_the_scripts_ran_in() {
        let a = Results {
            exit_code: 1,
            scripts: vec![result("b.toml", "fail", 1), result("a.toml", "pass", 0)],
        };
        let b = Results {
            exit_code: 1,
            scripts: vec![result("a.toml", "pass", 0), result("b.toml", "fail", 1)],
        };
        assert_eq!(a.summary(), b.summary());
        assert!(a.summary().find("a.toml").unwrap() < a.summary().find("b.toml").unwrap());
    }

    #[test]
    fn the_worst_outcome_and_an_interruption_decide_the_exit_code() {
        let mut results = Results {
            exit_code: 0,
            scripts: vec![
                result("a.toml", "pass", 0),
                result("b.toml", "inconclusive", 2),
            ],
        };
        assert_eq!(results.exit(), Exit::Inconclusive);
        results.exit_code = 130;
        assert_eq!(results.exit(), Exit::Interrupted);
    }

    #[test]
    fn backticks_and_pipes_cannot_break_the_table_or_the_code() {
        assert_eq!(code("a`b"), "``a`b``");
        assert_eq!(cell("a|b\nc"), "a\\|b c");
    }
}
