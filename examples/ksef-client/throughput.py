"""Invoices per second the KSeF client settles with no faults.

Starts the platform binary and the client (client.sh, as the harness does), posts N
Polish invoices with C concurrent posters, and times until none is pending.

Usage (venv python, from anywhere):
    python examples/ksef-client/throughput.py PLATFORM_BINARY [--mode robust|naive] [-n 1000] [-c 8]
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from test_client_e2e import NIP, TOKEN, call, polish_invoice, start_platform

HERE = os.path.dirname(os.path.abspath(__file__))


def start_client(platform, mode, state):
    env = dict(os.environ, TAX_PLATFORM_URL=platform, TAX_PLATFORM_TOKEN=TOKEN, TAX_SELLER_ID=NIP, PORT="0",
               CLIENT_STATE_DIR=state, CLIENT_MODE=mode, CLIENT_LOG="INFO")
    proc = subprocess.Popen([os.path.join(HERE, "client.sh")], env=env, stderr=subprocess.PIPE, text=True)
    for line in proc.stderr:
        found = re.search(r"listening on (http://\S+),", line)
        if found:
            return proc, found.group(1)
    raise RuntimeError("the client exited before listening")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("platform")
    parser.add_argument("--mode", default="robust", choices=("robust", "naive"))
    parser.add_argument("-n", type=int, default=1000)
    parser.add_argument("-c", type=int, default=8)
    args = parser.parse_args()
    platform_proc, platform = start_platform(args.platform)
    with tempfile.TemporaryDirectory() as state:
        client_proc, client = start_client(platform, args.mode, state)
        try:
            invoices = [polish_invoice(f"TP/{i}", i) for i in range(args.n)]
            call(client, "POST", "/invoices", polish_invoice("TP/warm-up", 0))  # auth and session first
            while call(client, "GET", "/ledger")[1]["entries"][0]["status"] == "pending":
                time.sleep(0.05)
            start = time.time()
            with ThreadPoolExecutor(args.c) as pool:
                list(pool.map(lambda inv: call(client, "POST", "/invoices", inv), invoices))
            posted = time.time() - start
            while True:
                entries = call(client, "GET", "/ledger")[1]["entries"]
                if all(e["status"] != "pending" for e in entries):
                    break
                time.sleep(0.05)
            took = time.time() - start
            print(f"{args.mode}: {args.n} invoices, {args.c} posters: posted in {posted:.2f}s, settled in"
                  f" {took:.2f}s = {args.n / took:.1f} invoices/s; {dict(Counter(e['status'] for e in entries))}")
        finally:
            client_proc.terminate()
            client_proc.wait(timeout=10)
            platform_proc.terminate()
            platform_proc.wait(timeout=10)


if __name__ == "__main__":
    sys.exit(main())
