/* perfdata_fork.c — a forking program for tests/e2e/perf_data.sh: the
 * parent runs parent_work while two children run child_work, and a third
 * child execs /bin/true-like work through "sh -c" (exec replaces its comm
 * and mappings). Runs for argv[1] milliseconds (default 300). */
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile unsigned long sink;
static double duration_ms = 300;

static double now_ms(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)now.tv_sec * 1e3 + (double)now.tv_nsec / 1e6;
}

__attribute__((noinline)) static void child_work(void)
{
    double start = now_ms();
    while (now_ms() - start < duration_ms)
        for (int i = 0; i < 10000; i++)
            sink += (unsigned long)i;
}

__attribute__((noinline)) static void parent_work(void)
{
    double start = now_ms();
    while (now_ms() - start < duration_ms)
        for (int i = 0; i < 10000; i++)
            sink ^= (unsigned long)i;
}

int main(int argc, char **argv)
{
    if (argc > 1)
        duration_ms = atof(argv[1]);
    for (int child = 0; child < 2; child++) {
        if (fork() == 0) {
            child_work();
            _exit(0);
        }
    }
    if (fork() == 0) {
        execl("/bin/sh", "sh", "-c", "i=0; while [ $i -lt 3000 ]; do i=$((i+1)); done", (char *)NULL);
        _exit(127);
    }
    parent_work();
    while (wait(NULL) > 0)
        ;
    return 0;
}
