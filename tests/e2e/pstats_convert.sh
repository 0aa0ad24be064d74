#!/usr/bin/env bash
# pstats_convert.sh — cProfile dumps made in the test by every pyenv Python
# on the machine (2.7, 3.6-3.13 under /root/.pyenv/versions; absent ones are
# skipped) of tests/fixtures/pstats/workload.py, converted by ember:
# folded stacks with exact edge times where every ancestor has one caller,
# recursion drawn once, totals equal to the roots' cumtime (checked by
# check_folded.py with the Python that made the dump); SVG, stdin sniffing,
# `collapse --format pstats` and the calls sample type.
set -u
source tests/lib.sh

fixtures=$ROOT/tests/fixtures/pstats
pythons=$(ls -d /root/.pyenv/versions/*/bin/python 2>/dev/null | sort -V)
if [ -z "$pythons" ]; then
    skip "pstats from pyenv Pythons" "no /root/.pyenv/versions/*/bin/python on this machine"
    exit 0
fi
for python in $pythons; do
    version=$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null) || continue
    dir=$TMP/$version
    mkdir -p "$dir"
    cp "$fixtures/workload.py" "$dir/"
    if ! (cd "$dir" && "$python" -m cProfile -o x.prof workload.py) >"$dir/log" 2>&1; then
        not_ok "python $version: cProfile ran"; note "$(cat "$dir/log")"
        continue
    fi
    if "$EMBER" convert "$dir/x.prof" -o "$dir/x.folded" 2>"$dir/err" &&
        "$python" "$fixtures/check_folded.py" "$dir/x.prof" "$dir/x.folded" >"$dir/check" 2>&1; then
        ok "python $version: convert .prof to folded (exact edges, recursion, totals)"
    else
        not_ok "python $version: convert .prof to folded"
        note "$(cat "$dir/err" "$dir/check" "$dir/x.folded" 2>/dev/null | head -40)"
    fi
    # The same through stdin (sniffed) and through collapse --format.
    if "$EMBER" convert - -o "$dir/stdin.folded" <"$dir/x.prof" 2>"$dir/err" &&
        cmp -s "$dir/x.folded" "$dir/stdin.folded" &&
        "$EMBER" collapse --format pstats "$dir/x.prof" >"$dir/collapse.folded" 2>>"$dir/err" &&
        cmp -s "$dir/x.folded" "$dir/collapse.folded"; then
        ok "python $version: stdin and collapse --format pstats give the same stacks"
    else
        not_ok "python $version: stdin / collapse --format pstats"; note "$(cat "$dir/err")"
    fi
    if "$EMBER" convert "$dir/x.prof" -o "$dir/x.svg" 2>"$dir/err" &&
        python3 -c 'import sys, xml.etree.ElementTree as E; E.parse(sys.argv[1])' "$dir/x.svg" &&
        grep -q '<title>hot_leaf (' "$dir/x.svg" && grep -q '<title>caller_a (' "$dir/x.svg"; then
        ok "python $version: convert .prof to .svg"
    else
        not_ok "python $version: convert .prof to .svg"; note "$(cat "$dir/err")"
    fi
    # Calls per path: one call of hot_leaf from main, one of shared from each
    # caller, one of recurse from main (its recursive calls are not drawn).
    "$EMBER" convert --sample-type calls "$dir/x.prof" -o "$dir/calls.folded" 2>"$dir/err"
    if grep -q ';main;hot_leaf 1$' "$dir/calls.folded" &&
        [ "$(grep -c ';caller_[ab];shared 1$' "$dir/calls.folded")" = 2 ] &&
        grep -q ';main;recurse 1$' "$dir/calls.folded"; then
        ok "python $version: --sample-type calls counts calls per path"
    else
        not_ok "python $version: calls sample type"; note "$(cat "$dir/err" "$dir/calls.folded")"
    fi
done

# The pure-Python profile module: bare call counts on edges, a fake root.
for python in $pythons; do
    version=$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null) || continue
    dir=$TMP/profile-$version
    mkdir -p "$dir"
    if ! "$python" "$fixtures/profile_module.py" "$dir/p.prof" >"$dir/log" 2>&1; then
        not_ok "python $version: the profile module ran"; note "$(cat "$dir/log")"
        continue
    fi
    if "$EMBER" convert "$dir/p.prof" -o "$dir/p.folded" 2>"$dir/err" &&
        grep -q '^profiler;.*;main;hot_leaf [0-9]*$' "$dir/p.folded" &&
        grep -q ';main;recurse;hot_leaf [0-9]*$' "$dir/p.folded" &&
        grep -q ';main;caller_a;shared [0-9]*$' "$dir/p.folded"; then
        ok "python $version: profile module dump (call counts on edges) converts"
    else
        not_ok "python $version: profile module dump"; note "$(cat "$dir/err" "$dir/p.folded")"
    fi
done
