#!/usr/bin/env bash
# pprof_go.sh — ember's pprof reader and writer against Go's own tools:
# a Go program (tests/fixtures/pprof/program) is built and run here to
# record a fresh CPU and heap profile; ember's reading of them (and of the
# recorded fixtures) must match `go tool pprof -traces` stack for stack, and
# `go tool pprof -top`/`-raw` must read what ember writes and show the same
# totals and functions as for the original.
set -u
source tests/lib.sh

FIXTURES=tests/fixtures/pprof
if ! command -v go >/dev/null 2>&1; then
    skip "pprof against go tool pprof" "go is not installed (golang-go, make test installs it)"
    exit 0
fi
export GOPATH="$TMP/gopath" GOCACHE="$TMP/gocache" GOFLAGS=-mod=mod GOTOOLCHAIN=local
export PPROF_TMPDIR="$TMP/pprof-tmp" HOME="$TMP"

# traces_to_folded FILE SAMPLE_INDEX: the stacks pprof itself sees, as
# sorted folded lines (root first, values in the sample type's base unit,
# " (inline)" markers dropped, identical stacks summed).
traces_to_folded() {
    local unit
    case "$2" in
        cpu|delay) unit=ns ;;
        alloc_space|inuse_space) unit=B ;;
        *) unit="" ;;
    esac
    go tool pprof -traces -sample_index="$2" ${unit:+-unit=$unit} "$1" 2>/dev/null | python3 -c '
import re, sys
stacks, frames, value = {}, None, None
def flush():
    if frames is not None and value is not None:
        key = ";".join(reversed(frames))
        stacks[key] = stacks.get(key, 0) + value
for line in sys.stdin:
    line = line.rstrip("\n")
    if line.startswith("-----------+"):
        flush(); frames, value = [], None; continue
    if frames is None: continue
    m = re.match(r"^\s*(-?[0-9.]+)[a-zA-Z]*   (\S.*)$", line)
    if value is None and m:
        value = int(float(m.group(1))); frames.append(m.group(2)); continue
    if value is not None and line.startswith(" " * 13) and line.strip():
        frames.append(line.strip())
flush()
for key in sorted(stacks, key=lambda s: s.encode()):
    if stacks[key]:
        print(key.replace(" (inline)", ""), stacks[key])
'
}

# top_table FILE [SAMPLE_INDEX]: go tool pprof -top's rows (flat, cum, name)
# and its "accounting for" total, names without " (inline)".
top_table() {
    go tool pprof -top -nodecount=100000 -nodefraction=0 -edgefraction=0 ${2:+-sample_index=$2} "$1" 2>&1 |
        sed -n -e 's/^Showing nodes accounting for \(.*\)$/total \1/p' \
            -e '/^ *flat /,$p' | grep -v '^ *flat ' | sed 's/ (inline)$//' | sort
}

# Build the program and record fresh profiles.
if (cd "$FIXTURES/program" && go build -o "$TMP/program" .) >"$TMP/build.log" 2>&1; then
    ok "the Go fixture program builds offline"
else
    not_ok "the Go fixture program builds"; note "$(cat "$TMP/build.log")"
    exit 0
fi
if "$TMP/program" cpu "$TMP/fresh-cpu.pb.gz" 600 && "$TMP/program" heap "$TMP/fresh-heap.pb.gz"; then
    ok "the Go program records a CPU and a heap profile"
else
    not_ok "the Go program records profiles"
    exit 0
fi

# compare_with_traces NAME FILE SAMPLE_INDEX: ember's folded == pprof's stacks.
compare_with_traces() {
    local name=$1 file=$2 index=$3
    traces_to_folded "$file" "$index" >"$TMP/$name.expected"
    if [ ! -s "$TMP/$name.expected" ]; then
        not_ok "$name: go tool pprof -traces gave no stacks"; return
    fi
    if "$EMBER" convert --sample-type "$index" "$file" -o "$TMP/$name.folded" 2>"$TMP/err" &&
        diff "$TMP/$name.expected" "$TMP/$name.folded" >"$TMP/diff"; then
        ok "$name: ember reads the same stacks and $index values as go tool pprof -traces"
    else
        not_ok "$name: stacks differ from go tool pprof -traces"; note "$(cat "$TMP/err"; head -40 "$TMP/diff")"
    fi
}

compare_with_traces fixture-cpu "$FIXTURES/go-cpu.pb.gz" cpu
compare_with_traces fixture-cpu-samples "$FIXTURES/go-cpu.pb.gz" samples
compare_with_traces fresh-cpu "$TMP/fresh-cpu.pb.gz" cpu
for index in alloc_objects alloc_space inuse_objects inuse_space; do
    compare_with_traces "fixture-heap-$index" "$FIXTURES/go-heap.pb.gz" "$index"
done
compare_with_traces fresh-heap "$TMP/fresh-heap.pb.gz" inuse_space

