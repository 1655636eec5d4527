"""End to end through the client's HTTP contract, against a scripted in-process platform."""

import copy
import json
import tempfile
import threading
import time
import unittest
import urllib.request
from pathlib import Path

from client import App
from fake_platform import FakePlatform

VECTORS = Path(__file__).resolve().parents[2] / "tax-api" / "tests" / "vectors.json"
SELLER = "91110000MA01ABCD1X"
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def invoice(i):
    with open(VECTORS, encoding="utf-8") as f:
        inv = copy.deepcopy(json.load(f)["vectors"][1]["invoice"])
    inv["number"] = f"N{i:04d}"
    inv["request_serial"] = f"serial-{i:04d}"
    return inv


def call(method, url, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    with OPENER.open(req, timeout=30) as resp:
        return resp.status, json.loads(resp.read())


class _ClientTest(unittest.TestCase):
    """Starts a scripted platform and the client on a fresh state directory; no tests of its own."""

    max_page = 250

    def setUp(self):
        self.platform = FakePlatform(hang_secs=0.6, max_page=self.max_page).start()
        self.addCleanup(self.platform.stop)
        self.state = tempfile.TemporaryDirectory()
        self.addCleanup(self.state.cleanup)
        self.app = None
        self.start_client()

    mode = "robust"

    def start_client(self):
        env = {"CLIENT_MODE": self.mode, "TAX_PLATFORM_URL": self.platform.url, "TAX_PLATFORM_TOKEN": "t0ken", "TAX_SELLER_ID": SELLER,
               "PORT": "0", "CLIENT_STATE_DIR": self.state.name, "CLIENT_HTTP_TIMEOUT_SECS": "0.3",
               "CLIENT_DELIVERY_DEADLINE_SECS": "15", "CLIENT_WORKERS": "3"}
        self.app = App(env).start()
        thread = threading.Thread(target=self.app.server.serve_forever, args=(0.05,), daemon=True)
        thread.start()

        def stop(app=self.app):
            app.server.shutdown()
            app.stop()
        self.addCleanup(stop)

    def issue(self, *numbers):
        for i in numbers:
            status, body = call("POST", self.app.url + "/invoices", invoice(i))
            self.assertEqual((status, body), (202, {"number": f"N{i:04d}"}))

    def settled_ledger(self, timeout=20.0):
        """Polls /ledger until nothing is pending; bounded."""
        end = time.monotonic() + timeout
        while True:
            entries = {e["number"]: e for e in call("GET", self.app.url + "/ledger")[1]["entries"]}
            if all(e["status"] != "pending" for e in entries.values()) or time.monotonic() > end:
                return entries
            time.sleep(0.05)



class ClientAgainstAPlatform(_ClientTest):
    def test_a_clean_upload_is_confirmed_with_its_platform_ref(self):
        self.issue(1)
        entry = self.settled_ledger()["N0001"]
        self.assertEqual((entry["status"], entry["reason"]), ("confirmed", None))
        self.assertEqual(entry["platform_ref"], self.platform.records["N0001"]["platform_ref"])

    def test_an_acknowledged_but_dropped_upload_is_uploaded_again_and_confirmed(self):
        self.platform.faults["N0002"] = ["drop"]
        self.issue(2)
        self.assertEqual(self.settled_ledger()["N0002"]["status"], "confirmed")
        self.assertIn("N0002", self.platform.records)

    def test_a_record_stored_without_lines_is_flagged_partial(self):
        self.platform.faults["N0003"] = ["partial"]
        self.issue(3)
        entry = self.settled_ledger()["N0003"]
        self.assertEqual(entry["status"], "flagged")
        self.assertRegex(entry["reason"], "^PARTIAL")

    def test_a_corrupted_record_is_flagged_corrupted(self):
        self.platform.faults["N0004"] = ["corrupt"]
        self.issue(4)
        self.assertRegex(self.settled_ledger()["N0004"]["reason"], "^CORRUPTED: .*buyer_name")

    def test_after_a_timeout_the_client_looks_before_resending_and_keeps_its_serial(self):
        self.platform.faults["N0005"] = ["commit_then_timeout", "commit_then_reset"]
        self.issue(5)
        self.assertEqual(self.settled_ledger()["N0005"]["status"], "confirmed")
        uploads = [u for u in self.platform.uploads if u[0] == "N0005"]
        self.assertEqual(uploads, [("N0005", "serial-0005")])

    def test_a_500_after_commit_and_a_429_are_retried_with_the_same_serial(self):
        self.platform.faults["N0006"] = ["rate_limit", "error_after_commit"]
        self.issue(6)
        self.assertEqual(self.settled_ledger()["N0006"]["status"], "confirmed")
        self.assertEqual({u for u in self.platform.uploads if u[0] == "N0006"}, {("N0006", "serial-0006")})

    def test_an_expired_token_is_renewed_and_the_upload_tried_again(self):
        self.platform.faults["N0014"] = ["token_expiry", "token_expiry"]
        self.issue(14)
        self.assertEqual(self.settled_ledger()["N0014"]["status"], "confirmed")
        self.assertEqual(len([u for u in self.platform.uploads if u[0] == "N0014"]), 3)

    def test_a_409_for_the_same_content_is_confirmed_and_for_other_content_flagged_conflict(self):
        other = invoice(8)
        other["buyer_name"] = "Someone Else"
        with self.platform.lock:
            self.platform._store(invoice(7))
            self.platform._store(other)
        self.issue(7, 8)
        ledger = self.settled_ledger()
        self.assertEqual(ledger["N0007"]["status"], "confirmed")
        self.assertRegex(ledger["N0008"]["reason"], "^CONFLICT")

    def test_reconcile_uploads_again_what_a_migration_lost(self):
        self.issue(9, 10)
        self.assertEqual({e["status"] for e in self.settled_ledger().values()}, {"confirmed"})
        self.platform.lose("N0010")
        status, summary = call("POST", self.app.url + "/reconcile", {})
        self.assertEqual((status, summary), (200, {"checked": 2, "flagged": 0, "reuploaded": 1}))
        self.assertEqual(self.settled_ledger()["N0010"]["status"], "confirmed")
        self.assertIn("N0010", self.platform.records)

    def test_uploads_during_maintenance_wait_and_are_confirmed_after_it(self):
        self.platform.maintenance = True
        self.issue(11)
        deadline = time.monotonic() + 10
        while not any(u[0] == "N0011" for u in self.platform.uploads) and time.monotonic() < deadline:
            time.sleep(0.02)
        self.assertEqual(self.settled_ledger(timeout=0)["N0011"]["status"], "pending")
        self.platform.maintenance = False
        self.assertEqual(self.settled_ledger()["N0011"]["status"], "confirmed")

    def test_a_restarted_client_finishes_what_it_accepted(self):
        self.platform.maintenance = True
        self.issue(12, 13)
        self.app.server.shutdown()
        self.app.stop()
        self.platform.maintenance = False
        self.start_client()
        ledger = self.settled_ledger()
        self.assertEqual({ledger[n]["status"] for n in ("N0012", "N0013")}, {"confirmed"})


class ReconciliationPaging(_ClientTest):
    max_page = 2

    def test_reconciliation_follows_the_cursor_to_the_last_page(self):
        self.issue(30, 31, 32, 33, 34)
        self.assertEqual({e["status"] for e in self.settled_ledger().values()}, {"confirmed"})
        self.platform.lose("N0034")
        status, summary = call("POST", self.app.url + "/reconcile", {})
        self.assertEqual((status, summary), (200, {"checked": 5, "flagged": 0, "reuploaded": 1}))
        self.assertEqual(self.platform.queries, 2)
        self.assertEqual(self.settled_ledger()["N0034"]["status"], "confirmed")


class NaiveClientAgainstAPlatform(_ClientTest):
    """The naive mode trusts acknowledgements: what the robust mode exists to avoid."""

    mode = "naive"

    def test_naive_mode_confirms_an_acknowledged_upload_the_platform_dropped(self):
        self.platform.faults["N0020"] = ["drop"]
        self.issue(20)
        self.assertEqual(self.settled_ledger()["N0020"]["status"], "confirmed")
        self.assertNotIn("N0020", self.platform.records)

    def test_naive_mode_confirms_a_partial_record(self):
        self.platform.faults["N0021"] = ["partial"]
        self.issue(21)
        self.assertEqual(self.settled_ledger()["N0021"]["status"], "confirmed")
        self.assertEqual(self.platform.records["N0021"]["line_count"], 0)


if __name__ == "__main__":
    unittest.main()
