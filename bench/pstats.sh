#!/usr/bin/env bash
# bench/pstats.sh — cProfile dump -> SVG: ember against flameprof, and
# against Python's own pstats loading the same file.
#
# The dump is made once (and kept, see below) by profiling part of the
# standard library's test suite with a pyenv CPython:
#     python -m cProfile -o big.prof -m test -q TESTS...
# then hyperfine times, on that file:
#   ember convert big.prof -o out.svg
#   python3 flameprof.py big.prof > out.svg      (when FLAMEPROF is set)
#   python3 -c 'import pstats; pstats.Stats("big.prof")'
#   ember top big.prof  vs  pstats' sort_stats("cumulative").print_stats()
# and prints the ratios.
#
# Environment:
#   EMBER             the ember binary (default build/ember)
#   PSTATS_PYTHON     the Python that makes the dump (default: the newest
#                     /root/.pyenv/versions/3.*/bin/python with its test suite)
#   PSTATS_TESTS      the test modules to profile (default: 19 modules, ~3 MB dump)
#   PSTATS_PROFILE    use this dump instead of making one
#   FLAMEPROF         path to flameprof.py (github.com/baverman/flameprof,
#                     pure Python; not on PyPI from here): measured when set
#   FLAMEPROF_PYTHON  the Python running flameprof and pstats (default python3)
#   BENCH_TMPDIR      where the dump is kept between runs (default $TMPDIR or /tmp)
#   BENCH_RUNS        runs per command (default 10)
#   BENCH_OUT         a directory: bench/run's report reads the hyperfine JSON
#                     export and the dump's description left there
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
ember=${EMBER:-$repo/build/ember}
runs=${BENCH_RUNS:-10}
python_tool=${FLAMEPROF_PYTHON:-python3}
tests=${PSTATS_TESTS:-test_json test_re test_difflib test_statistics test_decimal test_email test_argparse test_pickle test_typing test_inspect test_ast test_collections test_datetime test_enum test_dataclasses test_fractions test_textwrap test_tokenize test_unittest}

for tool in hyperfine "$python_tool"; do
    if ! command -v "$tool" >/dev/null; then
        echo "bench/pstats: $tool is missing; skipping" >&2
        exit 0
    fi
done
if [ ! -x "$ember" ]; then
    echo "bench/pstats: $ember not built; run \`make\` first" >&2
    exit 1
fi

keep=${BENCH_TMPDIR:-${TMPDIR:-/tmp}}/ember-pstats-bench
mkdir -p "$keep"
profile=${PSTATS_PROFILE:-$keep/big.prof}
if [ ! -s "$profile" ]; then
    python=${PSTATS_PYTHON:-}
    if [ -z "$python" ]; then
        # 3.11 first: the figures in docs/formats/pstats.md come from its dump
        # (flameprof 0.4 divides by zero on the 3.13 dump of the same tests).
        for candidate in $(ls -d /root/.pyenv/versions/3.11*/bin/python 2>/dev/null) \
            $(ls -d /root/.pyenv/versions/3.*/bin/python 2>/dev/null | sort -rV); do
            if "$candidate" -c 'import test.libregrtest' 2>/dev/null; then
                python=$candidate
                break
            fi
        done
    fi
    if [ -z "$python" ]; then
        echo "bench/pstats: no Python with its test suite (set PSTATS_PYTHON or PSTATS_PROFILE); skipping" >&2
        exit 0
    fi
    echo "== making $profile: $python -m cProfile -m test -q $tests (a minute or two)" >&2
    # shellcheck disable=SC2086
    (cd "$keep" && "$python" -m cProfile -o "$profile.part" -m test -q $tests >"$keep/make.log" 2>&1) || true
    if [ ! -s "$profile.part" ]; then
        echo "bench/pstats: the profiled test run wrote no dump; see $keep/make.log" >&2
        exit 1
    fi
    mv "$profile.part" "$profile"
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/ember-pstats-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
functions=$("$python_tool" -c 'import marshal, sys; d = marshal.load(open(sys.argv[1], "rb")); print(len(d), sum(len(v[4]) for v in d.values()))' "$profile")
echo "== $profile: $(stat -c %s "$profile") bytes, $functions (functions, caller edges)" >&2
echo "== load average: $(cut -d' ' -f1-3 /proc/loadavg)" >&2

