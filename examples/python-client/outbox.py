"""The durable outbox: one SQLite row per invoice the client owns.

Every state transition is one committed transaction (WAL, synchronous=FULL), so a
client killed with SIGKILL resumes exactly where the last commit left it. A row whose
`uncertain` flag is set may have reached the platform without the client hearing the
answer (timeout, reset, kill mid-request): the next delivery step looks before it
resends.
"""

import json
import os
import sqlite3
import threading
import time

PENDING, CONFIRMED, FLAGGED = "pending", "confirmed", "flagged"

# Delivery stages of a pending row (see delivery.py).
UPLOAD, POLL, VERIFY, DUPLICATE = "upload", "poll", "verify", "duplicate"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS invoices (
    number        TEXT PRIMARY KEY,
    body          TEXT NOT NULL,     -- the upload body exactly as received, re-sent unchanged
    content_hash  TEXT NOT NULL,
    line_count    INTEGER NOT NULL,
    issued_at     TEXT NOT NULL,
    status        TEXT NOT NULL,     -- pending | confirmed | flagged
    stage         TEXT NOT NULL,     -- upload | poll | verify | duplicate
    reason        TEXT,
    platform_ref  TEXT,
    submission_id TEXT,
    uncertain     INTEGER NOT NULL DEFAULT 0,
    attempts      INTEGER NOT NULL DEFAULT 0,  -- transient failures so far
    reads         INTEGER NOT NULL DEFAULT 0,  -- read-backs / polls in the current stage
    reuploads     INTEGER NOT NULL DEFAULT 0,
    next_at       REAL NOT NULL,     -- when the next step is due (unix seconds)
    deadline_at   REAL NOT NULL,     -- after this, anything unproven is flagged
    created_at    REAL NOT NULL,
    updated_at    REAL NOT NULL,
    history       TEXT NOT NULL DEFAULT ''     -- one line per transition, for people
);
CREATE INDEX IF NOT EXISTS invoices_due ON invoices (status, next_at);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""

_COLUMNS = (
    "number", "body", "content_hash", "line_count", "issued_at", "status", "stage", "reason",
    "platform_ref", "submission_id", "uncertain", "attempts", "reads", "reuploads", "next_at",
    "deadline_at", "created_at", "updated_at", "history",
)
_UPDATABLE = frozenset(_COLUMNS) - {"number", "body", "content_hash", "line_count", "issued_at", "created_at"}


class Row(dict):
    """One outbox row; `row.invoice` is the parsed upload body."""

    @property
    def invoice(self):
        return json.loads(self["body"])


class Outbox:
    """Thread-safe access to the state file; every write commits before it returns."""

    def __init__(self, state_dir, clock=time.time):
        os.makedirs(state_dir, exist_ok=True)
        self.path = os.path.join(state_dir, "outbox.sqlite3")
        self._clock = clock
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute("PRAGMA busy_timeout=5000")
        self._db.executescript(_SCHEMA)

    def close(self):
        with self._lock:
            self._db.close()

    def journal_mode(self):
        with self._lock:
            return self._db.execute("PRAGMA journal_mode").fetchone()[0]

    def _write(self, sql, params=()):
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                cur = self._db.execute(sql, params)
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            return cur.rowcount

    def _read(self, sql, params=()):
        with self._lock:
            cur = self._db.execute(sql, params)
            cols = [d[0] for d in cur.description]
            return [Row(zip(cols, r)) for r in cur.fetchall()]

    def insert(self, number, body, content_hash, line_count, issued_at, deadline_secs):
        """Store a new invoice as pending. Returns "new", "same" (already held with the
        same content) or "conflict" (held with other content); only "new" writes."""
        now = self._clock()
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                old = self._db.execute("SELECT content_hash FROM invoices WHERE number = ?", (number,)).fetchone()
                if old is None:
                    self._db.execute(
                        "INSERT INTO invoices (number, body, content_hash, line_count, issued_at, status, stage,"
                        " next_at, deadline_at, created_at, updated_at, history)"
                        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (number, body, content_hash, line_count, issued_at, PENDING, UPLOAD,
                         now, now + deadline_secs, now, now, "accepted\n"),
                    )
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        if old is None:
            return "new"
        return "same" if old[0] == content_hash else "conflict"

    def update(self, number, note=None, expect_status=None, **fields):
        """Commit a transition of one row; `note` is appended to its history. With
        `expect_status`, only a row still in that status changes. Returns rows changed."""
        bad = set(fields) - _UPDATABLE
        if bad:
            raise ValueError(f"expected outbox columns, found {sorted(bad)}")
        fields["updated_at"] = self._clock()
        sets = ", ".join(f"{k} = ?" for k in fields)
        params = list(fields.values())
        if note:
            sets += ", history = history || ?"
            params.append(note.rstrip("\n") + "\n")
        params.append(number)
        where = "number = ?"
        if expect_status is not None:
            where += " AND status = ?"
            params.append(expect_status)
        return self._write(f"UPDATE invoices SET {sets} WHERE {where}", params)

    def get(self, number):
        rows = self._read("SELECT * FROM invoices WHERE number = ?", (number,))
        return rows[0] if rows else None

    def due(self, now, exclude, limit):
        """Pending rows whose next step is due, oldest first, skipping those in `exclude`."""
        rows = self._read(
            "SELECT number FROM invoices WHERE status = ? AND next_at <= ? ORDER BY next_at LIMIT ?",
            (PENDING, now, limit + len(exclude)),
        )
        return [r["number"] for r in rows if r["number"] not in exclude][:limit]

    def next_due_at(self):
        rows = self._read("SELECT MIN(next_at) AS t FROM invoices WHERE status = ?", (PENDING,))
        return rows[0]["t"]

    def rows(self, status=None):
        if status is None:
            return self._read("SELECT * FROM invoices ORDER BY created_at, number")
        return self._read("SELECT * FROM invoices WHERE status = ? ORDER BY created_at, number", (status,))

    def counts(self):
        rows = self._read("SELECT status, COUNT(*) AS n FROM invoices GROUP BY status")
        return {r["status"]: r["n"] for r in rows}

    def ledger(self):
        """Entries in the client contract's shape (DESIGN §3)."""
        rows = self._read("SELECT number, status, reason, platform_ref FROM invoices ORDER BY created_at, number")
        return [dict(r) for r in rows]

    def get_meta(self, key, default=None):
        rows = self._read("SELECT value FROM meta WHERE key = ?", (key,))
        return rows[0]["value"] if rows else default

    def set_meta(self, key, value):
        self._write("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                    (key, str(value)))
