#!/usr/bin/env bash
# gperftools_record.sh — real gperftools profiles made here with Debian's
# libgoogle-perftools-dev: a CPU profile (libprofiler, ProfilerStart) of a
# program whose hot_loop does 9x the work of cold_loop, and a heap profile
# (libtcmalloc, HEAPPROFILE) of a program keeping 100 blocks of 64 KiB.
# ember must sniff them, symbolize the addresses from the maps in the
# files, and show the known functions with plausible weights.
set -u
source tests/lib.sh
FIXTURES=tests/fixtures/gperftools
sum_folded() { awk -v pattern="${2:-}" 'pattern == "" || index($0, pattern) { total += $NF } END { printf "%.0f\n", total }' "$1"; }

if [ ! -e /usr/include/gperftools/profiler.h ] || [ ! -e /usr/include/gperftools/heap-profiler.h ]; then
    skip "gperftools profiles" "libgoogle-perftools-dev is not installed"
    exit 0
fi

# ---- CPU profile ----
if ! cc -O1 -g -fno-omit-frame-pointer -o "$TMP/cpu_work" "$FIXTURES/cpu_work.c" -lprofiler 2>"$TMP/err"; then
    not_ok "compile cpu_work with -lprofiler"; note "$(cat "$TMP/err")"
else
    CPUPROFILE_FREQUENCY=1000 "$TMP/cpu_work" "$TMP/cpu.prof" >/dev/null 2>"$TMP/run.err"
    # the total of the records' counts, read independently with python
    expected_samples=$(python3 - "$TMP/cpu.prof" <<'PY'
import struct, sys
data = open(sys.argv[1], 'rb').read()
words = struct.unpack_from('<5Q', data)
assert words[:3] == (0, 3, 0), words
offset, total = 40, 0
while True:
    count, depth = struct.unpack_from('<2Q', data, offset)
    offset += 16
    if count == 0 and depth == 1 and struct.unpack_from('<Q', data, offset)[0] == 0:
        break
    total += count
    offset += 8 * depth
print(total, words[3])
PY
)
    read -r expected_samples period_us <<<"$expected_samples"
    if "$EMBER" convert --sample-type samples "$TMP/cpu.prof" -o "$TMP/cpu.folded" 2>"$TMP/err"; then
        got=$(sum_folded "$TMP/cpu.folded")
        if [ "$got" = "$expected_samples" ] && [ "$got" -gt 20 ]; then ok "cpu: sniffed, $got samples as the records hold"
        else not_ok "cpu: sample total"; note "ember $got, python $expected_samples"; fi
        hot=$(sum_folded "$TMP/cpu.folded" ";hot_loop")
        cold=$(sum_folded "$TMP/cpu.folded" ";cold_loop")
        if [ "$hot" -gt $((cold * 3)) ] && [ "$hot" -gt $((got / 2)) ]; then
            ok "cpu: hot_loop has most samples ($hot; cold_loop $cold of $got)"
        else
            not_ok "cpu: hot_loop weight"; note "hot $hot cold $cold total $got"; note "$(cat "$TMP/cpu.folded")"
        fi
        if grep -q '^_start;.*main;work;hot_loop ' "$TMP/cpu.folded"; then ok "cpu: symbolized stacks main;work;hot_loop below libc's start"
        else not_ok "cpu: stack shape"; note "$(cat "$TMP/cpu.folded")"; fi
    else
        not_ok "cpu: convert"; note "$(cat "$TMP/err" "$TMP/run.err")"
    fi
    "$EMBER" convert "$TMP/cpu.prof" -o "$TMP/cpu-ns.folded" 2>"$TMP/err"
    if [ "$(sum_folded "$TMP/cpu-ns.folded")" = "$((expected_samples * period_us * 1000))" ]; then
        ok "cpu: default type is cpu nanoseconds = samples x ${period_us} us"
    else
        not_ok "cpu: nanoseconds"; note "$(sum_folded "$TMP/cpu-ns.folded") vs $((expected_samples * period_us * 1000))"
    fi
    "$EMBER" convert "$TMP/cpu.prof" -o "$TMP/cpu.svg" 2>"$TMP/err" && grep -q 'hot_loop' "$TMP/cpu.svg" &&
        ok "cpu: drawn as SVG" || { not_ok "cpu: SVG"; note "$(cat "$TMP/err")"; }

    # hostile: cut, bad header, a record whose depth runs past the end
    size=$(stat -c %s "$TMP/cpu.prof")
    head -c 64 "$TMP/cpu.prof" >"$TMP/cut.prof"
    check_fails "cpu: a profile cut at byte 64 is refused" "$EMBER" convert --format gperftools-cpu "$TMP/cut.prof" -o "$TMP/cut.folded"
    grep -q 'cut.prof: byte [0-9]*: ' "$TMP/check.log" && [ ! -e "$TMP/cut.folded" ] &&
        ok "cpu: the message names the byte offset, nothing written" || { not_ok "cpu: cut message"; note "$(cat "$TMP/check.log")"; }
    python3 - "$TMP/cpu.prof" "$TMP/deep.prof" <<'PY'
