# lib.sh — helpers for ember's end-to-end test scripts (sourced, not run).
#
# A test script prints one TAP-style line per check:
#   ok - what was checked
#   not ok - what was checked        (followed by '#' lines explaining)
#   ok - what # SKIP why
# tests/run counts them. Scripts run from the repository root.

ROOT=$(pwd)
EMBER=${EMBER:-$ROOT/build/test/ember}
SHARED=${EMBER_SHARED:-$ROOT/../shared}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/ember-test.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

ok() { echo "ok - $*"; }
not_ok() { echo "not ok - $*"; }
skip() { local what=$1; shift; echo "ok - $what # SKIP $*"; }
# note TEXT: diagnostics shown under a failure
note() { sed 's/^/# /' <<<"$*"; }

# check DESCRIPTION COMMAND...: ok when the command exits 0.
check() {
    local description=$1; shift
    local log="$TMP/check.log"
    if "$@" >"$log" 2>&1; then ok "$description"; else not_ok "$description"; note "$(head -c 3000 "$log")"; fi
}

# check_fails DESCRIPTION COMMAND...: ok when the command exits non-zero
# without crashing (no sanitizer report, exit status < 128).
check_fails() {
    local description=$1; shift
    local log="$TMP/check.log" status=0
    "$@" >"$log" 2>&1 || status=$?
    if [ "$status" -ne 0 ] && [ "$status" -lt 128 ] && ! grep -q 'Sanitizer' "$log"; then
        ok "$description"
    else
        not_ok "$description (exit $status)"; note "$(head -c 3000 "$log")"
    fi
}
