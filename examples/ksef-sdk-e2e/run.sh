#!/usr/bin/env bash
# The KSeF 2.0 dialect against the unmodified PyPI SDK ksef-client 0.20.0, in a
# virtual environment of its own, driving the platform binary.
set -euo pipefail
cd "$(dirname "$0")/../.."
venv="${KSEF_E2E_VENV:-target/ksef-sdk-venv}"
python3 -c 'import ensurepip, venv' 2>/dev/null || { apt-get update && apt-get install -y python3-venv; }
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install --quiet ksef-client==0.20.0
cargo build -q -p mock-tax-platform --bin mock-tax-platform
"$venv/bin/python" examples/ksef-sdk-e2e/e2e.py "${CARGO_TARGET_DIR:-target}/debug/mock-tax-platform"
# ksef2 (stricter response models) needs Python 3.12 or newer: run it where one works.
if python3.12 --version >/dev/null 2>&1; then
  venv2="${KSEF2_E2E_VENV:-target/ksef2-sdk-venv}"
  [ -x "$venv2/bin/python" ] || python3.12 -m venv "$venv2"
  "$venv2/bin/pip" install --quiet ksef2==1.1.0
  "$venv2/bin/python" examples/ksef-sdk-e2e/e2e_ksef2.py "${CARGO_TARGET_DIR:-target}/debug/mock-tax-platform"
else
  echo "python3.12 not available: skipping the ksef2 1.1.0 run"
fi
