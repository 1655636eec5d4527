#!/usr/bin/env bash
# CPU time each server spends per upload (user + system, from /proc), which is far
# less noisy than requests/s on a shared machine. Builds what the throughput bench
# builds, loads each server with the same wrk run, prints microseconds per request.
#
#   bench/cpu-per-request.sh
#   PLATFORM_ARGS="--plan bench/twenty-rules.toml" ROUNDS=3 bench/cpu-per-request.sh
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-4s}
ROUNDS=${ROUNDS:-2}
PLATFORM_ADDR=${PLATFORM_ADDR:-127.0.0.1:18191}
BARE_ADDR=${BARE_ADDR:-127.0.0.1:18192}
PLATFORM_ARGS=${PLATFORM_ARGS:-}
# Another build of the platform to compare, e.g. one copied aside before a change.
PLATFORM_BIN=${PLATFORM_BIN:-}

command -v wrk >/dev/null || { echo "wrk not found: apt-get install -y wrk" >&2; exit 1; }
cargo build --release -q -p mock-tax-platform --bin mock-tax-platform --example bare_hyper
target=${CARGO_TARGET_DIR:-target}

pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT
RUST_LOG=warn "${PLATFORM_BIN:-$target/release/mock-tax-platform}" --listen "$PLATFORM_ADDR" \
  --token 91110000MA01ABCD1X=bench-token $PLATFORM_ARGS >/dev/null &
platform_pid=$!
pids+=("$platform_pid")
"$target/release/examples/bare_hyper" "$BARE_ADDR" >/dev/null &
bare_pid=$!
pids+=("$bare_pid")

wait_up() {
  for _ in $(seq 1 100); do
    if (exec 3<>"/dev/tcp/${1%:*}/${1#*:}") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  echo "server on $1 did not start" >&2
  exit 1
}
wait_up "$PLATFORM_ADDR"
wait_up "$BARE_ADDR"

ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)

measure() { # name pid addr
  local before after out requests
  before=$(ticks "$2")
  out=$(wrk -t2 -c32 -d"$DURATION" -s bench/upload.lua "http://$3/v1/invoices")
  after=$(ticks "$2")
  grep -q '^non-2xx responses: 0$' <<<"$out" || { echo "$out" >&2; exit 1; }
  requests=$(awk '/requests in/ {print $1}' <<<"$out")
  awk -v n="$1" -v t=$((after - before)) -v hz="$hz" -v r="$requests" \
    'BEGIN {printf "  %-8s %8d requests, %6.2f us CPU per request\n", n, r, t * 1e6 / hz / r}'
}

for round in $(seq 1 "$ROUNDS"); do
  echo "round $round:"
  measure bare "$bare_pid" "$BARE_ADDR"
  curl -fsS -X POST "http://$PLATFORM_ADDR/_chaos/reset" >/dev/null
  measure platform "$platform_pid" "$PLATFORM_ADDR"
done
