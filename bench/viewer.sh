#!/usr/bin/env bash
# bench/viewer.sh — the HTML viewer on a 1,000,000-node profile: file sizes
# (HTML against the SVG of the same profile) and, in headless Chromium, load
# + first paint and click-to-zoom re-render times (bench/viewer.mjs).
#
#   bench/viewer.sh [NODES]        (default 1000000)
#
# The profile is synthetic and deterministic (bench/viewer.py, seed 42), so
# every run measures the same bytes. Written into a temporary directory
# (BENCH_TMPDIR, default $TMPDIR or /tmp), removed at the end unless
# BENCH_KEEP=1. Environment: EMBER (default build/ember), CHROMIUM, RUNS
# (page loads, default 3), BENCH_OUT (a directory: viewer.mjs's JSON results
# go to BENCH_OUT/viewer.json, listed with the sizes and write times in
# BENCH_OUT/formats.tsv for bench/run's report).
# Not part of the tests: nothing here is asserted.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
ember=${EMBER:-$repo/build/ember}
nodes=${1:-1000000}
for tool in python3 node "${CHROMIUM:-/usr/bin/chromium}"; do
    if ! command -v "$tool" >/dev/null; then
        echo "bench/viewer.sh: SKIP: $tool is not installed (make deps-bench)" >&2
        exit 0
    fi
done
[ -x "$ember" ] || { echo "bench/viewer.sh: build ember first ($ember)" >&2; exit 1; }
work=$(mktemp -d "${BENCH_TMPDIR:-${TMPDIR:-/tmp}}/ember-viewer-bench.XXXXXX")
if [ "${BENCH_KEEP:-0}" != 1 ]; then trap 'rm -rf "$work"' EXIT; else echo "keeping $work"; fi

# playwright-core comes from tests/browser (installed by tests/browser/run)
if [ ! -e "$repo/tests/browser/node_modules/playwright-core/package.json" ]; then
    (cd "$repo/tests/browser" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error) >&2
fi

python3 "$repo/bench/viewer.py" "$nodes" >"$work/big.folded"
seconds() { # command... -> its wall time in seconds
    local start=$EPOCHREALTIME
    "$@"
    awk -v start="$start" -v end="$EPOCHREALTIME" 'BEGIN { printf "%.2f", end - start }'
}
view_s=$(seconds "$ember" view "$work/big.folded" -o "$work/big.html")
svg_s=$(seconds "$ember" flamegraph "$work/big.folded" -o "$work/big.svg")
svg0_s=$(seconds "$ember" flamegraph --minwidth 0 "$work/big.folded" -o "$work/big-all.svg")
size() { stat -c %s "$1"; }
echo "profile: $nodes nodes, $(wc -l <"$work/big.folded") folded lines, $(size "$work/big.folded") bytes"
printf '%-44s %12s bytes  written in %5.2f s\n' \
    "ember view -> HTML (every node)" "$(size "$work/big.html")" "$view_s" \
    "ember flamegraph -> SVG (frames >= 0.1 px)" "$(size "$work/big.svg")" "$svg_s" \
    "ember flamegraph --minwidth 0 -> SVG (every)" "$(size "$work/big-all.svg")" "$svg0_s"
if [ -n "${BENCH_OUT:-}" ]; then
    mkdir -p "$BENCH_OUT"
    BENCH_OUT=$BENCH_OUT/viewer.json node "$repo/bench/viewer.mjs" "$work/big.html" "$work/big.svg" "$work/big-all.svg"
    printf 'viewer\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$nodes" "$(wc -l <"$work/big.folded")" \
        "$(size "$work/big.folded")" "$view_s" "$svg_s" "$svg0_s" "$BENCH_OUT/viewer.json" >>"$BENCH_OUT/formats.tsv"
else
    node "$repo/bench/viewer.mjs" "$work/big.html" "$work/big.svg" "$work/big-all.svg"
fi
