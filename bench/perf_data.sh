#!/usr/bin/env bash
# bench/perf_data.sh — reading perf.data directly (issue #5 item 6):
# `ember collapse perf.data` against `perf script -i perf.data > /dev/null`
# (perf's own decoding and symbolizing, without any folding) and against the
# text pipeline `perf script | ember collapse`, on one recording of
# tests/programs/perfdata_spin.c and perfdata_threads.c for a few seconds at
# 4999 Hz with frame-pointer call graphs (perf record -g). hyperfine runs
# each command BENCH_FORMAT_RUNS times (default 5) after one warm-up and
# exports JSON next to the markdown table it prints. No timed asserts.
#
# Environment: EMBER (default build/ember), BENCH_PERF_DATA_SECONDS (how
# long each program runs while recorded, default 3), BENCH_FORMAT_RUNS,
# BENCH_EXPORT_DIR (where the JSON and markdown go; default the work
# directory, removed at the end).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

bench_require_ember
bench_require_tools perf hyperfine gcc
bench_workdir perf_data
seconds=${BENCH_PERF_DATA_SECONDS:-3}
runs=${BENCH_FORMAT_RUNS:-5}
export_dir=${BENCH_EXPORT_DIR:-$work}

for program in spin threads; do
    gcc -O1 -g -fno-omit-frame-pointer -fno-builtin -pthread -o "$work/perfdata_$program" \
        "$repo/tests/programs/perfdata_$program.c"
done
# Recorded as users record (build-id cache on): perf script and ember then
# both read the files and the kallsyms copy perf record saved.
if ! perf record -q -g -F 4999 -o "$work/spin.data" -- "$work/perfdata_spin" $((seconds * 1000)) \
    >/dev/null 2>"$work/record.log"; then
    echo "$bench_script: SKIP: perf record failed: $(head -c 200 "$work/record.log")" >&2
    exit 0
fi
perf record -q -g -F 4999 -o "$work/threads.data" -- "$work/perfdata_threads" $((seconds * 1000)) \
    >/dev/null 2>&1
for name in spin threads; do
    samples=$(perf script -i "$work/$name.data" -F tid 2>/dev/null | wc -l)
    size=$(stat -c %s "$work/$name.data")
    echo "$bench_script: $name.data: $samples samples, $size bytes (machine: $(nproc) CPUs, load $(cut -d' ' -f1 /proc/loadavg))"
    if ! cmp -s <("$ember" collapse "$work/$name.data") \
        <(perf script -i "$work/$name.data" 2>/dev/null | "$ember" collapse); then
        echo "$bench_script: note: ember collapse $name.data differs from perf script | ember collapse" >&2
    fi
    hyperfine --warmup 1 --runs "$runs" --style basic \
        --export-json "$export_dir/perf_data-$name.json" \
        --export-markdown "$export_dir/perf_data-$name.md" \
        -n "ember collapse $name.data" "'$ember' collapse '$work/$name.data' > /dev/null" \
        -n "perf script -i $name.data > /dev/null" "perf script -i '$work/$name.data' > /dev/null 2>&1" \
        -n "perf script | ember collapse" \
        "perf script -i '$work/$name.data' 2>/dev/null | '$ember' collapse > /dev/null"
    cat "$export_dir/perf_data-$name.md"
done
