#!/usr/bin/env bash
# bench/text_views.sh — speed of `ember top`, `peek` and `tree` on large-A
# (issue #4: "`ember top` on large-A in well under a second").
#
# Inputs, made in a temporary directory (nothing decompressed into the
# repository): large-A.perf from ../shared/corpus/large-A.perf.zst, its
# folded form (`ember collapse`, as bench/run prepares the corpus), and its
# pprof form (`ember convert -o .pb.gz`). Timed with hyperfine:
#   - ember top of the folded file (the issue's task), and of the perf
#     script text itself (reading and folding included);
#   - ember peek of a common function and ember tree --min-percent 1 of the
#     folded file;
#   - for scale, `go tool pprof -top` of the same stacks as pprof, when go
#     is installed (it reads the .pb.gz; ember top reads the same file too).
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

bench_workdir text
bench_unpack_perf "$input" large-A
"$ember" convert "$work/large-A.folded" -o "$work/large-A.pb.gz"
echo "large-A: $(stat -c %s "$work/large-A.perf") bytes of perf script," \
    "$(wc -l <"$work/large-A.folded") folded stacks" >&2

# A function on many stacks, for peek: the third heaviest by cum (quoted
# with PCRE2's \Q...\E: perf names hold brackets).
function=$("$ember" top --sort cum -n 3 "$work/large-A.folded" | tail -1 | awk '{print $NF}')

commands=(
    "$ember top $work/large-A.folded"
    "$ember top $work/large-A.perf"
    "$ember top $work/large-A.pb.gz"
    "$ember peek '^\\Q$function\\E\$' $work/large-A.folded"
    "$ember tree --min-percent 1 $work/large-A.folded"
)
if command -v go >/dev/null; then
    export GOTOOLCHAIN=local GOCACHE=${GOCACHE:-$work/gocache}
    go tool pprof -top "$work/large-A.pb.gz" >/dev/null 2>&1 &&
        commands+=("go tool pprof -symbolize=none -top $work/large-A.pb.gz")
fi
hyperfine --warmup 1 --runs "$runs" --export-json "$work/text_views.json" \
    --output=null "${commands[@]}" >&2
if [ -n "${BENCH_OUT:-}" ]; then
    cp "$work/text_views.json" "$BENCH_OUT/text_views.json"
    go_version=none
    command -v go >/dev/null && go_version=$(go version | cut -d' ' -f3)
    printf 'text_views\t%s\t%s\t%s\t%s\t%s\n' "$(stat -c %s "$work/large-A.perf")" \
        "$(wc -l <"$work/large-A.folded")" "$(stat -c %s "$work/large-A.pb.gz")" "$go_version" \
        "$BENCH_OUT/text_views.json" >>"$BENCH_OUT/formats.tsv"
fi
