"""A small HTTP client for the tax platform's `/v1` routes (DESIGN §2).

Every call returns a `Reply` for any HTTP answer, including 4xx and 5xx, and raises
`TransportError` when no answer arrived: `timeout` and `reset` are ambiguous (the
platform may have acted), `refused` is not (nothing was sent).
"""

import http.client
import json
import socket
import urllib.error
import urllib.parse
import urllib.request


class TransportError(Exception):
    """No HTTP answer. `kind` is timeout, reset, refused or other."""

    def __init__(self, kind, detail):
        super().__init__(f"{kind}: {detail}")
        self.kind = kind
        self.detail = detail

    @property
    def ambiguous(self):
        """Whether the request may have reached the platform and been acted upon."""
        return self.kind != "refused"


class Reply:
    """An HTTP answer: status, parsed JSON body (or None) and headers."""

    def __init__(self, status, body, headers):
        self.status = status
        self.body = body
        self.headers = headers

    @property
    def code(self):
        """The error envelope's `code`, when the body is one."""
        if isinstance(self.body, dict):
            return self.body.get("code")
        return None

    def retry_after(self):
        """Seconds to wait from `Retry-After` or `details.retry_after_secs`, or None."""
        value = self.headers.get("Retry-After") if self.headers is not None else None
        if value is not None:
            try:
                return max(0.0, float(value))
            except ValueError:
                pass
        if isinstance(self.body, dict):
            secs = (self.body.get("details") or {}).get("retry_after_secs")
            if isinstance(secs, (int, float)):
                return float(secs)
        return None

    def describe(self):
        """`503 MAINTENANCE: message`, for reasons and logs."""
        if isinstance(self.body, dict) and "code" in self.body:
            return f"{self.status} {self.body.get('code')}: {self.body.get('message', '')}"
        return f"HTTP {self.status}"


class Platform:
    """Talks to one platform as one seller."""

    def __init__(self, base_url, token, seller_id, timeout=3.0):
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.seller_id = seller_id
        self.timeout = timeout
        # An empty ProxyHandler: loopback traffic must never go through an http_proxy.
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def _call(self, method, path, body=None, timeout=None):
        data = None if body is None else json.dumps(body, ensure_ascii=False).encode("utf-8")
        req = urllib.request.Request(self.base_url + path, data=data, method=method)
        req.add_header("Authorization", f"Bearer {self.token}")
        req.add_header("Accept", "application/json")
        if data is not None:
            req.add_header("Content-Type", "application/json")
        try:
            with self._opener.open(req, timeout=timeout or self.timeout) as resp:
                return Reply(resp.status, _json(resp.read()), resp.headers)
        except urllib.error.HTTPError as e:
            try:
                raw = e.read()
            except (OSError, http.client.HTTPException):
                raw = b""
            return Reply(e.code, _json(raw), e.headers)
        except urllib.error.URLError as e:
            raise _transport(e.reason) from None
        except (OSError, http.client.HTTPException) as e:
            raise _transport(e) from None

    def upload(self, invoice):
        return self._call("POST", "/v1/invoices", invoice)

    def get_invoice(self, number):
        return self._call("GET", "/v1/invoices/" + urllib.parse.quote(number, safe=""))

    def submission(self, submission_id):
        return self._call("GET", "/v1/submissions/" + urllib.parse.quote(submission_id, safe=""))

    def query(self, start, end, cursor=None, page_size=250):
        body = {"seller_tax_id": self.seller_id, "from": start, "to": end, "by": "issued_at",
                "page_size": page_size}
        if cursor is not None:
            body["cursor"] = cursor
        return self._call("POST", "/v1/invoices/query", body)

    def status(self):
        return self._call("GET", "/v1/status")


def _json(raw):
    if not raw:
        return None
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None


def _transport(reason):
    if isinstance(reason, (TimeoutError, socket.timeout)):
        return TransportError("timeout", str(reason) or "no answer before the timeout")
    if isinstance(reason, ConnectionRefusedError):
        return TransportError("refused", str(reason))
    if isinstance(reason, (ConnectionResetError, ConnectionAbortedError, BrokenPipeError,
                           http.client.RemoteDisconnected, http.client.IncompleteRead,
                           http.client.BadStatusLine)):
        return TransportError("reset", str(reason) or type(reason).__name__)
    return TransportError("other", f"{type(reason).__name__}: {reason}")
