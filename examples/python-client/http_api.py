"""The client contract (DESIGN §3) over `http.server`: /healthz, /invoices, /reconcile, /ledger."""

import csv
import io
import json
import logging
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

from content_hash import EncodingError, content_hash
from reconcile import ReconcileError

log = logging.getLogger("python-client")
MAX_BODY = 1 << 20


class Server(ThreadingHTTPServer):
    """A threading server with a backlog that absorbs a burst of concurrent issuers."""

    daemon_threads = True
    request_queue_size = 128

    def __init__(self, address, outbox, reconciler, wake, deadline_secs):
        super().__init__(address, Handler)
        self.outbox = outbox
        self.reconciler = reconciler
        self.wake = wake
        self.deadline_secs = deadline_secs


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "invoice-chaos-python-client/1"

    def log_message(self, fmt, *args):
        log.debug("%s %s", self.address_string(), fmt % args)

    def _send(self, status, body, content_type="application/json"):
        data = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _error(self, status, message):
        self._send(status, {"error": message})

    def _body(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            raise ValueError(f"expected a body of at most {MAX_BODY} bytes, found {length}")
        return self.rfile.read(length) if length else b""

    def do_GET(self):
        url = urlparse(self.path)
        if url.path == "/healthz":
            return self._send(200, {"status": "ok"})
        if url.path == "/ledger":
            entries = self.server.outbox.ledger()
            fmt = (parse_qs(url.query).get("format") or ["json"])[0]
            if fmt == "jsonl":
                text = "".join(json.dumps(e, ensure_ascii=False) + "\n" for e in entries)
                return self._send(200, text.encode("utf-8"), "application/x-ndjson")
            if fmt == "csv":
                return self._send(200, ledger_csv(entries).encode("utf-8"), "text/csv")
            return self._send(200, {"entries": entries})
        self._error(404, f"no route GET {url.path}")

    def do_POST(self):
        path = urlparse(self.path).path
        try:
            raw = self._body()
        except ValueError as e:
            return self._error(413, str(e))
        if path == "/invoices":
            return self._invoice(raw)
        if path == "/reconcile":
            try:
                summary = self.server.reconciler.run()
            except ReconcileError as e:
                log.warning("reconciliation asked for by POST /reconcile failed: %s", e)
                return self._error(503, f"reconciliation failed: {e}")
            log.info("reconciled on request: %s", summary)
            return self._send(200, summary)
        self._error(404, f"no route POST {path}")

    def _invoice(self, raw):
        try:
            inv = json.loads(raw.decode("utf-8"))
            if not isinstance(inv, dict):
                raise ValueError(f"expected a JSON object, found {type(inv).__name__}")
            number = inv.get("number")
            if not isinstance(number, str) or not number:
                raise ValueError("expected a non-empty string `number`")
            digest = content_hash(inv)
        except (UnicodeDecodeError, ValueError, EncodingError) as e:
            return self._error(400, f"not an invoice: {e}")
        outcome = self.server.outbox.insert(number, json.dumps(inv, ensure_ascii=False), digest, len(inv["lines"]),
                                            str(inv["issued_at"]), self.server.deadline_secs)
        if outcome == "conflict":
            return self._error(409, f"invoice {number} is already held with other content")
        if outcome == "new":
            self.server.wake()
        self._send(202, {"number": number})


def ledger_csv(entries):
    """The ledger as CSV with a header row: number,status,reason,platform_ref."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["number", "status", "reason", "platform_ref"])
    for e in entries:
        writer.writerow([e["number"], e["status"], e["reason"] or "", e["platform_ref"] or ""])
    return out.getvalue()
