#!/usr/bin/env bash
# bench/json.sh — speed of ember's JSON readers (issue #3, items 7 and 8):
#
#   1. speedscope: the corpus (small-A and large-A perf script) collapsed by
#      ember with --tid (more distinct stacks: a bigger file) and written as
#      speedscope JSON by ember; `ember convert
#      X.speedscope.json -o X.folded` timed with hyperfine: MB/s of JSON.
#   2. .cpuprofile: a V8-shaped profile made from the same folded stacks
#      (python: one node per call-tree node, one sample per count, 1 ms
#      apart); `ember convert X.cpuprofile -o X.folded`: MB/s.
#   3. In-process CPU time (a small C program linked with build/libember.a):
#      the tokenizer alone (json_skip over the whole document) and the
#      reader building the Profile, best of BENCH_RUNS, as MB/s.
#   4. Beside them, only to back the choice written in src/util/json.c's
#      header: libjansson's json_loadb() of the same files (parse into its
#      tree, nothing else), when libjansson-dev is installed.
#
# Nothing is written into the repository; the temporary directory is removed
# at the end (BENCH_KEEP=1 keeps it). Skips cleanly when the corpus or a tool
# is missing.
#
# Environment: EMBER_SHARED (default ../shared), EMBER (default build/ember),
# BENCH_RUNS (hyperfine runs, default 5), BENCH_OUT (a directory: bench/run's
# report reads the hyperfine JSON exports and in-process times left there).
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
shared=${EMBER_SHARED:-$repo/../shared}
corpus=$shared/corpus
ember=${EMBER:-$repo/build/ember}
runs=${BENCH_RUNS:-5}

if [ ! -r "$corpus/small-A.perf.zst" ]; then
    echo "bench/json: corpus not found ($corpus/small-A.perf.zst); skipping."
    exit 0
fi
for tool in hyperfine zstd python3; do
    if ! command -v "$tool" >/dev/null; then
        echo "bench/json: $tool is missing; skipping (make bench installs hyperfine and zstd)."
        exit 0
    fi
done
if [ ! -x "$ember" ]; then
    echo "bench/json: $ember not built; run \`make\` first" >&2
    exit 1
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/ember-bench-json.XXXXXX")
if [ "${BENCH_KEEP:-0}" = 1 ]; then
    echo "bench/json: keeping $work" >&2
else
    trap 'rm -rf "$work"' EXIT
fi
log() { printf '== %s\n' "$*" >&2; }

inputs=(small-A)
[ -r "$corpus/large-A.perf.zst" ] && inputs+=(large-A)

# A .cpuprofile with the call tree of a folded file: one node per tree node;
# perf's counts are periods, so each stack gets count / (the smallest count)
# samples (rounded, at least one), 1000 µs apart.
make_cpuprofile() { # folded, output
    python3 - "$1" "$2" <<'PY'
import json, sys
nodes = [{"id": 1, "callFrame": {"functionName": "(root)", "scriptId": "0", "url": "", "lineNumber": -1, "columnNumber": -1}, "hitCount": 0, "children": []}]
child_of = {}
samples = []
lines = [line.rstrip("\n").rsplit(" ", 1) for line in open(sys.argv[1], encoding="utf-8", errors="replace")]
smallest = min(float(count) for _, count in lines if float(count) > 0)
for stack, count in lines:
    node = 1
    for name in stack.split(";"):
        key = (node, name)
        if key not in child_of:
            child_of[key] = len(nodes) + 1
            nodes.append({"id": len(nodes) + 1, "callFrame": {"functionName": name, "scriptId": "1", "url": "file:///app.js", "lineNumber": len(nodes) % 500, "columnNumber": 4}, "hitCount": 0})
            nodes[node - 1].setdefault("children", []).append(child_of[key])
        node = child_of[key]
    n = max(1, round(float(count) / smallest))
    nodes[node - 1]["hitCount"] += n
    samples.extend([node] * n)
json.dump({"nodes": nodes, "startTime": 0, "endTime": 1000 * len(samples), "samples": samples, "timeDeltas": [1000] * len(samples)}, open(sys.argv[2], "w"), separators=(",", ":"))
PY
}

files=()
for input in "${inputs[@]}"; do
    log "making $input.speedscope.json and $input.cpuprofile"
    zstd -d -q -o "$work/$input.perf" "$corpus/$input.perf.zst"
    "$ember" collapse --tid "$work/$input.perf" >"$work/$input.folded"
    rm -f "$work/$input.perf"
    "$ember" convert "$work/$input.folded" -o "$work/$input.speedscope.json"
    make_cpuprofile "$work/$input.folded" "$work/$input.cpuprofile"
    files+=("$work/$input.speedscope.json" "$work/$input.cpuprofile")
done

jansson=
if [ -r /usr/include/jansson.h ] && command -v cc >/dev/null; then
    cat >"$work/jansson-load.c" <<'C'
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
int main(int argc, char **argv)
{
    FILE *file = fopen(argv[1], "rb");
    fseek(file, 0, SEEK_END);
    long size = ftell(file);
    rewind(file);
    char *data = malloc(size);
    if (fread(data, 1, size, file) != (size_t)size) return 1;
    json_error_t error;
    json_t *root = json_loadb(data, size, 0, &error);
    if (!root) { fprintf(stderr, "%s\n", error.text); return 1; }
    json_decref(root);
    free(data);
    return 0;
}
C
    if cc -O2 -o "$work/jansson-load" "$work/jansson-load.c" -ljansson 2>/dev/null; then
        jansson=$work/jansson-load
    fi
