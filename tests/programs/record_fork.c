/* record_fork.c — a process that forks for `ember record` tests: the child
 * runs child_side_work, the parent parent_side_work, then waits; the child
 * then execs `record_fork --exec-child` when given its own path, so the
 * recording follows an exec too (exec_side_work).
 * Usage: record_fork [SECONDS] [--exec-child]. */
#include "record_spin.h"

#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

volatile unsigned long fork_sink;

__attribute__((noinline)) void parent_side_work(double end);
__attribute__((noinline)) void child_side_work(double end);
__attribute__((noinline)) void exec_side_work(double end);

void parent_side_work(double end)
{
    while (record_now() < end)
        for (unsigned long i = 0; i < 100000; i++)
            fork_sink += i;
}

void child_side_work(double end)
{
    while (record_now() < end)
        for (unsigned long i = 0; i < 100000; i++)
            fork_sink ^= i;
}

void exec_side_work(double end)
{
    while (record_now() < end)
        for (unsigned long i = 0; i < 100000; i++)
            fork_sink -= i;
}

int main(int argc, char **argv)
{
    double seconds = record_seconds_arg(argc, argv, 1, 1.0);
    if (argc > 2 && strcmp(argv[2], "--exec-child") == 0) {
        exec_side_work(record_now() + seconds);
        return 0;
    }
    pid_t child = fork();
    if (child == 0) {
        child_side_work(record_now() + seconds / 2);
        char seconds_text[32];
        snprintf(seconds_text, sizeof seconds_text, "%g", seconds / 2);
        execl("/proc/self/exe", argv[0], seconds_text, "--exec-child", (char *)NULL);
        _exit(127);
    }
    parent_side_work(record_now() + seconds);
    int status = 0;
    waitpid(child, &status, 0);
    printf("record_fork done\n");
    return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
