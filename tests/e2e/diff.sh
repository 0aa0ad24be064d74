#!/usr/bin/env bash
# diff.sh — `ember diff`: byte-for-byte against difffolded.pl's lines
# (expected outputs recorded in tests/fixtures/diff, see its README), the
# differential SVG (colours and subtitle computed by hand), pprof inputs
# (against `go tool pprof -traces -diff_base` when Go is installed), errors
# and atomic output. With FLAMEGRAPH_DIR set, also runs difffolded.pl itself
# on the fixtures and on the corpus' small A/B pair.
source tests/lib.sh

fixtures=tests/fixtures/diff
pprof_fixtures=tests/fixtures/pprof

# The 12 recorded outputs: 3 input pairs x (none, -n, -s, -n -s).
for pair in edge big corpus; do
    for options in "" "-n" "-s" "-n -s"; do
        suffix=$(printf '%s' "$options" | tr -d ' -')
        expected=$fixtures/expected/$pair${suffix:+-$suffix}.folded
        # shellcheck disable=SC2086
        if "$EMBER" diff $options "$fixtures/$pair-before.folded" "$fixtures/$pair-after.folded" \
            >"$TMP/out.folded" 2>"$TMP/err" && cmp -s "$TMP/out.folded" "$expected"; then
            ok "diff ${options:-(no options)} $pair: same lines as difffolded.pl"
        else
            not_ok "diff ${options:-(no options)} $pair: same lines as difffolded.pl"
            note "$(diff "$expected" "$TMP/out.folded" | head -20; cat "$TMP/err")"
        fi
    done
done

# Long options and -o FILE.folded give the same bytes.
"$EMBER" diff --normalize --strip-hex "$fixtures/edge-before.folded" "$fixtures/edge-after.folded" \
    -o "$TMP/long.folded" 2>"$TMP/err"
check "--normalize --strip-hex -o x.folded = -n -s" cmp "$TMP/long.folded" "$fixtures/expected/edge-ns.folded"

# difffolded.pl itself, when a FlameGraph checkout is given.
sort_by_stack() { perl "$fixtures/sort-by-stack.pl"; }
if [ -n "${FLAMEGRAPH_DIR:-}" ] && [ -r "$FLAMEGRAPH_DIR/difffolded.pl" ]; then
    compare_with_perl() { # NAME BEFORE AFTER OPTIONS...
        local name=$1 before=$2 after=$3
        shift 3
        perl "$FLAMEGRAPH_DIR/difffolded.pl" "$@" "$before" "$after" | sort_by_stack >"$TMP/perl.folded"
        "$EMBER" diff "$@" "$before" "$after" >"$TMP/ember.folded"
        if cmp -s "$TMP/perl.folded" "$TMP/ember.folded"; then
            ok "difffolded.pl $* on $name: same lines"
        else
            not_ok "difffolded.pl $* on $name: same lines"
            note "$(diff "$TMP/perl.folded" "$TMP/ember.folded" | head -20)"
        fi
    }
    for pair in edge big corpus; do
        compare_with_perl "$pair" "$fixtures/$pair-before.folded" "$fixtures/$pair-after.folded"
        compare_with_perl "$pair" "$fixtures/$pair-before.folded" "$fixtures/$pair-after.folded" -n -s
    done
    if [ -r "$SHARED/corpus/small-A.perf.zst" ] && [ -r "$SHARED/corpus/small-B.perf.zst" ] &&
        command -v zstd >/dev/null; then
        for name in small-A small-B; do
            zstd -q -d -c "$SHARED/corpus/$name.perf.zst" | "$EMBER" collapse >"$TMP/$name.folded"
        done
        for options in "" "-n" "-s"; do
            # shellcheck disable=SC2086
            compare_with_perl "corpus small A/B" "$TMP/small-A.folded" "$TMP/small-B.folded" $options
        done
    else
        skip "difffolded.pl on the corpus' small A/B" "no corpus at $SHARED/corpus or no zstd"
    fi
else
    skip "difffolded.pl run live" "FLAMEGRAPH_DIR is not set (the recorded outputs above were made with it)"
fi

