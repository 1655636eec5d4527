"""The client's content hash matches the published test vectors byte for byte."""

import copy
import json
import unittest
from pathlib import Path

from content_hash import EncodingError, canonical_encoding, content_hash
from verify import judge

VECTORS = Path(__file__).resolve().parents[2] / "tax-api" / "tests" / "vectors.json"


def load_vectors():
    with open(VECTORS, encoding="utf-8") as f:
        return json.load(f)["vectors"]


class ContentHashVectors(unittest.TestCase):
    def test_every_vector_encodes_to_its_canonical_bytes(self):
        vectors = load_vectors()
        self.assertGreaterEqual(len(vectors), 3)
        for v in vectors:
            with self.subTest(vector=v["name"]):
                self.assertEqual(canonical_encoding(v["invoice"]).decode("utf-8"), v["canonical"])

    def test_every_vector_hashes_to_its_published_hash(self):
        for v in load_vectors():
            with self.subTest(vector=v["name"]):
                self.assertEqual(content_hash(v["invoice"]), v["content_hash"])

    def test_request_serial_does_not_change_the_hash(self):
        inv = copy.deepcopy(load_vectors()[0]["invoice"])
        before = content_hash(inv)
        inv["request_serial"] = "another-attempt"
        self.assertEqual(content_hash(inv), before)

    def test_a_missing_field_is_an_error_naming_it(self):
        inv = copy.deepcopy(load_vectors()[0]["invoice"])
        del inv["totals"]
        with self.assertRaisesRegex(EncodingError, "totals"):
            content_hash(inv)

    def test_a_float_amount_is_refused(self):
        inv = copy.deepcopy(load_vectors()[0]["invoice"])
        inv["lines"][0]["amount"] = 900.0
        with self.assertRaisesRegex(EncodingError, "lines.0.amount"):
            content_hash(inv)


class JudgingStoredRecords(unittest.TestCase):
    def setUp(self):
        v = load_vectors()[1]
        self.sent = v["invoice"]
        self.hash = v["content_hash"]

    def stored(self, **changes):
        rec = copy.deepcopy(self.sent)
        rec.update(changes)
        rec.setdefault("line_count", len(rec["lines"]))
        rec.setdefault("content_hash", content_hash(rec))
        rec["platform_ref"] = "ref-1"
        return rec

    def test_an_intact_record_passes(self):
        self.assertIsNone(judge(self.sent, self.hash, self.stored()))

    def test_a_record_without_lines_is_partial(self):
        self.assertRegex(judge(self.sent, self.hash, self.stored(lines=[], line_count=0, content_hash="x")),
                         r"^PARTIAL: the platform holds 0 of 3 lines")

    def test_an_emptied_field_is_partial(self):
        self.assertRegex(judge(self.sent, self.hash, self.stored(buyer_name="")), r"^PARTIAL: .*buyer_name")

    def test_an_altered_field_is_corrupted_and_named(self):
        self.assertRegex(judge(self.sent, self.hash, self.stored(currency="USD")), r"^CORRUPTED: .*currency")

    def test_a_hash_that_lies_about_altered_fields_is_still_caught(self):
        rec = self.stored(buyer_tax_id="X")
        rec["content_hash"] = self.hash
        self.assertRegex(judge(self.sent, self.hash, rec), r"^CORRUPTED: the stored fields hash")


if __name__ == "__main__":
    unittest.main()
