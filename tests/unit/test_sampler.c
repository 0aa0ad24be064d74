/* test_sampler.c — unit tests of the perf_event_open sampler
 * (src/record/sampler.c) on real processes: a launched shell whose
 * background subshell is a fork, a process attached to that starts a
 * thread after the attach, an exec that fails, a pid that does not exist,
 * and the whole system. Each test is skipped when this machine does not
 * permit perf_event_open. */
#include <criterion/criterion.h>

#include "record/sampler.h"
#include "record/unwind.h"

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* What the records of one recording contained. */
struct sampler_test_tally {
    const uint64_t *ids;
    size_t id_count;
    uint64_t sample_type;
    long samples, samples_with_unknown_id, samples_with_callchain, samples_with_stack;
    long forks, comm_execs, mmap2s;
    int sample_pids[64], sample_tids[64];
    size_t sample_pid_count, sample_tid_count;
    int fork_parent_pid, fork_child_pid;
    char exec_comm[32];
    int exec_comm_pid;
    int mapped_file_seen; /* an MMAP2 record named the file below */
    const char *mapped_file;
};

static void sampler_test_add_unique(int *values, size_t *count, int value)
{
    for (size_t i = 0; i < *count; i++)
        if (values[i] == value)
            return;
    if (*count < 64)
        values[(*count)++] = value;
}

static int sampler_test_has(const int *values, size_t count, int value)
{
    for (size_t i = 0; i < count; i++)
        if (values[i] == value)
            return 1;
    return 0;
}

static uint64_t sampler_test_u64(const unsigned char *at)
{
    uint64_t value;
    memcpy(&value, at, sizeof value);
    return value;
}

static uint32_t sampler_test_u32(const unsigned char *at)
{
    uint32_t value;
    memcpy(&value, at, sizeof value);
    return value;
}

/* Reads the fields PERF_SAMPLE_* lays out in this order: IDENTIFIER, IP,
 * TID, TIME, CPU, PERIOD, CALLCHAIN, REGS_USER, STACK_USER (the sampler
 * asks for exactly these). */
static void sampler_test_sample(struct sampler_test_tally *tally, const struct perf_event_header *record)
{
    const unsigned char *at = (const unsigned char *)(record + 1);
    const unsigned char *end = (const unsigned char *)record + record->size;
    uint64_t id = sampler_test_u64(at);
    at += 8;
    int known = 0;
    for (size_t i = 0; i < tally->id_count; i++)
        known |= tally->ids[i] == id;
    if (!known)
        tally->samples_with_unknown_id++;
    at += 8; /* ip */
    int pid = (int)sampler_test_u32(at), tid = (int)sampler_test_u32(at + 4);
    at += 8;
    at += 8;  /* time */
    at += 8;  /* cpu, reserved */
    at += 8;  /* period */
    if (tally->sample_type & PERF_SAMPLE_CALLCHAIN) {
        uint64_t count = sampler_test_u64(at);
        at += 8 + 8 * count;
        if (count > 0)
            tally->samples_with_callchain++;
    }
    if (tally->sample_type & PERF_SAMPLE_REGS_USER) {
        uint64_t abi = sampler_test_u64(at);
        at += 8;
        if (abi != PERF_SAMPLE_REGS_ABI_NONE)
            at += 8 * (size_t)__builtin_popcountll(DWARF_UNWIND_REGS_MASK);
    }
    if (tally->sample_type & PERF_SAMPLE_STACK_USER) {
        uint64_t size = sampler_test_u64(at);
        at += 8 + size;
        if (size > 0) {
            uint64_t dynamic_size = sampler_test_u64(at);
            at += 8;
            if (dynamic_size > 0)
                tally->samples_with_stack++;
        }
    }
    cr_assert(at <= end, "a sample's fields run past its %u bytes", record->size);
    tally->samples++;
    sampler_test_add_unique(tally->sample_pids, &tally->sample_pid_count, pid);
    sampler_test_add_unique(tally->sample_tids, &tally->sample_tid_count, tid);
}

