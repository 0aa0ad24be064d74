#!/usr/bin/env bash
# python_record.sh — `ember record` on CPython programs (issue #6), on every
# installed CPython 3.6 to 3.13 (pyenv's /root/.pyenv/versions/*) and
# Debian's /usr/bin/python3.11: an absent version is skipped, a present one
# must work. Per version: launch (a recursive workload whose folded stacks
# must have the exact shape and line numbers of tests/fixtures/python/
# record_recursive.py), attach to a running process (which keeps running,
# untraced, afterwards), threads (--threads roots), idle filtering (a
# thread waiting on an event is absent by default, present with --idle),
# --gil (a thread inside zlib.compress, which releases the GIL, drops to a
# small share), --subprocesses (a child Python process gets its own root),
# --native (libz's C frames under the Python frame calling
# zlib.compress), a busy recursion read unpaused (every stack one it had:
# callers on call lines), Python entered from C and a generator resumed
# every microsecond (every stack one it had, none rooted at the
# generator), the same taken by kernel snapshots (the default where the
# eBPF program loads: whole stacks, and the short calls' shares those of
# --blocking, where reads from memory drop them), --blocking (zero
# invalid stacks), asyncio tasks by kernel snapshots (every stack rooted at
# <module>), exit status passthrough. Then, once: --memory (growth and release charged to the
# functions that mapped and unmapped), the process_vm_readv count against
# strace, errors (not Python, unsupported version, no permission, no such
# pid), a target that exits mid-recording, SIGINT, -d, other output
# formats, and the pyenv shim.
source tests/lib.sh

FIXTURES=$ROOT/tests/fixtures/python
RECURSIVE=$FIXTURES/record_recursive.py
THREADS=$FIXTURES/record_threads.py
BUSY=$FIXTURES/record_busy_recursion.py
ENTRIES=$FIXTURES/record_entries.py
ASYNCIO=$FIXTURES/record_asyncio.py

# Kernel snapshots (the eBPF program) can be had here: root and a kernel
# that loads the program. Without them the default is reads from memory
# and the snapshot checks are skipped.
SNAPSHOTS=0
probe_python=$(ls /root/.pyenv/versions/3.1[0-3].*/bin/python3.1[0-3] /usr/bin/python3 2>/dev/null | head -1)
if [ -n "$probe_python" ] &&
    "$EMBER" record --kernel-snapshots -d 0.2 -o "$TMP/snapshot-probe.folded" -- "$probe_python" -c 'while True: pass' \
        >/dev/null 2>"$TMP/snapshot-probe.err"; then
    SNAPSHOTS=1
fi

# record NAME ARGS...: `ember record ARGS`, output in $TMP/NAME.err, status in $status.
record() {
    local name=$1; shift
    status=0
    "$EMBER" record "$@" >"$TMP/$name.out" 2>"$TMP/$name.err" || status=$?
}

# total FILE [REGEX]: the samples of the folded lines matching REGEX (all by default).
total() {
    { grep -E -- "${2:-.}" "$1" 2>/dev/null || true; } | awk '{ sum += $NF } END { print sum + 0 }'
}

# expect DESCRIPTION CONDITION-COMMAND... : ok/not ok with the last run's output as notes
# (and shape_notes, which recursive_shape_ok leaves when a file fails it).
shape_notes=
expect() {
    local description=$1; shift
    if "$@"; then ok "$description"; else
        not_ok "$description"; note "status $status; $(tail -c 1500 "$TMP/$last.err" 2>/dev/null)"
        note "$(sort -k2 -nr "$TMP/$last.folded" 2>/dev/null | head -8 | cut -c1-400)"
        [ -z "$shape_notes" ] || note "$shape_notes"
    fi
    shape_notes=
}

# discarded_percent FILE: the share of stacks discarded that a summary line in FILE gives.
discarded_percent() {
    sed -nE 's/.*\(([0-9.]+)% discarded\).*/\1/p' "$1"
}

