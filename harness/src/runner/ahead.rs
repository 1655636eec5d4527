//! `--jobs N`: runs up to N scenarios at once and hands their outcomes back in script
//! order. A library whose scripts mostly wait on timers (client timeouts,
//! `Retry-After`, maintenance windows) then takes about as long as its slowest ones.

use std::collections::VecDeque;
use std::num::NonZeroUsize;
use std::sync::Arc;

use tokio::sync::{oneshot, Semaphore};
use tokio::task::{JoinHandle, JoinSet};

use super::{run, RunError, RunOptions, RunOutput};
use crate::script::Scenario;

/// Scenarios started in script order, at most `jobs` at a time. Dropping it stops
/// every run under way, with the client and platform each started.
pub struct Ahead {
    outcomes: VecDeque<oneshot::Receiver<Result<RunOutput, RunError>>>,
    starter: JoinHandle<()>,
}

impl Ahead {
    /// Starts the first `jobs` scenarios; each later one starts when a run ends.
    pub fn start(scenarios: Vec<Scenario>, opts: &RunOptions, jobs: NonZeroUsize) -> Ahead {
        let (senders, outcomes): (Vec<_>, VecDeque<_>) =
            scenarios.iter().map(|_| oneshot::channel()).unzip();
        let opts = opts.clone();
        let starter = tokio::spawn(async move {
            let slots = Arc::new(Semaphore::new(jobs.get()));
            let mut runs = JoinSet::new();
            for (scenario, sender) in scenarios.into_iter().zip(senders) {
                let Ok(slot) = slots.clone().acquire_owned().await else {
                    return;
                };
                let opts = opts.clone();
                runs.spawn(async move {
                    let outcome = run(&scenario, &opts).await;
                    drop(slot);
                    let _ = sender.send(outcome);
                });
            }
            // Held here so that aborting this task aborts the runs too.
            while runs.join_next().await.is_some() {}
        });
        Ahead { outcomes, starter }
    }

    /// The next scenario's outcome, in script order.
    pub async fn next(&mut self) -> Result<RunOutput, RunError> {
        let Some(outcome) = self.outcomes.pop_front() else {
            return Err(RunError::Stopped("no scenario left to run".into()));
        };
        outcome
            .await
            .unwrap_or_else(|_| Err(RunError::Stopped("the run ended without an outcome".into())))
    }
}

impl Drop for Ahead {
    fn drop(&mut self) {
        self.starter.abort();
    }
}
