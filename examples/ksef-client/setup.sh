#!/usr/bin/env bash
# Creates (once) the KSeF client's virtual environment and installs its pinned
# requirements. The venv path is relative to the repository root.
set -euo pipefail
cd "$(dirname "$0")/../.."
venv="${KSEF_CLIENT_VENV:-target/ksef-client-venv}"
mkdir -p "$(dirname "$venv")"
# Scenarios run in parallel may start several clients at once: one of them builds the venv.
exec 9>"$venv.lock"
flock 9
python3 -c 'import ensurepip, venv' 2>/dev/null || { apt-get update && apt-get install -y python3-venv; }
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
req=examples/ksef-client/requirements.txt
stamp="$venv/.requirements.txt"
# Reinstall only when the pins changed since the last install.
if ! cmp -s "$req" "$stamp"; then
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$req"
  cp "$req" "$stamp"
fi
