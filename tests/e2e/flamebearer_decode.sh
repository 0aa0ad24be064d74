#!/usr/bin/env bash
# flamebearer_decode.sh — checks ember's flamebearer JSON by decoding it
# independently (python): levels of 4-tuples (single) or 7-tuples (double,
# differential) with delta-encoded offsets are turned back into stacks and
# self values, which must equal ember's folded output of the same input;
# names, numTicks, maxSelf, the self-first layout and metadata are checked.
set -u
source tests/lib.sh

decode() { # flamebearer.json folded-of-the-same-input
    python3 - "$1" "$2" <<'PY'
import json, sys
data = json.load(open(sys.argv[1], encoding="utf-8"))
fb, meta = data["flamebearer"], data["metadata"]
names, levels = fb["names"], fb["levels"]
double = meta["format"] == "double"
width = 7 if double else 4
sides = [0, 3] if double else [0]
assert names[0] == "total" and len(set(names)) == len(names), "names de-duplicated, total first"
EPSILON = 1e-6  # fractional counts (folded allows them) sum with rounding
# Decode every level: absolute x per side, then the parent is the node of the
# previous level whose children's span [x + self, x + total) holds it.
decoded = []  # per level: list of dict(name, x[side], total[side], self[side], path)
for depth, level in enumerate(levels):
    assert len(level) % width == 0
    nodes, previous_end = [], {side: 0 for side in sides}
    for i in range(0, len(level), width):
        node = {"name": names[level[i + width - 1]], "x": {}, "total": {}, "self": {}}
        for side in sides:
            x = level[i + side] + previous_end[side]
            node["x"][side], node["total"][side], node["self"][side] = x, level[i + side + 1], level[i + side + 2]
            previous_end[side] = x + level[i + side + 1]
        nodes.append(node)
    decoded.append(nodes)
root = decoded[0][0]
root["path"] = []
for depth in range(1, len(decoded)):
    for node in decoded[depth]:
        parents = [p for p in decoded[depth - 1]
                   if all(p["x"][s] + p["self"][s] <= node["x"][s] + EPSILON and node["x"][s] + node["total"][s] <= p["x"][s] + p["total"][s] + EPSILON for s in sides)]
        assert parents, ("no parent", depth, node)
        node["path"] = parents[0]["path"] + [node["name"]]
        parents[0].setdefault("children", []).append(node)
# Children fill exactly total - self of their parent, on every side.
for nodes in decoded:
    for node in nodes:
        for s in sides:
            inside = sum(child["total"][s] for child in node.get("children", []))
            assert abs(inside + node["self"][s] - node["total"][s]) < 1e-9, ("children + self != total", node["path"])
stacks = {}
for nodes in decoded:
    for node in nodes:
        if any(node["self"][s] for s in sides):
            key = ";".join(node["path"])
            values = [node["self"][s] for s in sides]
            old = stacks.get(key, [0] * len(sides))
            stacks[key] = [a + b for a, b in zip(old, values)]
expected = {}
for line in open(sys.argv[2], encoding="utf-8", errors="surrogateescape"):
    parts = line.rstrip("\n").split(" ")
    if double:
        expected[" ".join(parts[:-2])] = [float(parts[-2]), float(parts[-1])]
    else:
        expected[" ".join(parts[:-1])] = [float(parts[-1])]
assert stacks.keys() == expected.keys() and all(abs(a - b) < EPSILON for key in stacks for a, b in zip(stacks[key], expected[key])), (sorted(stacks.items())[:5], sorted(expected.items())[:5])
ticks = [root["total"][s] for s in sides]
assert abs(fb["numTicks"] - sum(ticks)) < EPSILON
assert fb["maxSelf"] == max(n["self"][s] for nodes in decoded for n in nodes for s in sides)
if double:
    assert data["leftTicks"] == ticks[0] and data["rightTicks"] == ticks[1]
assert meta["spyName"] == "ember" and meta["units"] in ("samples", "bytes", "objects", "goroutines")
PY
}

checked=0
for folded in tests/fixtures/svg/*.folded; do
    [ -e "$folded" ] || continue
    name=$(basename "$folded" .folded)
    if ! "$EMBER" convert "$folded" -o "$TMP/$name.folded" 2>/dev/null; then continue; fi
    if "$EMBER" convert "$folded" -o "$TMP/$name.flamebearer.json" 2>"$TMP/err" &&
        decode "$TMP/$name.flamebearer.json" "$TMP/$name.folded" 2>"$TMP/decode.err"; then
        checked=$((checked + 1))
        grep -q '"format":"double"' "$TMP/$name.flamebearer.json" && ok "differential $name.folded: 7-tuples decode back to both columns"
    else
        not_ok "$name.folded: flamebearer decodes back to the folded stacks"; note "$(cat "$TMP/err" "$TMP/decode.err" | tail -5)"
    fi
done
if [ "$checked" -ge 5 ]; then ok "flamebearer levels decode back to the stacks of $checked fixtures"; else not_ok "decoded $checked fixtures"; fi

# A known small case, byte for byte: self first, children by name.
printf 'a;b;c 5\na;b 2\na;d 3\ne 1\na;b;c;x 4\n' >"$TMP/small.folded"
"$EMBER" convert "$TMP/small.folded" -o "$TMP/small.flamebearer.json" 2>/dev/null
if python3 -c 'import json,sys; fb=json.load(open(sys.argv[1]))["flamebearer"]; assert fb["levels"]==[[0,15,0,0],[0,14,0,1,0,1,1,2],[0,11,2,3,0,3,3,4],[2,9,5,5],[7,4,4,6]], fb["levels"]; assert fb["names"]==["total","a","e","b","d","c","x"]' "$TMP/small.flamebearer.json"; then
    ok "small case: exact levels and names"
else
    not_ok "small case"; note "$(cat "$TMP/small.flamebearer.json")"
fi

# A .cpuprofile's microseconds: units samples with 1e6 ticks per second.
"$EMBER" convert tests/fixtures/chrome/node-hot.cpuprofile -o "$TMP/cpu.flamebearer.json" 2>/dev/null
"$EMBER" convert tests/fixtures/chrome/node-hot.cpuprofile -o "$TMP/cpu.folded" 2>/dev/null
if decode "$TMP/cpu.flamebearer.json" "$TMP/cpu.folded" 2>"$TMP/decode.err" &&
    grep -q '"sampleRate":1000000,"units":"samples"' "$TMP/cpu.flamebearer.json"; then
    ok ".cpuprofile: decodes, sampleRate 1e6 for microseconds"
else
    not_ok ".cpuprofile flamebearer"; note "$(cat "$TMP/decode.err" | tail -3)"
fi
