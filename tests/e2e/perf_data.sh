#!/usr/bin/env bash
# perf_data.sh — `ember collapse perf.data` end to end: build small C
# programs (tests/programs/perfdata_*.c, frame pointers on: one
# single-threaded with libc and kernel work, one multi-threaded, one that
# forks and execs), record them with the real `perf record -g` (and
# `-a` briefly, two events at once, and `--call-graph dwarf` when ember has
# its DWARF unwinder), and check that ember reading perf.data itself prints
# exactly what `perf script -i perf.data | ember collapse` prints, line for
# line, for every option set. Then `ember convert perf.data -o x.svg`, and
# bad files: truncated, corrupt, not perf.data, each a clear error naming
# the byte offset and a non-zero exit. Skips when gcc or perf is missing or
# perf cannot record here.
source tests/lib.sh

if ! command -v gcc >/dev/null || ! command -v perf >/dev/null; then
    skip "perf.data reading" "gcc or perf not installed"
    exit 0
fi
for program in spin threads fork; do
    if ! gcc -O1 -g -fno-omit-frame-pointer -fno-builtin -pthread -o "$TMP/perfdata_$program" \
        "tests/programs/perfdata_$program.c" 2>"$TMP/gcc.log"; then
        not_ok "compile perfdata_$program"; note "$(cat "$TMP/gcc.log")"; exit 0
    fi
done
# perf record -N: no build-id cache, so perf script reads the same files
# ember reads.
record() { # NAME PERF-OPTIONS... -- COMMAND...
    local name=$1; shift
    perf record -q -N -o "$TMP/$name.data" "$@" >/dev/null 2>"$TMP/record-$name.log" &&
        [ -s "$TMP/$name.data" ]
}
if ! record spin -g -F 4999 -- "$TMP/perfdata_spin" 300; then
    skip "perf.data reading" "perf record not permitted here: $(head -c 200 "$TMP/record-spin.log" | tr '\n' ' ')"
    exit 0
fi
recordings=(spin)
record threads -g -F 4999 -- "$TMP/perfdata_threads" 300 && recordings+=(threads)
record fork -g -F 4999 -- "$TMP/perfdata_fork" 300 && recordings+=(fork)
record two -g -F 999 -e cpu-clock -e task-clock -- "$TMP/perfdata_spin" 200 && recordings+=(two)
# A process running before the recording (perf record -p): perf writes its
# comm, threads and mappings from /proc as records.
"$TMP/perfdata_threads" 1500 &
running=$!
sleep 0.3
record attach -g -F 999 -p "$running" -- sleep 0.4 && recordings+=(attach)
wait "$running" 2>/dev/null
# A tracepoint beside a clock: perf script prints its fields after the
# event name, so the text pipeline counts it 1 and never filters it out.
record tracepoint -g -e cpu-clock -e sched:sched_switch -- "$TMP/perfdata_fork" 200 &&
    recordings+=(tracepoint)
if record all -g -F 999 -a -- "$TMP/perfdata_spin" 500; then
    recordings+=(all)
else
    skip "perf record -a" "not permitted: $(head -c 200 "$TMP/record-all.log" | tr '\n' ' ')"
fi
if [ -f src/record/unwind.c ] && record dwarf --call-graph dwarf -F 999 -- "$TMP/perfdata_spin" 300; then
    recordings+=(dwarf)
fi

# The functions the programs run must be there (the comparison alone would
# pass if both sides lost them).
"$EMBER" collapse "$TMP/spin.data" >"$TMP/spin.folded" 2>"$TMP/spin.err"
if grep -q '^perfdata_spin;.*main;inner_a ' "$TMP/spin.folded" &&
    grep -q ';inner_b ' "$TMP/spin.folded" && grep -q ';compare_ints' "$TMP/spin.folded"; then
    ok "perf.data of perfdata_spin: main;inner_a, inner_b and the qsort callback are there"
