/* python_sampler.c — the Python sampling loop of `ember record`; see
 * python_sampler.h.
 *
 * Design: a sampler holds a list of targets, one per process. A target is
 * "pending" until its reader opens (a command still starting, a child
 * process just forked or exec'ing), then "open", then "gone". Each round
 * visits the open targets; each reported thread stack is filtered, turned
 * into frame ids root first (optional process and thread roots, then the
 * Python frames, or the merge with the native stack) in a scratch array
 * and added to the profile.
 */
#include "python_sampler.h"
#include "python/python_bpf.h"
#include "python/python_process.h"
#include "python/python_stacks.h"
#include "python_frames.h"
#include "python_launch.h"
#include "python_native.h"
#include "python_pause.h"
#include "python_proc.h"
#include "python_threads.h"
#include "unwind.h"
#include "../util/memory.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef __WALL
#define __WALL 0x40000000
#endif

/* CPU-only mode: a thread holding the GIL runs Python code, so while its
 * last /proc stat said R it is taken as running, its stat re-read only
 * after GIL_STATE_ROUNDS rounds and GIL_STATE_SECONDS both (the pread and
 * the kernel formatting the stat line were 10% of the sampler's CPU at
 * 10 kHz): a GIL holder blocked in C without releasing the GIL is counted
 * as running for at most that long (80 ms at 100 Hz, 50 ms above 160 Hz).
 * Other threads' states are read every round. */
#define GIL_STATE_ROUNDS 8
#define GIL_STATE_SECONDS 0.05
/* How long a process that is not (yet) a readable Python is retried. */
#define LAUNCH_WAIT_SECONDS 10.0
#define CHILD_WAIT_SECONDS 2.0
/* How often the task directory is listed to drop exited threads (their
 * stat fds): a thread seen for the first time is added when its stack is
 * (python_threads_get), so this is only cleanup, not worth a getdents at
 * every housekeeping (0.1 s, every 10th round at 100 Hz). */
#define THREAD_SCAN_SECONDS 1.0
/* How far behind its schedule the sampler still takes the rounds it
 * missed (back to back) rather than skipping them: at least 10 periods,
 * and at least this long. On this VM a sleep of a few tens of µs comes
 * back more than 1 ms late some 25 times a second (the host runs something
 * else on the idle vCPU), which at 10 kHz skipped 2-6% of the rounds. The
 * rounds taken late are real stacks, read when the sampler runs again; the
 * host's stalls have nothing to do with what the target does, so the
 * profile stays an unbiased sample of its time (a flame chart shows the
 * late rounds where they were taken). */
#define CATCH_UP_SECONDS 0.005
/* Kernel snapshots: how often a target's thread list may be read again
 * for threads the kernel met but does not know, and how long snapshots
 * gather in the ring buffer before they are named, all at once: about
 * SNAPSHOT_BATCH_SAMPLES per busy thread, within these bounds (waking for
 * each cost 10-20 us of CPU per sample at 10 kHz, and a wake-up every 10
 * ms was most of ember's CPU at 100 Hz; 8 MB of ring hold more than a
 * second of 10 kHz snapshots of a 100-frame stack). */
#define SNAPSHOT_RESCAN_SECONDS 0.01
#define SNAPSHOT_BATCH_SAMPLES 32
#define SNAPSHOT_BATCH_MIN_SECONDS 0.01
#define SNAPSHOT_BATCH_MAX_SECONDS 0.1

enum target_state { TARGET_PENDING, TARGET_OPEN, TARGET_GONE };

struct sampled_target {
    int pid;
    enum target_state state;
    double retry_until;            /* PENDING: give up after this */
    double next_thread_scan;       /* OPEN: when housekeeping lists its threads again */
    enum python_status last_status;
    char last_error[512];
    struct python_reader *reader;
    uint64_t read_calls_counted; /* of its reader's calls, those already in the stats */
    struct python_threads threads;
    struct python_pause pause;
    int pausing;                   /* pause is initialised */
    struct python_native native;
    int native_ready;
    int statm_fd;
    long resident_pages;           /* at the previous round, -1 unknown */
    uint32_t root_frame;           /* "comm-PID" */
    int sampled;                   /* counted in stats.processes */
    /* Kernel snapshots: the process is in the program's map, with the
     * threads of registered_tids; rescan: a snapshot met a thread not
     * known yet (looked up again at the next loop, at most every
     * SNAPSHOT_RESCAN_SECONDS); lost: a snapshot could not be named, the
     * process is gone (closed after the drain). */
    int snapshot_process;
    int *registered_tids;
    size_t registered_count, registered_capacity;
    int rescan, lost;
    double next_rescan;
};

