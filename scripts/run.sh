#!/usr/bin/env bash
# `make run`: migrate the database, seed the demo school, serve it in demo mode.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
PY=.venv/bin/python
export PARTA_MODE=demo
HOST="${PARTA_HOST:-127.0.0.1}"
PORT="${PARTA_PORT:-8000}"

mkdir -p var
# Calls: Janus and coturn on loopback (installed by scripts/system-deps.sh; stopped with
# `bash scripts/media-services.sh stop`). Without them the demo runs, and calls say so.
if command -v janus >/dev/null && command -v turnserver >/dev/null; then
    if bash scripts/media-services.sh start; then
        eval "$(bash scripts/media-services.sh env)"
    else
        echo "  [run] Janus/coturn did not start: calls are unavailable in this demo" >&2
    fi
else
    echo "  [run] janus/coturn not installed (bash scripts/system-deps.sh): calls are unavailable" >&2
fi
echo "  [run] migrating the database (${PARTA_DATABASE_URL:-sqlite+aiosqlite:///./var/parta.db})"
"$PY" -m parta migrate
echo "  [run] seeding the demo school"
"$PY" -m parta demo

cat <<EOF

  Parta (demo mode) is starting at  http://$HOST:$PORT

  Sign in with one of the demo phones:
      admin     +7 900 000-00-01
      teacher   +7 900 000-00-02
      parent    +7 900 000-00-21
      student   +7 900 000-00-11
      operator  +7 900 000-00-00
  No SMS is sent: the sign-in code appears in this console.
  Stop with Ctrl+C.

EOF
exec "$PY" -m parta serve
