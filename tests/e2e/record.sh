#!/usr/bin/env bash
# record.sh — `ember record` end to end on real programs (tests/programs/
# record_*): a launched command (C with and without frame pointers, the
# qsort callback with DWARF and with frame pointers only, C++ templates
# and inlining, threads, fork + exec), a process started before the attach
# (and its thread created after), the whole system for a second, -d,
# SIGINT, exit status passthrough, a command that cannot be executed, a pid
# that does not exist, a pid that exits mid-recording, the permission
# error of an unprivileged user, no descriptors leaked into the command and
# no temporary files left. Each check reads the folded output (-o x.folded).
# Skips everything when gcc is missing or perf_event_open is not permitted.
source tests/lib.sh

if ! command -v gcc >/dev/null || ! command -v g++ >/dev/null; then
    skip "ember record end to end" "gcc/g++ not installed"
    exit 0
fi

BIN=$TMP/bin
mkdir -p "$BIN"
PROGRAMS=$ROOT/tests/programs
build() { # name, source, flags...
    local name=$1 source=$2; shift 2
    local compiler=gcc
    [[ $source == *.cpp ]] && compiler=g++
    if ! "$compiler" -g "$@" -pthread -o "$BIN/$name" "$PROGRAMS/$source" 2>"$TMP/build.log"; then
        not_ok "build $name"; note "$(cat "$TMP/build.log")"; exit 1
    fi
}
# Frame-pointer builds are -O0: gcc 12 leaves leaf functions without a frame
# at -O1 and above even with -mno-omit-leaf-frame-pointer, and their callers
# then drop out of frame-pointer chains (perf's too).
build calls_fp record_calls.c -std=c11 -D_DEFAULT_SOURCE -O0 -fno-omit-frame-pointer
build calls_nofp record_calls.c -std=c11 -D_DEFAULT_SOURCE -O2 -fomit-frame-pointer
build qsort_cb record_qsort.c -std=c11 -D_DEFAULT_SOURCE -O0 -fno-omit-frame-pointer
build templates record_templates.cpp -O2 -fno-omit-frame-pointer
build threads record_threads.c -std=c11 -D_DEFAULT_SOURCE -O0 -fno-omit-frame-pointer
build forker record_fork.c -std=c11 -D_DEFAULT_SOURCE -O0 -fno-omit-frame-pointer
build longrun record_long.c -std=c11 -D_DEFAULT_SOURCE -O0 -fno-omit-frame-pointer

# Is sampling permitted at all here?
if ! "$EMBER" record --user-only -o "$TMP/probe.folded" -- "$BIN/calls_fp" 0.2 \
    >/dev/null 2>"$TMP/probe.log"; then
    if grep -q perf_event_paranoid "$TMP/probe.log"; then
        skip "ember record end to end" "perf_event_open is not permitted here: $(head -c 300 "$TMP/probe.log")"
        exit 0
    fi
fi

# record NAME ARGS...: runs `ember record ARGS` with stdout/stderr in
# $TMP/NAME.out/.err; the exit status in $status.
record() {
    local name=$1; shift
    status=0
    "$EMBER" record "$@" >"$TMP/$name.out" 2>"$TMP/$name.err" || status=$?
}

# has_line DESCRIPTION FILE REGEX: ok when a line of FILE matches.
has_line() {
    if grep -qE "$3" "$2"; then ok "$1"; else not_ok "$1"; note "no line matches $3 in:"; note "$(sort -k2 -nr "$2" 2>/dev/null | head -15)"; note "$(cat "${2%.folded}.err" 2>/dev/null)"; fi
}
lacks_line() {
    if ! grep -qE "$3" "$2"; then ok "$1"; else not_ok "$1"; note "a line matches $3:"; note "$(grep -E "$3" "$2" | head -5)"; fi
}

