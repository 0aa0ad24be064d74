#!/usr/bin/env bash
# collapse_probe.sh — the perf-script probe: `ember convert` (which guesses
# the input format from its first bytes) must recognise perf script text
# (indented frames, old unindented frames, a "# ========" perf header) and
# fold it exactly as `ember collapse` does, and must still take folded input
# for folded.
source tests/lib.sh

convert_equals_collapse() { # description, input
    local description=$1 input=$2
    "$EMBER" collapse "$input" >"$TMP/collapse.folded" 2>/dev/null
    if "$EMBER" convert "$input" -o "$TMP/convert.folded" >"$TMP/convert.log" 2>&1 &&
        cmp -s "$TMP/collapse.folded" "$TMP/convert.folded"; then
        ok "$description"
    else
        not_ok "$description"
        note "$(head -5 "$TMP/convert.log")"
    fi
}

convert_equals_collapse "perf script with a # ======== header is guessed" tests/fixtures/perf/edge-cases.txt
grep -v '^#' tests/fixtures/perf/edge-cases.txt | sed '/./,$!d' >"$TMP/no-header.txt"
convert_equals_collapse "perf script without header (indented frames) is guessed" "$TMP/no-header.txt"
printf 'java 19983 cycles:\nffffffff8103d0ca native_write_msr_safe ([kernel.kallsyms])\n7f722d12e1d4 LBusy;::main (/tmp/perf-19982.map)\n\n' >"$TMP/unindented.txt"
convert_equals_collapse "perf script with unindented frames (old perf) is guessed" "$TMP/unindented.txt"

printf 'main;work 3\nmain;idle 1\n' >"$TMP/stacks.txt"
if "$EMBER" convert "$TMP/stacks.txt" -o "$TMP/out.folded" 2>/dev/null &&
    [ "$(cat "$TMP/out.folded")" = "$(printf 'main;idle 1\nmain;work 3')" ]; then
    ok "folded input is still guessed as folded"
else
    not_ok "folded input is still guessed as folded"
fi
printf 'a;b 1 2\nc;d (x) 3 4\n' >"$TMP/diff.txt"
if "$EMBER" convert "$TMP/diff.txt" -o "$TMP/out.folded" 2>/dev/null &&
    grep -q '^a;b 1 2$' "$TMP/out.folded"; then
    ok "differential folded input is guessed as folded"
else
    not_ok "differential folded input is guessed as folded"
fi
