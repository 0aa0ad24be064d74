/* python_sampler.h — `ember record` for CPython: samples the Python stacks
 * of a launched command or of running processes from outside them (with
 * the reader of src/record/python/python_stacks.h) at a fixed rate, and
 * adds them to a profile as `file:function:line` frames (FRAME_PYTHON).
 *
 * The loop runs on absolute deadlines (clock_nanosleep TIMER_ABSTIME on
 * CLOCK_MONOTONIC): the time a round takes is not added to the period, so
 * the rate asked for is the rate achieved as long as a round takes less
 * than a period; a round that ends late starts the next one at once, and
 * only when sampling falls more than 10 periods behind are the missed
 * rounds given up (counted in late_rounds). Between rounds, every 10 to
 * 100 ms, housekeeping: the end conditions, new threads, new child
 * processes (--subprocesses), targets whose interpreter became readable.
 *
 * With kernel snapshots (the default where possible, see enum
 * python_sampling_method) there are no rounds: the loop waits on the
 * kernel's ring buffer and names each snapshot as it comes (a thread the
 * kernel does not know yet makes the target's threads be looked up
 * again); every snapshot is of a thread on a CPU.
 *
 * Filters per thread stack: by default only threads the OS shows running
 * (state R in /proc/PID/task/TID/stat, read with pread on descriptors kept
 * open: no open/close per sample); `idle` keeps every thread; `gil` only
 * the GIL holder. Stacks the reader marks invalid (torn) are counted and
 * dropped, never recorded. `blocking` pauses each target's threads with
 * ptrace for the read (python_pause.h); `native` (implies pausing) also
 * copies each thread's registers and user stack, unwinds them with
 * src/record/unwind.h, names them with src/record/symbols.h and merges
 * them with the Python frames (python_merge.h). `memory` charges the
 * change of the resident set (/proc/PID/statm) since the previous round to
 * the GIL holder's stack (else the first running thread's), as sample
 * types memory_allocated / memory_released (bytes; a flame graph cannot
 * draw negative widths).
 *
 * Never writes to a target. Ownership: python_sampler_create() allocates;
 * python_sampler_destroy() closes the readers, detaches from paused
 * threads and frees everything except the profile (the caller's).
 */
#ifndef EMBER_PYTHON_SAMPLER_H
#define EMBER_PYTHON_SAMPLER_H

#include "../model/profile.h"

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define PYTHON_SAMPLER_DEFAULT_FREQUENCY 100u

/* How stacks are taken. Kernel snapshots (python/python_bpf.h: the
 * kernel copies the frame chain of the thread it interrupts at each
 * cpu-clock tick) see every call as often as it runs, however short; they
 * sample CPU time only and need root. Reads (python/python_stacks.h:
 * process_vm_readv from this process, checked against torn copies) work
 * in every mode and for any user allowed to ptrace the target, but drop
 * calls shorter than a read (~1 us) unless the target is paused. */
enum python_sampling_method {
    PYTHON_METHOD_AUTO,      /* snapshots in the default CPU mode when they can be had, else reads */
    PYTHON_METHOD_SNAPSHOTS, /* snapshots, or an error */
    PYTHON_METHOD_READS,     /* reads */
};

struct python_sampler_options {
    enum python_sampling_method method;
    unsigned frequency;       /* rounds per second (0: the default) */
    double duration;          /* seconds; 0: until the targets end */
    int idle;                 /* keep threads that are not running */
    int gil;                  /* only the thread holding the GIL */
    int subprocesses;         /* follow Python child processes */
    int blocking;             /* pause the target for each round */
    int native;               /* merge native stacks (pauses too) */
    int memory;               /* RSS deltas instead of sample counts */
    int root_process;         /* a root frame "comm-PID" per process */
    int root_thread;          /* a root frame "comm-PID/TID" per thread */
    volatile sig_atomic_t *stop; /* non-zero (a signal handler's flag): end */
};

struct python_sampler_stats {
    uint64_t rounds;          /* sampling rounds done */
    uint64_t late_rounds;     /* rounds given up after falling behind */
    uint64_t stacks_read;     /* thread stacks the readers reported */
    uint64_t stacks;          /* of which recorded */
    uint64_t invalid;         /* of which dropped as torn or unreadable */
    uint64_t idle;            /* of which dropped by the idle/GIL filter */
    uint64_t processes;       /* processes sampled at least once */
    double seconds;           /* from the first round to the end */
    double cpu_seconds;       /* ember's own CPU time while sampling */
    uint64_t read_calls;      /* process_vm_readv calls of the readers */
    char version[32];         /* the first target's Python version */
    int snapshots;            /* stacks came from kernel snapshots (else reads) */
    uint64_t dropped;         /* snapshots the kernel's ring buffer had no room for */
    double kernel_seconds;    /* the snapshot program's run time (in the interrupted threads), -1 unknown */
    char method_note[256];    /* why reads were used where snapshots were not asked against */
};

enum python_sampler_end {
    PYTHON_SAMPLER_END_SIGNAL,    /* *stop was set */
    PYTHON_SAMPLER_END_DURATION,  /* -d's time was up */
    PYTHON_SAMPLER_END_COMMAND,   /* the launched command exited */
    PYTHON_SAMPLER_END_GONE,      /* every attached process exited */
    PYTHON_SAMPLER_END_ERROR,     /* message written */
};

struct python_sampler;

struct python_sampler *python_sampler_create(struct profile *profile,
                                             const struct python_sampler_options *options);

/* NULL, or, when the options ask for snapshots (PYTHON_METHOD_SNAPSHOTS)
 * and they cannot be had, why. */
const char *python_sampler_snapshot_error(const struct python_sampler *sampler);
/* Runs command and waits until its interpreter can be read (the pyenv
 * shim and other wrappers exec the real interpreter later: it is followed
 * until then). Returns 0; or -1 with a message in error: *exec_errno set
 * when the command could not be executed, else the reader's reason (the
 * command is then still running: see python_sampler_child). */
int python_sampler_launch(struct python_sampler *sampler, char *const *command, char *error,
                          size_t error_size, int *exec_errno);
/* Attaches to a running process. Returns 0, or -1 with the reader's
 * message (what was tried, what to do) in error. */
int python_sampler_attach(struct python_sampler *sampler, int pid, char *error,
                          size_t error_size);
/* Samples until the end; returns how it ended. */
enum python_sampler_end python_sampler_run(struct python_sampler *sampler, char *error,
                                           size_t error_size);
/* Why a target could not be read (the reader's message), NULL when every
 * target was read: what to say when nothing was recorded. */
const char *python_sampler_reason(const struct python_sampler *sampler);
/* The launched command's pid (-1 when attached). */
pid_t python_sampler_child(const struct python_sampler *sampler);
/* 1 when the launched command has exited (and *status is its waitpid
 * status): python_sampler_run or the pausing code reaped it. */
int python_sampler_child_status(const struct python_sampler *sampler, int *status);
const struct python_sampler_stats *python_sampler_stats(const struct python_sampler *sampler);
/* Lets paused threads go and detaches from them (also done by destroy). */
void python_sampler_detach(struct python_sampler *sampler);
void python_sampler_destroy(struct python_sampler *sampler);

#endif
