#!/usr/bin/env bash
# Runs the fuzz tests for a time budget, each round with fresh random cases.
#
#   bench/fuzz.sh                          # 5 minutes
#   MINUTES=30 CASES=20000 bench/fuzz.sh
#
# The targets are proptest tests, so they need no nightly toolchain and `cargo test`
# runs them too, with fewer cases:
#   - the invoice model (validation arithmetic, content hash): tax-api
#     `tests/contract/fuzz.rs`;
#   - the upload decoder and the plan parser: mock-tax-platform `src/fuzz.rs`;
#   - scenario scripts: harness `tests/integration/fuzz_scripts.rs` (the parser, and the
#     gate: whatever `validate` accepts, `run --max-count 5` finishes without a panic).
# Each round gives each parser target CASES cases and the gate RUN_CASES real runs
# (a second or two each). Debug builds, so integer overflow panics as it does in
# tests. A failure stops the script with proptest's minimal failing input, which it
# also records under `proptest-regressions/` so `cargo test` replays it from then on.
set -euo pipefail
cd "$(dirname "$0")/.."

MINUTES=${MINUTES:-5}
CASES=${CASES:-5000}
RUN_CASES=${RUN_CASES:-20}
export RUST_BACKTRACE=${RUST_BACKTRACE:-0}

cargo test -q --no-run -p tax-api --test contract
cargo test -q --no-run -p mock-tax-platform --lib
cargo test -q --no-run -p harness --test integration

deadline=$(($(date +%s) + MINUTES * 60))
round=0
while [ "$(date +%s)" -lt "$deadline" ]; do
  round=$((round + 1))
  PROPTEST_CASES=$CASES cargo test -q -p tax-api --test contract fuzz
  PROPTEST_CASES=$CASES cargo test -q -p mock-tax-platform --lib fuzz
  PROPTEST_CASES=$CASES cargo test -q -p harness --test integration fuzz_scripts \
    -- --skip whatever_validate_accepts
  PROPTEST_CASES=$RUN_CASES cargo test -q -p harness --test integration \
    fuzz_scripts::whatever_validate_accepts
  echo "fuzz round $round passed: $((9 * CASES)) cases, $RUN_CASES scripts through the gate"
done
echo "fuzz: $round round(s) in ${MINUTES} min, no failure"
