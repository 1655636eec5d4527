"""Judging a record the platform returns against the invoice the client sent.

`judge` answers None when the platform provably holds the invoice complete and
correct, or a reason for a person (`PARTIAL: …`, `CORRUPTED: …`) when it does not.
It trusts neither the platform's `content_hash` nor its `line_count` alone: it also
hashes the fields the platform returned.
"""

from content_hash import EncodingError, content_hash

_TEXT_FIELDS = ("number", "seller_tax_id", "buyer_tax_id", "buyer_name", "kind", "issued_at", "currency")


def judge(sent, sent_hash, record):
    """None if `record` (a `GET /v1/invoices/{number}` body or a query item) is intact."""
    if not isinstance(record, dict):
        return "CORRUPTED: the platform returned no readable record"
    lines = record.get("lines")
    stored_lines = len(lines) if isinstance(lines, list) else 0
    line_count = record.get("line_count")
    if isinstance(line_count, bool) or not isinstance(line_count, int):
        line_count = stored_lines
    sent_lines = len(sent["lines"])
    if line_count != sent_lines or stored_lines != sent_lines:
        return (f"PARTIAL: the platform holds {min(line_count, stored_lines)} of {sent_lines} lines"
                f" (content_hash {record.get('content_hash')}, sent {sent_hash})")
    emptied = [k for k in _TEXT_FIELDS if sent.get(k) not in ("", None) and record.get(k) in ("", None)]
    if emptied:
        return f"PARTIAL: the platform holds {', '.join(emptied)} empty"
    if record.get("content_hash") != sent_hash:
        return (f"CORRUPTED: the platform's content_hash is {record.get('content_hash')}, sent {sent_hash}"
                f"{_diff(sent, record)}")
    try:
        stored_hash = content_hash(record)
    except EncodingError as e:
        return f"PARTIAL: the stored record cannot be encoded ({e})"
    if stored_hash != sent_hash:
        return f"CORRUPTED: the stored fields hash to {stored_hash}, sent {sent_hash}{_diff(sent, record)}"
    return None


def _diff(sent, record):
    """`; differs: a, b` naming the fields whose stored value differs from the sent one."""
    names = [k for k in _TEXT_FIELDS if sent.get(k) != record.get(k)]
    for i, (a, b) in enumerate(zip(sent.get("lines", []), record.get("lines") or [])):
        names += [f"lines.{i}.{k}" for k in a if isinstance(b, dict) and a.get(k) != b.get(k)]
    for k, v in (sent.get("totals") or {}).items():
        if (record.get("totals") or {}).get(k) != v:
            names.append(f"totals.{k}")
    return f"; differs: {', '.join(names)}" if names else ""
