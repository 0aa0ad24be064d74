#!/usr/bin/env bash
# folded_large.sh — the reader's fast path for big unsorted folded files
# (mapped; one thread turns lines into frame ids and hands them in chunks
# to a second that builds the call tree) must build the same profile as the
# plain path that reads standard input line by line: the same SVG byte for
# byte and the same messages. Checked for plain counts, two-count
# differential lines, fractional counts and counts too big to add exactly
# in any order (both: sums in file order), a file whose
# differential lines start midway (the reading thread waits for the tree
# thread before adding the BEFORE sample type), with bad, blank, CRLF and
# empty-stack lines, and a line deeper than a chunk holds. With integer
# counts the SVG of the shuffled file must also equal the sorted file's
# (flamegraph.pl sorts its input).
set -u
source tests/lib.sh

# make_stacks SEED LINES MODE: deterministic stacks, some sharing prefixes,
# some one another's prefixes, with an empty frame now and then; MODE is
# plain, diff or fraction.
make_stacks() {
    awk -v seed="$1" -v lines="$2" -v mode="$3" 'BEGIN {
        srand(seed)
        for (i = 0; i < lines; i++) {
            depth = 1 + int(rand() * 40)
            stack = "root"
            for (d = 1; d < depth; d++) {
                r = int(rand() * (d < 5 ? 3 : 12))
                name = (r == 11 && d > 30) ? "" : sprintf("func_%d_%d_with_a_longer_name", d % 7, r)
                stack = stack ";" name
            }
            count = 1 + int(rand() * 1000)
            if (mode == "diff")
                printf "%s %d %d\n", stack, int(rand() * 1000), count
            else if (mode == "fraction")
                printf "%s %d.%d\n", stack, count, int(rand() * 10)
            else
                printf "%s %d\n", stack, count
        }
    }'
}

for mode in plain diff fraction; do
    make_stacks 7 30000 "$mode" >"$TMP/$mode.unsorted.folded"
    LC_ALL=C sort "$TMP/$mode.unsorted.folded" >"$TMP/$mode.sorted.folded"
    size=$(stat -c %s "$TMP/$mode.unsorted.folded")
    if [ "$size" -lt $((4 << 20)) ]; then
        not_ok "$mode: the test input is big enough for the two-thread path ($size bytes)"
        continue
    fi
    "$EMBER" flamegraph "$TMP/$mode.unsorted.folded" >"$TMP/$mode.unsorted.svg" 2>"$TMP/err1"
    status1=$?
    # Through a pipe: a redirected regular file would be mapped too.
    cat "$TMP/$mode.unsorted.folded" | "$EMBER" flamegraph >"$TMP/$mode.stdin.svg" 2>"$TMP/err2"
    status2=${PIPESTATUS[1]}
    if [ "$status1" -eq 0 ] && [ "$status2" -eq 0 ] &&
        cmp -s "$TMP/$mode.unsorted.svg" "$TMP/$mode.stdin.svg" &&
        [ "$(grep -c '<g' "$TMP/$mode.stdin.svg")" -gt 100 ]; then
        ok "$mode: a big shuffled file draws the same SVG as from standard input ($size bytes)"
    else
        not_ok "$mode: a big shuffled file draws the same SVG as from standard input"
        note "exit $status1/$status2; $(cat "$TMP/err1" "$TMP/err2" | head -5)"
        note "$(diff "$TMP/$mode.unsorted.svg" "$TMP/$mode.stdin.svg" | head -10)"
    fi
    [ "$mode" = fraction ] && continue # float sums follow input order
    "$EMBER" flamegraph "$TMP/$mode.sorted.folded" >"$TMP/$mode.sorted.svg" 2>"$TMP/err3"
    if cmp -s "$TMP/$mode.unsorted.svg" "$TMP/$mode.sorted.svg"; then
        ok "$mode: shuffled and sorted input draw the same SVG"
    else
        not_ok "$mode: shuffled and sorted input draw the same SVG"
        note "$(diff "$TMP/$mode.unsorted.svg" "$TMP/$mode.sorted.svg" | head -10)"
    fi
done

# same_as_stdin NAME FILE: the mapped path and standard input agree on the
# SVG, the exit status and the messages.
same_as_stdin() {
    local name=$1 file=$2
    "$EMBER" flamegraph "$file" >"$TMP/$name.mapped.svg" 2>"$TMP/$name.mapped.err"
    local status1=$?
    cat "$file" | "$EMBER" flamegraph >"$TMP/$name.stdin.svg" 2>"$TMP/$name.stdin.err"
    local status2=${PIPESTATUS[1]}
    if [ "$status1" -eq "$status2" ] && cmp -s "$TMP/$name.mapped.svg" "$TMP/$name.stdin.svg" &&
        cmp -s "$TMP/$name.mapped.err" "$TMP/$name.stdin.err" &&
        [ "$(grep -c '<g' "$TMP/$name.stdin.svg")" -gt 50 ]; then
        ok "$name: mapped and standard input agree (SVG, exit $status1, messages)"
    else
        not_ok "$name: mapped and standard input agree (SVG, exit, messages)"
        note "exit $status1/$status2; $(head -3 "$TMP/$name.mapped.err") / $(head -3 "$TMP/$name.stdin.err")"
        note "$(diff "$TMP/$name.mapped.svg" "$TMP/$name.stdin.svg" | head -6)"
    fi
}

# Plain lines, then differential ones, with bad lines, blank lines, CRLF
# endings and empty stacks among them.
{
    make_stacks 11 15000 plain | awk '{ if (NR % 997 == 0) print "no count here"; if (NR % 1499 == 0) print ""; if (NR % 701 == 0) printf "%s\r\n", $0; else print }'
    echo ";; 5"
    make_stacks 12 15000 diff | awk '{ if (NR % 883 == 0) print "bad; line x"; print }'
} >"$TMP/mixed.folded"
same_as_stdin mixed "$TMP/mixed.folded"
if grep -q 'Ignored [1-9][0-9]* lines with invalid format' "$TMP/mixed.mapped.err"; then
    ok "mixed: the skipped lines are reported"
else
    not_ok "mixed: the skipped lines are reported"
    note "$(cat "$TMP/mixed.mapped.err")"
fi

# Counts so big that their sum leaves the range where doubles add exactly
# in any order: from there on the lines must go on in file order.
make_stacks 17 30000 plain | awk '{ $NF = sprintf("%.0f", 1125899906842624 + NR * 3); print }' >"$TMP/huge.folded"
same_as_stdin huge "$TMP/huge.folded"

# One line of 70000 frames (more than a chunk of the pipeline holds) among
# ordinary ones, heavy enough to be drawn to its leaf.
{
    make_stacks 13 10000 plain | head -5000
    awk 'BEGIN { s = "deep"; for (i = 0; i < 70000; i++) s = s ";d" (i % 50); print s " 99999999999" }'
    make_stacks 13 10000 plain | tail -5000
    awk 'BEGIN { s = "deep"; for (i = 0; i < 70000; i++) s = s ";d" (i % 50); print s " 5" }'
} >"$TMP/deep.folded"
same_as_stdin deep "$TMP/deep.folded"