# The default sample type is pprof's: the last one (cpu, inuse_space).
"$EMBER" convert "$TMP/fresh-cpu.pb.gz" -o "$TMP/default-cpu.folded" 2>/dev/null
if cmp -s "$TMP/default-cpu.folded" "$TMP/fresh-cpu.folded"; then
    ok "the default sample type of a CPU profile is cpu (the last type)"
else
    not_ok "default sample type of a CPU profile"
fi
"$EMBER" convert "$FIXTURES/go-heap.pb.gz" -o "$TMP/default-heap.folded" 2>/dev/null
if cmp -s "$TMP/default-heap.folded" "$TMP/fixture-heap-inuse_space.folded"; then
    ok "the default sample type of a heap profile is inuse_space"
else
    not_ok "default sample type of a heap profile"
fi

# go tool pprof reads what ember writes: same totals, same functions.
for original in "$FIXTURES/go-cpu.pb.gz" "$TMP/fresh-cpu.pb.gz" "$FIXTURES/go-heap.pb.gz"; do
    name=$(basename "$original" .pb.gz)
    "$EMBER" convert "$original" -o "$TMP/$name.ember.pb.gz" 2>"$TMP/err"
    for index in "" samples alloc_space; do
        case "$name:$index" in *cpu*:alloc_space|*heap*:samples) continue ;; esac
        top_table "$original" "$index" >"$TMP/top.original"
        top_table "$TMP/$name.ember.pb.gz" "$index" >"$TMP/top.ember"
        if [ -s "$TMP/top.original" ] && grep -q '^total ' "$TMP/top.ember" &&
            diff "$TMP/top.original" "$TMP/top.ember" >"$TMP/diff"; then
            ok "go tool pprof -top ${index:+-sample_index=$index }on ember's copy of $name: same totals and functions"
        else
            not_ok "go tool pprof -top on ember's copy of $name ${index}"; note "$(cat "$TMP/err"; head -30 "$TMP/diff")"
        fi
    done
    if go tool pprof -raw "$TMP/$name.ember.pb.gz" >"$TMP/raw" 2>&1 &&
        grep -q '^Samples:' "$TMP/raw" && grep -q '^PeriodType: ' "$TMP/raw"; then
        ok "go tool pprof -raw reads ember's copy of $name"
    else
        not_ok "go tool pprof -raw on ember's copy of $name"; note "$(head -20 "$TMP/raw")"
    fi
done
# The sample types and default survive: -raw marks the default with [dflt].
go tool pprof -raw "$TMP/go-heap.ember.pb.gz" 2>/dev/null | grep -A1 '^Samples:' | tail -1 >"$TMP/types"
if grep -q 'alloc_objects/count alloc_space/bytes inuse_objects/count inuse_space/bytes\[dflt\]' "$TMP/types"; then
    ok "ember's heap pprof keeps the four sample types, inuse_space the default"
else
    not_ok "sample types of ember's heap pprof"; note "$(cat "$TMP/types")"
fi
"$EMBER" convert --sample-type alloc_space "$FIXTURES/go-heap.pb.gz" -o "$TMP/alloc.pb.gz" 2>/dev/null
if go tool pprof -raw "$TMP/alloc.pb.gz" 2>/dev/null | grep -q 'alloc_space/bytes\[dflt\]'; then
    ok "convert --sample-type alloc_space makes it the written default"
else
    not_ok "convert --sample-type alloc_space as the written default"
fi

# A folded file converted to pprof: go tool pprof's flat column is each
# function's self count, its total the file's sum.
printf 'main;parse;lex 70\nmain;parse 10\nmain;render;draw 15\nmain;render;lex 5\n' >"$TMP/small.folded"
"$EMBER" convert "$TMP/small.folded" -o "$TMP/small.pb.gz" 2>"$TMP/err"
go tool pprof -top -nodefraction=0 "$TMP/small.pb.gz" 2>&1 |
    awk '/^ *flat /{table=1; next} table {print $1, $6}' | sort >"$TMP/small.top"
printf '0 main\n0 render\n10 parse\n15 draw\n75 lex\n' | sort >"$TMP/small.expected"
if diff "$TMP/small.expected" "$TMP/small.top" >"$TMP/diff" &&
    go tool pprof -top "$TMP/small.pb.gz" 2>&1 | grep -q 'accounting for 100, 100% of 100 total'; then
    ok "go tool pprof -top on a folded file converted to pprof: same total and flat counts"
else
    not_ok "go tool pprof -top on converted folded"; note "$(cat "$TMP/err" "$TMP/diff")"
fi

# --label-frames: pprof.Do's label as the root frame of every sample.
if "$EMBER" convert --label-frames phase "$FIXTURES/go-cpu.pb.gz" -o "$TMP/labels.folded" 2>"$TMP/err"; then
    if [ "$(cut -d';' -f1 "$TMP/labels.folded" | sort -u | grep -c '^phase=compute$')" = 1 ]; then
        ok "--label-frames phase puts phase=compute at the root"
    else
        not_ok "--label-frames phase"; note "$(head -5 "$TMP/labels.folded")"
    fi
else
    not_ok "--label-frames phase"; note "$(cat "$TMP/err")"
fi
