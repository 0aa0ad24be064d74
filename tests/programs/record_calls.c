/* record_calls.c — a plain C call chain for `ember record` tests:
 * main -> outer_work -> middle_work -> leaf_work (and main -> other_leaf).
 * Built twice by tests/e2e/record.sh: with frame pointers (-O0
 * -fno-omit-frame-pointer) and without (-O2 -fomit-frame-pointer), where
 * only DWARF unwinding recovers the chain.
 * Usage: record_calls [SECONDS] [ROUNDS] (default 1 s; with ROUNDS > 0, that
 * many rounds of work whatever the time, and the wall and CPU time (user +
 * system, interrupts for sampling included) they took printed on standard error: bench/record.sh measures the slowdown a recorder causes). */
#include "record_spin.h"

#include <stdio.h>

volatile unsigned long record_sink;

__attribute__((noinline)) void leaf_work(unsigned long rounds);
__attribute__((noinline)) void middle_work(unsigned long rounds);
__attribute__((noinline)) void outer_work(unsigned long rounds);
__attribute__((noinline)) void other_leaf(unsigned long rounds);

void leaf_work(unsigned long rounds)
{
    for (unsigned long i = 0; i < rounds; i++)
        record_sink += i * 2654435761u;
}

void middle_work(unsigned long rounds)
{
    leaf_work(rounds);
    record_sink++;
}

void outer_work(unsigned long rounds)
{
    middle_work(rounds);
    record_sink++;
}

void other_leaf(unsigned long rounds)
{
    for (unsigned long i = 0; i < rounds; i++)
        record_sink ^= i;
}

int main(int argc, char **argv)
{
    double seconds = record_seconds_arg(argc, argv, 1, 1.0);
    long rounds = argc > 2 ? atol(argv[2]) : 0;
    double start = record_now(), end = start + seconds;
    if (rounds > 0) {
        for (long round = 0; round < rounds; round++) {
            outer_work(300000);
            other_leaf(100000);
        }
        struct timespec cpu;
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu);
        fprintf(stderr, "record_calls: %ld rounds in %.6f s (cpu %.6f s)\n", rounds,
                record_now() - start, (double)cpu.tv_sec + (double)cpu.tv_nsec / 1e9);
    } else {
        while (record_now() < end) {
            outer_work(300000);
            other_leaf(100000);
        }
    }
    printf("record_calls done\n");
    return 0;
}
