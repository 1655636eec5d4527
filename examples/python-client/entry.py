"""What every example client's entry point does, whatever platform it delivers to:
read the environment, serve the contract until SIGTERM, or export a state directory's
ledger. `client.py` here and `examples/ksef-client/client.py` differ only in their App."""

import argparse
import json
import logging
import os
import signal
import sys

from http_api import ledger_csv
from outbox import Outbox


class ConfigError(Exception):
    """A required environment variable is missing or malformed."""


def env_value(name, default=None, cast=str, env=None):
    """`name` from `env` (the process environment by default), cast; `default` when unset."""
    value = (os.environ if env is None else env).get(name)
    if value is None or value == "":
        if default is None:
            raise ConfigError(f"expected the environment variable {name} to be set, found it unset")
        return default
    try:
        return cast(value)
    except ValueError:
        raise ConfigError(f"expected {name} to be a {cast.__name__}, found {value!r}") from None


def serve(make_app, log):
    app = make_app().start()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    log.info("listening on %s, %s mode (state %s: %s)", app.url, app.mode, app.outbox.path,
             app.outbox.counts() or "empty")
    app.server.serve_forever()


def export_ledger(path, fmt):
    outbox = Outbox(env_value("CLIENT_STATE_DIR"))
    entries = outbox.ledger()
    if fmt == "csv":
        text = ledger_csv(entries)
    else:
        text = "".join(json.dumps(e, ensure_ascii=False) + "\n" for e in entries)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    print(f"wrote {len(entries)} entries to {path}", file=sys.stderr)


def main(name, description, make_app, argv=None, quiet_loggers=()):
    """The command line of client `name`: serve, or `--export-ledger FILE`. Returns the exit code.
    `quiet_loggers` (library loggers chatty at INFO) are kept to warnings unless CLIENT_LOG=DEBUG."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--export-ledger", metavar="FILE", help="write the ledger of CLIENT_STATE_DIR and exit")
    parser.add_argument("--format", choices=("jsonl", "csv"), default="jsonl", help="ledger export format")
    args = parser.parse_args(argv)
    level = os.environ.get("CLIENT_LOG", "INFO").upper()
    logging.basicConfig(level=level, stream=sys.stderr, format=f"%(asctime)s {name} %(levelname)s %(message)s")
    for noisy in quiet_loggers:
        logging.getLogger(noisy).setLevel(logging.DEBUG if level == "DEBUG" else logging.WARNING)
    try:
        if args.export_ledger:
            export_ledger(args.export_ledger, args.format)
        else:
            serve(make_app, logging.getLogger(name))
    except ConfigError as e:
        print(f"{name}: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 0
    return 0
