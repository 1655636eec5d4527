//! `POST /v1/invoices/query`: reconciliation by period with cursor paging.
//!
//! Records are paged in write-sequence order. The first page fixes the
//! high-water mark (the last sequence written then) and every cursor carries it,
//! so one paging run sees exactly the matching records written before it began:
//! none skipped, none repeated, however many uploads arrive meanwhile.

use std::sync::Arc;

use chrono::DateTime;
use http::StatusCode;
use hyper::body::Incoming;
use hyper::Request;
use sha2::{Digest, Sha256};
use tax_api::api::DEFAULT_PAGE_SIZE;
use tax_api::{ApiError, QueryPage, QueryRequest, Route, TimeField, MAX_PAGE_SIZE};

use crate::state::AppState;
use crate::wire::auth;
use crate::wire::exchange::Exchange;
use crate::wire::faulted as chaos;
use crate::wire::respond::{self, Response};

use super::{authenticated_json, JsonRequest};

/// Position in a paging run: the last sequence served, the run's high-water mark,
/// and a fingerprint of the query so a cursor cannot be replayed on another query.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Cursor {
    after: u64,
    high_water_mark: u64,
    fingerprint: u64,
}

impl Cursor {
    fn encode(self) -> String {
        format!(
            "{}.{}.{:016x}",
            self.after, self.high_water_mark, self.fingerprint
        )
    }

    fn decode(text: &str) -> Option<Cursor> {
        let mut parts = text.split('.');
        let cursor = Cursor {
            after: parts.next()?.parse().ok()?,
            high_water_mark: parts.next()?.parse().ok()?,
            fingerprint: u64::from_str_radix(parts.next()?, 16).ok()?,
        };
        parts.next().is_none().then_some(cursor)
    }
}

fn fingerprint(request: &QueryRequest) -> u64 {
    let mut hasher = Sha256::new();
    for part in [
        request.seller_tax_id.as_str(),
        request.from.as_str(),
        request.to.as_str(),
        match request.by {
            TimeField::IssuedAt => "issued_at",
            TimeField::ReceivedAt => "received_at",
        },
    ] {
        hasher.update(part.as_bytes());
        hasher.update([0]);
    }
    let digest = hasher.finalize();
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    u64::from_be_bytes(first)
}

fn parse_time(field: &str, value: &str) -> Result<i64, ApiError> {
    DateTime::parse_from_rfc3339(value)
        .map(|t| t.timestamp_millis())
        .map_err(|_| {
            ApiError::validation(
                field,
                format!("{field} {value:?} is not an RFC 3339 time with offset"),
            )
        })
}

/// Serves `POST /v1/invoices/query`.
pub async fn query(
    state: &Arc<AppState>,
    req: Request<Incoming>,
    exchange: &mut Exchange<'_>,
) -> Result<Response, ApiError> {
    let JsonRequest {
        seller,
        conn,
        body: request,
    } = authenticated_json::<QueryRequest>(state, req, exchange).await?;
    auth::check_seller(seller.as_deref(), &request.seller_tax_id)?;
    let page_size = request.page_size.unwrap_or(DEFAULT_PAGE_SIZE);
    if page_size == 0 || page_size > MAX_PAGE_SIZE {
        return Err(ApiError::validation(
            "page_size",
            format!("page_size must be 1..={MAX_PAGE_SIZE}, found {page_size}"),
        ));
    }
    let from = parse_time("from", &request.from)?;
    let to = parse_time("to", &request.to)?;
    if from > to {
        return Err(ApiError::validation(
            "to",
            format!("to ({}) is before from ({})", request.to, request.from),
        ));
    }
    // The decision's identity: the query's seller, period and page.
    let key = format!(
        "query|{}|{}|{}|{}",
        request.seller_tax_id,
        request.from,
        request.to,
        request.cursor.as_deref().unwrap_or("")
    );
    let attempt = state
        .journal
        .next_attempt(Route::Query, &request.seller_tax_id, &key);
    let entered = chaos::enter(state, exchange, Route::Query)?;
    let facts = chaos::facts(
        &entered,
        Route::Query,
        Some(&request.seller_tax_id),
        None,
        &key,
        attempt,
    );
    if let Some(response) =
        chaos::before_read(state, exchange, conn.as_ref(), &entered, &facts).await
    {
        return Ok(response);
    }
    let fingerprint = fingerprint(&request);
    let (after, high_water_mark) = match &request.cursor {
        None => (0, state.store.high_water_mark()),
        Some(text) => {
            let cursor = Cursor::decode(text)
                .filter(|c| c.fingerprint == fingerprint)
                .ok_or_else(|| {
                    ApiError::validation(
                        "cursor",
                        "cursor is not a next_cursor this query returned (the query's \
                         seller, period and time field must stay the same)",
                    )
                })?;
            (cursor.after, cursor.high_water_mark)
        }
    };
    let by = request.by;
    let now = state.clock.elapsed();
    let scan = state.store.scan(
        &request.seller_tax_id,
        after,
        high_water_mark,
        page_size as usize,
        now,
        |record| {
            let at = match by {
                TimeField::IssuedAt => record.issued_at_ms(),
                TimeField::ReceivedAt => Some(record.received_at.timestamp_millis()),
            };
            at.is_some_and(|at| from <= at && at < to)
        },
    );
    let next_cursor = match (scan.has_more, scan.records.last()) {
        (true, Some(last)) => Some(
            Cursor {
                after: last.seq,
                high_water_mark,
                fingerprint,
            }
            .encode(),
        ),
        _ => None,
    };
    let page = QueryPage {
        // A record a fault duplicated is listed once per copy, as a platform holding
        // two records would list both: reconciliation is how a client finds them.
        items: scan
            .records
            .iter()
            .filter_map(|r| r.to_stored_invoice().map(|s| (s, r.copies.max(1))))
            .flat_map(|(s, copies)| std::iter::repeat(s).take(copies as usize))
            .collect(),
        has_more: next_cursor.is_some(),
        next_cursor,
        high_water_mark,
    };
    Ok(respond::json(StatusCode::OK, &page))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trips_and_rejects_extra_parts() {
        let cursor = Cursor {
            after: 7,
            high_water_mark: 1200,
            fingerprint: 0xabc,
        };
        assert_eq!(Cursor::decode(&cursor.encode()), Some(cursor));
        assert_eq!(Cursor::decode("7.1200.abc.1"), None);
        assert_eq!(Cursor::decode("garbage"), None);
    }
}