# shape_ok FILE MARK SHAPE [PER_MILLE]: every stack through MARK (an
# extended regex for a frame, such as ":function:") matches SHAPE (but for
# PER_MILLE thousandths of them, default 0), and such stacks are most of
# the samples; else false, with shape_notes saying why (the counts and the
# stacks through MARK without the shape).
shape_ok() {
    local file=$1 mark=$2 shape=$3 per_mille=${4:-0}
    local marked shaped all
    all=$(total "$file")
    marked=$(total "$file" "$mark")
    shaped=$(total "$file" "$shape")
    [ "$marked" -gt 0 ] && [ $(((marked - shaped) * 1000)) -le $((marked * per_mille)) ] &&
        [ $((marked * 2)) -gt "$all" ] && return 0
    shape_notes="$all samples, $marked through $mark, $shaped of them shaped; stacks through $mark not shaped:
$({ grep -E -- "$mark" "$file" | grep -vE -- "$shape" || true; } | head -5 | cut -c1-600)"
    return 1
}

# The shape of every stack through leaf(): <module>:40 -> main:36 ->
# recurse:30 five times -> recurse:29 -> leaf on lines 20-24 (20, the def
# line, when the sample catches leaf at its entry: 3.11+ place the
# function's first instruction, RESUME, there; seen about once in 200
# samples, and the cause of a rare failure when only 21-24 were allowed).
# Leaf stacks are most of the samples (the rest: start-up, main's loop test).
recursive_shape_ok() {
    local f=$RECURSIVE
    shape_ok "$1" ":leaf:" "^$f:<module>:40;$f:main:36;($f:recurse:30;){5}$f:recurse:29;$f:leaf:2[0-4] [0-9]+\$"
}

# Every stack through fib in the busy recursion: <module>:24 -> main:20
# -> fib on a call line (12, 13) for each caller -> fib on any of its
# lines (9, the def line, at entry on 3.11+). A stack read while the
# recursion moved, taken whole, would show a caller on another line.
busy_shape_ok() {
    local f=$BUSY
    shape_ok "$1" ":fib:" "^$f:<module>:24;$f:main:20;($f:fib:1[23];)*$f:fib:(9|1[0-4]) [0-9]+\$"
}

# Every stack through the functions of record_entries.py: <module>:44 ->
# main:40 -> consume on any of its lines, or with numbers() (on any of its
# lines, 25 the def line at entry) under the for line (32), or with
# __init__ or the norm2 getter under the line calling them (33). Never a
# stack rooted at numbers(): a generator that yields drops the link to its
# caller, so its frame copied then looks like a thread's outermost one.
entries_shape_ok() {
    local f=$ENTRIES
    shape_ok "$1" "$f:(consume|numbers|(Point\.)?__init__|(Point\.)?norm2):" \
        "^$f:<module>:44;$f:main:40;$f:consume:(3[0-4]|32;$f:numbers:2[5-7]|33;$f:(Point\.)?(__init__:1[6-8]|norm2:2[0-2])) [0-9]+\$" "${2:-0}"
}

