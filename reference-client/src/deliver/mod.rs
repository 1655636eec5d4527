//! Delivery of one accepted invoice to the platform, in either mode. The worker pool
//! calls [`deliver`] once per open outbox row; it returns when the row is confirmed or
//! flagged (or the outbox is gone because the client is stopping).

mod check;
mod copies;
mod naive;
mod robust;

use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::time::Duration;

use tokio::time::Instant;

use crate::outbox::{now_ms, Move, Outbox, Row};
use crate::platform::Platform;
use crate::retry::Backoff;
use crate::{ClientConfig, Mode, ReferenceClientError};

pub(crate) use check::{compare, Damage};
pub(crate) use robust::deliver as deliver_robust;
pub(crate) use tax_api::hash::same_content;

/// What every delivery shares.
pub(crate) struct Ctx {
    /// The durable outbox.
    pub outbox: Outbox,
    /// The platform API.
    pub platform: Platform,
    /// The client's settings.
    pub config: ClientConfig,
    /// Retry timing.
    pub backoff: Backoff,
    /// Set when an answer said `MAINTENANCE`; the reconciler runs once the window is over.
    pub maintenance_seen: AtomicBool,
    /// The newest row id when the latest reconciliation pass began. A row up to it that
    /// was still open then is one the pass could not check, so its delivery counts the
    /// platform's copies itself before confirming.
    pub reconciled_through: AtomicI64,
}

impl Ctx {
    /// Bundles the parts of a running client.
    pub(crate) fn new(outbox: Outbox, platform: Platform, config: ClientConfig) -> Ctx {
        let backoff = Backoff {
            base: config.backoff_base,
            cap: config.backoff_cap,
            seed: config.jitter_seed,
        };
        Ctx {
            outbox,
            platform,
            config,
            backoff,
            maintenance_seen: AtomicBool::new(false),
            reconciled_through: AtomicI64::new(0),
        }
    }

    /// Notes that the platform is in a maintenance window.
    pub(crate) fn saw_maintenance(&self) {
        self.maintenance_seen.store(true, Ordering::Relaxed);
    }

    /// Notes that a reconciliation pass begins while `last_id` is the newest row.
    pub(crate) fn reconciling_through(&self, last_id: i64) {
        self.reconciled_through
            .fetch_max(last_id, Ordering::Relaxed);
    }

    /// Whether a reconciliation pass began after row `id` was accepted.
    pub(crate) fn missed_by_reconciliation(&self, id: i64) -> bool {
        id <= self.reconciled_through.load(Ordering::Relaxed)
    }

    /// Commits a move; `Ok(false)` when the move was not legal from the row's state.
    pub(crate) async fn record(&self, row: &Row, mv: Move) -> Result<bool, ReferenceClientError> {
        self.outbox.record(row.id, mv).await
    }
}

/// Delivers one row according to the configured mode.
pub(crate) async fn deliver(ctx: &Ctx, row: Row) -> Result<(), ReferenceClientError> {
    match ctx.config.mode {
        Mode::Naive => naive::deliver(ctx, row).await,
        Mode::Robust => robust::deliver(ctx, row).await,
    }
}

/// The row's wall-clock deadline as a monotonic instant.
pub(crate) fn deadline_of(due_ms: i64) -> Instant {
    let left = due_ms.saturating_sub(now_ms());
    later(Duration::from_millis(u64::try_from(left).unwrap_or(0)))
}

/// `d` from now. A duration far beyond what the clock can hold (a `Retry-After` of
/// u64::MAX seconds, a deadline of centuries) means "not in this run": it stops
/// about a century ahead instead of overflowing the instant.
pub(crate) fn later(d: Duration) -> Instant {
    let now = Instant::now();
    now.checked_add(d)
        .or_else(|| now.checked_add(FAR_FUTURE))
        .unwrap_or(now)
}

/// Where [`later`] stops: far beyond any run, near enough for every clock.
const FAR_FUTURE: Duration = Duration::from_secs(100 * 365 * 24 * 3600);

/// Sleeps `d`, but never past `deadline`.
pub(crate) async fn wait(d: Duration, deadline: Instant) {
    tokio::time::sleep_until(later(d).min(deadline)).await;
}
