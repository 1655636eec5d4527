"""A tiny in-process stand-in for the mock tax platform, for the client's own unit tests.

It keeps the routes the client uses and scripts one fault per upload attempt of a
given invoice number, so a test can say "the first upload of N2 is acknowledged and
dropped". The real mock platform (and the scenarios under scenarios/examples/) is
what the client is judged against; this only keeps the unit tests fast and stdlib-only.
"""

import json
import socket
import struct
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from content_hash import content_hash


class FakePlatform(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, token="t0ken", hang_secs=1.0, max_page=250):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.max_page = max_page
        self.token = token
        self.hang_secs = hang_secs
        self.lock = threading.Lock()
        self.records = {}        # number -> stored record
        self.faults = {}         # number -> list of fault names, one per upload attempt
        self.maintenance = False
        self.uploads = []        # (number, request_serial) of every upload received
        self.seq = 0
        self.queries = 0         # query pages served

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server_address[1]}"

    def start(self):
        threading.Thread(target=self.serve_forever, daemon=True).start()
        return self

    def stop(self):
        self.shutdown()
        self.server_close()

    def lose(self, number):
        """What a maintenance migration does to a record."""
        with self.lock:
            self.records.pop(number, None)

    def _store(self, inv, damage=None):
        rec = json.loads(json.dumps(inv))
        rec.pop("request_serial", None)
        if damage == "partial":
            rec["lines"] = []
        elif damage == "corrupt":
            rec["buyer_name"] = rec["buyer_name"] + "?"
        self.seq += 1
        rec["platform_ref"] = f"REF{self.seq:06d}"
        rec["line_count"] = len(rec["lines"])
        rec["content_hash"] = content_hash(rec)
        rec["received_at"] = rec["persisted_at"] = "2026-01-01T00:00:00Z"
        self.records[inv["number"]] = rec
        return rec


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def _send(self, status, body, headers=()):
        data = json.dumps(body).encode()
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _err(self, status, code, headers=(), **details):
        self._send(status, {"code": code, "message": code.lower(), "retryable": status >= 500 or status == 429,
                            "details": details}, headers)

    def _reset(self):
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True
        self.connection.close()

    def _authorised(self):
        if self.headers.get("Authorization") != f"Bearer {self.server.token}":
            self._err(401, "UNAUTHORIZED")
            return False
        return True

    def do_GET(self):
        if not self._authorised():
            return
        p = self.server
        if self.path == "/v1/status":
            return self._send(200, {"state": "maintenance" if p.maintenance else "normal", "windows": []})
        if self.path.startswith("/v1/invoices/"):
            with p.lock:
                rec = p.records.get(self.path.rsplit("/", 1)[1])
            return self._send(200, rec) if rec else self._err(404, "NOT_FOUND")
        self._err(404, "NOT_FOUND")

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
        if not self._authorised():
            return
        p = self.server
        if self.path == "/v1/invoices/query":
            with p.lock:
                items = [r for r in p.records.values() if body["from"] <= _utc(r["issued_at"]) < body["to"]]
            start = int(body.get("cursor") or 0)
            page = items[start:start + min(p.max_page, body.get("page_size", 100))]
            p.queries += 1
            more = start + len(page) < len(items)
            return self._send(200, {"items": page, "has_more": more,
                                    "next_cursor": str(start + len(page)) if more else None, "high_water_mark": 0})
        if self.path != "/v1/invoices":
            return self._err(404, "NOT_FOUND")
        number = body["number"]
        with p.lock:
            p.uploads.append((number, body.get("request_serial")))
            if p.maintenance:
                return self._err(503, "MAINTENANCE", [("Retry-After", "1")], retry_after_secs=1)
            queue = p.faults.get(number) or []
            fault = queue.pop(0) if queue else None
            old = p.records.get(number)
            if fault == "token_expiry":
                return self._err(401, "UNAUTHORIZED")
            if fault in ("drop", "rate_limit", "reset_before_store"):
                rec = None
            elif old is not None:
                rec = old
                if old["content_hash"] != content_hash(body):
                    return self._err(409, "DUPLICATE", original_ref=old["platform_ref"])
            else:
                rec = p._store(body, damage=fault if fault in ("partial", "corrupt") else None)
        if fault == "rate_limit":
            return self._err(429, "RATE_LIMITED", [("Retry-After", "0")], retry_after_secs=0)
        if fault in ("reset_before_store", "commit_then_reset"):
            return self._reset()
        if fault == "commit_then_timeout":
            time.sleep(p.hang_secs)
            return self._reset()
        if fault == "error_after_commit":
            return self._err(500, "INTERNAL")
        ref = rec["platform_ref"] if rec else "REF-DROPPED"
        self._send(201, {"number": number, "platform_ref": ref, "status": "ISSUED",
                         "received_at": "2026-01-01T00:00:00Z"})


def _utc(issued_at):
    from datetime import datetime, timezone
    return datetime.fromisoformat(issued_at).astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
