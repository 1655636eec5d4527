"""The canonical content hash (`invoice-chaos-content-v1`), as docs/content-hash.md defines it.

The client hashes what it sends and compares the result with the `content_hash` the
platform returns, and with a hash of the fields the platform returns, to tell an intact
record from a partial or corrupted one.
"""

import hashlib

HEADER = b"invoice-chaos-content-v1\n"
_HEAD_FIELDS = ("number", "seller_tax_id", "buyer_tax_id", "buyer_name", "kind", "issued_at", "currency")
_LINE_FIELDS = ("description", "quantity", "unit_price", "tax_rate", "amount", "tax")
_TOTAL_FIELDS = ("amount_excl_tax", "tax", "total_incl_tax")


class EncodingError(ValueError):
    """The invoice lacks a field the encoding needs, or a field has the wrong type."""


def _text(value, name):
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise EncodingError(f"{name}: expected a string or an integer, found {type(value).__name__}")
    return str(value)


def _int(value, name):
    if isinstance(value, bool) or not isinstance(value, int):
        raise EncodingError(f"{name}: expected an integer, found {type(value).__name__}")
    return str(value)


def _field(name, value):
    data = value.encode("utf-8")
    return name.encode("utf-8") + b":" + str(len(data)).encode("ascii") + b":" + data + b"\n"


def canonical_encoding(inv):
    """The exact bytes that are hashed; raises EncodingError naming the bad field."""
    try:
        out = [HEADER]
        for k in _HEAD_FIELDS:
            out.append(_field(k, _text(inv[k], k)))
        lines = inv["lines"]
        if not isinstance(lines, list):
            raise EncodingError(f"lines: expected a list, found {type(lines).__name__}")
        out.append(_field("line_count", str(len(lines))))
        for i, line in enumerate(lines):
            for k in _LINE_FIELDS:
                name = f"lines.{i}.{k}"
                value = line[k]
                out.append(_field(name, _text(value, name) if k == "description" else _int(value, name)))
        totals = inv["totals"]
        for k in _TOTAL_FIELDS:
            name = f"totals.{k}"
            out.append(_field(name, _int(totals[k], name)))
    except (KeyError, TypeError) as e:
        raise EncodingError(f"expected field {e} in the invoice, found none") from None
    return b"".join(out)


def content_hash(inv):
    """Lowercase hex SHA-256 of the canonical encoding."""
    return hashlib.sha256(canonical_encoding(inv)).hexdigest()
