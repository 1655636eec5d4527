//! Reconciliation by period: page through `POST /v1/invoices/query` over the issue-time
//! span of confirmed invoices, and compare with the outbox. Whatever the platform no
//! longer holds is uploaded again; damaged or duplicated copies are flagged. Runs on
//! `POST /reconcile` and, in robust mode, after a maintenance window ends.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use tax_api::{OperatingState, QueryRequest, ReconcileSummary, TimeField, MAX_PAGE_SIZE};
use tokio::sync::Mutex;
use tokio::task::JoinSet;
use tokio::time::Instant;

use crate::deliver::{deliver_robust, later, wait, Ctx};
use crate::dispatch::InFlight;
use crate::outbox::{now_ms, Finding, Move, State};
use crate::platform::Reply;
use crate::{Mode, ReferenceClientError};

/// Why a reconciliation pass could not finish.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ReconcileError {
    /// The platform would not answer the query in time.
    #[error("the platform did not answer the reconciliation query: {0}")]
    Platform(String),
    /// The outbox failed.
    #[error(transparent)]
    Outbox(#[from] ReferenceClientError),
}

/// Runs one pass at a time.
pub(crate) struct Reconciler {
    ctx: Arc<Ctx>,
    inflight: Arc<InFlight>,
    lock: Mutex<()>,
}

