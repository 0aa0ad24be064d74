#!/usr/bin/env bash
# bench/python.sh — `ember record` on CPython against austin (issue #6):
# achieved sampling rate, sampler CPU per sample and target slowdown at
# 100 Hz, 1 kHz and 10 kHz, on the same workload and Python.
#
# Method (as /work/shared/reference/cpython-sampling.md §3b measured
# austin): the workload (a recursive fib loop, ~20 frames deep, a fixed
# amount of work; it prints the seconds it took, from perf_counter) runs
# pinned to CPU 0; once it is busy (it makes a file when its loop
# starts), the sampler attaches to it (-p) pinned to CPU 1, with
# bench/cpu_time.py giving its user + system CPU to the microsecond (GNU
# time's 10 ms steps are the whole CPU of a 100 Hz run), until the workload
# exits.
# Two ember rows: "ember", the default (kernel snapshots where the eBPF
# program loads, as root here), and "ember-read" (--read-memory, the
# stacks read from ember's process).
#   rate           ember: rounds (snapshots) / seconds from its summary line; austin:
#                  sample lines / its "# duration" (one thread: one line
#                  per sample)
#   CPU/sample     the sampler's user + system seconds / samples taken;
#                  with snapshots plus the program's own run time in the
#                  kernel per sample (its summary's "+ K us in the
#                  kernel", charged to the interrupted target, column
#                  "kernel us")
#   valid Hz       the same, counting only stacks recorded (ember: valid
#                  stacks; austin: sample lines without :INVALID:)
#   slowdown       the workload's own time under the sampler / its time in
#                  the run alone right before (median of these ratios)
#   quartiles      the middle half of the runs (nearest rank): two medians
#                  closer than that spread are within the machine's noise
#   invalid %      stacks discarded as torn (ember) / :INVALID: lines (austin)
#   reads/round    process_vm_readv calls per round (ember's summary)
# Then ember against austin run by run: ember's CPU per sample and the
# target's time under it, each over austin's in the same round, as a
# median with its 95% interval (bench/report.pl judges issue #6 on these).
# Both sample every thread without pausing (ember's default CPU-only mode
# and austin's -s are compared; austin -s reads /proc stat per sample
# too). Medians of BENCH_RUNS runs (default 11), runs of the tools
# interleaved so a shared machine's drift weighs on both alike, each run
# of a sampler paired with a run alone right before it.
#
# Environment: EMBER (default build/ember), AUSTIN (an austin 3.x binary;
# without it only ember is measured), PYTHON (default pyenv's 3.11),
# BENCH_RUNS, BENCH_RATES (default "100 1000 10000"), BENCH_WORK (fib(25) calls; by default as many as
# take about BENCH_SECONDS, default 3, on CPU 0, timed once before the runs), BENCH_OUT (a
# directory: python.tsv is left there).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

runs=${BENCH_RUNS:-11}
work_amount=${BENCH_WORK:-}
python=${PYTHON:-$(ls /root/.pyenv/versions/3.11.*/bin/python3.11 2>/dev/null | head -1)}
austin=${AUSTIN:-}

bench_require_ember
bench_require_tools taskset
bench_require_tools python3
if [ -z "$python" ] || [ ! -x "$python" ]; then
    echo "$bench_script: SKIP: no CPython 3.11 (set PYTHON)" >&2
    exit 0
fi
if [ -n "$austin" ] && [ ! -x "$austin" ]; then
    echo "$bench_script: AUSTIN=$austin is not executable: austin is left out" >&2
    austin=
fi
[ -n "$austin" ] || echo "$bench_script: no AUSTIN: only ember is measured" >&2
if [ "$(nproc)" -lt 2 ]; then
    echo "$bench_script: SKIP: needs 2 CPUs (target and sampler pinned apart)" >&2
    exit 0
fi
bench_workdir python

cat >"$work/work.py" <<'EOF'
import sys, time
def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)
open(sys.argv[2], "w").close()  # busy from here on: the sampler attaches now
start = time.perf_counter()
for _ in range(int(sys.argv[1])):
    fib(25)