struct python_sampler {
    struct profile *profile;
    struct python_sampler_options options;
    struct python_sampler_stats stats;
    struct python_frame_cache frames;
    struct dwarf_unwinder *unwinder;
    struct sampled_target *targets;
    size_t target_count, target_capacity;
    pid_t child;
    int child_exited, child_status;
    int attached;                  /* -p: roots are the attached pids */
    size_t sample_type, released_type; /* memory: allocated / released */
    double start;                  /* monotonic seconds at the first round */
    long page_size;
    /* Scratch for one stack. */
    uint32_t *stack;
    size_t stack_capacity;
    struct python_merge_python *python;
    size_t python_capacity;
    struct python_merge_native *native;
    size_t native_capacity;
    /* Pausing: the tids stopped for the round being read. */
    int *stopped;
    size_t stopped_capacity;
    /* Memory mode: the stack the round's RSS change is charged to. */
    uint32_t *charged;
    size_t charged_depth, charged_capacity;
    int charged_rank;              /* 3 GIL, 2 running, 1 any, 0 none */
    uint32_t charged_thread;
    /* Kernel snapshots (NULL: reads); why not, when asked for. */
    struct python_bpf *bpf;
    char snapshot_error[256];
    double last_snapshot;          /* monotonic seconds of the latest snapshot */
    /* The round being visited. */
    struct sampled_target *current;
    double now;
    unsigned long long round;      /* rounds started, from 1 */
};

static double monotonic_now(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)now.tv_sec + (double)now.tv_nsec / 1e9;
}

static double cpu_now(void)
{
    struct timespec now;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
    return (double)now.tv_sec + (double)now.tv_nsec / 1e9;
}

struct python_sampler *python_sampler_create(struct profile *profile,
                                             const struct python_sampler_options *options)
{
    struct python_sampler *sampler = xcalloc(1, sizeof *sampler);
    sampler->profile = profile;
    sampler->options = *options;
    if (!sampler->options.frequency)
        sampler->options.frequency = PYTHON_SAMPLER_DEFAULT_FREQUENCY;
    if (sampler->options.native)
        sampler->options.blocking = 1;
    sampler->child = -1;
    sampler->page_size = sysconf(_SC_PAGESIZE);
    python_frame_cache_init(&sampler->frames, profile);
    if (sampler->options.native)
        sampler->unwinder = dwarf_unwinder_create();
    if (sampler->options.memory) {
        sampler->sample_type = profile_add_sample_type(profile, "memory_allocated", "bytes");
        sampler->released_type = profile_add_sample_type(profile, "memory_released", "bytes");
        profile->default_sample_type = sampler->sample_type;
    } else {
        sampler->sample_type = profile_add_sample_type(profile, "samples", "count");
        profile->default_sample_type = sampler->sample_type;
    }
    profile->period = 1e9 / sampler->options.frequency;
    profile->period_type = profile_intern_cstring(profile, "wall");
    const struct python_sampler_options *chosen = &sampler->options;
    int compatible = !chosen->idle && !chosen->gil && !chosen->blocking && !chosen->memory;
    if (chosen->method == PYTHON_METHOD_SNAPSHOTS && !compatible) {
        snprintf(sampler->snapshot_error, sizeof sampler->snapshot_error,
                 "kernel snapshots sample CPU time only: not with --idle, --gil, --blocking, "
                 "--native or --memory");
    } else if (chosen->method != PYTHON_METHOD_READS && compatible) {
        char why[160];
        sampler->bpf = python_bpf_open(chosen->frequency, why, sizeof why);
        if (sampler->bpf) {
            sampler->stats.snapshots = 1;
            profile->period_type = profile_intern_cstring(profile, "cpu");
        } else if (chosen->method == PYTHON_METHOD_SNAPSHOTS) {
            snprintf(sampler->snapshot_error, sizeof sampler->snapshot_error,
                     "kernel snapshots: %s", why);
        } else {
            snprintf(sampler->stats.method_note, sizeof sampler->stats.method_note,
                     "read from memory, as kernel snapshots are not possible (%s)", why);
        }
    }
    return sampler;
}

const char *python_sampler_snapshot_error(const struct python_sampler *sampler)
{
    return sampler->snapshot_error[0] ? sampler->snapshot_error : NULL;
}

static struct sampled_target *find_target(struct python_sampler *sampler, int pid)
{
    for (size_t i = 0; i < sampler->target_count; i++)
        if (sampler->targets[i].pid == pid)
            return &sampler->targets[i];
    return NULL;
}

static struct sampled_target *add_target(struct python_sampler *sampler, int pid, double wait)
{
    GROW(sampler->targets, sampler->target_capacity, sampler->target_count + 1);
    struct sampled_target *target = &sampler->targets[sampler->target_count++];
    memset(target, 0, sizeof *target);
    target->pid = pid;
    target->state = TARGET_PENDING;
    target->retry_until = monotonic_now() + wait;
    target->statm_fd = -1;
    target->resident_pages = -1;
    target->root_frame = PROFILE_NONE;
    return target;
}