# --- a launched command, frame pointers --------------------------------------
record calls_fp -F 999 --call-graph fp -o "$TMP/calls_fp.folded" -- "$BIN/calls_fp" 0.8
check "fp: exit status 0" test "$status" -eq 0
has_line "fp: main;outer_work;middle_work;leaf_work" "$TMP/calls_fp.folded" \
    '^calls_fp;(.*;)?main;outer_work;middle_work;leaf_work [0-9]+$'
has_line "fp: main;other_leaf" "$TMP/calls_fp.folded" '^calls_fp;(.*;)?main;other_leaf [0-9]+$'
check "fp: the command's own output passes through" grep -qx "record_calls done" "$TMP/calls_fp.out"
check "fp: one-line summary (samples, lost, duration, output)" \
    grep -qE "^ember record: [0-9]+ samples, 0 lost.* [0-9.]+ s .*wrote $TMP/calls_fp.folded$" "$TMP/calls_fp.err"

# --- the same stacks as perf record -g | perf script | ember collapse ---------------------
# Stacks holding at least 5% of the samples, with their shares, from both
# recorders of the same frame-pointer build: the same set, shares within 10
# points (sampling noise).
if command -v perf >/dev/null; then
    record versus_perf -F 999 --call-graph fp -o "$TMP/versus_ember.folded" -- "$BIN/calls_fp" 1
    if perf record -q -N -F 999 -g -o "$TMP/perf.data" -- "$BIN/calls_fp" 1 >/dev/null 2>"$TMP/perf.err" &&
        perf script -i "$TMP/perf.data" 2>/dev/null | "$EMBER" collapse >"$TMP/versus_perf.folded"; then
        shares() { awk '{ n = $NF; $NF = ""; total += n; count[$0] += n } END { for (s in count) if (count[s] / total >= 0.05) printf "%s %.3f\n", s, count[s] / total }' "$1" | sort; }
        shares "$TMP/versus_ember.folded" >"$TMP/versus_ember.shares"
        shares "$TMP/versus_perf.folded" >"$TMP/versus_perf.shares"
        if [ -s "$TMP/versus_ember.shares" ] &&
            diff <(sed 's/ [0-9.]*$//' "$TMP/versus_ember.shares") <(sed 's/ [0-9.]*$//' "$TMP/versus_perf.shares") >/dev/null &&
            paste -d' ' <(awk '{ print $NF }' "$TMP/versus_ember.shares") <(awk '{ print $NF }' "$TMP/versus_perf.shares") |
            awk '{ d = $1 - $2; if (d < 0) d = -d; if (d > 0.10) bad = 1 } END { exit bad }'; then
            ok "fp build: the stacks with >= 5% of samples equal perf record -g's ($(wc -l <"$TMP/versus_ember.shares") stacks)"
        else
            not_ok "fp build: the stacks with >= 5% of samples equal perf record -g's"
            note "ember record:"; note "$(cat "$TMP/versus_ember.shares")"
            note "perf record | perf script | ember collapse:"; note "$(cat "$TMP/versus_perf.shares")"
        fi
    else
        skip "fp build: same stacks as perf record -g" "perf record failed: $(head -c 200 "$TMP/perf.err")"
    fi
else
    skip "fp build: same stacks as perf record -g" "perf is not installed"
fi

# --- without frame pointers: DWARF unwinding (the default fp+dwarf) ----------
record calls_nofp -F 999 -o "$TMP/calls_nofp.folded" -- "$BIN/calls_nofp" 0.8
check "no frame pointers: exit status 0" test "$status" -eq 0
has_line "no frame pointers, fp+dwarf: main;outer_work;middle_work;leaf_work" "$TMP/calls_nofp.folded" \
    '^calls_nofp;(.*;)?main;outer_work;middle_work;leaf_work [0-9]+$'
