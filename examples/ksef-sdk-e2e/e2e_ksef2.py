"""The same KSeF 2.0 flow with the unmodified PyPI SDK ksef2 1.1.0 (Python >= 3.12),
whose pydantic models check every response strictly: a conformance test of the
platform's shapes (lengths, patterns, aware datetimes, required fields).

ksef2 accepts only the Ministry's hosts, so an httpx transport rewrites each
request to the mock (its public `http_client=` parameter; the SDK is unchanged).

Usage: python e2e_ksef2.py PATH/TO/mock-tax-platform
"""

import datetime
import hashlib
import base64
import sys
import time

import httpx
from ksef2 import Client, Environment, FormSchema, KSeFApiError, KSeFAuthError, KSeFRateLimitError
from ksef2.models import InvoicesFilter

from common import NIP, TOKEN, check, control, fa3, run_against_platform


class ToMock(httpx.BaseTransport):
    def __init__(self, host, port):
        self.inner = httpx.HTTPTransport()
        self.host, self.port = host, port

    def handle_request(self, request):
        request.url = request.url.copy_with(scheme="http", host=self.host, port=self.port)
        return self.inner.handle_request(request)


def run(base):
    host, port = base.removeprefix("http://").split(":")
    http = httpx.Client(base_url=Environment.TEST.base_url, transport=ToMock(host, int(port)))
    client = Client(Environment.TEST, http_client=http)
    auth = client.authentication.with_token(ksef_token=TOKEN, nip=NIP, poll_interval=0.1)
    xml = fa3("FV/K2/1")
    since = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=1)

    def mine():  # the filter's default upper bound is the moment it is made
        return InvoicesFilter.for_seller(date_from=since, date_type="permanent_storage")

    with auth.online_session(form_code=FormSchema.FA3) as session:
        submission = session.send_invoice(xml)
        status = submission.wait(timeout=10, poll_interval=0.1)
        check(status.ksef_number, f"ksef2 send: {status}")
        check(submission.download_upo(), "ksef2 invoice UPO")
        listed = session.list_invoices()
        check(listed, "ksef2 session listing")
    done = session.wait(timeout=10, poll_interval=0.1)
    check(done.status.code == 200, f"ksef2 session: {done}")
    check(all(session.download_upo()), "ksef2 session UPO")
    page = auth.invoices.search(mine()).first_response()
    check([i.ksef_number for i in page.invoices] == [status.ksef_number], f"ksef2 metadata: {page}")
    check([i.ksef_number for i in auth.invoices.search(mine())] == [status.ksef_number], "ksef2 search")
    content = auth.invoices.download(status.ksef_number)
    check(content == xml, "ksef2 download")
    check(base64.b64encode(hashlib.sha256(content).digest()).decode() == status.invoice_hash, "ksef2 hash")
    print("ksef2 happy path: ok")

    # A resend is rejected as a duplicate, with the pointers kept on the error.
    with auth.online_session(form_code=FormSchema.FA3) as session:
        try:
            session.send_invoice(xml).wait(timeout=10, poll_interval=0.1)
            check(False, "ksef2: the resend should be rejected")
        except Exception as e:  # KSeFInvoiceRejectedError
            check("440" in str(e) or getattr(e, "code", None) == 440, f"ksef2 duplicate: {e!r}")
    print("ksef2 440 duplicate: ok")

    # Issued with a KSeF number and an UPO, then not there: 21164 on download.
    control(base, "PUT", "/_chaos/plan", {"faults": [{"kind": "drop_after_ack", "first": 1}]})
    with auth.online_session(form_code=FormSchema.FA3) as session:
        submission = session.send_invoice(fa3("FV/K2/DROP"))
        dropped = submission.wait(timeout=10, poll_interval=0.1)
        check(dropped.ksef_number and submission.download_upo(), f"ksef2 drop: {dropped}")
    try:
        auth.invoices.download(dropped.ksef_number)
        check(False, "ksef2 drop: the download should fail")
    except KSeFApiError as e:
        check(e.status_code == 400 and str(e.ksef_code) == "21164", f"ksef2 drop: {e!r}")
    print("ksef2 200 then 21164: ok")

    # Faults on authentication: KSeF's abort (status 550), then a 429 the SDK waits out.
    control(base, "PUT", "/_chaos/plan", {"faults": [
        {"kind": "reject", "status": 550, "on": "auth", "first": 1}]})
    try:
        client.authentication.with_token(ksef_token=TOKEN, nip=NIP, poll_interval=0.1)
        check(False, "ksef2 auth 550: the authentication should fail")
    except KSeFAuthError as e:
        check(e.status_code == 550, f"ksef2 auth 550: {e!r}")
    print("ksef2 auth status 550: ok")
    control(base, "PUT", "/_chaos/plan", {"faults": [
        {"kind": "rate_limit", "retry_after": "1s", "on": "auth", "first": 1}]})
    try:  # ksef2 retries no authentication POST: the 429 reaches the caller
        client.authentication.with_token(ksef_token=TOKEN, nip=NIP, poll_interval=0.1)
        check(False, "ksef2 429 on auth: the authentication should be refused")
    except KSeFRateLimitError as e:
        check(e.status_code == 429 and e.retry_after == 1, f"ksef2 429 on auth: {e!r}")
    again = client.authentication.with_token(ksef_token=TOKEN, nip=NIP, poll_interval=0.1)
    check(list(again.invoices.search(mine())), "ksef2 after a 429 on auth")
    print("ksef2 429 with Retry-After on auth: ok")

    # The close answers 500, but the session closed: it goes on to 200 and its UPO.
    control(base, "PUT", "/_chaos/plan", {"faults": [
        {"kind": "error_after_commit", "on": "session", "every": 2, "max": 1}]})
    try:
        with again.online_session(form_code=FormSchema.FA3) as session:
            session.send_invoice(fa3("FV/K2/CLOSE")).wait(timeout=10, poll_interval=0.1)
        check(False, "ksef2 close: the close should answer 500")
    except KSeFApiError as e:
        check(e.status_code == 500, f"ksef2 close: {e!r}")
    # ksef2 still deems the session open; KSeF's own status says otherwise.
    done = session.get_status()
    for _ in range(50):
        if done.status.code == 200:
            break
        time.sleep(0.1)
        done = session.get_status()
    check(done.status.code == 200 and done.successful_invoice_count == 1, f"ksef2 closed anyway: {done}")
    print("ksef2 500 on close, closed anyway: ok")

def main(binary):
    run_against_platform(binary, run, "ksef2 1.1.0")


if __name__ == "__main__":
    main(sys.argv[1])
