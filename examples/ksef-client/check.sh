#!/usr/bin/env bash
# The KSeF client's checks: its pinned venv, then its unit tests and the end-to-end tests
# against the platform binary (MOCK_TAX_PLATFORM, built here when unset), under the venv's python.
set -euo pipefail
cd "$(dirname "$0")/../.."
examples/ksef-client/setup.sh
venv="${KSEF_CLIENT_VENV:-target/ksef-client-venv}"
if [ -z "${MOCK_TAX_PLATFORM:-}" ]; then
  cargo build -q -p mock-tax-platform --bin mock-tax-platform
  MOCK_TAX_PLATFORM="${CARGO_TARGET_DIR:-target}/debug/mock-tax-platform"
fi
export MOCK_TAX_PLATFORM
"$venv/bin/python" -m unittest discover -s examples/ksef-client -p 'test_*.py'
