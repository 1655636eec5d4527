#!/usr/bin/env python3
"""A billing client that serves the Invoice Chaos client contract and delivers every
invoice to KSeF 2.0 through the unmodified SDK ksef-client 0.20.0.

The generic parts (durable outbox, HTTP contract server, worker threads) are
examples/python-client's, imported; this directory adds FA(3), the SDK calls, the KSeF
delivery state machines and reconciliation by metadata query.

Serve (the harness's `command` adapter starts it through client.sh):

    TAX_PLATFORM_URL=http://127.0.0.1:8080 TAX_PLATFORM_TOKEN=tok TAX_SELLER_ID=5265877635 \\
    PORT=9000 CLIENT_STATE_DIR=/tmp/state examples/ksef-client/client.sh

Export the ledger of a state directory:

    CLIENT_STATE_DIR=/tmp/state examples/ksef-client/client.sh --export-ledger ledger.jsonl
"""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
# After this directory: its delivery.py and naive.py are the KSeF ones.
sys.path.append(os.path.join(HERE, "..", "python-client"))

import time  # noqa: E402

from delivery import Delivery, Settings  # noqa: E402
from entry import ConfigError, env_value, main  # noqa: E402
from http_api import Server  # noqa: E402
from ksef_api import Ksef  # noqa: E402
from ksef_reconcile import Reconciler  # noqa: E402
from naive import NaiveDelivery  # noqa: E402
from outbox import Outbox  # noqa: E402
from workers import Workers  # noqa: E402


class App:
    """The client's parts, wired: outbox, KSeF connection, delivery workers, reconciler, server."""

    def __init__(self, env=None):
        def get(name, default=None, cast=str):
            return env_value(name, default, cast, env)

        self.mode = get("CLIENT_MODE", "robust")
        if self.mode not in ("robust", "naive"):
            raise ConfigError(f"expected CLIENT_MODE robust or naive, found {self.mode!r}")
        self.settings = Settings(deadline_secs=get("CLIENT_DELIVERY_DEADLINE_SECS", 20.0, float))
        self.outbox = Outbox(get("CLIENT_STATE_DIR"))
        self.ksef = Ksef(get("TAX_PLATFORM_URL"), get("TAX_PLATFORM_TOKEN"), get("TAX_SELLER_ID"),
                         timeout=get("CLIENT_HTTP_TIMEOUT_SECS", 2.0, float),
                         session_max_invoices=get("CLIENT_SESSION_MAX_INVOICES", 1000, int),
                         on_system_warning=self._system_warning)
        self.workers = Workers(self.outbox, None, workers=get("CLIENT_WORKERS", 4, int),
                               queue_size=get("CLIENT_QUEUE_SIZE", 64, int))
        self.reconciler = Reconciler(self.outbox, self.ksef, self.settings, self.workers.wake)
        if self.mode == "naive":
            self.delivery = NaiveDelivery(self.outbox, self.ksef, self.settings, time.time)
            self.reconciler.enabled = False
        else:
            self.delivery = Delivery(self.outbox, self.ksef, self.settings,
                                     on_maintenance=self.reconciler.maintenance_seen)
        self.workers.step = self.delivery.step
        self.server = Server((get("CLIENT_BIND", "127.0.0.1"), get("PORT", cast=int)), self.outbox,
                             self.reconciler, self.workers.wake, self.settings.deadline_secs)

    def _system_warning(self, text):
        """KSeF's `X-System-Warning`: a maintenance announcement means a reconciliation after it."""
        if "MAINTENANCE" in text.upper() and self.mode == "robust":
            self.reconciler.maintenance_announced(text)

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
        """Stop the threads, close the session and the state file (the HTTP server is the caller's)."""
        self.workers.stop()
        self.reconciler.stop()
        self.server.server_close()
        self.ksef.close_session()
        self.ksef.close()
        self.outbox.close()


if __name__ == "__main__":
    sys.exit(main("ksef-client", "Invoice Chaos example KSeF billing client (ksef-client 0.20.0)", App,
                  quiet_loggers=("httpx", "ksef_client")))
