#!/usr/bin/env bash
# hotcold.sh — hot/cold flame graphs: stacks under the off-CPU marker frame
# "[off-cpu]" (src/model/offcpu.h) are drawn blue, on-CPU stacks warm, in
# one graph; automatically when the marker is present, with --colors
# hotcold on demand, never with another explicit palette. Colours are
# checked against the palettes' ranges: hot r 205-255, g 0-230, b 0-55;
# off-CPU r = g 80-140, b 205-255.
source tests/lib.sh
FIXTURES=tests/fixtures/hotcold

if ! command -v python3 >/dev/null; then
    skip "hot/cold colours" "python3 not installed"
    exit 0
fi

# classify.py SVG: "NAME<TAB>WIDTH<TAB>hot|cold|other" per frame, sorted;
# fails when the SVG is not well-formed XML.
cat >"$TMP/classify.py" <<'EOF'
import re, sys
import xml.etree.ElementTree as ET
SVG = "{http://www.w3.org/2000/svg}"
root = ET.parse(sys.argv[1]).getroot()
frames = root.find(".//%sg[@id='frames']" % SVG)
lines = []
for group in frames:
    title, rect = group.find(SVG + "title"), group.find(SVG + "rect")
    r, g, b = map(int, re.match(r"rgb\((\d+),(\d+),(\d+)\)$", rect.get("fill")).groups())
    if 205 <= r <= 255 and g <= 230 and b <= 55:
        kind = "hot"
    elif r == g and 80 <= r <= 140 and 205 <= b <= 255:
        kind = "cold"
    else:
        kind = "other"
    name = re.sub(r" \([^()]*\)$", "", title.text)
    lines.append("%s\t%s\t%s" % (name, rect.get("width"), kind))
print("\n".join(sorted(lines)))
EOF

# mixed.folded: on-CPU app;main;compute[;crunch] and app;main;read_input;read
# (45 samples), off-CPU under [off-cpu]: read blocked in schedule (40) and
# a nanosleep (15). Width per sample: 1180 / 100 = 11.8 px.
cat >"$TMP/expected-hotcold.txt" <<'EOF'
[off-cpu]	649.0	cold
__x64_sys_read	472.0	cold
all	1180.0	hot
app	531.0	hot
app	649.0	cold
compute	472.0	hot
crunch	354.0	hot
main	531.0	hot
main	649.0	cold
nanosleep	177.0	cold
read	472.0	cold
read	59.0	hot
read_input	472.0	cold
read_input	59.0	hot
schedule	177.0	cold
schedule	472.0	cold
sleep_a_bit	177.0	cold
EOF

"$EMBER" flamegraph "$FIXTURES/mixed.folded" >"$TMP/auto.svg" 2>"$TMP/auto.err"
python3 "$TMP/classify.py" "$TMP/auto.svg" >"$TMP/auto.txt" 2>&1
if diff "$TMP/expected-hotcold.txt" "$TMP/auto.txt" >"$TMP/auto.diff"; then
    ok "the [off-cpu] marker turns hot/cold on: off-CPU frames blue, on-CPU warm, well-formed SVG"
else
    not_ok "automatic hot/cold colours"; note "$(cat "$TMP/auto.diff" "$TMP/auto.err")"
fi
if grep -qx $'read\t472.0\tcold' "$TMP/auto.txt" && grep -qx $'read\t59.0\thot' "$TMP/auto.txt"; then
    ok "a function on both kinds of stacks is two boxes, never merged (read: 40 cold, 5 hot)"
else
    not_ok "a function on both kinds of stacks is two boxes"
fi

"$EMBER" flamegraph --colors hotcold "$FIXTURES/mixed.folded" >"$TMP/explicit.svg" 2>/dev/null
check "--colors hotcold draws what the automatic choice draws" cmp "$TMP/auto.svg" "$TMP/explicit.svg"

"$EMBER" flamegraph --colors hot "$FIXTURES/mixed.folded" >"$TMP/hot.svg" 2>/dev/null
python3 "$TMP/classify.py" "$TMP/hot.svg" | cut -f3 | sort -u >"$TMP/hot.kinds"
check "--colors hot keeps every frame warm despite the marker" test "$(cat "$TMP/hot.kinds")" = "hot"

