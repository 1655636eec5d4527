#!/usr/bin/env bash
# KSeF 2.0 sends per second (one session, then encrypted send + status polls to 200)
# against /v1 uploads per second, in the same run, release build.
#
#   bench/ksef-throughput.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cargo bench -q -p mock-tax-platform --bench ksef_throughput
