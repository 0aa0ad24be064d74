#!/usr/bin/env bash
# text_views.sh — `ember top`, `ember peek` and `ember tree`.
#  - top and peek against the real `go tool pprof -top` / `-peek` (run live
#    when `go` is on the machine): the Go fixtures with several -nodecount,
#    -unit, -cum, -sample_index and -nodefraction settings, and profiles of
#    other formats converted to pprof by ember (so the same stacks reach both
#    tools); every line is compared but pprof's "File:" line and its
#    "(inline)" marks, which ember's model does not keep;
#  - tree against hand-computed trees, pruned by --min-percent/--max-depth;
#  - peek's errors: a bad regex (exit 2, nothing printed), no match (exit 1);
#  - every view on each format family ember reads (pstats included).
set -u
source tests/lib.sh

pprof_fixtures=$ROOT/tests/fixtures/pprof
cpu=$pprof_fixtures/go-cpu.pb.gz
heap=$pprof_fixtures/go-heap.pb.gz

# A folded profile with recursion (a;b;a) and a function on two paths (b).
printf 'a;b 3\na;c 1\nb 2\na;b;a 4\n' >"$TMP/small.folded"

# ---------- tree: hand-computed ----------
cat >"$TMP/tree.expected" <<'TREE'
Type: samples
Total: 10
     total total%       self  self%  call tree
         8 80.00%          0     0%  a
         7 70.00%          3 30.00%    b
         4 40.00%          4 40.00%      a
         1 10.00%          1 10.00%    c
         2 20.00%          2 20.00%  b
TREE
if "$EMBER" tree "$TMP/small.folded" >"$TMP/tree.out" 2>"$TMP/err" &&
    diff "$TMP/tree.expected" "$TMP/tree.out" >"$TMP/diff"; then
    ok "tree of a folded profile: totals, self, heaviest child first"
else
    not_ok "tree of a folded profile"; note "$(cat "$TMP/err" "$TMP/diff")"
fi

# --min-percent 15: under a, c (10%) becomes "other"; --max-depth 2 puts
# b's child a (4) into b's self (3 + 4).
cat >"$TMP/tree-pruned.expected" <<'TREE'
Type: samples
Total: 10
     total total%       self  self%  call tree
         8 80.00%          0     0%  a
         7 70.00%          7 70.00%    b
         1 10.00%          1 10.00%    other
         2 20.00%          2 20.00%  b
TREE
if "$EMBER" tree --min-percent 15 --max-depth 2 "$TMP/small.folded" >"$TMP/tree.out" 2>"$TMP/err" &&
    diff "$TMP/tree-pruned.expected" "$TMP/tree.out" >"$TMP/diff"; then
    ok "tree --min-percent 15 --max-depth 2"
else
    not_ok "tree --min-percent 15 --max-depth 2"; note "$(cat "$TMP/err" "$TMP/diff")"
fi

# Ties by name, deterministic whatever the input order.
printf 'r;zeta 5\nr;alpha 5\nr;mid 7\n' >"$TMP/ties1.folded"
printf 'r;mid 7\nr;alpha 5\nr;zeta 5\n' >"$TMP/ties2.folded"
"$EMBER" tree "$TMP/ties1.folded" >"$TMP/ties1.out" 2>&1
"$EMBER" tree "$TMP/ties2.folded" >"$TMP/ties2.out" 2>&1
if cmp -s "$TMP/ties1.out" "$TMP/ties2.out" &&
    [ "$(awk 'NR>4 {print $NF}' "$TMP/ties1.out" | tr '\n' ' ')" = "mid alpha zeta " ]; then
    ok "tree: children by total, then name, independent of input order"
else
    not_ok "tree child order"; note "$(cat "$TMP/ties1.out" "$TMP/ties2.out")"
fi

# ---------- peek: errors ----------
status=0
"$EMBER" peek 'a(b' "$TMP/small.folded" >"$TMP/out" 2>"$TMP/err" || status=$?
if [ "$status" -eq 2 ] && [ ! -s "$TMP/out" ] && grep -q "bad regular expression 'a(b'" "$TMP/err"; then
    ok "peek with a bad regex: exit 2, the pattern named, nothing printed"
