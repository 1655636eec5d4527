"""Delivering one invoice to KSeF, robustly: one committed outbox transition at a time.

A pending row is in one stage (the outbox's stage names):

- `upload`: write FA(3) and send it in the current online session. The session is
  committed first with `uncertain` set, so if no answer arrives (timeout, reset, 5xx)
  the next step lists that session's invoices and finds the send before resending.
- `poll`: the per-invoice status. 100/150 are waited out until the deadline (a stuck
  150 ends flagged UNPROVEN); 200 with a KSeF number goes to `verify`; 440 goes to
  `duplicate` with `originalKsefNumber`; 550 sends again; other codes are refusals.
- `verify`: download by KSeF number; confirmed only when the bytes' SHA-256 equals
  the hash of the bytes sent. 21165 (not yet available) is waited out; 21164 (does
  not exist, after a 200 and an UPO) is read again a few times, then the invoice is
  sent again, a bounded number of times.
- `duplicate`: download the original a 440 points to (or, without a pointer, the one
  the metadata query by invoice number names) and compare it with what was sent: the
  same bytes confirm under the original's number; anything else is flagged.

Transient failures (no answer, 5xx, 429, 401) are retried with jittered backoff, never
sooner than `Retry-After`, and never past the delivery deadline; what is unproven at
the deadline is flagged with the last thing seen.
"""

import logging
import random
import time
from datetime import datetime, timezone

from fa3 import Unsupported, to_fa3
from ksef_api import NOT_FOUND, NOT_YET, Failure, sha256_b64
from ksef_client.exceptions import KsefHttpError
from outbox import CONFIRMED, DUPLICATE, FLAGGED, PENDING, POLL, UPLOAD, VERIFY

log = logging.getLogger("ksef-client")


class Settings:
    """Bounds of delivery; client.py sets them from the environment."""

    def __init__(self, deadline_secs=20.0, max_attempts=40, max_reads=4, max_reuploads=3,
                 backoff_base=0.1, backoff_cap=2.0):
        self.deadline_secs = deadline_secs
        self.max_attempts = max_attempts
        self.max_reads = max_reads
        self.max_reuploads = max_reuploads
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap


def backoff(attempt, settings, retry_after=None, rng=random.random):
    """Full-jitter exponential backoff, never shorter than `retry_after`."""
    delay = rng() * min(settings.backoff_cap, settings.backoff_base * (2 ** max(0, attempt - 1)))
    return delay if retry_after is None else max(delay, float(retry_after))


def split_ref(submission_id):
    """`SESSION/INVOICE` (or `SESSION/` before the send was answered) → the two refs."""
    session, _, invoice = (submission_id or "").partition("/")
    return session or None, invoice or None


