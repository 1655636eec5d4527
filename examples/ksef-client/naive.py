"""`CLIENT_MODE=naive`: a careless KSeF integration, for contrast with delivery.py.

Its habits, each one seen in the field:

- trusts status 200 with a KSeF number: it downloads a copy for its archive but
  neither compares it with what it sent nor lets a failed download (21164) change
  anything;
- after a send without an answer (timeout, reset, 5xx) sends the same invoice again
  at once without looking, and treats the 440 that follows as a failure;
- puts an invoice refused with 429 or 503 on a "next batch run" queue nobody drains;
- polls 100/150 for ever and never flags;
- never reconciles.
"""

from fa3 import Unsupported, to_fa3
from ksef_api import Failure
from ksef_client.exceptions import KsefHttpError
from outbox import CONFIRMED, FLAGGED, PENDING, POLL

# "Later" for an invoice parked for the next batch run: never, within any run.
PARKED_SECS = 10 ** 9
BLIND_RESENDS = 3


class NaiveDelivery:
    """Same interface as delivery.Delivery."""

    def __init__(self, outbox, ksef, settings, clock):
        self.outbox = outbox
        self.ksef = ksef
        self.settings = settings
        self.clock = clock

    def step(self, number):
        row = self.outbox.get(number)
        if row is None or row["status"] != PENDING:
            return
        try:
            xml = to_fa3(row.invoice)
        except Unsupported as e:
            self._flag(row, f"REJECTED: cannot be written as FA(3): {e}")
            return
        if row["stage"] == POLL:
            self._poll(row)
        else:
            self._send(row, xml)

    def _flag(self, row, reason):
        self.outbox.update(row["number"], note=f"naive: {reason}", status=FLAGGED, reason=reason)

    def _again(self, row, delay, why, **fields):
        self.outbox.update(row["number"], note=f"naive: {why}", next_at=self.clock() + delay, reason=why, **fields)

    def _send(self, row, xml):
        try:
            session_ref, invoice_ref = self.ksef.send(xml)
        except KsefHttpError as e:
            f = Failure(e)
            if f.rate_limited or f.status == 503:
                self._again(row, PARKED_SECS, f"queued for the next batch run after {f.describe()}")
            elif f.transient and row["attempts"] < BLIND_RESENDS:
                self._again(row, 0.1, f"sending again after {f.describe()}", attempts=row["attempts"] + 1)
            else:
                self._flag(row, f"FAILED: the send answered {f.describe()}")
            return
        self.outbox.update(row["number"], note=f"naive: sent as {invoice_ref}", stage=POLL,
                           submission_id=f"{session_ref}/{invoice_ref}", next_at=self.clock() + 0.05)

    def _poll(self, row):
        session_ref, _, invoice_ref = row["submission_id"].partition("/")
        try:
            st = self.ksef.invoice_status(session_ref, invoice_ref)
        except KsefHttpError as e:
            self._again(row, 0.2, f"status unreadable: {Failure(e).describe()}")
            return
        code = st.status.code
        if code == 200 and st.ksef_number:
            archived = self._archive_copy(st.ksef_number)
            self.outbox.update(row["number"], note=f"naive: trusted status 200 as {st.ksef_number}; {archived}",
                               status=CONFIRMED, reason=None, platform_ref=st.ksef_number)
        elif code < 200 or code == 200:
            self._again(row, 0.2, f"status {code}: still processing")
        else:
            self._flag(row, f"FAILED: status {code} {st.status.description}")

    def _archive_copy(self, ksef_number):
        """Fetches the invoice for the archive, as many integrations do, but neither
        compares it with what was sent nor lets a failure change anything."""
        try:
            self.ksef.download(ksef_number)
        except KsefHttpError as e:
            return f"archive copy: download answered {Failure(e).describe()} (ignored)"
        return "archive copy downloaded (not compared)"
