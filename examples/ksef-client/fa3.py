"""The generic invoice (as the harness posts it) → FA(3) XML bytes, losslessly.

The platform reads FA(3) back into the generic invoice (docs/ksef.md, "FA(3) ↔ the
generic invoice") and the harness compares that with what it issued, so every field
must survive the round trip: `issued_at` goes verbatim into `DataWytworzeniaFa` (its
Warsaw date into `P_1`), each line carries its own tax in `P_11Vat`, and the bucket
sums `P_13_x`/`P_14_x` must add up to the invoice's totals. An invoice that FA(3)
cannot carry that way (another currency or rate, a credit note, text the XSD would
normalise) raises `Unsupported` naming why, so it is flagged instead of sent garbled.

The same invoice always gives the same bytes: a resend carries the same
`invoiceHash`, and a download can be compared byte for byte.
"""

import re
from datetime import datetime
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

NAMESPACE = "http://crd.gov.pl/wzor/2025/06/25/13775/"
WARSAW = ZoneInfo("Europe/Warsaw")
EXEMPT_SUFFIX = " [zw]"

# Basis points → (P_12, net bucket, tax bucket); 0 is split into exempt and 0 % below.
_RATES = {
    2300: ("23", "P_13_1", "P_14_1"),
    800: ("8", "P_13_2", "P_14_2"),
    500: ("5", "P_13_3", "P_14_3"),
}
_EXEMPT = ("zw", "P_13_7", None)
_ZERO = ("0 KR", "P_13_6_1", None)
# The XSD's order of the bucket elements inside `Fa`.
_BUCKET_ORDER = ("P_13_1", "P_14_1", "P_13_2", "P_14_2", "P_13_3", "P_14_3", "P_13_6_1", "P_13_7")

_NIP = re.compile(r"[1-9]((\d[1-9])|([1-9]\d))\d{7}")
# xsd:dateTime with a mandatory offset, as the platform reads it (RFC 3339).
_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})")
_EARLIEST = datetime.fromisoformat("2025-09-01T00:00:00+00:00")
_LATEST = datetime.fromisoformat("2050-01-01T23:59:59+00:00")

# The seller's name and address: FA(3) requires them, the generic invoice has none.
SELLER_NAME = "Invoice Chaos sp. z o.o."
SELLER_ADDRESS = "ul. Prosta 1, 00-001 Warszawa"


class Unsupported(ValueError):
    """The invoice cannot be written as FA(3) without losing or changing something."""


def _token(value, field, max_len, required=True):
    """Text for an xsd:token element, which collapses whitespace: refuse any that would
    come back different."""
    if not isinstance(value, str):
        raise Unsupported(f"{field}: expected a string, found {type(value).__name__}")
    if value == "":
        if required:
            raise Unsupported(f"{field}: FA(3) needs a non-empty value")
        return value
    if value != " ".join(value.split()) or any(c in value for c in "\t\n\r"):
        raise Unsupported(f"{field}: {value!r} has whitespace FA(3) would collapse (xsd:token)")
    if any(ord(c) < 0x20 or 0xFFFE <= ord(c) <= 0xFFFF or 0xD800 <= ord(c) <= 0xDFFF for c in value):
        raise Unsupported(f"{field}: {value!r} holds a character XML 1.0 cannot carry")
    if len(value) > max_len:
        raise Unsupported(f"{field}: {len(value)} characters, FA(3) allows at most {max_len}")
    return value


def _int(value, field):
    if isinstance(value, bool) or not isinstance(value, int):
        raise Unsupported(f"{field}: expected an integer, found {type(value).__name__}")
    return value


def money(minor):
    """Grosze → FA(3) amount with two decimals: 12345 → "123.45", -50 → "-0.50"."""
    sign = "-" if minor < 0 else ""
    return f"{sign}{abs(minor) // 100}.{abs(minor) % 100:02d}"


def _rate(line, i):
    rate = _int(line.get("tax_rate"), f"lines[{i}].tax_rate")
    if rate == 0:
        return _EXEMPT if line["description"].endswith(EXEMPT_SUFFIX) else _ZERO
    if rate not in _RATES:
        raise Unsupported(f"lines[{i}].tax_rate: {rate} basis points is not a Polish VAT rate"
                          f" FA(3) can carry here (2300, 800, 500 or 0)")
    return _RATES[rate]


def issue_date(issued_at):
    """`issued_at` checked for `DataWytworzeniaFa`, and its date in Warsaw for `P_1`."""
    if not isinstance(issued_at, str) or not _DATETIME.fullmatch(issued_at):
        raise Unsupported(f"issued_at: {issued_at!r} is not an RFC 3339 date-time with an offset")
    try:
        at = datetime.fromisoformat(issued_at.replace("Z", "+00:00"))
    except ValueError:
        raise Unsupported(f"issued_at: {issued_at!r} is not a valid date-time") from None
    if not _EARLIEST <= at <= _LATEST:
        raise Unsupported(f"issued_at: {issued_at} is outside FA(3)'s range (2025-09-01 to 2050-01-01)")
    return at.astimezone(WARSAW).date().isoformat()


