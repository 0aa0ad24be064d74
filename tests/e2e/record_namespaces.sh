#!/usr/bin/env bash
# record_namespaces.sh — `ember record` with containers' files: two builds
# of tests/programs/record_namespace.c (hot functions alpha_hot and
# beta_hot, at the same offsets) run from the same path in two mount
# namespaces (`unshare -m`, a tmpfs of their own over one directory, which
# stays empty outside them), so only /proc/PID/root reaches each file and
# only the device (MMAP2's maj:min, the maps' device column) tells them
# apart. Recorded by attaching (-p PID1,PID2) and system-wide (-a) with the
# processes started, and gone, during the recording: each process's stacks
# must show its own function. Skips when unshare/mount are not permitted or
# perf_event_open is not.
source tests/lib.sh

if ! command -v gcc >/dev/null || ! command -v unshare >/dev/null; then
    skip "record across mount namespaces" "gcc or unshare not installed"
    exit 0
fi
for name in alpha beta; do
    if ! gcc -std=c11 -O0 -g -fno-omit-frame-pointer -DHOT_FUNCTION=${name}_hot \
        -o "$TMP/$name" tests/programs/record_namespace.c 2>"$TMP/gcc.log"; then
        not_ok "compile record_namespace.c ($name)"; note "$(cat "$TMP/gcc.log")"; exit 0
    fi
done
mkdir -p "$TMP/mnt"
# in_namespace NAME SECONDS: runs build NAME as $TMP/mnt/app in a mount
# namespace of its own (a private tmpfs on $TMP/mnt); prints the pid.
in_namespace() {
    unshare -m --propagation private sh -c \
        'mount -t tmpfs none "$1" && cp "$2" "$1/app" && exec "$1/app" "$3"' \
        sh "$TMP/mnt" "$TMP/$1" "$2" >/dev/null 2>>"$TMP/unshare.err" &
    echo $!
}
if ! unshare -m --propagation private sh -c 'mount -t tmpfs none "$1"' sh "$TMP/mnt" \
    2>"$TMP/unshare.err"; then
    skip "record across mount namespaces" "unshare -m + mount not permitted: $(head -c 200 "$TMP/unshare.err")"
    exit 0
fi
if [ -n "$(ls -A "$TMP/mnt")" ]; then
    not_ok "the namespaces' tmpfs stays out of the host's view"; exit 0
fi

# app-PID lines of a folded file: "PID FUNCTION weight" for the hot ones.
hot_functions() {
    grep -E '^app-[0-9]+;' "$1" | sed -nE 's/^app-([0-9]+);.*;(alpha_hot|beta_hot)( .*)? ([0-9]+)$/\1 \2 \4/p'
}
# check_own_functions DESCRIPTION FILE PID_ALPHA PID_BETA
check_own_functions() {
    local description=$1 file=$2 alpha=$3 beta=$4
    hot_functions "$file" >"$TMP/hot"
    if grep -q "^$alpha alpha_hot " "$TMP/hot" && grep -q "^$beta beta_hot " "$TMP/hot" &&
        ! grep -q "^$alpha beta_hot " "$TMP/hot" && ! grep -q "^$beta alpha_hot " "$TMP/hot"; then
        ok "$description"
    else
        not_ok "$description"
        note "alpha is $alpha, beta is $beta; hot frames by pid:"; note "$(sort -u "$TMP/hot" | head)"
        note "$(grep -E '^app-' "$file" | head -5)"
    fi
}

# Attach to both while they run.
alpha=$(in_namespace alpha 3)
beta=$(in_namespace beta 3)
sleep 0.5
status=0
"$EMBER" record --pid -p "$alpha,$beta" -d 1 -o "$TMP/attach.folded" >"$TMP/attach.out" 2>"$TMP/attach.err" || status=$?
wait "$alpha" "$beta" 2>/dev/null
if grep -q 'perf_event_paranoid' "$TMP/attach.err"; then
    skip "record across mount namespaces" "perf_event_open is not permitted here: $(head -c 200 "$TMP/attach.err")"
    exit 0
fi
if [ "$status" -ne 0 ]; then
    not_ok "ember record -p (two namespaces) exits 0 (exit $status)"; note "$(head -c 1000 "$TMP/attach.err")"
else
    check_own_functions "record -p: two programs at one path in two mount namespaces keep their own names" \
        "$TMP/attach.folded" "$alpha" "$beta"
fi

# System-wide, the processes started during the recording (their MMAP2
# records) and gone before it ends (their files read while they lived).
"$EMBER" record --pid -a -d 3 -o "$TMP/all.folded" >"$TMP/all.out" 2>"$TMP/all.err" &
recorder=$!
sleep 1
alpha=$(in_namespace alpha 1)
beta=$(in_namespace beta 1)
wait "$alpha" "$beta" 2>/dev/null
status=0
wait "$recorder" || status=$?
if [ "$status" -ne 0 ] && grep -qiE 'permi|paranoid' "$TMP/all.err"; then
    skip "record -a across mount namespaces" "system-wide sampling not permitted: $(head -c 200 "$TMP/all.err")"
elif [ "$status" -ne 0 ]; then
    not_ok "ember record -a (two namespaces) exits 0 (exit $status)"; note "$(head -c 1000 "$TMP/all.err")"
else
    check_own_functions "record -a: short-lived programs at one path in two mount namespaces keep their own names" \
        "$TMP/all.folded" "$alpha" "$beta"
fi
