#!/usr/bin/env bash
# The Python client's checks: its unit tests, then the scenarios that drive it.
set -euo pipefail
cd "$(dirname "$0")/../.."
python3 -m unittest discover -s examples/python-client
cargo run -q -p harness -- run --quiet scenarios/examples/
