"""Delivering one invoice: the robust state machine, one committed transition at a time.

A pending row is in one stage:

- `upload`: send the upload body (the same bytes, the same `request_serial`, every
  time). If an earlier attempt may have reached the platform (`uncertain`), look the
  invoice up first and resend only on 404.
- `poll`: an asynchronous 202; poll `/v1/submissions/{id}`.
- `verify`: read the record back and judge it (verify.py); a 404 is retried a few
  times (visibility lag), then the invoice is uploaded again (acknowledged but never
  stored), a bounded number of times.
- `duplicate`: a 409; fetch the original and compare content.

Only transient failures are retried (timeout, reset, 5xx, 429, 503, and 401 as an
expired token to renew), with exponential backoff and full jitter, never sooner than `Retry-After`, at most `max_attempts` times
and never past the delivery deadline. Whatever is still unproven at the deadline is
flagged with a reason.
"""

import logging
import random
import time

from outbox import CONFIRMED, DUPLICATE, FLAGGED, PENDING, POLL, UPLOAD, VERIFY
from platform_api import TransportError
from verify import judge

log = logging.getLogger("python-client")


class Settings:
    """Bounds of delivery; every one can be set from the environment (client.py)."""

    def __init__(self, deadline_secs=20.0, max_attempts=12, max_reads=4, max_reuploads=3,
                 backoff_base=0.1, backoff_cap=4.0):
        self.deadline_secs = deadline_secs
        self.max_attempts = max_attempts
        self.max_reads = max_reads
        self.max_reuploads = max_reuploads
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap


def backoff(attempt, base, cap, retry_after=None, rng=random.random):
    """Full-jitter exponential backoff, never shorter than `retry_after`."""
    delay = rng() * min(cap, base * (2 ** max(0, attempt - 1)))
    if retry_after is not None:
        delay = max(delay, retry_after)
    return delay


