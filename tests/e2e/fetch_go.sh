#!/usr/bin/env bash
# fetch_go.sh — end-to-end test of `ember fetch` against a real Go program:
# builds tests/fixtures/go/pprofserver (standard library only, offline),
# starts it on 127.0.0.1 at an ephemeral port, fetches every net/http/pprof
# endpoint and checks each output names the function whose workload feeds
# that profile; then the errors: connection refused, missing endpoint,
# unknown profile, timeout, "cpu profiling already in use", an answer that
# is not a profile, an oversized answer — each one line, non-zero exit, no
# output file left behind.
set -u
source tests/lib.sh

if ! command -v go >/dev/null 2>&1; then
    skip "ember fetch against a Go program" "go is not installed (make test installs golang-go)"
    exit 0
fi

export GOCACHE=$TMP/go-cache GOPATH=$TMP/go-path GO111MODULE=off GOFLAGS= GOPROXY=off \
    GOTOOLCHAIN=local CGO_ENABLED=0
# CGO_ENABLED=0: with cgo the runtime starts its template thread itself, and
# the threadcreate profile would not show the program's own stack.
if ! (cd tests/fixtures/go/pprofserver && go build -o "$TMP/pprofserver" .) >"$TMP/build.log" 2>&1; then
    not_ok "go build tests/fixtures/go/pprofserver"; note "$(head -c 3000 "$TMP/build.log")"
    exit 0
fi
ok "go build tests/fixtures/go/pprofserver"

SERVER_PID=
stop_server() {
    if [ -n "$SERVER_PID" ]; then
        kill "$SERVER_PID" 2>/dev/null
        wait "$SERVER_PID" 2>/dev/null
    fi
    rm -rf "$TMP"
}
trap stop_server EXIT
trap 'exit 143' TERM INT # so that the EXIT trap stops the server

"$TMP/pprofserver" >"$TMP/server.out" 2>"$TMP/server.err" &
SERVER_PID=$!
ADDRESS=
for _ in $(seq 100); do
    ADDRESS=$(sed -n 's/^listening on //p' "$TMP/server.out")
    [ -n "$ADDRESS" ] && break
    sleep 0.1
done
if [ -z "$ADDRESS" ]; then
    not_ok "pprofserver prints its address"; note "$(cat "$TMP/server.out" "$TMP/server.err")"
    exit 0
fi
ok "pprofserver listens on $ADDRESS"
BASE=http://$ADDRESS
sleep 0.5 # let every workload run a little (contention, allocations, GCs)

# share FOLDED PATTERN: percentage (integer) of the total carried by the
# stacks that contain a frame matching PATTERN.
share() {
    awk -v pattern="$2" '{ value = $NF; total += value; if ($0 ~ pattern) part += value }
        END { if (total > 0) printf "%d\n", 100 * part / total; else print 0 }' "$1"
}
# count FOLDED PATTERN: sum of the values of the stacks matching PATTERN.
count() {
    awk -v pattern="$2" '$0 ~ pattern { part += $NF } END { printf "%d\n", part }' "$1"
}
# expect_share DESCRIPTION FOLDED PATTERN MIN_PERCENT
expect_share() {
    local description=$1 folded=$2 pattern=$3 minimum=$4 got
    got=$(share "$folded" "$pattern")
    if [ -s "$folded" ] && [ "$got" -ge "$minimum" ]; then
        ok "$description ($got% of the total)"
    else
        not_ok "$description: $got% < $minimum%"; note "$(head -c 2000 "$folded")"
    fi
}

# --- CPU: go-torch spellings, default output torch.svg ------------------------
cpu_dir=$TMP/cpu
mkdir -p "$cpu_dir"
if (cd "$cpu_dir" && "$EMBER" fetch -u "$BASE" -t 2) 2>"$TMP/err" &&
    python3 -c 'import sys, xml.etree.ElementTree as E; E.parse(sys.argv[1])' "$cpu_dir/torch.svg" &&
    grep -q '<title>main\.cpuHot ' "$cpu_dir/torch.svg"; then
    ok "fetch -u BASE -t 2 writes torch.svg, a valid SVG showing main.cpuHot"