def to_fa3(inv):
    """FA(3) XML bytes for a generic invoice, or `Unsupported` naming the field."""
    if inv.get("currency") != "PLN":
        raise Unsupported(f"currency: {inv.get('currency')!r}; the KSeF client writes PLN invoices only")
    if inv.get("kind") != "blue":
        raise Unsupported(f"kind: {inv.get('kind')!r}; a credit note is an FA(3) KOR, which needs the"
                          " corrected invoice's KSeF number, and is not written by this client")
    number = _token(inv.get("number"), "number", 256)
    seller = inv.get("seller_tax_id")
    buyer = inv.get("buyer_tax_id")
    for field, nip in (("seller_tax_id", seller), ("buyer_tax_id", buyer)):
        if not isinstance(nip, str) or not _NIP.fullmatch(nip):
            raise Unsupported(f"{field}: {nip!r} is not a NIP (ten digits)")
    buyer_name = _token(inv.get("buyer_name"), "buyer_name", 512, required=False)
    p_1 = issue_date(inv.get("issued_at"))
    lines = inv.get("lines")
    if not isinstance(lines, list) or not lines:
        raise Unsupported("lines: expected at least one line")

    buckets = {}
    rows = []
    exempt = False
    for i, line in enumerate(lines, start=1):
        at = f"lines[{i - 1}]"
        desc = _token(line.get("description"), f"{at}.description", 512, required=False)
        quantity = _int(line.get("quantity"), f"{at}.quantity")
        price = _int(line.get("unit_price"), f"{at}.unit_price")
        amount = _int(line.get("amount"), f"{at}.amount")
        tax = _int(line.get("tax"), f"{at}.tax")
        p_12, net_bucket, tax_bucket = _rate(line, i - 1)
        if tax_bucket is None and tax != 0:
            raise Unsupported(f"{at}.tax: {tax} on a {p_12} line; FA(3) has no tax bucket for it")
        exempt = exempt or p_12 == "zw"
        buckets[net_bucket] = buckets.get(net_bucket, 0) + amount
        if tax_bucket is not None:
            buckets[tax_bucket] = buckets.get(tax_bucket, 0) + tax
        rows.append(
            f"<FaWiersz><NrWierszaFa>{i}</NrWierszaFa>"
            + (f"<P_7>{escape(desc)}</P_7>" if desc else "")
            + f"<P_8A>szt.</P_8A><P_8B>{quantity}</P_8B><P_9A>{money(price)}</P_9A>"
            f"<P_11>{money(amount)}</P_11><P_11Vat>{money(tax)}</P_11Vat><P_12>{p_12}</P_12></FaWiersz>"
        )
    # A pair's tax element is required once its net element is written.
    for net, vat in (("P_13_1", "P_14_1"), ("P_13_2", "P_14_2"), ("P_13_3", "P_14_3")):
        if net in buckets:
            buckets.setdefault(vat, 0)

    totals = inv.get("totals") or {}
    net_total = _int(totals.get("amount_excl_tax"), "totals.amount_excl_tax")
    tax_total = _int(totals.get("tax"), "totals.tax")
    gross = _int(totals.get("total_incl_tax"), "totals.total_incl_tax")
    net_sum = sum(v for k, v in buckets.items() if k.startswith("P_13"))
    tax_sum = sum(v for k, v in buckets.items() if k.startswith("P_14"))
    if net_sum != net_total or tax_sum != tax_total:
        raise Unsupported(f"totals: amount_excl_tax {net_total} and tax {tax_total} are not the sums of the"
                          f" lines ({net_sum}, {tax_sum}); FA(3) carries the sums")

    serial = inv.get("request_serial")
    extra = ""
    if isinstance(serial, str) and serial:
        _token(serial, "request_serial", 256)
        extra = (f"<DodatkowyOpis><Klucz>request_serial</Klucz><Wartosc>{escape(serial)}</Wartosc>"
                 "</DodatkowyOpis>")
    exemption = ("<P_19>1</P_19><P_19A>Art. 43 ust. 1 ustawy o podatku od towarów i usług</P_19A>"
                 if exempt else "<P_19N>1</P_19N>")
    sums = "".join(f"<{k}>{money(buckets[k])}</{k}>" for k in _BUCKET_ORDER if k in buckets)
    buyer_xml = f"<NIP>{buyer}</NIP>" + (f"<Nazwa>{escape(buyer_name)}</Nazwa>" if buyer_name else "")
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<Faktura xmlns="{NAMESPACE}">'
        '<Naglowek><KodFormularza kodSystemowy="FA (3)" wersjaSchemy="1-0E">FA</KodFormularza>'
        f"<WariantFormularza>3</WariantFormularza><DataWytworzeniaFa>{inv['issued_at']}</DataWytworzeniaFa>"
        "</Naglowek>"
        f"<Podmiot1><DaneIdentyfikacyjne><NIP>{seller}</NIP><Nazwa>{escape(SELLER_NAME)}</Nazwa>"
        f"</DaneIdentyfikacyjne><Adres><KodKraju>PL</KodKraju><AdresL1>{escape(SELLER_ADDRESS)}</AdresL1>"
        "</Adres></Podmiot1>"
        f"<Podmiot2><DaneIdentyfikacyjne>{buyer_xml}</DaneIdentyfikacyjne><JST>2</JST><GV>2</GV></Podmiot2>"
        f"<Fa><KodWaluty>PLN</KodWaluty><P_1>{p_1}</P_1><P_2>{escape(number)}</P_2>{sums}"
        f"<P_15>{money(gross)}</P_15>"
        f"<Adnotacje><P_16>2</P_16><P_17>2</P_17><P_18>2</P_18><P_18A>2</P_18A><Zwolnienie>{exemption}"
        "</Zwolnienie><NoweSrodkiTransportu><P_22N>1</P_22N></NoweSrodkiTransportu><P_23>2</P_23>"
        "<PMarzy><P_PMarzyN>1</P_PMarzyN></PMarzy></Adnotacje>"
        f"<RodzajFaktury>VAT</RodzajFaktury>{extra}{''.join(rows)}</Fa></Faktura>\n"
    )
    return xml.encode("utf-8")
