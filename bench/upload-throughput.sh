#!/usr/bin/env bash
# Upload throughput of the mock tax platform against a bare hyper server, in one run.
#
#   bench/upload-throughput.sh            # defaults: 2 threads, 32 connections, 5 s, 5 rounds
#   DURATION=10s CONNECTIONS=64 ROUNDS=7 bench/upload-throughput.sh
#
# Needs wrk (Debian: apt-get install -y wrk). Both servers get the same wrk load, one
# after the other, alternating for ROUNDS rounds. The ratio platform / bare of the
# median rounds is the figure (target: >= 0.75); the ratio of the best rounds is
# printed too. The median, because on a shared 2-core machine a single round of
# either server now and then runs far above its usual rate. Every request uploads
# a new invoice (a new record); the platform is reset before each round so every
# round starts from an empty store.
#
# wrk runs as a SCHED_BATCH task so it does not preempt the server on every
# response (see bench/servers.sh); LOADGEN_POLICY=other runs it as a normal task.
set -euo pipefail
cd "$(dirname "$0")/.."

THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-32}
DURATION=${DURATION:-5s}
ROUNDS=${ROUNDS:-5}
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
  out=$("${loadgen[@]}" -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" -s bench/upload.lua "http://$1/v1/invoices")
  if ! grep -q '^non-2xx responses: 0$' <<<"$out"; then
    echo "$out" >&2
    echo "error responses from $1" >&2
    exit 1
  fi
  awk '/^Requests\/sec:/ {print $2}' <<<"$out"
}

bares=()
platforms=()
for round in $(seq 1 "$ROUNDS"); do
  bare=$(run "$BARE_ADDR")
  curl -fsS -X POST "http://$PLATFORM_ADDR/_chaos/reset" >/dev/null
  platform=$(run "$PLATFORM_ADDR")
  echo "round $round: bare hyper ${bare} req/s, platform ${platform} req/s"
  bares+=("$bare")
  platforms+=("$platform")
done
median() { printf '%s\n' "$@" | sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
best() { printf '%s\n' "$@" | sort -g | tail -n 1; }
ratio() { awk -v p="$1" -v b="$2" 'BEGIN {printf "%.2f", p / b}'; }
median_bare=$(median "${bares[@]}")
median_platform=$(median "${platforms[@]}")
best_bare=$(best "${bares[@]}")
best_platform=$(best "${platforms[@]}")
echo "upload throughput (wrk -t$THREADS -c$CONNECTIONS -d$DURATION as a $LOADGEN_POLICY task, $ROUNDS rounds):"
echo "  bare hyper: median $median_bare req/s, best $best_bare req/s"
echo "  platform:   median $median_platform req/s, best $best_platform req/s"
echo "  ratio platform/bare: $(ratio "$median_platform" "$median_bare") of medians (target >= 0.75), $(ratio "$best_platform" "$best_bare") of bests"
