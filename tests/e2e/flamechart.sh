#!/usr/bin/env bash
# flamechart.sh — `ember flamegraph --flamechart` draws by time when the
# input keeps times (perf script, Chrome traces, evented speedscope): box
# positions and widths against times worked out by hand from the rules in
# src/render/flame_layout.h (1180 px of 1200 for the whole span, x rounded
# to 0.1 px), one band of rows per thread, gaps where nothing ran, time
# tooltips; in input order when the input has no times; and on a real
# `perf record -g` of a program that sleeps between two phases.
source tests/lib.sh
FIXTURES=tests/fixtures/flamechart

if ! command -v python3 >/dev/null; then
    skip "flame chart geometry" "python3 not installed"
    exit 0
fi

# boxes.py SVG: one line per frame: "row<TAB>x<TAB>width<TAB>title", row 0 = root.
cat >"$TMP/boxes.py" <<'EOF'
import re, subprocess, sys
out = subprocess.run([sys.executable, "tests/fixtures/svg/frames.py", sys.argv[1]],
                     capture_output=True, text=True, check=True).stdout.splitlines()
frames = [line.split("\t") for line in out[1:]]
root_y = max(float(f[1]) for f in frames)
for f in sorted(frames, key=lambda f: (round((root_y - float(f[1])) / 16), float(f[0]))):
    print("%d\t%s\t%s\t%s" % (round((root_y - float(f[1])) / 16), f[0], f[2], f[5]))
EOF

# expect.py SPAN: reads "row name start end" lines (times in the span's
# unit) and prints the boxes they must be, in boxes.py's format, for a
# chart of SPAN: x = 10 + start / span * 1180, width = x2 - x1 as printed.
cat >"$TMP/expect.py" <<'EOF'
import sys
span = float(sys.argv[1])
unit, scale, count_unit, count_scale = sys.argv[2], float(sys.argv[3]), sys.argv[4], float(sys.argv[5])
rows = []
for line in sys.stdin:
    if not line.strip():
        continue
    row, name, start, end = line.rstrip("\n").split("|")
    start, end = float(start), float(end)
    x1, x2 = "%.1f" % (10 + start / span * 1180), "%.1f" % (10 + end / span * 1180)
    width = "%.1f" % (float(x2) - float(x1))
    duration = "{:,}".format(int(round((end - start) * count_scale)))
    title = "%s (%s %s, from %.3f to %.3f %s, %.2f%%)" % (
        name, duration, count_unit, start * scale, end * scale, unit, 100 * (end - start) / span)
    rows.append((int(row), float(x1), "%d\t%s\t%s\t%s" % (int(row), x1, width, title)))
for row in sorted(rows):
    print(row[2])
EOF

# compare NAME SVG SPAN UNIT SCALE COUNT_UNIT COUNT_SCALE <<< "row|name|start|end" lines
compare() {
    local name=$1 svg=$2; shift 2
    python3 "$TMP/expect.py" "$@" >"$TMP/expected.txt"
    python3 "$TMP/boxes.py" "$svg" >"$TMP/actual.txt"
    if diff "$TMP/expected.txt" "$TMP/actual.txt" >"$TMP/boxes.diff"; then
        ok "$name: every box where its times put it ($(wc -l <"$TMP/actual.txt") boxes)"
    else
        not_ok "$name: every box where its times put it"; note "$(head -30 "$TMP/boxes.diff")"
    fi
}

subtitle() { sed -n 's/.*<text id="subtitle"[^>]*>\([^<]*\)<.*/\1/p' "$1"; }

# ---- perf script with timestamps (hand-written) ----
# Thread 100 at 0, 1, 2 ms, then 10 ms; thread 101 at 0.5 and 1.5 ms.
# Typical interval: median of the gaps 1, 1, 8 (thread 100) and 1 (101)
# = 1 ms. Thread 100: [0,1) [1,2) [2,3) (8 ms to the next > 1.5 ms: one
# interval), [10,11); thread 101: [0.5,1.5) [1.5,2.5). Span 11 ms.
# Lane of thread 100: rows 1-3 (app;main;work); empty row 4; thread 101:
# rows 5-7.
"$EMBER" flamegraph --flamechart "$FIXTURES/two-threads.perf-script" >"$TMP/perf.svg" 2>"$TMP/perf.err"
compare "perf script" "$TMP/perf.svg" 0.011 ms 1000 us 1e6 <<'EOF'
0|all|0|0.011
1|app|0|0.003
2|main|0|0.003
3|work|0|0.002
3|io|0.002|0.003
1|app|0.010|0.011
2|main|0.010|0.011
3|work|0.010|0.011
5|app|0.0005|0.0025
6|thread_start|0.0005|0.0025
7|helper|0.0005|0.0025
EOF
if [ "$(subtitle "$TMP/perf.svg")" = "x: time from 50.000000 s (input clock) over 11.000 ms; 2 lanes (one per thread)" ]; then
    ok "perf script: the subtitle gives the time axis (start, span, lanes)"