else
    not_ok "fetch -u BASE -t 2 -> torch.svg"; note "$(cat "$TMP/err")"
fi
if [ ! -s "$TMP/err" ]; then ok "a successful fetch prints nothing on a non-terminal stderr"; else
    not_ok "a successful fetch prints nothing on stderr"; note "$(cat "$TMP/err")"; fi

# CPU profile kept as downloaded (--raw), while a second CPU fetch collides.
start_ns=$(date +%s%N)
"$EMBER" fetch "$BASE/debug/pprof/profile" --seconds 3 --raw -o "$TMP/cpu.pb.gz" \
    2>"$TMP/raw.err" &
raw_pid=$!
sleep 1
status=0
"$EMBER" fetch "$BASE" --seconds 1 -o "$TMP/busy.svg" 2>"$TMP/err" || status=$?
if [ "$status" = 1 ] && [ "$(wc -l <"$TMP/err")" = 1 ] &&
    grep -q 'already recording a CPU profile.*cpu profiling already in use' "$TMP/err" &&
    [ ! -e "$TMP/busy.svg" ]; then
    ok "a second CPU fetch at once: one line naming 'cpu profiling already in use', exit 1, no file"
else
    not_ok "concurrent CPU fetch (exit $status)"; note "$(cat "$TMP/err")"
fi
raw_status=0
wait "$raw_pid" || raw_status=$?
elapsed_ms=$((($(date +%s%N) - start_ns) / 1000000))
if [ "$raw_status" = 0 ] && [ "$(head -c 2 "$TMP/cpu.pb.gz" | od -An -tx1 | tr -d ' ')" = 1f8b ] &&
    [ "$elapsed_ms" -ge 2900 ]; then
    ok "--seconds 3 --raw -o cpu.pb.gz keeps Go's gzipped bytes (took $elapsed_ms ms)"
else
    not_ok "--raw -o cpu.pb.gz (exit $raw_status, $elapsed_ms ms)"; note "$(cat "$TMP/raw.err")"
fi
if "$EMBER" convert "$TMP/cpu.pb.gz" -o "$TMP/cpu.folded" 2>"$TMP/err"; then
    expect_share "the raw CPU profile read back: main.cpuHot" "$TMP/cpu.folded" 'main\.cpuHot' 20
else
    not_ok "ember convert cpu.pb.gz"; note "$(cat "$TMP/err")"
fi
if go tool pprof -top "$TMP/cpu.pb.gz" >"$TMP/pprof.top" 2>&1 && grep -q 'main\.cpuHot' "$TMP/pprof.top"; then
    ok "go tool pprof reads the --raw file too"
else
    not_ok "go tool pprof -top cpu.pb.gz"; note "$(head -c 2000 "$TMP/pprof.top")"
fi

# --- every other endpoint, to folded stacks -------------------------------------
# fetch_folded NAME ARGS...: fetch into $TMP/NAME.folded
fetch_folded() {
    local name=$1; shift
    if "$EMBER" fetch "$@" -o "$TMP/$name.folded" 2>"$TMP/$name.err" && [ -s "$TMP/$name.folded" ]; then
        return 0
    fi
    not_ok "fetch $name: $*"; note "$(cat "$TMP/$name.err")"
    return 1
}

if fetch_folded heap "$BASE" --profile heap; then
    expect_share "heap (inuse_space by default): main.allocate" "$TMP/heap.folded" 'main\.allocate' 50
fi
if fetch_folded heap-allocated "$BASE/debug/pprof/heap" --sample-type alloc_space; then
    expect_share "heap --sample-type alloc_space: main.allocate" "$TMP/heap-allocated.folded" 'main\.allocate' 50
fi
if fetch_folded allocs "$BASE/debug/pprof/allocs"; then
    expect_share "allocs (alloc_space by default): main.allocate" "$TMP/allocs.folded" 'main\.allocate' 50
