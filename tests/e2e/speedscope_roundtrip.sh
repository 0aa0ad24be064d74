#!/usr/bin/env bash
# speedscope_roundtrip.sh — end-to-end tests of speedscope JSON in and out:
# folded -> speedscope -> folded gives the same file for every folded
# fixture; ember's JSON is valid with names escaped; the hand-written and
# speedscope-exported fixtures read as expected; the writer is picked by
# .json and .speedscope.json; hostile files fail with the byte offset.
set -u
source tests/lib.sh

roundtrips=0
for folded in tests/fixtures/svg/*.folded tests/fixtures/perf/*-collapsed*.txt; do
    [ -e "$folded" ] || continue
    # differential (two-count) files hold two sample types; speedscope one.
    if awk '{ if (NF > 2 && $(NF-1) ~ /^[0-9.]+$/) found = 1 } END { exit !found }' "$folded"; then continue; fi
    name=$(basename "$folded")
    "$EMBER" convert "$folded" -o "$TMP/direct.folded" 2>/dev/null || continue
    if "$EMBER" convert "$folded" -o "$TMP/$name.speedscope.json" 2>"$TMP/err" &&
        "$EMBER" convert "$TMP/$name.speedscope.json" -o "$TMP/back.folded" 2>>"$TMP/err" &&
        cmp -s "$TMP/direct.folded" "$TMP/back.folded"; then
        roundtrips=$((roundtrips + 1))
    else
        not_ok "round trip of $name through speedscope"; note "$(diff "$TMP/direct.folded" "$TMP/back.folded" | head -10; cat "$TMP/err")"
    fi
done
if [ "$roundtrips" -gt 3 ]; then ok "folded -> speedscope -> folded is identical for $roundtrips fixtures"; else not_ok "round trips ($roundtrips)"; fi

# Names with quotes, backslashes, control bytes, markup and invalid UTF-8:
# valid JSON, names escaped, U+FFFD for the bad bytes.
printf 'main;say "hi"\\n;<b>&\x01 3\nmain;caf\xc3\xa9;\xff\xfe 4\n' >"$TMP/names.folded"
"$EMBER" convert "$TMP/names.folded" -o "$TMP/names.json" 2>"$TMP/err"
if python3 - "$TMP/names.json" <<'PY'
import json, sys
data = json.load(open(sys.argv[1], encoding="utf-8"))
names = [f["name"] for f in data["shared"]["frames"]]
assert 'say "hi"\\n' in names and "<b>&\x01" in names and "café" in names and "\ufffd\ufffd" in names, names
assert data["exporter"] == "ember" and data["$schema"].endswith("file-format-schema.json")
profile = data["profiles"][0]
assert profile["type"] == "sampled" and profile["unit"] == "none" and sorted(profile["weights"]) == [3, 4]
raw = open(sys.argv[1], "rb").read()
assert b"<" not in raw and b"\x01" not in raw and b"\xff" not in raw
PY
then ok "names are escaped: quotes, backslash, control bytes, markup, invalid UTF-8 as U+FFFD"
else not_ok "names escaped in speedscope JSON"; note "$(cat "$TMP/names.json" "$TMP/err")"; fi

# Units from the sample type: a .cpuprofile's microseconds.
"$EMBER" convert tests/fixtures/chrome/node-hot.cpuprofile -o "$TMP/cpu.speedscope.json" 2>/dev/null
if python3 -c 'import json,sys; p=json.load(open(sys.argv[1]))["profiles"][0]; assert p["unit"]=="microseconds", p["unit"]; assert abs(sum(p["weights"])-p["endValue"])<1e-6' "$TMP/cpu.speedscope.json"; then
    ok "a .cpuprofile's time is written with unit microseconds, endValue the sum of weights"
else
    not_ok "unit of a .cpuprofile in speedscope JSON"
fi

# The hand-written fixture: sampled + evented, profile names as root frames.
expected='main thread;main 50
main thread;main;parse "quoted" é 20
main thread;main;parse "quoted" é;hash 30
worker;main;hash 20
worker;main;parse "quoted" é 10
worker;main;parse "quoted" é;hash 5'
"$EMBER" convert tests/fixtures/speedscope/two-profiles.speedscope.json -o "$TMP/two.folded" 2>"$TMP/err"
if [ "$(cat "$TMP/two.folded")" = "$expected" ]; then
    ok "sampled and evented profiles merged under their names, keys in any order"
else
    not_ok "two-profiles fixture"; note "$(cat "$TMP/two.folded" "$TMP/err")"
fi
# ... and file/line survive speedscope -> speedscope.
"$EMBER" convert tests/fixtures/speedscope/two-profiles.speedscope.json -o "$TMP/two.speedscope.json" 2>/dev/null
if python3 -c 'import json,sys; f=json.load(open(sys.argv[1]))["shared"]["frames"]; h=[x for x in f if x["name"]=="hash"][0]; assert h["file"]=="/src/hash.c" and h["line"]==42' "$TMP/two.speedscope.json"; then
    ok "frame file and line survive a speedscope -> speedscope conversion"
else
    not_ok "frame file and line through speedscope"
fi

# speedscope's own export (evented, microseconds) reads, sniffed by $schema.
if "$EMBER" convert tests/fixtures/speedscope/speedscope-export.speedscope.json -o "$TMP/export.folded" 2>"$TMP/err" &&
    grep -q ';main;hotLoop [0-9]*$' "$TMP/export.folded"; then
    ok "speedscope's own export reads (evented profile)"
else
    not_ok "speedscope's own export"; note "$(cat "$TMP/err")"
fi

# .json and .speedscope.json pick the speedscope writer; .flamebearer.json does not.
printf 'a;b 1\n' >"$TMP/one.folded"
"$EMBER" convert "$TMP/one.folded" -o "$TMP/plain.json" 2>/dev/null
"$EMBER" convert "$TMP/one.folded" -o "$TMP/x.flamebearer.json" 2>/dev/null
if grep -q '"\$schema"' "$TMP/plain.json" && grep -q '"flamebearer"' "$TMP/x.flamebearer.json" && ! grep -q '\$schema' "$TMP/x.flamebearer.json"; then
    ok ".json writes speedscope, .flamebearer.json flamebearer (longest extension wins)"
else
    not_ok "writer by extension"
fi

# Hostile files: byte offset, non-zero exit, no output.
hostile() { # description, marker (offset = its first occurrence, empty = any), text
    local description=$1 marker=$2 offset='[0-9]*'
    printf '%s' "$3" >"$TMP/bad.json"
    [ -n "$marker" ] && offset=$(python3 -c 'import os, sys; print(open(sys.argv[1], "rb").read().index(os.fsencode(sys.argv[2])))' "$TMP/bad.json" "$marker")
    rm -f "$TMP/bad.folded"
    local status=0
    "$EMBER" convert --format speedscope "$TMP/bad.json" -o "$TMP/bad.folded" >"$TMP/err" 2>&1 || status=$?
    if [ "$status" -ne 0 ] && [ "$status" -lt 128 ] && ! grep -q Sanitizer "$TMP/err" && [ ! -e "$TMP/bad.folded" ] &&
        grep -q "^ember: $TMP/bad.json: byte $offset: " "$TMP/err"; then
        ok "refused: $description ($(head -1 "$TMP/err" | sed 's/.*: byte /byte /'))"
    else
        not_ok "refused: $description (exit $status, offset $offset expected)"; note "$(head -c 1000 "$TMP/err")"
    fi
}
head='{"$schema":"https://www.speedscope.app/file-format-schema.json","shared":{"frames":[{"name":"a"},{"name":"b"}]},"profiles":'
hostile "a frame index out of range" '2]' "$head"'[{"type":"sampled","unit":"none","samples":[[0,2]],"weights":[1]}]}'
hostile "a negative weight" '-5' "$head"'[{"type":"sampled","unit":"none","samples":[[0]],"weights":[-5]}]}'
hostile "a weight that is a string" '"1"' "$head"'[{"type":"sampled","unit":"none","samples":[[0]],"weights":["1"]}]}'
hostile "more samples than weights" '' "$head"'[{"type":"sampled","unit":"none","samples":[[0],[1]],"weights":[1]}]}'
hostile "closing a frame not on top" '{"type":"C","frame":0' "$head"'[{"type":"evented","unit":"none","events":[{"type":"O","frame":0,"at":0},{"type":"O","frame":1,"at":1},{"type":"C","frame":0,"at":2}]}]}'
hostile "events out of order" '{"type":"C"' "$head"'[{"type":"evented","unit":"none","events":[{"type":"O","frame":0,"at":5},{"type":"C","frame":0,"at":1}]}]}'
hostile "an unknown profile type" '"flat"' "$head"'[{"type":"flat","unit":"none"}]}'
hostile "profiles is an object" '{}' "$head"'{}}'
hostile "a huge weight" '1e999' "$head"'[{"type":"sampled","unit":"none","samples":[[0]],"weights":[1e999]}]}'
hostile "an unterminated name" '"zz' '{"$schema":"speedscope","shared":{"frames":[{"name":"zz'
hostile "invalid UTF-8 in a name" $'\xc3(' $'{"$schema":"speedscope","shared":{"frames":[{"name":"\xc3("}]},"profiles":[]}'
hostile "no \$schema" '{' '{"shared":{"frames":[]},"profiles":[]}'
