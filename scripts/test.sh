#!/usr/bin/env bash
# `make test`: the whole suite the way CI runs it.
#
#   1. pytest -m "not e2e"  on SQLite (a temporary file per run)
#   2. pytest -m "not e2e"  on PostgreSQL, with Redis as the event bus
#   3. pytest -m e2e        in Chromium, on SQLite
#   4. mypy parta           (when pyproject.toml configures mypy)
#
# Every step runs even when an earlier one failed; the exit code is non-zero if any failed.
# pytest's exit code 5 ("no tests collected") counts as a pass for its step.
# PostgreSQL and Redis (and Janus and coturn, for calls) are stopped at the end, unless they
# were already running before.
# Environment: PYTEST_ARGS (extra pytest arguments), PARTA_TEST_TIMEOUT (seconds per step).
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1
PY=.venv/bin/python
# A step that hangs is stopped; one that is merely slow is not: the PostgreSQL half took 19 of
# the old 20 minutes on two cores, and CI allows 90 for everything.
TIMEOUT="${PARTA_TEST_TIMEOUT:-2400}"
read -r -a EXTRA <<<"${PYTEST_ARGS:-}"

section() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
[[ -t 1 && -z "${NO_COLOR:-}" ]] || section() { printf '\n==> %s\n' "$*"; }

names=()
verdicts=()
failed=0

# record NAME RC [no-tests-ok]
record() {
    local verdict
    case "$2" in
        0) verdict="passed" ;;
        5) if [[ "${3:-}" == no-tests-ok ]]; then verdict="ok, no tests ran (exit 5)"; else verdict="FAILED (exit 5)"; fi ;;
        124) verdict="FAILED (timed out after ${TIMEOUT}s)" ;;
        *) verdict="FAILED (exit $2)" ;;
    esac
    [[ "$verdict" != FAILED* ]] || failed=1
    names+=("$1")
    verdicts+=("$verdict")
}

# Interactive runs keep Ctrl+C working; CI runs kill the whole step when it hangs.
with_timeout() {
    if [[ -t 0 ]]; then timeout --foreground -k 10 "$TIMEOUT" "$@"; else timeout -k 10 "$TIMEOUT" "$@"; fi
}

# run_pytest NAME [VAR=value ...] -- PYTEST_ARGS...
run_pytest() {
    local name=$1 rc start
    shift
    local envs=()
    while [[ $1 != -- ]]; do envs+=("$1"); shift; done
    shift
    section "$name"
    start=$SECONDS
    with_timeout env -u PARTA_TEST_DATABASE_URL -u PARTA_TEST_REDIS_URL "${envs[@]}" \
        "$PY" -m pytest -ra "$@" "${EXTRA[@]}"
    rc=$?
    echo "    ($((SECONDS - start))s)"
    record "$name" "$rc" no-tests-ok
}

stop_services=0
stop_media=0
cleanup() {
    if [[ $stop_services -eq 1 ]]; then
        section "stopping test services"
        bash scripts/test-services.sh stop
    fi
    if [[ $stop_media -eq 1 ]]; then
        bash scripts/media-services.sh stop
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

section "system packages"
bash scripts/system-deps.sh || exit 1

section "test services (PostgreSQL, Redis)"
bash scripts/test-services.sh status >/dev/null 2>&1 || stop_services=1
bash scripts/test-services.sh start || exit 1
eval "$(bash scripts/test-services.sh env)"
PG_URL=$PARTA_TEST_DATABASE_URL
REDIS_URL=$PARTA_TEST_REDIS_URL
unset PARTA_TEST_DATABASE_URL PARTA_TEST_REDIS_URL

section "media services for calls (Janus, coturn)"
bash scripts/media-services.sh status >/dev/null 2>&1 || stop_media=1
bash scripts/media-services.sh start || exit 1
eval "$(bash scripts/media-services.sh env)"  # PARTA_JANUS_URL, PARTA_TURN_URLS …

# The two databases' runs go side by side, one core each (they share nothing: SQLite is a
# temporary file per run, PostgreSQL its own database, Janus rooms are made per call); each
# run's output is kept and shown whole when both are done. PARTA_TEST_SERIAL=1 runs them one
# after the other instead.
bash scripts/test-services.sh reset-db >/dev/null || { echo "could not reset parta_test" >&2; exit 1; }
if [[ -n "${PARTA_TEST_SERIAL:-}" ]]; then
    run_pytest "pytest on SQLite" -- -m "not e2e"
    run_pytest "pytest on PostgreSQL + Redis" \
        "PARTA_TEST_DATABASE_URL=$PG_URL" "PARTA_TEST_REDIS_URL=$REDIS_URL" -- -m "not e2e"
else
    logs="$(mktemp -d)"
    side() {  # side NAME [VAR=value ...]: one run in the background, into $logs/NAME
        local name=$1 start=$SECONDS
        shift
        timeout -k 10 "$TIMEOUT" env -u PARTA_TEST_DATABASE_URL -u PARTA_TEST_REDIS_URL "$@" \
            "$PY" -m pytest -ra -m "not e2e" -p no:cacheprovider "${EXTRA[@]}" >"$logs/$name" 2>&1
        echo "$? $((SECONDS - start))" >"$logs/$name.rc"
    }
    section "pytest on SQLite and on PostgreSQL + Redis, side by side"
    side sqlite &
    side postgresql "PARTA_TEST_DATABASE_URL=$PG_URL" "PARTA_TEST_REDIS_URL=$REDIS_URL" &
    wait
    for run in "sqlite:pytest on SQLite" "postgresql:pytest on PostgreSQL + Redis"; do
        file=${run%%:*}
        section "${run#*:}"
        cat "$logs/$file"
        read -r rc took <"$logs/$file.rc"
        echo "    (${took}s)"
        record "${run#*:}" "$rc" no-tests-ok
    done
    rm -rf "$logs"
fi

run_pytest "pytest e2e in Chromium (SQLite)" -- -m e2e

if grep -q '^\[tool\.mypy\]' pyproject.toml; then
    section "mypy parta"
    start=$SECONDS
    with_timeout "$PY" -m mypy parta
    rc=$?
    echo "    ($((SECONDS - start))s)"
    record "mypy parta" "$rc"
fi

section "summary"
for i in "${!names[@]}"; do
    printf '    %-34s %s\n' "${names[$i]}" "${verdicts[$i]}"
done
exit $failed
