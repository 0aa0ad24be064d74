#!/usr/bin/env bash
# collapse_fixtures.sh — `ember collapse` on small inputs made for ember:
# tests/fixtures/perf/edge-cases.txt walks the corners of stackcollapse-perf.pl's
# parsing (comm with spaces, TID 0, period 0, empty and "(...)" symbols,
# "->" chains, Go and C++ names, quotes and ';', java tidying, kernel and JIT
# annotations, a single-frame event line, tracepoints, samples without blank
# lines, filtered events). The expected files are what stackcollapse-perf.pl
# prints for them; when the script is present it is also run live.
source tests/lib.sh

FIXTURES=tests/fixtures/perf
input=$FIXTURES/edge-cases.txt
PERL_SCRIPT=${STACKCOLLAPSE_PERF:-/tmp/anchors/FlameGraph/stackcollapse-perf.pl}

for option in "" pid tid all addrs; do
    expected=$FIXTURES/edge-cases-collapsed${option:+-$option}.txt
    flag=${option:+--$option}
    status=0
    "$EMBER" collapse $flag "$input" >"$TMP/out" 2>"$TMP/err" || status=$?
    if [ "$status" -eq 0 ] && cmp -s "$TMP/out" "$expected"; then
        ok "collapse ${flag:-(default)} edge-cases matches the expected output"
    else
        not_ok "collapse ${flag:-(default)} edge-cases matches the expected output (exit $status)"
        note "$(diff "$expected" "$TMP/out" | head -20)"
    fi
    if [ -f "$PERL_SCRIPT" ] && command -v perl >/dev/null; then
        perl "$PERL_SCRIPT" $flag "$input" >"$TMP/perl" 2>/dev/null
        if cmp -s "$TMP/perl" "$TMP/out"; then
            ok "collapse ${flag:-(default)} edge-cases equals stackcollapse-perf.pl"
        else
            not_ok "collapse ${flag:-(default)} edge-cases equals stackcollapse-perf.pl"
            note "$(diff "$TMP/perl" "$TMP/out" | head -20)"
        fi
    fi
done

# The notice the perl prints when it drops another event type, once.
"$EMBER" collapse "$input" >/dev/null 2>"$TMP/err"
if [ "$(grep -c '^Filtering for events of type: instructions:u$' "$TMP/err")" = 1 ]; then
    ok "collapse prints 'Filtering for events of type: instructions:u' once"
else
    not_ok "collapse prints 'Filtering for events of type: instructions:u' once"
    note "$(cat "$TMP/err")"
fi

# An explicit filter keeps that event only, silently; several filters keep any of them.
"$EMBER" collapse --event-filter=instructions:u "$input" >"$TMP/out" 2>"$TMP/err"
# (lines that do not end in "event:" are never filtered, as in the perl)
expected=$(printf 'edge;filtered_but_appended 7\nedge;filtered_out_frame 7\nfalse 1\ntracer;__schedule 1')
if [ "$(cat "$TMP/out")" = "$expected" ] && ! grep -q Filtering "$TMP/err"; then
    ok "collapse --event-filter=instructions:u keeps only that event"
else
    not_ok "collapse --event-filter=instructions:u keeps only that event"
    note "$(cat "$TMP/out" "$TMP/err")"
fi
"$EMBER" collapse -event-filter instructions:u --event-filter=cycles:u "$input" >"$TMP/out" 2>&1
if grep -q '^edge;filtered_out_frame 7$' "$TMP/out" && grep -q '^swapper;cpu_idle 1000$' "$TMP/out"; then
    ok "collapse with two --event-filter options keeps both events"
else
    not_ok "collapse with two --event-filter options keeps both events"
    note "$(cat "$TMP/out")"
fi

# Standard input, "-", and several files read as one stream.
"$EMBER" collapse "$input" >"$TMP/file" 2>/dev/null
"$EMBER" collapse <"$input" >"$TMP/stdin" 2>/dev/null
"$EMBER" collapse - <"$input" >"$TMP/dash" 2>/dev/null
if cmp -s "$TMP/file" "$TMP/stdin" && cmp -s "$TMP/file" "$TMP/dash"; then
    ok "collapse reads standard input (no FILE, or -)"
