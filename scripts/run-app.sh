#!/usr/bin/env bash
# Builds and opens the Vireo window, or says at once why it cannot.
set -eu
app=${1:-target/release/vireo-app}
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  cat >&2 <<MSG
make run: there is no display (neither DISPLAY nor WAYLAND_DISPLAY is set), so the Vireo
window cannot open. Either
  - run 'make run' from a terminal inside your desktop session, or
  - ssh with X forwarding (ssh -X), or
  - use a virtual display: xvfb-run -a $app
The host check works without a display: target/release/vireo check (cargo build --release -p vireo-cli)
MSG
  exit 1
fi
make --no-print-directory app
exec "$app"
