/* addr2line.c — inlining levels from binutils' addr2line; see addr2line.h.
 *
 * Protocol (perf's): write "ADDRESS\n,\n"; addr2line -a echoes each
 * address ("0x%016x") then one (function, file:line) pair per inlining
 * level; the "," is an invalid address, answered "0x0000000000000000" and
 * "??" / "??:0", which marks the end of the real answer.
 */
#define _GNU_SOURCE /* pipe2 */
#include "addr2line.h"
#include "../util/memory.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <time.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

struct addr2line_process {
    char *path;
    pid_t pid;      /* 0 when it could not start */
    FILE *to, *from;
};

struct addr2line_runner {
    char *program;
    struct addr2line_process *processes;
    size_t process_count, process_capacity;
    char **names;
    size_t name_count, name_capacity;
};

static char *find_program(const char *name)
{
    const char *path = getenv("PATH");
    if (!path)
        path = "/usr/bin:/bin";
    while (*path) {
        const char *colon = strchr(path, ':');
        size_t length = colon ? (size_t)(colon - path) : strlen(path);
        char candidate[4096];
        if (length > 0 && length + strlen(name) + 2 < sizeof candidate) {
            memcpy(candidate, path, length);
            candidate[length] = '/';
            strcpy(candidate + length + 1, name);
            if (access(candidate, X_OK) == 0) {
                char *copy = xmalloc(strlen(candidate) + 1);
                strcpy(copy, candidate);
                return copy;
            }
        }
        path += length + (colon ? 1 : 0);
        if (!colon)
            break;
    }
    return NULL;
}

struct addr2line_runner *addr2line_runner_create(void)
{
    char *program = find_program("addr2line");
    if (!program)
        return NULL;
    struct addr2line_runner *runner = xcalloc(1, sizeof *runner);
    runner->program = program;
    return runner;
}

static void clear_names(struct addr2line_runner *runner)
{
    for (size_t i = 0; i < runner->name_count; i++)
        free(runner->names[i]);
    runner->name_count = 0;
}

static void stop_process(struct addr2line_process *process)
{
    if (process->to)
        fclose(process->to);
    if (process->from)
        fclose(process->from);
    process->to = process->from = NULL;
    if (process->pid > 0) {
        int status;
        waitpid(process->pid, &status, 0);
    }
    process->pid = 0;
}

void addr2line_runner_destroy(struct addr2line_runner *runner)
{
    if (!runner)
        return;
    for (size_t i = 0; i < runner->process_count; i++) {
        stop_process(&runner->processes[i]);
        free(runner->processes[i].path);
    }
    free(runner->processes);
    clear_names(runner);
    free(runner->names);
    free(runner->program);
    free(runner);
}

static void start_process(struct addr2line_runner *runner, struct addr2line_process *process)
{
    struct stat status;
    if (stat(process->path, &status) != 0 || !S_ISREG(status.st_mode))
        return; /* only regular files: a FIFO named by a profile would block */
    int to_child[2], from_child[2];
    if (pipe2(to_child, O_CLOEXEC) != 0)
        return;
    if (pipe2(from_child, O_CLOEXEC) != 0) {
        close(to_child[0]);
        close(to_child[1]);
        return;
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, to_child[0], 0);
    posix_spawn_file_actions_adddup2(&actions, from_child[1], 1);
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
    char *argv[] = {runner->program, "-a", "-i", "-f", "-e", process->path, NULL};
    pid_t pid;
    int failed = posix_spawn(&pid, runner->program, &actions, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    close(to_child[0]);
    close(from_child[1]);
    if (failed) {
        close(to_child[1]);
        close(from_child[0]);
        return;
    }
    process->pid = pid;
    process->to = fdopen(to_child[1], "w");
    process->from = fdopen(from_child[0], "r");
    if (!process->to || !process->from)
        stop_process(process);
}

static struct addr2line_process *process_for(struct addr2line_runner *runner, const char *path)
{
    for (size_t i = 0; i < runner->process_count; i++)
        if (strcmp(runner->processes[i].path, path) == 0)
            return &runner->processes[i];
    GROW(runner->processes, runner->process_capacity, runner->process_count + 1);
    struct addr2line_process *process = &runner->processes[runner->process_count++];
    memset(process, 0, sizeof *process);
    process->path = xmalloc(strlen(path) + 1);
    strcpy(process->path, path);
    start_process(runner, process);
    return process;
}

static int read_line(FILE *from, char *line, size_t size)
{
    if (!fgets(line, (int)size, from))
        return 0;
    line[strcspn(line, "\n")] = '\0';
    return 1;
}

size_t addr2line_lookup(struct addr2line_runner *runner, const char *path, uint64_t address,
                        const char *const **names)
{
    clear_names(runner);
    struct addr2line_process *process = process_for(runner, path);
    if (!process->pid)
        return 0;
    /* A write to a child that died must fail with EPIPE, not kill ember:
     * SIGPIPE is blocked around it and a pending one consumed. */
    sigset_t pipe_signal, previous;
    sigemptyset(&pipe_signal);
    sigaddset(&pipe_signal, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_signal, &previous);
    int written = fprintf(process->to, "%016llx\n,\n", (unsigned long long)address) >= 0 &&
                  fflush(process->to) == 0;
    if (!written && errno == EPIPE) {
        struct timespec no_wait = {0, 0};
        sigtimedwait(&pipe_signal, NULL, &no_wait);
    }
    pthread_sigmask(SIG_SETMASK, &previous, NULL);
    if (!written) {
        stop_process(process);
        return 0;
    }
    char line[4096];
    /* The echoed address, then pairs until the sentinel's echo. */
    if (!read_line(process->from, line, sizeof line)) {
        stop_process(process);
        return 0;
    }
    int known = 0;
    for (;;) {
        if (!read_line(process->from, line, sizeof line)) {
            stop_process(process);
            clear_names(runner);
            return 0;
        }
        if (strncmp(line, "0x", 2) == 0) { /* the sentinel's echo: its ?? pair follows */
            char ignored[4096];
            if (!read_line(process->from, ignored, sizeof ignored) ||
                !read_line(process->from, ignored, sizeof ignored))
                stop_process(process);
            break;
        }
        char location[4096];
        if (!read_line(process->from, location, sizeof location)) {
            stop_process(process);
            clear_names(runner);
            return 0;
        }
        known |= strcmp(line, "??") != 0 || strcmp(location, "??:0") != 0;
        GROW(runner->names, runner->name_capacity, runner->name_count + 1);
        runner->names[runner->name_count] = xmalloc(strlen(line) + 1);
        strcpy(runner->names[runner->name_count++], line);
    }
    if (!known)
        clear_names(runner);
    *names = (const char *const *)runner->names;
    return runner->name_count;
}
