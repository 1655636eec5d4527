"""`CLIENT_MODE=naive`: the habits of billing systems in the field, for contrast.

It trusts every 2xx as proof, never reads back, gives up on a timeout or reset without
looking, retries error answers with a fresh `request_serial`, treats 409 as failure and
never reconciles.
Running the scenarios with `--client-mode naive` shows what each habit costs; the
default (robust) mode is delivery.py.
"""

from outbox import CONFIRMED, FLAGGED, PENDING
from platform_api import TransportError


class NaiveDelivery:
    """Same interface as delivery.Delivery."""

    def __init__(self, outbox, platform, settings, clock):
        self.outbox = outbox
        self.platform = platform
        self.settings = settings
        self.clock = clock

    def step(self, number):
        row = self.outbox.get(number)
        if row is None or row["status"] != PENDING:
            return
        inv = row.invoice
        if row["attempts"]:
            inv["request_serial"] = f"{inv['request_serial']}-r{row['attempts']}"[:40]
        try:
            reply = self.platform.upload(inv)
        except TransportError as e:
            self.outbox.update(number, note=f"naive: failed: {e}", status=FLAGGED, reason=f"FAILED: {e}")
            return
        ok, why = 200 <= reply.status < 300, reply.describe()
        if ok:
            body = reply.body if isinstance(reply.body, dict) else {}
            ref = body.get("platform_ref") or body.get("submission_id")
            self.outbox.update(number, note=f"naive: trusted {reply.status}", status=CONFIRMED, reason=None,
                               platform_ref=ref)
        elif row["attempts"] + 1 >= 5:
            self.outbox.update(number, note=f"naive: gave up: {why}", status=FLAGGED, reason=f"FAILED: {why}")
        else:
            self.outbox.update(number, note=f"naive: retry: {why}", attempts=row["attempts"] + 1,
                               next_at=self.clock() + 0.2, reason=f"retrying: {why}")
