#!/usr/bin/env bash
# chrome_cpuprofile.sh — end-to-end tests of the .cpuprofile reader: a
# profile recorded now by the Node.js on the machine (`node --cpu-prof`) and
# the committed one, whose hot functions must dominate; agreement with
# speedscope's own import of the same file; the sample-count type; and
# hostile JSON refused with the file and byte offset, no output written.
set -u
source tests/lib.sh
FIXTURES=tests/fixtures/chrome

# frame_total FOLDED NAME: the summed weight of stacks whose leaf is NAME.
frame_total() { awk -v name="$2" '{ n = split($0, parts, ";"); leaf = parts[n]; sub(/ [0-9.]+$/, "", leaf); if (leaf == name) sum += $NF } END { printf "%d\n", sum }' "$1"; }
grand_total() { awk '{ sum += $NF } END { printf "%d\n", sum }' "$1"; }

check_hot() { # description, cpuprofile
    local description=$1 profile=$2 folded="$TMP/hot.folded"
    if ! "$EMBER" convert "$profile" -o "$folded" 2>"$TMP/err"; then
        not_ok "$description: ember reads it"; note "$(cat "$TMP/err")"; return
    fi
    local hot warm all
    hot=$(frame_total "$folded" hotLoop); warm=$(frame_total "$folded" warmLoop); all=$(grand_total "$folded")
    # hotLoop does 3x warmLoop's iterations of costlier work; together they
    # are nearly all of the 600 ms run.
    if [ "$hot" -gt $((warm * 3 / 2)) ] && [ "$warm" -gt 0 ] && [ $(((hot + warm) * 100 / all)) -ge 50 ]; then
        ok "$description: hotLoop ($hot µs) > warmLoop ($warm µs), together $(((hot + warm) * 100 / all))% of $all µs"
    else
        not_ok "$description: hot functions dominate (hotLoop $hot, warmLoop $warm, all $all)"; note "$(sort -t' ' -k2 -n "$folded" | tail -5)"
    fi
    if grep -q '^(anonymous);executeUserEntryPoint;.*;main;hotLoop [0-9]*$' "$folded"; then
        ok "$description: hotLoop sits below main and Node's module loader"
    else
        not_ok "$description: hotLoop's stack"; note "$(grep hotLoop "$folded")"
    fi
}

if command -v node >/dev/null 2>&1; then
    node --cpu-prof --cpu-prof-dir="$TMP/prof" --cpu-prof-name=live.cpuprofile "$FIXTURES/hot.js" >/dev/null 2>"$TMP/node.err"
    if [ -s "$TMP/prof/live.cpuprofile" ]; then
        check_hot "node --cpu-prof now" "$TMP/prof/live.cpuprofile"
    else
        not_ok "node --cpu-prof writes a profile"; note "$(cat "$TMP/node.err")"
    fi
else
    skip "node --cpu-prof now" "node is not installed"
fi
check_hot "committed node-hot.cpuprofile" "$FIXTURES/node-hot.cpuprofile"

# speedscope's own import of the same file (its Export, committed) gives the
# same time to hotLoop and warmLoop.
"$EMBER" convert "$FIXTURES/node-hot.cpuprofile" -o "$TMP/ember.folded" 2>/dev/null
"$EMBER" convert tests/fixtures/speedscope/speedscope-export.speedscope.json -o "$TMP/speedscope.folded" 2>/dev/null
for name in hotLoop warmLoop main; do
    mine=$(frame_total "$TMP/ember.folded" "$name"); theirs=$(frame_total "$TMP/speedscope.folded" "$name")
    if [ "$mine" -gt 0 ] && [ "$mine" = "$theirs" ]; then
        ok "$name: $mine µs self, as speedscope's import of the same .cpuprofile"
    else
        not_ok "$name: ember $mine µs, speedscope $theirs µs"
    fi
done

# --sample-type samples: one per sample of the file.
expected=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["samples"]))' "$FIXTURES/node-hot.cpuprofile")
"$EMBER" convert --sample-type samples "$FIXTURES/node-hot.cpuprofile" -o "$TMP/count.folded" 2>"$TMP/err"
if [ "$(grand_total "$TMP/count.folded")" = "$expected" ]; then
    ok "--sample-type samples counts the $expected samples"
