//! The worker pool: a dispatcher reads open outbox rows in acceptance order into a
//! bounded queue and hands each to one of `workers` delivery tasks. Memory stays at
//! `queue_capacity + workers` rows however many invoices are pending, and a restart
//! simply starts reading from the first open row again.

use std::collections::{HashSet, VecDeque};
use std::sync::{Arc, Mutex};

use tokio::sync::{Notify, Semaphore};
use tokio::task::JoinSet;

use crate::deliver::{deliver, Ctx};
use crate::ReferenceClientError;

/// Ids of rows a task is delivering right now, so the dispatcher and reconciliation
/// never deliver the same row twice at once.
#[derive(Default)]
pub(crate) struct InFlight(Mutex<HashSet<i64>>);

impl InFlight {
    /// Claims `id`; `false` if someone already has it.
    pub(crate) fn claim(&self, id: i64) -> bool {
        match self.0.lock() {
            Ok(mut set) => set.insert(id),
            Err(poisoned) => poisoned.into_inner().insert(id),
        }
    }

    /// Releases `id`.
    pub(crate) fn release(&self, id: i64) {
        match self.0.lock() {
            Ok(mut set) => set.remove(&id),
            Err(poisoned) => poisoned.into_inner().remove(&id),
        };
    }
}

/// Runs until the outbox closes. Dropping the future aborts every delivery task; their
/// state is in the outbox, so nothing is lost.
pub(crate) async fn run(
    ctx: Arc<Ctx>,
    inflight: Arc<InFlight>,
    wake: Arc<Notify>,
) -> Result<(), ReferenceClientError> {
    let workers = Arc::new(Semaphore::new(ctx.config.workers));
    let capacity = ctx.config.queue_capacity;
    let mut queue = VecDeque::with_capacity(capacity);
    let mut cursor = 0i64;
    let mut tasks = JoinSet::new();
    loop {
        while tasks.try_join_next().is_some() {}
        if queue.is_empty() {
            let rows = ctx.outbox.open_rows(cursor, capacity).await?;
            match rows.last() {
                Some(last) => cursor = last.id,
                None => {
                    wake.notified().await;
                    continue;
                }
            }
            queue.extend(rows);
        }
        let Ok(permit) = workers.clone().acquire_owned().await else {
            return Ok(());
        };
        let Some(row) = queue.pop_front() else {
            continue;
        };
        if !inflight.claim(row.id) {
            continue;
        }
        let (ctx, inflight) = (ctx.clone(), inflight.clone());
        tasks.spawn(async move {
            let id = row.id;
            if let Err(e) = deliver(&ctx, row).await {
                tracing::warn!(id, error = %e, "delivery stopped");
            }
            inflight.release(id);
            drop(permit);
        });
    }
}