record calls_nofp_dwarf -F 999 --call-graph dwarf -o "$TMP/calls_nofp_dwarf.folded" -- "$BIN/calls_nofp" 0.8
has_line "no frame pointers, dwarf: main;outer_work;middle_work;leaf_work" "$TMP/calls_nofp_dwarf.folded" \
    '^calls_nofp;(.*;)?main;outer_work;middle_work;leaf_work [0-9]+$'

# --- qsort callback: libc has no frame pointers --------------------------------
record qsort_dwarf -F 999 --call-graph dwarf -o "$TMP/qsort_dwarf.folded" -- "$BIN/qsort_cb" 1
has_line "qsort, dwarf: main;sort_rounds;qsort...;compare_slowly" "$TMP/qsort_dwarf.folded" \
    '^qsort_cb;(.*;)?main;sort_rounds;([^;]*;)*[^;]*qsort[^;]*;([^;]*;)*compare_slowly [0-9]+$'
record qsort_default -F 999 -o "$TMP/qsort_default.folded" -- "$BIN/qsort_cb" 1
has_line "qsort, fp+dwarf: main;sort_rounds;qsort...;compare_slowly" "$TMP/qsort_default.folded" \
    '^qsort_cb;(.*;)?main;sort_rounds;([^;]*;)*[^;]*qsort[^;]*;([^;]*;)*compare_slowly [0-9]+$'
record qsort_fp -F 999 --call-graph fp -o "$TMP/qsort_fp.folded" -- "$BIN/qsort_cb" 1
has_line "qsort, fp: compare_slowly sampled" "$TMP/qsort_fp.folded" 'compare_slowly [0-9]+$'
# A sample in qsort_r itself may have the whole chain (qsort_r keeps a frame
# pointer: it uses alloca); the callback's samples must not, since the libc
# code between qsort_r and the callback has no frame pointers.
lacks_line "qsort, fp: the chain breaks inside libc (no main;sort_rounds;qsort...;compare_slowly)" "$TMP/qsort_fp.folded" \
    'main;sort_rounds;[^;]*qsort[^;]*;(.*;)?compare_slowly [0-9]+$'

