/* record_calls.c — a plain C call chain for `ember record` tests:
 * main -> outer_work -> middle_work -> leaf_work (and main -> other_leaf).
 * Built twice by tests/e2e/record.sh: with frame pointers (-O1
 * -fno-omit-frame-pointer) and without (-O2 -fomit-frame-pointer), where
 * only DWARF unwinding recovers the chain.
 * Usage: record_calls [SECONDS] (default 1). */
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
    double end = record_now() + seconds;
    while (record_now() < end) {
        outer_work(300000);
        other_leaf(100000);
    }
    printf("record_calls done\n");
    return 0;
}
