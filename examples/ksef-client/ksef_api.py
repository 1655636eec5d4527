"""The KSeF 2.0 calls this client makes, through the unmodified SDK ksef-client 0.20.0.

One `Ksef` per process, shared by the delivery threads: it authenticates with the KSeF
token (AuthCoordinator) when first needed and again after a 401, and keeps one online
session (OnlineSessionWorkflow, FA (3) / 1-0E / FA) open for every send, opening a new
one when the platform says the session is gone or closed, and rotating it (close, so
KSeF makes its UPO, then open) after `session_max_invoices` sends or a minute before
its `validUntil`.

Every call raises the SDK's `KsefHttpError` family for any failure; `Failure` turns one
into what delivery needs to decide: retry, look first, or give up.
"""

import base64
import hashlib
import json
import logging
import re
import threading
import time
from datetime import datetime

import httpx
from ksef_client import KsefClient, KsefClientOptions
from ksef_client import models as m
from ksef_client.exceptions import KsefHttpError, KsefRateLimitError
from ksef_client.services import AuthCoordinator, OnlineSessionWorkflow

log = logging.getLogger("ksef-client")

FA3 = m.FormCode(system_code="FA (3)", schema_version="1-0E", value="FA")
# Send errors that mean "this session cannot take invoices": open another one.
SESSION_GONE = (21173, 21180)
NOT_FOUND, NOT_YET = 21164, 21165


def sha256_b64(data):
    """KSeF's `invoiceHash`: base64 of the SHA-256 of the plain XML bytes."""
    return base64.b64encode(hashlib.sha256(data).digest()).decode("ascii")


class Failure:
    """A failed call, classified. `ambiguous`: the request may have been acted upon."""

    def __init__(self, error):
        self.error = error
        self.status = getattr(error, "status_code", 0) or 0
        self.retry_after = getattr(error, "retry_after", None)
        self.codes = _exception_codes(getattr(error, "response_body", None))
        cause = error.__cause__
        # No HTTP answer: only a refused connection proves nothing was sent.
        self.ambiguous = self.status == 0 and not isinstance(cause, (httpx.ConnectError, httpx.ConnectTimeout))
        self.transport = self.status == 0

    @property
    def rate_limited(self):
        return self.status == 429 or isinstance(self.error, KsefRateLimitError)

    @property
    def transient(self):
        """Worth trying again: no answer, 5xx, 429, 401 (an expired token)."""
        return self.status == 0 or self.status >= 500 or self.status in (401, 429)

    def describe(self):
        if self.status == 0:
            return f"no answer ({self.error.message})"
        codes = f" {','.join(str(c) for c in self.codes)}" if self.codes else ""
        text = _first_description(getattr(self.error, "response_body", None)) or self.error.message
        title = re.search(r"<title>(.*?)</title>", text, re.S | re.I)
        if title:
            text = f"HTML page {title.group(1).strip()!r}"  # a gateway's 502/503, not KSeF's JSON
        return f"HTTP {self.status}{codes}: {' '.join(text.split())[:160]}"


def _exception_codes(body):
    """The `exceptionCode`s of a legacy body, or the `errors[].code` of a problem body."""
    if isinstance(body, (str, bytes)):
        try:
            body = json.loads(body)
        except ValueError:
            return []
    if not isinstance(body, dict):
        return []
    details = ((body.get("exception") or {}).get("exceptionDetailList")) or body.get("errors") or []
    codes = []
    for d in details:
        if isinstance(d, dict):
            code = d.get("exceptionCode", d.get("code"))
            if isinstance(code, int):
                codes.append(code)
    return codes


def _first_description(body):
    if not isinstance(body, dict):
        return None
    for d in ((body.get("exception") or {}).get("exceptionDetailList")) or body.get("errors") or []:
        if isinstance(d, dict):
            return d.get("exceptionDescription") or d.get("description")
    return body.get("detail") or body.get("title")


def _expiring(valid_until, margin_secs=60):
    """Whether a session's `validUntil` is less than a minute away (unreadable: no)."""
    try:
        until = datetime.fromisoformat(str(valid_until).replace("Z", "+00:00"))
    except ValueError:
        return False
    if until.tzinfo is None:
        return False
    return until.timestamp() - time.time() < margin_secs


