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

source bench/servers.sh

ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)

measure() { # name pid addr
  local before after out requests
  before=$(ticks "$2")
  out=$("${loadgen[@]}" -t2 -c32 -d"$DURATION" -s bench/upload.lua "http://$3/v1/invoices")
  after=$(ticks "$2")
  grep -q '^non-2xx responses: 0$' <<<"$out" || { echo "$out" >&2; exit 1; }
  requests=$(awk '/requests in/ {print $1}' <<<"$out")
  awk -v n="$1" -v t=$((after - before)) -v hz="$hz" -v r="$requests" \
    'BEGIN {printf "  %-8s %8d requests, %6.2f us CPU per request\n", n, r, t * 1e6 / hz / r}'
}

echo "CPU per upload (wrk -t2 -c32 -d$DURATION as a $LOADGEN_POLICY task, $ROUNDS rounds):"
for round in $(seq 1 "$ROUNDS"); do
  echo "round $round:"
  measure bare "$bare_pid" "$BARE_ADDR"
  curl -fsS -X POST "http://$PLATFORM_ADDR/_chaos/reset" >/dev/null
  measure platform "$platform_pid" "$PLATFORM_ADDR"
done
