/* perfdata_spin.c — a single-threaded CPU-bound program for
 * tests/e2e/perf_data.sh: main -> outer -> {inner_a, inner_b}, plus a
 * qsort callback and a few system calls, so samples land in the program,
 * in libc and in the kernel, and many calls through the PLT (built with
 * -fno-builtin, strlen and atoi are real calls), whose stubs perf names by
 * its symbol tree's shape. Runs for argv[1] milliseconds (default 300). */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile unsigned long sink;

__attribute__((noinline)) static void inner_a(void)
{
    for (int i = 0; i < 20000; i++)
        sink += (unsigned long)i * 7;
}

__attribute__((noinline)) static void inner_b(void)
{
    for (int i = 0; i < 40000; i++)
        sink ^= (unsigned long)i * 13;
}

static int compare_ints(const void *left, const void *right)
{
    int a = *(const int *)left, b = *(const int *)right;
    return (a > b) - (a < b);
}

__attribute__((noinline)) static void sort_some(void)
{
    int values[512];
    for (int i = 0; i < 512; i++)
        values[i] = (i * 7919) % 512;
    qsort(values, 512, sizeof values[0], compare_ints);
    sink += (unsigned long)values[3];
}

__attribute__((noinline)) static void plt_calls(const char *text)
{
    for (int i = 0; i < 2000; i++)
        sink += strlen(text) + (unsigned long)atoi("7");
}

__attribute__((noinline)) static void outer(void)
{
    plt_calls("x");
    inner_a();
    inner_b();
    sort_some();
    char buffer[64];
    memset(buffer, 'x', sizeof buffer);
    if (write(-1, buffer, sizeof buffer) < 0)
        sink++;
}

static double now_ms(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)now.tv_sec * 1e3 + (double)now.tv_nsec / 1e6;
}

int main(int argc, char **argv)
{
    double duration = argc > 1 ? atof(argv[1]) : 300;
    double start = now_ms();
    while (now_ms() - start < duration)
        outer();
    return 0;
}
