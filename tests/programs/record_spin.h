/* record_spin.h — what the `ember record` test programs share: burning CPU
 * for a while in a function of the caller's choosing, and reading the
 * seconds to run from argv. Header-only (static functions) so each program
 * is one gcc command. */
#ifndef RECORD_SPIN_H
#define RECORD_SPIN_H

#include <stdlib.h>
#include <time.h>

static double record_now(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)now.tv_sec + (double)now.tv_nsec / 1e9;
}

/* argv[index] as seconds, or fallback. */
static double record_seconds_arg(int argc, char **argv, int index, double fallback)
{
    return argc > index ? atof(argv[index]) : fallback;
}

#endif
