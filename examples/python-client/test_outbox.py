"""The outbox survives a restart (and a SIGKILL) on the same state directory."""

import os
import signal
import subprocess
import sys
import tempfile
import textwrap
import unittest

from outbox import CONFIRMED, PENDING, UPLOAD, VERIFY, Outbox

HERE = os.path.dirname(os.path.abspath(__file__))


class OutboxRestart(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.addCleanup(self.dir.cleanup)

    def open(self):
        box = Outbox(self.dir.name)
        self.addCleanup(box.close)
        return box

    def test_the_state_file_is_in_wal_mode(self):
        self.assertEqual(self.open().journal_mode(), "wal")

    def test_an_accepted_invoice_is_pending_after_a_restart(self):
        first = self.open()
        self.assertEqual(first.insert("N1", '{"number": "N1"}', "h1", 1, "2025-05-02T16:57:33+08:00", 20), "new")
        first.close()
        again = self.open()
        row = again.get("N1")
        self.assertEqual((row["status"], row["stage"], row["body"]), (PENDING, UPLOAD, '{"number": "N1"}'))
        self.assertEqual(again.due(row["next_at"], set(), 10), ["N1"])

    def test_a_transition_is_kept_with_its_history(self):
        first = self.open()
        first.insert("N1", "{}", "h1", 1, "t", 20)
        first.update("N1", note="upload sent", uncertain=1)
        first.update("N1", note="upload 201", stage=VERIFY, uncertain=0, platform_ref="R1")
        first.close()
        row = self.open().get("N1")
        self.assertEqual((row["stage"], row["uncertain"], row["platform_ref"]), (VERIFY, 0, "R1"))
        self.assertEqual(row["history"], "accepted\nupload sent\nupload 201\n")

    def test_the_same_number_is_same_or_conflict_and_never_overwritten(self):
        box = self.open()
        box.insert("N1", "{}", "h1", 1, "t", 20)
        self.assertEqual(box.insert("N1", "{}", "h1", 1, "t", 20), "same")
        self.assertEqual(box.insert("N1", "{ }", "h2", 1, "t", 20), "conflict")
        self.assertEqual(box.get("N1")["content_hash"], "h1")

    def test_an_update_with_an_expected_status_skips_a_row_that_moved_on(self):
        box = self.open()
        box.insert("N1", "{}", "h1", 1, "t", 20)
        box.update("N1", status=CONFIRMED)
        self.assertEqual(box.update("N1", expect_status=PENDING, status="flagged"), 0)
        self.assertEqual(box.get("N1")["status"], CONFIRMED)

    def test_an_unknown_column_is_refused(self):
        box = self.open()
        with self.assertRaisesRegex(ValueError, "outbox columns"):
            box.update("N1", body="x")

    def test_committed_rows_survive_a_sigkill(self):
        script = textwrap.dedent(f"""
            import os, signal, sys
            sys.path.insert(0, {HERE!r})
            from outbox import Outbox
            box = Outbox({self.dir.name!r})
            for i in range(50):
                box.insert(f"N{{i}}", "{{}}", "h", 1, "t", 20)
            box.update("N7", note="upload sent", uncertain=1)
            os.kill(os.getpid(), signal.SIGKILL)
        """)
        proc = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=60)
        self.assertEqual(proc.returncode, -signal.SIGKILL, proc.stderr.decode())
        box = self.open()
        self.assertEqual(box.counts(), {PENDING: 50})
        self.assertEqual(box.get("N7")["uncertain"], 1)

    def test_maintenance_seen_is_remembered(self):
        first = self.open()
        first.set_meta("maintenance_seen", "1")
        first.close()
        self.assertEqual(self.open().get_meta("maintenance_seen"), "1")


if __name__ == "__main__":
    unittest.main()