else
    not_ok "collapse reads standard input (no FILE, or -)"
fi

# --format folded: folded stacks in, merged and sorted folded stacks out.
printf 'b;c 2\na;b 1\nb;c 3\n' >"$TMP/in.folded"
if [ "$("$EMBER" collapse --format folded "$TMP/in.folded")" = "$(printf 'a;b 1\nb;c 5')" ]; then
    ok "collapse --format folded merges and sorts folded stacks"
else
    not_ok "collapse --format folded merges and sorts folded stacks"
fi

# --help documents every flag.
"$EMBER" collapse --help >"$TMP/help" 2>&1
missing=
for flag in --pid --tid --kernel --jit --all --addrs --inline --context --event-filter --format --help; do
    grep -q -- "$flag" "$TMP/help" || missing="$missing $flag"
done
if [ -z "$missing" ]; then ok "collapse --help documents every flag"; else not_ok "collapse --help lacks:$missing"; fi

# The real corpus, when it is here: same output as the perl (measured elsewhere).
CORPUS=$SHARED/corpus/small-A.perf.zst
if [ -f "$CORPUS" ] && command -v zstd >/dev/null && [ -f "$PERL_SCRIPT" ]; then
    zstd -q -d -c "$CORPUS" >"$TMP/small-A.perf"
    perl "$PERL_SCRIPT" "$TMP/small-A.perf" >"$TMP/perl.folded" 2>/dev/null
    "$EMBER" collapse "$TMP/small-A.perf" >"$TMP/ember.folded" 2>/dev/null
    if cmp -s "$TMP/perl.folded" "$TMP/ember.folded"; then
        ok "collapse small-A corpus equals stackcollapse-perf.pl"
    else
        not_ok "collapse small-A corpus equals stackcollapse-perf.pl"
        note "$(diff "$TMP/perl.folded" "$TMP/ember.folded" | head)"
    fi
else
    skip "collapse small-A corpus equals stackcollapse-perf.pl" "corpus, zstd or the perl script missing"
fi

# CRLF line ends (a deliberate extension: the perl merges samples there).
sed 's/$/\r/' "$input" >"$TMP/crlf.txt"
if "$EMBER" collapse "$TMP/crlf.txt" 2>/dev/null | cmp -s - "$FIXTURES/edge-cases-collapsed.txt"; then
    ok "collapse reads CRLF perf script text like LF text"
else
    not_ok "collapse reads CRLF perf script text like LF text"
fi

# The frame cache is keyed without the "+0x..." offset: lines that differ
# only there must still name the frames perl names (it strips only the last
# lowercase offset: "foo+0x10+0x20" is "foo+0x10", "foo+0x1F" stays).
printf '%s\n' 'prog 1 1.0: 1 cpu-clock:' $'\t1 foo+0x10+0x20 (/m)' $'\t2 foo+0x10 (/m)' '' \
    'prog 1 2.0: 1 cpu-clock:' $'\t1 foo+0x1F (/m)' $'\t2 foo+0x1f (/m)' '' \
    'prog 1 3.0: 1 cpu-clock:' $'\t1 foo+0x10 (/m)' $'\t2 foo+0x10+0x20 (/m)' '' \
    'prog 1 4.0: 1 cpu-clock:' $'\t1 bar+0x10 (/m (deleted))' $'\t2 bar+0x20 (/m (deleted))' '' \
    >"$TMP/offsets.perf"
printf '%s\n' 'prog;bar+0x20 ;bar+0x10  1' 'prog;foo+0x10;foo 1' 'prog;foo;foo+0x10 1' \
    'prog;foo;foo+0x1F 1' >"$TMP/offsets.expected"
"$EMBER" collapse "$TMP/offsets.perf" >"$TMP/offsets.out" 2>"$TMP/err"
if cmp -s "$TMP/offsets.out" "$TMP/offsets.expected"; then
    ok "frames that differ only in their offsets are named as perl names them"
else
    not_ok "frames that differ only in their offsets are named as perl names them"
    note "$(diff "$TMP/offsets.expected" "$TMP/offsets.out")"
fi