run_version() { # label python
    local label=$1 py=$2
    local pid

    # Launch: shape and line numbers.
    last=launch-$label
    record "$last" -F 200 -o "$TMP/$last.folded" -- "$py" "$RECURSIVE" 0.8
    expect "$label: launch, recursive stacks with the expected shape and lines" \
        eval '[ $status -eq 0 ] && recursive_shape_ok "$TMP/$last.folded"'

    # Attach to a process started before ember; it runs on, untraced.
    "$py" "$RECURSIVE" 30 &
    pid=$!
    local tries=0
    while ! grep -q libpython "/proc/$pid/maps" 2>/dev/null && [ $tries -lt 50 ] &&
        ! [ "$(readlink /proc/$pid/exe)" = "$(readlink -f "$py")" ]; do
        sleep 0.02; tries=$((tries + 1))
    done
    sleep 0.3 # past the interpreter's start-up
    last=attach-$label
    record "$last" -F 200 -d 0.8 -p "$pid" -o "$TMP/$last.folded"
    local alive=0 tracer=x
    kill -0 "$pid" 2>/dev/null && alive=1
    tracer=$(awk '/^TracerPid:/ { print $2 }' "/proc/$pid/status" 2>/dev/null)
    kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
    expect "$label: attach -p, recursive stacks, the target still runs untraced" \
        eval '[ $status -eq 0 ] && [ $alive -eq 1 ] && [ "$tracer" = 0 ] && recursive_shape_ok "$TMP/$last.folded"'

    # Threads: roots per thread; the waiting thread is dropped by default.
    last=threads-$label
    record "$last" -F 200 --threads -o "$TMP/$last.folded" -- "$py" "$THREADS" 1
    local roots sleeper all compressor main
    roots=$(awk '{ split($1, f, ";"); if (f[1] ~ /-[0-9]+\/[0-9]+$/) print f[1] }' "$TMP/$last.folded" | sort -u | wc -l)
    all=$(total "$TMP/$last.folded")
    sleeper=$(total "$TMP/$last.folded" ":sleeper:")
    compressor=$(total "$TMP/$last.folded" ":compressor:")
    main=$(total "$TMP/$last.folded" ":main:")
    expect "$label: --threads gives a root per thread (main and compressor running)" \
        eval '[ $status -eq 0 ] && [ $roots -ge 2 ] && [ $compressor -gt 0 ] && [ $main -gt 0 ]'
    expect "$label: the thread waiting on an event is not sampled by default ($sleeper of $all)" \
        eval '[ $status -eq 0 ] && [ $((sleeper * 50)) -le $all ]'

    last=idle-$label
    record "$last" -F 200 --idle -o "$TMP/$last.folded" -- "$py" "$THREADS" 1
    all=$(total "$TMP/$last.folded")
    sleeper=$(total "$TMP/$last.folded" ":sleeper:")
    expect "$label: --idle keeps the waiting thread ($sleeper of $all)" \
        eval '[ $status -eq 0 ] && [ $((sleeper * 5)) -ge $all ]'

    last=gil-$label
    record "$last" -F 200 --gil -o "$TMP/$last.folded" -- "$py" "$THREADS" 1
    all=$(total "$TMP/$last.folded")
    compressor=$(total "$TMP/$last.folded" ":compressor:")
    main=$(total "$TMP/$last.folded" ":main:")
    expect "$label: --gil keeps the GIL holder, not the thread in zlib ($compressor of $all)" \
        eval '[ $status -eq 0 ] && [ $main -gt 0 ] && [ $((compressor * 4)) -lt $all ]'

    # A child Python process shows up with its own root.
    last=subprocesses-$label
    record "$last" -F 200 --subprocesses --pid -o "$TMP/$last.folded" -- "$py" "$FIXTURES/record_subprocess.py" 1
    local processes child
    processes=$(awk '{ split($1, f, ";"); print f[1] }' "$TMP/$last.folded" | sort -u | grep -cE -- '-[0-9]+$')
    child=$(total "$TMP/$last.folded" ":child_work:")
    expect "$label: --subprocesses samples the child process ($processes roots, $child child samples)" \
        eval '[ $status -eq 0 ] && [ $processes -ge 2 ] && [ $child -gt 0 ]'

    # Native frames of libz under the Python frame that called zlib.compress.
    last=native-$label
    record "$last" -F 100 --native -o "$TMP/$last.folded" -- "$py" "$FIXTURES/record_zlib.py" 1
    local native
    native=$(total "$TMP/$last.folded" ":compress_all:[0-9]+;([^;]*;)*(deflate|compress2?|adler32|zlib_compress|PyZlib_compress)[^;]*(;| )")
    expect "$label: --native puts zlib's C frames under compress_all ($native samples)" \
        eval '[ $status -eq 0 ] && [ $native -gt 0 ]'

    # Not paused, at 1 kHz, a recursion that moves every few tens of ns:
    # every stack reported is one it had; on 3.11+ (frames in one
    # data-stack chunk, one copy) few are discarded. Up to 3.10 (frames on
    # the heap, each read apart, two copies that must agree) most are:
    # the share is in the test's name.
    last=busy-$label
    record "$last" --read-memory -F 1000 -o "$TMP/$last.folded" -- "$py" "$BUSY" 1
    local discarded most=100
    discarded=$(discarded_percent "$TMP/$last.err")
    "$py" -c 'import sys; sys.exit(sys.version_info < (3, 11))' && most=5
    expect "$label: a busy recursion read unpaused: whole stacks only, ${discarded:-?}% discarded (below $most%)" \
        eval '[ $status -eq 0 ] && busy_shape_ok "$TMP/$last.folded" && awk -v d="${discarded:-100}" -v most=$most "BEGIN { exit !(d < most) }"'
    # From 20% discarded the summary says what that costs and what to do.
    local warned=0 heavy=0
    grep -q "warning: .*changed while they were read.*--blocking" "$TMP/$last.err" && warned=1
    awk -v d="${discarded:-0}" "BEGIN { exit !(d >= 20) }" && heavy=1
    expect "$label: the summary warns of the discarded share exactly when it is 20% or more (warned $warned)" \
        eval '[ $warned -eq $heavy ]'

    # Not paused, at 1 kHz, Python entered from C and a generator resumed
    # every microsecond or so: every stack reported is one it had, and few
    # are discarded (before the CFrame was followed across attempts: 8-14%
    # on 3.11 and 3.12).
    # 3.11 still lets a torn stack through now and then (a getter under the
    # for loop's line: about 1 in 5000 on Debian's 3.11, not yet explained):
    # at most 5 in 1000 there.
    last=entries-$label
    record "$last" --read-memory -F 1000 -o "$TMP/$last.folded" -- "$py" "$ENTRIES" 1
    discarded=$(discarded_percent "$TMP/$last.err")
    most=5
    local torn_per_mille=0
    "$py" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' && torn_per_mille=5
    expect "$label: Python entered from C and a generator, unpaused: whole stacks only (torn: at most $torn_per_mille in 1000), ${discarded:-?}% discarded (below $most%)" \
        eval '[ $status -eq 0 ] && entries_shape_ok "$TMP/$last.folded" $torn_per_mille && awk -v d="${discarded:-100}" -v most=$most "BEGIN { exit !(d < most) }"'

    # Kernel snapshots (the default here): one moment's stack each, so
    # every stack is whole and the calls of a few tens of ns (the getter,
    # __init__, the generator) get the share they get with the target
    # paused (--blocking), where reads from memory drop them: the getter
    # 0-1% unpaused, 19-29% paused. Each share must be within half to
    # twice the paused one (2 s at 1 kHz each: a 25% share is known to
    # about +-2 points). Discarded: 0-2% (3.11 the most: snapshots taken
    # while an eval loop is entered from C, and start-up stacks whose code
    # objects were freed before they were named).
    if [ "$SNAPSHOTS" = 1 ]; then
        last=snapshots-$label
        record "$last" -F 1000 -o "$TMP/$last.folded" -- "$py" "$ENTRIES" 2
        discarded=$(discarded_percent "$TMP/$last.err")
        local snapshot_folded=$TMP/$last.folded snapshot_status=$status
        last=entries-blocking-$label
        record "$last" -F 1000 --blocking -o "$TMP/$last.folded" -- "$py" "$ENTRIES" 2
        local shares
        shares=$(for file in "$snapshot_folded" "$TMP/$last.folded"; do
            awk '/:consume:/ { n = $NF; all += n; if (/:numbers:/) g += n; else if (/__init__:/) i += n; else if (/norm2:/) p += n }
                 END { printf "%.1f %.1f %.1f ", 100 * p / (all ? all : 1), 100 * i / (all ? all : 1), 100 * g / (all ? all : 1) }' "$file"
        done)
        last=snapshots-$label
        expect "$label: kernel snapshots (the default): whole stacks, ${discarded:-?}% discarded (below 3%), getter/__init__/generator $(echo $shares | awk '{ printf "%s/%s/%s%% against %s/%s/%s%% paused", $1, $2, $3, $4, $5, $6 }')" \
            eval '[ $snapshot_status -eq 0 ] && grep -q "from kernel snapshots" "$TMP/$last.err" && entries_shape_ok "$snapshot_folded" &&
                  awk -v d="${discarded:-100}" "BEGIN { exit !(d < 3) }" &&
                  echo $shares | awk "{ for (k = 1; k <= 3; k++) if (!(\$(k + 3) > 0 && \$k >= \$(k + 3) / 2 && \$k <= \$(k + 3) * 2)) exit 1 }"'
    fi

    # asyncio (3.7+: asyncio.run): 50 tasks stepping a few microseconds at
    # a time, each step an eval loop entered from C. Every stack through
    # leaf() starts at <module> (none rooted at a coroutine), few are
    # discarded (seen 0.3-4.9%: a snapshot taken while a coroutine is
    # being resumed or suspended; reads from memory discard 90-97% on
    # 3.11-3.13).
    if [ "$SNAPSHOTS" = 1 ] && "$py" -c 'import sys; sys.exit(sys.version_info < (3, 7))'; then
        last=asyncio-$label
        record "$last" -F 1000 -o "$TMP/$last.folded" -- "$py" "$ASYNCIO" 1.5
        discarded=$(discarded_percent "$TMP/$last.err")
        expect "$label: asyncio tasks by kernel snapshots: every leaf stack starts at <module>, ${discarded:-?}% discarded (below 10%)" \
            eval '[ $status -eq 0 ] && shape_ok "$TMP/$last.folded" ":leaf:" "^$ASYNCIO:<module>:[0-9]+;.*;$ASYNCIO:leaf:" &&
                  awk -v d="${discarded:-100}" "BEGIN { exit !(d < 10) }"'
    fi

    # Paused for every sample: no stack is torn.
    last=blocking-$label
    record "$last" -F 200 --blocking -o "$TMP/$last.folded" -- "$py" "$RECURSIVE" 0.8
    expect "$label: --blocking reports 0 invalid stacks and the expected shape" \
        eval '[ $status -eq 0 ] && grep -q " 0 invalid " "$TMP/$last.err" && ! grep -q "warning:" "$TMP/$last.err" && recursive_shape_ok "$TMP/$last.folded"'

    last=exit-$label
    record "$last" -o "$TMP/$last.folded" -- "$py" -c 'import sys; sys.exit(3)'
    expect "$label: the command's exit status passes through" eval '[ $status -eq 3 ]'
}

