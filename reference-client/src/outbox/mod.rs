//! The durable outbox: every invoice the client accepted, with its delivery state.
//! `POST /invoices` answers 202 only after the row is committed; every state move is
//! committed before the client acts on it, so a kill and restart resumes where it left.

mod schema;
mod state;
mod thread;

use std::path::Path;

use rusqlite::{params, OptionalExtension};
use tax_api::{Invoice, LedgerEntry};

pub use state::State;
use thread::DbThread;

use crate::ReferenceClientError;

/// One accepted invoice as the delivery code sees it.
#[derive(Debug, Clone)]
pub(crate) struct Row {
    pub id: i64,
    pub invoice: Invoice,
    pub state: State,
    /// Uploads sent so far, across restarts.
    pub attempts: u32,
    /// An asynchronous submission still to be polled.
    pub submission_id: Option<String>,
    /// Wall-clock deadline (ms since the epoch) for proving delivery.
    pub due_ms: i64,
    /// The invoice's content hash, computed when it was accepted: what a stored copy
    /// must match.
    pub content_hash: String,
}

/// What intake did with an invoice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Intake {
    /// Stored as new.
    New,
    /// Already stored with the same content: nothing changed.
    Same,
    /// Already stored with different content: refused.
    Conflict,
}

/// A committed move of one row.
#[derive(Debug, Clone)]
pub(crate) enum Move {
    /// An upload is about to go out under `serial` (attempt number `attempts`).
    Sent { serial: String, attempts: u32 },
    /// The platform answered 202 with this submission.
    Submitted { submission_id: String },
    /// A transient problem; still open. The note shows in the ledger.
    Note { note: String },
    /// Proven stored (or, in naive mode, believed stored).
    Confirmed { platform_ref: Option<String> },
    /// Given up on, for a person.
    Flagged { reason: String },
    /// Reopened (reconciliation found the platform no longer holds it) with a new deadline.
    Reopened { reason: String, due_ms: i64 },
}

/// Counts by state, for `GET /stats` and for waiting until delivery settles.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub(crate) struct Counts {
    /// Rows still being delivered (`PENDING` or `SENT`).
    pub open: u64,
    /// Rows confirmed.
    pub confirmed: u64,
    /// Rows flagged.
    pub flagged: u64,
}

/// A confirmed row that reconciliation found wanting.
#[derive(Debug, Clone)]
pub(crate) enum Finding {
    /// The platform holds nothing under the number.
    Missing(i64),
    /// The platform holds a copy whose content differs.
    Differs {
        id: i64,
        stored_lines: i64,
        sent_lines: i64,
    },
    /// The platform holds more than one copy.
    Duplicated { id: i64, copies: i64 },
}

/// Handle to the outbox; cheap to clone.
#[derive(Clone)]
pub(crate) struct Outbox {
    db: DbThread,
}

/// Milliseconds since the Unix epoch, the outbox's clock.
pub(crate) fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

fn to_sql_err(e: serde_json::Error) -> rusqlite::Error {
    rusqlite::Error::ToSqlConversionFailure(Box::new(e))
}

impl Outbox {
    /// Opens (or creates) `outbox.sqlite3` under `dir` in WAL mode.
    pub(crate) fn open(dir: &Path, fsync: bool) -> Result<Outbox, ReferenceClientError> {
        std::fs::create_dir_all(dir).map_err(|source| ReferenceClientError::Io {
            context: format!("creating state directory {}", dir.display()),
            source,
        })?;
        let path = dir.join("outbox.sqlite3");
        let conn = schema::open(&path, fsync).map_err(|source| ReferenceClientError::Outbox {
            path: path.display().to_string(),
            source,
        })?;
        Ok(Outbox {
            db: DbThread::spawn(conn, &path.display().to_string())?,
        })
    }

