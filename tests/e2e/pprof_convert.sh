#!/usr/bin/env bash
# pprof_convert.sh — `ember convert` and `ember collapse --format pprof` on
# pprof files without Go's tools: round trips, SVG, standard input, the
# uncompressed .pb form, names that need escaping, and hostile input
# (clear message with the byte offset, non-zero exit, no output left).
set -u
source tests/lib.sh

FIXTURES=tests/fixtures/pprof

# pprof -> folded -> pprof -> folded is identical.
if "$EMBER" convert "$FIXTURES/go-cpu.pb.gz" -o "$TMP/a.folded" 2>"$TMP/err" &&
    "$EMBER" convert "$TMP/a.folded" -o "$TMP/a.pb.gz" 2>>"$TMP/err" &&
    "$EMBER" convert "$TMP/a.pb.gz" -o "$TMP/b.folded" 2>>"$TMP/err" &&
    [ -s "$TMP/a.folded" ] && cmp -s "$TMP/a.folded" "$TMP/b.folded"; then
    ok "pprof -> folded -> pprof -> folded is identical"
else
    not_ok "pprof -> folded -> pprof -> folded"; note "$(cat "$TMP/err"; diff "$TMP/a.folded" "$TMP/b.folded" | head)"
fi

# pprof -> pprof keeps every sample type: each one's folded view is the same.
"$EMBER" convert "$FIXTURES/go-heap.pb.gz" -o "$TMP/heap.pb.gz" 2>"$TMP/err"
same=1
for type in alloc_objects alloc_space inuse_objects inuse_space; do
    "$EMBER" convert --sample-type "$type" "$FIXTURES/go-heap.pb.gz" -o "$TMP/before.folded" 2>>"$TMP/err" &&
        "$EMBER" convert --sample-type "$type" "$TMP/heap.pb.gz" -o "$TMP/after.folded" 2>>"$TMP/err" &&
        [ -s "$TMP/before.folded" ] && cmp -s "$TMP/before.folded" "$TMP/after.folded" || same=0
done
if [ "$same" = 1 ]; then
    ok "pprof -> pprof keeps all four heap sample types"
else
    not_ok "pprof -> pprof keeps the heap sample types"; note "$(cat "$TMP/err")"
fi

# A perf-derived folded file -> pprof -> folded is identical.
"$EMBER" collapse tests/fixtures/perf/edge-cases.txt >"$TMP/perf.folded" 2>/dev/null
if [ -s "$TMP/perf.folded" ] && "$EMBER" convert "$TMP/perf.folded" -o "$TMP/perf.pb" 2>"$TMP/err" &&
    [ "$(head -c 2 "$TMP/perf.pb" | od -An -tx1 | tr -d ' ')" != 1f8b ] &&
    "$EMBER" convert "$TMP/perf.pb" -o "$TMP/perf-back.folded" 2>>"$TMP/err" &&
    cmp -s "$TMP/perf.folded" "$TMP/perf-back.folded"; then
    ok "folded -> uncompressed .pb -> folded is identical"
else
    not_ok "folded -> .pb -> folded"; note "$(cat "$TMP/err"; diff "$TMP/perf.folded" "$TMP/perf-back.folded" | head)"
fi

# collapse --format pprof prints the folded stacks of the default sample
# type (cpu for a Go CPU profile), like convert; --sample-type picks another.
"$EMBER" convert "$FIXTURES/go-cpu.pb.gz" -o "$TMP/default.folded" 2>/dev/null
"$EMBER" convert --sample-type 0 "$FIXTURES/go-cpu.pb.gz" -o "$TMP/type0.folded" 2>/dev/null
if "$EMBER" collapse --format pprof "$FIXTURES/go-cpu.pb.gz" >"$TMP/collapsed" 2>"$TMP/err" &&
    [ -s "$TMP/collapsed" ] && cmp -s "$TMP/collapsed" "$TMP/default.folded" &&
    ! cmp -s "$TMP/collapsed" "$TMP/type0.folded"; then
    ok "collapse --format pprof folds a Go CPU profile's default type (cpu)"
else
    not_ok "collapse --format pprof"; note "$(cat "$TMP/err")"
fi
if "$EMBER" collapse --format pprof --sample-type samples "$FIXTURES/go-cpu.pb.gz" >"$TMP/collapsed0" 2>"$TMP/err" &&
    cmp -s "$TMP/collapsed0" "$TMP/type0.folded"; then
    ok "collapse --sample-type samples picks the other type"
else
    not_ok "collapse --sample-type samples"; note "$(cat "$TMP/err")"
