#!/usr/bin/env bash
# collapse_errors.sh — `ember collapse` on bad input: a one-line message
# "ember: FILE[:LINE]: why", a non-zero exit, nothing on standard output, and
# no crash (the binary is the ASan+UBSan build). Also checks what is *not* an
# error because stackcollapse-perf.pl accepts it.
source tests/lib.sh

DATA=tests/fixtures/perf
good=$DATA/edge-cases.txt

# fails_with DESCRIPTION PATTERN COMMAND...: check_fails, plus: stderr has a
# line matching PATTERN and stdout is empty.
fails_with() {
    local description=$1 pattern=$2; shift 2
    check_fails "$description" "$@"
    local status=0
    "$@" >"$TMP/stdout" 2>"$TMP/stderr" || status=$?
    if grep -qE -- "$pattern" "$TMP/stderr" && [ ! -s "$TMP/stdout" ]; then
        ok "$description: message and no output"
    else
        not_ok "$description: message and no output (want /$pattern/)"
        note "stderr: $(head -c 600 "$TMP/stderr")"
        note "stdout: $(head -c 300 "$TMP/stdout")"
    fi
}

fails_with "missing file" '^ember: '"$TMP"'/missing\.txt: cannot open' "$EMBER" collapse "$TMP/missing.txt"
mkdir "$TMP/a-directory"
fails_with "a directory" '^ember: .*a-directory: is a directory' "$EMBER" collapse "$TMP/a-directory"
if [ "$(id -u)" != 0 ]; then
    cp "$good" "$TMP/unreadable.txt" && chmod 000 "$TMP/unreadable.txt"
    fails_with "unreadable file" '^ember: .*unreadable\.txt: cannot open' "$EMBER" collapse "$TMP/unreadable.txt"
else
    skip "unreadable file" "running as root, permissions are not enforced"
fi
: >"$TMP/empty.txt"
fails_with "empty file" '^ember: .*empty\.txt: empty input' "$EMBER" collapse "$TMP/empty.txt"
fails_with "empty standard input" '^ember: <stdin>: empty input' "$EMBER" collapse </dev/null
printf 'perf 1 [000] 1.0: 1 cycles:\n\tab\0cd x (y)\n\n' >"$TMP/nul.txt"
fails_with "NUL byte" '^ember: .*nul\.txt:2: binary data' "$EMBER" collapse "$TMP/nul.txt"
head -c 65536 /dev/urandom >"$TMP/random.bin"
fails_with "random bytes" '^ember: .*random\.bin(:[0-9]+)?: ' "$EMBER" collapse "$TMP/random.bin"
head -c 1000 "$good" >"$TMP/cut.txt"
line=$(wc -l <"$TMP/cut.txt"); line=$((line + 1))
fails_with "file cut in the middle of a line" "^ember: .*cut\.txt:$line: input cut short" "$EMBER" collapse "$TMP/cut.txt"
printf 'hello\nworld\n' >"$TMP/text.txt"
fails_with "text that is not perf script" '^ember: .*text\.txt:1: not `perf script` output' "$EMBER" collapse "$TMP/text.txt"
printf 'a;b;c 1\na;b 2\n' >"$TMP/stacks.folded"
fails_with "folded input without --format" '^ember: .*stacks\.folded:1: not `perf script` output.*--format folded' "$EMBER" collapse "$TMP/stacks.folded"
printf '# only a comment\n\n' >"$TMP/comments.txt"
fails_with "no samples at all" 'no samples' "$EMBER" collapse "$TMP/comments.txt"
printf 'perf 1 [000] 1.0: 1 cycles:\n\tab f (/x)\n\n' >"$TMP/cycles.txt"
fails_with "every sample filtered out" 'no samples left' "$EMBER" collapse --event-filter=no-such-event "$TMP/cycles.txt"
fails_with "one bad file among good ones" '^ember: .*missing\.txt: cannot open' "$EMBER" collapse "$good" "$TMP/missing.txt"
check_fails "unknown option" "$EMBER" collapse --no-such-option "$good"
check_fails "unknown --format" "$EMBER" collapse --format no-such-format "$good"
status=0; "$EMBER" collapse --no-such-option "$good" >/dev/null 2>&1 || status=$?
if [ "$status" = 2 ]; then ok "usage errors exit with 2"; else not_ok "usage errors exit with 2 (got $status)"; fi

