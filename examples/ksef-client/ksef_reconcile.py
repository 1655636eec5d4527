"""Reconciliation against KSeF: after a maintenance window, and whenever `POST /reconcile`
asks, compare every confirmed invoice with what KSeF holds now.

The seller's invoices come from the metadata query by permanent-storage date, up to the
high-water mark (`restrictToPermanentStorageHwmDate`): below it KSeF promises nothing
changes any more. Each confirmed invoice is downloaded and its bytes compared with what
was sent. One KSeF no longer has (21164) goes back to the outbox to be sent again; one
held damaged, or held twice under two KSeF numbers, is flagged.
"""

import logging
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone

from delivery import describe_difference
from fa3 import Unsupported, to_fa3
from ksef_api import NOT_FOUND, Failure, sha256_b64
from ksef_client.exceptions import KsefHttpError
from outbox import CONFIRMED, FLAGGED, PENDING, UPLOAD
from reconcile import ReconcileError  # python-client's: http_api answers 503 for it

log = logging.getLogger("ksef-client")
PAGE_SIZE = 250
DOWNLOADERS = 4


def _iso(t):
    return datetime.fromtimestamp(t, timezone.utc).isoformat(timespec="seconds")


class Reconciler:
    """Serialises reconciliation runs and the automatic run after maintenance."""

    def __init__(self, outbox, ksef, settings, wake, clock=time.time, max_wait_secs=20.0):
        self.outbox = outbox
        self.ksef = ksef
        self.settings = settings
        self.wake = wake
        self.clock = clock
        self.max_wait_secs = max_wait_secs
        self.enabled = True  # the naive mode never reconciles
        self._run_lock = threading.Lock()
        self._maintenance = threading.Event()
        self._stop = threading.Event()
        self._thread = None
        self._not_before = 0.0  # the end of an announced maintenance window
        if outbox.get_meta("maintenance_seen") == "1":
            self._maintenance.set()

    def maintenance_announced(self, warning):
        """KSeF's `X-System-Warning: [MAINTENANCE]: planned maintenance from A to B`:
        reconcile after B (announced again on every answer until then: once is enough)."""
        found = re.search(r"\bto (\S+)", warning)
        try:
            end = datetime.fromisoformat(found.group(1).replace("Z", "+00:00")).timestamp() if found else None
        except ValueError:
            end = None
        if end is None or end <= self._not_before:
            return
        self._not_before = end
        log.info("maintenance announced until %s: will reconcile after it", found.group(1))
        self.maintenance_seen()

    def maintenance_seen(self):
        """Delivery saw a 503, or KSeF announced maintenance: reconcile once it answers again."""
        if not self._maintenance.is_set():
            self.outbox.set_meta("maintenance_seen", "1")
            self._maintenance.set()
            log.info("maintenance seen: will reconcile up to the high-water mark when it ends")

    def start(self):
        if not self.enabled:
            return
        self._thread = threading.Thread(target=self._after_maintenance_loop, name="reconcile", daemon=True)
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
            if self.clock() < self._not_before:
                self._stop.wait(min(0.5, self._not_before - self.clock()))
                continue
            try:
                summary = self.run()
            except ReconcileError as e:
                log.info("reconciliation after maintenance not possible yet: %s", e)
                self._stop.wait(1.0)
                continue
            self.outbox.set_meta("maintenance_seen", "0")
            self._maintenance.clear()
            log.info("reconciled after maintenance: %s", summary)

    def run(self):
        """One full pass; returns the contract's `{checked, flagged, reuploaded}`."""
        summary = {"checked": 0, "flagged": 0, "reuploaded": 0}
        if not self.enabled:
            return summary
        with self._run_lock:
            rows = self.outbox.rows()
            confirmed = [r for r in rows if r["status"] == CONFIRMED]
            held = self._held(min(r["created_at"] for r in confirmed)) if confirmed else {}
            # One download per confirmed invoice: a few at a time.
            with ThreadPoolExecutor(DOWNLOADERS) as pool:
                outcomes = list(pool.map(lambda row: self._check(row, held.get(row["number"], [])), confirmed))
            summary["checked"] = len(confirmed)
            for outcome in outcomes:
                if outcome:
                    summary[outcome] += 1
            now = self.clock()
            for row in rows:
                if row["status"] == PENDING and row["next_at"] > now:
                    self.outbox.update(row["number"], expect_status=PENDING, next_at=now)
            self.wake()
            return summary

    def _held(self, since):
        """Metadata of the seller's invoices stored since `since`, up to the HWM, by number."""
        date_from = _iso(since - 86400)
        date_to = _iso(self.clock() + 3600)
        held, offset, waited, attempt = {}, 0, 0.0, 0
        while True:
            try:
                page = self.ksef.query_metadata(date_from, date_to, offset, PAGE_SIZE)
            except KsefHttpError as e:
                f = Failure(e)
                if not f.transient:
                    raise ReconcileError(f"metadata query from {date_from}: {f.describe()}") from None
                attempt += 1
                delay = max(min(2.0, 0.2 * 2 ** attempt), float(f.retry_after or 0))
                if waited + delay > self.max_wait_secs:
                    raise ReconcileError(f"metadata query kept failing for {waited:.1f}s; last: {f.describe()}")
                self._stop.wait(delay)
                waited += delay
                continue
            attempt = 0
            for item in page.invoices:
                held.setdefault(item.invoice_number, []).append(item)
            if page.permanent_storage_hwm_date:
                self.outbox.set_meta("permanent_storage_hwm_date", page.permanent_storage_hwm_date)
            if not page.has_more:
                return held
            if page.is_truncated and page.invoices and page.invoices[-1].permanent_storage_date:
                # The 10 000-record cap: go on from the last record's date, from page 0.
                date_from, offset = page.invoices[-1].permanent_storage_date, 0
            else:
                offset += 1

    def _check(self, row, items):
        try:
            xml = to_fa3(row.invoice)
        except Unsupported:
            return None  # never confirmed by this client
        numbers = sorted({i.ksef_number for i in items if i.ksef_number})
        if len(numbers) > 1:
            return self._flag(row, f"DUPLICATED: KSeF holds it {len(numbers)} times ({', '.join(numbers)})"
                                   " (found by reconciliation)")
        try:
            got = self.ksef.download(row["platform_ref"])
        except KsefHttpError as e:
            f = Failure(e)
            if NOT_FOUND in f.codes:
                return self._send_again(row)
            log.info("reconciliation could not download %s (%s); the next pass looks again",
                     row["platform_ref"], f.describe())
            return None
        if sha256_b64(got.content) == sha256_b64(xml):
            return None
        return self._flag(row, f"{describe_difference(xml, got.content)}: {row['platform_ref']} no longer"
                               f" downloads as sent (found by reconciliation)")

    def _send_again(self, row):
        now = self.clock()
        changed = self.outbox.update(
            row["number"], note=f"reconciliation: {row['platform_ref']} answers 21164; send again",
            expect_status=CONFIRMED, status=PENDING, stage=UPLOAD, uncertain=0, reads=0, attempts=0,
            reuploads=row["reuploads"] + 1, submission_id=None, next_at=now,
            deadline_at=now + self.settings.deadline_secs,
            reason="sending again: KSeF no longer holds it (reconciliation)")
        return "reuploaded" if changed else None

    def _flag(self, row, reason):
        changed = self.outbox.update(row["number"], note=f"flagged: {reason}", expect_status=CONFIRMED,
                                     status=FLAGGED, reason=reason)
        log.info("%s flagged: %s", row["number"], reason)
        return "flagged" if changed else None
