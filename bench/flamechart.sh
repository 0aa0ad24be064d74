#!/usr/bin/env bash
# bench/flamechart.sh — what drawing a flame chart by time costs next to
# the flame graph of the same perf script text (issue #4, item 5).
#
# For each corpus file (BENCH_INPUTS, default "small-A large-A", from
# ../shared/corpus/NAME.perf.zst, decompressed into a temporary directory,
# never into the repository), hyperfine times
#   ember flamegraph NAME.perf -o graph.svg                (merged, sorted)
#   ember flamegraph --flamechart NAME.perf -o chart.svg   (by time, one band
#                                                           per thread)
# and prints the charts' sizes, frames and bands.
#
# Environment: EMBER_SHARED (default ../shared), EMBER (default
# build/ember), BENCH_RUNS (hyperfine runs, default 5), BENCH_INPUTS,
# BENCH_OUT (a directory: the hyperfine JSON exports are copied there).
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
shared=${EMBER_SHARED:-$repo/../shared}
ember=${EMBER:-$repo/build/ember}
runs=${BENCH_RUNS:-5}
inputs=${BENCH_INPUTS:-small-A large-A}

for tool in hyperfine zstd; do
    if ! command -v "$tool" >/dev/null; then
        echo "bench/flamechart.sh: SKIP: $tool is not installed (make deps-bench)" >&2
        exit 0
    fi
done
[ -x "$ember" ] || { echo "bench/flamechart.sh: build ember first ($ember)" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/ember-bench-chart.XXXXXX")
trap 'rm -rf "$work"' EXIT
for name in $inputs; do
    input=$shared/corpus/$name.perf.zst
    if [ ! -r "$input" ]; then
        echo "bench/flamechart.sh: SKIP $name: $input is absent" >&2
        continue
    fi
    zstd -q -d -o "$work/$name.perf" "$input"
    hyperfine --warmup 1 --runs "$runs" --export-json "$work/flamechart-$name.json" \
        -n "flamegraph $name" "$ember flamegraph $work/$name.perf -o $work/graph.svg" \
        -n "flamegraph --flamechart $name" \
        "$ember flamegraph --flamechart $work/$name.perf -o $work/chart.svg"
    echo "$name: graph $(stat -c %s "$work/graph.svg") bytes, $(grep -c '<rect' "$work/graph.svg") frames;" \
        "chart $(stat -c %s "$work/chart.svg") bytes, $(grep -c '<rect' "$work/chart.svg") frames;" \
        "$(sed -n 's/.*<text id="subtitle"[^>]*>\([^<]*\)<.*/\1/p' "$work/chart.svg")"
    if [ -n "${BENCH_OUT:-}" ]; then
        cp "$work/flamechart-$name.json" "$BENCH_OUT/"
    fi
    rm -f "$work/$name.perf"
done
