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

import httpx
from ksef2 import Client, Environment, FormSchema
from ksef2.models import InvoicesFilter

from common import NIP, TOKEN, check, fa3, start_platform


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
    now = datetime.datetime.now(datetime.timezone.utc)
    page = auth.invoices.query_metadata(
        filters=InvoicesFilter.for_seller(date_from=now - datetime.timedelta(days=1), date_type="permanent_storage"))
    check([i.ksef_number for i in page.invoices] == [status.ksef_number], f"ksef2 metadata: {page}")
    content = auth.invoices.download_invoice(ksef_number=status.ksef_number)
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


def main(binary):
    proc, base = start_platform(binary)
    try:
        run(base)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    print("ksef2 1.1.0 e2e: all flows passed")


if __name__ == "__main__":
    main(sys.argv[1])
