#!/usr/bin/env bash
# bench/pprof.sh — pprof speed (issue #3's Speed section):
#   1. decode throughput of ember's pprof reader, MB/s of uncompressed
#      protobuf, timed in-process in CPU time (best and median of BENCH_RUNS
#      reads from memory, so a busy machine distorts it less), split into the wire decoding alone and the whole reader
#      (call tree included); with protobuf-c's unpack beside it when
#      protoc-c and libprotobuf-c-dev are installed (the measurement behind
#      the choice written in src/formats/pprof.c's header);
#   2. pprof -> SVG with `ember convert` against `go tool pprof -raw` on the
#      same file, with hyperfine (wall and CPU time).
#
# The large pprof is made from the corpus: large-A.perf collapsed with --tid
# (288,829 distinct stacks) and written by ember as .pb and .pb.gz. The real
# Go CPU profile of tests/fixtures/pprof is measured too. Nothing is written
# into the repository; the temporary directory is removed at the end
# (BENCH_KEEP=1 keeps it).
#
# Environment: EMBER_SHARED (default ../shared), EMBER (default build/ember,
# with build/libember.a beside it for the in-process timer), BENCH_RUNS
# (in-process reads, default 10), BENCH_HYPERFINE_RUNS (default 5),
# BENCH_OUT (a directory: bench/run's report reads the in-process timer's
# output and the hyperfine JSON exports left there).
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
shared=${EMBER_SHARED:-$repo/../shared}
corpus=$shared/corpus
ember=${EMBER:-$repo/build/ember}
library=$(dirname "$ember")/libember.a
runs=${BENCH_RUNS:-10}
hyperfine_runs=${BENCH_HYPERFINE_RUNS:-5}

if [ ! -r "$corpus/large-A.perf.zst" ]; then
    echo "bench/pprof: corpus not found ($corpus/large-A.perf.zst); skipping."
    exit 0
fi
for tool in hyperfine zstd cc python3; do
    if ! command -v "$tool" >/dev/null; then
        echo "bench/pprof: $tool is missing; skipping (make bench installs hyperfine and zstd)."
        exit 0
    fi
done
if [ ! -x "$ember" ] || [ ! -r "$library" ]; then
    echo "bench/pprof: $ember or $library not built; run \`make all\` first" >&2
    exit 1
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/ember-bench-pprof.XXXXXX")
if [ "${BENCH_KEEP:-0}" = 1 ]; then
    echo "bench/pprof: keeping $work" >&2
else
    trap 'rm -rf "$work"' EXIT
fi
log() { printf '== %s\n' "$*" >&2; }

log "making the large pprof from large-A.perf (collapse --tid, convert)"
zstd -d -q -o "$work/large-A.perf" "$corpus/large-A.perf.zst"
"$ember" collapse --tid "$work/large-A.perf" >"$work/large-A.folded"
rm -f "$work/large-A.perf"
"$ember" convert "$work/large-A.folded" -o "$work/large-A.pb"
"$ember" convert "$work/large-A.folded" -o "$work/large-A.pb.gz"
cp "$repo/tests/fixtures/pprof/go-cpu.pb.gz" "$work/go-cpu.pb.gz"
python3 -c 'import gzip, sys; open(sys.argv[2], "wb").write(gzip.decompress(open(sys.argv[1], "rb").read()))' \
    "$work/go-cpu.pb.gz" "$work/go-cpu.pb"
ls -l "$work"/*.pb "$work"/*.pb.gz >&2

# 1. In-process timer.
libs=$(sed -n 's/^LIBS *= *//p' "$repo/Makefile")
protobuf_c=0
if command -v protoc-c >/dev/null && [ -r /usr/include/protobuf-c/protobuf-c.h ]; then
    protobuf_c=1
    # profile.proto's messages, written from the field numbers of the spec.
    cat >"$work/profile.proto" <<'PROTO'
