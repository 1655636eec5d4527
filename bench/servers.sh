# Sourced by the upload benches: builds both servers, starts the platform (with
# $PLATFORM_ARGS, or the build in $PLATFORM_BIN) and the bare hyper server, waits
# until both accept connections, and stops them when the calling script exits.
# Sets platform_pid and bare_pid.

command -v wrk >/dev/null || { echo "wrk not found: apt-get install -y wrk" >&2; exit 1; }

# The load generator shares the machine's cores with the server under test. As a
# normal task, wrk preempts the server every time a response wakes it, so a server
# slower than wrk is interrupted once per response and pays for two context
# switches each time; a fast server meets wrk already awake and pays little. That
# penalty comes from where the load is generated, not from the server, and it is
# not there when clients run on other machines. So wrk runs as a SCHED_BATCH task
# by default: it keeps its full share of the CPU, but waits for the next tick
# instead of preempting. LOADGEN_POLICY=other runs it as a normal task.
LOADGEN_POLICY=${LOADGEN_POLICY:-batch}
case "$LOADGEN_POLICY" in
  batch)
    command -v chrt >/dev/null || { echo "chrt not found: apt-get install -y util-linux" >&2; exit 1; }
    loadgen=(chrt --batch 0 wrk)
    ;;
  other) loadgen=(wrk) ;;
  *) echo "LOADGEN_POLICY is batch or other, not '$LOADGEN_POLICY'" >&2; exit 1 ;;
esac
cargo build --release -q -p mock-tax-platform --bin mock-tax-platform --example bare_hyper
target=${CARGO_TARGET_DIR:-target}

pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT

RUST_LOG=warn "${PLATFORM_BIN:-$target/release/mock-tax-platform}" --listen "$PLATFORM_ADDR" \
  --token 91110000MA01ABCD1X=bench-token ${PLATFORM_ARGS:-} >/dev/null &
platform_pid=$!
pids+=("$platform_pid")
"$target/release/examples/bare_hyper" "$BARE_ADDR" ${BARE_WORKERS:-} >/dev/null &
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