fi
if fetch_folded goroutine "$BASE/debug/pprof/" --profile goroutine; then
    blocked=$(count "$TMP/goroutine.folded" 'main\.blockedWorker')
    if [ "$blocked" = 8 ] && grep -q 'main\.blockedWorker;.*runtime\.gopark' "$TMP/goroutine.folded"; then
        ok "goroutine: the 8 goroutines parked in main.blockedWorker"
    else
        not_ok "goroutine: $blocked goroutines in main.blockedWorker, expected 8"
        note "$(head -c 2000 "$TMP/goroutine.folded")"
    fi
fi
# The block profile also holds the HTTP server's own waits (the CPU
# profiles' sleeps above), so the check is the stack, not a share.
if fetch_folded block "$BASE/debug/pprof/block"; then
    waited=$(count "$TMP/block.folded" 'main\.contend;sync\.\(\*Mutex\)\.Lock')
    if [ "$waited" -gt 0 ]; then
        ok "block: main.contend waiting in sync.(*Mutex).Lock ($waited ns)"
    else
        not_ok "block: no main.contend;sync.(*Mutex).Lock"; note "$(head -c 2000 "$TMP/block.folded")"
    fi
fi
if fetch_folded mutex "$BASE/debug/pprof/mutex"; then
    expect_share "mutex: main.contend" "$TMP/mutex.folded" 'main\.contend' 50
fi
# "host:port/debug/pprof": no scheme, no trailing slash.
if fetch_folded threadcreate "$ADDRESS/debug/pprof" --profile threadcreate; then
    if grep -q 'main\.createThreads' "$TMP/threadcreate.folded"; then
        ok "threadcreate: a thread created from main.createThreads"
    else
        not_ok "threadcreate has no main.createThreads"; note "$(cat "$TMP/threadcreate.folded")"
    fi
fi
# A delta profile (?seconds= on a non-CPU endpoint) over 1 s; Go's delta
# loses default_sample_type, so alloc_space is named.
if fetch_folded allocs-delta "$BASE/debug/pprof/allocs" --seconds 1 --sample-type alloc_space; then
    expect_share "allocs --seconds 1 (Go's delta profile) alloc_space: main.allocate" \
        "$TMP/allocs-delta.folded" 'main\.allocate' 50
fi
# --seconds replaces the URL's own seconds= (30 here) and keeps the rest
# of the query: the delta takes about 1 s.
start_ns=$(date +%s%N)
if fetch_folded heap-delta "$BASE/debug/pprof/heap?gc=1&seconds=30" --seconds 1; then
    elapsed_ms=$((($(date +%s%N) - start_ns) / 1000000))
    if [ "$elapsed_ms" -ge 900 ] && [ "$elapsed_ms" -lt 20000 ]; then
        ok "--seconds 1 overrides the URL's seconds=30 (took $elapsed_ms ms)"
    else
        not_ok "--seconds 1 with ?seconds=30 took $elapsed_ms ms"
    fi
fi
# The SVG of a heap profile names the unit of what it draws.
if "$EMBER" fetch "$BASE" --profile heap -p >"$TMP/heap.svg" 2>"$TMP/err" &&
    grep -q 'main\.allocate' "$TMP/heap.svg" && grep -q 'bytes' "$TMP/heap.svg" &&
    grep -q 'inuse_space' "$TMP/heap.svg"; then
    ok "heap -p: SVG on standard output, tooltips in bytes, subtitle names inuse_space"
else
    not_ok "heap -p"; note "$(cat "$TMP/err")"
fi
# go-torch's -r: folded stacks on standard output.
if "$EMBER" fetch "$BASE/debug/pprof/goroutine" -r >"$TMP/stdout.folded" 2>"$TMP/err" &&
    grep -q 'main\.blockedWorker' "$TMP/stdout.folded"; then
    ok "-r without -o prints folded stacks (go-torch -r)"
else
    not_ok "-r to standard output"; note "$(cat "$TMP/err")"
fi

