#!/usr/bin/env bash
# filters.sh — end-to-end tests of the profile filters (--focus, --ignore,
# --hide, --show, --prune-from, --merge-recursion, --no-pids, --no-tids,
# --invert, --max-depth, --min-percent) through the real binary: each
# option on folded fixtures against hand-computed folded output; the same
# flags on every command that reads a profile (convert, collapse,
# flamegraph, top, fetch); --no-pids/--no-tids undoing `collapse
# --pid/--tid` on perf script text; a bad regex refused with exit status
# 2; and focus/ignore/hide/show/prune_from against `go tool pprof -traces`
# on a real Go CPU profile, where both tools mean the same thing.
set -u
source tests/lib.sh

cat >"$TMP/in.folded" <<'EOF'
main;a;b 3
main;a;c 2
main;d 5
init;x 1
EOF

# expect DESCRIPTION EXPECTED OPTIONS...: `ember convert in.folded -o
# out.folded OPTIONS` must write EXPECTED (lines separated by \n).
expect() {
    local description=$1 expected=$2
    shift 2
    if "$EMBER" convert "$TMP/in.folded" -o "$TMP/out.folded" "$@" 2>"$TMP/err" &&
        [ "$(cat "$TMP/out.folded")" = "$(printf '%b' "$expected")" ]; then
        ok "$description"
    else
        not_ok "$description"; note "$(cat "$TMP/out.folded" "$TMP/err" 2>/dev/null)"
    fi
}

expect "--focus keeps stacks with a matching frame" \
    'main;a;b 3\nmain;a;c 2' --focus '^a$'
expect "--ignore drops stacks with a matching frame" \
    'main;a;b 3\nmain;d 5' --ignore '^[cx]$'
expect "--hide removes matching frames" \
    'init;x 1\nmain;b 3\nmain;c 2\nmain;d 5' --hide '^a$'
expect "--show keeps only matching frames; a stack left empty is dropped" \
    'a 2\na;b 3\nx 1' --show '^(a|b|x)$'
expect "--prune-from cuts below the matching frame" \
    'init;x 1\nmain;a 5\nmain;d 5' --prune-from '^a$'
expect "--invert reverses every stack" \
    'b;a;main 3\nc;a;main 2\nd;main 5\nx;init 1' --invert
expect "--max-depth moves deeper values to the last kept frame" \
    'init 1\nmain 10' --max-depth 1
expect "--min-percent merges children under P% into other" \
    'main;a 5\nmain;d 5\nother 1' --min-percent 10 --max-depth 2
expect "regexes search anywhere in the name unless anchored" \
    'main;a;b 3\nmain;a;c 2\nmain;d 5' --focus 'ai'
expect "--focus and --ignore together: ignore wins" \
    'main;a;b 3\nmain;d 5' --focus main --ignore '^c$'
expect "--invert then --max-depth: the leaf functions" \
    'b 3\nc 2\nd 5\nx 1' --invert --max-depth 1

printf 'main;r;r;r;x 2\nmain;r;y;r 1\n' >"$TMP/recursive.folded"
if "$EMBER" convert "$TMP/recursive.folded" -o "$TMP/out.folded" --merge-recursion 2>"$TMP/err" &&
    [ "$(cat "$TMP/out.folded")" = "$(printf 'main;r;x 2\nmain;r;y;r 1')" ]; then
    ok "--merge-recursion collapses runs of one function (direct recursion)"
else
    not_ok "--merge-recursion"; note "$(cat "$TMP/out.folded" "$TMP/err")"
fi

# --- every command takes the flags ----------------------------------------
if "$EMBER" collapse --format folded --focus '^a$' --hide '^main$' "$TMP/in.folded" \
    >"$TMP/collapse.out" 2>"$TMP/err" &&
    [ "$(cat "$TMP/collapse.out")" = "$(printf 'a;b 3\na;c 2')" ]; then
    ok "collapse applies the filters before writing"
else
    not_ok "collapse with filters"; note "$(cat "$TMP/collapse.out" "$TMP/err")"
fi

if "$EMBER" flamegraph --focus '^d$' "$TMP/in.folded" >"$TMP/focus.svg" 2>"$TMP/err" &&
    grep -q '<title>d (5 samples, 100.00%)</title>' "$TMP/focus.svg" &&
    ! grep -q '<title>b ' "$TMP/focus.svg"; then
    ok "flamegraph draws the filtered profile"