# The differential SVG, by hand: before shrinks 10, grows 2, same 5; after
# shrinks 4, grows 8, same 5. Largest |delta| 6: grows +6 is rgb(255,0,0)
# (green = blue = int(210 * (6 - 6) / 6)), shrinks -6 rgb(0,0,255), same 0
# white; widths and percentages of AFTER's 17 samples.
printf 'main;shrinks 10\nmain;grows 2\nmain;same 5\n' >"$TMP/before.folded"
printf 'main;shrinks 4\nmain;grows 8\nmain;same 5\n' >"$TMP/after.folded"
frame_fill() { # SVG NAME: the fill of the frame whose title starts with NAME (
    grep -o "<title>$2 ([^<]*</title><rect [^>]*fill=\"[^\"]*\"" "$1" | sed 's/.*fill="//; s/"$//'
}
frame_title() { grep -o "<title>$2 ([^<]*</title>" "$1"; }
if "$EMBER" diff "$TMP/before.folded" "$TMP/after.folded" -o "$TMP/diff.svg" 2>"$TMP/err"; then
    check "svg: grown frame red" test "$(frame_fill "$TMP/diff.svg" grows)" = "rgb(255,0,0)"
    check "svg: shrunk frame blue" test "$(frame_fill "$TMP/diff.svg" shrinks)" = "rgb(0,0,255)"
    check "svg: unchanged frame white" test "$(frame_fill "$TMP/diff.svg" same)" = "rgb(255,255,255)"
    check "svg: AFTER's widths and the delta in the tooltip" \
        test "$(frame_title "$TMP/diff.svg" grows)" = "<title>grows (8 samples, 47.06%; +35.29%)</title>"
    check "svg: subtitle says not normalized" \
        grep -q '<text id="subtitle"[^>]*>not normalized: before 17 samples, after 17 samples</text>' "$TMP/diff.svg"
else
    not_ok "ember diff -o diff.svg"; note "$(cat "$TMP/err")"
fi
# --negate: the shape of BEFORE (shrinks 10 wide), still red where it grew.
if "$EMBER" diff --negate "$TMP/before.folded" "$TMP/after.folded" -o "$TMP/negate.svg" 2>"$TMP/err"; then
    check "svg --negate: BEFORE's widths, shrunk frame blue" \
        test "$(frame_title "$TMP/negate.svg" shrinks)|$(frame_fill "$TMP/negate.svg" shrinks)" = \
        "<title>shrinks (10 samples, 58.82%; -35.29%)</title>|rgb(0,0,255)"
    check "svg --negate: grown frame red" test "$(frame_fill "$TMP/negate.svg" grows)" = "rgb(255,0,0)"
else
    not_ok "ember diff --negate -o diff.svg"; note "$(cat "$TMP/err")"
fi
# --negate's folded lines are difffolded.pl AFTER BEFORE.
"$EMBER" diff --negate "$TMP/before.folded" "$TMP/after.folded" >"$TMP/negate.folded"
"$EMBER" diff "$TMP/after.folded" "$TMP/before.folded" >"$TMP/swapped.folded"
check "--negate folded = inputs swapped" cmp "$TMP/negate.folded" "$TMP/swapped.folded"
# Normalized: totals 3 and 7, before scaled by 7/3; --title, --width pass through.
printf 'a 1\nb 2\n' >"$TMP/small-before.folded"
printf 'a 4\nb 3\n' >"$TMP/small-after.folded"
if "$EMBER" diff -n --title 'A <b>' --width 600 "$TMP/small-before.folded" "$TMP/small-after.folded" \
    -o "$TMP/normalized.svg" 2>"$TMP/err"; then
    check "svg -n: subtitle gives the scale" grep -q \
        '<text id="subtitle"[^>]*>normalized: before scaled ×2.333 to after.s total (3 → 7 samples)</text>' \
        "$TMP/normalized.svg"
    check "svg: --title escaped, --width applied" grep -q '<svg [^>]*width="600"' "$TMP/normalized.svg"
    check "svg: --title text" grep -q '<text id="title"[^>]*>A &lt;b&gt;</text>' "$TMP/normalized.svg"
    # a: int(1*7/3) = 2 -> 4, +2; b: int(2*7/3) = 4 -> 3, -1; largest 2:
    # b is rgb(105,105,255) (int(210 * (2 - 1) / 2) = 105).
    check "svg -n: colours from the normalized counts" \
        test "$(frame_fill "$TMP/normalized.svg" a) $(frame_fill "$TMP/normalized.svg" b)" = \
        "rgb(255,0,0) rgb(105,105,255)"
