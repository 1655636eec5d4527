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
    /// A run's task ended without an outcome.
    #[error("a run stopped without an outcome: {0}")]
    Task(String),
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
        let outcome =
            trial::run_text(&self.script_path(), text, self.overrides, self.scratch).await?;
        self.count(&outcome);
        Ok(outcome)
    }

    /// Runs several scripts at once, each in a task of its own, and counts how they
    /// ended; the outcomes come back in the order of `texts`.
    pub async fn run_batch(&mut self, texts: Vec<String>) -> Result<Vec<Outcome>, ExploreError> {
        let mut tasks = tokio::task::JoinSet::new();
        for (i, text) in texts.into_iter().enumerate() {
            let (path, overrides, scratch) = (
                self.script_path(),
                self.overrides.clone(),
                self.scratch.to_path_buf(),
            );
            tasks.spawn(async move {
                let outcome = trial::run_text(&path, &text, &overrides, &scratch).await;
                (i, outcome)
            });
        }
        let mut outcomes = Vec::new();
        while let Some(joined) = tasks.join_next().await {
            let (i, outcome) = joined.map_err(|e| ExploreError::Task(e.to_string()))?;
            outcomes.push((i, outcome?));
        }
        outcomes.sort_by_key(|(i, _)| *i);
        let outcomes: Vec<Outcome> = outcomes.into_iter().map(|(_, o)| o).collect();
        for outcome in &outcomes {
            self.count(outcome);
        }
        Ok(outcomes)
    }

    fn count(&mut self, outcome: &Outcome) {
        self.stats.runs += 1;
        match outcome {
            Outcome::Finding(_) => self.stats.findings += 1,
            Outcome::Inconclusive(_) => self.stats.inconclusive += 1,
            Outcome::Pass => {}
        }
    }

    fn script_path(&self) -> String {
        format!("{} (generated)", self.base.path)
    }

    /// `None` when each of the `confirm` runs fails with `class`; otherwise what the
    /// first run that did not showed instead.
    pub async fn reproduces(
        &mut self,
        text: &str,
        class: &str,
    ) -> Result<Option<String>, ExploreError> {
        self.fails_each_time(text, class, self.confirm).await
    }

    /// Like [`Self::reproduces`] for a scenario that has already failed once in the
    /// search: `confirm - 1` more runs. A search finding that does not fail again hinged
    /// on timing, not on the seed; it is counted as flaky and the search goes on.
    pub async fn confirms_finding(
        &mut self,
        text: &str,
        class: &str,
    ) -> Result<Option<String>, ExploreError> {
        let more = self.confirm.saturating_sub(1);
        let instead = self.fails_each_time(text, class, more).await?;
        if instead.is_some() {
            self.stats.flaky += 1;
        }
        Ok(instead)
    }

    async fn fails_each_time(
        &mut self,
        text: &str,
        class: &str,
        times: u32,
    ) -> Result<Option<String>, ExploreError> {
        for i in 0..times {
            let outcome = self.run(text).await?;
            if !outcome.shows(class) {
                return Ok(Some(format!(
                    "run {} of {}: {}",
                    i + 1,
                    times,
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