VERSIONS=(3.6 3.7 3.8 3.9 3.10 3.11 3.12 3.13)
for version in "${VERSIONS[@]}"; do
    py=$(ls /root/.pyenv/versions/"$version".*/bin/python"$version" 2>/dev/null | head -1)
    if [ -z "$py" ] || ! [ -x "$py" ]; then
        skip "CPython $version" "not installed under /root/.pyenv/versions"
        continue
    fi
    run_version "$version" "$py"
done
if [ -x /usr/bin/python3.11 ]; then
    run_version "debian-3.11" /usr/bin/python3.11
else
    skip "Debian's /usr/bin/python3.11" "not installed"
fi

# ---- Once: errors, ends, formats ----
PY=$(ls /root/.pyenv/versions/3.11.*/bin/python3.11 2>/dev/null | head -1)
[ -n "$PY" ] || PY=$(command -v python3.11 || command -v python3)

last=snapshots-idle
record "$last" --kernel-snapshots --idle -o "$TMP/$last.folded" -- "$PY" "$RECURSIVE" 0.3
expect "--kernel-snapshots with --idle: an error that says snapshots sample CPU time only, nothing run" \
    eval '[ $status -eq 2 ] && grep -q "CPU time only" "$TMP/$last.err" && [ ! -e "$TMP/$last.folded" ]'