# Not errors, because stackcollapse-perf.pl accepts them:
# a file that ends after a complete line but inside a sample (the open sample
# is dropped, with a note), and stray unrecognised lines among good ones.
head -n 26 "$good" >"$TMP/cut-at-line.txt"
status=0
"$EMBER" collapse "$TMP/cut-at-line.txt" >"$TMP/out" 2>"$TMP/err" || status=$?
if [ "$status" = 0 ] && [ -s "$TMP/out" ] && grep -q 'no blank line after it; ignored' "$TMP/err"; then
    ok "input cut at a line boundary: open sample dropped with a note, exit 0"
else
    not_ok "input cut at a line boundary: open sample dropped with a note, exit 0 (exit $status)"
    note "$(cat "$TMP/err")"
fi
{ cat "$good"; echo 'this line is garbage'; cat "$good"; } >"$TMP/stray.txt"
status=0
"$EMBER" collapse "$TMP/stray.txt" >"$TMP/out" 2>"$TMP/err" || status=$?
if [ "$status" = 0 ] && grep -q 'stray\.txt:[0-9]*: unrecognized line, skipped: this line is garbage' "$TMP/err"; then
    ok "a stray unrecognised line is warned about and skipped"
else
    not_ok "a stray unrecognised line is warned about and skipped (exit $status)"
    note "$(cat "$TMP/err")"
fi

# Found by the fuzzer: the first frame line gives no frame at all ("(...)"
# symbols are skipped), nothing was allocated yet.
printf 'P_[ 1 \n0( ()\n' >"$TMP/fuzz-1.txt"
check_fails "fuzzer case: first frame line without frames (no sample: exit 1, no crash)" "$EMBER" collapse "$TMP/fuzz-1.txt"
printf 'perf 1 [000] 1.0: 1 cycles:\n\t1 (skipped) (/x)\n\n' >"$TMP/fuzz-2.txt"
check "a sample whose only frame is skipped folds to its process" "$EMBER" collapse "$TMP/fuzz-2.txt"

# Mutated inputs never crash the reader (sanitizers abort on any error).
if command -v python3 >/dev/null; then
    mkdir -p "$TMP/mutants"
    python3 - "$good" "$TMP/mutants" <<'PY'
import random, sys
original = open(sys.argv[1], 'rb').read()
alphabet = b' \t\n()[]+-/>;:0123456789abcdefx\'"\r\x00\xff'
for seed in range(60):
    rng = random.Random(seed)
    data = bytearray(original)
    for _ in range(rng.randint(1, 40)):
        position = rng.randrange(len(data))
        choice = rng.random()
        if choice < 0.4:
            data[position] = rng.choice(alphabet)
        elif choice < 0.7:
            del data[position:position + rng.randint(1, 30)]
        else:
            data[position:position] = bytes(rng.choice(alphabet) for _ in range(rng.randint(1, 10)))
    open('%s/%02d.txt' % (sys.argv[2], seed), 'wb').write(data)
PY
    crashes=0
    for mutant in "$TMP"/mutants/*.txt; do
        for flags in "" "--all --addrs --tid"; do
            status=0
            "$EMBER" collapse $flags "$mutant" >/dev/null 2>"$TMP/err" || status=$?
            if [ "$status" -ge 128 ] || grep -q Sanitizer "$TMP/err"; then
                crashes=$((crashes + 1))
                note "$(basename "$mutant") $flags: $(head -5 "$TMP/err")"
            fi
        done
    done
    if [ "$crashes" = 0 ]; then ok "120 runs on mutated perf script text: no crash"; else not_ok "$crashes crashes on mutated input"; fi
else
    skip "mutated inputs" "python3 not found"
fi
