#!/usr/bin/env bash
# bench/austin.sh — speed of ember's austin reader (issue #3, items 4/6).
#
# austin's own converters (austin-python's austin2speedscope, austin-web)
# are Python packages from PyPI, which is not reachable where this was
# written; when austin2speedscope is on the PATH it is timed on the same
# file, otherwise only ember's throughput is reported, in MB/s of austin
# text.
#
# Inputs, read in place (nothing decompressed into the repository):
#   1. the largest austin file of the corpus (austin-full-threads.austin,
#      0.8 MB, full mode: 4 sample types);
#   2. a 100-times longer file made from it in a temporary directory
#      (header once, the sample lines repeated), so process start-up does
#      not dominate.
# Each is converted to folded (`ember convert IN -o OUT.folded`), which
# reads, builds the call tree and writes; hyperfine gives wall and CPU.
#
# Environment: EMBER_SHARED (default ../shared), EMBER (default
# build/ember), BENCH_RUNS (hyperfine runs, default 10), BENCH_OUT (a
# directory: bench/run's report reads the hyperfine JSON exports and the
# sizes left there).
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
shared=${EMBER_SHARED:-$repo/../shared}
ember=${EMBER:-$repo/build/ember}
runs=${BENCH_RUNS:-10}
input=$shared/corpus/python/austin-full-threads.austin

if [ ! -r "$input" ]; then
    echo "bench/austin.sh: SKIP: $input is absent" >&2
    exit 0
fi
if ! command -v hyperfine >/dev/null; then
    echo "bench/austin.sh: SKIP: hyperfine is not installed (make deps-bench)" >&2
    exit 0
fi
[ -x "$ember" ] || { echo "bench/austin.sh: build ember first ($ember)" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/ember-bench-austin.XXXXXX")
trap 'rm -rf "$work"' EXIT
{
    grep '^#' "$input" | head -n 4
    echo
    for _ in $(seq 100); do grep '^P' "$input"; done
} >"$work/large.austin"

megabytes() { awk -v bytes="$(stat -c %s "$1")" 'BEGIN { printf "%.2f", bytes / 1e6 }'; }
for file in "$input" "$work/large.austin"; do
    name=$(basename "$file")
    size=$(megabytes "$file")
    commands=("$ember convert $file -o $work/out.folded")
    if command -v austin2speedscope >/dev/null; then
        commands+=("austin2speedscope $file $work/out.speedscope.json")
    fi
    hyperfine --warmup 1 --runs "$runs" --export-json "$work/$name.json" "${commands[@]}" >&2
    if [ -n "${BENCH_OUT:-}" ]; then
        cp "$work/$name.json" "$BENCH_OUT/austin-$name.json"
        printf 'austin\t%s\t%s\t%s\n' "$name" "$(stat -c %s "$file")" "$BENCH_OUT/austin-$name.json" \
            >>"$BENCH_OUT/formats.tsv"
    fi
    python3 - "$work/$name.json" "$name" "$size" <<'PY'
import json, statistics, sys
results = json.load(open(sys.argv[1]))['results']
name, size = sys.argv[2], float(sys.argv[3])
for result in results:
    median = statistics.median(result['times'])
    tool = result['command'].split()[0].rsplit('/', 1)[-1]
    print(f"{name} ({size:.2f} MB): {tool}: median {median * 1000:.1f} ms wall, "
          f"user {result['user'] * 1000:.1f} ms, {size / median:.0f} MB/s")
PY
done
