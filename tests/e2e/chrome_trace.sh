#!/usr/bin/env bash
# chrome_trace.sh — end-to-end tests of the Trace Event Format reader: the
# hand-written trace (exact self times), the committed and a fresh
# `node --trace-events-enabled` trace, the bare-array form, and bad events.
set -u
source tests/lib.sh
FIXTURES=tests/fixtures/chrome

# Hand-written: X frame [1000,2000) holds X layout [1000,1300) and B/E paint
# [1500,1900); thread 2 has decode [1200,1600) holding inflate [1250,1350).
"$EMBER" convert "$FIXTURES/hand-trace.json" -o "$TMP/hand.folded" 2>"$TMP/err"
expected='main (pid 7, tid 1);frame 300
main (pid 7, tid 1);frame;layout 300
main (pid 7, tid 1);frame;paint 400
pid 7, tid 2;decode 300
pid 7, tid 2;decode;inflate "zlib" 100'
if [ "$(cat "$TMP/hand.folded")" = "$expected" ]; then
    ok "hand-written trace: self time per stack, one root frame per thread"
else
    not_ok "hand-written trace"; note "$(cat "$TMP/hand.folded" "$TMP/err")"
fi

# The same events as a bare array (no traceEvents object) give the same.
python3 -c 'import json, sys; json.dump(json.load(open(sys.argv[1]))["traceEvents"], open(sys.argv[2], "w"))' \
    "$FIXTURES/hand-trace.json" "$TMP/array.json"
"$EMBER" convert "$TMP/array.json" -o "$TMP/array.folded" 2>"$TMP/err"
if cmp -s "$TMP/array.folded" "$TMP/hand.folded"; then
    ok "a bare array of events reads as the traceEvents object does"
else
    not_ok "bare array of events"; note "$(cat "$TMP/array.folded" "$TMP/err")"
fi

# Node's trace: every X event of the main thread that holds no other event
# gets its dur as self time.
check_node_trace() { # description, trace
    local description=$1 trace=$2
    if ! "$EMBER" convert "$trace" -o "$TMP/node.folded" 2>"$TMP/err"; then
        not_ok "$description: ember reads it"; note "$(cat "$TMP/err")"; return
    fi
    if python3 - "$trace" "$TMP/node.folded" <<'PY'
import json, sys
events = json.load(open(sys.argv[1]))["traceEvents"]
folded = {}
for line in open(sys.argv[2]):
    stack, value = line.rstrip("\n").rsplit(" ", 1)
    folded[stack] = float(value)
names = {(e["pid"], e["tid"]): e["args"]["name"] for e in events if e.get("ph") == "M" and e.get("name") == "thread_name"}
spans = [e for e in events if e.get("ph") in ("X", "B", "E")]
def root_of(e):
    key = (e["pid"], e["tid"])
    return f'{names[key]} (pid {e["pid"]}, tid {e["tid"]})' if key in names else f'pid {e["pid"]}, tid {e["tid"]}'
# Names whose every event is an X event with nothing inside it: their stacks'
# self times must add up to the sum of their durations.
leaf_sums, not_leaf = {}, set()
for e in spans:
    key = (root_of(e), e.get("name"))
    inside = e.get("ph") == "X" and any(o is not e and (o["pid"], o["tid"]) == (e["pid"], e["tid"])
                                        and e["ts"] <= o["ts"] <= e["ts"] + e["dur"] for o in spans)
    if e.get("ph") != "X" or inside:
        not_leaf.add(key)
    else:
        leaf_sums[key] = leaf_sums.get(key, 0) + e["dur"]
checked = 0
for (root, name), total in leaf_sums.items():
    if (root, name) in not_leaf:
        continue
    got = sum(v for s, v in folded.items() if s.startswith(root + ";") and s.endswith(";" + name))
    assert got == total, (root, name, got, total)
    checked += 1
assert checked > 0
PY
    then ok "$description: leaf X events keep their dur as self time"
    else not_ok "$description: X events' self time"; note "$(head -20 "$TMP/node.folded")"; fi
    if grep -q '^JavaScriptMainThread (pid [0-9]*, tid [0-9]*);' "$TMP/node.folded"; then
        ok "$description: the main thread is named by its thread_name metadata"
    else
        not_ok "$description: thread name"; note "$(head -5 "$TMP/node.folded")"
    fi
}
check_node_trace "committed node trace" "$FIXTURES/node-trace.json"
if command -v node >/dev/null 2>&1; then
    (cd "$TMP" && node --trace-events-enabled --trace-event-categories node,node.fs.sync,v8 "$ROOT/$FIXTURES/hot.js" >/dev/null 2>&1)
    if [ -s "$TMP/node_trace.1.log" ]; then
        check_node_trace "node --trace-events-enabled now" "$TMP/node_trace.1.log"
    else
        not_ok "node --trace-events-enabled writes node_trace.1.log"
    fi
else
    skip "node --trace-events-enabled now" "node is not installed"
fi

# An unmatched E is skipped and reported; events without ts are refused.
printf '[{"ph":"E","pid":1,"tid":1,"ts":5},{"ph":"X","name":"a","pid":1,"tid":1,"ts":0,"dur":4}]' >"$TMP/extra-end.json"
if "$EMBER" convert "$TMP/extra-end.json" -o "$TMP/extra.folded" 2>"$TMP/err" && [ "$(cat "$TMP/extra.folded")" = "pid 1, tid 1;a 4" ]; then
    ok "an E with nothing open is skipped"
else
    not_ok "an E with nothing open"; note "$(cat "$TMP/extra.folded" "$TMP/err" 2>&1)"
fi
printf '{"traceEvents":[{"ph":"B","name":"a","pid":1,"tid":1},{"ph":"E","pid":1,"tid":1,"ts":3}]}' >"$TMP/no-ts.json"
rm -f "$TMP/no-ts.folded"
if ! "$EMBER" convert "$TMP/no-ts.json" -o "$TMP/no-ts.folded" 2>"$TMP/err" && [ ! -e "$TMP/no-ts.folded" ] &&
    grep -q "no-ts.json: byte 16: a \"B\" event without a numeric ts" "$TMP/err"; then
    ok "a B event without ts is refused with its byte offset"
else
    not_ok "a B event without ts"; note "$(cat "$TMP/err")"
fi
printf '{"traceEvents":[{"ph":"X","name":"a","pid":1,"tid":1,"ts":1,"dur":-2}]}' >"$TMP/negative.json"
check_fails "an X event with a negative dur is refused" "$EMBER" convert "$TMP/negative.json" -o "$TMP/negative.folded"
printf '{"traceEvents":[{"ph":"X","name":"a","pid":1,"tid":1,"ts":1,"dur":2}' >"$TMP/cut.json"
check_fails "a truncated trace is refused" "$EMBER" convert "$TMP/cut.json" -o "$TMP/cut.folded"
