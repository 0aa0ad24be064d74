#!/usr/bin/env bash
# collapse_inline.sh — `ember collapse --inline` end to end: compile a program
# whose hot function is inlined into its caller (gcc -O2 -g), profile it with
# `perf record -g`, print it with `perf script --no-inline` (so perf does not
# expand inlines itself), and check that ember's DWARF expansion (libdw)
# shows the inlined function as its own frame under its caller, and that
# --context adds ":file:line". Skips when gcc, perf or perf_event_open is
# not available.
source tests/lib.sh

if ! command -v gcc >/dev/null || ! command -v perf >/dev/null; then
    skip "collapse --inline end to end" "gcc or perf not installed"
    exit 0
fi
cat >"$TMP/inline_demo.c" <<'C'
#include <stdio.h>
#include <stdlib.h>

static inline __attribute__((always_inline)) double inlined_kernel(double x)
{
    for (int i = 0; i < 50; i++)
        x = x * 1.0000001 + 0.5 / (x + 1.0);
    return x;
}

__attribute__((noinline)) double outer_loop(long n)
{
    double sum = 0;
    for (long i = 0; i < n; i++)
        sum += inlined_kernel((double)i);
    return sum;
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 1000000;
    printf("%f\n", outer_loop(n));
    return 0;
}
C
if ! gcc -O2 -g -fno-omit-frame-pointer -o "$TMP/inline_demo" "$TMP/inline_demo.c" 2>"$TMP/gcc.log"; then
    not_ok "compile the inline demo"; note "$(cat "$TMP/gcc.log")"; exit 0
fi
if ! perf record -q -g -o "$TMP/perf.data" -- "$TMP/inline_demo" 1000000 >/dev/null 2>"$TMP/record.log" ||
    [ ! -s "$TMP/perf.data" ]; then
    skip "collapse --inline end to end" "perf record not permitted here: $(head -c 200 "$TMP/record.log" | tr '\n' ' ')"
    exit 0
fi
inline_option=--no-inline
perf script --help 2>/dev/null | grep -q -- '--no-inline' || inline_option=
perf script $inline_option -i "$TMP/perf.data" >"$TMP/script.txt" 2>/dev/null
if ! grep -q 'outer_loop' "$TMP/script.txt"; then
    skip "collapse --inline end to end" "no sample landed in outer_loop"
    exit 0
fi

"$EMBER" collapse "$TMP/script.txt" >"$TMP/plain.folded" 2>"$TMP/plain.err"
if grep -q ';outer_loop \|;outer_loop;' "$TMP/plain.folded" && ! grep -q 'inlined_kernel' "$TMP/plain.folded"; then
    ok "without --inline the inlined function is folded into its caller"
else
    not_ok "without --inline the inlined function is folded into its caller"
    note "$(head -5 "$TMP/plain.folded")"
fi

"$EMBER" collapse --inline "$TMP/script.txt" >"$TMP/inline.folded" 2>"$TMP/inline.err"
if grep -q ';outer_loop;inlined_kernel ' "$TMP/inline.folded"; then
    ok "collapse --inline shows the inlined function as its own frame (outer_loop;inlined_kernel)"
else
    not_ok "collapse --inline shows the inlined function as its own frame (outer_loop;inlined_kernel)"
    note "$(grep -v '^$' "$TMP/inline.folded" | head -5)"
    note "$(head -5 "$TMP/inline.err")"
fi
# Samples are kept: the total count does not change.
plain_total=$(awk '{ total += $NF } END { print total }' "$TMP/plain.folded")
inline_total=$(awk '{ total += $NF } END { print total }' "$TMP/inline.folded")
if [ "$plain_total" = "$inline_total" ] && [ -n "$plain_total" ]; then
    ok "collapse --inline keeps every sample ($plain_total)"
else
    not_ok "collapse --inline keeps every sample ($plain_total vs $inline_total)"
fi

"$EMBER" collapse --inline --context "$TMP/script.txt" >"$TMP/context.folded" 2>/dev/null
if grep -qE ';outer_loop:inline_demo\.c:[0-9]+;inlined_kernel:inline_demo\.c:[0-9]+ ' "$TMP/context.folded"; then
    ok "collapse --inline --context appends :file:line"
else
    not_ok "collapse --inline --context appends :file:line"
    note "$(head -5 "$TMP/context.folded")"
fi

# Same frames as stackcollapse-perf.pl --inline (addr2line) for the demo's own code.
PERL_SCRIPT=${STACKCOLLAPSE_PERF:-/tmp/anchors/FlameGraph/stackcollapse-perf.pl}
if [ -f "$PERL_SCRIPT" ] && command -v addr2line >/dev/null; then
    perl "$PERL_SCRIPT" --inline "$TMP/script.txt" 2>/dev/null | grep 'outer_loop' | sed 's/^[^;]*;[^;]*;//' >"$TMP/perl.demo"
    grep 'outer_loop' "$TMP/inline.folded" | sed 's/^[^;]*;[^;]*;//' >"$TMP/ember.demo"
    if cmp -s "$TMP/perl.demo" "$TMP/ember.demo"; then
        ok "collapse --inline equals stackcollapse-perf.pl --inline on the demo's frames"
    else
        not_ok "collapse --inline equals stackcollapse-perf.pl --inline on the demo's frames"
        note "$(diff "$TMP/perl.demo" "$TMP/ember.demo" | head)"
    fi
else
    skip "collapse --inline equals stackcollapse-perf.pl --inline" "perl script or addr2line missing"
fi