syntax = "proto3";
package perftools.profiles;
message Profile {
  repeated ValueType sample_type = 1; repeated Sample sample = 2; repeated Mapping mapping = 3;
  repeated Location location = 4; repeated Function function = 5; repeated string string_table = 6;
  int64 drop_frames = 7; int64 keep_frames = 8; int64 time_nanos = 9; int64 duration_nanos = 10;
  ValueType period_type = 11; int64 period = 12; repeated int64 comment = 13;
  int64 default_sample_type = 14; int64 doc_url = 15;
}
message ValueType { int64 type = 1; int64 unit = 2; }
message Sample { repeated uint64 location_id = 1; repeated int64 value = 2; repeated Label label = 3; }
message Label { int64 key = 1; int64 str = 2; int64 num = 3; int64 num_unit = 4; }
message Mapping { uint64 id = 1; uint64 memory_start = 2; uint64 memory_limit = 3; uint64 file_offset = 4;
  int64 filename = 5; int64 build_id = 6; bool has_functions = 7; bool has_filenames = 8;
  bool has_line_numbers = 9; bool has_inline_frames = 10; }
message Location { uint64 id = 1; uint64 mapping_id = 2; uint64 address = 3; repeated Line line = 4; bool is_folded = 5; }
message Line { uint64 function_id = 1; int64 line = 2; int64 column = 3; }
message Function { uint64 id = 1; int64 name = 2; int64 system_name = 3; int64 filename = 4; int64 start_line = 5; }
PROTO
    (cd "$work" && protoc-c --c_out=. profile.proto)
fi
cat >"$work/timer.c" <<'C'
/* Times ember's pprof reader (and protobuf-c's unpack) on a file in memory. */
#include "formats/format.h"
#include "formats/protobuf.h"
#include "model/profile.h"
#include "util/input.h"
#ifdef WITH_PROTOBUF_C
#include "profile.pb-c.h"
#endif
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/* CPU time of this process: other work on the machine does not count. */
static double now(void)
{
    struct timespec time;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time);
    return (double)time.tv_sec + (double)time.tv_nsec / 1e9;
}

static volatile uint64_t sink;

/* Visits every field of every message, decoding packed arrays: the wire
 * work of a full decode without building anything. */
static void walk(const uint8_t *data, size_t begin, size_t end, int depth)
{
    struct protobuf_reader reader;
    protobuf_reader_init(&reader, data, begin, end);
    struct protobuf_field field;
    struct protobuf_error error;
    while (protobuf_next_field(&reader, &field, &error) > 0) {
        if (field.wire_type != PROTOBUF_LENGTH_DELIMITED) {
            sink += field.value;
        } else if (depth == 0 && field.number == 6) {
            sink += field.length;
        } else if ((depth == 1 && field.number <= 2) || (depth == 0 && field.number == 13)) {
            size_t position = field.data_offset, stop = field.data_offset + field.length;
            uint64_t value;
            while (position < stop && protobuf_decode_varint(data, &position, stop, &value) == 0)
                sink += value;
        } else {
            walk(data, field.data_offset, field.data_offset + field.length, depth + 1);
        }
    }
}

