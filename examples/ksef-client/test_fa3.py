"""The FA(3) writer against the SDK's own FA(3) XSD and parser (ksef-client 0.20.0).

Run with the venv's python (check.sh does): the SDK and lxml live there.
"""

import copy
import unittest
import xml.etree.ElementTree as ET
from decimal import Decimal

from ksef_client.documents.fa3 import TaxSummary, parse_invoice_xml, validate_fa3_xml_xsd

from fa3 import NAMESPACE, Unsupported, money, to_fa3

NS = {"fa": NAMESPACE}


def line(description, quantity, unit_price, rate):
    amount = quantity * unit_price
    tax = (amount * rate + 5000) // 10000
    return {"description": description, "quantity": quantity, "unit_price": unit_price, "tax_rate": rate,
            "amount": amount, "tax": tax}


def invoice(lines, **fields):
    net = sum(ln["amount"] for ln in lines)
    tax = sum(ln["tax"] for ln in lines)
    inv = {"number": "FV/2026/12/0001", "request_serial": "req-0001", "seller_tax_id": "5265877635",
           "buyer_tax_id": "3861610227", "buyer_name": "Hurtownia Łódź sp. z o.o.", "kind": "blue",
           "issued_at": "2026-12-02T10:15:30.123+01:00", "currency": "PLN", "lines": lines,
           "totals": {"amount_excl_tax": net, "tax": tax, "total_incl_tax": net + tax}}
    inv.update(fields)
    return inv


EVERY_RATE = [
    line("Krzesło biurowe", 2, 45000, 2300),
    line("Chleb żytni", 3, 450, 800),
    line("Książka", 1, 3999, 500),
    line("Eksport usługi", 1, 10000, 0),
    line("Usługa medyczna [zw]", 1, 20000, 0),
]


def decimal(text):
    return Decimal(text) if text is not None else None


class WrittenFa3IsValid(unittest.TestCase):
    def assert_valid(self, inv):
        xml = to_fa3(inv)
        validate_fa3_xml_xsd(xml)
        return xml

    def test_every_rate_and_exempt_lines_pass_the_sdk_xsd(self):
        self.assert_valid(invoice(EVERY_RATE))

    def test_only_exempt_lines_pass_the_sdk_xsd(self):
        self.assert_valid(invoice([line("Szkolenie [zw]", 2, 15000, 0), line("Kurs [zw]", 1, 999, 0)]))

    def test_many_lines_pass_the_sdk_xsd(self):
        rates = (2300, 800, 500, 0)
        lines = [line(f"Pozycja {i} zażółć gęślą jaźń" + (" [zw]" if i % 7 == 0 else ""), 1 + i % 5,
                      101 + 37 * i, rates[i % 4]) for i in range(300)]
        xml = self.assert_valid(invoice(lines))
        self.assertEqual(len(ET.fromstring(xml).findall("fa:Fa/fa:FaWiersz", NS)), 300)

    def test_polish_characters_and_markup_survive_escaping(self):
        inv = invoice([line("Śruby & nakrętki <M8> „ocynk”", 100, 12, 2300)],
                      buyer_name="Zakład Ślusarski „Żuraw” & Syn", number="FV/Ł/2026/<1>")
        xml = self.assert_valid(inv)
        parsed = parse_invoice_xml(xml)
        self.assertEqual(parsed.buyer.name, inv["buyer_name"])
        self.assertEqual(parsed.invoice_number, inv["number"])
        self.assertEqual(parsed.lines[0].description, inv["lines"][0]["description"])

    def test_an_empty_buyer_name_and_description_are_left_out(self):
        inv = invoice([line("", 1, 100, 2300)], buyer_name="")
        xml = self.assert_valid(inv)
        root = ET.fromstring(xml)
        self.assertIsNone(root.find("fa:Podmiot2/fa:DaneIdentyfikacyjne/fa:Nazwa", NS))
        self.assertIsNone(root.find("fa:Fa/fa:FaWiersz/fa:P_7", NS))

    def test_the_same_invoice_gives_the_same_bytes(self):
        self.assertEqual(to_fa3(invoice(EVERY_RATE)), to_fa3(copy.deepcopy(invoice(EVERY_RATE))))


