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
# ksef2 (stricter response models) needs Python 3.12 or newer: on PATH, or one of
# pyenv's versions (its shims fail for a version that is not selected).
newer_python() {
  local py
  for py in python3.12 python3.13 python3.14 python3 \
    "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.1[2-9]*/bin/python3; do
    if "$py" -c 'import sys, venv; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; then
      echo "$py"
      return 0
    fi
  done
  return 1
}
if py312="$(newer_python)"; then
  venv2="${KSEF2_E2E_VENV:-target/ksef2-sdk-venv}"
  [ -x "$venv2/bin/python" ] || "$py312" -m venv "$venv2"
  "$venv2/bin/pip" install --quiet ksef2==1.1.0
  "$venv2/bin/python" examples/ksef-sdk-e2e/e2e_ksef2.py "${CARGO_TARGET_DIR:-target}/debug/mock-tax-platform"
else
  echo "no Python 3.12 or newer found: skipping the ksef2 1.1.0 run"
fi