static int sampler_test_consume(const struct perf_event_header *record, void *context)
{
    struct sampler_test_tally *tally = context;
    const unsigned char *body = (const unsigned char *)(record + 1);
    switch (record->type) {
    case PERF_RECORD_SAMPLE:
        sampler_test_sample(tally, record);
        break;
    case PERF_RECORD_FORK: {
        int pid = (int)sampler_test_u32(body), ppid = (int)sampler_test_u32(body + 4);
        int tid = (int)sampler_test_u32(body + 8);
        if (pid == tid && pid != ppid) { /* a new process, not a thread */
            tally->forks++;
            tally->fork_parent_pid = ppid;
            tally->fork_child_pid = pid;
        }
        break;
    }
    case PERF_RECORD_COMM:
        if (record->misc & PERF_RECORD_MISC_COMM_EXEC) {
            tally->comm_execs++;
            tally->exec_comm_pid = (int)sampler_test_u32(body);
            snprintf(tally->exec_comm, sizeof tally->exec_comm, "%s", (const char *)body + 8);
        }
        break;
    case PERF_RECORD_MMAP2: {
        tally->mmap2s++;
        /* pid, tid, addr, len, pgoff, maj, min, ino, ino_generation, prot, flags, filename */
        const char *filename = (const char *)body + 4 + 4 + 8 + 8 + 8 + 4 + 4 + 8 + 8 + 4 + 4;
        if (tally->mapped_file && strstr(filename, tally->mapped_file))
            tally->mapped_file_seen = 1;
        break;
    }
    default:
        break;
    }
    return 0;
}

/* The number of open descriptors of this process. */
static int sampler_test_open_fds(void)
{
    DIR *directory = opendir("/proc/self/fd");
    cr_assert_not_null(directory);
    int count = 0;
    while (readdir(directory))
        count++;
    closedir(directory);
    return count;
}

/* Opens a sampler or skips the test when perf_event_open is refused here. */
static struct sampler *sampler_test_open(const struct sampler_options *options)
{
    char error[1024] = "";
    struct sampler *sampler = sampler_open(options, error, sizeof error);
    if (!sampler && strstr(error, "perf_event_paranoid"))
        cr_skip_test("perf_event_open is not permitted here: %s", error);
    cr_assert_not_null(sampler, "sampler_open: %s", error);
    return sampler;
}

static void sampler_test_start_tally(struct sampler_test_tally *tally, const struct sampler *sampler)
{
    memset(tally, 0, sizeof *tally);
    tally->ids = sampler_ids(sampler, &tally->id_count);
    tally->sample_type = sampler_attr(sampler)->sample_type;
}

Test(sampler, launched_command_is_followed_through_fork_and_exec)
{
    /* The shell loops in itself and in a background subshell (a fork). */
    char *command[] = {"/bin/sh", "-c",
                       "spin() { i=0; while [ $i -lt 150000 ]; do i=$((i+1)); done; }; "
                       "spin & spin; wait",
                       NULL};
    struct sampler_options options = {.target = SAMPLER_TARGET_COMMAND,
                                      .command = command,
                                      .frequency = 499,
                                      .call_graph = SAMPLER_CALL_GRAPH_FP_DWARF,
                                      .user_only = 1};
    int fds_before = sampler_test_open_fds();
    struct sampler *sampler = sampler_test_open(&options);
    struct sampler_test_tally tally;
    sampler_test_start_tally(&tally, sampler);
    tally.mapped_file = "libc";
    cr_assert_eq(sampler_attr(sampler)->sample_regs_user, DWARF_UNWIND_REGS_MASK);
    cr_assert(sampler_attr(sampler)->inherit && sampler_attr(sampler)->enable_on_exec);

    /* Before the exec nothing is recorded: the child waits. */
    cr_assert_eq(sampler_drain(sampler, 0, sampler_test_consume, &tally), 0);
    cr_assert_eq(sampler_enable(sampler), 0, "%s", sampler_error(sampler));
    pid_t child = sampler_child_pid(sampler);
    cr_assert_gt(child, 0);
    int status = 0;
    while (waitpid(child, &status, WNOHANG) == 0)
        cr_assert_geq(sampler_drain(sampler, 50, sampler_test_consume, &tally), 0, "%s",
                      sampler_error(sampler));
    sampler_disable(sampler);
    cr_assert_geq(sampler_drain(sampler, 0, sampler_test_consume, &tally), 0);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);

    cr_assert_eq(tally.comm_execs, 1, "one exec (COMM with the exec flag), got %ld", tally.comm_execs);
    cr_assert_eq(tally.exec_comm_pid, child);
    cr_assert(strcmp(tally.exec_comm, "sh") == 0 || strcmp(tally.exec_comm, "dash") == 0,
              "exec comm %s", tally.exec_comm);
    cr_assert_geq(tally.forks, 1, "the background subshell's FORK record");
    cr_assert_eq(tally.fork_parent_pid, child);
    cr_assert(tally.mapped_file_seen, "an MMAP2 record of libc (%ld MMAP2 records)", tally.mmap2s);
    cr_assert_gt(tally.samples, 10, "%ld samples", tally.samples);
    cr_assert_eq(tally.samples_with_unknown_id, 0);
    cr_assert(sampler_test_has(tally.sample_pids, tally.sample_pid_count, child),
              "samples of the launched shell");
    cr_assert(sampler_test_has(tally.sample_pids, tally.sample_pid_count, tally.fork_child_pid),
              "samples of its forked subshell %d", tally.fork_child_pid);
    for (size_t i = 0; i < tally.sample_pid_count; i++)
        cr_assert(tally.sample_pids[i] == child || tally.sample_pids[i] == tally.fork_child_pid,
                  "a sample of pid %d, neither the shell nor its subshell", tally.sample_pids[i]);
    cr_assert_eq(tally.samples_with_callchain, tally.samples, "fp+dwarf: every sample has a chain");
    cr_assert_gt(tally.samples_with_stack, 0, "fp+dwarf: samples carry user stack bytes");

    const struct sampler_stats *stats = sampler_stats(sampler);
    cr_assert_eq(stats->samples, (uint64_t)tally.samples);
    cr_assert(stats->kernel_excluded);
    cr_assert_gt(sampler_test_open_fds(), fds_before);
    sampler_close(sampler);
    cr_assert_eq(sampler_test_open_fds(), fds_before, "sampler_close closes every descriptor");
}

