#!/usr/bin/env bash
# Upload throughput of the mock tax platform against a bare hyper server, in one run.
#
#   bench/upload-throughput.sh            # defaults: 2 threads, 32 connections, 5 s, 3 rounds
#   DURATION=10s CONNECTIONS=64 ROUNDS=3 bench/upload-throughput.sh
#
# Needs wrk (Debian: apt-get install -y wrk). Both servers get the same wrk load, one
# after the other, alternating for ROUNDS rounds; the best round of each is compared
# and the ratio platform / bare is printed. Target: >= 0.75. Every request uploads a
# new invoice (a new record); the platform is reset before each round so every
# round starts from an empty store.
set -euo pipefail
cd "$(dirname "$0")/.."

THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-32}
DURATION=${DURATION:-5s}
ROUNDS=${ROUNDS:-3}
PLATFORM_ADDR=${PLATFORM_ADDR:-127.0.0.1:18181}
BARE_ADDR=${BARE_ADDR:-127.0.0.1:18182}
# Extra platform flags, e.g. PLATFORM_ARGS="--plan bench/twenty-rules.toml" to measure
# the fault engine's cost with twenty rules loaded that never fire on this traffic.
PLATFORM_ARGS=${PLATFORM_ARGS:-}
# Another build of the platform to compare, e.g. one copied aside before a change.
PLATFORM_BIN=${PLATFORM_BIN:-}
# Both servers pin each connection to one of a worker thread per CPU by default;
# PLATFORM_ARGS="--workers 0" BARE_WORKERS=0 compares them on tokio's work-stealing
# runtime instead.
BARE_WORKERS=${BARE_WORKERS:-}

source bench/servers.sh

run() { # addr -> requests/s
  local out
  out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" -s bench/upload.lua "http://$1/v1/invoices")
  if ! grep -q '^non-2xx responses: 0$' <<<"$out"; then
    echo "$out" >&2
    echo "error responses from $1" >&2
    exit 1
  fi
  awk '/^Requests\/sec:/ {print $2}' <<<"$out"
}

best_bare=0
best_platform=0
for round in $(seq 1 "$ROUNDS"); do
  bare=$(run "$BARE_ADDR")
  curl -fsS -X POST "http://$PLATFORM_ADDR/_chaos/reset" >/dev/null
  platform=$(run "$PLATFORM_ADDR")
  echo "round $round: bare hyper ${bare} req/s, platform ${platform} req/s"
  best_bare=$(awk -v a="$best_bare" -v b="$bare" 'BEGIN {print (b > a) ? b : a}')
  best_platform=$(awk -v a="$best_platform" -v b="$platform" 'BEGIN {print (b > a) ? b : a}')
done
ratio=$(awk -v p="$best_platform" -v b="$best_bare" 'BEGIN {printf "%.2f", p / b}')
echo "upload throughput (wrk -t$THREADS -c$CONNECTIONS -d$DURATION, best of $ROUNDS):"
echo "  bare hyper: $best_bare req/s"
echo "  platform:   $best_platform req/s"
echo "  ratio platform/bare: $ratio (target >= 0.75)"
