#!/usr/bin/env bash
# bench/diff.sh — `ember diff` against FlameGraph's difffolded.pl (and
# inferno-diff-folded when INFERNO_BIN has it) on the corpus' large A/B
# pair (issue #4: ember diff >= 5x difffolded.pl's wall time).
#
# Inputs: ../shared/corpus/large-A.perf.zst and large-B.perf.zst,
# decompressed into a temporary directory (never into the repository) and
# folded with `ember collapse` (41.7 and 40.7 MB of folded stacks; 61k and
# 57k stacks; 103k lines in the diff, 81 MB). Every tool diffs the same two
# folded files.
#
# Tasks, each a hyperfine comparison (1 warm-up, BENCH_RUNS runs):
#   1. diff to standard output (hyperfine discards it): the plain lines;
#   2. diff -n -s (normalize, strip hex);
#   3. diff written to a file (ember: -o FILE, atomically; the others:
#      shell redirection), where the kernel's copy of 81 MB counts too;
#      each run starts without the file (hyperfine --prepare removes the
#      previous run's), so that freeing the previous run's 81 MB of page
#      cache — work of the benchmark loop, ~100 ms that any writer pays
#      alike on overwriting — is not timed;
#   4. the differential flame graph of the pair: `ember diff -o x.svg`
#      against `difffolded.pl A B | flamegraph.pl > x.svg`.
# Then the ratio of medians, difffolded.pl's over ember's, per task.
#
# Environment: EMBER_SHARED (default ../shared), EMBER (default
# build/ember), FLAMEGRAPH_DIR (a FlameGraph checkout with difffolded.pl
# and flamegraph.pl; without it only ember is timed), INFERNO_BIN (a
# directory with inferno-diff-folded), BENCH_RUNS (default 10), BENCH_OUT
# (a directory to copy hyperfine's JSON exports into, as diff-*.json,
# listed with the inputs' sizes in BENCH_OUT/formats.tsv for bench/run's
# report).
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
shared=${EMBER_SHARED:-$repo/../shared}
ember=${EMBER:-$repo/build/ember}
runs=${BENCH_RUNS:-10}
corpus=$shared/corpus

for file in large-A large-B; do
    if [ ! -r "$corpus/$file.perf.zst" ]; then
        echo "bench/diff.sh: SKIP: $corpus/$file.perf.zst is absent (set EMBER_SHARED)" >&2
        exit 0
    fi
done
for tool in hyperfine zstd perl python3; do
    if ! command -v "$tool" >/dev/null; then
        echo "bench/diff.sh: SKIP: $tool is not installed (make deps-bench)" >&2
        exit 0
    fi
done
[ -x "$ember" ] || { echo "bench/diff.sh: build ember first ($ember)" >&2; exit 1; }
flamegraph_dir=
if [ -n "${FLAMEGRAPH_DIR:-}" ]; then
    if [ -r "$FLAMEGRAPH_DIR/difffolded.pl" ] && [ -r "$FLAMEGRAPH_DIR/flamegraph.pl" ]; then
        flamegraph_dir=$(cd "$FLAMEGRAPH_DIR" && pwd)
    else
        echo "bench/diff.sh: FLAMEGRAPH_DIR=$FLAMEGRAPH_DIR lacks difffolded.pl/flamegraph.pl" >&2
    fi
fi
[ -n "$flamegraph_dir" ] ||
    echo "bench/diff.sh: FLAMEGRAPH_DIR not set: timing ember alone, no ratio" >&2
inferno_diff=
if [ -n "${INFERNO_BIN:-}" ] && [ -x "$INFERNO_BIN/inferno-diff-folded" ]; then
    inferno_diff=$(cd "$INFERNO_BIN" && pwd)/inferno-diff-folded
fi