print("%.4f" % (time.perf_counter() - start))
EOF

# The workload's length: a fixed amount of work in every run, about
# BENCH_SECONDS long here. A sampler's start-up and wrap-up (exec, reading
# the interpreter's symbols and maps, writing the output: about 2 ms for
# ember) are divided among the run's samples: at 100 Hz a 1.3 s run (150
# calls on this machine) charges each sample ~15 us of them, a 3 s run ~7.
if [ -z "$work_amount" ]; then
    seconds_wanted=${BENCH_SECONDS:-3}
    calibration=$(taskset -c 0 "$python" -c '
import time
def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)
fib(25)
start = time.perf_counter()
for _ in range(10):
    fib(25)
print("%.6f" % ((time.perf_counter() - start) / 10))')
    work_amount=$(awk -v each="$calibration" -v want="$seconds_wanted" 'BEGIN { n = int(want / each + 0.5); print (n < 10 ? 10 : n) }')
    echo "$bench_script: fib(25) takes ${calibration} s here: $work_amount calls (~${seconds_wanted} s) per run"
fi

# run TOOL RATE: one measured run; prints "seconds rate cpu_per_sample_us
# discarded_percent reads_per_round valid_rate".
run() {
    local tool=$1 rate=$2
    # Each run starts without the previous run's output file (as in
    # bench/run): replacing or truncating it is a fixed cost of the file
    # system, the same for both tools, that would count for whichever
    # takes fewer samples.
    rm -f "$work/e.folded" "$work/a.austin"
    rm -f "$work/busy"
    taskset -c 0 "$python" "$work/work.py" "$work_amount" "$work/busy" >"$work/target.out" &
    local pid=$!
    # The sampler attaches once the workload is busy, so that every sample
    # of both tools is of a running thread: austin -s does not print the
    # samples of an idle thread, and a sampler that started during an idle
    # spell would have its CPU divided among fewer samples than it took.
    local waited=0
    while [ ! -e "$work/busy" ] && [ "$waited" -lt 1000 ]; do
        sleep 0.01
        waited=$((waited + 1))
    done
    case $tool in
    none) ;;
    ember | ember-read)
        local method=
        [ "$tool" = ember-read ] && method=--read-memory
        taskset -c 1 "$repo/bench/cpu_time.py" "$work/time" \
            "$ember" record $method -F "$rate" -p "$pid" -o "$work/e.folded" 2>"$work/ember.err" || true
        ;;
    austin)
        taskset -c 1 "$repo/bench/cpu_time.py" "$work/time" \
            "$austin" -s -i "$((1000000 / rate))" -p "$pid" -o "$work/a.austin" \
            >/dev/null 2>"$work/austin.err" || true
        ;;
    esac
    wait "$pid"
    local seconds achieved=- per_sample=- discarded=- reads=- valid_rate=- kernel=-
    seconds=$(cat "$work/target.out")
    case $tool in
    ember | ember-read)
        # reads: "... N samples in R rounds, S s at H Hz ..., X invalid (P%
        # discarded) ... Q process_vm_readv per round"; snapshots: "... N
        # samples from kernel snapshots in S s (R per s, ...), X invalid (P%
        # discarded), C us CPU per sample + K us in the kernel"
        local samples rounds duration
        read -r samples rounds duration < <(sed -nE 's/.*, ([0-9]+) samples in ([0-9]+) rounds, ([0-9.]+) s at.*/\1 \2 \3/p' "$work/ember.err")
        if [ -z "${rounds:-}" ]; then
            local per_second
            read -r samples duration per_second < <(sed -nE 's/.*, ([0-9]+) samples from kernel snapshots in ([0-9.]+) s \(([0-9]+) per s.*/\1 \2 \3/p' "$work/ember.err")
            rounds=$(awk -v r="${per_second:-0}" -v d="${duration:-0}" 'BEGIN { printf "%.0f", r * d }')
            kernel=$(sed -nE 's/.* \+ ([0-9.]+) us in the kernel.*/\1/p' "$work/ember.err")
        fi
        achieved=$(awk -v r="$rounds" -v d="$duration" 'BEGIN { printf "%.0f", (d > 0 ? r / d : 0) }')
        valid_rate=$(awk -v s="$samples" -v d="$duration" 'BEGIN { printf "%.0f", (d > 0 ? s / d : 0) }')
        per_sample=$(awk -v r="$rounds" -v k="${kernel:-0}" '{ printf "%.1f", (r > 0 ? ($1 + $2) * 1e6 / r + k : 0) }' "$work/time")
        discarded=$(sed -nE 's/.*\(([0-9.]+)% discarded\).*/\1/p' "$work/ember.err")
        reads=$(sed -nE 's/.* ([0-9.]+) process_vm_readv per round.*/\1/p' "$work/ember.err")
        ;;
    austin)
        local samples invalid micros
        samples=$(grep -c '^P' "$work/a.austin" || true)
        invalid=$(grep -c '^P.*INVALID' "$work/a.austin" || true)
        micros=$(sed -nE 's/^# duration: ([0-9]+).*/\1/p' "$work/a.austin" | tail -1)
        achieved=$(awk -v s="$samples" -v d="$micros" 'BEGIN { printf "%.0f", (d > 0 ? s * 1e6 / d : 0) }')
        valid_rate=$(awk -v s="$samples" -v i="$invalid" -v d="$micros" 'BEGIN { printf "%.0f", (d > 0 ? (s - i) * 1e6 / d : 0) }')
        per_sample=$(awk -v s="$samples" '{ printf "%.1f", (s > 0 ? ($1 + $2) * 1e6 / s : 0) }' "$work/time")
        discarded=$(awk -v s="$samples" -v i="$invalid" 'BEGIN { printf "%.2f", (s > 0 ? 100 * i / s : 0) }')
        ;;
    esac
    echo "$seconds $achieved $per_sample ${discarded:--} ${reads:--} $valid_rate ${kernel:--}"
}

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "-"; else print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# The lower and upper quartiles (nearest rank), "0.95-1.04": the middle
# half of the runs, against which a difference between medians is read.
quartiles() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) { print "-"; exit }
    printf "%.3f-%.3f", v[int((NR + 3) / 4)], v[int((3 * NR + 3) / 4)] }'; }

