//! `--jobs N`: runs up to N scenarios at once and hands each outcome back as soon as
//! its run ends, with the scenario's index. A library whose scripts mostly wait on
//! timers (client timeouts, `Retry-After`, maintenance windows) then takes about as
//! long as its slowest ones.

use std::num::NonZeroUsize;
use std::sync::Arc;

use tokio::sync::{mpsc, Semaphore};
use tokio::task::{JoinHandle, JoinSet};

use super::{run, RunError, RunOptions, RunOutput};
use crate::script::Scenario;

/// What happened to a scenario, named by its index in the script order.
pub enum Event {
    /// Its run began.
    Started(usize),
    /// Its run ended so (boxed: a record is large beside an index).
    Finished(usize, Box<Result<RunOutput, RunError>>),
}

/// Scenarios started in script order, at most `jobs` at a time. Once the interrupt
/// has come, no further scenario starts; those under way stop, collect and hand
/// over their outcomes like any other. Dropping it stops every run under way, with
/// the client and platform each started.
pub struct Ahead {
    events: mpsc::UnboundedReceiver<Event>,
    starter: JoinHandle<()>,
}

impl Ahead {
    /// Starts the first `jobs` scenarios; each later one starts when a run ends.
    pub fn start(scenarios: Vec<Scenario>, opts: &RunOptions, jobs: NonZeroUsize) -> Ahead {
        let (done, events) = mpsc::unbounded_channel();
        let opts = opts.clone();
        let starter = tokio::spawn(async move {
            let slots = Arc::new(Semaphore::new(jobs.get()));
            let mut runs = JoinSet::new();
            for (index, scenario) in scenarios.into_iter().enumerate() {
                let Ok(slot) = slots.clone().acquire_owned().await else {
                    break;
                };
                if opts.interrupt.get().is_some() {
                    break;
                }
                let _ = done.send(Event::Started(index));
                let (opts, done) = (opts.clone(), done.clone());
                runs.spawn(async move {
                    let outcome = run(&scenario, &opts).await;
                    drop(slot);
                    let _ = done.send(Event::Finished(index, Box::new(outcome)));
                });
            }
            // The senders go with this task, so `next` ends once every started run has
            // reported; the runs are held here so that aborting this task aborts them.
            drop(done);
            while runs.join_next().await.is_some() {}
        });
        Ahead { events, starter }
    }

    /// The next start or end, in the order they happen; `None` once every started
    /// scenario has ended and no other will start.
    pub async fn next(&mut self) -> Option<Event> {
        self.events.recv().await
    }
}

impl Drop for Ahead {
    fn drop(&mut self) {
        self.starter.abort();
    }
}
