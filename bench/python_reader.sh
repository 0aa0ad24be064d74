#!/usr/bin/env bash
# bench/python_reader.sh — what reading one Python stack costs (issue #6
# item 5): `ember dump -p PID -n N` takes N samples back to back of a
# process whose only thread sits 20 frames deep (a recursion, then a spin
# loop), under each installed CPython 3.6-3.13, and prints per sample the
# process_vm_readv calls and the CPU and wall microseconds the reader
# spent, from its own counters. No timed asserts; a shared, busy machine
# makes the wall figures noisy (CPU is the figure to compare: austin spends
# ~55 us of CPU and ~19 process_vm_readv calls per 20-deep sample here).
#
# Environment: EMBER (default build/ember), PYENV_VERSIONS (default
# /root/.pyenv/versions), BENCH_PYTHON_SAMPLES (default 20000).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
ember=${EMBER:-$repo/build/ember}
versions=${PYENV_VERSIONS:-/root/.pyenv/versions}
samples=${BENCH_PYTHON_SAMPLES:-20000}
work=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"' EXIT

cat >"$work/deep.py" <<'PY'
import sys
def spin():
    x = 0
    while True:
        x += 1
def recurse(n):
    if n == 0:
        return spin()
    return recurse(n - 1)
sys.stdout.write("ready\n")
sys.stdout.flush()
recurse(17)  # spin + 18 recurse + <module> = 20 frames
PY

printf '| CPython | frames | process_vm_readv / sample | CPU us / sample | wall us / sample | invalid |\n'
printf '| --- | --- | --- | --- | --- | --- |\n'
for minor in 6 7 8 9 10 11 12 13; do
    python=$(ls "$versions"/3."$minor".*/bin/python3."$minor" 2>/dev/null | head -n 1 || true)
    [ -n "$python" ] || continue
    "$python" "$work/deep.py" >"$work/out" &
    pid=$!
    for _ in $(seq 100); do grep -qs ready "$work/out" && break; sleep 0.05; done
    "$ember" dump -p "$pid" -n "$samples" >"$work/samples" 2>"$work/stats"
    kill "$pid"; wait "$pid" 2>/dev/null || true; pid=
    frames=$(awk -F'\t' '$2 != "(invalid)" { print split($2, f, ";"); exit }' "$work/samples")
    VERSION=$(basename "$(dirname "$(dirname "$python")")") FRAMES=$frames perl -ne '
        if (/(\d+) samples, \d+ stacks, (\d+) invalid, \d+ process_vm_readv calls \(([\d.]+) per sample\), ([\d.]+) us of CPU and ([\d.]+) us wall/) {
            printf "| %s | %s | %s | %s | %s | %s of %s |\n", $ENV{VERSION}, $ENV{FRAMES}, $3, $4, $5, $2, $1 }' <"$work/stats"
done