else
    not_ok "flamegraph with --focus"; note "$(grep '<title>' "$TMP/focus.svg" | head; cat "$TMP/err")"
fi

if "$EMBER" flamegraph --flamechart --hide '^a$' "$TMP/in.folded" >"$TMP/chart.svg" 2>"$TMP/err" &&
    grep -q '<title>b (3 samples' "$TMP/chart.svg" && ! grep -q '<title>a (' "$TMP/chart.svg"; then
    ok "flamegraph --flamechart keeps the timeline of the filtered stacks"
else
    not_ok "flamegraph --flamechart with --hide"; note "$(grep '<title>' "$TMP/chart.svg" | head; cat "$TMP/err")"
fi

if "$EMBER" top --ignore '^d$' "$TMP/in.folded" >"$TMP/top.out" 2>"$TMP/err" &&
    grep -qw b "$TMP/top.out" && ! grep -qw d "$TMP/top.out" && grep -qw x "$TMP/top.out"; then
    ok "top tabulates the filtered profile"
else
    not_ok "top with --ignore"; note "$(cat "$TMP/top.out" "$TMP/err")"
fi

if "$EMBER" view "$TMP/in.folded" -o "$TMP/view.html" --focus '^d$' 2>"$TMP/err" &&
    "$EMBER" view "$TMP/in.folded" -o "$TMP/view-all.html" 2>>"$TMP/err" &&
    grep -q '"d"' "$TMP/view.html" && ! grep -q '"b"' "$TMP/view.html" &&
    grep -q '"b"' "$TMP/view-all.html"; then
    ok "view writes the filtered profile into the HTML"
else
    not_ok "view with --focus"; note "$(cat "$TMP/err")"
fi

# diff: filters on both inputs, --min-percent on the compared profile.
printf 'main;a;b 3\nmain;a;c 2\nmain;d 5\n' >"$TMP/before.folded"
printf 'main;a;b 6\nmain;d 1\nmain;e 3\n' >"$TMP/after.folded"
if "$EMBER" diff "$TMP/before.folded" "$TMP/after.folded" --hide '^main$' >"$TMP/diff.out" 2>"$TMP/err" &&
    [ "$(cat "$TMP/diff.out")" = "$(printf 'a;b 3 6\na;c 2 0\nd 5 1\ne 0 3')" ]; then
    ok "diff filters BEFORE and AFTER alike"
else
    not_ok "diff with --hide"; note "$(cat "$TMP/diff.out" "$TMP/err")"
fi
# AFTER's total is 10: under main, d (1) goes to other; under a, c (0) too.
if "$EMBER" diff "$TMP/before.folded" "$TMP/after.folded" --min-percent 20 >"$TMP/diff.out" 2>"$TMP/err" &&
    [ "$(cat "$TMP/diff.out")" = "$(printf 'main;a;b 3 6\nmain;a;other 2 0\nmain;e 0 3\nmain;other 5 1')" ]; then
    ok "diff --min-percent groups the compared profile's small nodes (AFTER's totals)"
else
    not_ok "diff with --min-percent"; note "$(cat "$TMP/diff.out" "$TMP/err")"
fi

# fetch: a static copy of a Go heap profile served over HTTP.
if command -v python3 >/dev/null 2>&1; then
    mkdir -p "$TMP/site/debug/pprof"
    cp tests/fixtures/pprof/go-heap.pb.gz "$TMP/site/debug/pprof/heap"
    PYTHONUNBUFFERED=1 python3 -m http.server --bind 127.0.0.1 --directory "$TMP/site" 0 >"$TMP/http.out" 2>&1 &
    HTTP_PID=$!
    trap 'kill "$HTTP_PID" 2>/dev/null; wait "$HTTP_PID" 2>/dev/null; rm -rf "$TMP"' EXIT
    PORT=
    for _ in $(seq 100); do
        PORT=$(sed -n 's/.*port \([0-9][0-9]*\).*/\1/p' "$TMP/http.out" | head -1)
        [ -n "$PORT" ] && break
        sleep 0.1
    done
    "$EMBER" convert tests/fixtures/pprof/go-heap.pb.gz -o "$TMP/heap-expected.folded" \
        --sample-type alloc_space --focus 'main\.' --max-depth 4 2>/dev/null
    if [ -n "$PORT" ] &&
        "$EMBER" fetch "http://127.0.0.1:$PORT/debug/pprof/heap" --sample-type alloc_space \
            --focus 'main\.' --max-depth 4 -o "$TMP/heap.folded" 2>"$TMP/err" &&
        [ -s "$TMP/heap.folded" ] && cmp -s "$TMP/heap.folded" "$TMP/heap-expected.folded" &&
        awk -F';' 'NF > 4 { bad = 1 } END { exit bad }' "$TMP/heap.folded"; then
        ok "fetch applies the filters to the downloaded profile (same as convert)"
    else
        not_ok "fetch with filters"; note "$(cat "$TMP/err" "$TMP/http.out"; diff "$TMP/heap-expected.folded" "$TMP/heap.folded" | head)"
    fi
