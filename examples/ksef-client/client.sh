#!/usr/bin/env bash
# Starts the KSeF billing client with its pinned venv (made by setup.sh on first use).
# The harness runs it from the repository root; any directory works.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
venv="${KSEF_CLIENT_VENV:-target/ksef-client-venv}"
case "$venv" in /*) ;; *) venv="$root/$venv" ;; esac
if [ ! -x "$venv/bin/python" ] || [ ! -e "$venv/.requirements.txt" ]; then
  "$root/examples/ksef-client/setup.sh" >&2
fi
exec "$venv/bin/python" "$root/examples/ksef-client/client.py" "$@"
