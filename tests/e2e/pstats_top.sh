#!/usr/bin/env bash
# pstats_top.sh — `ember top`: on cProfile dumps made in the test by every
# pyenv Python on the machine, the table must be byte for byte what that
# Python's own pstats prints (Stats(FILE).sort_stats(*KEYS).print_stats(N))
# for every sort key, several keys, abbreviations and a limit; on other
# profiles, the flat/cum table.
set -u
source tests/lib.sh

fixtures=$ROOT/tests/fixtures/pstats

# The flat table of a folded profile: b is on two paths, a only has children.
printf 'a;b 3\na;c 1\nb 2\na;b;a 4\n' >"$TMP/in.folded"
cat >"$TMP/flat.expected" <<'TABLE'
Type: samples
Showing nodes accounting for 10, 100% of 10 total
      flat  flat%   sum%        cum   cum%
         5 50.00% 50.00%          9 90.00%  b
         4 40.00% 90.00%          8 80.00%  a
         1 10.00%   100%          1 10.00%  c
TABLE
if "$EMBER" top "$TMP/in.folded" >"$TMP/flat.out" 2>"$TMP/err" &&
    diff "$TMP/flat.expected" "$TMP/flat.out" >"$TMP/diff"; then
    ok "top of a folded profile: flat, sum% and cum (recursion counted once)"
else
    not_ok "top of a folded profile"; note "$(cat "$TMP/err" "$TMP/diff")"
fi
if "$EMBER" top --sort cum --limit 1 "$TMP/in.folded" >"$TMP/flat.out" 2>"$TMP/err" &&
    grep -q 'Showing top 1 nodes out of 3' "$TMP/flat.out" && tail -1 "$TMP/flat.out" | grep -q ' b$'; then
    ok "top --sort cum --limit 1"
else
    not_ok "top --sort cum --limit 1"; note "$(cat "$TMP/err" "$TMP/flat.out")"
fi
check_fails "top --sort with a bad key is refused" "$EMBER" top --sort bogus "$TMP/in.folded"

# Counts whose sum overflows 64 bits (Python's ints do not): same table.
python3 -c '
import marshal, sys
big = 2 ** 62
stats = {("a.py", 1, "f"): (big, big, 0.5, 1.0, {}), ("b.py", 2, "g"): (big, big + 1, 0.25, 0.5, {}),
         ("c.py", 3, "h"): (big, big, 0.0, 0.0, {("a.py", 1, "f"): (big, big, 0.0, 0.0)})}
open(sys.argv[1], "wb").write(marshal.dumps(stats))' "$TMP/huge.prof"
(cd "$TMP" && python3 -c 'import pstats; pstats.Stats("huge.prof").sort_stats("calls").print_stats()') >"$TMP/huge.python" 2>&1
(cd "$TMP" && "$EMBER" top --sort calls huge.prof) >"$TMP/huge.ember" 2>&1
if diff "$TMP/huge.python" "$TMP/huge.ember" >"$TMP/diff"; then
    ok "top with call counts whose sum overflows 64 bits prints what pstats prints"
else
    not_ok "top with huge call counts"; note "$(cat "$TMP/diff")"
fi

pythons=$(ls -d /root/.pyenv/versions/*/bin/python 2>/dev/null | sort -V)
if [ -z "$pythons" ]; then
    skip "ember top against pstats" "no /root/.pyenv/versions/*/bin/python on this machine"
    exit 0
fi
# Sort keys as ember takes them (comma-separated) and the Python
# expression printing the same table.
cases='cumulative|"cumulative"
tottime|"tottime"
time|"time"
cumtime|"cumtime"
calls|"calls"
ncalls|"ncalls"
pcalls|"pcalls"
name|"name"
nfl|"nfl"
stdname|"stdname"
filename|"filename"
module|"module"
line|"line"
time,name|"time", "name"
line,cumulative|"line", "cumulative"
cumu|"cumu"
to|"to"'
for python in $pythons; do
    version=$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null) || continue
    dir=$TMP/$version
    mkdir -p "$dir"
    cp "$fixtures/workload.py" "$dir/"
    if ! (cd "$dir" && "$python" -m cProfile -o x.prof workload.py) >"$dir/log" 2>&1; then
        not_ok "python $version: cProfile ran"; note "$(cat "$dir/log")"
        continue
    fi
    # Every expected table from one Python process.
    (cd "$dir" && "$python" -c '
import pstats, sys
stats = pstats.Stats("x.prof")
for number, line in enumerate(sys.stdin):
    keys, arguments = line.rstrip("\n").split("|")
    for limit in ("", "3"):
        stats.stream = open("python-%d-%s.txt" % (number, limit or "all"), "w")
        stats.sort_stats(*eval("(" + arguments + ",)")).print_stats(*([int(limit)] if limit else []))
        stats.stream.close()
' <<<"$cases") >"$dir/log" 2>&1 || note "$(cat "$dir/log")"
    failed=
    number=0
    while IFS='|' read -r keys arguments; do
        for limit in "" 3; do
            (cd "$dir" && "$EMBER" top --sort "$keys" ${limit:+--limit $limit} x.prof) >"$dir/ember.txt" 2>&1
            if ! diff "$dir/python-$number-${limit:-all}.txt" "$dir/ember.txt" >"$dir/diff"; then
                [ -n "$failed" ] || note "$(head -30 "$dir/diff")" # the first difference only
                failed="$failed $keys${limit:+ (limit $limit)}"
            fi
        done
        number=$((number + 1))
    done <<<"$cases"
    if [ -z "$failed" ]; then
        ok "python $version: ember top prints what pstats prints for $(wc -l <<<"$cases") sort keys, with and without a limit"
    else
        not_ok "python $version: ember top differs from pstats for:$failed"
    fi
done

# The pure-Python profile module's dumps (call counts on edges).
for python in $pythons; do
    version=$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null) || continue
    dir=$TMP/profile-$version
    mkdir -p "$dir"
    if ! (cd "$dir" && "$python" "$fixtures/profile_module.py" p.prof) >"$dir/log" 2>&1; then
        not_ok "python $version: the profile module ran"; note "$(cat "$dir/log")"
        continue
    fi
    failed=
    for keys in cumulative nfl stdname; do
        (cd "$dir" && "$python" -c "import pstats; pstats.Stats('p.prof').sort_stats('$keys').print_stats()") \
            >"$dir/python.txt" 2>&1
        (cd "$dir" && "$EMBER" top --sort "$keys" p.prof) >"$dir/ember.txt" 2>&1
        if ! diff "$dir/python.txt" "$dir/ember.txt" >"$dir/diff"; then
            failed="$failed $keys"
            note "$(head -30 "$dir/diff")"
        fi
    done
    if [ -z "$failed" ]; then
        ok "python $version: ember top of a profile module dump prints what pstats prints"
    else
        not_ok "python $version: ember top of a profile module dump differs for:$failed"
    fi
done
