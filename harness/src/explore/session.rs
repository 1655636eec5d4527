//! What one exploration carries from run to run: the base script, where trial runs
//! write, the counters and the progress line.

use std::path::Path;

use super::bounds::Bounds;
use super::case::Case;
use super::progress::{Progress, Stats};
use super::render::{self, Frame, RenderError};
use super::trial::{self, Outcome, TrialError};
use crate::script::{Overrides, Scenario};

/// Why exploration stopped without an answer (exit code 255).
#[derive(Debug, thiserror::Error)]
pub enum ExploreError {
    /// A generated case could not be written as a script.
    #[error(transparent)]
    Render(#[from] RenderError),
    /// A generated script could not be run.
    #[error(transparent)]
    Trial(#[from] TrialError),
    /// The output folder could not be written.
    #[error("cannot write {path}: {source}")]
    Io {
        /// The file or folder.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// proptest could not draw a case.
    #[error("cannot generate a scenario: {0}")]
    Generate(String),
}

/// The state shared by the search and the shrinking.
pub struct Session<'a> {
    /// The base script (client, platform, expect).
    pub base: &'a Scenario,
    /// What may be generated.
    pub bounds: &'a Bounds,
    /// Command-line settings applied to every generated script.
    pub overrides: &'a Overrides,
    /// Parent of the trial runs' report folders, each removed after its run.
    pub scratch: &'a Path,
    /// Runs a shrink candidate must fail to count as reproducing.
    pub confirm: u32,
    /// The counters.
    pub stats: Stats,
    /// The terminal.
    pub progress: Progress,
}

impl Session<'_> {
    /// `case` as script text under `seed`.
    pub fn text(
        &self,
        case: &Case,
        seed: u64,
        name: &str,
        header: &[String],
    ) -> Result<String, ExploreError> {
        let frame = Frame {
            base: self.base,
            name,
            seed,
            header,
            settle: self.bounds.longest_run,
        };
        Ok(render::render(case, &frame)?)
    }

    /// Runs a script once and counts how it ended.
    pub async fn run(&mut self, text: &str) -> Result<Outcome, ExploreError> {
        let path = format!("{} (generated)", self.base.path);
        let outcome = trial::run_text(&path, text, self.overrides, self.scratch).await?;
        self.stats.runs += 1;
        match &outcome {
            Outcome::Finding(_) => self.stats.findings += 1,
            Outcome::Inconclusive(_) => self.stats.inconclusive += 1,
            Outcome::Pass => {}
        }
        Ok(outcome)
    }

    /// `None` when each of the `confirm` runs fails with `class`; otherwise what the
    /// first run that did not showed instead.
    pub async fn reproduces(
        &mut self,
        text: &str,
        class: &str,
    ) -> Result<Option<String>, ExploreError> {
        for i in 0..self.confirm {
            let outcome = self.run(text).await?;
            if !outcome.shows(class) {
                return Ok(Some(format!(
                    "run {} of {}: {}",
                    i + 1,
                    self.confirm,
                    outcome.label()
                )));
            }
        }
        Ok(None)
    }

    /// Redraws the progress line.
    pub fn show(&self, phase: &str, size: &str) {
        self.progress.update(phase, &self.stats, size);
    }
}
