/* python_threads.h — the threads of one sampled process as the OS sees
 * them: for each tid its /proc/PID/task/TID/stat file kept open (its state
 * is read with one pread per sample, never an open/close), its name
 * (task comm) and its state at the last python_threads_read_states().
 *
 * Design: a small array kept sorted by tid (processes have few threads;
 * lookups are binary searches). Threads are added when first asked about
 * or found by python_threads_scan(); a thread the task directory no longer
 * lists, or whose stat can no longer be read, has exited and is dropped at
 * the next scan. The task directory is kept open between scans.
 */
#ifndef EMBER_PYTHON_THREADS_H
#define EMBER_PYTHON_THREADS_H

#include <dirent.h>
#include <stddef.h>

struct python_thread {
    int tid;
    int stat_fd;     /* -1 when it could not be opened */
    char name[32];   /* comm, "?" when unreadable */
    char state;      /* last state letter read, 0 when unknown */
    unsigned long long state_round; /* the caller's round of that read (0: none; python_sampler.c) */
    double state_time;               /* and its time (monotonic seconds) */
    int gone;        /* its stat could not be read: exited */
    int listed;      /* seen by the scan under way */
};

struct python_threads {
    int pid;
    DIR *task_directory; /* /proc/PID/task, open from the first scan on */
    struct python_thread *threads; /* sorted by tid */
    size_t count, capacity;
};

void python_threads_init(struct python_threads *threads, int pid);
void python_threads_free(struct python_threads *threads);
/* Adds every tid in /proc/PID/task not known yet and drops the gone ones
 * (not listed any more, or their stat unreadable).
 * Returns the number of threads, or -1 when the task directory cannot be
 * read (the process is gone). */
long python_threads_scan(struct python_threads *threads);
/* The thread tid, added (stat opened, name read) if new. */
struct python_thread *python_threads_get(struct python_threads *threads, int tid);
/* Reads every known thread's state now (one pread each). */
void python_threads_read_states(struct python_threads *threads);
/* Reads one thread's state now; returns it (0 when unreadable). */
char python_thread_read_state(struct python_thread *thread);

#endif
