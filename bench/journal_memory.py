"""Load for bench/journal-memory.sh: what unauthenticated requests, uploads and idle
connections cost a running platform. Loopback only; bounded by its arguments.

    journal_memory.py noise   ADDR PID COUNT PATH_BYTES CONNECTIONS
    journal_memory.py uploads ADDR PID COUNT TOKEN SELLER
    journal_memory.py idle    ADDR PID MAX
"""

import http.client
import json
import resource
import socket
import sys
import threading


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def connect(addr):
    host, port = addr.rsplit(":", 1)
    return http.client.HTTPConnection(host, int(port), timeout=30)


def noise(addr, pid, count, path_bytes, connections):
    filler = "9" * path_bytes
    statuses = {}
    lock = threading.Lock()

    def worker(share, index):
        conn = connect(addr)
        seen = {}
        for i in range(share):
            # Half are 401 (an API route, no token), half 404 (no route).
            path = f"/v1/invoices/{filler}" if (i + index) % 2 else f"/{filler}"
            conn.request("GET", path)
            response = conn.getresponse()
            response.read()
            seen[response.status] = seen.get(response.status, 0) + 1
        with lock:
            for status, n in seen.items():
                statuses[status] = statuses.get(status, 0) + n

    before = rss_kib(pid)
    threads = [threading.Thread(target=worker, args=(count // connections, i)) for i in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    after = rss_kib(pid)
    print(f"noise: {sum(statuses.values())} requests with {path_bytes}-byte paths, statuses {statuses}")
    print(f"noise: RSS {before} KiB -> {after} KiB (+{(after - before) / 1024:.1f} MiB)")


def uploads(addr, pid, count, token, seller):
    with open("docs/examples/invoice.json") as f:
        invoice = json.load(f)
    invoice["seller_tax_id"] = seller
    conn = connect(addr)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    before = rss_kib(pid)
    for i in range(count):
        invoice["number"] = f"{25117000000000000000 + i:020d}"
        invoice["request_serial"] = f"order-{i:012d}"
        conn.request("POST", "/v1/invoices", json.dumps(invoice), headers)
        response = conn.getresponse()
        response.read()
        if response.status != 201:
            raise RuntimeError(f"upload {i}: {response.status}")
    after = rss_kib(pid)
    conn.request("GET", "/_chaos/stats")
    journal = json.loads(conn.getresponse().read()).get("journal")
    print(f"uploads: {count} uploads, RSS {before} KiB -> {after} KiB, "
          f"{(after - before) * 1024 / count:.0f} bytes per upload (store and journal)")
    if journal:
        print(f"uploads: journal {journal['entries']} entries, {journal['bytes']} bytes, "
              f"{journal['bytes'] / max(journal['entries'], 1):.0f} bytes per entry, dropped {journal['dropped']}")


def idle(addr, pid, most):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    host, port = addr.rsplit(":", 1)
    request = f"GET /v1/status HTTP/1.1\r\nHost: {addr}\r\n\r\n".encode()
    held = []
    for _ in range(most):
        sock = socket.create_connection((host, int(port)), timeout=3)
        sock.sendall(request)
        try:
            answered = sock.recv(12) == b"HTTP/1.1 200"
        except OSError:
            answered = False
        if not answered:
            sock.close()
            break
        held.append(sock)
    fds = len(__import__("os").listdir(f"/proc/{pid}/fd"))
    print(f"idle: the platform answered and holds {len(held)} idle connections "
          f"(its descriptors: {fds}); the next client {'was not answered' if len(held) < most else 'was not tried'}")


if __name__ == "__main__":
    mode, addr, pid, *rest = sys.argv[1:]
    pid = int(pid)
    if mode == "noise":
        noise(addr, pid, int(rest[0]), int(rest[1]), int(rest[2]))
    elif mode == "uploads":
        uploads(addr, pid, int(rest[0]), rest[1], rest[2])
    elif mode == "idle":
        idle(addr, pid, int(rest[0]))
    else:
        sys.exit(f"unknown mode {mode}")