fi

# In-process: the JSON tokenizer alone (json_skip over the document) and the
# whole reader (Profile built), best of BENCH_RUNS reads from memory, CPU time.
library=$(dirname "$ember")/libember.a
timer=
if [ -r "$library" ] && command -v cc >/dev/null; then
    cat >"$work/json-timer.c" <<'C'
#include "formats/format.h"
#include "util/json.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
static double now(void)
{
    struct timespec time;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time);
    return time.tv_sec + time.tv_nsec * 1e-9;
}
int main(int argc, char **argv)
{
    const char *format_name = argv[2];
    int runs = atoi(argv[3]);
    FILE *file = fopen(argv[1], "rb");
    fseek(file, 0, SEEK_END);
    long size = ftell(file);
    rewind(file);
    char *data = malloc(size + 1);
    if (fread(data, 1, size, file) != (size_t)size) return 1;
    data[size] = '\0';
    double best_skip = 1e9, best_read = 1e9;
    for (int run = 0; run < runs; run++) {
        double start = now();
        struct json_parser parser;
        json_init(&parser, data, size, argv[1]);
        if (json_skip(&parser) < 0 || json_end(&parser) < 0) { json_report(&parser); return 1; }
        json_free(&parser);
        double middle = now();
        struct input input;
        input_open_memory(&input, data, size, argv[1]);
        struct profile *profile = profile_create();
        struct read_options options = {0};
        struct read_statistics statistics = {0};
        if (format_read_input(&input, format_by_name(format_name), profile, &options, &statistics) < 0) return 1;
        double end = now();
        profile_destroy(profile);
        input_close(&input);
        if (middle - start < best_skip) best_skip = middle - start;
        if (end - middle < best_read) best_read = end - middle;
    }
    printf("%.1f %.3f %.3f\n", size / 1e6, best_skip, best_read);
    return 0;
}
C
    if cc -O2 -std=c11 -D_DEFAULT_SOURCE -I"$repo/src" -o "$work/json-timer" "$work/json-timer.c" "$library" $(sed -n 's/^LIBS *= *//p' "$repo/Makefile") 2>"$work/timer.err"; then
        timer=$work/json-timer
    else
        log "in-process timer not built: $(head -3 "$work/timer.err")"
    fi
fi
if [ -n "$timer" ]; then
    printf '\n| file | size | tokenizer only (best CPU) | MB/s | reader -> Profile (best CPU) | MB/s |\n|---|---|---|---|---|---|\n'
    for file in "${files[@]}"; do
        format=speedscope
        case "$file" in *.cpuprofile) format=chrome ;; esac
        read -r megabytes skip read_time < <("$timer" "$file" "$format" "${BENCH_RUNS:-5}")
        if [ -n "${BENCH_OUT:-}" ]; then
            printf 'json-timer\t%s\t%s\t%s\t%s\t%s\n' "$(basename "$file")" "$(stat -c %s "$file")" \
                "$skip" "$read_time" "$format" >>"$BENCH_OUT/formats.tsv"
        fi
        python3 -c 'import sys; n, mb, s, r = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]); print(f"| {n} | {mb:.1f} MB | {s*1000:.0f} ms | {mb/s:.0f} | {r*1000:.0f} ms | {mb/r:.0f} |")' \
            "$(basename "$file")" "$megabytes" "$skip" "$read_time"
    done
fi

printf '\n| file | size | ember convert -> folded (mean) | MB/s |%s\n' "${jansson:+ jansson json_loadb only (mean) | MB/s |}"
printf '|---|---|---|---|%s\n' "${jansson:+---|---|}"
for file in "${files[@]}"; do
    name=$(basename "$file")
    bytes=$(stat -c %s "$file")
    commands=("$ember convert $file -o $work/out.folded")
    [ -n "$jansson" ] && commands+=("$jansson $file")
    hyperfine --style none --runs "$runs" --warmup 1 --export-json "$work/$name.json" "${commands[@]}" >&2
    if [ -n "${BENCH_OUT:-}" ]; then
        cp "$work/$name.json" "$BENCH_OUT/json-$name.json"
        printf 'json\t%s\t%s\t%s\n' "$name" "$bytes" "$BENCH_OUT/json-$name.json" >>"$BENCH_OUT/formats.tsv"
    fi
    python3 - "$work/$name.json" "$bytes" "$name" <<'PY'
import json, sys
results = json.load(open(sys.argv[1]))["results"]
size = int(sys.argv[2])
cells = [sys.argv[3], f"{size / 1e6:.1f} MB"]
for result in results:
    mean = result["mean"]
    cells += [f"{mean * 1000:.0f} ms ± {result['stddev'] * 1000:.0f}", f"{size / 1e6 / mean:.0f}"]
print("| " + " | ".join(cells) + " |")
PY
done
