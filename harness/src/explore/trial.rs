//! One generated script through the same runner and checker as `invoice-chaos run`,
//! reduced to what exploration needs: pass, inconclusive, or a finding and its class.

use std::path::Path;

use crate::check::{self, CheckResult, Verdict};
use crate::runner::{self, RunOptions};
use crate::script::{Overrides, Scenario};

/// How one run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Nothing broken.
    Pass,
    /// The run could not vouch for a verdict; not a finding.
    Inconclusive(String),
    /// A `fail` verdict: these invariants were broken, in report order.
    Finding(Vec<String>),
}

impl Outcome {
    /// The violation class of a finding: its first broken invariant (`LOST`, …).
    pub fn class(&self) -> Option<&str> {
        match self {
            Outcome::Finding(broken) => broken.first().map(String::as_str),
            _ => None,
        }
    }

    /// Whether this run fails with `class` among its broken invariants.
    pub fn shows(&self, class: &str) -> bool {
        matches!(self, Outcome::Finding(broken) if broken.iter().any(|b| b == class))
    }

    /// One word or two for logs.
    pub fn label(&self) -> String {
        match self {
            Outcome::Pass => "pass".into(),
            Outcome::Inconclusive(_) => "inconclusive".into(),
            Outcome::Finding(broken) => format!("fail {}", broken.join(",")),
        }
    }
}

/// Why a generated script could not be run at all.
#[derive(Debug, thiserror::Error)]
pub enum TrialError {
    /// The generated text did not parse back (a harness bug).
    #[error("the generated script does not load: {0}")]
    Script(#[from] crate::script::ScriptError),
    /// The run itself failed (platform or directories).
    #[error(transparent)]
    Run(#[from] runner::RunError),
}

/// Parses `text` as the script `path`, applies `overrides`, runs it with reports
/// under `scratch` (removed again) and judges it.
pub async fn run_text(
    path: &str,
    text: &str,
    overrides: &Overrides,
    scratch: &Path,
) -> Result<Outcome, TrialError> {
    let mut scenario = Scenario::parse(path, text)?;
    scenario.apply(overrides);
    scenario.check_runnable()?;
    let opts = RunOptions {
        reports_dir: scratch.to_path_buf(),
        quiet: true,
        // Explore stops a trial by dropping it (its own Ctrl-C handling).
        interrupt: runner::Interrupt::never(),
    };
    let out = runner::run(&scenario, &opts).await?;
    if let Err(e) = std::fs::remove_dir_all(&out.report_dir) {
        tracing::warn!("removing {}: {e}", out.report_dir.display());
    }
    Ok(outcome(&check::check(&out.record)))
}

/// The checker's judgement reduced to an [`Outcome`].
pub fn outcome(result: &CheckResult) -> Outcome {
    match result.verdict {
        Verdict::Pass => Outcome::Pass,
        Verdict::Fail => Outcome::Finding(
            result
                .invariants
                .iter()
                .filter(|i| !i.holds)
                .map(|i| i.name.clone())
                .collect(),
        ),
        Verdict::Inconclusive => Outcome::Inconclusive(
            result
                .inconclusive
                .iter()
                .map(|r| r.describe())
                .collect::<Vec<_>>()
                .join("; "),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_class_is_the_first_broken_invariant_and_any_broken_one_shows_it() {
        let f = Outcome::Finding(vec!["LOST".into(), "DUPLICATE".into()]);
        assert_eq!(f.class(), Some("LOST"));
        assert!(f.shows("DUPLICATE"));
        assert!(!f.shows("UNRESOLVED"));
        assert!(!Outcome::Pass.shows("LOST"));
        assert_eq!(Outcome::Inconclusive("x".into()).class(), None);
    }
}