class Delivery:
    """Runs delivery steps for rows of the outbox; safe to call from many threads for
    different invoices (the scheduler never hands one invoice to two workers)."""

    def __init__(self, outbox, platform, settings, on_maintenance=lambda: None, clock=time.time):
        self.outbox = outbox
        self.platform = platform
        self.settings = settings
        self.on_maintenance = on_maintenance
        self.clock = clock
        self._stages = {UPLOAD: self._upload, POLL: self._poll, VERIFY: self._verify, DUPLICATE: self._duplicate}

    def step(self, number):
        """Advance one invoice as far as it goes without waiting."""
        for _ in range(10):
            row = self.outbox.get(number)
            if row is None or row["status"] != PENDING:
                return
            if self.clock() >= row["deadline_at"]:
                last = row["reason"] or f"stage {row['stage']}"
                self._flag(row, f"UNPROVEN: not confirmed within the {self.settings.deadline_secs:g}s delivery"
                                f" deadline; last: {last}")
                return
            if not self._stages[row["stage"]](row, row.invoice):
                return

    # -- outcomes ------------------------------------------------------------------

    def _confirm(self, row, platform_ref, why):
        self.outbox.update(row["number"], note=f"confirmed: {why}", expect_status=PENDING, status=CONFIRMED,
                           reason=None, platform_ref=platform_ref, uncertain=0)
        log.debug("%s confirmed: %s", row["number"], why)

    def _flag(self, row, reason):
        self.outbox.update(row["number"], note=f"flagged: {reason}", expect_status=PENDING, status=FLAGGED,
                           reason=reason)
        log.info("%s flagged: %s", row["number"], reason)

    def _later(self, row, why, reply=None, **fields):
        """A transient failure: schedule a retry, or flag when the retries are spent."""
        attempts = row["attempts"] + 1
        if attempts > self.settings.max_attempts:
            self._flag(row, f"GAVE_UP: {self.settings.max_attempts} transient failures; last: {why}")
            return False
        if reply is not None and reply.code == "MAINTENANCE":
            self.on_maintenance()
        retry_after = reply.retry_after() if reply is not None else None
        delay = backoff(attempts, self.settings.backoff_base, self.settings.backoff_cap, retry_after)
        next_at = min(self.clock() + delay, row["deadline_at"])
        self.outbox.update(row["number"], note=f"retry in {delay:.2f}s: {why}", attempts=attempts,
                           next_at=next_at, reason=f"retrying: {why}", **fields)
        return False

    def _wait(self, row, delay, why, **fields):
        """Not a failure (lag, processing): look again shortly."""
        next_at = min(self.clock() + delay, row["deadline_at"])
        self.outbox.update(row["number"], note=f"wait {delay:.2f}s: {why}", next_at=next_at,
                           reason=f"waiting: {why}", **fields)
        return False

    def _unexpected(self, row, reply, what):
        """A non-transient error answer: flag it, naming what was expected."""
        self._flag(row, f"REJECTED: {what} answered {reply.describe()}")
        return False

    # -- stages ----------------------------------------------------------------------

    def _upload(self, row, inv):
        if row["uncertain"]:
            try:
                look = self.platform.get_invoice(row["number"])
            except TransportError as e:
                return self._later(row, f"lookup before resend: {e}")
            if look.status == 200:
                return self._judged(row, inv, look.body, "found by lookup after an unanswered upload")
            if look.status != 404:
                if _transient(look):
                    return self._later(row, f"lookup before resend: {look.describe()}", look)
                return self._unexpected(row, look, "the lookup before resending")
        self.outbox.update(row["number"], note="upload sent", uncertain=1)
        try:
            reply = self.platform.upload(inv)
        except TransportError as e:
            return self._later(row, f"upload: {e}", uncertain=1 if e.ambiguous else 0)
        body = reply.body if isinstance(reply.body, dict) else {}
        if reply.status in (200, 201) and body.get("platform_ref"):
            self.outbox.update(row["number"], note=f"upload {reply.status}", stage=VERIFY, uncertain=0, reads=0,
                               platform_ref=body["platform_ref"], reason="reading back")
            return True
        if reply.status == 202 and body.get("submission_id"):
            self.outbox.update(row["number"], note="upload 202", stage=POLL, uncertain=0, reads=0,
                               submission_id=body["submission_id"])
            return self._wait(row, 0.1, "submission received")
        if reply.status == 409:
            self.outbox.update(row["number"], note="upload 409", stage=DUPLICATE, uncertain=0, reads=0)
            return True
        if reply.status == 401 or (reply.status in (429, 503) and reply.code in ("RATE_LIMITED", "MAINTENANCE")):
            # Refused before processing: nothing to look for on the next attempt.
            return self._later(row, f"upload: {reply.describe()}", reply, uncertain=0)
        if _transient(reply) or 200 <= reply.status < 300:
            # 5xx may come after a commit (and a 2xx without a body proves nothing): look first.
            return self._later(row, f"upload: {reply.describe()}", reply, uncertain=1)
        self.outbox.update(row["number"], uncertain=0)
        return self._unexpected(row, reply, "the upload")

    def _poll(self, row, inv):
        try:
            reply = self.platform.submission(row["submission_id"])
        except TransportError as e:
            return self._later(row, f"poll: {e}")
        if reply.status == 404:
            self.outbox.update(row["number"], note="submission unknown", stage=UPLOAD, uncertain=1)
            return True
        if reply.status != 200:
            if _transient(reply):
                return self._later(row, f"poll: {reply.describe()}", reply)
            return self._unexpected(row, reply, "the submission poll")
        body = reply.body if isinstance(reply.body, dict) else {}
        state = body.get("status")
        if state == "ISSUED":
            self.outbox.update(row["number"], note="submission ISSUED", stage=VERIFY, reads=0,
                               platform_ref=body.get("platform_ref") or row["platform_ref"], reason="reading back")
            return True
        if state == "DUPLICATE":
            self.outbox.update(row["number"], note="submission DUPLICATE", stage=DUPLICATE, reads=0)
            return True
        if state == "SYSTEM_ABORTED":
            self.outbox.update(row["number"], note="submission SYSTEM_ABORTED", stage=UPLOAD, uncertain=1)
            return True
        if state == "REJECTED":
            err = body.get("error") or {}
            self._flag(row, f"REJECTED: submission {row['submission_id']}: {err.get('code')}: {err.get('message')}")
            return False
        reads = row["reads"] + 1
        if reads % 5 == 0:
            # Long in PROCESSING: the record may be stored all the same.
            try:
                look = self.platform.get_invoice(row["number"])
                if look.status == 200 and judge(inv, row["content_hash"], look.body) is None:
                    self._confirm(row, look.body.get("platform_ref"), f"read back while submission was {state}")
                    return False
            except TransportError:
                pass
        return self._wait(row, min(2.0, 0.1 * 1.5 ** reads), f"submission {state}", reads=reads)

    def _verify(self, row, inv):
        try:
            reply = self.platform.get_invoice(row["number"])
        except TransportError as e:
            return self._later(row, f"read-back: {e}")
        if reply.status == 200:
            return self._judged(row, inv, reply.body, "read back intact")
        if reply.status == 404:
            reads = row["reads"] + 1
            if reads < self.settings.max_reads:
                return self._wait(row, min(1.0, 0.15 * 2 ** reads), f"read-back 404 #{reads}", reads=reads)
            if row["reuploads"] < self.settings.max_reuploads:
                self.outbox.update(row["number"], note=f"acknowledged but not found after {reads} reads; upload again",
                                   stage=UPLOAD, uncertain=0, reads=0, reuploads=row["reuploads"] + 1)
                return True
            self._flag(row, f"NOT_FOUND: acknowledged as {row['platform_ref']} but not found after {reads} reads"
                            f" and {row['reuploads']} re-uploads")
            return False
        if _transient(reply):
            return self._later(row, f"read-back: {reply.describe()}", reply)
        return self._unexpected(row, reply, "the read-back")

    def _duplicate(self, row, inv):
        try:
            reply = self.platform.get_invoice(row["number"])
        except TransportError as e:
            return self._later(row, f"fetching the original after 409: {e}")
        if reply.status == 200:
            reason = judge(inv, row["content_hash"], reply.body)
            if reason is None:
                self._confirm(row, reply.body.get("platform_ref"), "409, and the original holds the same content")
            else:
                self._flag(row, f"CONFLICT: 409 DUPLICATE and the original differs: {reason}")
            return False
        if reply.status == 404:
            reads = row["reads"] + 1
            if reads < self.settings.max_reads:
                return self._wait(row, min(1.0, 0.15 * 2 ** reads), f"original after 409 not visible #{reads}",
                                  reads=reads)
            self._flag(row, f"CONFLICT: 409 DUPLICATE but the original is not found after {reads} reads")
            return False
        if _transient(reply):
            return self._later(row, f"fetching the original after 409: {reply.describe()}", reply)
        return self._unexpected(row, reply, "fetching the original after 409")

    def _judged(self, row, inv, record, why):
        reason = judge(inv, row["content_hash"], record)
        if reason is None:
            self._confirm(row, record.get("platform_ref") or row["platform_ref"], why)
        else:
            self._flag(row, reason)
        return False


def _transient(reply):
    """5xx, 429, and 401: an expired token is renewed and the request tried again."""
    return reply.status >= 500 or reply.status in (401, 429)
