/* python_threads.c — a process's threads, their names and states; see
 * python_threads.h. */
#include "python_threads.h"
#include "python_proc.h"
#include "../util/memory.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void python_threads_init(struct python_threads *threads, int pid)
{
    memset(threads, 0, sizeof *threads);
    threads->pid = pid;
}

void python_threads_free(struct python_threads *threads)
{
    for (size_t i = 0; i < threads->count; i++)
        if (threads->threads[i].stat_fd >= 0)
            close(threads->threads[i].stat_fd);
    free(threads->threads);
    threads->threads = NULL;
    threads->count = threads->capacity = 0;
    if (threads->task_directory)
        closedir(threads->task_directory);
    threads->task_directory = NULL;
}

static size_t position_of(const struct python_threads *threads, int tid)
{
    size_t low = 0, high = threads->count;
    while (low < high) {
        size_t middle = (low + high) / 2;
        if (threads->threads[middle].tid < tid)
            low = middle + 1;
        else
            high = middle;
    }
    return low;
}

char python_thread_read_state(struct python_thread *thread)
{
    char text[256];
    ssize_t length = thread->stat_fd >= 0 ? pread(thread->stat_fd, text, sizeof text, 0) : -1;
    char state = 0;
    if (length <= 0 || proc_stat_parse(text, (size_t)length, &state, NULL) != 0) {
        thread->gone = thread->stat_fd >= 0;
        state = 0;
    }
    thread->state = state;
    return state;
}

struct python_thread *python_threads_get(struct python_threads *threads, int tid)
{
    size_t position = position_of(threads, tid);
    if (position < threads->count && threads->threads[position].tid == tid)
        return &threads->threads[position];
    GROW(threads->threads, threads->capacity, threads->count + 1);
    memmove(&threads->threads[position + 1], &threads->threads[position],
            (threads->count - position) * sizeof *threads->threads);
    threads->count++;
    struct python_thread *thread = &threads->threads[position];
    memset(thread, 0, sizeof *thread);
    thread->tid = tid;
    char path[96];
    snprintf(path, sizeof path, "/proc/%d/task/%d/stat", threads->pid, tid);
    thread->stat_fd = open(path, O_RDONLY | O_CLOEXEC);
    snprintf(path, sizeof path, "%d/task/%d/comm", threads->pid, tid);
    if (proc_read_small(path, thread->name, sizeof thread->name) <= 0)
        snprintf(thread->name, sizeof thread->name, "?");
    return thread;
}

long python_threads_scan(struct python_threads *threads)
{
    /* The task directory stays open: listing it again from the start
     * costs a getdents, where opening it costs a path walk through /proc. */
    if (!threads->task_directory) {
        char path[64];
        snprintf(path, sizeof path, "/proc/%d/task", threads->pid);
        threads->task_directory = opendir(path);
        if (!threads->task_directory)
            return -1;
    } else {
        rewinddir(threads->task_directory);
    }
    for (size_t i = 0; i < threads->count; i++)
        threads->threads[i].listed = 0;
    size_t listed = 0;
    struct dirent *entry;
    while ((entry = readdir(threads->task_directory)) != NULL) {
        char *end;
        long tid = strtol(entry->d_name, &end, 10);
        if (end != entry->d_name && !*end && tid > 0 && tid <= INT_MAX) {
            python_threads_get(threads, (int)tid)->listed = 1;
            listed++;
        }
    }
    /* A live process has a thread: none listed, it is gone. */
    if (listed == 0)
        return -1;
    /* Threads no longer listed, or whose stat can no longer be read, have
     * exited. */
    size_t kept = 0;
    for (size_t i = 0; i < threads->count; i++) {
        struct python_thread *thread = &threads->threads[i];
        if (!thread->listed || thread->gone || thread->stat_fd < 0) {
            if (thread->stat_fd >= 0)
                close(thread->stat_fd);
            continue;
        }
        threads->threads[kept++] = *thread;
    }
    threads->count = kept;
    return (long)threads->count;
}

void python_threads_read_states(struct python_threads *threads)
{
    for (size_t i = 0; i < threads->count; i++)
        python_thread_read_state(&threads->threads[i]);
}
