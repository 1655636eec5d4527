#!/usr/bin/env python3
"""A billing client that speaks the Invoice Chaos client contract (standard library only).

Serve (the harness's `command` adapter starts it this way):

    TAX_PLATFORM_URL=http://127.0.0.1:8080 TAX_PLATFORM_TOKEN=secret \\
    TAX_SELLER_ID=91110000MA01ABCD1X PORT=9000 CLIENT_STATE_DIR=/tmp/state \\
    python3 examples/python-client/client.py

Export the ledger of a state directory for `invoice-chaos check --ledger FILE`:

    CLIENT_STATE_DIR=/tmp/state python3 examples/python-client/client.py --export-ledger ledger.jsonl

Optional tuning: CLIENT_DELIVERY_DEADLINE_SECS (20), CLIENT_HTTP_TIMEOUT_SECS (2),
CLIENT_WORKERS (4), CLIENT_QUEUE_SIZE (64), CLIENT_BIND (127.0.0.1), CLIENT_LOG (INFO),
CLIENT_MODE (robust; `naive` trusts every acknowledgement, for contrast).
"""

import sys
import time

from delivery import Delivery, Settings
from entry import ConfigError, env_value, main
from http_api import Server
from naive import NaiveDelivery
from outbox import Outbox
from platform_api import Platform
from reconcile import Reconciler
from workers import Workers


class App:
    """The client's parts, wired: outbox, platform, delivery workers, reconciler, HTTP server."""

    def __init__(self, env=None):
        def get(name, default=None, cast=str):
            return env_value(name, default, cast, env)

        self.settings = Settings(deadline_secs=get("CLIENT_DELIVERY_DEADLINE_SECS", 20.0, float))
        self.outbox = Outbox(get("CLIENT_STATE_DIR"))
        self.platform = Platform(get("TAX_PLATFORM_URL"), get("TAX_PLATFORM_TOKEN"), get("TAX_SELLER_ID"),
                                 timeout=get("CLIENT_HTTP_TIMEOUT_SECS", 2.0, float))
        self.workers = Workers(self.outbox, None, workers=get("CLIENT_WORKERS", 4, int),
                               queue_size=get("CLIENT_QUEUE_SIZE", 64, int))
        self.reconciler = Reconciler(self.outbox, self.platform, self.settings, self.workers.wake)
        self.mode = get("CLIENT_MODE", "robust")
        if self.mode not in ("robust", "naive"):
            raise ConfigError(f"expected CLIENT_MODE robust or naive, found {self.mode!r}")
        if self.mode == "naive":
            self.delivery = NaiveDelivery(self.outbox, self.platform, self.settings, time.time)
            self.reconciler.enabled = False
        else:
            self.delivery = Delivery(self.outbox, self.platform, self.settings,
                                     on_maintenance=self.reconciler.maintenance_seen)
        self.workers.step = self.delivery.step
        self.server = Server((get("CLIENT_BIND", "127.0.0.1"), get("PORT", cast=int)), self.outbox,
                             self.reconciler, self.workers.wake, self.settings.deadline_secs)

    @property
    def url(self):
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self):
        """Start delivery and reconciliation; the caller serves HTTP."""
        self.workers.start()
        self.reconciler.start()
        return self

    def stop(self):
        """Stop the threads and close the state file (the HTTP server is the caller's)."""
        self.workers.stop()
        self.reconciler.stop()
        self.server.server_close()
        self.outbox.close()


if __name__ == "__main__":
    sys.exit(main("python-client", "Invoice Chaos example billing client (Python, stdlib only)", App))
