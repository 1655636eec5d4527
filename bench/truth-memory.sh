#!/usr/bin/env bash
# Peak RSS of the platform while it answers GET /_chaos/truth with RECORDS stored.
#
#   bench/truth-memory.sh                                  # 1,000,000 records, this build
#   RECORDS=100000 bench/truth-memory.sh
#   PLATFORM_BIN=/tmp/before/mock-tax-platform bench/truth-memory.sh   # another build
#
# Loads RECORDS distinct invoices (bench/load_records.py, LOADERS connections), then
# reads the truth once in each form, then PARALLEL times at once, with curl writing
# to /dev/null. Before each read the kernel's peak-RSS mark (VmHWM) is reset to the
# current RSS (`echo 5 > /proc/PID/clear_refs`), so the peak printed is the read's
# own; "after" is the RSS once the read is done. Needs Linux, python3 and curl.
set -euo pipefail
cd "$(dirname "$0")/.."

RECORDS=${RECORDS:-1000000}
LOADERS=${LOADERS:-4}
PARALLEL=${PARALLEL:-4}
ADDR=${ADDR:-127.0.0.1:18191}
TOKEN=bench-token

if [[ -z "${PLATFORM_BIN:-}" ]]; then
  cargo build --release -q -p mock-tax-platform --bin mock-tax-platform
  PLATFORM_BIN=${CARGO_TARGET_DIR:-target}/release/mock-tax-platform
fi

RUST_LOG=warn "$PLATFORM_BIN" --listen "$ADDR" --token "91110000MA01ABCD1X=$TOKEN" >/dev/null &
pid=$!
trap 'kill "$pid" 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  if curl -fsS -o /dev/null "http://$ADDR/v1/status" 2>/dev/null; then break; fi
  sleep 0.1
done

mib() { awk -v k="$1" 'BEGIN {printf "%.0f MiB", k / 1024}'; }
rss() { awk '/^VmRSS/ {print $2}' "/proc/$pid/status"; }
hwm() { awk '/^VmHWM/ {print $2}' "/proc/$pid/status"; }

load_start=$(date +%s)
python3 bench/load_records.py "$ADDR" "$TOKEN" "$RECORDS" "$LOADERS"
echo "loaded $RECORDS records in $(( $(date +%s) - load_start )) s; platform RSS $(mib "$(rss)")"

read_truth() { # query, copies at once
  local before
  before=$(rss)
  echo 5 > "/proc/$pid/clear_refs"
  local out
  out=$(for _ in $(seq 1 "$2"); do
    curl -fsS -o /dev/null -w '%{size_download} %{time_total} %{content_type}\n' \
      "http://$ADDR/_chaos/truth$1" &
  done; wait)
  echo "GET /_chaos/truth$1 x$2: RSS before $(mib "$before"), peak $(mib "$(hwm)"), after $(mib "$(rss)")"
  awk '{printf "  %d bytes in %.1f s (%s)\n", $1, $2, $3}' <<<"$out"
}

read_truth "" 1
read_truth "?format=jsonl" 1
read_truth "" "$PARALLEL"
