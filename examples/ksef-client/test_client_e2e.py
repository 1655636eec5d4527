"""The KSeF client end to end: the real platform binary, its KSeF faults, the client's
ledger and the platform's truth.

Needs the platform binary in MOCK_TAX_PLATFORM (check.sh builds it when unset) and the
venv's python (the SDK).
"""

import json
import os
import sys
import tempfile
import threading
import time
import unittest
import urllib.request

from client import App  # puts examples/python-client on the path

from content_hash import content_hash
from outbox import Outbox
from test_fa3 import invoice, line

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "ksef-sdk-e2e"))
from common import start_platform  # noqa: E402  (the SDK e2e's platform starter)

NIP = "5265877635"
TOKEN = "e2e-ksef-token"
RATES = (2300, 800, 500, 0)


def polish_invoice(number, i):
    lines = [line(f"Towar {j} zażółć" + (" [zw]" if RATES[(i + j) % 4] == 0 and j % 2 else ""),
                  1 + (i + j) % 4, 150 + 77 * (i + j), RATES[(i + j) % 4]) for j in range(1 + i % 3)]
    return invoice(lines, number=number, request_serial=f"rs-{number}",
                   issued_at=time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime()))


def call(base, method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(base + path, data=data, method=method, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        raw = r.read()
        return r.status, json.loads(raw) if raw else None


class KsefClientEndToEnd(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        binary = os.environ.get("MOCK_TAX_PLATFORM")
        if not binary:
            raise unittest.SkipTest("MOCK_TAX_PLATFORM (the platform binary) is not set; check.sh sets it")
        cls.proc, cls.platform = start_platform(binary)

    @classmethod
    def tearDownClass(cls):
        cls.proc.terminate()
        cls.proc.wait(timeout=10)

    def setUp(self):
        self.state = tempfile.TemporaryDirectory()
        self.app = None

    def tearDown(self):
        if self.app is not None:
            self.app.server.shutdown()
            self.app.stop()
        self.state.cleanup()
        call(self.platform, "PUT", "/_chaos/plan", {"faults": []})

    def start_client(self, mode="robust", deadline=6.0):
        env = {"TAX_PLATFORM_URL": self.platform, "TAX_PLATFORM_TOKEN": TOKEN, "TAX_SELLER_ID": NIP, "PORT": "0",
               "CLIENT_STATE_DIR": self.state.name, "CLIENT_MODE": mode,
               "CLIENT_DELIVERY_DEADLINE_SECS": str(deadline), "CLIENT_HTTP_TIMEOUT_SECS": "1"}
        self.app = App(env).start()
        threading.Thread(target=self.app.server.serve_forever, daemon=True).start()
        return self.app.url

    def post(self, client, invoices):
        for inv in invoices:
            status, _ = call(client, "POST", "/invoices", inv)
            self.assertEqual(status, 202)

    def settle(self, client, numbers, limit=30.0):
        """The ledger entries of `numbers` once none is pending (naive ones may stay pending)."""
        end = time.time() + limit
        while True:
            _, ledger = call(client, "GET", "/ledger")
            entries = {e["number"]: e for e in ledger["entries"] if e["number"] in numbers}
            if all(e["status"] != "pending" for e in entries.values()) or time.time() > end:
                return entries
            time.sleep(0.05)

    def truth(self):
        _, body = call(self.platform, "GET", "/_chaos/truth")
        return {r["number"]: r for r in body["records"] if r["seller_tax_id"] == NIP}

    def assert_every_rule_fired(self):
        """A fault that never fired tests nothing: make sure each one did."""
        _, stats = call(self.platform, "GET", "/_chaos/stats")
        for rule in stats["rules"]:
            self.assertGreater(rule["fired"], 0, f"rule {rule['name']} never fired")

    def batch(self, prefix, n):
        return [polish_invoice(f"{prefix}{i}", i) for i in range(n)]

    def test_robust_confirms_through_ksef_faults_and_the_round_trip_is_lossless(self):
        call(self.platform, "PUT", "/_chaos/plan", {"faults": [
            {"kind": "drop_after_ack", "number_prefix": "R/DROP/", "first": 2},
            {"kind": "commit_then_reset", "number_prefix": "R/RST/", "first": 2},
            {"kind": "error_after_commit", "number_prefix": "R/ERR/", "first": 2},
            {"kind": "rate_limit", "number_prefix": "R/RL/", "retry_after": "1s", "first": 2},
            {"kind": "visibility_lag", "number_prefix": "R/LAG/", "first": 2},
            {"kind": "reject", "status": 550, "number_prefix": "R/REJ/", "first": 2},
        ]})
        client = self.start_client()
        sent = []
        for prefix in ("R/OK/", "R/DROP/", "R/RST/", "R/ERR/", "R/RL/", "R/LAG/", "R/REJ/"):
            sent += self.batch(prefix, 3)
        self.post(client, sent)
        ledger = self.settle(client, {inv["number"] for inv in sent})
        self.assert_every_rule_fired()
        truth = self.truth()
        for inv in sent:
            with self.subTest(number=inv["number"]):
                self.assertEqual(ledger[inv["number"]]["status"], "confirmed", ledger[inv["number"]])
                record = truth[inv["number"]]
                self.assertEqual(record["integrity"], "intact")
                self.assertEqual(record["copies"], 1)
                # Lossless: the platform's generic invoice read from FA(3) is the one issued.
                self.assertEqual(record["sent_hash"], content_hash(inv))
                self.assertTrue(ledger[inv["number"]]["platform_ref"].startswith(NIP + "-"))
        # After an unanswered send the client looked first, found the invoice, and did not send it again.
        looked = [r["history"] for r in self.app.outbox.rows()
                  if r["number"].startswith("R/RST/") and "after an unanswered send" in r["history"]]
        self.assertEqual(len(looked), 2)  # the rule's `first`: which two depends on the workers' order
        for history in looked:
            self.assertNotIn("sending", history.split("after an unanswered send", 1)[1])

    def test_robust_flags_what_it_cannot_prove(self):
        call(self.platform, "PUT", "/_chaos/plan", {"faults": [
            {"kind": "stuck_processing", "number_prefix": "F/STK/"},
            {"kind": "partial_write", "drop": "lines", "number_prefix": "F/PART/"},
            {"kind": "duplicate", "number_prefix": "F/TWO/"},
        ]})
        client = self.start_client(deadline=3.0)
        sent = (self.batch("F/STK/", 2) + self.batch("F/PART/", 2) + self.batch("F/TWO/", 2)
                + [polish_invoice("F/CNY/0", 0)])
        sent[-1]["currency"] = "CNY"
        self.post(client, sent)
        self.settle(client, {inv["number"] for inv in sent})
        # Two copies under two KSeF numbers show only in the metadata: reconciliation finds them.
        _, summary = call(client, "POST", "/reconcile")
        self.assertGreaterEqual(summary["flagged"], 2)
        ledger = self.settle(client, {inv["number"] for inv in sent})
        self.assert_every_rule_fired()
        for inv in sent:
            self.assertEqual(ledger[inv["number"]]["status"], "flagged", ledger[inv["number"]])
        self.assertTrue(ledger["F/STK/0"]["reason"].startswith("UNPROVEN"), ledger["F/STK/0"])
        self.assertIn("150", ledger["F/STK/0"]["reason"])
        self.assertTrue(ledger["F/PART/0"]["reason"].startswith("PARTIAL"), ledger["F/PART/0"])
        self.assertIn("CNY", ledger["F/CNY/0"]["reason"])
        self.assertTrue(ledger["F/TWO/0"]["reason"].startswith("DUPLICATED"), ledger["F/TWO/0"])

    def test_robust_waits_out_maintenance_and_resends_what_a_migration_lost(self):
        client = self.start_client(deadline=15.0)
        first = self.batch("M/A/", 6)
        self.post(client, first)
        ledger = self.settle(client, {inv["number"] for inv in first})
        self.assertTrue(all(e["status"] == "confirmed" for e in ledger.values()), ledger)
        call(self.platform, "POST", "/_chaos/maintenance",
             {"duration": "2s", "migration": {"lose": 0.5, "since": "start", "at_least": 1}})
        during = self.batch("M/B/", 3)
        self.post(client, during)
        ledger = self.settle(client, {inv["number"] for inv in first + during})
        self.assertTrue(all(e["status"] == "confirmed" for e in ledger.values()), ledger)
        _, summary = call(client, "POST", "/reconcile")
        self.assertEqual(summary["checked"], len(first) + len(during))
        ledger = self.settle(client, {inv["number"] for inv in first + during})
        # Reconciliation (after the window, or this one) found what the migration took and sent it again.
        resent = [r["number"] for r in self.app.outbox.rows() if "answers 21164; send again" in r["history"]]
        self.assertTrue(resent, "no confirmed invoice was found lost and sent again")
        ledger = self.settle(client, {inv["number"] for inv in first + during})
        truth = self.truth()
        for inv in first + during:
            with self.subTest(number=inv["number"]):
                self.assertEqual(ledger[inv["number"]]["status"], "confirmed", ledger[inv["number"]])
                self.assertEqual(truth[inv["number"]]["integrity"], "intact", truth[inv["number"]])

    def test_robust_reconciles_by_itself_after_an_announced_window(self):
        client = self.start_client(deadline=15.0)
        first = self.batch("W/A/", 6)
        self.post(client, first)
        self.settle(client, {inv["number"] for inv in first})
        call(self.platform, "POST", "/_chaos/maintenance",
             {"after": "1s", "duration": "1s", "migration": {"lose": 0.5, "since": "start", "at_least": 1}})
        announced = self.batch("W/B/", 2)  # their answers carry the announcement
        self.post(client, announced)
        numbers = {inv["number"] for inv in first + announced}
        end = time.time() + 20
        while time.time() < end:
            resent = [r["number"] for r in self.app.outbox.rows() if "answers 21164; send again" in r["history"]]
            if resent and all(e["status"] == "confirmed" for e in self.settle(client, numbers).values()):
                break
            time.sleep(0.2)
        self.assertTrue(resent, "no reconciliation after the announced window found the lost invoices")
        truth = self.truth()
        for number, entry in self.settle(client, numbers).items():
            self.assertEqual(entry["status"], "confirmed", entry)
            self.assertEqual(truth[number]["integrity"], "intact", truth[number])

    def test_robust_finds_the_original_of_a_440_without_a_pointer_by_metadata(self):
        call(self.platform, "PUT", "/_chaos/plan", {"faults": [
            {"kind": "duplicate_without_pointer", "number_prefix": "D/"}]})
        client = self.start_client()
        sent = self.batch("D/", 2)
        self.post(client, sent)
        first = self.settle(client, {inv["number"] for inv in sent})
        # State restored from an old backup: the client sends both again and meets 440.
        now = time.time()
        for inv in sent:
            self.app.outbox.update(inv["number"], note="restored from a backup", status="pending", stage="upload",
                                   submission_id=None, uncertain=0, next_at=now, deadline_at=now + 10)
        self.app.workers.wake()
        again = self.settle(client, {inv["number"] for inv in sent})
        self.assert_every_rule_fired()
        for inv in sent:
            self.assertEqual(again[inv["number"]]["status"], "confirmed", again[inv["number"]])
            self.assertEqual(again[inv["number"]]["platform_ref"], first[inv["number"]]["platform_ref"])
            self.assertIn("440 without a pointer; the metadata names", self.app.outbox.get(inv["number"])["history"])
        self.assertEqual(self.truth()["D/0"]["copies"], 1)

    def test_robust_resumes_from_its_outbox_after_a_restart(self):
        # Slow sends and statuses, so the restart finds invoices in every stage.
        call(self.platform, "PUT", "/_chaos/plan", {"faults": [{"kind": "latency", "delay": "150ms", "on": "any"}]})
        client = self.start_client(deadline=20.0)
        sent = self.batch("X/", 12)
        self.post(client, sent)
        time.sleep(0.3)
        self.app.server.shutdown()
        self.app.stop()
        probe = Outbox(self.state.name)
        in_flight = probe.counts().get("pending", 0)
        probe.close()
        self.assertGreater(in_flight, 0, "the restart came too late to test anything")
        client = self.start_client(deadline=20.0)
        ledger = self.settle(client, {inv["number"] for inv in sent})
        truth = self.truth()
        for inv in sent:
            self.assertEqual(ledger[inv["number"]]["status"], "confirmed", ledger[inv["number"]])
            self.assertEqual(truth[inv["number"]]["integrity"], "intact")
            self.assertEqual(truth[inv["number"]]["copies"], 1)

    def test_naive_trusts_status_200_resends_blindly_and_parks_refusals(self):
        call(self.platform, "PUT", "/_chaos/plan", {"faults": [
            {"kind": "drop_after_ack", "number_prefix": "N/DROP/"},
            {"kind": "rate_limit", "number_prefix": "N/RL/", "retry_after": "1s"},
            {"kind": "commit_then_reset", "number_prefix": "N/RST/", "first": 1},
            {"kind": "stuck_processing", "number_prefix": "N/STK/"},
        ]})
        client = self.start_client(mode="naive")
        sent = (self.batch("N/OK/", 2) + self.batch("N/DROP/", 2) + self.batch("N/RL/", 1) + self.batch("N/RST/", 1)
                + self.batch("N/STK/", 1))
        self.post(client, sent)
        ledger = self.settle(client, {inv["number"] for inv in sent}, limit=3.0)
        self.assert_every_rule_fired()
        truth = self.truth()
        for inv in self.batch("N/DROP/", 2):
            self.assertEqual(ledger[inv["number"]]["status"], "confirmed")
            history = self.app.outbox.get(inv["number"])["history"]
            self.assertRegex(history, r"download answered HTTP 400 21164.*\(ignored\)")
            self.assertNotEqual(truth.get(inv["number"], {}).get("integrity"), "intact")
        self.assertEqual(ledger["N/OK/0"]["status"], "confirmed")
        self.assertEqual(ledger["N/RL/0"]["status"], "pending")
        self.assertEqual(ledger["N/STK/0"]["status"], "pending")
        # A blind resend after the reset meets 440, which naive calls a failure: a false flag.
        self.assertEqual(ledger["N/RST/0"]["status"], "flagged")
        self.assertIn("440", ledger["N/RST/0"]["reason"])
        self.assertEqual(truth["N/RST/0"]["integrity"], "intact")


if __name__ == "__main__":
    unittest.main()