else
    not_ok "peek with a bad regex (exit $status)"; note "$(cat "$TMP/err" "$TMP/out")"
fi
status=0
"$EMBER" peek '^nothing$' "$TMP/small.folded" >"$TMP/out" 2>"$TMP/err" || status=$?
if [ "$status" -eq 1 ] && [ ! -s "$TMP/out" ] && grep -q "no function matches" "$TMP/err"; then
    ok "peek matching nothing: exit 1, nothing printed"
else
    not_ok "peek matching nothing (exit $status)"; note "$(cat "$TMP/err" "$TMP/out")"
fi
check_fails "peek without a file is refused" "$EMBER" peek main
check_fails "top --unit with an unknown unit is refused" "$EMBER" top --unit furlongs "$cpu"
check_fails "tree --focus with a bad regex is refused" "$EMBER" tree --focus '(' "$cpu"

# ---------- every view on each format family ----------
# Each must run and agree with the others on the total.
python3 - "$TMP/work.prof" <<'PYTHON'
import cProfile, sys
def fib(n): return n if n < 2 else fib(n - 1) + fib(n - 2)
def work():
    total = 0
    for i in range(300): total += sum(range(i))
    return total + fib(15)
cProfile.run("work()", sys.argv[1])
PYTHON
inputs="$TMP/small.folded $cpu $heap $ROOT/tests/fixtures/perf/edge-cases.txt
$ROOT/tests/fixtures/austin/wall-excerpt.austin $ROOT/tests/fixtures/chrome/node-hot.cpuprofile
$ROOT/tests/fixtures/bpftrace/hand-made.bpftrace $TMP/work.prof"
for input in $inputs; do
    name=$(basename "$input")
    if "$EMBER" tree "$input" >"$TMP/t.out" 2>"$TMP/err" &&
        "$EMBER" peek . "$input" >"$TMP/p.out" 2>>"$TMP/err" &&
        "$EMBER" top --node-fraction 0 "$input" >"$TMP/top.out" 2>>"$TMP/err"; then
        tree_total=$(sed -n 's/^Total: //p' "$TMP/t.out")
        peek_total=$(sed -n 's/^Showing nodes accounting for .* of \(.*\) total$/\1/p' "$TMP/p.out")
        if [ -n "$tree_total" ] && [ "$tree_total" = "$peek_total" ]; then
            ok "tree, peek and top on $name (total $tree_total)"
        else
            not_ok "tree and peek totals differ on $name: '$tree_total' '$peek_total'"
        fi
    else
        not_ok "views on $name"; note "$(cat "$TMP/err")"
    fi
done

# pstats' call tree: fib recurses; its line in peek shows its callers.
if "$EMBER" peek '^fib$' "$TMP/work.prof" >"$TMP/out" 2>"$TMP/err" &&
    grep -q '| fib$' "$TMP/out" && grep -q '|   work$' "$TMP/out"; then
    ok "peek on a cProfile file: fib called from work"
else
    not_ok "peek on a cProfile file"; note "$(cat "$TMP/err" "$TMP/out")"
fi
# the pstats table of `ember top` is unchanged by these views
if "$EMBER" top -n 2 "$TMP/work.prof" >"$TMP/out" 2>"$TMP/err" &&
    grep -q 'ncalls  tottime  percall  cumtime  percall filename:lineno(function)' "$TMP/out"; then
    ok "top on a cProfile file still prints pstats' table"
else
    not_ok "top on a cProfile file"; note "$(cat "$TMP/err" "$TMP/out")"
fi

# ---------- against go tool pprof ----------
if ! command -v go >/dev/null 2>&1; then
    skip "top and peek against go tool pprof" "go is not installed"
    exit 0
fi
export GOFLAGS=-mod=mod GOCACHE=${GOCACHE:-$TMP/gocache} GOPATH=${GOPATH:-$TMP/gopath}
export GOTOOLCHAIN=local

