#!/usr/bin/env bash
# bench/record.sh — `ember record` against `perf record` (issue #5, "Speed").
#
# Workload: tests/programs/record_calls.c built with frame pointers, a fixed
# number of rounds (BENCH_RECORD_ROUNDS, default 1000, about 0.25 s), which
# prints how long its work took: the slowdown is that time under a
# recorder over the time alone (the recorders' start-up and wrap-up are not
# in it). Measured at 99 and 999 Hz, with frame-pointer call graphs (ember
# --call-graph fp, perf -g), DWARF (ember --call-graph dwarf, perf
# --call-graph dwarf) and ember's default (fp+dwarf), each BENCH_RUNS times
# (default 40), the runs of all configurations interleaved (every other
# round in reverse order), each right after a run alone; medians reported,
# and the median of each recorder's ratios to the run alone before it (the
# slowdown).
#
# This machine's speed jumps between levels every few tens of
# milliseconds (a loop's 1 ms steps take 0.27 ms for a while, then 0.50),
# so one run's time spreads by ±10% whatever its length, far more than a
# recorder at 99 Hz costs. Many short runs measure better than a few long
# ones, and ember is judged against perf round by round: ember's
# slowdown over perf's in the same round, the median of those ratios with
# its 95% confidence interval.
#
# End to end (999 Hz, fp; BENCH_E2E_ROUNDS rounds, default 12000, some 3 s;
# BENCH_E2E_RUNS runs, default 15): start-up (launch to the workload's start)
# and wrap-up (the workload's end to a finished SVG), timed from when the
# workload's last line reaches the script:
#   ember       `ember record -o out.svg`
#   perl        `perf record -g` + `perf script` + stackcollapse-perf.pl +
#               flamegraph.pl (FLAMEGRAPH_DIR)
#   ember-pipe  `perf record -g` + `perf script | ember collapse | ember flamegraph`
# Also the default mode (fp+dwarf) end to end, for what DWARF costs.
#
# Environment: EMBER (default build/ember), FLAMEGRAPH_DIR (default
# /tmp/anchors/FlameGraph), BENCH_RUNS, BENCH_RECORD_ROUNDS, BENCH_E2E_ROUNDS,
# BENCH_E2E_RUNS, CC (default cc).
# Needs perf and permission to use perf_event_open; SKIPs otherwise.
# Prints a table on standard output.
set -euo pipefail
source "$(dirname "$0")/lib.sh" # median_interval

runs=${BENCH_RUNS:-40}
rounds=${BENCH_RECORD_ROUNDS:-1000}
e2e_rounds=${BENCH_E2E_ROUNDS:-12000}
e2e_runs=${BENCH_E2E_RUNS:-15}
flamegraph_dir=${FLAMEGRAPH_DIR:-/tmp/anchors/FlameGraph}
cc=${CC:-cc}

[ -x "$ember" ] || { echo "bench/record.sh: build ember first ($ember)" >&2; exit 1; }
if ! command -v perf >/dev/null; then
    echo "bench/record.sh: SKIP: perf is not installed (linux-perf)" >&2
    exit 0
fi
have_perl=1
if [ ! -r "$flamegraph_dir/stackcollapse-perf.pl" ] || [ ! -r "$flamegraph_dir/flamegraph.pl" ]; then
    echo "bench/record.sh: FLAMEGRAPH_DIR=$flamegraph_dir lacks the perl scripts: not timing them" >&2
    have_perl=0
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/ember-bench-record.XXXXXX")
trap 'rm -rf "$work"' EXIT
"$cc" -std=c11 -D_DEFAULT_SOURCE -O1 -g -fno-omit-frame-pointer -o "$work/workload" \
    "$repo/tests/programs/record_calls.c"
workload=("$work/workload" 0 "$rounds")

if ! "$ember" record -F 999 --call-graph fp -o "$work/probe.folded" -- "$work/workload" 0 300 \
    >/dev/null 2>"$work/probe.err"; then
    echo "bench/record.sh: SKIP: ember record cannot sample here: $(head -c 300 "$work/probe.err")" >&2
    exit 0
fi

# The workload's own time, from its stderr line "record_calls: N rounds in T s".
work_seconds() { sed -nE 's/^record_calls: [0-9]+ rounds in ([0-9.]+) s .*/\1/p' "$1" | tail -1; }
# Its CPU time (user + system: the sampling interrupts and stack copies the
# kernel does in the workload's context count), steadier than wall time on
# a busy machine.
work_cpu_seconds() { sed -nE 's/^record_calls: .*\(cpu ([0-9.]+) s\)$/\1/p' "$1" | tail -1; }
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# The lower and upper quartiles (nearest rank), "0.95-1.04": how far the
# pairs spread, against which a difference between two medians is read.
quartiles() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) { print "-"; exit }
    printf "%.2f-%.2f", v[int((NR + 3) / 4)], v[int((3 * NR + 3) / 4)] }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }

# The configurations measured, each a label and a command prefix (the
# workload is appended). Every run goes through all of them in turn
# (interleaved), so that a change of the machine's speed over the minutes
# the script takes (other work on the host: this is a shared VM) weighs on
# every configuration alike instead of on whichever ran last.
labels=() prefixes=()
add_config() { # LABEL COMMAND... (kept shell-quoted: paths may hold spaces)
    labels+=("$1"); shift
    prefixes+=("$(printf '%q ' "$@")")
}
add_config alone env
for hz in 99 999; do
    add_config "ember record -F $hz fp" "$ember" record -F "$hz" --call-graph fp -o "$work/e.folded" --
    add_config "perf record -F $hz fp" perf record -q -N -F "$hz" -g -o "$work/perf.data" --
    add_config "ember record -F $hz dwarf" "$ember" record -F "$hz" --call-graph dwarf -o "$work/e.folded" --
    add_config "perf record -F $hz dwarf" perf record -q -N -F "$hz" --call-graph dwarf -o "$work/perf.data" --
    add_config "ember record -F $hz (default)" "$ember" record -F "$hz" -o "$work/e.folded" --
done
# run_config C: one run of configuration C, its "wall cpu" appended to
# $work/configC.times and left in $last.
run_config() {
    local c=$1
    eval "prefix=(${prefixes[$c]})"
    "${prefix[@]}" "${workload[@]}" >/dev/null 2>"$work/run.err" || {
        echo "bench/record.sh: ${labels[$c]} failed: $(tail -3 "$work/run.err")" >&2; exit 1; }
    last="$(work_seconds "$work/run.err") $(work_cpu_seconds "$work/run.err")"
    printf '%s\n' "$last" >>"$work/config$c.times"
}
# The machine's speed also changes from one second to the next (the same
# run alone has taken 0.42 s and 0.66 s in one minute): each recorder's run
# is paired with a run alone right before it, and the slowdown is the
# median of the pairs' ratios.
# Every other round goes through the configurations in reverse order, so
# that neither ember nor perf always runs first (a drift within a round
# would otherwise favour one of them).
configs=$(seq 1 $((${#labels[@]} - 1)))
configs_reversed=$(seq $((${#labels[@]} - 1)) -1 1)
for i in $(seq "$runs"); do
    order=$configs
    [ $((i % 2)) -eq 0 ] && order=$configs_reversed
    for c in $order; do
        run_config 0
        alone_run=$last
        run_config "$c"
        awk -v a="$alone_run" -v r="$last" 'BEGIN { split(a, x, " "); split(r, y, " ");
            printf "%.4f %.4f\n", y[1] / x[1], y[2] / x[2] }' >>"$work/config$c.pairs"
    done
done

echo "# ember record vs perf record — workload record_calls, $rounds rounds, $runs runs each (medians, runs interleaved,"
echo "# each run of a recorder right after a run alone; 'paired' is the median of their ratios, the slowdown,"
echo "# 'quartiles' the middle half of those ratios: medians closer than that spread are within the machine's noise)"
echo "# machine: $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# (default) is ember's default call graph, fp+dwarf: frame-pointer chains and 8 KiB user-stack copies"
echo
printf '%-34s %9s %7s %7s %10s %9s %7s %7s %10s\n' "slowdown of the workload" "wall s" "ratio" "paired" "quartiles" \
    "cpu s" "ratio" "paired" "quartiles"
plain=$(cut -d' ' -f1 "$work/config0.times" | median)
plain_cpu=$(cut -d' ' -f2 "$work/config0.times" | median)
for c in "${!labels[@]}"; do
    wall=$(cut -d' ' -f1 "$work/config$c.times" | median)
    cpu=$(cut -d' ' -f2 "$work/config$c.times" | median)
    paired="1.00" paired_cpu="1.00" spread="-" spread_cpu="-"
    if [ "$c" -gt 0 ]; then
        paired=$(cut -d' ' -f1 "$work/config$c.pairs" | median | awk '{ printf "%.2f", $1 }')
        paired_cpu=$(cut -d' ' -f2 "$work/config$c.pairs" | median | awk '{ printf "%.2f", $1 }')
        spread=$(cut -d' ' -f1 "$work/config$c.pairs" | quartiles)
        spread_cpu=$(cut -d' ' -f2 "$work/config$c.pairs" | quartiles)
    fi
    printf '%-34s %9.3f %7s %7s %10s %9.3f %7s %7s %10s\n' "${labels[$c]}" "$wall" "$(ratio "$wall" "$plain")" \
        "$paired" "$spread" "$cpu" "$(ratio "$cpu" "$plain_cpu")" "$paired_cpu" "$spread_cpu"
done

# ember against perf directly: in each round, ember's slowdown over perf's
# at the same frequency and call graph, each the run's time over the run
# alone right before it (which of the two ran first alternating from round
# to round). Dividing each by its own run alone cancels the machine's
# speed at that moment, which changes within the seconds between ember's
# run and perf's (their plain times' ratio swung to 1.07 in a run where
# both paired slowdowns were 1.02). The median of these ratios with its
# 95% confidence interval (median_interval) says whether one slowed the
# workload more than the other by more than the machine's noise: "ember
# slower" only when the whole interval is above 1, "ember faster" only
# when it is below, "not distinguishable" otherwise.
label_index() { local c; for c in "${!labels[@]}"; do if [ "${labels[$c]}" = "$1" ]; then echo "$c"; fi; done; }
echo
printf '%-34s %8s %15s  %s\n' "ember's slowdown / perf's, same round" "median" "95% interval" "verdict"
for hz in 99 999; do
    for mode in fp dwarf; do
        e=$(label_index "ember record -F $hz $mode")
        p=$(label_index "perf record -F $hz $mode")
        read -r mid low high < <(paste -d' ' "$work/config$e.pairs" "$work/config$p.pairs" |
            awk '$3 > 0 { printf "%.5f\n", $1 / $3 }' | median_interval)
        verdict=$(interval_verdict "$low" "$high" "$runs")
        printf '%-34s %8s %15s  %s\n' "-F $hz $mode" "$mid" "$low-$high" "$verdict"
    done
done

# End to end. Each recorder's standard error is read line by line, each
# line stamped with the time it arrived ($EPOCHREALTIME): the workload's
# last line ("record_calls: N rounds in T s") marks its end, T before it
# its start. Start-up: the command's launch to the workload's start (ember
# reads the kernel's symbols there, as perf does); wrap-up: the
# workload's end to the finished SVG, the figure issue #5 compares.
workload=("$work/workload" 0 "$e2e_rounds")
# (standard error reaches stamp_lines through a pipe; its end, when the
# recorder exited, is stamped too: "TIME end")
stamp_lines() {
    local line
    while IFS= read -r line; do printf '%s %s\n' "$EPOCHREALTIME" "$line"; done
    printf '%s end\n' "$EPOCHREALTIME"
}
# e2e_times START END STAMPS: "start-up wrap-up" of one run.
e2e_times() {
    awk -v s="$1" -v e="$2" '/ record_calls: [0-9]+ rounds in / { stamp = $1; work = $6 }
        END { if (stamp) printf "%.4f %.4f\n", stamp - work - s, e - stamp; else print "- -" }' "$3"
}
e2e_ember() { # call-graph mode
    local i start end
    for i in $(seq "$e2e_runs"); do
        start=$EPOCHREALTIME
        "$ember" record -F 999 --call-graph "$1" -o "$work/out.svg" -- "${workload[@]}" 2>&1 >/dev/null |
            stamp_lines >"$work/e2e.stamps"
        end=$(awk '$2 == "end" { print $1 }' "$work/e2e.stamps")
        e2e_times "$start" "$end" "$work/e2e.stamps"
    done >"$work/e2e.times"
    printf '%s %s\n' "$(cut -d' ' -f1 "$work/e2e.times" | median)" "$(cut -d' ' -f2 "$work/e2e.times" | median)"
}
e2e_perf() { # pipeline: perl | ember
    local i start end
    for i in $(seq "$e2e_runs"); do
        start=$EPOCHREALTIME
        perf record -q -N -F 999 -g -o "$work/perf.data" -- "${workload[@]}" 2>&1 >/dev/null |
            stamp_lines >"$work/e2e.stamps"
        if [ "$1" = perl ]; then
            perf script -i "$work/perf.data" 2>/dev/null | perl "$flamegraph_dir/stackcollapse-perf.pl" |
                perl "$flamegraph_dir/flamegraph.pl" >"$work/perf.svg"
        else
            perf script -i "$work/perf.data" 2>/dev/null | "$ember" collapse | "$ember" flamegraph >"$work/perf.svg"
        fi
        end=$EPOCHREALTIME
        e2e_times "$start" "$end" "$work/e2e.stamps"
    done >"$work/e2e.times"
    printf '%s %s\n' "$(cut -d' ' -f1 "$work/e2e.times" | median)" "$(cut -d' ' -f2 "$work/e2e.times" | median)"
}
echo
printf '%-72s %10s %10s\n' "end to end (999 Hz, $e2e_rounds rounds; medians)" "start-up s" "wrap-up s"
read -r fp_start fp_wrap <<<"$(e2e_ember fp)"
read -r default_start default_wrap <<<"$(e2e_ember fp+dwarf)"
read -r pipe_start pipe_wrap <<<"$(e2e_perf ember)"
printf '%-72s %10.3f %10.3f\n' "ember record --call-graph fp -o out.svg" "$fp_start" "$fp_wrap"
printf '%-72s %10.3f %10.3f\n' "ember record (fp+dwarf) -o out.svg" "$default_start" "$default_wrap"
printf '%-72s %10.3f %10.3f  (%sx ember fp)\n' "perf record -g + perf script | ember collapse | ember flamegraph" \
    "$pipe_start" "$pipe_wrap" "$(ratio "$pipe_wrap" "$fp_wrap")"
if [ "$have_perl" = 1 ]; then
    read -r perl_start perl_wrap <<<"$(e2e_perf perl)"
    printf '%-72s %10.3f %10.3f  (%sx ember fp)\n' "perf record -g + perf script + stackcollapse-perf.pl + flamegraph.pl" \
        "$perl_start" "$perl_wrap" "$(ratio "$perl_wrap" "$fp_wrap")"
fi