Test(sampler, exec_failure_is_reported)
{
    char *command[] = {"/nonexistent/ember-test-program", NULL};
    struct sampler_options options = {.target = SAMPLER_TARGET_COMMAND, .command = command,
                                      .call_graph = SAMPLER_CALL_GRAPH_FP, .user_only = 1};
    int fds_before = sampler_test_open_fds();
    struct sampler *sampler = sampler_test_open(&options);
    cr_assert_eq(sampler_enable(sampler), -1);
    cr_assert_eq(sampler_exec_errno(sampler), ENOENT);
    pid_t child = sampler_child_pid(sampler);
    sampler_close(sampler);
    /* sampler_close reaped the child that could not exec. */
    cr_assert_eq(waitpid(child, NULL, WNOHANG), -1);
    cr_assert_eq(errno, ECHILD);
    cr_assert_eq(sampler_test_open_fds(), fds_before, "no descriptor left open");
}

static volatile sig_atomic_t sampler_test_stop;

static void *sampler_test_spin_thread(void *unused)
{
    volatile unsigned long counter = 0;
    while (!sampler_test_stop)
        counter++;
    return NULL;
}

static void sampler_test_spin_for(double seconds)
{
    struct timespec start, now;
    clock_gettime(CLOCK_MONOTONIC, &start);
    volatile unsigned long counter = 0;
    do {
        for (int i = 0; i < 100000; i++)
            counter++;
        clock_gettime(CLOCK_MONOTONIC, &now);
    } while ((double)(now.tv_sec - start.tv_sec) + (double)(now.tv_nsec - start.tv_nsec) / 1e9 < seconds);
}

static void sampler_test_on_term(int signal_number)
{
    sampler_test_stop = 1;
}

Test(sampler, attached_process_and_its_later_threads)
{
    /* The child spins, and after a while (once attached: it waits for a
     * byte on a pipe) starts a thread that spins too. */
    int go[2];
    cr_assert_eq(pipe(go), 0);
    pid_t child = fork();
    cr_assert_geq(child, 0);
    if (child == 0) {
        close(go[1]);
        signal(SIGTERM, sampler_test_on_term);
        char byte;
        if (read(go[0], &byte, 1) != 1)
            _exit(1);
        sampler_test_spin_for(0.2);
        pthread_t thread;
        pthread_create(&thread, NULL, sampler_test_spin_thread, NULL);
        while (!sampler_test_stop)
            sampler_test_spin_for(0.05);
        pthread_join(thread, NULL);
        _exit(0);
    }
    close(go[0]);
    pid_t pids[] = {child};
    struct sampler_options options = {.target = SAMPLER_TARGET_PIDS, .pids = pids, .pid_count = 1,
                                      .frequency = 499, .call_graph = SAMPLER_CALL_GRAPH_FP,
                                      .user_only = 1};
    char error[1024] = "";
    struct sampler *sampler = sampler_open(&options, error, sizeof error);
    if (!sampler) {
        kill(child, SIGKILL);
        waitpid(child, NULL, 0);
        if (strstr(error, "perf_event_paranoid"))
            cr_skip_test("perf_event_open is not permitted here: %s", error);
        cr_assert_fail("sampler_open: %s", error);
    }
    struct sampler_test_tally tally;
    sampler_test_start_tally(&tally, sampler);
    cr_assert_eq(sampler_enable(sampler), 0, "%s", sampler_error(sampler));
    cr_assert_eq(sampler_child_pid(sampler), -1);
    cr_assert_eq(write(go[1], "x", 1), 1);
    close(go[1]);
    /* 1.5 s: the thread starts after the child's first 0.2 s of work. */
    struct timespec start, now;
    clock_gettime(CLOCK_MONOTONIC, &start);
    do {
        cr_assert_geq(sampler_drain(sampler, 50, sampler_test_consume, &tally), 0);
        clock_gettime(CLOCK_MONOTONIC, &now);
    } while ((double)(now.tv_sec - start.tv_sec) + (double)(now.tv_nsec - start.tv_nsec) / 1e9 < 1.5);
    cr_assert(sampler_targets_alive(sampler));
    kill(child, SIGTERM);
    int status = 0;
    waitpid(child, &status, 0);
    cr_assert_geq(sampler_drain(sampler, 100, sampler_test_consume, &tally), 0);
    sampler_disable(sampler);
    cr_assert_geq(sampler_drain(sampler, 0, sampler_test_consume, &tally), 0);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the target ran on untouched");

    cr_assert_gt(tally.samples, 10, "%ld samples", tally.samples);
    cr_assert_eq(tally.sample_pid_count, 1);
    cr_assert_eq(tally.sample_pids[0], child);
    cr_assert(sampler_test_has(tally.sample_tids, tally.sample_tid_count, child));
    cr_assert_eq(tally.sample_tid_count, 2,
                 "samples of the main thread and of the thread created after the attach "
                 "(%zu tids)", tally.sample_tid_count);
    sampler_close(sampler);
}