else
    not_ok "ember diff -n -o x.svg"; note "$(cat "$TMP/err")"
fi

# HTML goes through the generic writer.
if "$EMBER" diff "$TMP/before.folded" "$TMP/after.folded" -o "$TMP/diff.html" 2>"$TMP/err"; then
    check "html: a differential viewer (AFTER type 0, BEFORE type 1)" \
        grep -q '"diff":{"after":0,"before":1}' "$TMP/diff.html"
else
    not_ok "ember diff -o diff.html"; note "$(cat "$TMP/err")"
fi

# pprof inputs: two real Go CPU profiles (-diff_base semantics).
cpu_before=$pprof_fixtures/go-cpu.pb.gz
cpu_after=$fixtures/go-cpu-2.pb.gz
"$EMBER" diff "$cpu_before" "$cpu_after" >"$TMP/go.folded" 2>"$TMP/err"
check "pprof: diff of two Go CPU profiles" test -s "$TMP/go.folded"
# Columns sum to each profile's total of the default type (cpu nanoseconds).
"$EMBER" convert "$cpu_before" -o "$TMP/cpu-before.folded"
"$EMBER" convert "$cpu_after" -o "$TMP/cpu-after.folded"
sum_column() { awk -v column="$1" '{ total += $(NF - column) } END { printf "%.0f\n", total }'; }
check "pprof: BEFORE column = BEFORE's cpu total" \
    test "$(sum_column 1 <"$TMP/go.folded")" = "$(sum_column 0 <"$TMP/cpu-before.folded")"
check "pprof: AFTER column = AFTER's cpu total" \
    test "$(sum_column 0 <"$TMP/go.folded")" = "$(sum_column 0 <"$TMP/cpu-after.folded")"
# The same as diffing the folded forms.
"$EMBER" diff "$TMP/cpu-before.folded" "$TMP/cpu-after.folded" >"$TMP/go-via-folded.folded"
check "pprof: = diff of the folded forms" cmp "$TMP/go.folded" "$TMP/go-via-folded.folded"
# --sample-type samples: counts, not nanoseconds.
"$EMBER" diff -t samples "$cpu_before" "$cpu_after" >"$TMP/go-samples.folded"
"$EMBER" convert -t samples "$cpu_before" -o "$TMP/samples-before.folded"
check "pprof --sample-type samples: BEFORE column = its sample count" \
    test "$(sum_column 1 <"$TMP/go-samples.folded")" = "$(sum_column 0 <"$TMP/samples-before.folded")"
# Against go tool pprof -traces -diff_base: per stack, AFTER - BEFORE.
if command -v go >/dev/null; then
    pprof_traces_deltas() { # sums -traces blocks per stack (root first), drops zeros
        perl -e '
            my (%sum, @frames, $value, $in);
            sub flush { if (defined $value) { s/ \(inline\)$// for @frames;
                $sum{join ";", reverse @frames} += $value } undef $value; @frames = () }
            while (<STDIN>) {
                chomp;
                if (/^-+\+-+$/) { flush(); $in = 1; next }
                next unless $in;
                if (!defined $value) { ($value, @frames) = ($1, $2) if /^\s*(-?\d+)ns\s+(.+?)\s*$/; next }
                s/^\s+//; s/\s+$//; push @frames, $_ if length;
            }
            flush();
            print "$_ $sum{$_}\n" for sort grep { $sum{$_} != 0 } keys %sum;'
    }
    ember_deltas() {
        perl -e 'my %d; while (<STDIN>) { /^(.*) (\S+) (\S+)$/ or next; $d{$1} = $3 - $2 }
                 print "$_ $d{$_}\n" for sort grep { $d{$_} != 0 } keys %d;'
    }
    if GOFLAGS=-mod=mod GOPATH="$TMP/gopath" GOCACHE="$TMP/gocache" \
        go tool pprof -traces -unit=ns -diff_base="$cpu_before" "$cpu_after" \
        >"$TMP/traces.txt" 2>"$TMP/pprof.err"; then
        pprof_traces_deltas <"$TMP/traces.txt" >"$TMP/pprof-deltas.txt"
        ember_deltas <"$TMP/go.folded" >"$TMP/ember-deltas.txt"
        if [ -s "$TMP/pprof-deltas.txt" ] && cmp -s "$TMP/pprof-deltas.txt" "$TMP/ember-deltas.txt"; then
            ok "pprof: per-stack AFTER - BEFORE = go tool pprof -traces -diff_base"
        else
            not_ok "pprof: per-stack AFTER - BEFORE = go tool pprof -traces -diff_base"
            note "$(diff "$TMP/pprof-deltas.txt" "$TMP/ember-deltas.txt" | head -20)"
        fi
    else
        not_ok "go tool pprof -traces -diff_base ran"; note "$(head -5 "$TMP/pprof.err")"
    fi