if [ "$SNAPSHOTS" = 1 ] && command -v setpriv >/dev/null; then
    last=snapshots-nobody
    status=0
    setpriv --reuid=65534 --regid=65534 --clear-groups "$EMBER" record --kernel-snapshots \
        -o "$TMP/$last.folded" -- "$PY" "$RECURSIVE" 0.3 >"$TMP/$last.out" 2>"$TMP/$last.err" || status=$?
    expect "--kernel-snapshots without root: an error naming what it needs" \
        eval '[ $status -eq 2 ] && grep -q "kernel snapshots:.*root" "$TMP/$last.err"'
    # without root the default reads from memory, and says why
    if [ -x /usr/bin/python3.11 ]; then
        nobody_directory=$(mktemp -d)
        chmod 777 "$nobody_directory"
        last=snapshots-fallback
        status=0
        setpriv --reuid=65534 --regid=65534 --clear-groups "$EMBER" record -F 200 \
            -o "$nobody_directory/out.folded" -- /usr/bin/python3.11 "$RECURSIVE" 0.5 \
            >"$TMP/$last.out" 2>"$TMP/$last.err" || status=$?
        expect "without root the default reads from memory and says why" \
            eval '[ $status -eq 0 ] && grep -q "samples in [0-9]* rounds" "$TMP/$last.err" &&
                  grep -q "stacks read from memory, as kernel snapshots are not possible" "$TMP/$last.err" &&
                  [ "$(total "$nobody_directory/out.folded" ":leaf:")" -gt 0 ]'
        rm -rf "$nobody_directory"
    fi
