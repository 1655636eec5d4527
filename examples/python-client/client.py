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

import argparse
import json
import logging
import os
import signal
import sys
import time

from delivery import Delivery, Settings
from http_api import Server, ledger_csv
from naive import NaiveDelivery
from outbox import Outbox
from platform_api import Platform
from reconcile import Reconciler
from workers import Workers

log = logging.getLogger("python-client")


class ConfigError(Exception):
    """A required environment variable is missing or malformed."""


def _env(name, default=None, cast=str, env=None):
    value = (os.environ if env is None else env).get(name)
    if value is None or value == "":
        if default is None:
            raise ConfigError(f"expected the environment variable {name} to be set, found it unset")
        return default
    try:
        return cast(value)
    except ValueError:
        raise ConfigError(f"expected {name} to be a {cast.__name__}, found {value!r}") from None


class App:
    """The client's parts, wired: outbox, platform, delivery workers, reconciler, HTTP server."""

    def __init__(self, env=None):
        def get(name, default=None, cast=str):
            return _env(name, default, cast, env)

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


def serve():
    app = App().start()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    log.info("listening on %s, %s mode (state %s: %s)", app.url, app.mode, app.outbox.path,
             app.outbox.counts() or "empty")
    app.server.serve_forever()


def export_ledger(path, fmt):
    outbox = Outbox(_env("CLIENT_STATE_DIR"))
    entries = outbox.ledger()
    if fmt == "csv":
        text = ledger_csv(entries)
    else:
        text = "".join(json.dumps(e, ensure_ascii=False) + "\n" for e in entries)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    print(f"wrote {len(entries)} entries to {path}", file=sys.stderr)


def main(argv=None):
    parser = argparse.ArgumentParser(description="Invoice Chaos example billing client (Python, stdlib only)")
    parser.add_argument("--export-ledger", metavar="FILE", help="write the ledger of CLIENT_STATE_DIR and exit")
    parser.add_argument("--format", choices=("jsonl", "csv"), default="jsonl", help="ledger export format")
    args = parser.parse_args(argv)
    logging.basicConfig(level=os.environ.get("CLIENT_LOG", "INFO").upper(), stream=sys.stderr,
                        format="%(asctime)s python-client %(levelname)s %(message)s")
    try:
        if args.export_ledger:
            export_ledger(args.export_ledger, args.format)
        else:
            serve()
    except ConfigError as e:
        print(f"python-client: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