else
    not_ok "perf.data of perfdata_spin: expected functions"; note "$(head -20 "$TMP/spin.folded") $(cat "$TMP/spin.err")"
fi
if [[ " ${recordings[*]} " == *" threads "* ]]; then
    "$EMBER" collapse --tid "$TMP/threads.data" >"$TMP/threads.folded" 2>&1
    threads=$(grep -E ';(spin_even|spin_odd) ' "$TMP/threads.folded" | cut -d';' -f1 | sort -u | wc -l)
    if [ "$threads" -ge 3 ] && grep -q ';spin_even ' "$TMP/threads.folded" &&
        grep -q ';spin_odd ' "$TMP/threads.folded"; then
        ok "perf.data of perfdata_threads: three threads (--tid roots) running spin_even and spin_odd"
    else
        not_ok "perf.data of perfdata_threads: threads and functions"; note "$(head -20 "$TMP/threads.folded")"
    fi
fi
if [[ " ${recordings[*]} " == *" fork "* ]]; then
    "$EMBER" collapse --pid "$TMP/fork.data" >"$TMP/fork.folded" 2>&1
    if grep -q ';child_work' "$TMP/fork.folded" && grep -q ';parent_work' "$TMP/fork.folded" &&
        grep -q '^sh-' "$TMP/fork.folded"; then
        ok "perf.data of perfdata_fork: children (child_work), parent (parent_work) and the exec'd sh"
    else
        not_ok "perf.data of perfdata_fork: processes"; note "$(head -20 "$TMP/fork.folded")"
    fi
fi