# --- errors ----------------------------------------------------------------------
# expect_error DESCRIPTION EXIT PATTERN ARGS...: ember fetch ARGS -o $TMP/never.svg
# exits EXIT with one line matching PATTERN and writes no file.
expect_error() {
    local description=$1 expected=$2 pattern=$3; shift 3
    local status=0
    rm -f "$TMP/never.svg"
    "$EMBER" fetch "$@" -o "$TMP/never.svg" >"$TMP/out" 2>"$TMP/err" || status=$?
    if [ "$status" = "$expected" ] && [ "$(wc -l <"$TMP/err")" = 1 ] && grep -qE -- "$pattern" "$TMP/err" &&
        [ ! -e "$TMP/never.svg" ] && [ -z "$(ls "$TMP" | grep '^never\.svg.')" ]; then
        ok "$description"
    else
        not_ok "$description (exit $status)"; note "$(cat "$TMP/err")"
    fi
}

expect_error "connection refused" 1 '^ember fetch: http://127\.0\.0\.1:1/debug/pprof/heap: connection refused' \
    127.0.0.1:1 --profile heap
expect_error "a program without the endpoint (404)" 1 \
    "^ember fetch: no pprof endpoint at $BASE/elsewhere/heap; is net/http/pprof imported\\?\$" \
    "$BASE/elsewhere/heap"
expect_error "an unknown profile name (404 Unknown profile)" 1 "no profile named 'nosuch'" \
    "$BASE" --suffix /debug/pprof/nosuch
start=$(date +%s)
expect_error "--timeout 1 on a 5 s delta profile" 1 'no complete answer within 1 s \(--timeout\)' \
    "$BASE/debug/pprof/heap?seconds=5" --timeout 1
if [ $(($(date +%s) - start)) -le 3 ]; then ok "--timeout 1 gave up within 3 s"; else
    not_ok "--timeout 1 took $(($(date +%s) - start)) s"; fi
expect_error "an answer that is not a profile (cmdline)" 1 \
    'cmdline: the answer is not a pprof profile \(Content-Type text/plain' "$BASE/debug/pprof/cmdline"
expect_error "a text answer (?debug=1) is not a profile" 1 'the answer is not a pprof profile' \
    "$BASE/debug/pprof/goroutine?debug=1"
expect_error "an answer larger than --max-size" 1 'larger than 64 bytes \(--max-size\)' \
    "$BASE/debug/pprof/heap" --max-size 64
expect_error "a URL naming another profile than --profile" 2 "names the profile 'heap' but --profile says 'mutex'" \
    "$BASE/debug/pprof/heap" --profile mutex
expect_error "an unknown --profile" 2 "--profile 'nosuch'" "$BASE" --profile nosuch
expect_error "a URL that is not http" 2 'only http:// and https://' "file:///etc/passwd"
expect_error "a bad --seconds" 2 "--seconds 'soon'" "$BASE" --seconds soon
expect_error "an unknown sample type" 1 "no sample type 'nosuch'; the profile has: alloc_objects alloc_space inuse_objects inuse_space" \
    "$BASE/debug/pprof/heap" --sample-type nosuch

# A failed fetch leaves an existing output untouched.
echo precious >"$TMP/keep.svg"
"$EMBER" fetch "$BASE/debug/pprof/cmdline" -o "$TMP/keep.svg" 2>/dev/null
if [ "$(cat "$TMP/keep.svg")" = precious ] && [ "$(ls "$TMP" | grep -c '^keep\.svg')" = 1 ]; then
    ok "a failed fetch leaves the existing output untouched, no temporary file"
else
    not_ok "a failed fetch touched the existing output"
fi
# --raw only keeps bytes in a .pb.gz file.
expect_error "--raw with -o of another extension" 2 '--raw keeps the downloaded bytes' \
    "$BASE" --profile heap --raw
# An unknown output extension is refused before anything is fetched.
status=0
"$EMBER" fetch "$BASE" --profile heap -o "$TMP/out.unknown" 2>"$TMP/err" || status=$?
if [ "$status" = 2 ] && grep -q 'cannot tell the output format' "$TMP/err" && [ ! -e "$TMP/out.unknown" ]; then
    ok "an unknown output extension is refused"
else
    not_ok "unknown output extension (exit $status)"; note "$(cat "$TMP/err")"
fi

# The server survived all of it.
if kill -0 "$SERVER_PID" 2>/dev/null; then ok "pprofserver still running"; else
    not_ok "pprofserver died"; note "$(cat "$TMP/server.err")"; fi