else
    skip "against go tool pprof -diff_base" "go is not installed"
fi
# A heap profile against itself: every stack twice the same.
"$EMBER" diff -t alloc_space "$pprof_fixtures/go-heap.pb.gz" "$pprof_fixtures/go-heap.pb.gz" >"$TMP/heap.folded"
"$EMBER" convert -t alloc_space "$pprof_fixtures/go-heap.pb.gz" -o "$TMP/heap-convert.folded"
check "pprof heap vs itself: 'stack N N' for convert's 'stack N'" \
    cmp "$TMP/heap.folded" <(awk '{ count = $NF; $NF = count " " count; print }' "$TMP/heap-convert.folded")
# A pprof file against a folded one: the only sample types are compared.
check "pprof against folded (one sample type each)" \
    "$EMBER" diff -t samples "$TMP/samples-before.folded" "$cpu_after"
# Different sample types: a clear error naming BEFORE.
check_fails "cpu against heap: no common sample type" "$EMBER" diff "$pprof_fixtures/go-heap.pb.gz" "$cpu_after"
"$EMBER" diff "$pprof_fixtures/go-heap.pb.gz" "$cpu_after" 2>"$TMP/err" >/dev/null
check "cpu against heap: the message names BEFORE and its types" \
    grep -q "go-heap.pb.gz: no sample type cpu (nanoseconds).*inuse_space (bytes)" "$TMP/err"

# Errors and atomic output.
check_fails "one profile only: usage error" "$EMBER" diff "$TMP/before.folded"
check_fails "missing BEFORE" "$EMBER" diff "$TMP/nope.folded" "$TMP/after.folded"
"$EMBER" diff "$TMP/nope.folded" "$TMP/after.folded" 2>"$TMP/err" >/dev/null
check "missing BEFORE: the message names the file" grep -q "nope.folded" "$TMP/err"
check_fails "unknown output extension" "$EMBER" diff "$TMP/before.folded" "$TMP/after.folded" -o "$TMP/out.xyz"
check "unknown output extension: nothing written" test ! -e "$TMP/out.xyz"
: >"$TMP/empty.folded"
echo "precious" >"$TMP/keep.folded"
check_fails "--normalize with an empty BEFORE fails" \
    "$EMBER" diff -n "$TMP/empty.folded" "$TMP/after.folded" -o "$TMP/keep.folded"
check "--normalize failure leaves the existing output alone" grep -qx precious "$TMP/keep.folded"
check "no leftover temporary files" test "$(find "$TMP" -maxdepth 1 -name '*keep*' | wc -l)" -eq 1
"$EMBER" diff "$TMP/empty.folded" "$TMP/after.folded" >"$TMP/from-empty.folded"
check "empty BEFORE without -n: zeros" test "$(cat "$TMP/from-empty.folded")" = \
    "$(printf 'main;grows 0 8\nmain;same 0 5\nmain;shrinks 0 4')"
printf 'main;a 1\nnot a folded line\nmain;b 2\n' >"$TMP/malformed.folded"
"$EMBER" diff "$TMP/malformed.folded" "$TMP/after.folded" >/dev/null 2>"$TMP/err"
check "malformed lines: counted in a warning naming the file" \
    grep -q "malformed.folded: ignored 1 lines that are not folded stacks" "$TMP/err"
check_fails "both inputs standard input" "$EMBER" diff - -
printf 'main;grows 1\n' | "$EMBER" diff - "$TMP/after.folded" >"$TMP/stdin.folded"
check "BEFORE from standard input" test "$(head -1 "$TMP/stdin.folded")" = "main;grows 1 8"
check_fails "bad --width" "$EMBER" diff --width abc "$TMP/before.folded" "$TMP/after.folded" -o "$TMP/w.svg"
check_fails "unknown --format" "$EMBER" diff --format nope "$TMP/before.folded" "$TMP/after.folded"
