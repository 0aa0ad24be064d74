#!/usr/bin/env bash
# flamegraph_formats.sh — `ember flamegraph` draws any format ember reads, not
# only folded stacks: the reader is recognised from the content or named with
# --format, the drawn type chosen with --sample-type, and the tooltips name
# the type's unit.
set -u
source tests/lib.sh

pprof=tests/fixtures/pprof/go-cpu.pb.gz
function_name=main.cpu

if "$EMBER" flamegraph "$pprof" >"$TMP/cpu.svg" 2>"$TMP/err" &&
    python3 -c 'import sys, xml.etree.ElementTree as E; E.parse(sys.argv[1])' "$TMP/cpu.svg" &&
    grep -q "$function_name" "$TMP/cpu.svg" && grep -q ' nanoseconds, ' "$TMP/cpu.svg"; then
    ok "a Go CPU profile is recognised and drawn with its cpu type in nanoseconds"
else
    not_ok "flamegraph on a pprof file"; note "$(cat "$TMP/err")"
fi

if "$EMBER" flamegraph --sample-type samples "$pprof" >"$TMP/samples.svg" 2>"$TMP/err" &&
    grep -q ' samples, ' "$TMP/samples.svg" && ! grep -q ' nanoseconds, ' "$TMP/samples.svg"; then
    ok "--sample-type samples draws the other type"
else
    not_ok "--sample-type samples"; note "$(cat "$TMP/err")"
fi

check_fails "--sample-type that the profile lacks" "$EMBER" flamegraph --sample-type nope "$pprof"
check_fails "--format that does not exist" "$EMBER" flamegraph --format nope "$pprof"

printf 'main;work 3\nmain;idle 1\n' >"$TMP/in.folded"
if "$EMBER" flamegraph "$TMP/in.folded" >"$TMP/folded.svg" 2>"$TMP/err" && grep -q '(3 samples, 75.00%)' "$TMP/folded.svg"; then
    ok "folded input keeps flamegraph.pl's 'samples' wording"
else
    not_ok "folded input"; note "$(cat "$TMP/err")"
fi