Test(sampler, nonexistent_pid_is_reported)
{
    /* A pid above pid_max cannot exist. */
    pid_t pids[] = {1 << 30};
    struct sampler_options options = {.target = SAMPLER_TARGET_PIDS, .pids = pids, .pid_count = 1,
                                      .call_graph = SAMPLER_CALL_GRAPH_FP, .user_only = 1};
    char error[1024] = "";
    cr_assert_null(sampler_open(&options, error, sizeof error));
    cr_assert(strstr(error, "1073741824") && strstr(error, "no such process"), "%s", error);
}

Test(sampler, whole_system_sees_this_process)
{
    struct sampler_options options = {.target = SAMPLER_TARGET_SYSTEM, .frequency = 499,
                                      .call_graph = SAMPLER_CALL_GRAPH_NONE, .user_only = 1};
    struct sampler *sampler = sampler_test_open(&options);
    cr_assert(!sampler_attr(sampler)->inherit);
    cr_assert_eq(sampler_attr(sampler)->sample_type & (PERF_SAMPLE_CALLCHAIN | PERF_SAMPLE_STACK_USER), 0);
    struct sampler_test_tally tally;
    sampler_test_start_tally(&tally, sampler);
    cr_assert_eq(sampler_enable(sampler), 0);
    sampler_test_spin_for(0.3);
    sampler_disable(sampler);
    cr_assert_geq(sampler_drain(sampler, 0, sampler_test_consume, &tally), 0);
    cr_assert(sampler_test_has(tally.sample_pids, tally.sample_pid_count, getpid()),
              "samples of this process among %zu pids", tally.sample_pid_count);
    cr_assert(sampler_targets_alive(sampler));
    sampler_close(sampler);
}

Test(sampler, overflowing_buffers_are_counted_not_silently_dropped)
{
    /* The smallest buffer (8 pages, 32 KiB) and 16 KiB stack copies at a
     * high rate, not drained while the command runs: the kernel must drop
     * samples and say so with PERF_RECORD_LOST. */
    char *command[] = {"/bin/sh", "-c", "i=0; while [ $i -lt 100000 ]; do i=$((i+1)); done", NULL};
    struct sampler_options options = {.target = SAMPLER_TARGET_COMMAND, .command = command,
                                      .frequency = 4999, .call_graph = SAMPLER_CALL_GRAPH_DWARF,
                                      .stack_size = 16384, .ring_pages = 8, .user_only = 1};
    struct sampler *sampler = sampler_test_open(&options);
    cr_assert_eq(sampler_stats(sampler)->ring_pages, 8);
    struct sampler_test_tally tally;
    sampler_test_start_tally(&tally, sampler);
    cr_assert_eq(sampler_enable(sampler), 0);
    int status;
    waitpid(sampler_child_pid(sampler), &status, 0);
    cr_assert_geq(sampler_drain(sampler, 0, sampler_test_consume, &tally), 0);
    const struct sampler_stats *stats = sampler_stats(sampler);
    cr_assert_gt(stats->lost_records, 0, "LOST records (%llu samples kept)",
                 (unsigned long long)stats->samples);
    cr_assert_geq(stats->lost_samples, stats->lost_records);
    cr_assert_eq(stats->samples, (uint64_t)tally.samples);
    sampler_close(sampler);
}
