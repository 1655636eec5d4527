#!/usr/bin/env bash
# What a request may cost the platform: RSS after unauthenticated requests with long
# paths, RSS and journal bytes per upload, and the idle connections it holds at a
# 1024-descriptor limit. Loopback only, bounded.
#
#   bench/journal-memory.sh                        # the release build of this checkout
#   PLATFORM_BIN=/tmp/old/mock-tax-platform bench/journal-memory.sh   # another build
#   NOISE=100000 PATH_BYTES=8192 UPLOADS=100000 IDLE=1100 bench/journal-memory.sh
#
# Needs python3. Each measurement starts a fresh platform.
# Figures and what they mean: mock-tax-platform/README.md, "Journal memory".
set -euo pipefail
cd "$(dirname "$0")/.."

NOISE=${NOISE:-100000}
PATH_BYTES=${PATH_BYTES:-8192}
CONNECTIONS=${CONNECTIONS:-8}
UPLOADS=${UPLOADS:-100000}
IDLE=${IDLE:-1100}
# A free loopback port unless one is given (other benches may hold the usual ones).
ADDR=${PLATFORM_ADDR:-127.0.0.1:$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
SELLER=91110000MA01ABCD1X
TOKEN=bench-token
target=${CARGO_TARGET_DIR:-target}
if [ -z "${PLATFORM_BIN:-}" ]; then
  cargo build --release -q -p mock-tax-platform --bin mock-tax-platform
  PLATFORM_BIN=$target/release/mock-tax-platform
fi

pid=
cleanup() { if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi; pid=; }
trap cleanup EXIT

# Starts the platform (extra flags in "$@") under the current ulimit and waits for it.
start() {
  RUST_LOG=error "$PLATFORM_BIN" --listen "$ADDR" --token "$SELLER=$TOKEN" \
    --header-read-timeout 60s "$@" >/dev/null 2>&1 &
  pid=$!
  for _ in $(seq 1 100); do
    kill -0 "$pid" 2>/dev/null || { echo "the platform exited on start ($ADDR)" >&2; exit 1; }
    if (exec 3<>"/dev/tcp/${ADDR%:*}/${ADDR#*:}") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  echo "the platform did not start on $ADDR" >&2
  exit 1
}

start
python3 bench/journal_memory.py noise "$ADDR" "$pid" "$NOISE" "$PATH_BYTES" "$CONNECTIONS"
cleanup

start
python3 bench/journal_memory.py uploads "$ADDR" "$pid" "$UPLOADS" "$TOKEN" "$SELLER"
cleanup

# A soft limit of 1024 for the platform; the load generator raises its own to the hard limit.
(ulimit -Sn 1024 && start --workers 2 && python3 bench/journal_memory.py idle "$ADDR" "$pid" "$IDLE"; cleanup)