else
    skip "fetch with filters" "python3 is not installed"
fi
status=0
"$EMBER" fetch http://127.0.0.1:9/ --raw -o "$TMP/raw.pb.gz" --focus x 2>"$TMP/err" || status=$?
if [ "$status" -eq 2 ] && grep -q 'filters have no effect on --raw' "$TMP/err"; then
    ok "fetch --raw -o FILE.pb.gz refuses filters before connecting"
else
    not_ok "fetch --raw with filters (exit $status)"; note "$(cat "$TMP/err")"
fi

# --- --no-pids / --no-tids undo collapse --pid / --tid ---------------------
PERF=tests/fixtures/perf/edge-cases.txt
"$EMBER" collapse "$PERF" >"$TMP/plain.folded" 2>/dev/null
"$EMBER" collapse --pid "$PERF" >"$TMP/pid.folded" 2>/dev/null
if [ ! -s "$TMP/plain.folded" ] || [ ! -s "$TMP/pid.folded" ] ||
    cmp -s "$TMP/plain.folded" "$TMP/pid.folded"; then
    not_ok "collapse and collapse --pid write different, non-empty outputs"
elif "$EMBER" collapse --tid --no-tids "$PERF" 2>/dev/null | cmp -s - "$TMP/pid.folded"; then
    ok "collapse --tid --no-tids == collapse --pid"
else
    not_ok "collapse --tid --no-tids == collapse --pid"
fi
if "$EMBER" collapse --tid --no-pids "$PERF" 2>/dev/null | cmp -s - "$TMP/plain.folded" &&
    "$EMBER" collapse --pid --no-pids "$PERF" 2>/dev/null | cmp -s - "$TMP/plain.folded"; then
    ok "collapse --tid/--pid --no-pids == collapse"
else
    not_ok "collapse --tid/--pid --no-pids == collapse"
fi
"$EMBER" collapse --tid "$PERF" >"$TMP/tid.folded" 2>/dev/null
if "$EMBER" convert "$TMP/tid.folded" -o "$TMP/stripped.folded" --no-pids 2>/dev/null &&
    cmp -s "$TMP/stripped.folded" "$TMP/plain.folded"; then
    ok "convert --no-pids of collapse --tid's folded output == collapse"
else
    not_ok "convert --no-pids of collapse --tid's output"
fi

# --- bad values: exit 2, the option named ---------------------------------
for command in "convert $TMP/in.folded -o $TMP/x.folded" "collapse" "flamegraph" \
    "top $TMP/in.folded" "fetch http://127.0.0.1:9/" "view $TMP/in.folded -o $TMP/x.html" \
    "peek . $TMP/in.folded" "tree $TMP/in.folded" "diff $TMP/in.folded $TMP/in.folded"; do
    status=0
    # shellcheck disable=SC2086
    "$EMBER" $command --hide 'a(b' >"$TMP/bad.out" 2>"$TMP/bad.err" </dev/null || status=$?
    name=${command%% *}
    if [ "$status" -eq 2 ] && grep -q -- "--hide 'a(b'" "$TMP/bad.err" &&
        grep -q 'missing closing parenthesis (at offset 3)' "$TMP/bad.err"; then
        ok "$name: a regex that does not compile exits 2 naming the option and offset"
    else
        not_ok "$name: bad regex (exit $status)"; note "$(cat "$TMP/bad.err")"
    fi
