#!/usr/bin/env bash
# perf_data_lbr.sh — perf.data with LBR call stacks (`perf record
# --call-graph lbr`): these machines have no LBR hardware, so
# tests/fixtures/perf_data/lbr_fixture.c writes such a file itself (its own
# real call paths as branch entries, its executable as the MMAP2, kernel
# addresses from /proc/kallsyms when readable). Checks that perf script
# accepts it and builds the stacks intended (hand-written below: the user
# part from the branch entries, not from the frame-pointer chain, which the
# fixture cuts after two entries), and that `ember collapse FILE` prints
# exactly what `perf script | ember collapse` prints, for every option set.
# Skips when gcc or perf is missing.
source tests/lib.sh

if ! command -v gcc >/dev/null || ! command -v perf >/dev/null; then
    skip "LBR perf.data" "gcc or perf not installed"
    exit 0
fi
fixture="$TMP/lbr_fixture"
if ! gcc -O0 -g -fno-omit-frame-pointer -fno-inline -o "$fixture" \
    tests/fixtures/perf_data/lbr_fixture.c 2>"$TMP/gcc.log"; then
    not_ok "compile lbr_fixture"; note "$(cat "$TMP/gcc.log")"; exit 0
fi
if ! "$fixture" "$TMP/lbr.data" 2>"$TMP/fixture.err"; then
    not_ok "lbr_fixture writes a perf.data"; note "$(cat "$TMP/fixture.err")"; exit 0
fi
kernel=1
grep -q 'no kernel addresses' "$TMP/fixture.err" && kernel=0

# perf itself: the file is valid and the branch entries make the stacks.
if perf evlist -v -i "$TMP/lbr.data" 2>/dev/null | grep -q 'branch_sample_type: USER|CALL_STACK' &&
    perf script -i "$TMP/lbr.data" >"$TMP/lbr.perf" 2>"$TMP/perf.err" && [ -s "$TMP/lbr.perf" ]; then
    ok "perf script reads the LBR fixture ($(grep -c cycles "$TMP/lbr.perf") samples)"
else
    not_ok "perf script reads the LBR fixture"; note "$(head -c 800 "$TMP/perf.err")"; exit 0
fi

# The stacks the fixture describes (counts are sample periods: 250000,
# then 1000 more per sample, in the fixture's order).
gamma=$(printf 'path_gamma;%.0s' $(seq 32))
{
    echo "lbr_fixture;main;walk_paths;path_alpha;middle_one;leaf_red 1260000"
    [ "$kernel" = 1 ] && echo "lbr_fixture;main;walk_paths;path_alpha;middle_one;leaf_red;entry_SYSCALL_64_after_hwframe;do_syscall_64;__x64_sys_getpid 511000"
    echo "lbr_fixture;main;walk_paths;path_beta;middle_two;leaf_blue 774000"
    echo "lbr_fixture;${gamma}leaf_green 521000"
    echo "lbr_worker;main;walk_paths;path_alpha;middle_one;leaf_red 266000"
    echo "lbr_worker;main;walk_paths;path_beta;middle_two;leaf_blue 1054000"
    [ "$kernel" = 1 ] && echo "lbr_worker;${gamma}leaf_green;entry_SYSCALL_64_after_hwframe;do_syscall_64;__x64_sys_getpid 267000"
    [ "$kernel" = 1 ] && echo "swapper;do_idle;default_idle 537000"
} | sort >"$TMP/expected"
# Without kernel addresses the later samples' periods shift: compare names only then.
names() { sed 's/ [0-9]*$//' "$1" | sort; }
"$EMBER" collapse "$TMP/lbr.perf" 2>"$TMP/text.err" | sort >"$TMP/text"
if { [ "$kernel" = 1 ] && cmp -s "$TMP/text" "$TMP/expected"; } ||
    { [ "$kernel" = 0 ] && cmp -s <(names "$TMP/text") <(names "$TMP/expected"); }; then
    ok "perf script | ember collapse gives the intended LBR stacks (user part from the branch entries)"
else
    not_ok "perf script | ember collapse gives the intended LBR stacks"
    note "$(diff "$TMP/text" "$TMP/expected" | head -20)"
fi
"$EMBER" collapse "$TMP/lbr.data" 2>"$TMP/direct.err" | sort >"$TMP/direct"
if { [ "$kernel" = 1 ] && cmp -s "$TMP/direct" "$TMP/expected"; } ||
    { [ "$kernel" = 0 ] && cmp -s <(names "$TMP/direct") <(names "$TMP/expected"); }; then
    ok "ember collapse lbr.data gives the intended LBR stacks"
else
    not_ok "ember collapse lbr.data gives the intended LBR stacks"
    note "$(diff "$TMP/direct" "$TMP/expected" | head -20) $(head -c 300 "$TMP/direct.err")"
fi

# Line for line against perf script | ember collapse, as tests/e2e/perf_data.sh.
option_sets=("" "--pid" "--tid" "--kernel" "--jit" "--all" "--addrs" "--inline" "--inline --context"
    "--pid --tid --all --addrs")
for options in "${option_sets[@]}"; do
    # shellcheck disable=SC2086
    "$EMBER" collapse $options "$TMP/lbr.data" >"$TMP/direct" 2>"$TMP/direct.err"
    # shellcheck disable=SC2086
    "$EMBER" collapse $options "$TMP/lbr.perf" >"$TMP/text" 2>"$TMP/text.err"
    if [ -s "$TMP/text" ] && cmp -s "$TMP/direct" "$TMP/text"; then
        ok "collapse ${options:-(no options)} lbr.data equals perf script | ember collapse ($(wc -l <"$TMP/text") lines)"
    else
        not_ok "collapse ${options:-(no options)} lbr.data equals perf script | ember collapse"
        note "$(diff "$TMP/direct" "$TMP/text" | head -20) $(head -c 500 "$TMP/direct.err")"
    fi
done

# The timeline too, and convert draws the same stacks.
"$EMBER" flamegraph --flamechart "$TMP/lbr.data" >"$TMP/chart-direct.svg" 2>"$TMP/chart.err"
"$EMBER" flamegraph --flamechart "$TMP/lbr.perf" >"$TMP/chart-text.svg" 2>>"$TMP/chart.err"
if [ -s "$TMP/chart-text.svg" ] && cmp -s "$TMP/chart-direct.svg" "$TMP/chart-text.svg"; then
    ok "flamegraph --flamechart lbr.data equals the chart of its perf script text"
else
    not_ok "flamegraph --flamechart lbr.data equals the chart of its perf script text"
    note "$(diff "$TMP/chart-direct.svg" "$TMP/chart-text.svg" | head -6) $(head -c 300 "$TMP/chart.err")"
fi
if "$EMBER" convert "$TMP/lbr.data" -o "$TMP/lbr.svg" 2>"$TMP/convert.err" &&
    grep -q 'walk_paths' "$TMP/lbr.svg" && grep -q '</svg>' "$TMP/lbr.svg"; then
    ok "convert lbr.data -o x.svg draws the LBR stacks"
else
    not_ok "convert lbr.data -o x.svg"; note "$(cat "$TMP/convert.err")"
fi
