/* python_proc.h — what the Python sampler reads from /proc besides the
 * target's memory: a task's state and parent from its stat line, a
 * process's resident set from statm, and the descendants of a process
 * (for --subprocesses), found by following parent pids over /proc/PID/stat.
 */
#ifndef EMBER_PYTHON_PROC_H
#define EMBER_PYTHON_PROC_H

#include <stddef.h>

/* Parses a /proc stat line ("pid (comm) S ppid ..."; comm may hold spaces
 * and parentheses, so the fields start after the last ')'). Sets *state to
 * the state letter (R running, S sleeping, D disk, t traced...) and *ppid
 * to the parent pid; either may be NULL. Returns 0, or -1 when the text is
 * not a stat line. */
int proc_stat_parse(const char *text, size_t length, char *state, int *ppid);

/* Parses /proc/PID/statm text: the resident set in pages (second field).
 * Returns it, or -1 when the text is not a statm line. */
long proc_statm_resident_pages(const char *text, size_t length);

/* The pid of every process whose chain of parents reaches root_pid (not
 * root_pid itself), read from /proc/PID/stat now. pids is grown with
 * realloc (the caller frees it); returns the count. Processes that vanish
 * during the scan are left out. */
size_t proc_descendants(int root_pid, int **pids, size_t *capacity);

/* Reads the descendants' relation from a table of (pid, ppid) pairs: the
 * pure part of proc_descendants, for tests. Writes the descendants of
 * root_pid into out (at most out_capacity) in table order and returns
 * their count. */
size_t proc_descendants_of(int root_pid, const int (*pairs)[2], size_t pair_count, int *out,
                           size_t out_capacity);

/* Reads the file at path (relative to /proc, e.g. "1234/comm") into buffer
 * (NUL-terminated, a trailing newline removed). Returns the length, or -1. */
long proc_read_small(const char *path, char *buffer, size_t size);

#endif