import struct, sys
data = bytearray(open(sys.argv[1], 'rb').read())
struct.pack_into('<Q', data, 48, 1 << 60)   # first record's depth
open(sys.argv[2], 'wb').write(data)
PY
    check_fails "cpu: a huge record depth is refused" "$EMBER" convert --format gperftools-cpu "$TMP/deep.prof" -o "$TMP/deep.folded"
    grep -q "deep.prof: byte 40: record of 1152921504606846976 addresses runs past the end of the file ($size bytes)" "$TMP/check.log" &&
        ok "cpu: huge depth message names byte 40" || { not_ok "cpu: huge depth message"; note "$(cat "$TMP/check.log")"; }
    printf '\0\0\0\0\0\0\0\0\7\0\0\0\0\0\0\0' | cat - "$TMP/cpu.prof" >"$TMP/badheader.prof"
    check_fails "cpu: a bad header is refused" "$EMBER" convert --format gperftools-cpu "$TMP/badheader.prof" -o "$TMP/bad.folded"
fi

# ---- heap profile ----
if ! cc -O1 -g -fno-omit-frame-pointer -o "$TMP/heap_work" "$FIXTURES/heap_work.c" -ltcmalloc 2>"$TMP/err"; then
    not_ok "compile heap_work with -ltcmalloc"; note "$(cat "$TMP/err")"
else
    # libgcc's unwinder: fast, and complete stacks (recording-on-linux.md §4)
    HEAPPROFILE="$TMP/heap" TCMALLOC_STACKTRACE_METHOD=libgcc "$TMP/heap_work" >/dev/null 2>"$TMP/run.err"
    heap=$TMP/heap.0001.heap
    if [ ! -s "$heap" ]; then
        not_ok "heap: HEAPPROFILE wrote no profile"; note "$(cat "$TMP/run.err")"
    else
        "$EMBER" convert "$heap" -o "$TMP/inuse.folded" 2>"$TMP/err"
        got=$(sum_folded "$TMP/inuse.folded" ";make_buffers")
        if [ "$got" = 6553600 ]; then ok "heap: make_buffers holds 100 x 64 KiB = 6553600 bytes in use (default inuse_space)"
        else not_ok "heap: make_buffers inuse_space"; note "$(cat "$TMP/inuse.folded" "$TMP/err")"; fi
        "$EMBER" convert --sample-type inuse_objects "$heap" -o "$TMP/objects.folded" 2>"$TMP/err"
        got=$(sum_folded "$TMP/objects.folded" ";make_buffers")
        if [ "$got" = 100 ]; then ok "heap: make_buffers has 100 objects in use"
        else not_ok "heap: inuse_objects"; note "$(cat "$TMP/objects.folded")"; fi
        # the totals equal the header's, for all four types
        read -r inuse_objects inuse_space alloc_objects alloc_space <<<"$(head -1 "$heap" | tr -d '[]:@' | awk '{ print $3, $4, $5, $6 }')"
        for pair in "inuse_objects $inuse_objects" "inuse_space $inuse_space" "alloc_objects $alloc_objects" "alloc_space $alloc_space"; do
            read -r type expected <<<"$pair"
            "$EMBER" convert --sample-type "$type" "$heap" -o "$TMP/t.folded" 2>/dev/null
            got=$(sum_folded "$TMP/t.folded")
            if [ "$got" = "$expected" ]; then ok "heap: $type total $got equals the header's"
            else not_ok "heap: $type total"; note "ember $got, header $expected"; fi
        done
        if grep -q '^_start;.*main;make_buffers ' "$TMP/inuse.folded"; then ok "heap: symbolized stack main;make_buffers"
        else not_ok "heap: stack shape"; note "$(cat "$TMP/inuse.folded")"; fi
        sed '2s/@ 0x/@ 0xzz/' "$heap" >"$TMP/bad.heap"
        check_fails "heap: a bad address is refused" "$EMBER" convert "$TMP/bad.heap" -o "$TMP/bad.folded"
        grep -q 'bad.heap:2: ' "$TMP/check.log" && ok "heap: the message names line 2" || { not_ok "heap: message"; note "$(cat "$TMP/check.log")"; }
    fi
fi