else
    not_ok "--sample-type samples: $(grand_total "$TMP/count.folded") samples, expected $expected"; note "$(cat "$TMP/err")"
fi

# File and 1-based line kept: speedscope output carries them.
"$EMBER" convert "$FIXTURES/node-hot.cpuprofile" -o "$TMP/hot.speedscope.json" 2>/dev/null
if python3 - "$TMP/hot.speedscope.json" <<'PY'
import json, sys
frames = json.load(open(sys.argv[1]))["shared"]["frames"]
hot = [f for f in frames if f["name"] == "hotLoop"]
assert hot and hot[0]["file"].endswith("hot.js") and hot[0]["line"] == 2, hot
PY
then ok "hotLoop keeps its url and 1-based line (hot.js:2)"; else not_ok "hotLoop's url and line"; fi

# Hostile input: message with file and byte offset, non-zero exit, no output.
# The expected offset is where MARKER first occurs in the text (empty: any).
# Nesting: the object is level 1, so the 1000th '[' of the run is too deep.
hostile() { # description, marker, json text [, bytes to add to the marker's offset]
    local description=$1 marker=$2 offset='[0-9]*'
    printf '%s' "$3" >"$TMP/bad.cpuprofile"
    [ -n "$marker" ] && offset=$(python3 -c 'import os, sys; print(open(sys.argv[1], "rb").read().index(os.fsencode(sys.argv[2])) + int(sys.argv[3]))' "$TMP/bad.cpuprofile" "$marker" "${4:-0}")
    rm -f "$TMP/bad.folded"
    local status=0
    "$EMBER" convert --format chrome "$TMP/bad.cpuprofile" -o "$TMP/bad.folded" >"$TMP/err" 2>&1 || status=$?
    if [ "$status" -ne 0 ] && [ "$status" -lt 128 ] && ! grep -q Sanitizer "$TMP/err" && [ ! -e "$TMP/bad.folded" ] &&
        grep -q "^ember: $TMP/bad.cpuprofile: byte $offset: " "$TMP/err"; then
        ok "refused: $description ($(head -1 "$TMP/err" | sed 's/.*: byte /byte /'))"
    else
        not_ok "refused: $description (exit $status, offset $offset expected)"; note "$(head -c 1000 "$TMP/err")"
    fi
}
node1='{"id":1,"callFrame":{"functionName":"(root)","url":"","lineNumber":-1}}'
hostile "nodes is not an array" '{"id"' '{"nodes":{"id":1},"samples":[1]}'
hostile "id as a string" '"1"' '{"nodes":[{"id":"1","callFrame":{}}]}'
hostile "a sample of an unknown node" '5]' "{\"nodes\":[$node1],\"samples\":[5],\"timeDeltas\":[1]}"
hostile "a parent cycle" '' '{"nodes":[{"id":1,"parent":2,"callFrame":{}},{"id":2,"parent":1,"callFrame":{}}],"samples":[1]}'
hostile "a truncated file" '' "{\"nodes\":[$node1],\"samples\":[1,"
hostile "an unterminated string" '"abc' '{"nodes":[{"id":1,"callFrame":{"functionName":"abc'
hostile "invalid UTF-8 in a name" $'\xff' $'{"nodes":[{"id":1,"callFrame":{"functionName":"\xff"}}]}'
hostile "a huge number" '1e400' '{"nodes":[{"id":1e400,"callFrame":{}}]}'
hostile "an id beyond 2^63" '999' '{"nodes":[{"id":99999999999999999999999,"callFrame":{}}]}'
hostile "samples and timeDeltas of different lengths" '' "{\"nodes\":[$node1],\"samples\":[1,1],\"timeDeltas\":[1]}"
hostile "deep nesting" '[[[' "{\"nodes\":[$node1],\"extra\":$(printf '[%.0s' $(seq 1 3000))}" 999
hostile "neither nodes nor traceEvents" '{' '{"profile":{}}'