else
    not_ok "perf script: the subtitle gives the time axis"; note "$(subtitle "$TMP/perf.svg")"
fi
if grep -q '<title>Flame Chart</title>\|>Flame Chart</text>' "$TMP/perf.svg"; then
    ok "perf script: titled Flame Chart"
else
    not_ok "perf script: titled Flame Chart"
fi
"$EMBER" flamegraph --flamechart --subtitle "mine" "$FIXTURES/two-threads.perf-script" >"$TMP/own.svg" 2>/dev/null
check "--subtitle replaces the time-axis subtitle" test "$(subtitle "$TMP/own.svg")" = "mine"

# The same samples without timestamps: flamegraph.pl's flame chart in
# input order (x = running count of samples, 6 of 196.67 px).
sed -E 's/ 50\.[0-9]+:    1000000 cpu-clock:pppH: $//' "$FIXTURES/two-threads.perf-script" >"$TMP/untimed.perf-script"
"$EMBER" flamegraph --flamechart "$TMP/untimed.perf-script" >"$TMP/untimed.svg" 2>/dev/null
python3 "$TMP/boxes.py" "$TMP/untimed.svg" >"$TMP/untimed.txt"
if grep -qx $'1\t10.0\t1180.0\tapp (6 samples, 100.00%)' "$TMP/untimed.txt" &&
   grep -qx $'3\t796.7\t196.6\tio (1 samples, 16.67%)' "$TMP/untimed.txt" &&
   [ -z "$(subtitle "$TMP/untimed.svg")" ]; then
    ok "perf script without times: input order, widths = counts, no time axis"
else
    not_ok "perf script without times: input order"; note "$(cat "$TMP/untimed.txt")"
fi

# ---- Chrome trace events (tests/fixtures/chrome/hand-trace.json) ----
# tid 1: frame [1000,2000) us with layout [1000,1300) and paint [1500,1900);
# tid 2: decode [1200,1600) with inflate [1250,1350). Origin 1000 us,
# span 1 ms; lane tid 1 rows 1-3, lane tid 2 rows 5-7.
"$EMBER" flamegraph --flamechart tests/fixtures/chrome/hand-trace.json >"$TMP/trace.svg" 2>/dev/null
compare "Chrome trace" "$TMP/trace.svg" 0.001 ms 1000 us 1e6 <<'EOF'
0|all|0|0.001
1|main (pid 7, tid 1)|0|0.001
2|frame|0|0.001
3|layout|0|0.0003
3|paint|0.0005|0.0009
5|pid 7, tid 2|0.0002|0.0006
6|decode|0.0002|0.0006
7|inflate "zlib"|0.00025|0.00035
EOF

# ---- speedscope, evented (two threads whose clocks both start at 0) ----
# thread 1: run [0,8) ms with step [2,6); thread 2: wait [1,3) and [5,10).
# The second profile's time goes back to 0, so it gets its own lane.
"$EMBER" flamegraph --flamechart "$FIXTURES/two-threads.speedscope.json" >"$TMP/ss.svg" 2>/dev/null
compare "speedscope evented" "$TMP/ss.svg" 0.010 ms 1000 us 1e6 <<'EOF'
0|all|0|0.010
1|thread 1|0|0.008
2|run|0|0.008
3|step|0.002|0.006
5|thread 2|0.001|0.003
6|wait|0.001|0.003
5|thread 2|0.005|0.010
6|wait|0.005|0.010
EOF
# ... and speedscope's own fixture (nanoseconds: durations in ns).
"$EMBER" flamegraph --flamechart tests/fixtures/speedscope/two-profiles.speedscope.json >"$TMP/ss2.svg" 2>/dev/null
if grep -q '<title>hash (30 ns, from 120.000 to 150.000 ns, 15.00%)</title>' "$TMP/ss2.svg" &&
   grep -q '<rect x="718.0" y="[0-9.]*" width="177.0"' "$TMP/ss2.svg"; then
    ok "speedscope in nanoseconds: hash [120,150) ns of 200 ns at x 718.0, width 177.0"
else
    not_ok "speedscope in nanoseconds"; note "$(grep -A1 '<title>hash' "$TMP/ss2.svg" | head -6)"
fi