# Without the marker nothing changes: the default is the hot palette.
grep -v '^\[off-cpu\]' "$FIXTURES/mixed.folded" >"$TMP/on-cpu.folded"
"$EMBER" flamegraph "$TMP/on-cpu.folded" >"$TMP/plain-default.svg" 2>/dev/null
"$EMBER" flamegraph --colors hot "$TMP/on-cpu.folded" >"$TMP/plain-hot.svg" 2>/dev/null
check "without the marker the default stays the hot palette (same bytes)" cmp "$TMP/plain-default.svg" "$TMP/plain-hot.svg"
"$EMBER" flamegraph --colors hotcold "$TMP/on-cpu.folded" >"$TMP/plain-hotcold.svg" 2>/dev/null
check "--colors hotcold on an on-CPU-only profile is the hot palette" cmp "$TMP/plain-hot.svg" "$TMP/plain-hotcold.svg"

# A marker as the leaf (the "integrated" style: blocking shown on top of
# its warm stack): only the marker box is cold, the ancestors merge.
printf 'app;main;read 5\napp;main;read;[off-cpu] 40\n' >"$TMP/leaf.folded"
"$EMBER" flamegraph "$TMP/leaf.folded" >"$TMP/leaf.svg" 2>/dev/null
python3 "$TMP/classify.py" "$TMP/leaf.svg" >"$TMP/leaf.txt"
if [ "$(cat "$TMP/leaf.txt")" = $'[off-cpu]\t1048.9\tcold\nall\t1180.0\thot\napp\t1180.0\thot\nmain\t1180.0\thot\nread\t1180.0\thot' ]; then
    ok "a leaf marker colours only itself; its ancestors stay warm and merged"
else
    not_ok "a leaf marker colours only itself"; note "$(cat "$TMP/leaf.txt")"
fi

# The marker is an ordinary frame, so other formats carry it: folded ->
# pprof -> SVG, and ember convert's SVG chooses hot/cold too.
"$EMBER" convert "$FIXTURES/mixed.folded" -o "$TMP/mixed.pb.gz" 2>/dev/null
"$EMBER" flamegraph "$TMP/mixed.pb.gz" >"$TMP/pprof.svg" 2>/dev/null
python3 "$TMP/classify.py" "$TMP/pprof.svg" | grep -c $'\tcold$' >"$TMP/pprof.count"
check "through pprof the off-CPU frames stay blue (10 cold boxes)" test "$(cat "$TMP/pprof.count")" = 10
"$EMBER" convert "$FIXTURES/mixed.folded" -o "$TMP/convert.svg" 2>/dev/null
python3 "$TMP/classify.py" "$TMP/convert.svg" | grep -c $'\tcold$' >"$TMP/convert.count"
check "ember convert -o x.svg draws hot/cold too (10 cold boxes)" test "$(cat "$TMP/convert.count")" = 10

# A flame chart keeps the colours: the off-CPU stretch is blue in time.
"$EMBER" flamegraph --flamechart "$FIXTURES/mixed.folded" >"$TMP/chart.svg" 2>/dev/null
python3 "$TMP/classify.py" "$TMP/chart.svg" | grep -c $'\tcold$' >"$TMP/chart.count"
check "--flamechart with off-CPU stacks: the same 10 cold boxes" test "$(cat "$TMP/chart.count")" = 10

# Hostile names stay escaped in hot/cold graphs.
printf '[off-cpu];<script>alert(1)</script>;a&b 3\nx"y 1\n' >"$TMP/hostile.folded"
"$EMBER" flamegraph "$TMP/hostile.folded" >"$TMP/hostile.svg" 2>/dev/null
if python3 "$TMP/classify.py" "$TMP/hostile.svg" >"$TMP/hostile.txt" 2>&1 &&
   grep -q $'^<script>alert(1)</script>\t[0-9.]*\tcold$' "$TMP/hostile.txt" && ! grep -q '<script>alert' "$TMP/hostile.svg"; then
    ok "hostile names in an off-CPU stack are escaped (well-formed SVG, no markup)"
else
    not_ok "hostile names in an off-CPU stack"; note "$(cat "$TMP/hostile.txt")"
fi