/* Releases what an open target holds (reader, fds, ptrace). */
static void close_target(struct python_sampler *sampler, struct sampled_target *target)
{
    if (target->snapshot_process) {
        for (size_t i = 0; i < target->registered_count; i++)
            python_bpf_remove_thread(sampler->bpf, target->registered_tids[i]);
        python_bpf_remove_process(sampler->bpf, target->pid);
        target->snapshot_process = 0;
    }
    free(target->registered_tids);
    target->registered_tids = NULL;
    target->registered_count = target->registered_capacity = 0;
    target->rescan = target->lost = 0;
    if (target->pausing) {
        python_pause_detach(&target->pause);
        if (target->pause.leader_exited && target->pid == sampler->child && !sampler->child_exited) {
            sampler->child_exited = 1;
            sampler->child_status = target->pause.leader_status;
        }
        python_pause_free(&target->pause);
        target->pausing = 0;
    }
    if (target->native_ready) {
        python_native_free(&target->native);
        target->native_ready = 0;
    }
    if (target->reader) {
        sampler->stats.read_calls +=
            python_reader_stats(target->reader)->read_calls - target->read_calls_counted;
        target->read_calls_counted = 0;
        python_reader_close(target->reader);
        target->reader = NULL;
        /* Its interned strings are gone: cached pointers could be reused. */
        python_frame_cache_clear(&sampler->frames);
    }
    python_threads_free(&target->threads);
    if (target->statm_fd >= 0)
        close(target->statm_fd);
    target->statm_fd = -1;
}

/* A target that can no longer be read: closed, and, if the process is
 * still there (it exec'd), pending again for a while. */
static void lose_target(struct python_sampler *sampler, struct sampled_target *target, double now)
{
    int alive = python_process_alive(target->pid);
    close_target(sampler, target);
    target->state = alive ? TARGET_PENDING : TARGET_GONE;
    target->retry_until = now + CHILD_WAIT_SECONDS;
}

static long read_resident_pages(int fd)
{
    char text[128];
    ssize_t length = fd >= 0 ? pread(fd, text, sizeof text, 0) : -1;
    return length > 0 ? proc_statm_resident_pages(text, (size_t)length) : -1;
}

/* Attaches ptrace to every thread of target now (new ones since the last
 * call). Returns 0, or -1 with errno from PTRACE_SEIZE of the first thread
 * that could not be attached for another reason than having exited. */
static int pause_new_threads(struct sampled_target *target)
{
    python_threads_scan(&target->threads);
    for (size_t i = 0; i < target->threads.count; i++)
        if (python_pause_add(&target->pause, target->threads.threads[i].tid) != 0 &&
            errno != ESRCH)
            return -1;
    return 0;
}

/* Kernel snapshots: the threads one python_reader_sample reported. */
struct thread_registration {
    struct python_sampler *sampler;
    struct sampled_target *target;
    int *tids;
    size_t count, capacity;
};

static void register_thread(const struct python_thread_stack *stack, void *context)
{
    struct thread_registration *registration = context;
    int tid = stack->native_thread_id;
    /* a version without native_thread_id whose tids were not found: a
     * process with one thread is its own */
    if (tid <= 0 && registration->target->threads.count == 1)
        tid = registration->target->threads.threads[0].tid;
    if (tid <= 0 || !stack->state_address)
        return;
    GROW(registration->tids, registration->capacity, registration->count + 1);
    registration->tids[registration->count++] = tid;
    python_bpf_set_thread(registration->sampler->bpf, tid, stack->state_address);
}

/* Tells the snapshot program where target's threads keep their state
 * (from the interpreter's thread list, read now) and forgets the threads
 * gone since. Returns 0, or -1 when the process can no longer be read. */
static int register_threads(struct python_sampler *sampler, struct sampled_target *target)
{
    struct thread_registration registration = {sampler, target, NULL, 0, 0};
    python_threads_scan(&target->threads);
    if (python_reader_sample(target->reader, register_thread, &registration, NULL) < 0) {
        free(registration.tids);
        return -1;
    }
    for (size_t i = 0; i < target->registered_count; i++) {
        int kept = 0;
        for (size_t j = 0; j < registration.count && !kept; j++)
            kept = registration.tids[j] == target->registered_tids[i];
        if (!kept)
            python_bpf_remove_thread(sampler->bpf, target->registered_tids[i]);
    }
    free(target->registered_tids);
    target->registered_tids = registration.tids;
    target->registered_count = registration.count;
    target->registered_capacity = registration.capacity;
    target->rescan = 0;
    target->next_rescan = monotonic_now() + SNAPSHOT_RESCAN_SECONDS;
    return 0;
}

/* Puts an open target in the snapshot program's maps. Returns 0, or -1
 * (message in target->last_error). */
static int start_snapshots(struct python_sampler *sampler, struct sampled_target *target)
{
    struct python_snapshot_layout layout;
    if (python_reader_snapshot_layout(target->reader, &layout) != 0 ||
        python_bpf_add_process(sampler->bpf, target->pid, &layout) != 0) {
        snprintf(target->last_error, sizeof target->last_error,
                 "pid %d (CPython %s): cannot be sampled by kernel snapshots (use --read-memory)",
                 target->pid, python_reader_version(target->reader));
        target->last_status = PYTHON_UNSUPPORTED_VERSION;
        return -1;
    }
    target->snapshot_process = 1;
    if (register_threads(sampler, target) != 0) {
        snprintf(target->last_error, sizeof target->last_error,
                 "pid %d exited while its threads were being listed", target->pid);
        target->last_status = PYTHON_NO_PROCESS;
        return -1;
    }
    return 0;
}

