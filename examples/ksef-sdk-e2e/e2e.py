"""Drives the unmodified PyPI SDK ksef-client 0.20.0 through the KSeF 2.0 flows
against the mock platform binary, then through the faults the platform injects.

Usage: python e2e.py PATH/TO/mock-tax-platform
Exits non-zero, naming the step, when anything is not as a real KSeF would answer.
"""

import datetime
import json
import sys
import time

from ksef_client import KsefClient, KsefClientOptions, models as m
from ksef_client.exceptions import KsefApiError, KsefHttpError, KsefRateLimitError
from ksef_client.services import AuthCoordinator, OnlineSessionWorkflow

from common import NIP, POLLS, TOKEN, b64sha, check, control, fa3, run_against_platform

FA3 = m.FormCode(system_code="FA (3)", schema_version="1-0E", value="FA")


def wait_invoice(session, ref, done=lambda code: code >= 200):
    for _ in range(POLLS):
        st = session.get_invoice_status(ref)
        if done(st.status.code):
            return st
        time.sleep(0.05)
    return st


def main(binary):
    run_against_platform(binary, run, "ksef-client 0.20.0")


def run(base):
    with KsefClient(KsefClientOptions(base_url=base, timeout_seconds=5)) as c:
        step = "auth"
        tok = c.security.get_public_key_certificate(m.PublicKeyCertificateUsage.KSEFTOKENENCRYPTION)
        auth = AuthCoordinator(c.auth).authenticate_with_ksef_token(
            token=TOKEN, public_certificate=tok.certificate, public_key_id=tok.public_key_id,
            context_identifier_type="nip", context_identifier_value=NIP, poll_interval_seconds=0.05)
        access = auth.access_token
        sym = c.security.get_public_key_certificate(m.PublicKeyCertificateUsage.SYMMETRICKEYENCRYPTION)
        workflow = OnlineSessionWorkflow(c.sessions)

        def open_session():
            return workflow.open_session(form_code=FA3, public_certificate=sym.certificate,
                                         public_key_id=sym.public_key_id, access_token=access)

        # Happy path: send, status, close, UPO x3, metadata, download, refresh.
        s = open_session()
        xml = fa3("FV/E2E/1")
        ref = s.send_invoice(xml).reference_number
        st = wait_invoice(s, ref)
        check(st.status.code == 200 and st.ksef_number, f"send: {st}")
        listed = s.list_invoices()
        check(len(listed.invoices) == 1, f"list: {listed}")
        s.close()
        for _ in range(POLLS):
            status = s.get_status()
            if status.status.code >= 200:
                break
        check(status.status.code == 200 and status.upo and status.upo.pages, f"session: {status}")
        for upo in (s.get_invoice_upo_by_ref(ref), s.get_invoice_upo_by_ksef(st.ksef_number),
                    s.get_upo(status.upo.pages[0].reference_number)):
            check(st.ksef_number.encode() in upo, "UPO names the KSeF number")
        # The SDK refuses ranges over 100 days.
        now = datetime.datetime.now(datetime.timezone.utc)
        page = c.invoices.query_invoice_metadata_by_date_range(
            subject_type="Subject1", date_type="PermanentStorage",
            date_from=(now - datetime.timedelta(days=1)).isoformat(),
            date_to=(now + datetime.timedelta(days=1)).isoformat(),
            access_token=access, page_offset=0, page_size=10)
        check([i.ksef_number for i in page.invoices] == [st.ksef_number], f"metadata: {page}")
        got = c.invoices.get_invoice_bytes(st.ksef_number, access_token=access)
        check(got.content == xml and got.sha256_base64 == b64sha(xml) == st.invoice_hash, "download")
        access = c.auth.refresh_access_token(auth.refresh_token).access_token.token
        print("happy path: ok")

        rules = [
            {"kind": "commit_then_reset", "number_prefix": "FV/RST/", "first": 1},
            {"kind": "rate_limit", "number_prefix": "FV/RL/", "retry_after": "2s"},
            {"kind": "stuck_processing", "number_prefix": "FV/STK/"},
            {"kind": "drop_after_ack", "number_prefix": "FV/DROP/"},
        ]
        control(base, "PUT", "/_chaos/plan", {"faults": rules})
        s = open_session()

        # 440 after a commit-then-reset: the SDK sees no HTTP status; the resend is a duplicate.
        try:
            s.send_invoice(fa3("FV/RST/1"))
            check(False, "commit_then_reset: the send should fail")
        except KsefHttpError as e:
            check(e.status_code == 0, f"commit_then_reset: {e!r}")
        st = wait_invoice(s, s.send_invoice(fa3("FV/RST/1")).reference_number)
        check(st.status.code == 440 and st.status.extensions
              and st.status.extensions.get("originalKsefNumber"), f"resend: {st}")
        print("440 after commit_then_reset: ok")

        try:
            s.send_invoice(fa3("FV/RL/1"))
            check(False, "rate_limit: the send should fail")
        except KsefRateLimitError as e:
            check(e.status_code == 429 and e.retry_after == 2, f"rate_limit: {e!r}")
        print("429 with Retry-After: ok")

        ref = s.send_invoice(fa3("FV/STK/1")).reference_number
        st = wait_invoice(s, ref, done=lambda code: False)
        check(st.status.code == 150, f"stuck: {st}")
        print("150 stuck: ok")

        st = wait_invoice(s, s.send_invoice(fa3("FV/DROP/1")).reference_number)
        check(st.status.code == 200 and st.ksef_number, f"drop: {st}")
        check(s.get_invoice_upo_by_ref(st.reference_number), "drop: UPO")
        try:
            c.invoices.get_invoice_bytes(st.ksef_number, access_token=access)
            check(False, "drop: the download should fail")
        except KsefApiError as e:
            check(e.status_code == 400 and "21164" in json.dumps(e.response_body), f"drop: {e!r}")
        print("200 then 21164: ok")

        control(base, "POST", "/_chaos/maintenance", {"duration": "1h"})
        try:
            s.send_invoice(fa3("FV/MNT/1"))
            check(False, "maintenance: the send should fail")
        except KsefHttpError as e:
            check(e.status_code == 503 and e.retry_after, f"maintenance: {e!r}")
        control(base, "POST", "/_chaos/maintenance", {"stop": True})
        print("HTML 503 in maintenance: ok")


if __name__ == "__main__":
    main(sys.argv[1])
