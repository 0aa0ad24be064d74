#!/usr/bin/env bash
# svg_layout.sh — ember flamegraph draws the same frames as flamegraph.pl.
#
# For every case in tests/fixtures/svg/cases.txt, runs ember flamegraph on
# the case's folded input with the case's options and compares its frame
# set (x, y, width, height, fill, tooltip, label of every frame, and the
# image size) with the one flamegraph.pl drew, stored as CASE.tsv by
# tests/fixtures/svg/make_fixtures.sh.
source tests/lib.sh
FIXTURES=tests/fixtures/svg

if ! command -v python3 >/dev/null; then
    skip "frame sets equal flamegraph.pl's" "python3 not installed"
    exit 0
fi

while IFS=$'\t' read -r name input options; do
    case "$name" in ''|'#'*) continue ;; esac
    # shellcheck disable=SC2086
    "$EMBER" flamegraph $options "$FIXTURES/$input" >"$TMP/$name.svg" 2>"$TMP/$name.err"
    python3 "$FIXTURES/frames.py" "$TMP/$name.svg" >"$TMP/$name.tsv"
    if diff "$FIXTURES/$name.tsv" "$TMP/$name.tsv" >"$TMP/$name.diff"; then
        ok "frame set of '$name' ($options) equals flamegraph.pl's ($(($(wc -l <"$TMP/$name.tsv") - 1)) frames)"
    else
        not_ok "frame set of '$name' ($options) equals flamegraph.pl's"
        note "$(head -20 "$TMP/$name.diff")"
        note "$(head -5 "$TMP/$name.err")"
    fi
done <"$FIXTURES/cases.txt"

# Deterministic colours: two runs give the same bytes.
"$EMBER" flamegraph "$FIXTURES/mixed.folded" >"$TMP/run1.svg" 2>/dev/null
"$EMBER" flamegraph --deterministic "$FIXTURES/mixed.folded" >"$TMP/run2.svg" 2>/dev/null
check "default and --deterministic output are byte-identical between runs" cmp "$TMP/run1.svg" "$TMP/run2.svg"

# --random changes colours but not the layout.
"$EMBER" flamegraph --random "$FIXTURES/mixed.folded" >"$TMP/random.svg" 2>/dev/null
python3 "$FIXTURES/frames.py" "$TMP/random.svg" --no-fill >"$TMP/random.tsv"
python3 "$FIXTURES/frames.py" "$TMP/run1.svg" --no-fill >"$TMP/run1.tsv"
check "--random keeps the layout" cmp "$TMP/random.tsv" "$TMP/run1.tsv"
if cmp -s "$TMP/random.svg" "$TMP/run1.svg"; then
    not_ok "--random draws other colours than the default"
else
    ok "--random draws other colours than the default"
fi

# Several files are read one after the other, like flamegraph.pl's <>.
head -40 "$FIXTURES/mixed.folded" >"$TMP/part1.folded"
tail -n +41 "$FIXTURES/mixed.folded" >"$TMP/part2.folded"
"$EMBER" flamegraph "$TMP/part1.folded" "$TMP/part2.folded" >"$TMP/parts.svg" 2>/dev/null
python3 "$FIXTURES/frames.py" "$TMP/parts.svg" >"$TMP/parts.tsv"
check "several input files draw like their concatenation" diff "$FIXTURES/mixed.tsv" "$TMP/parts.tsv"

# Standard input and -o (atomic output).
"$EMBER" flamegraph -o "$TMP/out.svg" <"$FIXTURES/mixed.folded" 2>/dev/null
python3 "$FIXTURES/frames.py" "$TMP/out.svg" >"$TMP/out.tsv"
check "reads standard input and writes -o FILE" diff "$FIXTURES/mixed.tsv" "$TMP/out.tsv"

# Perl-style single-dash options.
"$EMBER" flamegraph -minwidth 5 "$FIXTURES/mixed.folded" >"$TMP/dash.svg" 2>/dev/null
python3 "$FIXTURES/frames.py" "$TMP/dash.svg" >"$TMP/dash.tsv"
check "single-dash options (-minwidth 5) work as in flamegraph.pl" diff "$FIXTURES/mixed-minwidth-px.tsv" "$TMP/dash.tsv"