class Ksef:
    """The seller's KSeF connection: auth, the current online session, and the calls."""

    def __init__(self, base_url, token, nip, timeout=2.0, session_max_invoices=1000,
                 on_system_warning=lambda text: None):
        self.token = token
        self.nip = nip
        self.session_max_invoices = session_max_invoices
        self.client = KsefClient(KsefClientOptions(base_url=base_url, timeout_seconds=timeout,
                                                   system_warning_handler=on_system_warning))
        self._workflow = OnlineSessionWorkflow(self.client.sessions)
        self._auth_lock = threading.Lock()
        self._session_lock = threading.Lock()
        self._access = None
        self._session = None
        self._session_sends = 0

    def close(self):
        self.client.close()

    # -- auth ------------------------------------------------------------------------

    def _access_token(self):
        with self._auth_lock:
            if self._access is None:
                cert = self.client.security.get_public_key_certificate(
                    m.PublicKeyCertificateUsage.KSEFTOKENENCRYPTION)
                try:
                    result = AuthCoordinator(self.client.auth).authenticate_with_ksef_token(
                        token=self.token, public_certificate=cert.certificate, public_key_id=cert.public_key_id,
                        context_identifier_type="nip", context_identifier_value=self.nip,
                        poll_interval_seconds=0.05, max_attempts=100)
                except TimeoutError as e:
                    # Still at status 100: worth trying again later.
                    raise KsefHttpError(status_code=504, message=f"authentication: {e}") from e
                except RuntimeError as e:
                    # The SDK's "Authentication failed: 450 …": the token or NIP is refused.
                    raise KsefHttpError(status_code=403, message=str(e)) from e
                self._access = result.access_token
                log.info("authenticated to KSeF as NIP %s", self.nip)
            return self._access

    def _forget_token(self, stale):
        with self._auth_lock:
            if self._access == stale:
                self._access = None

    def _call(self, fn):
        """`fn(access_token)`, authenticating again once after a 401."""
        access = self._access_token()
        try:
            return fn(access)
        except KsefHttpError as e:
            if e.status_code != 401:
                raise
            self._forget_token(access)
        return fn(self._access_token())

    # -- the online session -------------------------------------------------------------

    def _current_session(self):
        with self._session_lock:
            if self._session is not None and (self._session_sends >= self.session_max_invoices
                                              or _expiring(self._session.valid_until)):
                self._retire(self._session)
            if self._session is None:
                sym = self.client.security.get_public_key_certificate(
                    m.PublicKeyCertificateUsage.SYMMETRICKEYENCRYPTION)
                self._session = self._call(lambda access: self._workflow.open_session(
                    form_code=FA3, public_certificate=sym.certificate, public_key_id=sym.public_key_id,
                    access_token=access))
                self._session_sends = 0
                log.info("opened online session %s", self._session.reference_number)
            self._session_sends += 1
            return self._session

    def _retire(self, session):
        """Close a session (KSeF then makes its UPO); a failure to close loses nothing."""
        self._session = None
        try:
            self._call(lambda access: self._workflow.close_session(session.reference_number, access))
            log.info("closed online session %s", session.reference_number)
        except KsefHttpError as e:
            log.info("closing session %s failed (%s); its invoices keep their statuses",
                     session.reference_number, Failure(e).describe())

    def _session_gone(self, session):
        with self._session_lock:
            if self._session is session:
                self._session = None

    def close_session(self):
        with self._session_lock:
            if self._session is not None:
                self._retire(self._session)

    def send(self, xml, before=lambda session_ref: None):
        """Send one invoice in the current session: (session ref, invoice ref). `before`
        is told the session first, so an unanswered send knows where to look. A session
        the platform no longer takes is replaced and the send tried once more."""
        for attempt in range(2):
            session = self._current_session()
            before(session.reference_number)
            try:
                sent = self._call(lambda access: session.send_invoice(xml, access_token=access))
                return session.reference_number, sent.reference_number
            except KsefHttpError as e:
                if attempt == 0 and e.status_code == 400 and set(Failure(e).codes) & set(SESSION_GONE):
                    log.info("session %s no longer takes invoices (%s); opening another",
                             session.reference_number, Failure(e).describe())
                    self._session_gone(session)
                    continue
                raise
        raise AssertionError("unreachable")

    # -- reading back -----------------------------------------------------------------------

    def invoice_status(self, session_ref, invoice_ref):
        return self._call(lambda access: self.client.sessions.get_session_invoice_status(
            session_ref, invoice_ref, access_token=access))

    def session_invoices(self, session_ref):
        """Every invoice the session lists, following continuation tokens."""
        out, token = [], None
        while True:
            page = self._call(lambda access: self.client.sessions.get_session_invoices(
                session_ref, page_size=1000, continuation_token=token, access_token=access))
            out.extend(page.invoices)
            token = page.continuation_token
            if not token:
                return out

    def download(self, ksef_number):
        """The stored XML and the platform's `x-ms-meta-hash` for it."""
        return self._call(lambda access: self.client.invoices.get_invoice_bytes(ksef_number, access_token=access))

    def query_metadata(self, date_from, date_to, page_offset, page_size=250, restrict_to_hwm=True,
                       invoice_number=None):
        """One page of the seller's invoices by permanent-storage date (`pageOffset` is a page index)."""
        filters = m.InvoiceQueryFilters(
            subject_type=m.InvoiceQuerySubjectType.SUBJECT1,
            date_range=m.InvoiceQueryDateRange(date_type=m.InvoiceQueryDateType.PERMANENTSTORAGE, from_=date_from,
                                             to=date_to, restrict_to_permanent_storage_hwm_date=restrict_to_hwm or None),
            invoice_number=invoice_number)
        return self._call(lambda access: self.client.invoices.query_invoice_metadata(
            filters, access_token=access, page_offset=page_offset, page_size=page_size, sort_order="Asc"))
