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

# median_interval: "median low high" of the numbers on standard input, the
# low-high pair a 95% confidence interval of the median (exact, from the
# binomial distribution of the order statistics: no assumption on the
# noise's shape; with fewer than 6 numbers, the smallest and largest).
median_interval() {
    sort -g | awk '{ v[NR] = $1 } END {
        n = NR; if (n == 0) { print "- - -"; exit }
        # the largest j with P(Binomial(n, 1/2) < j) <= 2.5%: the interval
        # from the j-th smallest to the j-th largest covers the median
        # with at least 95% probability
        term = 0.5 ^ n; below = 0; j = 1
        for (k = 0; k < n; k++) {
            if (below + term > 0.025) break
            below += term; j = k + 1; term = term * (n - k) / (k + 1)
        }
        if (j > (n + 1) / 2) j = int((n + 1) / 2)
        median = (n % 2) ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
        printf "%.3f %.3f %.3f\n", median, v[j], v[n + 1 - j] }'
}

# interval_verdict LOW HIGH COUNT: what a 95% interval of ember's figure over
# an anchor's says: "ember slower" when the whole interval is above 1,
# "ember faster" when below, "not distinguishable" otherwise ("too few
# runs to judge" under 6 ratios, whose interval is only their range).
interval_verdict() {
    awk -v l="$1" -v h="$2" -v n="$3" 'BEGIN { if (n < 6) print "too few runs to judge";
        else if (l > 1) print "ember slower"; else if (h < 1) print "ember faster"; else print "not distinguishable" }'
}