    /// Stores an invoice unless its number is already known; committed on return.
    pub(crate) async fn accept(
        &self,
        invoice: Invoice,
        due_ms: i64,
    ) -> Result<Intake, ReferenceClientError> {
        // Encoding happens here, off the outbox thread, which only stores.
        let hash = tax_api::content_hash(&invoice);
        let body = serde_json::to_string(&invoice);
        let issued_ms = chrono::DateTime::parse_from_rfc3339(&invoice.issued_at)
            .map(|t| t.timestamp_millis())
            .ok();
        self.db
            .call(move |c| {
                let body = body.map_err(to_sql_err)?;
                let inserted = c
                    .prepare_cached(
                        "INSERT INTO outbox (number, body, content_hash, issued_ms, request_serial, \
                         state, attempts, due_ms, updated_ms) \
                         VALUES (?1, ?2, ?3, ?4, ?5, 'PENDING', 0, ?6, ?7) \
                         ON CONFLICT (number) DO NOTHING",
                    )?
                    .execute(params![
                        invoice.number,
                        body,
                        hash,
                        issued_ms,
                        invoice.request_serial,
                        due_ms,
                        now_ms()
                    ])?;
                if inserted == 1 {
                    return Ok(Intake::New);
                }
                let known: String = c
                    .prepare_cached("SELECT content_hash FROM outbox WHERE number = ?1")?
                    .query_row([&invoice.number], |r| r.get(0))?;
                Ok(if known == hash {
                    Intake::Same
                } else {
                    Intake::Conflict
                })
            })
            .await
    }

    /// Up to `limit` open rows with `id > after`, in acceptance order, skipping `busy` ids.
    pub(crate) async fn open_rows(
        &self,
        after: i64,
        limit: usize,
    ) -> Result<Vec<Row>, ReferenceClientError> {
        self.db
            .call(move |c| {
                let mut stmt = c.prepare_cached(
                    "SELECT id, body, request_serial, state, attempts, submission_id, due_ms, content_hash \
                     FROM outbox WHERE state IN ('PENDING','SENT') AND id > ?1 ORDER BY id LIMIT ?2",
                )?;
                let rows = stmt.query_map(params![after, limit as i64], read_row)?;
                rows.collect()
            })
            .await
    }

    /// Commits a move of row `id`; an illegal move (e.g. out of `FLAGGED`) is ignored and
    /// reported as `false`.
    pub(crate) async fn record(&self, id: i64, mv: Move) -> Result<bool, ReferenceClientError> {
        self.db.call(move |c| apply(c, id, &mv)).await
    }

    /// Every invoice the client knows, for `GET /ledger`.
    pub(crate) async fn ledger(&self) -> Result<Vec<LedgerEntry>, ReferenceClientError> {
        self.db
            .call(|c| {
                let mut stmt = c.prepare_cached(
                    "SELECT number, state, reason, platform_ref FROM outbox ORDER BY id",
                )?;
                let rows = stmt.query_map([], |r| {
                    let state: String = r.get(1)?;
                    let state = State::parse(&state).unwrap_or(State::Pending);
                    Ok(LedgerEntry {
                        number: r.get(0)?,
                        status: state.into(),
                        reason: if state == State::Confirmed {
                            None
                        } else {
                            r.get(2)?
                        },
                        platform_ref: r.get(3)?,
                    })
                })?;
                rows.collect()
            })
            .await
    }

    /// How many rows are open, confirmed and flagged.
    pub(crate) async fn counts(&self) -> Result<Counts, ReferenceClientError> {
        self.db
            .call(|c| {
                let mut counts = Counts::default();
                let mut stmt =
                    c.prepare_cached("SELECT state, COUNT(*) FROM outbox GROUP BY state")?;
                let mut rows = stmt.query([])?;
                while let Some(r) = rows.next()? {
                    let s: String = r.get(0)?;
                    let n: i64 = r.get(1)?;
                    let n = u64::try_from(n).unwrap_or(0);
                    match State::parse(&s) {
                        Some(State::Confirmed) => counts.confirmed += n,
                        Some(State::Flagged) => counts.flagged += n,
                        _ => counts.open += n,
                    }
                }
                Ok(counts)
            })
            .await
    }

    /// The issue-time span (ms since the epoch) of confirmed rows, for a reconciliation query.
    pub(crate) async fn confirmed_span(&self) -> Result<Option<(i64, i64)>, ReferenceClientError> {
        self.db
            .call(|c| {
                c.query_row(
                    "SELECT MIN(issued_ms), MAX(issued_ms) FROM outbox WHERE state = 'CONFIRMED'",
                    [],
                    |r| Ok((r.get::<_, Option<i64>>(0)?, r.get::<_, Option<i64>>(1)?)),
                )
                .map(|(a, b)| a.zip(b))
            })
            .await
    }

    /// The newest row's id (0 when empty): every row accepted so far has an id up to it.
    pub(crate) async fn last_id(&self) -> Result<i64, ReferenceClientError> {
        self.db
            .call(|c| c.query_row("SELECT COALESCE(MAX(id), 0) FROM outbox", [], |r| r.get(0)))
            .await
    }

