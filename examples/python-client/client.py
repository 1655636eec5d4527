#!/usr/bin/env python3
"""A billing client that speaks the Invoice Chaos client contract (standard library only).

Serve (the harness's `command` adapter starts it this way):

    TAX_PLATFORM_URL=http://127.0.0.1:8080 TAX_PLATFORM_TOKEN=secret \\
    TAX_SELLER_ID=91110000MA01ABCD1X PORT=9000 CLIENT_STATE_DIR=/tmp/state \\
    python3 examples/python-client/client.py

Export the ledger of a state directory for `invoice-chaos check --ledger FILE`:

    CLIENT_STATE_DIR=/tmp/state python3 examples/python-client/client.py --export-ledger ledger.jsonl

Optional tuning: CLIENT_DELIVERY_DEADLINE_SECS (20), CLIENT_HTTP_TIMEOUT_SECS (2),
CLIENT_WORKERS (4), CLIENT_QUEUE_SIZE (64), CLIENT_BIND (127.0.0.1), CLIENT_LOG (INFO).
"""

import argparse
import json
import logging
import os
import signal
import sys

from delivery import Delivery, Settings
from http_api import Server, ledger_csv
from outbox import Outbox
from platform_api import Platform
from reconcile import Reconciler
from workers import Workers

log = logging.getLogger("python-client")


class ConfigError(Exception):
    """A required environment variable is missing or malformed."""


def _env(name, default=None, cast=str):
    value = os.environ.get(name)
    if value is None or value == "":
        if default is None:
            raise ConfigError(f"expected the environment variable {name} to be set, found it unset")
        return default
    try:
        return cast(value)
    except ValueError:
        raise ConfigError(f"expected {name} to be a {cast.__name__}, found {value!r}") from None


def serve():
    settings = Settings(deadline_secs=_env("CLIENT_DELIVERY_DEADLINE_SECS", 20.0, float))
    outbox = Outbox(_env("CLIENT_STATE_DIR"))
    platform = Platform(_env("TAX_PLATFORM_URL"), _env("TAX_PLATFORM_TOKEN"), _env("TAX_SELLER_ID"),
                        timeout=_env("CLIENT_HTTP_TIMEOUT_SECS", 2.0, float))
    workers = Workers(outbox, None, workers=_env("CLIENT_WORKERS", 4, int),
                      queue_size=_env("CLIENT_QUEUE_SIZE", 64, int))
    reconciler = Reconciler(outbox, platform, settings, workers.wake)
    delivery = Delivery(outbox, platform, settings, on_maintenance=reconciler.maintenance_seen)
    workers.step = delivery.step
    server = Server((_env("CLIENT_BIND", "127.0.0.1"), _env("PORT", cast=int)), outbox, reconciler,
                    workers.wake, settings.deadline_secs)
    counts = outbox.counts()
    workers.start()
    reconciler.start()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    host, port = server.server_address[:2]
    log.info("listening on http://%s:%d (state %s: %s)", host, port, outbox.path, counts or "empty")
    server.serve_forever()


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