work=$(mktemp -d "${BENCH_TMPDIR:-${TMPDIR:-/tmp}}/ember-bench-diff.XXXXXX")
case "$work/" in
    "$repo"/*) echo "bench/diff.sh: refusing to work inside the repository ($work)" >&2; exit 1 ;;
esac
trap 'rm -rf "$work"' EXIT
# A private copy: the build directory may be rebuilt while this runs.
cp "$ember" "$work/ember"
ember=$work/ember
q() { printf '%q' "$1"; }

echo "== folding large-A and large-B with ember collapse" >&2
for file in large-A large-B; do
    zstd -q -d -c "$corpus/$file.perf.zst" | "$ember" collapse >"$work/$file.folded"
done
A=$(q "$work/large-A.folded")
B=$(q "$work/large-B.folded")
input_bytes=$(($(stat -c %s "$work/large-A.folded") + $(stat -c %s "$work/large-B.folded")))

# task NAME COMMAND... : one hyperfine comparison, exported as NAME.json
task() {
    local name=$1
    shift
    hyperfine --warmup 1 --runs "$runs" --export-json "$work/$name.json" "$@" >&2
    if [ -n "${BENCH_OUT:-}" ]; then
        mkdir -p "$BENCH_OUT"
        cp "$work/$name.json" "$BENCH_OUT/diff-$name.json"
        printf 'diff\t%s\t%s\t%s\n' "$name" "$input_bytes" "$BENCH_OUT/diff-$name.json" >>"$BENCH_OUT/formats.tsv"
    fi
    return 0
}

commands=("$(q "$ember") diff $A $B")
[ -n "$flamegraph_dir" ] && commands+=("perl $(q "$flamegraph_dir/difffolded.pl") $A $B")
[ -n "$inferno_diff" ] && commands+=("$(q "$inferno_diff") $A $B")
task stdout "${commands[@]}"

commands=("$(q "$ember") diff -n -s $A $B")
[ -n "$flamegraph_dir" ] && commands+=("perl $(q "$flamegraph_dir/difffolded.pl") -n -s $A $B")
[ -n "$inferno_diff" ] && commands+=("$(q "$inferno_diff") -n -s $A $B")
task normalize-strip "${commands[@]}"

out=$(q "$work/out.folded")
commands=("$(q "$ember") diff $A $B -o $out")
[ -n "$flamegraph_dir" ] && commands+=("perl $(q "$flamegraph_dir/difffolded.pl") $A $B > $out")
[ -n "$inferno_diff" ] && commands+=("$(q "$inferno_diff") $A $B > $out")
task file --prepare "rm -f $out" "${commands[@]}"
if [ -n "${BENCH_OUT:-}" ]; then
    # The inputs and the last output: bytes and lines.
    printf 'diff-input\t%s\t%s\t%s\t%s\t%s\t%s\n' \
        "$(stat -c %s "$work/large-A.folded")" "$(wc -l <"$work/large-A.folded")" \
        "$(stat -c %s "$work/large-B.folded")" "$(wc -l <"$work/large-B.folded")" \
        "$(stat -c %s "$work/out.folded")" "$(wc -l <"$work/out.folded")" >>"$BENCH_OUT/formats.tsv"
fi

svg=$(q "$work/out.svg")
commands=("$(q "$ember") diff $A $B -o $svg")
[ -n "$flamegraph_dir" ] &&
    commands+=("perl $(q "$flamegraph_dir/difffolded.pl") $A $B | perl $(q "$flamegraph_dir/flamegraph.pl") > $svg")
task svg "${commands[@]}"

python3 - "$work" <<'PY'
import json, os, statistics, sys
work = sys.argv[1]
titles = {
    "stdout": "diff large A/B (81 MB of lines, discarded)",
    "normalize-strip": "diff -n -s large A/B",
    "file": "diff large A/B written to a file",
    "svg": "differential flame graph of large A/B",
}
def label(command):
    if "difffolded.pl" in command and "flamegraph.pl" in command:
        return "difffolded.pl | flamegraph.pl"
    for name in ("difffolded.pl", "inferno-diff-folded"):
        if name in command:
            return name
    return "ember diff"
for task, title in titles.items():
    path = os.path.join(work, task + ".json")
    if not os.path.exists(path):
        continue
    results = json.load(open(path))["results"]
    medians = {label(r["command"]): statistics.median(r["times"]) for r in results}
    print(f"{title}:")
    for result in results:
        name = label(result["command"])
        print(f"  {name:32s} median {medians[name] * 1000:8.1f} ms wall, "
              f"user {result['user'] * 1000:7.1f} ms, system {result['system'] * 1000:6.1f} ms")
    ember = medians.get("ember diff")
    for name, median in medians.items():
        if name != "ember diff" and ember:
            print(f"  ember diff is {median / ember:.1f}x faster than {name}")
PY
