#!/usr/bin/env bash
# collapse_conformance.sh — `ember collapse --OPT X.txt` must equal
# stackcollapse-perf.pl's expected output byte for byte, for every input of
# the shared conformance set and every OPT in pid tid kernel jit all addrs
# (78 cases). The data is read in place from $SHARED, never copied here.
# When stackcollapse-perf.pl is available, default (no option) output is
# compared with it too.
source tests/lib.sh

DATA=$SHARED/conformance/stackcollapse-perf
if [ ! -d "$DATA/expected" ]; then
    skip "collapse conformance (78 cases)" "$DATA not found"
    exit 0
fi

for input in "$DATA"/*.txt; do
    name=$(basename "$input" .txt)
    for option in pid tid kernel jit all addrs; do
        expected="$DATA/expected/$name-collapsed-$option.txt"
        if [ ! -f "$expected" ]; then
            not_ok "collapse --$option $name: expected file missing"
            continue
        fi
        status=0
        "$EMBER" collapse --$option "$input" >"$TMP/out" 2>"$TMP/err" || status=$?
        if [ "$status" -eq 0 ] && cmp -s "$TMP/out" "$expected"; then
            ok "collapse --$option $name"
        else
            not_ok "collapse --$option $name (exit $status)"
            note "$(diff "$expected" "$TMP/out" | head -20)"
            note "$(head -5 "$TMP/err")"
        fi
    done
done

# Single-dash long options, as Perl's Getopt::Long accepts.
input="$DATA/perf-java-stacks-01.txt"
if "$EMBER" collapse -pid "$input" >"$TMP/out" 2>/dev/null &&
    cmp -s "$TMP/out" "$DATA/expected/perf-java-stacks-01-collapsed-pid.txt"; then
    ok "collapse -pid (single dash) equals --pid"
else
    not_ok "collapse -pid (single dash) equals --pid"
fi

# Several files are one stream: the event chosen in the first file filters the next.
input="$DATA/perf-cycles-instructions-01.txt"
"$EMBER" collapse "$input" "$input" >"$TMP/twice" 2>"$TMP/twice.err"
"$EMBER" collapse "$input" >"$TMP/once" 2>"$TMP/once.err"
if awk '{ $NF = $NF * 2; print }' "$TMP/once" | cmp -s - "$TMP/twice"; then
    ok "collapse FILE FILE doubles every count"
else
    not_ok "collapse FILE FILE doubles every count"
    note "$(diff <(awk '{ $NF = $NF * 2; print }' "$TMP/once") "$TMP/twice" | head)"
fi
if [ "$(grep -c '^Filtering for events of type: cycles$' "$TMP/twice.err")" = 1 ]; then
    ok "collapse prints the event-filtering notice once, as stackcollapse-perf.pl"
else
    not_ok "collapse prints the event-filtering notice once, as stackcollapse-perf.pl"
    note "$(cat "$TMP/twice.err")"
fi

# Default options against the Perl script itself, when it is here.
PERL_SCRIPT=${STACKCOLLAPSE_PERF:-/tmp/anchors/FlameGraph/stackcollapse-perf.pl}
if [ -f "$PERL_SCRIPT" ] && command -v perl >/dev/null; then
    for input in "$DATA"/*.txt; do
        name=$(basename "$input" .txt)
        perl "$PERL_SCRIPT" "$input" >"$TMP/perl.out" 2>/dev/null
        "$EMBER" collapse "$input" >"$TMP/out" 2>/dev/null
        if cmp -s "$TMP/perl.out" "$TMP/out"; then
            ok "collapse $name equals stackcollapse-perf.pl (default options)"
        else
            not_ok "collapse $name equals stackcollapse-perf.pl (default options)"
            note "$(diff "$TMP/perl.out" "$TMP/out" | head -20)"
        fi
    done
else
    skip "collapse equals stackcollapse-perf.pl (default options)" "$PERL_SCRIPT not found"
fi