/* Tries to open target's reader. Returns 0 (open), 1 (not yet: retry), -1
 * (failed for good: message in target->last_error). */
static int try_open(struct python_sampler *sampler, struct sampled_target *target, double now)
{
    enum python_status status = PYTHON_OK;
    char message[sizeof target->last_error];
    message[0] = 0;
    target->reader = python_reader_open(target->pid, &status, message, sizeof message);
    /* A process that exited says little: the reason seen while it lived
     * (not Python, not ready) is kept. */
    if (status != PYTHON_NO_PROCESS || !target->last_error[0]) {
        memcpy(target->last_error, message, sizeof message);
        target->last_status = status;
    }
    if (!target->reader) {
        int retry = status == PYTHON_NOT_READY || status == PYTHON_NOT_PYTHON ||
                    status == PYTHON_NOT_FOUND;
        if (status == PYTHON_NO_PROCESS)
            return -1;
        return retry && now < target->retry_until ? 1 : -1;
    }
    python_threads_init(&target->threads, target->pid);
    python_threads_scan(&target->threads);
    target->next_thread_scan = now + THREAD_SCAN_SECONDS;
    char path[64];
    if (sampler->options.memory) { /* the RSS deltas of memory mode */
        snprintf(path, sizeof path, "/proc/%d/statm", target->pid);
        target->statm_fd = open(path, O_RDONLY | O_CLOEXEC);
        target->resident_pages = read_resident_pages(target->statm_fd);
    }
    if (sampler->options.blocking) {
        python_pause_init(&target->pause, target->pid);
        target->pausing = 1;
        if (pause_new_threads(target) != 0) {
            int error_number = errno;
            snprintf(target->last_error, sizeof target->last_error,
                     "pid %d: cannot pause its threads for --blocking/--native "
                     "(ptrace PTRACE_SEIZE: %s): another debugger may be attached, or ptrace "
                     "is restricted (kernel.yama.ptrace_scope; run as the process's user with "
                     "ptrace_scope 0, or as root / with CAP_SYS_PTRACE)",
                     target->pid, strerror(error_number));
            target->last_status = PYTHON_NO_PERMISSION;
            close_target(sampler, target);
            return -1;
        }
    }
    if (sampler->options.native) {
        python_native_init(&target->native, target->pid, sampler->profile, sampler->unwinder);
        target->native_ready = 1;
    }
    if (sampler->bpf && start_snapshots(sampler, target) != 0) {
        close_target(sampler, target);
        return -1;
    }
    char comm[64], root[96];
    snprintf(path, sizeof path, "%d/comm", target->pid);
    if (proc_read_small(path, comm, sizeof comm) <= 0)
        snprintf(comm, sizeof comm, "?");
    snprintf(root, sizeof root, "%s-%d", comm, target->pid);
    target->root_frame = profile_frame_named(sampler->profile, root, strlen(root), FRAME_UNKNOWN);
    if (!sampler->stats.version[0])
        snprintf(sampler->stats.version, sizeof sampler->stats.version, "%s",
                 python_reader_version(target->reader));
    target->state = TARGET_OPEN;
    return 0;
}

int python_sampler_attach(struct python_sampler *sampler, int pid, char *error,
                          size_t error_size)
{
    sampler->attached = 1;
    if (find_target(sampler, pid))
        return 0;
    struct sampled_target *target = add_target(sampler, pid, 1.0);
    for (;;) {
        int result = try_open(sampler, target, monotonic_now());
        if (result == 0)
            return 0;
        if (result < 0 || (sampler->options.stop && *sampler->options.stop)) {
            snprintf(error, error_size, "%s", target->last_error);
            target->state = TARGET_GONE;
            return -1;
        }
        struct timespec pause_time = {0, 5000000};
        nanosleep(&pause_time, NULL);
    }
}

/* Reaps the launched command if it has ended (with pausing, stray stops
 * of traced threads are handed to their target). */
static void check_child(struct python_sampler *sampler)
{
    if (sampler->child <= 0 || sampler->child_exited)
        return;
    struct sampled_target *leader = find_target(sampler, sampler->child);
    if (leader && leader->pausing && leader->pause.leader_exited) {
        sampler->child_exited = 1;
        sampler->child_status = leader->pause.leader_status;
        return;
    }
    for (;;) {
        int status;
        pid_t waited = sampler->options.blocking ? waitpid(-1, &status, WNOHANG | __WALL)
                                                 : waitpid(sampler->child, &status, WNOHANG);
        if (waited <= 0)
            return;
        if (waited == sampler->child && (WIFEXITED(status) || WIFSIGNALED(status))) {
            sampler->child_exited = 1;
            sampler->child_status = status;
            struct sampled_target *target = find_target(sampler, sampler->child);
            if (target && target->pausing)
                python_pause_handle_status(&target->pause, waited, status);
            continue;
        }
        for (size_t i = 0; i < sampler->target_count; i++)
            if (sampler->targets[i].pausing &&
                python_pause_handle_status(&sampler->targets[i].pause, waited, status))
                break;
    }
}