# ---- --minwidth: a fraction of the time span ----
# 20% of 11 ms = 2.2 ms: only all, app and main [0,3) are that wide.
"$EMBER" flamegraph --flamechart --minwidth 20% "$FIXTURES/two-threads.perf-script" >"$TMP/pruned.svg" 2>/dev/null
python3 "$TMP/boxes.py" "$TMP/pruned.svg" | cut -f4 | sed 's/ (.*//' | tr '\n' ' ' >"$TMP/pruned.txt"
check "--minwidth 20% keeps only boxes of at least 2.2 ms" test "$(cat "$TMP/pruned.txt")" = "all app main "

# ---- a real recording: perf record -g, perf script ----
if ! command -v perf >/dev/null || ! command -v cc >/dev/null; then
    skip "flame chart of a perf recording" "perf or cc not installed"
    exit 0
fi
cat >"$TMP/phases.c" <<'EOF'
#include <pthread.h>
#include <time.h>
#include <unistd.h>
static volatile double sink;
static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec * 1e-9; }
__attribute__((noinline)) static void spin(double seconds) { double end = now() + seconds; while (now() < end) sink += 1; }
__attribute__((noinline)) static void phase_one(void) { spin(0.15); }
__attribute__((noinline)) static void phase_two(void) { spin(0.15); }
__attribute__((noinline)) static void *helper_thread(void *unused) { (void)unused; spin(0.1); return NULL; }
int main(void)
{
    pthread_t thread;
    pthread_create(&thread, NULL, helper_thread, NULL);
    phase_one();
    usleep(200000);
    phase_two();
    pthread_join(thread, NULL);
    return 0;
}
EOF
cc -O1 -g -fno-omit-frame-pointer -pthread "$TMP/phases.c" -o "$TMP/phases"
if ! perf record -q -F 499 -g -o "$TMP/perf.data" "$TMP/phases" >"$TMP/record.log" 2>&1 ||
   ! perf script -i "$TMP/perf.data" >"$TMP/phases.perf-script" 2>/dev/null ||
   ! grep -q 'phase_two' "$TMP/phases.perf-script"; then
    skip "flame chart of a perf recording" "perf record not permitted here: $(head -c 200 "$TMP/record.log")"
    exit 0
fi
"$EMBER" flamegraph --flamechart "$TMP/phases.perf-script" >"$TMP/phases.svg" 2>/dev/null
python3 "$TMP/boxes.py" "$TMP/phases.svg" >"$TMP/phases.txt"
cat >"$TMP/check_phases.py" <<'EOF'
import re, sys
boxes = []
for line in open(sys.argv[1]):
    row, x, width, title = line.rstrip("\n").split("\t")
    m = re.match(r"(.*) \(([0-9,]+) (ns|us), from ([0-9.]+) to ([0-9.]+) (ns|us|ms|s), ([0-9.]+)%\)$", title)
    if not m:
        sys.exit("not a time tooltip: " + title)
    scale = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1}[m.group(6)]
    boxes.append(dict(row=int(row), x=float(x), width=float(width), name=m.group(1),
                      start=float(m.group(4)) * scale, end=float(m.group(5)) * scale))
span = max(b["end"] for b in boxes)
problems = []
for b in boxes:  # geometry follows the tooltip's times
    if abs(b["x"] - (10 + b["start"] / span * 1180)) > 0.06 or \
       abs(b["width"] - (b["end"] - b["start"]) / span * 1180) > 0.11:
        problems.append("box %s does not sit at its times" % b)
one = [b for b in boxes if b["name"] == "phase_one"]
two = [b for b in boxes if b["name"] == "phase_two"]
helper = [b for b in boxes if b["name"] == "helper_thread"]
if not one or not two or not helper:
    problems.append("missing phase_one, phase_two or helper_thread")
else:
    gap = min(b["start"] for b in two) - max(b["end"] for b in one)
    if gap < 0.150:  # main slept 200 ms between the phases
        problems.append("the sleep between the phases shows as %.3f s, not a gap of >= 0.15 s" % gap)
    helper_rows = [b["row"] for b in helper]
    main_rows = [b["row"] for b in one + two]
    if not (min(helper_rows) > max(main_rows) or max(helper_rows) < min(main_rows)):
        problems.append("the helper thread is not in a band of its own")
for problem in problems:
    print(problem)
EOF
python3 "$TMP/check_phases.py" "$TMP/phases.txt" >"$TMP/phases.problems" 2>&1
if [ ! -s "$TMP/phases.problems" ]; then
    ok "perf record: boxes at their times, the 200 ms sleep a gap, the helper thread in a band of its own"
else
    not_ok "perf record flame chart"; note "$(head -10 "$TMP/phases.problems")"; note "$(subtitle "$TMP/phases.svg")"
fi
if subtitle "$TMP/phases.svg" | grep -q '; 2 lanes (one per thread)$'; then
    ok "perf record: two threads, two lanes"
else
    not_ok "perf record: two threads, two lanes"; note "$(subtitle "$TMP/phases.svg")"
fi
