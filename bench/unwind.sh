#!/usr/bin/env bash
# bench/unwind.sh — what DWARF unwinding costs per sample (issue #5 item 5),
# independent of recording: bench/unwind_bench.c, built here against the
# release library, captures a 21-frame stack of its own (main, a recursion,
# libc's qsort without frame pointers, the callback) as the kernel copies it
# for a sample (registers + 8 KiB of stack) and unwinds it again and again
# with src/record/unwind.c:
#   cached        one unwinder, the process's Dwfl and rules cached (every
#                 sample after a process's first), the default path;
#   libdwfl-only  the same with dwarf_unwinder_use_rules(0): libdwfl
#                 parses and runs the CFI of every frame (what perf does);
#   cold          a new unwinder per sample (files opened, Dwfl built).
# No timed asserts: prints the figures (µs), and seconds per million
# samples for the cached path.
#
# Environment: BUILD (default build; needs BUILD/libember.a: `make`), CC
# (default cc), BENCH_UNWIND_ITERATIONS (default 200000).
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-build}
case $build in /*) ;; *) build=$repo/$build ;; esac
library=$build/libember.a
iterations=${BENCH_UNWIND_ITERATIONS:-200000}

if [ ! -r "$library" ]; then
    echo "bench/unwind.sh: build ember first ($library: make BUILD=$build)" >&2
    exit 1
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/ember-bench-unwind.XXXXXX")
trap 'rm -rf "$work"' EXIT

"${CC:-cc}" -std=c11 -D_DEFAULT_SOURCE -O2 -g -I"$repo/src" -o "$work/unwind_bench" \
    "$repo/bench/unwind_bench.c" "$library" -ldw -lelf -lz -lm -lpthread -liberty -ldl -lpcre2-8
echo "bench/unwind.sh: $iterations unwinds of one sample (machine: $(nproc) CPUs, load $(cut -d' ' -f1 /proc/loadavg))"
"$work/unwind_bench" "$iterations"