else
    skip "--kernel-snapshots without root" "no kernel snapshots here, or no setpriv"
fi

last=not-python
record "$last" --python -o "$TMP/$last.folded" -- sleep 0.3
expect "--python on a program that is not Python: a clear error" \
    eval '[ $status -eq 1 ] && grep -q "Python" "$TMP/$last.err" && [ ! -e "$TMP/$last.folded" ]'

sleep 5 &
pid=$!
last=not-python-pid
record "$last" --python -p "$pid" -o "$TMP/$last.folded"
kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
expect "--python -p on a process that is not Python: says so" \
    eval '[ $status -eq 1 ] && grep -q "not a Python process" "$TMP/$last.err"'

py27=$(ls /root/.pyenv/versions/2.7.*/bin/python2.7 2>/dev/null | head -1)
if [ -n "$py27" ]; then
    last=unsupported
    record "$last" -o "$TMP/$last.folded" -- "$py27" "$RECURSIVE" 0.5
    expect "CPython 2.7: unsupported version, said so" \
        eval '[ $status -eq 1 ] && grep -qi "unsupported version" "$TMP/$last.err"'
else
    skip "unsupported version error" "no CPython 2.7 installed"
fi

if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
    "$PY" "$RECURSIVE" 10 &
    pid=$!
    sleep 0.3
    last=permission
    status=0
    setpriv --reuid=65534 --regid=65534 --clear-groups "$EMBER" record -p "$pid" -o "$TMP/$last.folded" \
        >"$TMP/$last.out" 2>"$TMP/$last.err" || status=$?
    kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
    expect "no permission: says what to change, not 'not a Python process'" \
        eval '[ $status -eq 1 ] && grep -qi "permission" "$TMP/$last.err" && ! grep -q "not a Python process" "$TMP/$last.err"'
else
    skip "permission error" "needs root and setpriv to run as nobody"
fi

last=no-pid
record "$last" --python -p 2147483000 -o "$TMP/$last.folded"
expect "--python -p of a pid that does not exist: an error" \
    eval '[ $status -ne 0 ] && [ $status -lt 128 ] && [ -s "$TMP/$last.err" ]'

# The attached target exits mid-recording: what was recorded is written.
"$PY" "$RECURSIVE" 0.8 &
pid=$!
sleep 0.3
last=exits
record "$last" -F 200 -d 20 -p "$pid" -o "$TMP/$last.folded"
wait "$pid" 2>/dev/null
expect "an attached target that exits ends the recording, partial profile written" \
    eval '[ $status -eq 0 ] && grep -q "exited" "$TMP/$last.err" && [ "$(total "$TMP/$last.folded" ":leaf:")" -gt 0 ]'

# SIGINT from another process ends it; the output is written.
last=sigint
status=0
"$EMBER" record -F 200 -o "$TMP/$last.folded" -- "$PY" "$RECURSIVE" 20 >"$TMP/$last.out" 2>"$TMP/$last.err" &
ember_pid=$!
sleep 1.5
kill -INT "$ember_pid"
wait "$ember_pid" || status=$?
expect "SIGINT ends the recording and the profile is written" \
    eval '[ "$(total "$TMP/$last.folded" ":leaf:")" -gt 0 ]'

last=duration
record "$last" -F 200 -d 0.8 -o "$TMP/$last.folded" -- "$PY" "$RECURSIVE" 20
expect "-d ends a launched command's recording: written, exit 0" \
    eval '[ $status -eq 0 ] && [ "$(total "$TMP/$last.folded" ":leaf:")" -gt 0 ]'

