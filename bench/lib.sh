# bench/lib.sh — the preamble bench scripts share, sourced by them (not a
# benchmark: bench/run runs the scripts it names, never this file).
#
# Sourcing it sets repo (the checkout), shared (EMBER_SHARED, default
# ../shared) and ember (EMBER, default build/ember). Every message starts
# with "bench/NAME.sh:", the line bench/run's report quotes; a missing
# input or tool is a SKIP (exit 0), a missing ember an error (exit 1).
# shellcheck shell=bash

bench_script=bench/$(basename "$0")
repo=$(cd "$(dirname "$0")/.." && pwd)
shared=${EMBER_SHARED:-$repo/../shared}
ember=${EMBER:-$repo/build/ember}

# bench_require_file FILE: skips the benchmark unless FILE is readable.
bench_require_file() {
    if [ ! -r "$1" ]; then
        echo "$bench_script: SKIP: $1 is absent" >&2
        exit 0
    fi
}

# bench_require_tools TOOL...: skips the benchmark unless every TOOL is
# installed.
bench_require_tools() {
    local tool
    for tool in "$@"; do
        if ! command -v "$tool" >/dev/null; then
            echo "$bench_script: SKIP: $tool is not installed (make deps-bench)" >&2
            exit 0
        fi
    done
}

# bench_require_ember: fails unless $ember is built.
bench_require_ember() {
    [ -x "$ember" ] || { echo "$bench_script: build ember first ($ember)" >&2; exit 1; }
}

# bench_workdir NAME: sets work to a new directory under TMPDIR, removed
# when the script exits.
bench_workdir() {
    work=$(mktemp -d "${TMPDIR:-/tmp}/ember-bench-$1.XXXXXX")
    trap 'rm -rf "$work"' EXIT
}

# bench_unpack_perf FILE.perf.zst NAME: decompresses the perf script text
# into $work/NAME.perf and folds it (`ember collapse`, as bench/run prepares
# the corpus) into $work/NAME.folded.
bench_unpack_perf() {
    zstd -q -d -o "$work/$2.perf" "$1"
    "$ember" collapse "$work/$2.perf" >"$work/$2.folded"
}
