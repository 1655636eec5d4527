#!/usr/bin/env python3
"""Stores COUNT distinct invoices in a running platform, over WORKERS keep-alive
connections (one process each), and exits non-zero if any upload is not a 201.

    python3 bench/load_records.py 127.0.0.1:18191 bench-token 1000000 4
"""
import http.client
import multiprocessing
import sys

SELLER = "91110000MA01ABCD1X"
TEMPLATE = (
    '{"number":"%s","request_serial":"s-%s","seller_tax_id":"' + SELLER + '",'
    '"buyer_tax_id":"91110108MA02EFGH2Y","buyer_name":"Beijing Example Trading Co.",'
    '"kind":"blue","issued_at":"2025-05-02T16:57:33+08:00","currency":"CNY",'
    '"lines":[{"description":"Office chair","quantity":2,"unit_price":45000,'
    '"tax_rate":1300,"amount":90000,"tax":11700}],'
    '"totals":{"amount_excl_tax":90000,"tax":11700,"total_incl_tax":101700}}'
)


def upload(job):
    addr, token, first, count = job
    host, port = addr.rsplit(":", 1)
    conn = http.client.HTTPConnection(host, int(port), timeout=60)
    headers = {"Content-Type": "application/json", "Authorization": "Bearer " + token}
    for i in range(first, first + count):
        number = "L%018d" % i
        conn.request("POST", "/v1/invoices", TEMPLATE % (number, number), headers)
        response = conn.getresponse()
        response.read()
        if response.status != 201:
            return "%s answered %d" % (number, response.status)
    return None


def main():
    addr, token, total, workers = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    share = -(-total // workers)
    jobs = [
        (addr, token, w * share, min(share, total - w * share))
        for w in range(workers)
        if total > w * share
    ]
    with multiprocessing.Pool(len(jobs)) as pool:
        errors = [e for e in pool.map(upload, jobs) if e]
    if errors:
        sys.exit("uploads failed: " + "; ".join(errors))


if __name__ == "__main__":
    main()
