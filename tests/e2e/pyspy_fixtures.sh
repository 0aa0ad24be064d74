#!/usr/bin/env bash
# pyspy_fixtures.sh — py-spy raw files (hand-written, see
# tests/fixtures/pyspy/README.md): sniffed apart from plain folded, totals
# kept, file and line kept in the frame names.
set -u
source tests/lib.sh
FIXTURES=tests/fixtures/pyspy
sum_folded() { awk '{ total += $NF } END { printf "%.0f\n", total }' "$1"; }

for file in "$FIXTURES"/*.pyspy; do
    name=$(basename "$file")
    expected=$(sum_folded "$file")
    if "$EMBER" convert "$file" -o "$TMP/$name.folded" 2>"$TMP/err" && [ "$(sum_folded "$TMP/$name.folded")" = "$expected" ]; then
        ok "$name: total $expected kept"
    else
        not_ok "$name: total"; note "$(cat "$TMP/err")"
    fi
    # sniffing picks the py-spy reader, not folded: only py-spy's refuses a
    # line without a count (folded skips it), so a bad last line tells them apart
    { cat "$file"; echo 'truncated (x.py:1)'; } >"$TMP/probe-$name"
    lines=$(grep -c '' "$TMP/probe-$name")
    if ! "$EMBER" convert "$TMP/probe-$name" -o "$TMP/probe.folded" 2>"$TMP/err" && grep -q "probe-$name:$lines: expected 'frame;frame;... COUNT' (py-spy raw)" "$TMP/err"; then
        ok "$name: sniffed as py-spy raw, not plain folded"
    else
        not_ok "$name: sniffing"; note "$(cat "$TMP/err")"
    fi
done
if grep -q '^thread (0x7F3B2C9A4740): MainThread;<module> (work.py:53);main (work.py:46)' "$TMP/threads.pyspy.folded"; then
    ok "threads: thread root frame and name (file:line) frames as py-spy wrote them"
else
    not_ok "threads: frames"; note "$(head -3 "$TMP/threads.pyspy.folded")"
fi
printf 'a (a.py:1);b (a.py:2) 3\na (a.py:1);b (a.py:2)\n' >"$TMP/bad.pyspy"
if ! "$EMBER" convert --format pyspy "$TMP/bad.pyspy" -o "$TMP/bad.folded" 2>"$TMP/err" && grep -q 'bad.pyspy:2:' "$TMP/err"; then
    ok "a line without a count fails naming line 2"
else
    not_ok "bad line"; note "$(cat "$TMP/err")"
fi
