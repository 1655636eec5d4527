#!/usr/bin/env bash
# The KSeF client's checks: its pinned venv, then its unit tests under the venv's python.
set -euo pipefail
cd "$(dirname "$0")/../.."
examples/ksef-client/setup.sh
venv="${KSEF_CLIENT_VENV:-target/ksef-client-venv}"
"$venv/bin/python" -m unittest discover -s examples/ksef-client -p 'test_*.py'