class RoundTripThroughTheSdkParser(unittest.TestCase):
    def setUp(self):
        self.inv = invoice(EVERY_RATE)
        self.xml = to_fa3(self.inv)
        self.parsed = parse_invoice_xml(self.xml)
        self.root = ET.fromstring(self.xml)

    def test_lines_keep_quantity_price_amount_tax_and_rate(self):
        self.assertEqual(len(self.parsed.lines), len(self.inv["lines"]))
        expected_rates = ["23", "8", "5", "0 KR", "zw"]
        for sent, got, rate in zip(self.inv["lines"], self.parsed.lines, expected_rates):
            self.assertEqual(got.description, sent["description"])
            self.assertEqual(got.quantity, Decimal(sent["quantity"]))
            self.assertEqual(got.unit_net_price, Decimal(money(sent["unit_price"])))
            self.assertEqual(got.net_amount, Decimal(money(sent["amount"])))
            self.assertEqual(got.vat_amount, Decimal(money(sent["tax"])))
            self.assertEqual(got.tax.xml_rate, rate)

    def test_buckets_are_the_ones_the_sdk_assigns_and_sum_to_the_totals(self):
        summary = TaxSummary.from_lines(self.parsed.lines)
        fa = self.root.find("fa:Fa", NS)
        net_total = Decimal(0)
        tax_total = Decimal(0)
        for bucket in summary.lines:
            written = decimal(fa.findtext(f"fa:{bucket.net_field}", namespaces=NS))
            self.assertEqual(written, bucket.net_amount, bucket.net_field)
            net_total += written
            if bucket.vat_field:
                written_vat = decimal(fa.findtext(f"fa:{bucket.vat_field}", namespaces=NS))
                self.assertEqual(written_vat, bucket.vat_amount, bucket.vat_field)
                tax_total += written_vat
        self.assertEqual(net_total, Decimal(money(self.inv["totals"]["amount_excl_tax"])))
        self.assertEqual(tax_total, Decimal(money(self.inv["totals"]["tax"])))
        self.assertEqual(decimal(fa.findtext("fa:P_15", namespaces=NS)),
                         Decimal(money(self.inv["totals"]["total_incl_tax"])))
        self.assertEqual(summary.gross_total, Decimal(money(self.inv["totals"]["total_incl_tax"])))

    def test_header_carries_issued_at_verbatim_and_the_warsaw_date(self):
        self.assertEqual(self.root.findtext("fa:Naglowek/fa:DataWytworzeniaFa", namespaces=NS),
                         self.inv["issued_at"])
        late = to_fa3(invoice(EVERY_RATE, issued_at="2026-12-01T23:30:00Z"))
        self.assertEqual(parse_invoice_xml(late).issue_date.isoformat(), "2026-12-02")

    def test_parties_currency_kind_and_serial_survive(self):
        self.assertEqual(self.parsed.seller.identifier.value, self.inv["seller_tax_id"])
        self.assertEqual(self.parsed.buyer.identifier.value, self.inv["buyer_tax_id"])
        self.assertEqual(self.parsed.buyer.name, self.inv["buyer_name"])
        self.assertEqual(self.parsed.currency, "PLN")
        self.assertEqual(self.root.findtext("fa:Fa/fa:RodzajFaktury", namespaces=NS), "VAT")
        self.assertEqual([(d.key, d.value) for d in self.parsed.additional_descriptions],
                         [("request_serial", self.inv["request_serial"])])


class WhatFa3CannotCarryIsRefused(unittest.TestCase):
    def assert_refused(self, inv, *words):
        with self.assertRaises(Unsupported) as caught:
            to_fa3(inv)
        for word in words:
            self.assertIn(word, str(caught.exception))

    def test_another_currency_is_named(self):
        self.assert_refused(invoice(EVERY_RATE, currency="CNY"), "CNY")

    def test_a_rate_that_is_not_polish_is_named(self):
        self.assert_refused(invoice([line("Chair", 1, 100, 1300)]), "1300")

    def test_a_credit_note_is_refused(self):
        self.assert_refused(invoice(EVERY_RATE, kind="red"), "red", "KOR")

    def test_a_seller_id_that_is_not_a_nip_is_named(self):
        self.assert_refused(invoice(EVERY_RATE, seller_tax_id="91110000MA01ABCD1X"), "seller_tax_id")

    def test_whitespace_the_xsd_would_collapse_is_refused(self):
        self.assert_refused(invoice([line("Dwie  spacje", 1, 100, 2300)]), "description")
        self.assert_refused(invoice(EVERY_RATE, buyer_name=" Wiodąca spacja"), "buyer_name")

    def test_tax_on_a_zero_rated_line_is_refused(self):
        bad = line("Eksport", 1, 100, 0)
        bad["tax"] = 1
        self.assert_refused(invoice([bad]), "tax")

    def test_totals_that_are_not_the_line_sums_are_refused(self):
        inv = invoice(EVERY_RATE)
        inv["totals"]["amount_excl_tax"] += 1
        self.assert_refused(inv, "totals")

    def test_issued_at_without_offset_is_refused(self):
        self.assert_refused(invoice(EVERY_RATE, issued_at="2026-12-02T10:00:00"), "issued_at")
        self.assert_refused(invoice(EVERY_RATE, issued_at="2024-01-01T10:00:00Z"), "range")


if __name__ == "__main__":
    unittest.main()