/// `ms` since the epoch as an RFC 3339 time, as the platform's query takes it.
pub(crate) fn rfc3339(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

impl Reconciler {
    /// A reconciler over the client's outbox and platform.
    pub(crate) fn new(ctx: Arc<Ctx>, inflight: Arc<InFlight>) -> Reconciler {
        Reconciler {
            ctx,
            inflight,
            lock: Mutex::new(()),
        }
    }

    /// The set of rows being delivered, shared with the dispatcher.
    pub(crate) fn inflight(&self) -> Arc<InFlight> {
        self.inflight.clone()
    }

    /// One pass. Naive mode does not reconcile: it answers all zeros.
    pub(crate) async fn run(&self) -> Result<ReconcileSummary, ReconcileError> {
        if self.ctx.config.mode == Mode::Naive {
            return Ok(ReconcileSummary::default());
        }
        let _one_at_a_time = self.lock.lock().await;
        let ctx = &self.ctx;
        // Rows still open now escape this pass; their deliveries check copies instead.
        ctx.reconciling_through(ctx.outbox.last_id().await?);
        let Some((lo, hi)) = ctx.outbox.confirmed_span().await? else {
            return Ok(ReconcileSummary::default());
        };
        ctx.outbox.seen_clear().await?;
        self.read_platform(rfc3339(lo), rfc3339(hi + 1000)).await?;
        let (checked, findings) = ctx.outbox.seen_compare().await?;
        let mut summary = ReconcileSummary {
            checked,
            ..ReconcileSummary::default()
        };
        let mut uploads = JoinSet::new();
        for finding in findings {
            let (id, reason) = match finding {
                Finding::Missing(id) => {
                    self.reupload(id, &mut uploads).await?;
                    summary.reuploaded += 1;
                    continue;
                }
                Finding::Differs {
                    id,
                    stored_lines,
                    sent_lines,
                } if stored_lines < sent_lines => (
                    id,
                    format!("PARTIAL: reconciliation found {stored_lines} of {sent_lines} lines"),
                ),
                Finding::Differs { id, .. } => (
                    id,
                    "CORRUPTED: reconciliation found content that differs from what was sent"
                        .into(),
                ),
                Finding::Duplicated { id, copies } => (
                    id,
                    format!("DUPLICATED: reconciliation found {copies} copies"),
                ),
            };
            if ctx.outbox.record(id, Move::Flagged { reason }).await? {
                summary.flagged += 1;
            }
        }
        while let Some(done) = uploads.join_next().await {
            if let Ok(Ok(id)) = done {
                if let Some(row) = ctx.outbox.row(id).await? {
                    summary.flagged += u64::from(row.state == State::Flagged);
                }
            }
        }
        Ok(summary)
    }

    async fn read_platform(&self, from: String, to: String) -> Result<(), ReconcileError> {
        let ctx = &self.ctx;
        let deadline = later(ctx.config.delivery_deadline);
        let mut cursor = None;
        let mut retries = 0;
        loop {
            let q = QueryRequest {
                seller_tax_id: ctx.config.seller_id.clone(),
                from: from.clone(),
                to: to.clone(),
                by: TimeField::IssuedAt,
                page_size: Some(MAX_PAGE_SIZE),
                cursor: cursor.clone(),
            };
            let (last, after) = match ctx.platform.query(&q).await {
                Reply::Ok(_, page) => {
                    let items = page
                        .items
                        .into_iter()
                        .map(|s| (s.invoice.number, s.content_hash, s.line_count as i64))
                        .collect();
                    ctx.outbox.seen_add(items).await?;
                    match (page.has_more, page.next_cursor) {
                        (true, Some(next)) => {
                            cursor = Some(next);
                            continue;
                        }
                        _ => return Ok(()),
                    }
                }
                Reply::Err(status, err, after) => (format!("HTTP {status} {}", err.code), after),
                Reply::Failed(t) => (format!("{t:?}"), None),
            };
            if Instant::now() >= deadline {
                return Err(ReconcileError::Platform(last));
            }
            let d = ctx.backoff.delay("reconcile", retries, after);
            retries += 1;
            wait(d, deadline).await;
        }
    }

    async fn reupload(
        &self,
        id: i64,
        uploads: &mut JoinSet<Result<i64, ReferenceClientError>>,
    ) -> Result<(), ReferenceClientError> {
        if !self.inflight.claim(id) {
            return Ok(());
        }
        let ctx = &self.ctx;
        let due_ms = now_ms().saturating_add(
            i64::try_from(ctx.config.delivery_deadline.as_millis()).unwrap_or(i64::MAX),
        );
        let reason = "RECONCILE: the platform no longer holds it; uploading again".to_owned();
        ctx.outbox
            .record(id, Move::Reopened { reason, due_ms })
            .await?;
        let Some(row) = ctx.outbox.row(id).await? else {
            self.inflight.release(id);
            return Ok(());
        };
        while uploads.len() >= ctx.config.workers {
            uploads.join_next().await;
        }
        let (ctx, inflight) = (ctx.clone(), self.inflight.clone());
        uploads.spawn(async move {
            let result = deliver_robust(&ctx, row).await;
            inflight.release(id);
            result.map(|()| id)
        });
        Ok(())
    }

    /// Robust mode's watch on `GET /v1/status`: once a maintenance window has been seen
    /// (here or by a delivery) and the platform is normal again, reconcile.
    pub(crate) async fn watch_maintenance(self: Arc<Self>) {
        let every = self
            .ctx
            .config
            .status_interval
            .max(Duration::from_millis(10));
        loop {
            tokio::time::sleep(every).await;
            let state = match self.ctx.platform.status().await {
                Reply::Ok(_, s) => Some(s.state),
                Reply::Err(_, err, _) if err.code == tax_api::ErrorCode::Maintenance => {
                    Some(OperatingState::Maintenance)
                }
                _ => None,
            };
            match state {
                Some(OperatingState::Maintenance) => self.ctx.saw_maintenance(),
                Some(_) if self.ctx.maintenance_seen.swap(false, Ordering::Relaxed) => {
                    match self.run().await {
                        Ok(s) => tracing::info!(?s, "reconciled after maintenance"),
                        Err(e) => {
                            tracing::warn!(error = %e, "reconciliation after maintenance failed");
                            self.ctx.saw_maintenance();
                        }
                    }
                }
                _ => {}
            }
        }
    }
}
