/* perfdata_threads.c — a multi-threaded program for tests/e2e/perf_data.sh:
 * three threads running different functions (worker_even, worker_odd) for
 * argv[1] milliseconds (default 300). */
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

static double duration_ms = 300;

static double now_ms(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)now.tv_sec * 1e3 + (double)now.tv_nsec / 1e6;
}

__attribute__((noinline)) static unsigned long spin_even(unsigned long value)
{
    for (int i = 0; i < 10000; i++)
        value = value * 6364136223846793005UL + 1;
    return value;
}

__attribute__((noinline)) static unsigned long spin_odd(unsigned long value)
{
    for (int i = 0; i < 10000; i++)
        value ^= value << 13, value ^= value >> 7, value ^= value << 17;
    return value;
}

static void *worker_even(void *argument)
{
    unsigned long value = (unsigned long)argument;
    double start = now_ms();
    while (now_ms() - start < duration_ms)
        value = spin_even(value);
    return (void *)value;
}

static void *worker_odd(void *argument)
{
    unsigned long value = (unsigned long)argument;
    double start = now_ms();
    while (now_ms() - start < duration_ms)
        value = spin_odd(value);
    return (void *)value;
}

int main(int argc, char **argv)
{
    if (argc > 1)
        duration_ms = atof(argv[1]);
    pthread_t threads[3];
    pthread_create(&threads[0], NULL, worker_even, (void *)1);
    pthread_create(&threads[1], NULL, worker_odd, (void *)2);
    pthread_create(&threads[2], NULL, worker_even, (void *)3);
    for (int i = 0; i < 3; i++)
        pthread_join(threads[i], NULL);
    return 0;
}
