#!/usr/bin/env bash
# collapse_parallel.sh — `ember collapse` reads a big regular file of perf
# script text on two threads (cut into pieces at sample boundaries, the first
# thread taking pieces from the front, the second from the back into its own
# profile, merged afterwards) and standard input from a pipe on one. Both
# must give the same folded output AND the same messages: a second thread's
# part that holds an unrecognised line, another event, a NUL byte, a cut-off
# last line or an unfinished last sample is read again in order by the first
# thread, so line numbers and notices are what the serial read prints.
set -u
source tests/lib.sh

conformance="$SHARED/conformance/stackcollapse-perf"
fixture="$conformance/perf-iperf-stacks-pidtid-01.txt" # events named: "...: 1 cycles:"
if [ ! -r "$fixture" ]; then
    skip "collapse of big perf script files on two threads" "$fixture is absent"
    exit 0
fi

# Forty copies of a 260 KB recording (each closed by a blank line): big
# enough for the two-thread path (8 MiB), many samples on either side.
big="$TMP/big.perf"
for _ in $(seq 40); do cat "$fixture"; echo; done >"$big"
lines=$(wc -l <"$big")

# same_as_serial DESCRIPTION FILE [OPTIONS...]: the mapped two-thread read of
# FILE and the pipe read give the same stdout, stderr and exit status.
same_as_serial() {
    local description=$1 file=$2
    shift 2
    local status_file=0 status_pipe=0
    "$EMBER" collapse "$@" "$file" >"$TMP/file.out" 2>"$TMP/file.err" || status_file=$?
    cat "$file" | "$EMBER" collapse "$@" >"$TMP/pipe.out" 2>"$TMP/pipe.err" || status_pipe=$?
    # The pipe's messages name "<stdin>" where the file's name the file.
    sed -i "s|$file|<stdin>|g" "$TMP/file.err"
    if [ "$status_file" -eq "$status_pipe" ] && [ "$status_file" -lt 128 ] &&
        cmp -s "$TMP/file.out" "$TMP/pipe.out" && cmp -s "$TMP/file.err" "$TMP/pipe.err" &&
        ! grep -q Sanitizer "$TMP/file.err"; then
        ok "$description (exit $status_file, $(wc -l <"$TMP/file.out") folded lines)"
    else
        not_ok "$description"
        note "exit $status_file (file) / $status_pipe (pipe)"
        note "$(diff "$TMP/file.err" "$TMP/pipe.err" | head -10)"
        note "$(diff "$TMP/file.out" "$TMP/pipe.out" | head -10)"
    fi
}

for options in "" --pid --tid --all --addrs "--pid --all"; do
    # shellcheck disable=SC2086 # options are words
    same_as_serial "two threads equal one: ${options:-default options}" "$big" $options
done
if [ -s "$TMP/file.out" ] && ! [ -s "$TMP/file.err" ]; then
    ok "a clean big input gives output and no message"
else
    not_ok "a clean big input gives output and no message"
    note "$(head -5 "$TMP/file.err")"
fi

# A line far into the second half, where the second thread reads.
late=$((lines * 3 / 4))

awk -v at="$late" 'NR == at { print "this line is not perf script" } { print }' "$big" \
    >"$TMP/unrecognised.perf"
same_as_serial "an unrecognised line in the second half is reported at its line" \
    "$TMP/unrecognised.perf"
grep -q "unrecognized line" "$TMP/file.err" && ok "... and the message is printed" ||
    not_ok "the unrecognised line's message is printed"

# Another event named only in the second half: dropped with perl's notice.
awk -v at="$late" 'NR >= at && !done && /cpu-clock: *$/ { sub(/cpu-clock:/, "page-faults:"); done = 1 }
    { print }' "$big" >"$TMP/event.perf"
same_as_serial "an event first seen in the second half is filtered with the notice" "$TMP/event.perf"
grep -q "Filtering for events of type: page-faults" "$TMP/file.err" &&
    ok "... and the notice names it" || not_ok "the filtering notice names page-faults"
same_as_serial "... and --event-filter picks it" "$TMP/event.perf" --event-filter=page-faults

# Two events throughout: the notice comes from the first half.
for _ in $(seq 180); do cat "$conformance/perf-cycles-instructions-01.txt"; echo; done \
    >"$TMP/two-events.perf"
same_as_serial "two events in both halves: the first is kept, the notice printed once" \
    "$TMP/two-events.perf"
same_as_serial "... and --event-filter takes the other" "$TMP/two-events.perf" \
    --event-filter=instructions

# A NUL byte in the second half.
{ head -n "$late" "$big"; printf 'x\0y\n'; tail -n +"$((late + 1))" "$big"; } >"$TMP/nul.perf"
same_as_serial "a NUL byte in the second half fails at its line" "$TMP/nul.perf"

# Wherever the threads meet, a bad line is reported as a serial read does:
# early (the first thread's pieces), about the middle, in the last piece.
for percent in 3 48 52 97; do
    at=$((lines * percent / 100))
    awk -v at="$at" 'NR == at { print "this line is not perf script" } { print }' "$big" \
        >"$TMP/unrecognised-$percent.perf"
    same_as_serial "an unrecognised line at $percent% of the file is reported at its line" \
        "$TMP/unrecognised-$percent.perf"
    { head -n "$at" "$big"; printf 'x\0y\n'; tail -n +"$((at + 1))" "$big"; } >"$TMP/nul-$percent.perf"
    same_as_serial "a NUL byte at $percent% of the file fails at its line" "$TMP/nul-$percent.perf"
done

# Bytes are not work: many short samples first, a few deep ones after, so
# that the threads meet far from the middle.
deep="$TMP/deep.perf"
{
    for _ in $(seq 30); do cat "$fixture"; echo; done
    awk 'BEGIN {
        for (s = 0; s < 1500; s++) {
            printf "deep 1234/1234 [000] 1.%06d: cpu-clock: \n", s
            for (d = 0; d < 300; d++) printf "\t%x f%d+0x1 (/bin/deep)\n", 4096 + d, d % 37
            print ""
        }
    }'
} >"$deep"
same_as_serial "short samples then deep ones: two threads equal one" "$deep"

# The last line cut short, and the last sample left open.
head -c -1 "$fixture" >"$TMP/cut.tail"
{ cat "$big"; cat "$TMP/cut.tail"; } >"$TMP/cut.perf"
same_as_serial "a last line without its newline fails" "$TMP/cut.perf"
{ cat "$big"; cat "$fixture"; } >"$TMP/open.perf"
same_as_serial "an unfinished last sample is noted, not counted" "$TMP/open.perf"

# A file that is not perf script at all in its first half.
{ yes 'garbage line' | head -n 400000; cat "$big"; } >"$TMP/garbage-first.perf"
same_as_serial "unrecognised lines before the first sample are held back the same way" \
    "$TMP/garbage-first.perf"
