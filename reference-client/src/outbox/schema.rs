//! The outbox's tables, its pragmas, and the reconciliation join.

use std::path::Path;

use rusqlite::Connection;

use super::Finding;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS outbox (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    number         TEXT NOT NULL UNIQUE,
    body           TEXT NOT NULL,
    content_hash   TEXT NOT NULL,
    issued_ms      INTEGER,
    request_serial TEXT NOT NULL,
    state          TEXT NOT NULL,
    reason         TEXT,
    platform_ref   TEXT,
    attempts       INTEGER NOT NULL DEFAULT 0,
    submission_id  TEXT,
    due_ms         INTEGER NOT NULL,
    updated_ms     INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS outbox_open ON outbox (state, id);
CREATE TABLE IF NOT EXISTS seen (
    number       TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    line_count   INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS seen_number ON seen (number);
";

/// Opens the database with WAL journaling and creates the tables if needed.
pub(super) fn open(path: &Path, fsync: bool) -> rusqlite::Result<Connection> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", if fsync { "FULL" } else { "NORMAL" })?;
    conn.execute_batch(SCHEMA)?;
    Ok(conn)
}

/// Joins confirmed rows with the `seen` table of the current reconciliation pass.
pub(super) fn compare_seen(c: &Connection) -> rusqlite::Result<(u64, Vec<Finding>)> {
    let checked: i64 = c.query_row(
        "SELECT COUNT(*) FROM outbox WHERE state = 'CONFIRMED'",
        [],
        |r| r.get(0),
    )?;
    let mut stmt = c.prepare(
        "SELECT o.id, o.content_hash, json_array_length(o.body, '$.lines'),
                COUNT(s.number), MIN(s.content_hash), MAX(s.content_hash), MIN(s.line_count)
         FROM outbox o LEFT JOIN seen s ON s.number = o.number
         WHERE o.state = 'CONFIRMED'
         GROUP BY o.id
         HAVING COUNT(s.number) != 1 OR MIN(s.content_hash) != o.content_hash
                OR MAX(s.content_hash) != o.content_hash",
    )?;
    let rows = stmt.query_map([], |r| {
        let id: i64 = r.get(0)?;
        let sent_lines: i64 = r.get(2)?;
        let copies: i64 = r.get(3)?;
        let stored_lines: Option<i64> = r.get(6)?;
        Ok(match copies {
            0 => Finding::Missing(id),
            1 => Finding::Differs {
                id,
                stored_lines: stored_lines.unwrap_or(0),
                sent_lines,
            },
            n => Finding::Duplicated { id, copies: n },
        })
    })?;
    let findings = rows.collect::<rusqlite::Result<Vec<_>>>()?;
    Ok((u64::try_from(checked).unwrap_or(0), findings))
}