tools="none ember ember-read"
[ -n "$austin" ] && tools="$tools austin"
: >"$work/results"
rates=${BENCH_RATES:-100 1000 10000}
# The machine's speed changes from one second to the next: every sampler's
# run comes right after a run alone, and the slowdown is the median of
# their ratios (column 10 of results; the runs alone are "none").
# Every other round runs the tools in reverse order, so neither always
# runs first.
for rate in $rates; do
    for ((i = 0; i < runs; i++)); do
        order=$tools
        [ $((i % 2)) -eq 1 ] && order=$(echo "$tools" | tr ' ' '\n' | tac | tr '\n' ' ')
        for tool in $order; do
            [ "$tool" = none ] && continue
            alone=$(run none "$rate")
            echo "none $rate $alone" >>"$work/results"
            measured=$(run "$tool" "$rate")
            echo "$tool $rate $measured $(awk -v a="${alone%% *}" -v m="${measured%% *}" 'BEGIN { printf "%.4f", m / a }')" \
                >>"$work/results"
        done
    done
done

baseline=$(awk '$1 == "none" { print $3 }' "$work/results" | median)
{
    printf 'tool\tasked Hz\tachieved Hz\tvalid Hz\tCPU per sample (us)\tCPU quartiles\ttarget s\tslowdown\tslowdown quartiles\tinvalid %%\treads/round\tkernel us\n'
    printf 'none\t-\t-\t-\t-\t-\t%s\t1.000\t-\t-\t-\t-\n' "$baseline"
    for rate in $rates; do
        for tool in $tools; do
            [ "$tool" = none ] && continue
            achieved=$(awk -v t="$tool" -v r="$rate" '$1 == t && $2 == r { print $4 }' "$work/results" | median)
            per_sample=$(awk -v t="$tool" -v r="$rate" '$1 == t && $2 == r { print $5 }' "$work/results" | median)
            seconds=$(awk -v t="$tool" -v r="$rate" '$1 == t && $2 == r { print $3 }' "$work/results" | median)
            slowdown=$(awk -v t="$tool" -v r="$rate" '$1 == t && $2 == r { print $10 }' "$work/results" | median |
                awk '{ printf "%.3f", $1 }')
            discarded=$(awk -v t="$tool" -v r="$rate" '$1 == t && $2 == r && $6 != "-" { print $6 }' "$work/results" | median)
            reads=$(awk -v t="$tool" -v r="$rate" '$1 == t && $2 == r && $7 != "-" { print $7 }' "$work/results" | median)
            valid=$(awk -v t="$tool" -v r="$rate" '$1 == t && $2 == r { print $8 }' "$work/results" | median)
            cpu_spread=$(awk -v t="$tool" -v r="$rate" '$1 == t && $2 == r { print $5 }' "$work/results" | quartiles |
                awk -F- '{ printf "%.1f-%.1f", $1, $2 }')
            slowdown_spread=$(awk -v t="$tool" -v r="$rate" '$1 == t && $2 == r { print $10 }' "$work/results" | quartiles)
            kernel=$(awk -v t="$tool" -v r="$rate" '$1 == t && $2 == r && $9 != "-" { print $9 }' "$work/results" | median)
            printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$tool" "$rate" "$achieved" "$valid" "$per_sample" \
                "$cpu_spread" "$seconds" "$slowdown" "$slowdown_spread" "${discarded:--}" "${reads:--}" "${kernel:--}"
        done
    done
} >"$work/python.tsv"
echo "$bench_script: $python, $runs runs each, target on CPU 0, sampler on CPU 1 (medians)"
column -t -s $'\t' "$work/python.tsv"