static int compare(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void report(const char *what, double *times, int runs, double megabytes)
{
    qsort(times, (size_t)runs, sizeof *times, compare);
    printf("  %-34s best %8.2f ms %6.0f MB/s   median %8.2f ms %6.0f MB/s\n", what,
           times[0] * 1e3, megabytes / times[0], times[runs / 2] * 1e3,
           megabytes / times[runs / 2]);
}

int main(int argc, char **argv)
{
    int runs = atoi(argv[2]);
    FILE *file = fopen(argv[1], "rb");
    if (!file || fseek(file, 0, SEEK_END) != 0)
        return 1;
    long size = ftell(file);
    rewind(file);
    uint8_t *data = malloc((size_t)size);
    if (fread(data, 1, (size_t)size, file) != (size_t)size)
        return 1;
    fclose(file);
    double megabytes = (double)size / 1e6;
    double *times = malloc((size_t)runs * sizeof *times);
    printf("%s: %.2f MB of protobuf\n", argv[1], megabytes);

    for (int run = 0; run < runs; run++) {
        double start = now();
        walk(data, 0, (size_t)size, 0);
        times[run] = now() - start;
    }
    report("wire decoding (protobuf.c)", times, runs, megabytes);

    for (int run = 0; run < runs; run++) {
        struct input input;
        input_open_memory(&input, (const char *)data, (size_t)size, argv[1]);
        struct profile *profile = profile_create();
        struct read_options options = {0};
        struct read_statistics statistics = {0};
        double start = now();
        if (format_by_name("pprof")->read(&input, profile, &options, &statistics) != 0)
            return 1;
        times[run] = now() - start;
        profile_destroy(profile);
        input_close(&input);
    }
    report("ember pprof reader (whole)", times, runs, megabytes);

#ifdef WITH_PROTOBUF_C
    for (int run = 0; run < runs; run++) {
        double start = now();
        Perftools__Profiles__Profile *profile =
            perftools__profiles__profile__unpack(NULL, (size_t)size, data);
        if (!profile)
            return 1;
        for (size_t i = 0; i < profile->n_sample; i++)
            sink += profile->sample[i]->n_location_id;
        perftools__profiles__profile__free_unpacked(profile, NULL);
        times[run] = now() - start;
    }
    report("protobuf-c unpack + free", times, runs, megabytes);
#endif
    free(times);
    free(data);
    return 0;
}
C
if [ "$protobuf_c" = 1 ]; then
    # shellcheck disable=SC2086
    cc -O2 -std=c11 -D_DEFAULT_SOURCE -DWITH_PROTOBUF_C -I"$repo/src" -I"$work" -o "$work/timer" \
        "$work/timer.c" "$work/profile.pb-c.c" "$library" -lprotobuf-c $libs
else
    echo "bench/pprof: protoc-c or libprotobuf-c-dev missing: no protobuf-c figures" >&2
    # shellcheck disable=SC2086
    cc -O2 -std=c11 -D_DEFAULT_SOURCE -I"$repo/src" -o "$work/timer" "$work/timer.c" "$library" $libs
fi

echo "## pprof decode (in-process CPU time, $runs runs)"
for input in large-A.pb go-cpu.pb; do
    "$work/timer" "$work/$input" "$runs" | tee "$work/$input.decode.txt"
    if [ -n "${BENCH_OUT:-}" ]; then
        cp "$work/$input.decode.txt" "$BENCH_OUT/pprof-decode-$input.txt"
        printf 'pprof-decode\t%s\t%s\t%s\t%s\n' "$input" "$(stat -c %s "$work/$input")" "$runs" \
            "$BENCH_OUT/pprof-decode-$input.txt" >>"$BENCH_OUT/formats.tsv"
    fi
done

# 2. pprof -> SVG against go tool pprof -raw.
echo
echo "## pprof -> SVG: ember convert vs go tool pprof -raw (hyperfine, $hyperfine_runs runs)"
if ! command -v go >/dev/null; then
    echo "bench/pprof: go is missing (golang-go); no comparison with go tool pprof"
    exit 0
fi
export GOPATH="$work/gopath" GOCACHE="$work/gocache" HOME="$work" PPROF_TMPDIR="$work"
go tool pprof -raw "$work/go-cpu.pb.gz" >/dev/null 2>&1 # builds and caches the tool
for input in large-A.pb.gz go-cpu.pb.gz; do
    hyperfine -N -w 1 -r "$hyperfine_runs" --export-json "$work/$input.json" \
        -n "ember convert $input -o out.svg" "$ember convert $work/$input -o $work/out.svg" \
        -n "go tool pprof -raw $input" "go tool pprof -raw $work/$input" >/dev/null 2>&1
    if [ -n "${BENCH_OUT:-}" ]; then
        cp "$work/$input.json" "$BENCH_OUT/pprof-svg-$input.json"
        printf 'pprof-svg\t%s\t%s\t%s\t%s\n' "$input" "$(stat -c %s "$work/$input")" \
            "$(go version | cut -d' ' -f3)" "$BENCH_OUT/pprof-svg-$input.json" >>"$BENCH_OUT/formats.tsv"
    fi
    python3 - "$work/$input.json" <<'PY'
import json, sys
results = json.load(open(sys.argv[1]))["results"]
for result in results:
    cpu = result["user"] + result["system"]
    print(f"  {result['command']:<42} wall {result['mean']:7.3f} s ± {result['stddev']:.3f}   cpu {cpu:7.3f} s")
ember, go = results[0], results[1]
print(f"  ember is {go['mean'] / ember['mean']:.1f}x faster (wall), "
      f"{(go['user'] + go['system']) / (ember['user'] + ember['system']):.1f}x (cpu)")
PY
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
