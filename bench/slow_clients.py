"""What a running platform does with awkward clients. Loopback only, bounded.

    python3 bench/slow_clients.py slow-body URL WAIT_SECONDS TOKEN  # 100 bodies that stop arriving
    python3 bench/slow_clients.py oversized URL ROUNDS TOKEN   # 2 MiB bodies over urllib

slow-body: opens 100 connections that send an upload's headers and 4 of its 1000
body bytes, waits, then counts the connections the platform answered 408 and
closed. oversized: uploads a 2 MiB body with Python's urllib (which sends the whole
body before reading) ROUNDS times and counts how often it read the 413 rather than
failing with a reset or broken pipe. Start the platform with --body-limit below 2 MiB
(the default 1 MiB will do) and a seller token TOKEN.
"""

import socket
import sys
import time
import urllib.error
import urllib.parse
import urllib.request


def slow_body(url, wait, token):
    parts = urllib.parse.urlsplit(url)
    socks = []
    for _ in range(100):
        s = socket.create_connection((parts.hostname, parts.port))
        s.sendall(f"POST /v1/invoices HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n"
                  "Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"n\"".encode())
        socks.append(s)
    time.sleep(wait)
    closed = answered = 0
    for s in socks:
        s.settimeout(0.2)
        try:
            data = s.recv(65536)
            answered += data.startswith(b"HTTP/1.1 408")
            while data:
                data = s.recv(65536)
            closed += 1
        except socket.timeout:
            pass
        except OSError:
            closed += 1
        s.close()
    print(f"slow-body: after {wait:g} s, {answered} answered 408, {closed} of 100 closed by the platform")


def oversized(url, rounds, token):
    body = b" " * (2 * 1024 * 1024)
    read = failed = 0
    for _ in range(rounds):
        request = urllib.request.Request(
            url + "/v1/invoices", data=body,
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"})
        try:
            urllib.request.urlopen(request, timeout=20)
            failed += 1
        except urllib.error.HTTPError as e:
            if e.code == 413:
                read += 1
            else:
                failed += 1
        except OSError:
            failed += 1
    print(f"oversized: {read} of {rounds} read the 413, {failed} failed")


if __name__ == "__main__":
    mode, url = sys.argv[1], sys.argv[2].rstrip("/")
    if mode == "slow-body":
        slow_body(url, float(sys.argv[3]), sys.argv[4])
    elif mode == "oversized":
        oversized(url, int(sys.argv[3]), sys.argv[4])
    else:
        sys.exit(f"unknown mode {mode}")