done
# refused DESCRIPTION OPTIONS...: convert exits 2 with a message naming
# the first option.
refused() {
    local description=$1 status=0
    shift
    "$EMBER" convert "$TMP/in.folded" -o "$TMP/x.folded" "$@" 2>"$TMP/bad.err" || status=$?
    if [ "$status" -eq 2 ] && grep -q -- "$1" "$TMP/bad.err"; then
        ok "$description"
    else
        not_ok "$description (exit $status)"; note "$(cat "$TMP/bad.err")"
    fi
}
refused "--min-percent refuses 0" --min-percent 0
refused "--min-percent refuses more than 100" --min-percent 101
refused "--max-depth refuses 0" --max-depth 0
refused "--max-depth refuses a non-number" --max-depth 3x
refused "--focus given twice is refused (combine with |)" --focus a --focus b
if [ ! -e "$TMP/x.folded" ]; then
    ok "nothing is written when an option is refused"
else
    not_ok "an output was written despite a refused option"
fi

# --- against go tool pprof ---------------------------------------------------
if ! command -v go >/dev/null 2>&1; then
    skip "filters against go tool pprof" "go is not installed (golang-go)"
    exit 0
fi
export GOPATH="$TMP/gopath" GOCACHE="$TMP/gocache" GOTOOLCHAIN=local
export PPROF_TMPDIR="$TMP/pprof-tmp" HOME="$TMP"
PROFILE=tests/fixtures/pprof/go-cpu.pb.gz

# pprof_folded PPROF_OPTIONS...: the stacks `go tool pprof -traces` prints,
# as sorted folded lines in nanoseconds (" (inline)" dropped, equal stacks
# summed, zero ones left out).
pprof_folded() {
    go tool pprof -traces -unit=ns "$@" "$PROFILE" 2>/dev/null | python3 -c '
import re, sys
stacks, frames, value = {}, None, None
def flush():
    if frames and value is not None:
        key = ";".join(reversed(frames))
        stacks[key] = stacks.get(key, 0) + value
for line in sys.stdin:
    line = line.rstrip("\n")
    if line.startswith("-----------+"):
        flush(); frames, value = [], None; continue
    if frames is None: continue
    m = re.match(r"^\s*(-?[0-9.]+)[a-zA-Z]*   (\S.*)$", line)
    if value is None and m:
        value = int(float(m.group(1))); frames.append(m.group(2).replace(" (inline)", "")); continue
    if value is not None and line.startswith(" " * 13) and line.strip():
        frames.append(line.strip().replace(" (inline)", ""))
flush()
for key in sorted(stacks, key=lambda s: s.encode()):
    if stacks[key]:
        print(key, stacks[key])
'
}

# same_as_pprof DESCRIPTION "PPROF OPTIONS" EMBER OPTIONS...
same_as_pprof() {
    local description=$1 pprof_options=$2
    shift 2
    # shellcheck disable=SC2086
    pprof_folded $pprof_options >"$TMP/pprof.folded"
    "$EMBER" convert "$PROFILE" -o "$TMP/ember.folded" --sample-type cpu "$@" 2>"$TMP/err"
    if [ -s "$TMP/pprof.folded" ] && cmp -s "$TMP/pprof.folded" "$TMP/ember.folded"; then
        ok "$description: same stacks as go tool pprof ($(wc -l <"$TMP/ember.folded") stacks)"
    else
        not_ok "$description: differs from go tool pprof"
        note "$(diff "$TMP/pprof.folded" "$TMP/ember.folded" | head -20; cat "$TMP/err")"
    fi
}

same_as_pprof "no filter" ""
same_as_pprof "--focus" "-focus=sortWork" --focus sortWork
same_as_pprof "--ignore" "-ignore=asyncPreempt" --ignore asyncPreempt
same_as_pprof "--hide" "-hide=pdqsort" --hide pdqsort
same_as_pprof "--show" "-show=^(main|sort)\." --show '^(main|sort)\.'
same_as_pprof "--prune-from" "-prune_from=partition" --prune-from partition
same_as_pprof "--focus on a file name" "-focus=sort/sort\.go" --focus 'sort/sort\.go'
same_as_pprof "--focus --ignore --hide together" "-focus=main\.cpu -ignore=Less -hide=^runtime\." \
    --focus 'main\.cpu' --ignore Less --hide '^runtime\.'
same_as_pprof "--show --prune-from together" "-show=sort -prune_from=partition" \
    --show sort --prune-from partition
