#!/usr/bin/env bash
# pstats_errors.sh — hostile cProfile / marshal files: truncated dumps, bad
# back-references, wrong types, huge lengths, deep nesting, code objects.
# `ember convert` and `ember top` must fail with "ember: FILE: byte N: ...",
# a non-zero exit and no crash (sanitizers), and leave an existing output
# file untouched.
set -u
source tests/lib.sh

fixtures=$ROOT/tests/fixtures/pstats
cp "$fixtures/workload.py" "$TMP/"
if ! (cd "$TMP" && python3 -m cProfile -o good.prof workload.py) >"$TMP/log" 2>&1; then
    not_ok "python3 -m cProfile ran"; note "$(cat "$TMP/log")"
    exit 0
fi

# Each case: NAME.prof and NAME.expected, a text the message must contain.
python3 - "$TMP" <<'PY'
import marshal, os, sys
out = sys.argv[1]
good = open(os.path.join(out, 'good.prof'), 'rb').read()
cases = {
    'bad-reference': (b'{)\x03r\x05\x00\x00\x00', 'byte 3: invalid back-reference 5'),
    'negative-reference': (b'\xfb)\x03r\xff\xff\xff\xff', 'byte 3: invalid back-reference -1'),
    'reference-to-unfinished-frozenset': (b'{\xbe\x01\x00\x00\x00r\x00\x00\x00\x00',
                                          'byte 6: invalid back-reference 0 to an object still being read'),
    'huge-tuple': (b'{(\xff\xff\xff\x7f', 'byte 1: tuple of 2147483647 items but only 0 bytes follow'),
    'huge-string': (b'{)\x03u\xff\xff\xff\x7fabc', 'byte 8: expected the bytes of a string (2147483647 bytes)'),
    'huge-long': (b'{)\x03z\x01al\xff\xff\xff\x7f', 'byte 7: long of 2147483647 digits'),
    'huge-dict-in-dict': (b'{' * 100000, 'objects nested deeper than 2000 levels'),
    'code-object': (marshal.dumps(compile('1', 'x', 'eval')), 'byte 0: found a code object'),
    'list-not-dict': (marshal.dumps([1, 2]), 'byte 0: expected the statistics dict, found a list'),
    'empty-dict': (marshal.dumps({}), 'the statistics dict is empty'),
    'key-not-tuple': (marshal.dumps({'a': 1}), 'expected a function key: a (filename, line, function) tuple, found a str'),
    'line-not-int': (marshal.dumps({('a', '1', 'f'): (1, 1, 0.0, 0.0, {})}), 'expected a line number int in a function key, found a str'),
    'value-not-tuple': (marshal.dumps({('a', 1, 'f'): 'x'}), 'expected a (primitive calls, calls, tottime, cumtime, callers) tuple, found a str'),
    'count-not-int': (marshal.dumps({('a', 1, 'f'): (1.5, 1, 0.0, 0.0, {})}), 'expected the primitive call count (an int), found a float'),
    'count-beyond-64-bits': (marshal.dumps({('a', 1, 'f'): (2**70, 1, 0.0, 0.0, {})}), 'found a int beyond 64 bits'),
    'callers-not-dict': (marshal.dumps({('a', 1, 'f'): (1, 1, 0.0, 0.0, [])}), 'expected the callers dict, found a list'),
    'caller-key-bad': (marshal.dumps({('a', 1, 'f'): (1, 1, 0.0, 0.0, {('b', 2): (1, 1, 0.0, 0.0)})}),
                       'expected a caller key: a (filename, line, function) tuple, found a tuple of another size'),
    'caller-value-bad': (marshal.dumps({('a', 1, 'f'): (1, 1, 0.0, 0.0, {('b', 2, 'g'): None})}),
                         "expected a caller's (calls, primitive calls, tottime, cumtime) tuple or call count, found a None"),
    'unknown-code': (b'{)\x01?', "byte 3: unknown marshal type code '?'"),
    'bad-text-float': (b'{)\x03z\x01ai\x01\x00\x00\x00z\x01f)\x05i\x01\x00\x00\x00i\x01\x00\x00\x00f\x03abc',
                       'byte 28: expected a number in a text float'),
}
# Truncations of the real dump: the first bytes one by one, then spread out.
cuts = list(range(0, 8)) + [len(good) * i // 40 for i in range(1, 40)] + [len(good) - 1]
for cut in sorted(set(cuts)):
    cases['truncated-at-%d' % cut] = (good[:cut], 'byte ')
for name, (data, message) in cases.items():
    open(os.path.join(out, name + '.prof'), 'wb').write(data)
    open(os.path.join(out, name + '.expected'), 'w').write(message + '\n')
PY

# clean_failure STATUS ERRFILE NAME EXPECTED: a non-zero exit below 128, no
# sanitizer report, the message naming the file (and, for convert, the byte
# offset) and containing EXPECTED.
clean_failure() {
    local status=$1 errors=$2 name=$3 expected=$4
    [ "$status" -ne 0 ] && [ "$status" -lt 128 ] || return 1
    ! grep -q Sanitizer "$errors" || return 1
    grep -q "^ember: .*$name\.prof: " "$errors" || return 1
    [ -z "$expected" ] || grep -qF -- "$expected" "$errors" || return 1
    [ "$name" = truncated-at-0 ] || [ -z "$expected" ] ||
        grep -q "^ember: .*$name\.prof: byte [0-9][0-9]*: " "$errors"
}

failed=0
checked=0
for file in "$TMP"/*.prof; do
    name=$(basename "$file" .prof)
    [ "$name" = good ] && continue
    expected=$(cat "$TMP/$name.expected")
    checked=$((checked + 1))
    case $name in truncated-at-0) expected='empty input' ;; esac
    printf 'keep\n' >"$TMP/out.folded"
    status=0
    "$EMBER" convert --format pstats "$file" -o "$TMP/out.folded" >"$TMP/out" 2>"$TMP/err" || status=$?
    if ! clean_failure "$status" "$TMP/err" "$name" "$expected" ||
        [ "$(cat "$TMP/out.folded")" != keep ]; then
        not_ok "convert $name fails cleanly (exit $status)"
        note "expected: $expected"; note "$(head -c 2000 "$TMP/err")"
        failed=$((failed + 1))
        continue
    fi
    # top guesses the format: very short files are just unrecognised.
    status=0
    "$EMBER" top "$file" >"$TMP/out" 2>"$TMP/err" || status=$?
    if ! clean_failure "$status" "$TMP/err" "$name" ""; then
        not_ok "top $name fails cleanly (exit $status)"; note "$(head -c 2000 "$TMP/err")"
        failed=$((failed + 1))
    fi
done
if [ "$failed" -eq 0 ]; then
    ok "$checked hostile pstats files fail cleanly with the byte offset and leave the output alone"
fi

# The good dump still converts (the cases above are not failing for another reason).
check "the untouched dump converts" "$EMBER" convert "$TMP/good.prof" -o "$TMP/good.folded"

# A small dump whose call graph has 2^14 paths into a 3000-function chain:
# the estimated tree would have tens of millions of frames. ember stops at
# its frame budget, says so, and still writes the graph.
python3 - "$TMP/paths.prof" <<'PY'
import marshal, sys
stats = {}
def layer(i, j):
    return ('l.py', i * 2 + j + 1, 'l%d_%d' % (i, j))
for i in range(15):
    for j in range(2):
        callers = dict((layer(i - 1, k), (1, 1, 0.0, 0.5)) for k in range(2)) if i else {}
        stats[layer(i, j)] = (1, 1, 0.0, 1.0, callers)
previous = [layer(14, 0), layer(14, 1)]
for c in range(3000):
    key = ('c.py', c + 1, 'c%d' % c)
    stats[key] = (1, 1, 0.0, 1.0, dict((p, (1, 1, 0.0, 1.0)) for p in previous))
    previous = [key]
open(sys.argv[1], 'wb').write(marshal.dumps(stats))
PY
if "$EMBER" convert "$TMP/paths.prof" -o "$TMP/paths.folded" 2>"$TMP/err" &&
    grep -q 'the estimated call tree was cut at 2000000 frames' "$TMP/err" &&
    [ -s "$TMP/paths.folded" ]; then
    ok "a dump with exponentially many paths stops at the frame budget with a warning"
else
    not_ok "exponentially many paths"; note "$(head -c 2000 "$TMP/err")"
fi