class Delivery:
    """Runs delivery steps for rows of the outbox; the scheduler never hands one invoice
    to two workers at once."""

    def __init__(self, outbox, ksef, settings, on_maintenance=lambda: None, clock=time.time):
        self.outbox = outbox
        self.ksef = ksef
        self.settings = settings
        self.on_maintenance = on_maintenance
        self.clock = clock
        self._stages = {UPLOAD: self._upload, POLL: self._poll, VERIFY: self._verify, DUPLICATE: self._duplicate}

    def step(self, number):
        """Advance one invoice as far as it goes without waiting. Moves between stages
        are kept in memory and committed with the next write (`_save`): a crash in
        between repeats a read-only call, or looks in the session before resending."""
        row = self.outbox.get(number)
        if row is None or row["status"] != PENDING:
            return
        row.carry, row.notes = {}, []
        for _ in range(10):
            if self.clock() >= row["deadline_at"]:
                last = row["reason"] or f"stage {row['stage']}"
                self._flag(row, f"UNPROVEN: not confirmed within the {self.settings.deadline_secs:g}s delivery"
                                f" deadline; last: {last}")
                return
            try:
                xml = to_fa3(row.invoice)
            except Unsupported as e:
                self._flag(row, f"REJECTED: cannot be written as FA(3): {e}")
                return
            if not self._stages[row["stage"]](row, xml):
                return
        if row.carry or row.notes:
            self._save(row)

    # -- writes ------------------------------------------------------------------------

    def _save(self, row, note=None, expect_status=None, **fields):
        """Commit `fields` with every move carried since the last commit."""
        fields = {**row.carry, **fields}
        notes = row.notes + ([note] if note else [])
        row.carry, row.notes = {}, []
        row.update(fields)
        return self.outbox.update(row["number"], note="\n".join(notes) or None, expect_status=expect_status,
                                  **fields)

    def _move(self, row, note, **fields):
        """A move to another stage, taken at once and committed with the next write."""
        row.carry.update(fields)
        row.notes.append(note)
        row.update(fields)
        return True

    # -- outcomes ----------------------------------------------------------------------

    def _confirm(self, row, ksef_number, why):
        self._save(row, note=f"confirmed: {why}", expect_status=PENDING, status=CONFIRMED, reason=None,
                   platform_ref=ksef_number, uncertain=0)
        log.debug("%s confirmed as %s: %s", row["number"], ksef_number, why)
        return False

    def _flag(self, row, reason):
        self._save(row, note=f"flagged: {reason}", expect_status=PENDING, status=FLAGGED, reason=reason)
        log.info("%s flagged: %s", row["number"], reason)
        return False

    def _later(self, row, why, failure=None, **fields):
        """A transient failure: schedule a retry, or flag when the retries are spent."""
        attempts = row["attempts"] + 1
        if attempts > self.settings.max_attempts:
            return self._flag(row, f"GAVE_UP: {self.settings.max_attempts} transient failures; last: {why}")
        if failure is not None and failure.status == 503:
            self.on_maintenance()
        retry_after = failure.retry_after if failure is not None else None
        delay = backoff(attempts, self.settings, retry_after)
        next_at = min(self.clock() + delay, row["deadline_at"])
        self._save(row, note=f"retry in {delay:.2f}s: {why}", attempts=attempts, next_at=next_at,
                   reason=f"retrying: {why}", **fields)
        return False

    def _wait(self, row, delay, why, **fields):
        """Not a failure (processing, lag): look again shortly."""
        next_at = min(self.clock() + delay, row["deadline_at"])
        self._save(row, note=f"wait {delay:.2f}s: {why}", next_at=next_at, reason=f"waiting: {why}", **fields)
        return False

    # -- stages ------------------------------------------------------------------------

    def _upload(self, row, xml):
        session_ref, _ = split_ref(row["submission_id"])
        if row["uncertain"] and session_ref:
            found = self._look_in_session(row, xml, session_ref)
            if found is not None:
                return found  # True: listed, now polled; False: rescheduled or flagged

        def before(ref):
            # Committed before the request leaves: an unanswered send knows where to look.
            self._save(row, note=f"sending in session {ref}", uncertain=1, submission_id=f"{ref}/")

        try:
            session_ref, invoice_ref = self.ksef.send(xml, before=before)
        except KsefHttpError as e:
            f = Failure(e)
            if f.transient:
                # No answer or 5xx: the platform may have stored it; look before resending.
                # 429 and 401 are refused before processing: nothing to look for.
                maybe = f.ambiguous or (f.status >= 500 and f.status != 503)
                return self._later(row, f"send: {f.describe()}", f, uncertain=1 if maybe else 0)
            row.carry["uncertain"] = 0
            return self._flag(row, f"REJECTED: the send answered {f.describe()}")
        return self._move(row, f"sent as {invoice_ref} in session {session_ref}", stage=POLL, uncertain=0,
                          reads=0, submission_id=f"{session_ref}/{invoice_ref}", reason="sent: waiting for the status")

    def _look_in_session(self, row, xml, session_ref):
        """After an unanswered send: True when the session lists it (now in `poll`),
        None when it does not (send), False when the look itself failed."""
        try:
            listed = self.ksef.session_invoices(session_ref)
        except KsefHttpError as e:
            f = Failure(e)
            if f.status == 400 or f.status == 404:
                return None  # the session never opened on the platform's side
            return self._later(row, f"listing session {session_ref} before resending: {f.describe()}", f)
        digest = sha256_b64(xml)
        # Earlier sends of it may be listed too, failed (550 …): only a live one counts.
        live = [i for i in listed if (i.invoice_number == row["number"] or i.invoice_hash == digest)
                and (i.status.code < 400 or i.status.code == 440)]
        if live:
            ref = live[-1].reference_number
            return self._move(row, f"found {ref} in session {session_ref} after an unanswered send",
                              stage=POLL, uncertain=0, reads=0, submission_id=f"{session_ref}/{ref}")
        self._move(row, f"not in session {session_ref}: send again", uncertain=0)
        return None

    def _poll(self, row, xml):
        session_ref, invoice_ref = split_ref(row["submission_id"])
        try:
            st = self.ksef.invoice_status(session_ref, invoice_ref)
        except KsefHttpError as e:
            f = Failure(e)
            if f.transient:
                return self._later(row, f"status of {invoice_ref}: {f.describe()}", f)
            return self._flag(row, f"REJECTED: the status of {invoice_ref} answered {f.describe()}")
        code = st.status.code
        what = f"status {code} {st.status.description}".strip()
        if code in (100, 150):
            reads = row["reads"] + 1
            return self._wait(row, min(1.0, 0.05 * 1.5 ** reads), f"{what} (poll {reads})", reads=reads)
        if code == 200 and st.ksef_number:
            if st.invoice_hash and st.invoice_hash != sha256_b64(xml):
                return self._flag(row, f"CORRUPTED: status 200 as {st.ksef_number} names invoiceHash"
                                       f" {st.invoice_hash}, sent {sha256_b64(xml)}")
            return self._move(row, f"{what} as {st.ksef_number}", stage=VERIFY, reads=0,
                              platform_ref=st.ksef_number, reason="status 200: downloading to compare")
        if code == 200:
            reads = row["reads"] + 1
            return self._wait(row, min(1.0, 0.1 * reads), "status 200 without a KSeF number", reads=reads)
        if code == 440:
            original = (st.status.extensions or {}).get("originalKsefNumber")
            if not original:
                return self._find_original(row, "; ".join(st.status.details or []))
            return self._move(row, f"440 duplicate of {original}", stage=DUPLICATE, reads=0,
                              platform_ref=original, reason="440: downloading the original to compare")
        if code == 550:
            return self._later(row, f"{what}: sending again", stage=UPLOAD, uncertain=0, submission_id=None)
        details = "; ".join(st.status.details or [])
        return self._flag(row, f"REJECTED: {what}{': ' + details if details else ''}")

    def _find_original(self, row, details):
        """A 440 without `originalKsefNumber` (KSeF's older shape): find the original by
        its invoice number in the metadata, then compare it like any 440."""
        since = datetime.fromtimestamp(row["created_at"] - 86400, timezone.utc).isoformat(timespec="seconds")
        try:
            page = self.ksef.query_metadata(since, None, 0, 10, restrict_to_hwm=False, invoice_number=row["number"])
        except KsefHttpError as e:
            f = Failure(e)
            if f.transient:
                return self._later(row, f"440 without a pointer; metadata query: {f.describe()}", f)
            return self._flag(row, f"CONFLICT: 440 without originalKsefNumber ({details}) and the metadata query"
                                   f" answered {f.describe()}")
        numbers = sorted({i.ksef_number for i in page.invoices if i.ksef_number})
        if len(numbers) == 1:
            return self._move(row, f"440 without a pointer; the metadata names {numbers[0]}", stage=DUPLICATE,
                              reads=0, platform_ref=numbers[0], reason="440: downloading the original to compare")
        if numbers:
            return self._flag(row, f"DUPLICATED: 440, and KSeF holds it {len(numbers)} times ({', '.join(numbers)})")
        reads = row["reads"] + 1
        if reads < self.settings.max_reads:
            return self._wait(row, min(1.0, 0.15 * 2 ** reads), f"440 without a pointer; not in the metadata"
                              f" yet #{reads}", reads=reads)
        return self._flag(row, f"CONFLICT: 440 without originalKsefNumber ({details}), and no invoice of that"
                               f" number in the metadata after {reads} queries")

    def _download(self, ksef_number):
        """(the download, None) or (None, Failure)."""
        try:
            got = self.ksef.download(ksef_number)
        except KsefHttpError as e:
            return None, Failure(e)
        return got, None

    def _verify(self, row, xml):
        got, f = self._download(row["platform_ref"])
        if got is not None:
            return self._compare(row, xml, got, "status 200 and the download matches what was sent")
        if NOT_YET in f.codes:
            reads = row["reads"] + 1
            return self._wait(row, min(1.0, 0.1 * 1.5 ** reads), f"download 21165 not yet available #{reads}",
                              reads=reads)
        if NOT_FOUND in f.codes:
            reads = row["reads"] + 1
            if reads < self.settings.max_reads:
                return self._wait(row, min(1.0, 0.15 * 2 ** reads), f"download 21164 #{reads}", reads=reads)
            if row["reuploads"] < self.settings.max_reuploads:
                return self._move(row, f"{row['platform_ref']}: status 200 but download 21164 after {reads} reads;"
                                       " send again", stage=UPLOAD, uncertain=0, reads=0,
                                  reuploads=row["reuploads"] + 1, submission_id=None)
            return self._flag(row, f"NOT_FOUND: status 200 as {row['platform_ref']} but the download answers 21164"
                                   f" after {reads} reads and {row['reuploads']} sends again")
        if f.transient:
            return self._later(row, f"download {row['platform_ref']}: {f.describe()}", f)
        return self._flag(row, f"REJECTED: the download of {row['platform_ref']} answered {f.describe()}")

    def _duplicate(self, row, xml):
        got, f = self._download(row["platform_ref"])
        if got is not None:
            return self._compare(row, xml, got, "440, and the original holds the same bytes", duplicate=True)
        if NOT_YET in f.codes or NOT_FOUND in f.codes:
            reads = row["reads"] + 1
            if reads < self.settings.max_reads or NOT_YET in f.codes:
                return self._wait(row, min(1.0, 0.15 * 2 ** reads), f"original {row['platform_ref']}:"
                                  f" {f.describe()} #{reads}", reads=reads)
            return self._flag(row, f"CONFLICT: 440 points to {row['platform_ref']}, which the download does"
                                   f" not find (21164) after {reads} reads")
        if f.transient:
            return self._later(row, f"download of the original {row['platform_ref']}: {f.describe()}", f)
        return self._flag(row, f"REJECTED: the download of the original {row['platform_ref']} answered"
                               f" {f.describe()}")

    def _compare(self, row, xml, got, why, duplicate=False):
        """Confirm when the downloaded bytes are the sent ones, else flag naming how they differ."""
        ksef_number = row["platform_ref"]
        sent = sha256_b64(xml)
        held = sha256_b64(got.content)
        if held == sent and got.sha256_base64 in (None, sent):
            return self._confirm(row, ksef_number, why)
        found = (f"{ksef_number} downloads with SHA-256 {held} (x-ms-meta-hash {got.sha256_base64}),"
                 f" sent {sent}")
        if duplicate:
            return self._flag(row, f"CONFLICT: 440 and the original differs ({describe_difference(xml, got.content)}):"
                                   f" {found}")
        return self._flag(row, f"{describe_difference(xml, got.content)}: {found}")


def describe_difference(sent, held):
    """`PARTIAL` when the held document has fewer lines than the sent one, else `CORRUPTED`."""
    marker = b"<FaWiersz>"
    if held.count(marker) < sent.count(marker):
        return f"PARTIAL: {held.count(marker)} of {sent.count(marker)} lines"
    return "CORRUPTED: the content differs"
