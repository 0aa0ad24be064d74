#!/usr/bin/env bash
# bench/filters.sh — what the profile filters cost (issue #4 item 2): `ember
# convert` of large-A's folded stacks to folded, without filters and with
# each kind of filter (a regex pass, recursion merging, inversion, the
# min-percent pass, all of them together), and `ember flamegraph` with and
# without --focus. The difference to the unfiltered run is the filters'
# cost; the output is smaller when a filter drops stacks, so a filter can
# also make the whole run faster.
#
# Inputs, made in a temporary directory (nothing decompressed into the
# repository): large-A.perf from ../shared/corpus/large-A.perf.zst and its
# folded form (`ember collapse`).
#
# Environment: EMBER_SHARED (default ../shared), EMBER (default
# build/ember), BENCH_RUNS (hyperfine runs, default 5), BENCH_OUT (a
# directory: the hyperfine JSON export is copied there and listed, with
# the input's size, in BENCH_OUT/formats.tsv for bench/run's report).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
runs=${BENCH_RUNS:-5}
input=$shared/corpus/large-A.perf.zst

bench_require_file "$input"
bench_require_tools hyperfine zstd
bench_require_ember

bench_workdir filters
bench_unpack_perf "$input" large-A
rm "$work/large-A.perf"
echo "large-A: $(wc -l <"$work/large-A.folded") folded stacks" >&2

folded=$work/large-A.folded
convert="$ember convert $folded -o $work/out.folded"
commands=(
    "$convert"
    "$convert --focus main"
    "$convert --hide '^__'"
    "$convert --prune-from '^main\$'"
    "$convert --merge-recursion"
    "$convert --invert"
    "$convert --min-percent 0.5"
    "$convert --no-pids --focus . --ignore zzz --hide '^__' --show . --prune-from zzz --merge-recursion --invert --max-depth 20 --min-percent 0.01"
    "$ember flamegraph $folded -o $work/out.svg"
    "$ember flamegraph $folded -o $work/out.svg --focus main"
)
hyperfine --style basic --warmup 1 --runs "$runs" --export-json "$work/filters.json" \
    "${commands[@]}" 2>/dev/null
if [ -n "${BENCH_OUT:-}" ]; then
    mkdir -p "$BENCH_OUT"
    cp "$work/filters.json" "$BENCH_OUT/filters.json"
    printf 'filters\t%s\t%s\t%s\n' "$(stat -c %s "$folded")" "$(wc -l <"$folded")" \
        "$BENCH_OUT/filters.json" >>"$BENCH_OUT/formats.tsv"
fi
