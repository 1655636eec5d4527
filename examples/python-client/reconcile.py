"""Reconciliation by period: compare what the client confirmed with what the platform
holds now (`POST /v1/invoices/query`, paged by cursor), after any maintenance window and
whenever `POST /reconcile` asks.

A confirmed invoice the platform no longer holds goes back to the outbox to be uploaded
again (and read back); one it holds damaged is flagged; one it holds twice is flagged.
"""

import logging
import threading
import time
from datetime import datetime, timedelta, timezone

from outbox import CONFIRMED, FLAGGED, PENDING, UPLOAD
from platform_api import TransportError
from verify import judge

log = logging.getLogger("python-client")


class ReconcileError(Exception):
    """The platform could not be queried; nothing was changed."""


class Reconciler:
    """Serialises reconciliation runs and the automatic run after maintenance."""

    def __init__(self, outbox, platform, settings, wake, clock=time.time, max_wait_secs=20.0):
        self.outbox = outbox
        self.platform = platform
        self.settings = settings
        self.wake = wake
        self.clock = clock
        self.max_wait_secs = max_wait_secs
        self._run_lock = threading.Lock()
        self._maintenance = threading.Event()
        self._stop = threading.Event()
        self._thread = None
        self.enabled = True  # the naive mode never reconciles
        if outbox.get_meta("maintenance_seen") == "1":
            self._maintenance.set()

    def maintenance_seen(self):
        """Called by delivery on any 503 MAINTENANCE: reconcile once the window ends."""
        if not self._maintenance.is_set():
            self.outbox.set_meta("maintenance_seen", "1")
            self._maintenance.set()
            log.info("maintenance seen: will reconcile by period when it ends")

    def start(self):
        if not self.enabled:
            return
        self._thread = threading.Thread(target=self._after_maintenance_loop, name="reconcile-after-maintenance",
                                        daemon=True)
        self._thread.start()

    def stop(self):
        self._stop.set()
        self._maintenance.set()
        if self._thread is not None:
            self._thread.join(timeout=30)

    def _after_maintenance_loop(self):
        while not self._stop.is_set():
            self._maintenance.wait()
            if self._stop.is_set():
                return
            if not self._platform_is_normal():
                self._stop.wait(0.5)
                continue
            try:
                summary = self.run()
            except ReconcileError as e:
                log.warning("reconciliation after maintenance failed, will retry: %s", e)
                self._stop.wait(1.0)
                continue
            self.outbox.set_meta("maintenance_seen", "0")
            self._maintenance.clear()
            log.info("reconciled after maintenance: %s", summary)

    def _platform_is_normal(self):
        try:
            reply = self.platform.status()
        except TransportError:
            return False
        return reply.status == 200 and isinstance(reply.body, dict) and reply.body.get("state") != "maintenance"

    def run(self):
        """One full pass; returns the contract's `{checked, flagged, reuploaded}`."""
        if not self.enabled:
            return {"checked": 0, "flagged": 0, "reuploaded": 0}
        with self._run_lock:
            rows = self.outbox.rows()
            period = _period(rows)
            held = self._query(*period) if period else {}
            summary = {"checked": 0, "flagged": 0, "reuploaded": 0}
            for row in rows:
                if row["status"] == CONFIRMED:
                    summary["checked"] += 1
                    outcome = self._check_confirmed(row, held.get(row["number"], []))
                    if outcome:
                        summary[outcome] += 1
                elif row["status"] == PENDING and row["next_at"] > self.clock():
                    self.outbox.update(row["number"], expect_status=PENDING, next_at=self.clock())
            self.wake()
            return summary

    def _check_confirmed(self, row, items):
        inv = row.invoice
        if len(items) > 1:
            refs = ", ".join(str(i.get("platform_ref")) for i in items)
            return self._flag(row, f"DUPLICATED: the platform holds {len(items)} records ({refs})")
        if items:
            reason = judge(inv, row["content_hash"], items[0])
            return self._flag(row, f"{reason} (found by reconciliation)") if reason else None
        # Not in the period's pages: make sure with a direct read before uploading again.
        look = self._read(row["number"])
        if look is None:
            return None  # unreadable now; the next reconciliation looks again
        if look.status == 200:
            reason = judge(inv, row["content_hash"], look.body)
            return self._flag(row, f"{reason} (found by reconciliation)") if reason else None
        now = self.clock()
        changed = self.outbox.update(
            row["number"], note="reconciliation: the platform no longer holds it; upload again",
            expect_status=CONFIRMED, status=PENDING, stage=UPLOAD, uncertain=0, reads=0, attempts=0,
            reuploads=row["reuploads"] + 1, next_at=now, deadline_at=now + self.settings.deadline_secs,
            reason="re-uploading: the platform no longer holds it (reconciliation)")
        return "reuploaded" if changed else None

    def _read(self, number, tries=4):
        """`GET /v1/invoices/{number}` answered 200 or 404, or None when it kept failing."""
        why = ""
        for attempt in range(tries):
            try:
                look = self.platform.get_invoice(number)
            except TransportError as e:
                why = str(e)
            else:
                if look.status in (200, 404):
                    return look
                why = look.describe()
            self._stop.wait(min(1.0, 0.1 * 2 ** attempt))
        log.warning("reconciliation could not read %s back: %s", number, why)
        return None

    def _flag(self, row, reason):
        changed = self.outbox.update(row["number"], note=f"flagged: {reason}", expect_status=CONFIRMED,
                                     status=FLAGGED, reason=reason)
        log.info("%s flagged: %s", row["number"], reason)
        return "flagged" if changed else None

    def _query(self, start, end):
        """Every record of the period, by number, following cursors to the last page."""
        held, cursor, waited, attempt = {}, None, 0.0, 0
        while True:
            try:
                reply = self.platform.query(start, end, cursor)
            except TransportError as e:
                reply, why = None, str(e)
            else:
                why = reply.describe()
            if reply is not None and reply.status == 200 and isinstance(reply.body, dict):
                attempt = 0
                for item in reply.body.get("items") or []:
                    held.setdefault(item.get("number"), []).append(item)
                if not reply.body.get("has_more"):
                    return held
                cursor = reply.body.get("next_cursor")
                if cursor is None:
                    raise ReconcileError("the query said has_more but gave no next_cursor")
                continue
            if reply is not None and reply.status < 500 and reply.status not in (401, 429):
                raise ReconcileError(f"query {start}..{end}: {why}")
            attempt += 1
            delay = min(2.0, 0.2 * 2 ** attempt)
            if reply is not None and reply.retry_after() is not None:
                delay = max(delay, reply.retry_after())
            if waited + delay > self.max_wait_secs:
                raise ReconcileError(f"query {start}..{end} kept failing for {waited:.1f}s; last: {why}")
            time.sleep(delay)
            waited += delay


def _period(rows):
    """[from, to) covering every row's `issued_at`, in UTC, or None when there are none."""
    times = []
    for row in rows:
        try:
            t = datetime.fromisoformat(row["issued_at"].replace("Z", "+00:00"))
        except ValueError:
            continue
        if t.tzinfo is None:
            t = t.replace(tzinfo=timezone.utc)
        times.append(t.astimezone(timezone.utc))
    if not times:
        return None
    fmt = "%Y-%m-%dT%H:%M:%SZ"
    start = min(times).replace(microsecond=0)
    end = max(times).replace(microsecond=0) + timedelta(seconds=1)
    return start.strftime(fmt), end.strftime(fmt)
