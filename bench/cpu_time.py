#!/usr/bin/env python3
"""bench/cpu_time.py — runs a command and writes the CPU time it used.

Usage: bench/cpu_time.py OUTPUT COMMAND [ARG...]

Writes "USER SYSTEM" (seconds, with microseconds) of the command and the
children it waited for to OUTPUT, from getrusage(RUSAGE_CHILDREN), and exits
with the command's status. GNU time prints the same figures rounded to
10 ms, which is the whole CPU of a short sampler run at 100 Hz; the kernel
keeps them to the nanosecond (their sum is the scheduler's runtime).
"""
import os
import resource
import subprocess
import sys


def main():
    if len(sys.argv) < 3:
        print("usage: bench/cpu_time.py OUTPUT COMMAND [ARG...]", file=sys.stderr)
        return 2
    output, command = sys.argv[1], sys.argv[2:]
    # Python's own start-up may have waited for children already: only
    # the difference is the command's.
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    try:
        status = subprocess.call(command)
    except OSError as error:
        print(f"bench/cpu_time.py: {command[0]}: {error.strerror}", file=sys.stderr)
        return 127
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    user = after.ru_utime - before.ru_utime
    system = after.ru_stime - before.ru_stime
    with open(output, "w") as file:
        file.write(f"{user:.6f} {system:.6f}\n")
    return status if status >= 0 else 128 - status


if __name__ == "__main__":
    sys.exit(main())
