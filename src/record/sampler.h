/* sampler.h — CPU sampling through perf_event_open, without the perf tool:
 * opens one sampling event per CPU (and per thread of an attached process),
 * maps one ring buffer per CPU, and hands every record the kernel writes to
 * a callback, as the kernel wrote it.
 *
 * Three targets:
 *   - a command the sampler launches: the child is forked, waits on a pipe
 *     until the events are open, then execs; the events (pid = child,
 *     inherit, enable_on_exec, one per CPU) follow its threads, forks and
 *     execs;
 *   - attached processes: every thread listed in /proc/PID/task gets one
 *     inheriting event per CPU, so threads they create later are sampled
 *     too (the list is re-read until no thread appeared while opening);
 *   - the whole system: one event per CPU with pid = -1.
 *
 * The event is the software cpu-clock (hardware counters are absent on
 * virtual machines such as this project's; the software clock works
 * everywhere) in frequency mode. Besides SAMPLE records the kernel writes
 * MMAP2, COMM (with exec), FORK, EXIT, LOST, THROTTLE and UNTHROTTLE
 * records; every record carries sample_id_all fields. The consumer (see
 * src/record/session.h) turns them into a profile.
 *
 * Ownership: sampler_open() allocates; sampler_close() closes every file
 * descriptor, unmaps every buffer, and (for a launched command that never
 * got to exec) kills and reaps the waiting child.
 */
#ifndef EMBER_RECORD_SAMPLER_H
#define EMBER_RECORD_SAMPLER_H

#include <linux/perf_event.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum sampler_target {
    SAMPLER_TARGET_COMMAND, /* fork + exec options.command */
    SAMPLER_TARGET_PIDS,    /* attach to options.pids */
    SAMPLER_TARGET_SYSTEM,  /* every process on every CPU */
};

enum sampler_call_graph {
    SAMPLER_CALL_GRAPH_FP_DWARF, /* callchain + user registers and stack (default) */
    SAMPLER_CALL_GRAPH_FP,       /* the kernel's frame-pointer callchain only */
    SAMPLER_CALL_GRAPH_DWARF,    /* user registers and stack only (unwound later) */
    SAMPLER_CALL_GRAPH_NONE,     /* the sampled IP only */
};

/* The default user-stack bytes copied per sample for DWARF unwinding. */
#define SAMPLER_DEFAULT_STACK_SIZE 8192u
#define SAMPLER_DEFAULT_FREQUENCY 99u

struct sampler_options {
    enum sampler_target target;
    char *const *command;    /* COMMAND: argv, NULL-terminated (command[0] looked up in PATH) */
    const pid_t *pids;       /* PIDS: the processes to attach to */
    size_t pid_count;
    unsigned frequency;      /* samples per second per CPU (0: SAMPLER_DEFAULT_FREQUENCY) */
    enum sampler_call_graph call_graph;
    unsigned stack_size;     /* user-stack bytes per sample (0: the default; rounded to 8) */
    int user_only;           /* never sample kernel code (exclude_kernel) */
    int kernel_required;     /* fail rather than fall back to user-only when kernel
                                sampling is not permitted (--kernel) */
    unsigned ring_pages;     /* data pages per CPU buffer, a power of two (0: chosen) */
};

/* What the sampler itself saw, for a summary (the session counts the same
 * records by their meaning). */
struct sampler_stats {
    uint64_t records;        /* records handed to consume */
    uint64_t samples;        /* of which PERF_RECORD_SAMPLE */
    uint64_t lost_records;   /* PERF_RECORD_LOST records */
    uint64_t lost_samples;   /* the samples they say were lost */
    uint64_t throttles;      /* PERF_RECORD_THROTTLE */
    uint64_t unthrottles;    /* PERF_RECORD_UNTHROTTLE */
    uint64_t bytes;          /* record bytes read from the buffers */
    size_t event_count;      /* open event file descriptors */
    size_t buffer_count;     /* mapped ring buffers */
    unsigned ring_pages;     /* data pages per buffer */
    int kernel_excluded;     /* kernel code is not sampled (asked, or not permitted) */
};

/* Opens the events (disabled) and maps the buffers; for a command, forks
 * the child, which waits for sampler_enable(). Returns NULL after writing
 * why into error (permission: names kernel.perf_event_paranoid's value,
 * the setting needed and CAP_PERFMON, and what works without; a missing
 * pid; too many open files). Raises the soft RLIMIT_NOFILE to the hard
 * limit first: each thread of an attached process costs one descriptor per
 * CPU. */
struct sampler *sampler_open(const struct sampler_options *options, char *error,
                             size_t error_size);

/* The attribute every event was opened with (sample_type, regs mask ...). */
const struct perf_event_attr *sampler_attr(const struct sampler *sampler);

/* The kernel ids of the open events (PERF_EVENT_IOC_ID), for the session
 * to match PERF_SAMPLE_IDENTIFIER fields against the attribute. */
const uint64_t *sampler_ids(const struct sampler *sampler, size_t *count);

/* Starts sampling: lets the launched child exec (counting starts at the
 * exec), or enables the events of attached processes and the system.
 * Returns 0, or -1 (see sampler_error(); for a command that could not be
 * executed, sampler_exec_errno() says why and the child has exited 127). */
int sampler_enable(struct sampler *sampler);

/* The launched child's pid, or -1 for other targets. The caller waits for
 * it (waitpid) to learn its exit status. */
pid_t sampler_child_pid(const struct sampler *sampler);

/* errno of the launched command's failed exec, 0 when it did not fail. */
int sampler_exec_errno(const struct sampler *sampler);

/* The last error message of sampler_enable() or sampler_drain(). */
const char *sampler_error(const struct sampler *sampler);

/* Waits up to timeout_ms (0: not at all, -1: forever) for data, then hands
 * every complete record in every buffer to consume, oldest first within a
 * buffer (records wrapping around a buffer's end are copied contiguous
 * first). A record pointer is valid only during the call. consume returns
 * 0 to continue, non-zero to stop (the record counts as consumed). Returns
 * the number of records handed over, or -1 (poll failed, or consume
 * stopped: sampler_error() says which). An interrupted wait (EINTR) is not
 * an error: it returns what was drained. */
long sampler_drain(struct sampler *sampler, int timeout_ms,
                   int (*consume)(const struct perf_event_header *record, void *context),
                   void *context);

/* 0 once every event reported its end (POLLHUP: each sampled task and
 * all the tasks that inherited its event exited); always 1 for the whole
 * system. Updated by sampler_drain() with a non-zero timeout. */
int sampler_targets_alive(const struct sampler *sampler);

/* Stops every event (the target keeps running untouched); records already
 * in the buffers can still be drained afterwards. */
void sampler_disable(struct sampler *sampler);

const struct sampler_stats *sampler_stats(const struct sampler *sampler);

void sampler_close(struct sampler *sampler);

#endif