# ember against austin directly: in each round, ember's figure over
# austin's of the same round (a few seconds apart, which ran first
# alternating), the median of these ratios and its 95% confidence interval
# (median_interval): a difference the machine's drift between rounds
# would hide in two separate medians shows here. For the target, the
# ratio of the two slowdowns (each run over the run alone right before
# it), as bench/record.sh compares ember with perf: the target's plain
# times a few seconds apart carry the machine's speed changes (a 1 ms loop
# step here takes 0.27 ms for a while, then 0.50 ms), which the run alone
# next to each cancels; with interval_verdict's verdict.
if [ -n "$austin" ]; then
    echo
    for sampler in ember ember-read; do
        printf '%-28s %32s %32s  %s\n' "$sampler / austin, same round" "CPU per sample: median, 95%" "target slowdown: median, 95%" "verdict"
        for rate in $rates; do
            # the i-th run of each tool at this rate (results holds them in order)
            pairs=$(paste -d' ' <(awk -v t="$sampler" -v r="$rate" '$1 == t && $2 == r { print $10, $5 }' "$work/results") \
                <(awk -v r="$rate" '$1 == "austin" && $2 == r { print $10, $5 }' "$work/results"))
            read -r cpu cpu_low cpu_high < <(awk '$4 > 0 { printf "%.5f\n", $2 / $4 }' <<<"$pairs" | median_interval)
            read -r slowdown slowdown_low slowdown_high < <(awk '$3 > 0 { printf "%.5f\n", $1 / $3 }' <<<"$pairs" | median_interval)
            verdict=$(interval_verdict "$slowdown_low" "$slowdown_high" "$runs")
            printf '%-28s %32s %32s  %s\n' "$sampler $rate Hz" "$cpu ($cpu_low-$cpu_high)" "$slowdown ($slowdown_low-$slowdown_high)" "$verdict"
        done
    done
fi
if [ -n "${BENCH_OUT:-}" ]; then
    mkdir -p "$BENCH_OUT"
    cp "$work/python.tsv" "$BENCH_OUT/python.tsv"
    cp "$work/results" "$BENCH_OUT/python-runs.txt"
fi
