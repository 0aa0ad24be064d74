#!/usr/bin/env bash
# convert.sh — end-to-end tests of `ember convert`: format sniffing, writer
# chosen by extension, and bad input handled without half-written output.
set -u
source tests/lib.sh

printf 'main;work;hash 30\nmain;work;sort 20\nmain;idle 50\n' >"$TMP/in.folded"

# folded -> folded (sorted, merged)
"$EMBER" convert "$TMP/in.folded" -o "$TMP/out.folded" 2>"$TMP/err"
if [ "$(cat "$TMP/out.folded")" = "$(printf 'main;idle 50\nmain;work;hash 30\nmain;work;sort 20')" ]; then
    ok "convert folded to .folded sorts and keeps counts"
else
    not_ok "convert folded to .folded"; note "$(cat "$TMP/out.folded" "$TMP/err")"
fi

# folded -> svg: valid XML containing the frames
if "$EMBER" convert "$TMP/in.folded" -o "$TMP/out.svg" 2>"$TMP/err" &&
    python3 -c 'import sys, xml.etree.ElementTree as E; E.parse(sys.argv[1])' "$TMP/out.svg" &&
    grep -q 'hash' "$TMP/out.svg"; then
    ok "convert folded to .svg writes a valid SVG"
else
    not_ok "convert folded to .svg"; note "$(cat "$TMP/err")"
fi

# perf script text -> svg in one step (reader chosen by sniffing)
cat >"$TMP/perf.txt" <<'PERF'
demo 1234 [000] 100.000001: 1000000 cpu-clock:
	    55555555a000 hash+0x10 (/usr/bin/demo)
	    55555555b000 main+0x20 (/usr/bin/demo)
	    7f0000001000 __libc_start_main+0xf3 (/lib/libc.so.6)

demo 1234 [000] 100.001001: 1000000 cpu-clock:
	    55555555c000 sort+0x10 (/usr/bin/demo)
	    55555555b000 main+0x20 (/usr/bin/demo)
	    7f0000001000 __libc_start_main+0xf3 (/lib/libc.so.6)

PERF
if "$EMBER" convert "$TMP/perf.txt" -o "$TMP/perf.folded" 2>"$TMP/err" &&
    [ "$(cat "$TMP/perf.folded")" = "$(printf 'demo;__libc_start_main;main;hash 1000000\ndemo;__libc_start_main;main;sort 1000000')" ]; then
    ok "convert sniffs perf script and folds it with periods"
else
    not_ok "convert perf script to .folded"; note "$(cat "$TMP/perf.folded" "$TMP/err" 2>&1)"
fi
if "$EMBER" convert "$TMP/perf.txt" -o "$TMP/perf.svg" 2>"$TMP/err" && grep -q '__libc_start_main' "$TMP/perf.svg"; then
    ok "convert perf script to .svg in one step"
else
    not_ok "convert perf script to .svg"; note "$(cat "$TMP/err")"
fi

# standard input
if "$EMBER" convert - -o "$TMP/stdin.folded" <"$TMP/in.folded" 2>"$TMP/err" && [ -s "$TMP/stdin.folded" ]; then
    ok "convert reads standard input"
else
    not_ok "convert reads standard input"; note "$(cat "$TMP/err")"
fi

# usage and bad input
check_fails "unknown output extension is refused" "$EMBER" convert "$TMP/in.folded" -o "$TMP/out.xyz"
check_fails "missing -o is refused" "$EMBER" convert "$TMP/in.folded"
check_fails "missing input file" "$EMBER" convert "$TMP/absent.folded" -o "$TMP/x.svg"
check_fails "a directory as input" "$EMBER" convert "$TMP" -o "$TMP/x.svg"
: >"$TMP/empty"
check_fails "an empty input" "$EMBER" convert "$TMP/empty" -o "$TMP/x.svg"
head -c 4096 /dev/urandom >"$TMP/garbage"
check_fails "binary garbage" "$EMBER" convert "$TMP/garbage" -o "$TMP/x.svg"
check_fails "an output directory that does not exist" "$EMBER" convert "$TMP/in.folded" -o "$TMP/no/such/dir/x.svg"

"$EMBER" convert "$TMP/absent.folded" -o "$TMP/x.svg" 2>"$TMP/err"
if grep -q "absent.folded" "$TMP/err" && [ "$(wc -l <"$TMP/err")" -eq 1 ]; then
    ok "the error is one line naming the file"
else
    not_ok "the error is one line naming the file"; note "$(cat "$TMP/err")"
fi

echo OLD >"$TMP/keep.svg"
"$EMBER" convert "$TMP/garbage" -o "$TMP/keep.svg" 2>/dev/null
if [ "$(cat "$TMP/keep.svg")" = OLD ] && ! ls "$TMP"/keep.svg.tmp.* >/dev/null 2>&1; then
    ok "a failed convert leaves the old output untouched and no temporary file"
else
    not_ok "a failed convert left a partial or temporary file"; note "$(ls -la "$TMP")"
fi
if [ ! -e "$TMP/x.svg" ]; then
    ok "no output file is created when the input is bad"
else
    not_ok "an output file was created from bad input"
fi

# -o naming a pipe or a device writes into it: it is never replaced by a
# regular file (a rename over /dev/null would have put a file there).
mkfifo "$TMP/pipe.folded"
# (timeout: if ember never opened the pipe, the reader would wait forever)
timeout 20 cat "$TMP/pipe.folded" >"$TMP/from-pipe.folded" &
reader=$!
printf 'a;b 3\na;c 4\n' >"$TMP/small.folded"
timeout 20 "$EMBER" convert "$TMP/small.folded" -o "$TMP/pipe.folded" 2>"$TMP/err"
status=$?
wait "$reader"
if [ "$status" -eq 0 ] && [ -p "$TMP/pipe.folded" ] &&
    [ "$(cat "$TMP/from-pipe.folded")" = "$(printf 'a;b 3\na;c 4')" ] &&
    ! ls "$TMP"/pipe.folded.tmp.* >/dev/null 2>&1; then
    ok "-o FIFO writes through the pipe and leaves it a pipe"
else
    not_ok "-o FIFO writes through the pipe and leaves it a pipe (exit $status)"
    note "$(ls -la "$TMP"; cat "$TMP/err")"
fi