int python_sampler_launch(struct python_sampler *sampler, char *const *command, char *error,
                          size_t error_size, int *exec_errno)
{
    sampler->child = python_launch(command, exec_errno);
    if (sampler->child < 0) {
        snprintf(error, error_size, "%s: %s", command[0], strerror(*exec_errno));
        return -1;
    }
    double wait = LAUNCH_WAIT_SECONDS;
    struct sampled_target *target = add_target(sampler, sampler->child, wait);
    if (sampler->options.subprocesses)
        return 0; /* the command may be a shell: its children are looked for as it runs */
    long delay_ns = 1000000;
    for (;;) {
        int result = try_open(sampler, target, monotonic_now());
        if (result == 0)
            return 0;
        check_child(sampler);
        if (result < 0 || sampler->child_exited ||
            (sampler->options.stop && *sampler->options.stop)) {
            if (sampler->child_exited && result > 0)
                snprintf(error, error_size,
                         "%s exited before its Python interpreter could be read (%s)",
                         command[0], target->last_error);
            else
                snprintf(error, error_size, "%s", target->last_error);
            target->state = TARGET_GONE;
            return -1;
        }
        struct timespec pause_time = {0, delay_ns};
        nanosleep(&pause_time, NULL);
        if (delay_ns < 20000000)
            delay_ns *= 2;
    }
}

/* ---- One round ---- */

static void ensure_scratch(struct python_sampler *sampler, size_t depth)
{
    if (depth + 4 > sampler->stack_capacity)
        GROW(sampler->stack, sampler->stack_capacity, depth + 4);
    if (depth + 4 > sampler->python_capacity)
        GROW(sampler->python, sampler->python_capacity, depth + 4);
}

static uint32_t thread_root(struct python_sampler *sampler, struct sampled_target *target,
                            int tid, const char *name)
{
    char root[96];
    snprintf(root, sizeof root, "%s-%d/%d", name, target->pid, tid);
    return profile_frame_named(sampler->profile, root, strlen(root), FRAME_UNKNOWN);
}

static void visit_stack(const struct python_thread_stack *stack, void *context)
{
    struct python_sampler *sampler = context;
    struct sampled_target *target = sampler->current;
    const struct python_sampler_options *options = &sampler->options;
    sampler->stats.stacks_read++;
    if (!stack->valid) {
        sampler->stats.invalid++;
        return;
    }
    int tid = stack->native_thread_id;
    if (tid == 0 && target->threads.count == 1)
        tid = target->threads.threads[0].tid;
    char state = 0;
    char name[32] = "?";
    if (tid > 0) {
        struct python_thread *thread = python_threads_get(&target->threads, tid);
        /* a kernel snapshot is of a thread on a CPU */
        int need_state = (!options->idle || options->memory) && !sampler->bpf;
        int stopped = target->pausing && python_pause_is_stopped(&target->pause, tid);
        if (need_state && !stopped && thread->state_round != sampler->round) {
            int holder_running = stack->holds_gil == 1 && thread->state == 'R' &&
                                 (sampler->round - thread->state_round < GIL_STATE_ROUNDS ||
                                  sampler->now - thread->state_time < GIL_STATE_SECONDS);
            if (!holder_running) {
                python_thread_read_state(thread);
                thread->state_round = sampler->round;
                thread->state_time = sampler->now;
            }
        }
        state = thread->state;
        memcpy(name, thread->name, sizeof name);
    }
    /* 0: unknown (a thread that could not be read, or no tid): kept. */
    int running = state == 0 || state == 'R';
    int keep = options->idle || (options->gil ? stack->holds_gil == 1 ||
                                                    (stack->holds_gil < 0 && running)
                                              : running);
    if (options->memory)
        keep = 1; /* candidates for the charge, ranked below */
    if (!keep || stack->frame_count == 0) {
        sampler->stats.idle++;
        return;
    }
    /* Root first: process, thread, then the frames. */
    size_t native_count = 0;
    if (options->native && tid > 0 && target->native_ready &&
        python_pause_is_stopped(&target->pause, tid)) {
        if (sampler->native_capacity < 512)
            GROW(sampler->native, sampler->native_capacity, 512);
        native_count = python_native_stack(&target->native, tid, sampler->now, sampler->native,
                                           sampler->native_capacity);
    }
    ensure_scratch(sampler, stack->frame_count + native_count);
    size_t depth = 0;
    if (options->root_process)
        sampler->stack[depth++] = target->root_frame;
    uint32_t thread_frame = PROFILE_NONE;
    if (options->root_thread || sampler->profile->keep_timeline)
        thread_frame = thread_root(sampler, target, tid, name);
    if (options->root_thread)
        sampler->stack[depth++] = thread_frame;
    size_t count = stack->frame_count;
    for (size_t i = 0; i < count; i++) {
        const struct python_frame *frame = &stack->frames[count - 1 - i];
        sampler->python[i].frame =
            python_frame_cache_get(&sampler->frames, frame->file, frame->function, frame->line);
        sampler->python[i].entry = frame->entry;
    }
    if (native_count > 0) {
        depth += python_merge_stacks(sampler->native, native_count, sampler->python, count,
                                     sampler->stack + depth, sampler->stack_capacity - depth);
    } else {
        for (size_t i = 0; i < count; i++)
            sampler->stack[depth++] = sampler->python[i].frame;
    }
    if (options->memory) {
        int rank = stack->holds_gil == 1 ? 3 : running && state ? 2 : 1;
        if (rank > sampler->charged_rank) {
            GROW(sampler->charged, sampler->charged_capacity, depth + 1);
            memcpy(sampler->charged, sampler->stack, depth * sizeof *sampler->stack);
            sampler->charged_depth = depth;
            sampler->charged_rank = rank;
            sampler->charged_thread = thread_frame;
        }
        return;
    }
    uint32_t node = profile_add_stack(sampler->profile, sampler->stack, depth);
    profile_add_value(sampler->profile, node, sampler->sample_type, 1);
    if (sampler->profile->keep_timeline)
        profile_timeline_append(sampler->profile, sampler->now - sampler->start,
                                sampler->profile->frames[thread_frame].name, node, 1);
    sampler->stats.stacks++;
}