# --- DWARF stacks as deep as perf's ----------------------------------------------
# perfdata_spin calls through PLT stubs (strlen, strtol: the linker's CFA
# expression) and spends time in libc's ____strtol_l_internal, whose
# epilogue CFI still says "saved" for registers already popped (below SP,
# outside the copy). On perf's own stack copies (perf record --call-graph
# dwarf), ember's unwinder must give perf script's stacks for all but 1% of
# the sample weight; and recording live, the share of samples whose stack
# reaches main must be perf's, within sampling noise (3 points).
if command -v perf >/dev/null; then
    build spin perfdata_spin.c -O1 -fno-omit-frame-pointer -fno-builtin
    if perf record -q -N -F 999 --call-graph dwarf -o "$TMP/dwarf.data" -- "$BIN/spin" 1000 \
        >/dev/null 2>"$TMP/perf_dwarf.err" &&
        perf script -i "$TMP/dwarf.data" 2>/dev/null | "$EMBER" collapse >"$TMP/dwarf_perf.folded" &&
        "$EMBER" collapse "$TMP/dwarf.data" >"$TMP/dwarf_ember.folded" 2>"$TMP/dwarf_ember.err"; then
        same_weight=$(awk 'FNR == NR { n = $NF; $NF = ""; perf[$0] += n; next }
            { n = $NF; $NF = ""; mine[$0] += n }
            END { for (s in mine) { total += mine[s]; if (s in perf) same += (mine[s] < perf[s] ? mine[s] : perf[s]) }
                  if (total) printf "%.4f", same / total; else print 0 }' \
            "$TMP/dwarf_perf.folded" "$TMP/dwarf_ember.folded")
        if awk -v s="$same_weight" 'BEGIN { exit !(s >= 0.99) }'; then
            ok "dwarf, perf's stack copies: ember's unwinder gives perf's stacks ($same_weight of the weight)"
        else
            not_ok "dwarf, perf's stack copies: ember's unwinder gives perf's stacks for >= 99% of the weight ($same_weight)"
            note "$(diff <(sort "$TMP/dwarf_ember.folded") <(sort "$TMP/dwarf_perf.folded") | head -20)"
        fi
        record spin_dwarf -F 999 --call-graph dwarf -o "$TMP/spin_dwarf.folded" -- "$BIN/spin" 1000
        reach_main() { awk '{ n = $NF; total += n; if ($0 ~ /;main;/) reached += n } END { if (total) printf "%.4f", reached / total; else print 0 }' "$1"; }
        ember_main=$(reach_main "$TMP/spin_dwarf.folded")
        perf_main=$(reach_main "$TMP/dwarf_perf.folded")
        if [ "$status" -eq 0 ] && awk -v e="$ember_main" -v p="$perf_main" 'BEGIN { exit !(e > 0.5 && e >= p - 0.03) }'; then
            ok "dwarf, live: stacks reach main for $ember_main of the weight (perf record --call-graph dwarf: $perf_main)"
        else
            not_ok "dwarf, live: stacks reach main for $ember_main of the weight, perf's for $perf_main"
            note "$(grep -v ';main;' "$TMP/spin_dwarf.folded" | sort -k2 -nr | head -10)"
        fi
    else
        skip "dwarf stacks as deep as perf's" "perf record --call-graph dwarf failed: $(head -c 200 "$TMP/perf_dwarf.err")"
    fi
else
    skip "dwarf stacks as deep as perf's" "perf is not installed"
fi

# --- C++: templates, namespaces, inlining --------------------------------------
record templates -F 999 -o "$TMP/templates.folded" -- "$BIN/templates" 0.8
has_line "C++: main;shapes::accumulate_twice<double>;shapes::Accumulator<double>::run" "$TMP/templates.folded" \
    '^templates;(.*;)?main;shapes::accumulate_twice<double>;shapes::Accumulator<double>::run( [0-9]+$|;)'
has_line "C++: shapes::Accumulator<long>::run" "$TMP/templates.folded" ';shapes::Accumulator<long>::run( [0-9]+$|;)'
record templates_inline -F 999 --inline -o "$TMP/templates_inline.folded" -- "$BIN/templates" 0.8
has_line "C++ --inline: the inlined function under its caller, Accumulator<double>::run" "$TMP/templates_inline.folded" \
    ';accumulate_twice<double>;(shapes::Accumulator<double>::)?run;(shapes::)?inlined_square( [0-9]+$|;)'
# perf script adds inlined frames to DWARF-unwound chains by default, not to
# frame-pointer chains; ember names stacks as perf script does.
record templates_fp -F 999 --call-graph fp -o "$TMP/templates_fp.folded" -- "$BIN/templates" 0.5
has_line "C++ --call-graph fp: shapes::Accumulator<double>::run" "$TMP/templates_fp.folded" ';shapes::Accumulator<double>::run [0-9]+$'
lacks_line "C++ --call-graph fp without --inline: no inlined frame" "$TMP/templates_fp.folded" 'inlined_square'

# --- kernel stacks: by default when permitted, --user-only, --kernel ------------------
syscalls=(dd if=/dev/zero of=/dev/null bs=1 count=200000)
record kernel_default -F 999 -o "$TMP/kernel_default.folded" -- "${syscalls[@]}"
record kernel_user -F 999 --user-only -o "$TMP/kernel_user.folded" -- "${syscalls[@]}"
record kernel_required -F 999 --kernel -o "$TMP/kernel_required.folded" -- "${syscalls[@]}"
if grep -q "user space only" "$TMP/kernel_default.err"; then
    skip "kernel stacks" "kernel sampling is not permitted here (kernel.perf_event_paranoid > 1)"
else
    has_line "kernel stacks by default: ...;entry_SYSCALL_64...;do_syscall_64 under dd's user stack" "$TMP/kernel_default.folded" \
        '^dd;.*;entry_SYSCALL_64[^;]*;do_syscall_64(;| [0-9]+$)'
    lacks_line "--user-only: no kernel frame" "$TMP/kernel_user.folded" 'entry_SYSCALL|do_syscall'
    check "--user-only: the summary says so" grep -q "user space only" "$TMP/kernel_user.err"
    has_line "--kernel: kernel frames marked _[k]" "$TMP/kernel_required.folded" \
        '^dd;.*;entry_SYSCALL_64[^;]*_\[k\];do_syscall_64_\[k\]'
fi

# --- threads -----------------------------------------------------------------------
record threads -F 999 --tid -o "$TMP/threads.folded" -- "$BIN/threads" 0.8
has_line "threads: thread_start;thread_alpha_work" "$TMP/threads.folded" ';thread_start;thread_alpha_work [0-9]+$'
has_line "threads: thread_start;thread_beta_work" "$TMP/threads.folded" ';thread_start;thread_beta_work [0-9]+$'
has_line "threads: main;main_thread_work" "$TMP/threads.folded" ';main;main_thread_work [0-9]+$'
# A recording names roots with the real pid ("comm-PID/TID"), unlike
# `perf script | ember collapse` ("comm-?/TID": perf script prints no pid).
tids=$(grep -oE '^threads-[0-9]+/[0-9]+;' "$TMP/threads.folded" | sort -u | wc -l)
pids=$(grep -oE '^threads-[0-9]+/' "$TMP/threads.folded" | sort -u | wc -l)
check "threads --tid: three threads ($tids tids) of one process ($pids pid)" \
    test "$tids" -eq 3 -a "$pids" -eq 1

# --- fork and exec -----------------------------------------------------------------
record fork -F 999 --tid -o "$TMP/fork.folded" -- "$BIN/forker" 0.8
check "fork: exit status 0" test "$status" -eq 0
has_line "fork: the parent's parent_side_work" "$TMP/fork.folded" ';main;parent_side_work [0-9]+$'
has_line "fork: the child's child_side_work" "$TMP/fork.folded" ';main;child_side_work [0-9]+$'
has_line "fork: the exec'd child's exec_side_work" "$TMP/fork.folded" ';main;exec_side_work [0-9]+$'
parent_pid=$(grep -E ';parent_side_work [0-9]+$' "$TMP/fork.folded" | head -1 | sed -nE 's|^[^;/]*/([0-9]+);.*|\1|p')
child_pid=$(grep -E ';child_side_work [0-9]+$' "$TMP/fork.folded" | head -1 | sed -nE 's|^[^;/]*/([0-9]+);.*|\1|p')
check "fork --tid: parent and child are different tasks ($parent_pid, $child_pid)" \
    test -n "$parent_pid" -a -n "$child_pid" -a "$parent_pid" != "$child_pid"

# wait_for_file PATH: up to 10 s.
wait_for_file() {
    for _ in $(seq 100); do [ -s "$1" ] && return 0; sleep 0.1; done
    return 1
}

# --- attach to a process started before ----------------------------------------------
"$BIN/longrun" 0 0 "$TMP/long.pid" 0.5 &
long_pid=$!
wait_for_file "$TMP/long.pid"
record attach -F 999 -p "$long_pid" -d 1.5 --tid -o "$TMP/attach.folded"
check "attach: exit status 0" test "$status" -eq 0
has_line "attach: main;long_running_work of the process started before" "$TMP/attach.folded" \
    "^longrun-[^/;]*/$long_pid;(.*;)?main;long_running_work [0-9]+$"
has_line "attach: late_thread_work of the thread created after the attach" "$TMP/attach.folded" \
    "^longrun-[^/;]*/[0-9]+;(.*;)?late_thread_work [0-9]+$"
late_tid=$(grep -E ';late_thread_work [0-9]+$' "$TMP/attach.folded" | head -1 | sed -nE 's|^[^;/]*/([0-9]+);.*|\1|p')
check "attach: the late thread is a thread of its own (tid $late_tid, pid $long_pid)" \
    test -n "$late_tid" -a "$late_tid" != "$long_pid"
check "attach: the target still runs, untouched" kill -0 "$long_pid"

# --- the whole system, one second (the attached target still runs) -----------------
record system -F 999 -a -d 1 -o "$TMP/system.folded"
if grep -q perf_event_paranoid "$TMP/system.err"; then
    skip "-a for one second" "system-wide sampling not permitted: $(head -c 200 "$TMP/system.err")"
else
    check "-a: exit status 0" test "$status" -eq 0
    has_line "-a: longrun's long_running_work among every process" "$TMP/system.folded" \
        '^longrun;(.*;)?long_running_work [0-9]+$'
fi
kill -TERM "$long_pid"
long_status=0
wait "$long_pid" || long_status=$?
check "attach: the target ends normally afterwards (status $long_status)" test "$long_status" -eq 0

# --- -d ends a launched command's recording ------------------------------------------
record duration -F 999 -d 0.5 -o "$TMP/duration.folded" -- "$BIN/longrun" 0 9
check "-d with a command: exit status 0 (status $status)" test "$status" -eq 0
has_line "-d with a command: output written" "$TMP/duration.folded" ';long_running_work [0-9]+$'

# --- SIGINT ends the recording, output still written, signal passed on ----------------
rm -f "$TMP/sigint.pid"
"$EMBER" record -F 999 -o "$TMP/sigint.folded" -- "$BIN/longrun" 0 5 "$TMP/sigint.pid" \
    >"$TMP/sigint.out" 2>"$TMP/sigint.err" &
ember_pid=$!
wait_for_file "$TMP/sigint.pid"
sleep 0.5
kill -INT "$ember_pid"
status=0
wait "$ember_pid" || status=$?
check "SIGINT: the command got it and its status 5 is ember's (got $status)" test "$status" -eq 5
has_line "SIGINT: output written" "$TMP/sigint.folded" ';long_running_work [0-9]+$'

# --- exit status passthrough ---------------------------------------------------------
record exit7 -F 999 -o "$TMP/exit7.folded" -- "$BIN/longrun" 0.4 7
check "exit status 7 passed through (got $status)" test "$status" -eq 7
has_line "exit status 7: output written" "$TMP/exit7.folded" ';long_running_work [0-9]+$'

# --- exec failure ----------------------------------------------------------------------
mkdir -p "$TMP/cwd"
(cd "$TMP/cwd" && "$EMBER" record -- /nonexistent/ember-no-such-program >"$TMP/noexec.out" 2>"$TMP/noexec.err")
status=$?
check "exec failure: exit 127 as a shell (got $status)" test "$status" -eq 127
check "exec failure: names the program and why" \
    grep -q "/nonexistent/ember-no-such-program: No such file or directory" "$TMP/noexec.err"
check "exec failure: no output file" test ! -e "$TMP/cwd/ember.svg"

# --- default output ember.svg in the current directory --------------------------------
(cd "$TMP/cwd" && "$EMBER" record -F 999 -- "$BIN/calls_fp" 0.4 >/dev/null 2>"$TMP/default.err")
check "default output: ember.svg with leaf_work" grep -q "leaf_work" "$TMP/cwd/ember.svg"
check "default output: an SVG" grep -q "<svg" "$TMP/cwd/ember.svg"
check "no temporary files left next to the output" test "$(ls -A "$TMP/cwd")" = "ember.svg"

# --- lost samples are counted and reported, never silently dropped -------------------------
record lost -m 8 --call-graph dwarf,16384 -F 4999 -o "$TMP/lost.folded" -- "$BIN/calls_fp" 0.5
lost=$(sed -nE 's/^ember record: [0-9]+ samples, ([0-9]+) lost.*/\1/p' "$TMP/lost.err")
check "8-page buffers and 16 KiB stacks at 4999 Hz: lost samples in the summary ($lost)" \
    test -n "$lost" -a "${lost:-0}" -gt 0
check "lost samples: the advice to raise -m or lower -F" grep -q "raise -m or lower -F" "$TMP/lost.err"

# --- other writers by extension ----------------------------------------------------------
record pprof -F 999 -o "$TMP/calls.pb.gz" -- "$BIN/calls_fp" 0.4
"$EMBER" convert "$TMP/calls.pb.gz" -o "$TMP/pprof.folded" 2>"$TMP/pprof.err"
has_line "-o x.pb.gz: pprof profile with main;outer_work;middle_work;leaf_work" "$TMP/pprof.folded" \
    'main;outer_work;middle_work;leaf_work [0-9]+$'

# --- a pid that does not exist -------------------------------------------------------------
record nopid -p 2147483646 -d 1 -o "$TMP/nopid.folded"
check "nonexistent pid: exit 1 (got $status)" test "$status" -eq 1
check "nonexistent pid: says so" grep -q "pid 2147483646: no such process" "$TMP/nopid.err"
check "nonexistent pid: no output" test ! -e "$TMP/nopid.folded"

# --- too many open files: one event per thread and CPU ----------------------------------
"$BIN/threads" 3 >/dev/null &
threads_pid=$!
sleep 0.3
status=0
(
    open=$(ls /proc/self/fd | wc -l)
    ulimit -n $((open + 3))
    exec "$EMBER" record -p "$threads_pid" -d 0.3 -o "$TMP/emfile.folded"
) >/dev/null 2>"$TMP/emfile.err" || status=$?
kill "$threads_pid" 2>/dev/null
wait "$threads_pid" 2>/dev/null
check "too many open files: exit 1 (got $status)" test "$status" -eq 1
check "too many open files: says so, with the limit to raise" \
    grep -qE "Too many open files: [0-9]+ events open \(one per thread and CPU, [0-9]+ CPUs\); the open-file limit is [0-9]+ \(raise it with ulimit -n\)" "$TMP/emfile.err"

# --- a pid that exits mid-recording ---------------------------------------------------------
rm -f "$TMP/short.pid"
"$BIN/longrun" 0.8 0 "$TMP/short.pid" &
short_pid=$!
wait_for_file "$TMP/short.pid"
record exits -F 999 -p "$short_pid" -o "$TMP/exits.folded"
wait "$short_pid" 2>/dev/null
check "pid exiting mid-recording: exit 0 (got $status)" test "$status" -eq 0
check "pid exiting mid-recording: says the process exited" grep -q "exited" "$TMP/exits.err"
has_line "pid exiting mid-recording: the partial profile is written" "$TMP/exits.folded" ';long_running_work [0-9]+$'

# --- bad usage ----------------------------------------------------------------------------------
record usage_none -o "$TMP/x.folded"
check "no target: exit 2" test "$status" -eq 2
record usage_two -a -p 1 -o "$TMP/x.folded"
check "two targets: exit 2" test "$status" -eq 2
record usage_cg --call-graph lbr -- true
check "unknown --call-graph: exit 2 and a message" \
    grep -q "call-graph lbr: expected fp, dwarf" "$TMP/usage_cg.err"
record usage_ext -o "$TMP/x.unknownext" -- true
check "unknown output extension: exit 2" test "$status" -eq 2

# --- no descriptors leak into the command ----------------------------------------------------
sh -c 'ls /proc/$$/fd' >"$TMP/fds_plain.txt" 2>/dev/null
record fds -o "$TMP/fds.folded" -- sh -c 'ls /proc/$$/fd; i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done'
if cmp -s "$TMP/fds_plain.txt" "$TMP/fds.out"; then
    ok "the command inherits no perf or pipe descriptors"
else
    not_ok "the command inherits no perf or pipe descriptors"
    note "plain: $(tr '\n' ' ' <"$TMP/fds_plain.txt") under ember record: $(tr '\n' ' ' <"$TMP/fds.out")"
fi

# --- permission: an unprivileged user ----------------------------------------------------------
paranoid=$(cat /proc/sys/kernel/perf_event_paranoid 2>/dev/null || echo unknown)
if [ "$(id -u)" -ne 0 ] || ! command -v setpriv >/dev/null; then
    skip "permission error as nobody" "needs root and setpriv to switch to nobody"
elif [ "$paranoid" = unknown ] || [ "$paranoid" -le 0 ]; then
    skip "permission error as nobody" "kernel.perf_event_paranoid is $paranoid: -a is permitted to everyone"
else
    mkdir -p "$TMP/nobody"
    chmod 755 "$TMP" "$BIN"
    chmod 777 "$TMP/nobody"
    status=0
    setpriv --reuid=nobody --regid=nogroup --clear-groups \
        "$EMBER" record -a -d 0.2 -o "$TMP/nobody/system.folded" >/dev/null 2>"$TMP/nobody.err" || status=$?
    check "nobody, -a: exit 1 (got $status)" test "$status" -eq 1
    check "nobody, -a: names kernel.perf_event_paranoid, its value and the setting" \
        grep -q "kernel.perf_event_paranoid is $paranoid; system-wide sampling (-a) needs it at most 0 (sudo sysctl kernel.perf_event_paranoid=0)" "$TMP/nobody.err"
    check "nobody, -a: names CAP_PERFMON" grep -q "CAP_PERFMON" "$TMP/nobody.err"
    if [ "$paranoid" -le 2 ]; then
        check "nobody, -a: says what still works (--user-only, own processes)" grep -q -- "--user-only" "$TMP/nobody.err"
        status=0
        setpriv --reuid=nobody --regid=nogroup --clear-groups \
            "$EMBER" record --kernel -o "$TMP/nobody/kernel.folded" -- "$BIN/calls_fp" 0.2 \
            >/dev/null 2>"$TMP/nobody_kernel.err" || status=$?
        check "nobody, --kernel: exit 1, kernel sampling needs perf_event_paranoid at most 1" \
            grep -q "sampling kernel code needs it at most 1" "$TMP/nobody_kernel.err"
        status=0
        setpriv --reuid=nobody --regid=nogroup --clear-groups \
            "$EMBER" record -F 999 -o "$TMP/nobody/fallback.folded" -- "$BIN/calls_fp" 0.3 \
            >/dev/null 2>"$TMP/nobody_fallback.err" || status=$?
        check "nobody, default: falls back to user space only (status $status)" \
            grep -q "user space only, wrote" "$TMP/nobody_fallback.err"
        status=0
        setpriv --reuid=nobody --regid=nogroup --clear-groups \
            "$EMBER" record --user-only -F 999 -o "$TMP/nobody/own.folded" -- "$BIN/calls_fp" 0.4 \
            >/dev/null 2>"$TMP/nobody_own.err" || status=$?
        check "nobody, --user-only on its own command works (status $status)" test "$status" -eq 0
        has_line "nobody, --user-only: main;outer_work;middle_work;leaf_work" "$TMP/nobody/own.folded" \
            'main;outer_work;middle_work;leaf_work [0-9]+$'
        status=0
        setpriv --reuid=nobody --regid=nogroup --clear-groups \
            "$EMBER" record -p 1 -d 0.2 -o "$TMP/nobody/init.folded" >/dev/null 2>"$TMP/nobody_init.err" || status=$?
        check "nobody, -p 1 (root's process): exit 1 with a message naming the pid" \
            grep -q "pid 1" "$TMP/nobody_init.err"
    fi
fi
