"""What both SDK end-to-end scripts share: the seller, the invoice, the platform."""

import base64
import hashlib
import json
import re
import subprocess
import urllib.request

NIP = "5265877635"
TOKEN = "e2e-ksef-token"
# Polling bound for statuses that settle at once on a platform without a delay.
POLLS = 50


def fa3(number: str) -> bytes:
    """A minimal FA(3) invoice from NIP with one line and P_11Vat (research §3)."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Faktura xmlns="http://crd.gov.pl/wzor/2025/06/25/13775/">
 <Naglowek><KodFormularza kodSystemowy="FA (3)" wersjaSchemy="1-0E">FA</KodFormularza>
  <WariantFormularza>3</WariantFormularza><DataWytworzeniaFa>2026-12-02T10:00:00+01:00</DataWytworzeniaFa></Naglowek>
 <Podmiot1><DaneIdentyfikacyjne><NIP>{NIP}</NIP><Nazwa>Seller</Nazwa></DaneIdentyfikacyjne>
  <Adres><KodKraju>PL</KodKraju><AdresL1>ul. Prosta 1</AdresL1></Adres></Podmiot1>
 <Podmiot2><DaneIdentyfikacyjne><NIP>3861610227</NIP><Nazwa>Buyer</Nazwa></DaneIdentyfikacyjne>
  <JST>2</JST><GV>2</GV></Podmiot2>
 <Fa><KodWaluty>PLN</KodWaluty><P_1>2026-12-02</P_1><P_2>{number}</P_2>
  <P_13_1>100.00</P_13_1><P_14_1>23.00</P_14_1><P_15>123.00</P_15>
  <Adnotacje><P_16>2</P_16><P_17>2</P_17><P_18>2</P_18><P_18A>2</P_18A><Zwolnienie><P_19N>1</P_19N></Zwolnienie>
   <NoweSrodkiTransportu><P_22N>1</P_22N></NoweSrodkiTransportu><P_23>2</P_23><PMarzy><P_PMarzyN>1</P_PMarzyN></PMarzy></Adnotacje>
  <RodzajFaktury>VAT</RodzajFaktury>
  <FaWiersz><NrWierszaFa>1</NrWierszaFa><P_7>Widget</P_7><P_8A>szt.</P_8A><P_8B>2</P_8B>
   <P_9A>50.00</P_9A><P_11>100.00</P_11><P_11Vat>23.00</P_11Vat><P_12>23</P_12></FaWiersz></Fa></Faktura>
""".encode()


def b64sha(data: bytes) -> str:
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


def check(cond, what):
    if not cond:
        raise AssertionError(what)


def start_platform(binary):
    proc = subprocess.Popen(
        [binary, "--listen", "127.0.0.1:0", "--seed", "7", "--token", f"{NIP}={TOKEN}", "--workers", "1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={"RUST_LOG": "info", "NO_COLOR": "1"},
    )
    for line in proc.stdout:
        found = re.search(r"addr=(127\.0\.0\.1:\d+)", re.sub(r"\x1b\[[0-9;]*m", "", line))
        if found:
            return proc, "http://" + found.group(1)
    raise RuntimeError("the platform exited before listening")


def run_against_platform(binary, run, name):
    """Starts the platform binary, runs `run(base_url)` against it, always stops it."""
    proc, base = start_platform(binary)
    try:
        run(base)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    print(f"{name} e2e: all flows passed")


def control(base, method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(base + path, data=data, method=method, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req) as r:
        return r.status, r.read()