/* Samples one open target. Returns 0, or -1 when it can no longer be read. */
static int sample_target(struct python_sampler *sampler, struct sampled_target *target)
{
    const struct python_sampler_options *options = &sampler->options;
    /* Thread states before pausing (paused threads are all "t");
     * without pausing, each reported thread's when it is visited. */
    if (target->pausing && (!options->idle || options->memory)) {
        python_threads_read_states(&target->threads);
        for (size_t i = 0; i < target->threads.count; i++) {
            target->threads.threads[i].state_round = sampler->round;
            target->threads.threads[i].state_time = sampler->now;
        }
    }
    if (target->pausing) {
        python_pause_stop(&target->pause);
        /* the reader may take one copy of a stopped thread's stack as whole */
        GROW(sampler->stopped, sampler->stopped_capacity, target->pause.count + 1);
        size_t stopped = 0;
        for (size_t i = 0; i < target->pause.count; i++)
            if (target->pause.threads[i].stopped)
                sampler->stopped[stopped++] = target->pause.threads[i].tid;
        python_reader_set_stopped(target->reader, sampler->stopped, stopped);
    }
    long resident = options->memory ? read_resident_pages(target->statm_fd) : -1;
    sampler->current = target;
    sampler->charged_rank = 0;
    enum python_status status = PYTHON_OK;
    int threads = python_reader_sample(target->reader, visit_stack, sampler, &status);
    if (target->pausing) {
        python_reader_set_stopped(target->reader, NULL, 0);
        python_pause_resume(&target->pause);
    }
    if (threads >= 0 && !target->sampled) {
        target->sampled = 1;
        sampler->stats.processes++;
    }
    if (options->memory && resident >= 0) {
        long delta = target->resident_pages >= 0 ? resident - target->resident_pages : 0;
        target->resident_pages = resident;
        if (delta != 0 && sampler->charged_rank > 0) {
            uint32_t node = profile_add_stack(sampler->profile, sampler->charged,
                                              sampler->charged_depth);
            double bytes = (double)(delta < 0 ? -delta : delta) * (double)sampler->page_size;
            profile_add_value(sampler->profile, node,
                              delta > 0 ? sampler->sample_type : sampler->released_type, bytes);
            if (sampler->profile->keep_timeline && delta > 0 &&
                sampler->charged_thread != PROFILE_NONE)
                profile_timeline_append(
                    sampler->profile, sampler->now - sampler->start,
                    sampler->profile->frames[sampler->charged_thread].name, node, bytes);
            sampler->stats.stacks++;
        }
    }
    return threads < 0 ? -1 : 0;
}

/* ---- Housekeeping ---- */

static void find_children(struct python_sampler *sampler)
{
    int *pids = NULL;
    size_t capacity = 0;
    size_t roots = sampler->target_count;
    for (size_t r = 0; r < roots; r++) {
        /* Descendants of the launched command or the attached pids. */
        int root = sampler->targets[r].pid;
        if (root != sampler->child && !(sampler->attached && r == 0))
            continue;
        size_t count = proc_descendants(root, &pids, &capacity);
        for (size_t i = 0; i < count; i++)
            if (!find_target(sampler, pids[i]))
                add_target(sampler, pids[i], CHILD_WAIT_SECONDS);
    }
    free(pids);
}

