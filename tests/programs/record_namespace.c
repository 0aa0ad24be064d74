/* record_namespace.c — a target for tests/e2e/record_namespaces.sh: two
 * builds of this file (-DHOT_FUNCTION=alpha_hot / beta_hot) run from the
 * same path in two mount namespaces, so the recorder must tell their files
 * apart by device and inode, not by path. The builds differ only in the
 * hot function's name, so each name sits at the same offset in both files:
 * one symbol table shared by path names both processes' samples alike.
 * Spins in HOT_FUNCTION (called from main through run_hot) for SECONDS.
 * Usage: PROGRAM SECONDS */
#define _DEFAULT_SOURCE
#include <stdlib.h>
#include <time.h>

#ifndef HOT_FUNCTION
#error "build with -DHOT_FUNCTION=name"
#endif

volatile unsigned long namespace_sink;

__attribute__((noinline)) void HOT_FUNCTION(void);
__attribute__((noinline)) void run_hot(double seconds);

void HOT_FUNCTION(void)
{
    for (unsigned long i = 0; i < 100000; i++)
        namespace_sink += i;
}

static double now(void)
{
    struct timespec time;
    clock_gettime(CLOCK_MONOTONIC, &time);
    return (double)time.tv_sec + (double)time.tv_nsec / 1e9;
}

void run_hot(double seconds)
{
    double end = now() + seconds;
    while (now() < end)
        HOT_FUNCTION();
}

int main(int argc, char **argv)
{
    run_hot(argc > 1 ? atof(argv[1]) : 3.0);
    return 0;
}
