//! Before issuing, against a client or platform that keeps state between runs: pick
//! a run id that keeps this run's invoice numbers apart from every earlier run's,
//! and note which numbers were there already, so only this run's invoices are judged.

use std::collections::{BTreeSet, HashSet};

use crate::client::ClientSystem;
use crate::outcome::RunProblem;
use crate::platform::PlatformHandle;
use crate::workload::{Generator, MAX_RUN_ID};

/// What the pre-flight decided.
#[derive(Debug, Default)]
pub struct Preflight {
    /// The run id in this run's invoice numbers; `None` keeps the numbers without one.
    pub run_id: Option<u16>,
    /// Invoice numbers the client's ledger or the platform held before the run.
    pub known: HashSet<String>,
}

/// Reads the client's ledger and the platform's truth and journal, then keeps the
/// `requested` run id if none of its numbers is there yet, or picks a fresh one.
/// A requested run id already in use stops the run before it issues anything.
pub async fn preflight(
    platform: &PlatformHandle,
    client: &ClientSystem,
    workload: &Generator,
    requested: Option<u16>,
    keeps_state: bool,
) -> Result<Preflight, RunProblem> {
    if !keeps_state {
        // A fresh client and a fresh platform: nothing to collide with.
        return Ok(Preflight {
            run_id: requested,
            known: HashSet::new(),
        });
    }
    let ledger = client
        .ledger()
        .await
        .map_err(|e| unknowable("the client's ledger", &e))?;
    let truth = platform
        .control
        .truth()
        .await
        .map_err(|e| unknowable("the platform's truth", &e))?;
    let journal = platform.control.journal().await.unwrap_or_else(|e| {
        tracing::warn!("reading the journal before the run: {e}");
        Vec::new()
    });
    let known: HashSet<String> = ledger
        .entries
        .into_iter()
        .map(|e| e.number)
        .chain(truth.records.into_iter().map(|r| r.number))
        .chain(journal.into_iter().filter_map(|e| e.number))
        .collect();
    let taken: BTreeSet<u16> = known.iter().filter_map(|n| workload.run_id_of(n)).collect();
    let run_id = match requested {
        Some(run_id) if taken.contains(&run_id) => {
            let mut ours = known
                .iter()
                .filter(|n| workload.run_id_of(n) == Some(run_id));
            let example = ours.next().cloned().unwrap_or_default();
            let count = 1 + ours.count();
            return Err(RunProblem::LeftoverState {
                detail: format!(
                    "the client's ledger or the platform already holds {count} invoice \
                     number(s) of run id {run_id} (e.g. {example}), so this run's numbers \
                     would meet an earlier run's invoices and nothing was issued; run without \
                     --run-id (a fresh run id is picked), or reset the client's state and \
                     the platform before replaying"
                ),
            });
        }
        Some(run_id) => run_id,
        None => fresh_run_id(&taken).ok_or_else(|| RunProblem::LeftoverState {
            detail: format!(
                "every run id of this seed is taken by invoices the client or the platform \
                 still holds ({} of them); reset the client's state or use another seed",
                taken.len()
            ),
        })?,
    };
    if !known.is_empty() {
        tracing::info!(
            known = known.len(),
            run_id,
            "the client or the platform holds invoices of earlier runs; they are not judged"
        );
    }
    Ok(Preflight {
        run_id: Some(run_id),
        known,
    })
}

/// Without a look at what is kept, this run's invoices cannot be told from others.
fn unknowable(what: &str, e: &dyn std::fmt::Display) -> RunProblem {
    RunProblem::LeftoverState {
        detail: format!(
            "{what} could not be read before the run, so invoices left by earlier runs \
             could not be told apart from this run's and nothing was issued: {e}"
        ),
    }
}

/// A random run id that no kept invoice uses, so unrelated runs rarely meet.
fn fresh_run_id(taken: &BTreeSet<u16>) -> Option<u16> {
    let start = rand::random::<u16>() % MAX_RUN_ID;
    (0..MAX_RUN_ID)
        .map(|step| (start + step) % MAX_RUN_ID + 1)
        .find(|id| !taken.contains(id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fresh_run_id_avoids_every_taken_one() {
        let taken: BTreeSet<u16> = (1..=MAX_RUN_ID).filter(|id| *id != 77).collect();
        assert_eq!(fresh_run_id(&taken), Some(77));
        let all: BTreeSet<u16> = (1..=MAX_RUN_ID).collect();
        assert_eq!(fresh_run_id(&all), None);
        let id = fresh_run_id(&BTreeSet::new()).unwrap();
        assert!((1..=MAX_RUN_ID).contains(&id));
    }
}