# pprof's text without what ember's model does not keep. -symbolize=none:
# otherwise pprof's demangler "simplifies" every name, dropping any <...>
# (Python's "<module>" prints as an empty name), which ember does not do.
pprof_text() {
    go tool pprof -symbolize=none "$@" 2>/dev/null | grep -v '^File: ' |
        sed -E 's/ \((partial-)?inline\)$//'
}

# compare DESCRIPTION "PPROF FLAGS" "EMBER FLAGS" FILE [PPROF_FILE]
compare() {
    local description=$1 pprof_flags=$2 ember_flags=$3 file=$4 pprof_file=${5:-$4}
    # shellcheck disable=SC2086
    pprof_text $pprof_flags "$pprof_file" >"$TMP/pprof.txt"
    # shellcheck disable=SC2086
    "$EMBER" $ember_flags "$file" >"$TMP/ember.txt" 2>"$TMP/err"
    if [ -s "$TMP/pprof.txt" ] && diff "$TMP/pprof.txt" "$TMP/ember.txt" >"$TMP/diff"; then
        ok "$description: same as go tool pprof $pprof_flags"
    else
        not_ok "$description"; note "$(cat "$TMP/err" "$TMP/diff")"
    fi
}

compare "top of a Go CPU profile" "-top" "top" "$cpu"
compare "top -n 5" "-top -nodecount=5" "top -n 5" "$cpu"
compare "top --sort cum -n 7" "-top -cum -nodecount=7" "top --sort cum -n 7" "$cpu"
compare "top --unit s" "-top -unit=s" "top --unit s" "$cpu"
compare "top --unit auto" "-top -unit=auto" "top --unit auto" "$cpu"
compare "top --unit us -n 3" "-top -unit=us -nodecount=3" "top --unit us -n 3" "$cpu"
compare "top --sample-type samples" "-top -sample_index=samples" "top --sample-type samples" "$cpu"
compare "top of a heap profile (inuse_space, nodes dropped)" "-top" "top" "$heap"
compare "top --sample-type alloc_space --unit MB" "-top -sample_index=alloc_space -unit=MB" \
    "top --sample-type alloc_space --unit MB" "$heap"
compare "top --sample-type alloc_objects" "-top -sample_index=alloc_objects" \
    "top --sample-type alloc_objects" "$heap"
compare "top --node-fraction 0" "-top -nodefraction=0" "top --node-fraction 0" "$heap"
compare "top --node-fraction 0.2" "-top -nodefraction=0.2" "top --node-fraction 0.2" "$cpu"
compare "peek sort.partition" "-peek sort.partition" "peek sort.partition" "$cpu"
compare "peek of every sort. function" "-peek sort\\." "peek sort\\." "$cpu"
compare "peek --sort cum" "-peek main -cum" "peek --sort cum main" "$cpu"
compare "peek --unit auto" "-peek pdqsort -unit=auto" "peek --unit auto pdqsort" "$cpu"
compare "peek on a heap profile" "-peek main" "peek main" "$heap"

# Other formats, through ember's pprof writer: the same stacks for both.
for input in "$TMP/small.folded" "$ROOT/tests/fixtures/perf/edge-cases.txt" \
    "$ROOT/tests/fixtures/chrome/node-hot.cpuprofile" "$ROOT/tests/fixtures/austin/wall-excerpt.austin"; do
    name=$(basename "$input")
    if "$EMBER" convert "$input" -o "$TMP/$name.pb.gz" 2>"$TMP/err"; then
        compare "top of $name" "-top" "top" "$input" "$TMP/$name.pb.gz"
        compare "top -n 4 --sort cum of $name" "-top -cum -nodecount=4" "top -n 4 --sort cum" \
            "$input" "$TMP/$name.pb.gz"
        compare "peek . of $name" "-peek ." "peek ." "$input" "$TMP/$name.pb.gz"
    else
        not_ok "convert $name to pprof"; note "$(cat "$TMP/err")"
    fi
done