commands=("$ember convert $profile -o $work/ember.svg")
names=("ember convert .prof -> svg")
flameprof=
if [ -n "${FLAMEPROF:-}" ]; then
    if [ ! -r "$FLAMEPROF" ]; then
        echo "bench/pstats: FLAMEPROF=$FLAMEPROF not readable; not measuring flameprof" >&2
    elif ! "$python_tool" "$FLAMEPROF" "$profile" >"$work/flameprof.svg" 2>"$work/flameprof.log"; then
        echo "bench/pstats: flameprof fails on this dump; not measuring it:" >&2
        tail -3 "$work/flameprof.log" >&2
        if [ -n "${BENCH_OUT:-}" ]; then
            printf 'pstats-flameprof-failed\t%s\n' "$(tail -1 "$work/flameprof.log" | tr '\t' ' ')" \
                >>"$BENCH_OUT/formats.tsv"
        fi
    else
        flameprof=$FLAMEPROF
        commands+=("$python_tool $flameprof $profile > $work/flameprof.svg")
        names+=("flameprof .prof -> svg")
    fi
fi
commands+=("$python_tool -c 'import pstats, sys; pstats.Stats(sys.argv[1])' $profile")
names+=("python pstats.Stats(file) (load only)")
commands+=("$ember top $profile > $work/ember-top.txt")
names+=("ember top")
commands+=("$python_tool -c 'import pstats, sys; pstats.Stats(sys.argv[1]).sort_stats(\"cumulative\").print_stats()' $profile > $work/pstats-top.txt")
names+=("python pstats print_stats (cumulative)")

arguments=()
for i in "${!commands[@]}"; do
    arguments+=(-n "${names[$i]}" "${commands[$i]}")
done
hyperfine -w 2 -r "$runs" --export-json "$work/times.json" "${arguments[@]}" >&2
if [ -n "${BENCH_OUT:-}" ]; then
    cp "$work/times.json" "$BENCH_OUT/pstats.json"
    printf 'pstats\t%s\t%s\t%s\t%s\t%s\n' "$profile" "$(stat -c %s "$profile")" "$functions" \
        "$("$python_tool" --version 2>&1)" "$BENCH_OUT/pstats.json" >>"$BENCH_OUT/formats.tsv"
fi

# Wall-clock medians, and CPU time (user + system means): on a busy machine
# the wall clock mostly measures waiting for a CPU.
"$python_tool" - "$work/times.json" <<'PY'
import json, sys
results = {r['command']: r for r in json.load(open(sys.argv[1]))['results']}
def wall(name):
    return results[name]['median']
def cpu(name):
    return results[name]['user'] + results[name]['system']
print('| task | ember wall (median) | other wall | ratio | ember CPU | other CPU | ratio |')
print('|---|---|---|---|---|---|---|')
def row(label, mine, other):
    print('| %s | %.1f ms | %.1f ms | %.1fx | %.1f ms | %.1f ms | %.1fx |' % (
        label, wall(mine) * 1e3, wall(other) * 1e3, wall(other) / wall(mine),
        cpu(mine) * 1e3, cpu(other) * 1e3, cpu(other) / cpu(mine)))
for other in ('flameprof .prof -> svg', 'python pstats.Stats(file) (load only)'):
    if other in results:
        row('.prof -> SVG vs ' + other, 'ember convert .prof -> svg', other)
row('ember top vs pstats print_stats', 'ember top', 'python pstats print_stats (cumulative)')
PY
