//! How many records the platform holds under one invoice's number, counted by the
//! reconciliation query over the invoice's issue time. A reconciliation pass only
//! checks confirmed rows, so a delivery still open when a pass began (an asynchronous
//! submission still processing, say) runs this before it confirms: a double record
//! is then flagged as the pass would have flagged it.

use tax_api::{Invoice, QueryRequest, TimeField, MAX_PAGE_SIZE};
use tokio::time::Instant;

use super::{wait, Ctx};
use crate::platform::Reply;
use crate::reconcile::rfc3339;

/// The answer of [`count`].
pub(crate) enum Copies {
    /// The platform lists this many records under the number.
    Counted(usize),
    /// The issue time cannot be queried by (the platform would not list it either).
    Unqueryable,
    /// The deadline came before the platform answered every page.
    OutOfTime,
}

/// Pages through the query for `invoice`'s issue-time second and counts the records
/// under its number. Errors are retried with backoff until `deadline`; `retries` is the
/// delivery's retry count, so the backoff keeps growing across steps.
pub(crate) async fn count(
    ctx: &Ctx,
    invoice: &Invoice,
    deadline: Instant,
    retries: &mut u32,
) -> Copies {
    let Ok(issued) = chrono::DateTime::parse_from_rfc3339(&invoice.issued_at) else {
        return Copies::Unqueryable;
    };
    let ms = issued.timestamp_millis();
    let (from, to) = (rfc3339(ms), rfc3339(ms.saturating_add(1000)));
    let mut cursor = None;
    let mut copies = 0;
    loop {
        if Instant::now() >= deadline {
            return Copies::OutOfTime;
        }
        let q = QueryRequest {
            seller_tax_id: ctx.config.seller_id.clone(),
            from: from.clone(),
            to: to.clone(),
            by: TimeField::IssuedAt,
            page_size: Some(MAX_PAGE_SIZE),
            cursor: cursor.clone(),
        };
        let after = match ctx.platform.query(&q).await {
            Reply::Ok(_, page) => {
                copies += page
                    .items
                    .iter()
                    .filter(|s| s.invoice.number == invoice.number)
                    .count();
                match (page.has_more, page.next_cursor) {
                    (true, Some(next)) => {
                        cursor = Some(next);
                        continue;
                    }
                    _ => return Copies::Counted(copies),
                }
            }
            Reply::Err(_, _, after) => after,
            Reply::Failed(_) => None,
        };
        // A failed page restarts the paging run: its cursor may be what was refused.
        (cursor, copies) = (None, 0);
        let d = ctx.backoff.delay(&invoice.number, *retries, after);
        *retries += 1;
        wait(d, deadline).await;
    }
}