# DWARF chains: the names must be perf's (inlined levels as perf shows
# them, return addresses minus one), but ember's unwinder (libdwfl, its own
# driver) and perf's stop at different depths on a few samples (a tail call
# into libc's strtol internals, here), so: every stack ember prints must be
# one perf script | ember collapse prints, or its leaf end (a shorter
# unwind), and most of the sample weight must be on identical stacks.
dwarf_compare() {
    perf script -i "$TMP/dwarf.data" 2>/dev/null | "$EMBER" collapse >"$TMP/dwarf.text" 2>/dev/null
    "$EMBER" collapse "$TMP/dwarf.data" >"$TMP/dwarf.direct" 2>"$TMP/dwarf.err"
    local result
    result=$(awk 'FNR == NR { n = $NF; $NF = ""; text[$0] += n; next }
        { n = $NF; $NF = ""; direct[$0] += n }
        END {
            for (stack in direct) {
                total += direct[stack]
                if (stack in text) { same += (direct[stack] < text[stack] ? direct[stack] : text[stack]); continue }
                # The leaf end of a perf stack: same root, then a suffix of its frames.
                root = stack; sub(/;.*/, "", root); rest = substr(stack, length(root) + 1)
                found = 0
                for (other in text) {
                    other_root = other; sub(/;.*/, "", other_root)
                    if (other_root == root && length(other) > length(stack) &&
                        substr(other, length(other) - length(rest) + 1) == rest) { found = 1; break }
                }
                if (!found) { unknown++; if (!example) example = stack }
            }
            printf "%d %d %d %s\n", same, total, unknown, example
        }' "$TMP/dwarf.text" "$TMP/dwarf.direct")
    local same total unknown example
    read -r same total unknown example <<<"$result"
    if [ -s "$TMP/dwarf.text" ] && [ "${unknown:-1}" -eq 0 ]; then
        ok "collapse dwarf.data: every stack is one of perf script | ember collapse's, or its leaf end"
    else
        not_ok "collapse dwarf.data: stacks perf script | ember collapse does not print"
        note "$unknown stacks, e.g. $example"
    fi
    if [ -n "$total" ] && [ "$total" -gt 0 ] && [ $((same * 100)) -ge $((total * 99)) ]; then
        ok "collapse dwarf.data: $same of $total sample weight on identical stacks"
    else
        not_ok "collapse dwarf.data: identical stacks for 99% of the samples ($same of $total)"
        note "$(diff "$TMP/dwarf.direct" "$TMP/dwarf.text" | head -10)"
    fi
}

# Line for line against perf script | ember collapse.
option_sets=("" "--pid" "--tid" "--kernel" "--jit" "--all" "--addrs" "--inline" "--inline --context"
    "--pid --tid --all --addrs")
for name in "${recordings[@]}"; do
    sets=("${option_sets[@]}")
    [ "$name" = two ] && sets+=("--event-filter=task-clock" "--event-filter=cpu-clock")
    [ "$name" = tracepoint ] && sets+=("--event-filter=cpu-clock" "--event-filter=sched:sched_switch")
    if [ "$name" = dwarf ]; then
        dwarf_compare
        continue
    fi
    perf script -i "$TMP/$name.data" >"$TMP/$name.perf" 2>/dev/null
    for options in "${sets[@]}"; do
        # shellcheck disable=SC2086
        "$EMBER" collapse $options "$TMP/$name.data" >"$TMP/direct" 2>"$TMP/direct.err"
        # shellcheck disable=SC2086
        "$EMBER" collapse $options "$TMP/$name.perf" >"$TMP/text" 2>"$TMP/text.err"
        if [ -s "$TMP/text" ] && cmp -s "$TMP/direct" "$TMP/text"; then
            ok "collapse ${options:-(no options)} $name.data equals perf script | ember collapse ($(wc -l <"$TMP/text") lines)"
        else
            not_ok "collapse ${options:-(no options)} $name.data equals perf script | ember collapse"
            note "$(diff "$TMP/direct" "$TMP/text" | head -20) $(head -c 500 "$TMP/direct.err")"
        fi
    done
done

# Pipe mode (perf record -o -): attrs, names and features come as records;
# read from a file and from standard input.
if perf record -q -N -g -F 999 -o - -- "$TMP/perfdata_spin" 200 >"$TMP/pipe.data" 2>/dev/null &&
    [ -s "$TMP/pipe.data" ]; then
    perf script -i "$TMP/pipe.data" 2>/dev/null | "$EMBER" collapse --tid >"$TMP/text" 2>/dev/null
    "$EMBER" collapse --tid "$TMP/pipe.data" >"$TMP/direct" 2>"$TMP/direct.err"
    "$EMBER" collapse --tid <"$TMP/pipe.data" >"$TMP/stdin" 2>>"$TMP/direct.err"
    if [ -s "$TMP/text" ] && cmp -s "$TMP/direct" "$TMP/text" && cmp -s "$TMP/stdin" "$TMP/text"; then
        ok "pipe-mode perf.data (file and standard input) equals perf script | ember collapse"
    else
        not_ok "pipe-mode perf.data equals perf script | ember collapse"
        note "$(diff "$TMP/direct" "$TMP/text" | head) $(head -c 500 "$TMP/direct.err")"
    fi
else
    skip "pipe-mode perf.data" "perf record -o - failed"
fi

# The timeline (flame charts by time) is the text pipeline's too: same
# times (perf script's microseconds), same threads.
for name in spin fork tracepoint; do
    [[ " ${recordings[*]} " == *" $name "* ]] || continue
    "$EMBER" flamegraph --flamechart "$TMP/$name.data" >"$TMP/chart-direct.svg" 2>"$TMP/chart.err"
    "$EMBER" flamegraph --flamechart "$TMP/$name.perf" >"$TMP/chart-text.svg" 2>>"$TMP/chart.err"
    if [ -s "$TMP/chart-text.svg" ] && cmp -s "$TMP/chart-direct.svg" "$TMP/chart-text.svg"; then
        ok "flamegraph --flamechart $name.data equals the chart of its perf script text"
    else
        not_ok "flamegraph --flamechart $name.data equals the chart of its perf script text"
        note "$(diff "$TMP/chart-direct.svg" "$TMP/chart-text.svg" | head -6) $(head -c 300 "$TMP/chart.err")"
    fi
done

# convert draws the same stacks.
if "$EMBER" convert "$TMP/spin.data" -o "$TMP/spin.svg" 2>"$TMP/convert.err" &&
    grep -q 'inner_a' "$TMP/spin.svg" && grep -q '</svg>' "$TMP/spin.svg"; then
    ok "convert perf.data -o x.svg draws the recording"
else
    not_ok "convert perf.data -o x.svg"; note "$(cat "$TMP/convert.err")"
fi
if "$EMBER" convert "$TMP/spin.data" -o "$TMP/spin2.folded" 2>"$TMP/convert.err"; then
    sort "$TMP/spin.folded" >"$TMP/a"; sort "$TMP/spin2.folded" >"$TMP/b"
    if cmp -s "$TMP/a" "$TMP/b"; then ok "convert perf.data -o x.folded equals collapse"
    else not_ok "convert perf.data -o x.folded equals collapse"; note "$(diff "$TMP/a" "$TMP/b" | head)"; fi
else
    not_ok "convert perf.data -o x.folded"; note "$(cat "$TMP/convert.err")"
fi

# Bad input: a clear message with the byte offset, non-zero exit, no crash.
data_offset=$(od -An -t u8 -j 40 -N 8 "$TMP/spin.data" | tr -d ' ')
bad_case() { # DESCRIPTION FILE PATTERN
    local description=$1 file=$2 pattern=$3 status=0
    "$EMBER" collapse "$file" >"$TMP/bad.out" 2>"$TMP/bad.err" || status=$?
    if [ "$status" -ne 0 ] && [ "$status" -lt 128 ] && ! grep -q Sanitizer "$TMP/bad.err" &&
        grep -qE "$pattern" "$TMP/bad.err" && [ ! -s "$TMP/bad.out" ]; then
        ok "$description: $(head -1 "$TMP/bad.err")"
    else
        not_ok "$description (exit $status)"; note "$(head -c 1500 "$TMP/bad.err")"
    fi
}
head -c 60 "$TMP/spin.data" >"$TMP/cut-header.data"
bad_case "perf.data cut inside its header" "$TMP/cut-header.data" 'byte [0-9]+: .*(truncated|corrupt)'
head -c $((data_offset + 1000 + 3)) "$TMP/spin.data" >"$TMP/cut-data.data"
bad_case "perf.data cut inside its data section" "$TMP/cut-data.data" 'byte 40: data section .*truncated'
cp "$TMP/spin.data" "$TMP/bad-record.data"
# The first record's size (bytes 6-7 of its header) set to 4, less than a header.
printf '\x04\x00' | dd of="$TMP/bad-record.data" bs=1 seek=$((data_offset + 6)) conv=notrunc 2>/dev/null
bad_case "perf.data with a record claiming 4 bytes" "$TMP/bad-record.data" "byte $data_offset: record .* claims 4 bytes"
cp "$TMP/spin.data" "$TMP/bad-attr.data"
printf '\x08\x00\x00\x00\x00\x00\x00\x00' | dd of="$TMP/bad-attr.data" bs=1 seek=16 conv=notrunc 2>/dev/null
bad_case "perf.data with 8-byte attribute entries" "$TMP/bad-attr.data" 'byte 16: attribute entries of 8 bytes'
printf 'PERFILE2\x10\x00\x00\x00\x00\x00\x00\x00' >"$TMP/empty-pipe.data"
bad_case "pipe-mode perf.data without records" "$TMP/empty-pipe.data" 'no samples'
printf '2ELIFREP\x68\x00\x00\x00\x00\x00\x00\x00' >"$TMP/swapped.data"
bad_case "perf.data of the other byte order" "$TMP/swapped.data" 'other byte order'
