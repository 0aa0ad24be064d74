/* record_qsort.c — the hot function is called back from libc's qsort:
 * main -> sort_rounds -> qsort (libc, no frame pointers on Debian) ->
 * compare_slowly. Frame-pointer chains break inside libc; DWARF unwinding
 * reaches main. Built with frame pointers so only libc's frames lack them.
 * Usage: record_qsort [SECONDS] (default 1). */
#include "record_spin.h"

#include <stdio.h>
#include <stdlib.h>

enum { ELEMENT_COUNT = 4096 };

volatile double record_qsort_sink;

__attribute__((noinline)) int compare_slowly(const void *left, const void *right);
__attribute__((noinline)) void sort_rounds(int *values, unsigned seed);

int compare_slowly(const void *left, const void *right)
{
    int a = *(const int *)left, b = *(const int *)right;
    double burn = 0;
    for (int i = 0; i < 40; i++)
        burn += (double)(a ^ i) * 0.5;
    record_qsort_sink += burn;
    return (a > b) - (a < b);
}

void sort_rounds(int *values, unsigned seed)
{
    for (int i = 0; i < ELEMENT_COUNT; i++) {
        seed = seed * 1103515245u + 12345u;
        values[i] = (int)(seed >> 8);
    }
    qsort(values, ELEMENT_COUNT, sizeof *values, compare_slowly);
}

int main(int argc, char **argv)
{
    double seconds = record_seconds_arg(argc, argv, 1, 1.0);
    int *values = malloc(ELEMENT_COUNT * sizeof *values);
    double end = record_now() + seconds;
    unsigned seed = 1;
    while (record_now() < end)
        sort_rounds(values, seed++);
    free(values);
    printf("record_qsort done\n");
    return 0;
}