# The summary's process_vm_readv calls per round are the calls made (as
# strace counts them; they were once counted twice). The exit status under
# strace is not looked at: strace stands between ember and its child.
if command -v strace >/dev/null; then
    last=read-calls
    status=0
    # LeakSanitizer cannot stop the world under ptrace: off for this run.
    ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
    strace -f -qq -c -e trace=process_vm_readv -o "$TMP/$last.strace" \
        "$EMBER" record --read-memory -F 200 -d 0.8 -o "$TMP/$last.folded" -- "$PY" "$RECURSIVE" 20 \
        >"$TMP/$last.out" 2>"$TMP/$last.err" || status=$?
    # strace -c's columns: % time, seconds, usecs/call, calls, errors (blank
    # when none failed), syscall. The calls are the fourth field either way.
    traced=$(awk '$NF == "process_vm_readv" { print $4 }' "$TMP/$last.strace")
    rounds=$(sed -nE 's/.* samples in ([0-9]+) rounds.*/\1/p' "$TMP/$last.err")
    per_round=$(sed -nE 's/.* ([0-9.]+) process_vm_readv per round.*/\1/p' "$TMP/$last.err")
    expect "the summary's process_vm_readv per round ($per_round x $rounds rounds) is what strace counted ($traced)" \
        eval 'grep -q ", wrote " "$TMP/$last.err" && [ -n "$traced" ] && [ -n "$rounds" ] && [ -n "$per_round" ] &&
              awk -v p="$per_round" -v r="$rounds" -v t="$traced" "BEGIN { exit !(p * r >= t * 0.9 - 3 && p * r <= t * 1.1 + 3) }"'
else
    skip "process_vm_readv count" "no strace"
fi

# --memory: the resident set's growth is charged to the stack running
# when it grew (memory_allocated), its shrinking to the one running when
# it shrank (memory_released). record_memory.py maps 48 blocks of 4 MiB in
# grow() and unmaps them in shrink().
last=memory
MEMORY=$FIXTURES/record_memory.py
record "$last" --memory -F 100 -o "$TMP/$last.pb.gz" -- "$PY" "$MEMORY"
"$EMBER" convert "$TMP/$last.pb.gz" -o "$TMP/$last.folded" 2>>"$TMP/$last.err"
"$EMBER" convert --sample-type memory_released "$TMP/$last.pb.gz" -o "$TMP/$last-released.folded" \
    2>>"$TMP/$last.err"
blocks=$((48 * 4 * 1024 * 1024))
grown=$(total "$TMP/$last.folded" "record_memory.py:main:[0-9]+;[^ ]*record_memory.py:grow:")
released=$(total "$TMP/$last-released.folded" "record_memory.py:main:[0-9]+;[^ ]*record_memory.py:shrink:")
expect "--memory: the 192 MiB grow() maps are charged to grow ($grown bytes), their release to shrink ($released bytes)" \
    eval '[ $status -eq 0 ] && awk -v g="$grown" -v r="$released" -v b="$blocks" \
        "BEGIN { exit !(g >= 0.9 * b && g <= 1.1 * b && r >= 0.9 * b && r <= 1.1 * b) }"'
allocated_all=$(total "$TMP/$last.folded")
expect "--memory: grow() holds at least 90% of all memory_allocated ($grown of $allocated_all)" \
    eval 'awk -v g="$grown" -v a="$allocated_all" "BEGIN { exit !(a > 0 && g >= 0.9 * a) }"'

# Other writers: the model's Python frames go through every format.
last=formats
record "$last" -F 200 -o "$TMP/$last.pb.gz" -- "$PY" "$RECURSIVE" 0.6
"$EMBER" convert "$TMP/$last.pb.gz" -o "$TMP/$last.folded" 2>>"$TMP/$last.err"
expect "pprof output (.pb.gz) keeps the frames (converted back to folded)" \
    eval '[ $status -eq 0 ] && recursive_shape_ok "$TMP/$last.folded"'
record "$last-svg" -F 200 -o "$TMP/$last.svg" -- "$PY" "$RECURSIVE" 0.6
expect "SVG output names the Python frames" \
    eval '[ $status -eq 0 ] && grep -q "record_recursive.py:leaf:2" "$TMP/$last.svg"'

# The pyenv shim execs the real interpreter later: followed.
if [ -x /root/.pyenv/shims/python3 ]; then
    last=shim
    record "$last" -F 200 -o "$TMP/$last.folded" -- /root/.pyenv/shims/python3 "$RECURSIVE" 0.8
    expect "the pyenv shim (python3 on PATH) is followed to the real interpreter" \
        eval '[ $status -eq 0 ] && [ "$(total "$TMP/$last.folded" ":leaf:")" -gt 0 ]'
else
    skip "pyenv shim" "no /root/.pyenv/shims/python3"
fi
