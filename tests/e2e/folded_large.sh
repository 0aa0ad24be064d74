#!/usr/bin/env bash
# folded_large.sh — the reader's fast path for big unsorted folded files
# (mapped, parsed on two threads, the halves merged; no reuse of the
# previous line) must build the same profile as the plain path that reads
# standard input line by line: the same SVG byte for byte. Checked for
# plain counts, two-count differential lines, and fractional counts (where
# the second half is re-read after the first so sums keep file order). With
# integer counts the SVG of the shuffled file must also equal the sorted
# file's (flamegraph.pl sorts its input).
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
    "$EMBER" flamegraph <"$TMP/$mode.unsorted.folded" >"$TMP/$mode.stdin.svg" 2>"$TMP/err2"
    status2=$?
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
