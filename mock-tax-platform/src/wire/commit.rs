//! The commit both dialects make for an upload whose plan stores something: the
//! write (finished after the processing delay, visible after the fault's lag), the
//! journal's effect, and the duplicate marking of a record a fault doubled.

use std::time::Duration;

use chrono::{DateTime, Utc};
use tax_api::{Integrity, Invoice, StoreEffect};

use crate::state::AppState;
use crate::store::{Keep, UploadOutcome, Write};
use crate::wire::exchange::Exchange;
use crate::wire::upload_plan::AfterStore;

/// What the commit did, with the times a dialect answers with.
pub struct Committed {
    pub outcome: UploadOutcome,
    /// When the write is persisted (wall clock).
    pub persisted_at: DateTime<Utc>,
    /// Run time from which reads see it.
    pub visible_from: Duration,
}

/// Writes `invoice` as `keep` says, for a request received at `received_at` whose
/// processing ends at run time `done_at`; `cause` names the rule on a doubled record.
pub fn commit_upload(
    state: &AppState,
    exchange: &mut Exchange<'_>,
    invoice: &Invoice,
    keep: Keep,
    after: &AfterStore,
    cause: &str,
    (received_at, done_at): (DateTime<Utc>, Duration),
) -> Committed {
    let effect = match &keep {
        Keep::Intact => StoreEffect::Stored,
        Keep::Damaged {
            integrity: Integrity::Partial,
            ..
        } => StoreEffect::StoredPartial,
        Keep::Damaged { .. } => StoreEffect::StoredCorrupted,
        Keep::Nothing => StoreEffect::Dropped,
    };
    let persisted_at = state.clock.wall_at(done_at);
    let visible_from = done_at.saturating_add(after.lag);
    let outcome = state.store.upload(
        invoice,
        Write {
            keep,
            received_at,
            persisted_at,
            visible_from,
            copies: after.copies,
        },
    );
    exchange.entry().effect = match &outcome {
        UploadOutcome::Stored { .. } => effect,
        UploadOutcome::Existing {
            same_content: true, ..
        } => StoreEffect::Idempotent,
        UploadOutcome::Existing { .. } => StoreEffect::None,
    };
    if matches!(outcome, UploadOutcome::Stored { kept: true, .. }) && after.copies > 1 {
        state
            .store
            .update(&invoice.seller_tax_id, &invoice.number, |r| {
                r.integrity = Integrity::Duplicated;
                r.set_cause(cause);
            });
        exchange.entry().effect = StoreEffect::StoredDuplicate;
    }
    Committed {
        outcome,
        persisted_at,
        visible_from,
    }
}