fi

# Sniffed from standard input, gzipped or not.
if "$EMBER" convert - -o "$TMP/stdin.folded" <"$FIXTURES/go-cpu.pb.gz" 2>"$TMP/err" &&
    cmp -s "$TMP/stdin.folded" "$TMP/a.folded" &&
    "$EMBER" convert - -o "$TMP/stdin-plain.folded" <"$TMP/perf.pb" 2>>"$TMP/err" &&
    cmp -s "$TMP/stdin-plain.folded" "$TMP/perf.folded"; then
    ok "pprof on standard input is recognised, gzipped or not"
else
    not_ok "pprof on standard input"; note "$(cat "$TMP/err")"
fi

# SVG in one step, names escaped.
if "$EMBER" convert "$FIXTURES/go-cpu.pb.gz" -o "$TMP/cpu.svg" 2>"$TMP/err" &&
    python3 -c 'import sys, xml.etree.ElementTree as E; E.parse(sys.argv[1])' "$TMP/cpu.svg" &&
    grep -q 'main.hashLoop' "$TMP/cpu.svg" && grep -q 'sort.partition' "$TMP/cpu.svg"; then
    ok "convert .pb.gz to .svg draws the Go functions"
else
    not_ok "convert .pb.gz to .svg"; note "$(cat "$TMP/err")"
fi
printf 'main;<script>alert(1)</script> 5\nmain;a&b"c 3\n' >"$TMP/hostile.folded"
if "$EMBER" convert "$TMP/hostile.folded" -o "$TMP/hostile.pb.gz" 2>"$TMP/err" &&
    "$EMBER" convert "$TMP/hostile.pb.gz" -o "$TMP/hostile.svg" 2>>"$TMP/err" &&
    python3 -c 'import sys, xml.etree.ElementTree as E; E.parse(sys.argv[1])' "$TMP/hostile.svg" &&
    ! grep -q '<script>alert' "$TMP/hostile.svg" && grep -q '&lt;script&gt;alert' "$TMP/hostile.svg"; then
    ok "names from a pprof are escaped in the SVG"
else
    not_ok "names from a pprof escaped in the SVG"; note "$(cat "$TMP/err")"
fi

# Hostile input: one clear line naming the byte, non-zero exit, no output.
python3 - "$TMP" "$FIXTURES/go-cpu.pb.gz" <<'PY'
import gzip, sys
tmp, fixture = sys.argv[1], sys.argv[2]
data = open(fixture, "rb").read()
plain = gzip.decompress(data)
open(tmp + "/truncated.pb.gz", "wb").write(data[: len(data) // 2])
corrupt = bytearray(data); corrupt[len(data) // 2] ^= 0x55
open(tmp + "/corrupt.pb.gz", "wb").write(bytes(corrupt))
open(tmp + "/cut.pb", "wb").write(plain[: len(plain) - 7])
# a sample_type whose unit is string index 1000 (ValueType{type=1, unit=1000})
open(tmp + "/bad-string.pb", "wb").write(bytes([0x0a, 0x05, 0x08, 0x01, 0x10, 0xe8, 0x07, 0x32, 0x00, 0x32, 0x01, 0x78]))
# a sample naming location 9, which does not exist
open(tmp + "/bad-location.pb", "wb").write(bytes([0x0a, 0x02, 0x08, 0x01, 0x12, 0x05, 0x0a, 0x01, 0x09, 0x10, 0x01, 0x32, 0x00, 0x32, 0x01, 0x73]))
PY
for case in "truncated.pb.gz:gzip data ends early" "corrupt.pb.gz:byte [0-9]*" \
    "cut.pb:byte [0-9]*: .*runs past the end" "bad-string.pb:byte 4: sample_type: string index 1000 is out of range" \
    "bad-location.pb:byte 6: sample names location id 9, which does not exist"; do
    file=${case%%:*} expected=${case#*:}
    rm -f "$TMP/out.folded"
    check_fails "$file is refused" "$EMBER" convert --format pprof "$TMP/$file" -o "$TMP/out.folded"
    message=$("$EMBER" convert --format pprof "$TMP/$file" -o "$TMP/out.folded" 2>&1 >/dev/null)
    if [ ! -e "$TMP/out.folded" ] && [ "$(printf '%s\n' "$message" | wc -l)" = 1 ] &&
        printf '%s\n' "$message" | grep -q "^ember: $TMP/$file: .*$expected"; then
        ok "$file: one line naming the byte ($expected), no output file"
    else
        not_ok "$file: message and no output"; note "$message"
    fi
done