    /// Starts a reconciliation pass: forgets what the previous one saw.
    pub(crate) async fn seen_clear(&self) -> Result<(), ReferenceClientError> {
        self.db.call(|c| c.execute_batch("DELETE FROM seen")).await
    }

    /// Remembers one page of platform records: (number, content_hash, line_count).
    pub(crate) async fn seen_add(
        &self,
        items: Vec<(String, String, i64)>,
    ) -> Result<(), ReferenceClientError> {
        self.db
            .call(move |c| {
                let mut stmt = c.prepare_cached(
                    "INSERT INTO seen (number, content_hash, line_count) VALUES (?1, ?2, ?3)",
                )?;
                for (n, h, l) in &items {
                    stmt.execute(params![n, h, l])?;
                }
                Ok(())
            })
            .await
    }

    /// Compares every confirmed row with what the pass saw. Returns how many rows were
    /// checked and what is wrong with the others.
    pub(crate) async fn seen_compare(&self) -> Result<(u64, Vec<Finding>), ReferenceClientError> {
        self.db.call(schema::compare_seen).await
    }

    /// Loads one row by id.
    pub(crate) async fn row(&self, id: i64) -> Result<Option<Row>, ReferenceClientError> {
        self.db
            .call(move |c| {
                c.prepare_cached(
                    "SELECT id, body, request_serial, state, attempts, submission_id, due_ms, content_hash \
                     FROM outbox WHERE id = ?1",
                )?
                .query_row([id], read_row)
                .optional()
            })
            .await
    }
}

fn read_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Row> {
    let body: String = r.get(1)?;
    let mut invoice: Invoice = serde_json::from_str(&body).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(1, rusqlite::types::Type::Text, Box::new(e))
    })?;
    invoice.request_serial = r.get(2)?;
    let state: String = r.get(3)?;
    Ok(Row {
        id: r.get(0)?,
        invoice,
        state: State::parse(&state).unwrap_or(State::Pending),
        attempts: r.get(4)?,
        submission_id: r.get(5)?,
        due_ms: r.get(6)?,
        content_hash: r.get(7)?,
    })
}

/// Commits `mv` of row `id` if [`State::can_move_to`] allows it from the row's current
/// state: each statement names, in its `WHERE`, the states the move may start from
/// (`tests::every_move_is_legal_exactly_when_the_state_machine_says_so` checks them).
fn apply(c: &rusqlite::Connection, id: i64, mv: &Move) -> rusqlite::Result<bool> {
    let now = now_ms();
    let n = match mv {
        Move::Sent { serial, attempts } => c
            .prepare_cached(
                "UPDATE outbox SET state = 'SENT', request_serial = ?2, attempts = ?3, updated_ms = ?4 \
                 WHERE id = ?1 AND state IN ('PENDING','SENT')",
            )?
            .execute(params![id, serial, attempts, now])?,
        Move::Submitted { submission_id } => c
            .prepare_cached(
                "UPDATE outbox SET submission_id = ?2, updated_ms = ?3 \
                 WHERE id = ?1 AND state IN ('PENDING','SENT','CONFIRMED')",
            )?
            .execute(params![id, submission_id, now])?,
        Move::Note { note } => c
            .prepare_cached(
                "UPDATE outbox SET reason = ?2, updated_ms = ?3 \
                 WHERE id = ?1 AND state IN ('PENDING','SENT','CONFIRMED')",
            )?
            .execute(params![id, note, now])?,
        Move::Confirmed { platform_ref } => c
            .prepare_cached(
                "UPDATE outbox SET state = 'CONFIRMED', reason = NULL, submission_id = NULL, \
                 platform_ref = COALESCE(?2, platform_ref), updated_ms = ?3 \
                 WHERE id = ?1 AND state IN ('PENDING','SENT','CONFIRMED')",
            )?
            .execute(params![id, platform_ref, now])?,
        Move::Flagged { reason } => c
            .prepare_cached(
                "UPDATE outbox SET state = 'FLAGGED', reason = ?2, updated_ms = ?3 \
                 WHERE id = ?1 AND state IN ('PENDING','SENT','CONFIRMED')",
            )?
            .execute(params![id, reason, now])?,
        Move::Reopened { reason, due_ms } => c
            .prepare_cached(
                "UPDATE outbox SET state = 'PENDING', reason = ?2, due_ms = ?3, submission_id = NULL, \
                 updated_ms = ?4 WHERE id = ?1 AND state IN ('PENDING','SENT','CONFIRMED')",
            )?
            .execute(params![id, reason, due_ms, now])?,
    };
    Ok(n == 1)
}

#[cfg(test)]
mod tests;