static void housekeeping(struct python_sampler *sampler, double now)
{
    check_child(sampler);
    if (sampler->options.subprocesses)
        find_children(sampler);
    for (size_t i = 0; i < sampler->target_count; i++) {
        struct sampled_target *target = &sampler->targets[i];
        if (target->state == TARGET_PENDING) {
            if (!python_process_alive(target->pid)) {
                target->state = TARGET_GONE;
                continue;
            }
            int result = try_open(sampler, target, now);
            if (result < 0)
                target->state = TARGET_GONE;
        } else if (target->state == TARGET_OPEN) {
            if (target->snapshot_process && !python_process_alive(target->pid)) {
                /* with snapshots no read fails when a target exits */
                lose_target(sampler, target, now);
                continue;
            }
            if (target->pausing) {
                pause_new_threads(target);
            } else if (now >= target->next_thread_scan) {
                /* exited threads are dropped: the task directory no
                 * longer lists them (states are read only for threads
                 * that report stacks) */
                python_threads_scan(&target->threads);
                target->next_thread_scan = now + THREAD_SCAN_SECONDS;
            }
        }
    }
}

static int any_target_alive(const struct python_sampler *sampler)
{
    for (size_t i = 0; i < sampler->target_count; i++)
        if (sampler->targets[i].state != TARGET_GONE)
            return 1;
    return 0;
}

static void add_seconds(struct timespec *time, long nanoseconds)
{
    time->tv_nsec += nanoseconds;
    while (time->tv_nsec >= 1000000000) {
        time->tv_nsec -= 1000000000;
        time->tv_sec++;
    }
}

static double seconds_of(const struct timespec *time)
{
    return (double)time->tv_sec + (double)time->tv_nsec / 1e9;
}

/* ---- Kernel snapshots ---- */

static void visit_snapshot(const struct python_snapshot_event *event, void *context)
{
    struct python_sampler *sampler = context;
    struct sampled_target *target = find_target(sampler, (int)event->pid);
    if (!target || target->state != TARGET_OPEN || !target->reader)
        return;
    sampler->stats.rounds++;
    if (!target->sampled) {
        target->sampled = 1;
        sampler->stats.processes++;
    }
    if (event->flags & PYTHON_SNAPSHOT_UNKNOWN_THREAD) {
        /* a thread started since the thread list was read */
        target->rescan = 1;
        sampler->stats.stacks_read++;
        sampler->stats.invalid++;
        return;
    }
    struct python_thread_stack stack;
    enum python_status status = PYTHON_OK;
    if (python_reader_name_snapshot(target->reader, event, &stack, &status) < 0) {
        target->lost = 1;
        return;
    }
    sampler->current = target;
    sampler->now = (double)event->time / 1e9;
    if (sampler->now > sampler->last_snapshot)
        sampler->last_snapshot = sampler->now;
    visit_stack(&stack, sampler);
}

/* Lets snapshots gather until the next housekeeping or the deadline (at
 * most a batch's time), names them, then looks up the threads of
 * targets that met unknown ones and closes targets gone. */
static void take_snapshots(struct python_sampler *sampler, double now, double until)
{
    double wait = until - now;
    double batch = (double)SNAPSHOT_BATCH_SAMPLES / sampler->options.frequency;
    if (batch < SNAPSHOT_BATCH_MIN_SECONDS)
        batch = SNAPSHOT_BATCH_MIN_SECONDS;
    if (batch > SNAPSHOT_BATCH_MAX_SECONDS)
        batch = SNAPSHOT_BATCH_MAX_SECONDS;
    if (wait > batch)
        wait = batch;
    if (wait > 0) {
        struct timespec pause_time = {0, (long)(wait * 1e9)};
        nanosleep(&pause_time, NULL); /* a signal ends it early: the loop checks */
    }
    for (size_t i = 0; i < sampler->target_count; i++)
        if (sampler->targets[i].state == TARGET_OPEN)
            python_reader_next_round(sampler->targets[i].reader);
    python_bpf_consume(sampler->bpf, visit_snapshot, sampler);
    double after = monotonic_now();
    for (size_t i = 0; i < sampler->target_count; i++) {
        struct sampled_target *target = &sampler->targets[i];
        if (target->state != TARGET_OPEN)
            continue;
        if (target->lost || (target->rescan && after >= target->next_rescan &&
                             register_threads(sampler, target) != 0))
            lose_target(sampler, target, after);
    }
}

