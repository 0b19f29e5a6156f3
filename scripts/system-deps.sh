#!/usr/bin/env bash
# Debian packages the test suite needs: a PostgreSQL server, Redis, Chromium (tests/e2e
# drives /usr/bin/chromium), ffmpeg (the server strips audio and video of their metadata
# with it), Janus with its VideoRoom plugin and coturn (calls: scripts/media-services.sh).
# Installs only what is missing, so a rerun costs nothing.
set -euo pipefail

missing=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
{ command -v redis-server && command -v redis-cli; } >/dev/null 2>&1 || missing+=(redis-server)
[[ -x /usr/bin/chromium ]] || missing+=(chromium)
{ command -v ffmpeg && command -v ffprobe; } >/dev/null 2>&1 || missing+=(ffmpeg)
command -v janus >/dev/null 2>&1 || missing+=(janus)
command -v turnserver >/dev/null 2>&1 || missing+=(coturn)

if [[ ${#missing[@]} -eq 0 ]]; then
    echo "  [system] postgresql, redis-server, chromium, ffmpeg, janus and coturn are installed"
    exit 0
fi

SUDO=()
if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null || { echo "  [system] need root to install: ${missing[*]}" >&2; exit 1; }
    SUDO=(sudo)
fi

echo "  [system] installing ${missing[*]} (apt-get; takes a minute the first time)"
log="$(mktemp -t parta-apt.XXXXXX.log)"
export DEBIAN_FRONTEND=noninteractive
if ! { "${SUDO[@]}" apt-get update -q \
        && "${SUDO[@]}" apt-get install -y -q -o Dpkg::Use-Pty=0 "${missing[@]}"; } >"$log" 2>&1; then
    tail -n 40 "$log" >&2
    echo "  [system] apt-get failed; full log in $log" >&2
    exit 1
fi
rm -f "$log"
echo "  [system] installed ${missing[*]}"
