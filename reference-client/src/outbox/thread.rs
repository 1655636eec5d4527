//! The outbox's own thread: SQLite never runs on the async executor. Operations queue
//! on a channel; the thread runs whatever has queued in one transaction (each operation
//! inside its own savepoint) and answers every caller only after the commit. Under load
//! this is group commit: one fsync for many invoices, and still "committed before 202".

use std::sync::mpsc;

use rusqlite::Connection;
use tokio::sync::oneshot;

use crate::ReferenceClientError;

/// Most operations folded into one transaction.
const MAX_BATCH: usize = 2048;

type Reply = Box<dyn FnOnce(bool) + Send>;
type Op = Box<dyn FnOnce(&Connection) -> Reply + Send>;

/// A cloneable handle to the outbox thread.
#[derive(Clone)]
pub(crate) struct DbThread {
    tx: mpsc::Sender<Op>,
    /// The database file, for error messages.
    path: std::sync::Arc<str>,
}

impl DbThread {
    /// Moves `conn` onto a new thread that serves operations until every handle is dropped.
    pub(crate) fn spawn(conn: Connection, path: &str) -> Result<DbThread, ReferenceClientError> {
        let (tx, rx) = mpsc::channel::<Op>();
        std::thread::Builder::new()
            .name("outbox".into())
            .spawn(move || serve(conn, rx))
            .map_err(|source| ReferenceClientError::Io {
                context: "starting the outbox thread".into(),
                source,
            })?;
        Ok(DbThread {
            tx,
            path: path.into(),
        })
    }

    /// Runs `f` on the outbox thread inside a savepoint and returns its result once the
    /// enclosing transaction has committed. An error from `f` rolls back only `f`'s writes.
    pub(crate) async fn call<T, F>(&self, f: F) -> Result<T, ReferenceClientError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> rusqlite::Result<T> + Send + 'static,
    {
        let (reply_tx, reply_rx) = oneshot::channel::<Result<T, ReferenceClientError>>();
        let path = self.path.clone();
        let op: Op = Box::new(move |conn: &Connection| {
            let result = in_savepoint(conn, f);
            Box::new(move |committed: bool| {
                let answer = match (committed, result) {
                    (true, r) => r.map_err(|source| ReferenceClientError::Outbox {
                        path: path.to_string(),
                        source,
                    }),
                    (false, _) => Err(ReferenceClientError::OutboxClosed),
                };
                let _ = reply_tx.send(answer);
            })
        });
        self.tx
            .send(op)
            .map_err(|_| ReferenceClientError::OutboxClosed)?;
        reply_rx
            .await
            .map_err(|_| ReferenceClientError::OutboxClosed)?
    }
}

fn in_savepoint<T>(
    conn: &Connection,
    f: impl FnOnce(&Connection) -> rusqlite::Result<T>,
) -> rusqlite::Result<T> {
    conn.prepare_cached("SAVEPOINT op")?.execute([])?;
    match f(conn) {
        Ok(v) => {
            conn.prepare_cached("RELEASE op")?.execute([])?;
            Ok(v)
        }
        Err(e) => {
            let _ = conn.execute_batch("ROLLBACK TO op; RELEASE op");
            Err(e)
        }
    }
}

/// Runs one cached statement that returns no rows (`BEGIN`, `COMMIT`, `ROLLBACK`).
fn run(conn: &Connection, sql: &str) -> bool {
    conn.prepare_cached(sql)
        .and_then(|mut s| s.execute([]))
        .is_ok()
}

fn serve(conn: Connection, rx: mpsc::Receiver<Op>) {
    let mut replies: Vec<Reply> = Vec::new();
    while let Ok(first) = rx.recv() {
        let began = run(&conn, "BEGIN IMMEDIATE");
        replies.push(first(&conn));
        while replies.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(op) => replies.push(op(&conn)),
                Err(_) => break,
            }
        }
        let committed = began && run(&conn, "COMMIT");
        if !committed {
            tracing::error!(
                "outbox commit failed; answering {} callers with an error",
                replies.len()
            );
            run(&conn, "ROLLBACK");
        }
        for reply in replies.drain(..) {
            reply(committed);
        }
    }
}
