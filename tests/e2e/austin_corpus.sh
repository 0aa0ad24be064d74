#!/usr/bin/env bash
# austin_corpus.sh — the austin reader on real austin 3.7 output (the shared
# corpus: wall, memory and full-with-threads modes), read in place; every
# total is computed independently with awk from the same file.
set -u
source tests/lib.sh

CORPUS=$SHARED/corpus/python

# sum_folded FILE [PATTERN]: total of the last column (of lines matching PATTERN)
sum_folded() { awk -v pattern="${2:-}" 'pattern == "" || index($0, pattern) { total += $NF } END { printf "%.0f\n", total }' "$1"; }

# austin_totals FILE: "wall cpu allocated released" computed by awk from austin's own lines
austin_totals() {
    awk '/^#/ || NF == 0 { next }
         { n = split($NF, m, ",")
           if (n == 3) { wall += m[1]; if (m[2] == 0) cpu += m[1]; if (m[3] > 0) alloc += m[3]; else freed -= m[3] }
           else { wall += m[1]; if (m[1] > 0) alloc += m[1]; else freed -= m[1] } }
         END { printf "%.0f %.0f %.0f %.0f\n", wall, cpu, alloc, freed }' "$1"
}

# check_type FILE TYPE EXPECTED: ember's total of sample type TYPE equals EXPECTED
check_type() {
    local file=$1 type=$2 expected=$3 name
    name=$(basename "$file")
    if "$EMBER" convert --sample-type "$type" "$file" -o "$TMP/$name.$type.folded" 2>"$TMP/err"; then
        local got
        got=$(sum_folded "$TMP/$name.$type.folded")
        if [ "$got" = "$expected" ]; then ok "$name: $type total $got matches awk"
        else not_ok "$name: $type total"; note "ember $got, awk $expected"; fi
    else
        not_ok "$name: convert --sample-type $type"; note "$(cat "$TMP/err")"
    fi
}

wall=$CORPUS/austin-wall-work.austin
if [ -r "$wall" ]; then
    read -r total _ <<<"$(austin_totals "$wall")"
    check_type "$wall" wall "$total"
    # fib's time: every input line whose frames pass through work.py's fib
    expected=$(awk '/^#/ || NF == 0 { next } index($0, "work.py:fib:") { t += $NF } END { printf "%.0f\n", t }' "$wall")
    got=$(sum_folded "$TMP/austin-wall-work.austin.wall.folded" "fib (/work/anchors/python/work.py:")
    if [ "$got" = "$expected" ] && [ "$got" -gt 0 ]; then ok "wall: time under fib ($got us) matches awk"
    else not_ok "wall: time under fib"; note "ember $got, awk $expected"; fi
    # process and thread are the root frames, as austin prints them
    if awk '{ split($0, f, ";"); if (f[1] !~ /^P[0-9]+$/ || f[2] !~ /^T[0-9]+:[0-9]+/) bad++ } END { exit bad > 0 }' \
        "$TMP/austin-wall-work.austin.wall.folded"; then ok "wall: every stack starts with P<pid>;T<iid>:<tid>"
    else not_ok "wall: root frames"; fi
    # the reader is chosen by sniffing, and an SVG is written
    if "$EMBER" convert "$wall" -o "$TMP/wall.svg" 2>"$TMP/err" && grep -q 'count_words (/work/anchors/python/work.py:2' "$TMP/wall.svg"; then
        ok "wall: sniffed and drawn as SVG with function (file:line) names"
    else not_ok "wall: SVG"; note "$(cat "$TMP/err")"; fi
else
    skip "austin wall corpus" "$wall is absent"
fi

memory=$CORPUS/austin-mem-work.austin
if [ -r "$memory" ]; then
    read -r _ _ allocated released <<<"$(austin_totals "$memory")"
    check_type "$memory" memory_allocated "$allocated"
    check_type "$memory" memory_released "$released"
    # the default type of a memory profile is the allocations
    "$EMBER" convert "$memory" -o "$TMP/memory-default.folded" 2>/dev/null
    got=$(sum_folded "$TMP/memory-default.folded")
    if [ "$got" = "$allocated" ]; then ok "memory: default sample type is memory_allocated"
    else not_ok "memory: default sample type"; note "got $got, allocations $allocated"; fi
else
    skip "austin memory corpus" "$memory is absent"
fi

full=$CORPUS/austin-full-threads.austin
if [ -r "$full" ]; then
    read -r wall_total cpu_total allocated released <<<"$(austin_totals "$full")"
    check_type "$full" wall "$wall_total"
    check_type "$full" cpu "$cpu_total"
    check_type "$full" memory_allocated "$allocated"
    check_type "$full" memory_released "$released"
    # every thread austin saw is a root child of the process
    expected=$(awk -F';' '/^P/ { print $2 }' "$full" | awk '{ print $1 }' | sort -u | tr '\n' ' ')
    got=$(awk -F';' '{ print $2 }' "$TMP/austin-full-threads.austin.wall.folded" | awk '{ print $1 }' | sort -u | tr '\n' ' ')
    if [ "$got" = "$expected" ]; then ok "full: threads $got are root frames"
    else not_ok "full: thread roots"; note "ember: $got"; note "awk: $expected"; fi
    # hostile: the file cut in the middle of a line fails with that line number
    lines=$(grep -c '' "$full")
    head -c 400000 "$full" >"$TMP/cut.austin"
    cut_line=$(grep -c '' "$TMP/cut.austin")
    if ! "$EMBER" convert "$TMP/cut.austin" -o "$TMP/cut.folded" 2>"$TMP/err" &&
        grep -q "cut.austin:$cut_line: " "$TMP/err" && [ ! -e "$TMP/cut.folded" ]; then
        ok "full: a file cut mid-line fails naming line $cut_line of $lines, nothing written"
    else
        not_ok "full: cut file"; note "$(cat "$TMP/err")"
    fi
else
    skip "austin full corpus" "$full is absent"
fi

# collapse --format austin gives the same folded text as convert
if [ -r "$wall" ]; then
    "$EMBER" collapse --format austin "$wall" >"$TMP/collapse.folded" 2>"$TMP/err"
    if cmp -s "$TMP/collapse.folded" "$TMP/austin-wall-work.austin.wall.folded"; then ok "collapse --format austin equals convert"
    else not_ok "collapse --format austin"; note "$(head -3 "$TMP/err")"; fi
fi

# the excerpts kept in tests/fixtures/austin (usable without the corpus)
for file in tests/fixtures/austin/*.austin; do
    name=$(basename "$file")
    read -r wall_total cpu_total allocated released <<<"$(austin_totals "$file")"
    case $name in
        memory*) check_type "$file" memory_allocated "$allocated"; check_type "$file" memory_released "$released" ;;
        full*) check_type "$file" wall "$wall_total"; check_type "$file" cpu "$cpu_total" ;;
        *) check_type "$file" wall "$wall_total" ;;
    esac
done
