#!/usr/bin/env bash
# bpftrace_record.sh — bpftrace map dumps and profile-bpfcc folded output:
# the fixtures in tests/fixtures/bpftrace, and, when bpftrace may run here
# (root, BPF allowed), a profile recorded now of a small C program.
set -u
source tests/lib.sh
FIXTURES=tests/fixtures/bpftrace

# map_total FILE MAP: sum of the "]: N" values of one map, by awk
map_total() {
    awk -v map="$2" '
        /^@/ { name = $0; sub(/\[.*/, "", name); current = name }
        /\]: -?[0-9]+$/ { if (current == map) { n = $0; sub(/.*\]: /, "", n); total += n } }
        END { printf "%.0f\n", total }' "$1"
}
sum_folded() { awk '{ total += $NF } END { printf "%.0f\n", total }' "$1"; }

# hand-made dump: totals per map, sample types by map name
for map in @ @kernel @comm; do
    "$EMBER" convert --sample-type "$map" "$FIXTURES/hand-made.bpftrace" -o "$TMP/hand.folded" 2>"$TMP/err"
    expected=$(map_total "$FIXTURES/hand-made.bpftrace" "$map")
    got=$(sum_folded "$TMP/hand.folded")
    if [ "$got" = "$expected" ]; then ok "hand-made: map $map total $got"
    else not_ok "hand-made: map $map"; note "ember $got, awk $expected; $(cat "$TMP/err")"; fi
done
"$EMBER" convert "$FIXTURES/hand-made.bpftrace" -o "$TMP/hand.folded" 2>"$TMP/err"
if grep -qx '__libc_start_call_main;main;writer;__GI___libc_write;entry_SYSCALL_64_after_hwframe;do_syscall_64;ksys_write;vfs_write 12' "$TMP/hand.folded"; then
    ok "hand-made: [ustack, kstack] gives user frames above kernel frames, offsets dropped"
else
    not_ok "hand-made: stack order"; note "$(cat "$TMP/hand.folded")"
fi

# the real recording kept in the fixtures
real=$FIXTURES/ustack-kstack-real.txt
"$EMBER" convert "$real" -o "$TMP/real.folded" 2>"$TMP/err"
expected=$(map_total "$real" @)
got=$(sum_folded "$TMP/real.folded")
if [ "$got" = "$expected" ] && grep -q 'entry_SYSCALL_64_after_hwframe;do_syscall_64' "$TMP/real.folded"; then
    ok "recorded fixture: @ total $got and kernel frames below user frames"
else
    not_ok "recorded fixture"; note "ember $got, awk $expected; $(cat "$TMP/err")"
fi

# profile-bpfcc -f -d: folded already; the '-' delimiter stays a frame
bcc=$FIXTURES/profile-bpfcc-delimited.folded
"$EMBER" convert "$bcc" -o "$TMP/bcc.folded" 2>"$TMP/err"
if [ "$(sum_folded "$TMP/bcc.folded")" = 119 ] &&
    grep -qx 'sysw;\[Missed User Stack\];-;entry_SYSCALL_64_after_hwframe;do_syscall_64;__x64_sys_write 1' "$TMP/bcc.folded"; then
    ok "profile-bpfcc -f -d output reads as folded, '-' delimiter and placeholders kept"
else
    not_ok "profile-bpfcc folded"; note "$(cat "$TMP/bcc.folded" "$TMP/err")"
fi

# hostile: an entry cut before its count
head -n 9 "$FIXTURES/hand-made.bpftrace" >"$TMP/cut.bpftrace"
if ! "$EMBER" convert "$TMP/cut.bpftrace" -o "$TMP/cut.folded" 2>"$TMP/err" &&
    grep -q 'cut.bpftrace:9: map entry not closed' "$TMP/err" && [ ! -e "$TMP/cut.folded" ]; then
    ok "an entry cut before ']: COUNT' fails naming its line"
else
    not_ok "cut entry"; note "$(cat "$TMP/err")"
fi

# a real recording, now
if ! command -v bpftrace >/dev/null 2>&1; then
    skip "bpftrace recording" "bpftrace is not installed (Debian package bpftrace)"
elif [ "$(id -u)" != 0 ]; then
    skip "bpftrace recording" "not root: bpftrace needs CAP_BPF/CAP_PERFMON"
elif ! cc -O1 -g -fno-omit-frame-pointer -o "$TMP/sysw" "$FIXTURES/sysw.c" 2>"$TMP/err"; then
    not_ok "compile the workload"; note "$(cat "$TMP/err")"
else
    "$TMP/sysw" &
    workload=$!
    timeout 30 bpftrace -e "profile:hz:199 /pid == $workload/ { @[ustack, kstack] = count(); @k[kstack] = count(); } interval:s:2 { exit(); }" \
        >"$TMP/recorded.bpftrace" 2>"$TMP/bpftrace.err"
    status=$?
    kill "$workload" 2>/dev/null; wait "$workload" 2>/dev/null
    if [ "$status" -ne 0 ] || ! grep -q '^@' "$TMP/recorded.bpftrace"; then
        skip "bpftrace recording" "bpftrace could not attach here (exit $status): $(grep -v RLIMIT_MEMLOCK "$TMP/bpftrace.err" | head -2 | tr '\n' ' ')"
    else
        expected=$(map_total "$TMP/recorded.bpftrace" @)
        if "$EMBER" convert "$TMP/recorded.bpftrace" -o "$TMP/recorded.folded" 2>"$TMP/err" &&
            [ "$(sum_folded "$TMP/recorded.folded")" = "$expected" ] && [ "$expected" -gt 5 ]; then
            ok "recorded now: $expected samples of sysw, totals match awk"
        else
            not_ok "recorded now"; note "expected $expected; $(cat "$TMP/err")"; note "$(head -20 "$TMP/recorded.bpftrace")"
        fi
        "$EMBER" convert --sample-type @k "$TMP/recorded.bpftrace" -o "$TMP/recorded-k.folded" 2>"$TMP/err"
        if [ "$(sum_folded "$TMP/recorded-k.folded")" = "$(map_total "$TMP/recorded.bpftrace" @k)" ] &&
            grep -q 'do_syscall_64' "$TMP/recorded-k.folded"; then
            ok "recorded now: @k map of kernel stacks (write syscalls seen)"
        else
            not_ok "recorded now: @k"; note "$(cat "$TMP/recorded-k.folded" "$TMP/err" | head)"
        fi
        "$EMBER" convert "$TMP/recorded.bpftrace" -o "$TMP/recorded.svg" 2>"$TMP/err" &&
            check "recorded now: drawn as SVG" python3 -c 'import sys, xml.etree.ElementTree as E; E.parse(sys.argv[1])' "$TMP/recorded.svg"
    fi
fi