enum python_sampler_end python_sampler_run(struct python_sampler *sampler, char *error,
                                           size_t error_size)
{
    const struct python_sampler_options *options = &sampler->options;
    long period_ns = (long)(1e9 / options->frequency);
    if (period_ns < 1000)
        period_ns = 1000;
    /* Wake-ups as exact as the kernel allows (the default slack is 50 µs,
     * half a period at 10 kHz). Affects only this thread. */
    prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
    struct timespec next;
    clock_gettime(CLOCK_MONOTONIC, &next);
    sampler->start = seconds_of(&next);
    double cpu_start = cpu_now();
    double deadline = options->duration > 0 ? sampler->start + options->duration : 0;
    double next_housekeeping = sampler->start;
    enum python_sampler_end end;
    for (;;) {
        struct timespec now_time;
        clock_gettime(CLOCK_MONOTONIC, &now_time);
        double now = seconds_of(&now_time);
        sampler->now = now;
        if (options->stop && *options->stop) {
            end = PYTHON_SAMPLER_END_SIGNAL;
            break;
        }
        if (deadline > 0 && now >= deadline) {
            end = PYTHON_SAMPLER_END_DURATION;
            break;
        }
        if (now >= next_housekeeping) {
            housekeeping(sampler, now);
            int pending = 0;
            for (size_t i = 0; i < sampler->target_count; i++)
                pending |= sampler->targets[i].state == TARGET_PENDING;
            next_housekeeping = now + (pending ? 0.01 : 0.1);
            if (sampler->child > 0 && sampler->child_exited) {
                end = PYTHON_SAMPLER_END_COMMAND;
                break;
            }
            if (sampler->child <= 0 && !any_target_alive(sampler)) {
                end = PYTHON_SAMPLER_END_GONE;
                break;
            }
        }
        if (sampler->bpf) {
            double until = next_housekeeping;
            if (deadline > 0 && deadline < until)
                until = deadline;
            take_snapshots(sampler, now, until);
            continue;
        }
        int any_open = 0;
        sampler->round++;
        for (size_t i = 0; i < sampler->target_count; i++) {
            struct sampled_target *target = &sampler->targets[i];
            if (target->state != TARGET_OPEN)
                continue;
            any_open = 1;
            if (sample_target(sampler, target) != 0) {
                /* Gone, or exec'd into something else */
                lose_target(sampler, target, now);
                next_housekeeping = now;
            }
        }
        if (any_open)
            sampler->stats.rounds++;
        /* The next deadline. Behind it (a wake-up that came late, a round
         * that took long), the rounds missed are taken back to back; far
         * behind (a stall), the schedule starts afresh and the rounds
         * missed are counted as skipped. */
        add_seconds(&next, period_ns);
        clock_gettime(CLOCK_MONOTONIC, &now_time);
        double behind = seconds_of(&now_time) - seconds_of(&next);
        double catch_up = 10.0 * (double)period_ns / 1e9;
        if (catch_up < CATCH_UP_SECONDS)
            catch_up = CATCH_UP_SECONDS;
        if (behind > catch_up) {
            sampler->stats.late_rounds += (uint64_t)(behind * 1e9 / (double)period_ns);
            next = now_time;
        }
        while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL) == EINTR &&
               !(options->stop && *options->stop))
            ;
    }
    sampler->stats.seconds = monotonic_now() - sampler->start;
    /* the targets' end is seen at the next drain (up to a batch later):
     * the time sampled ends with their last snapshot */
    if (sampler->bpf && (end == PYTHON_SAMPLER_END_GONE || end == PYTHON_SAMPLER_END_COMMAND) &&
        sampler->last_snapshot > sampler->start)
        sampler->stats.seconds =
            sampler->last_snapshot - sampler->start + 1.0 / sampler->options.frequency;
    sampler->stats.cpu_seconds = cpu_now() - cpu_start;
    /* the open readers' calls so far (closed ones were added on closing) */
    for (size_t i = 0; i < sampler->target_count; i++) {
        struct sampled_target *target = &sampler->targets[i];
        if (target->reader) {
            uint64_t calls = python_reader_stats(target->reader)->read_calls;
            sampler->stats.read_calls += calls - target->read_calls_counted;
            target->read_calls_counted = calls;
        }
    }
    if (sampler->bpf) {
        uint64_t nanoseconds = 0, runs = 0;
        sampler->stats.dropped = python_bpf_dropped(sampler->bpf);
        sampler->stats.kernel_seconds =
            python_bpf_run_time(sampler->bpf, &nanoseconds, &runs) ? (double)nanoseconds / 1e9 : -1;
    }
    (void)error;
    (void)error_size;
    return end;
}

const char *python_sampler_reason(const struct python_sampler *sampler)
{
    for (size_t i = 0; i < sampler->target_count; i++)
        if (sampler->targets[i].last_error[0])
            return sampler->targets[i].last_error;
    return NULL;
}

pid_t python_sampler_child(const struct python_sampler *sampler)
{
    return sampler->child;
}

int python_sampler_child_status(const struct python_sampler *sampler, int *status)
{
    if (!sampler->child_exited)
        return 0;
    *status = sampler->child_status;
    return 1;
}

const struct python_sampler_stats *python_sampler_stats(const struct python_sampler *sampler)
{
    return &sampler->stats;
}

void python_sampler_detach(struct python_sampler *sampler)
{
    for (size_t i = 0; i < sampler->target_count; i++) {
        struct sampled_target *target = &sampler->targets[i];
        if (target->state == TARGET_OPEN || target->reader || target->pausing)
            close_target(sampler, target);
        target->state = TARGET_GONE;
    }
}

void python_sampler_destroy(struct python_sampler *sampler)
{
    if (!sampler)
        return;
    python_sampler_detach(sampler);
    python_bpf_close(sampler->bpf);
    dwarf_unwinder_destroy(sampler->unwinder);
    python_frame_cache_free(&sampler->frames);
    free(sampler->targets);
    free(sampler->stack);
    free(sampler->python);
    free(sampler->native);
    free(sampler->charged);
    free(sampler->stopped);
    free(sampler);
}
