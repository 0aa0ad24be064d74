/* test_session.c — unit tests of the perf record session
 * (src/record/session.c) on hand-built records: process table (COMM, FORK,
 * exec, threads), ordering by time, JIT-map symbols, root names for --pid /
 * --tid, kernel frames kept or dropped, event filters, stats, the timeline
 * and malformed records. Expected folded lines are computed by hand from
 * the records below. Symbols come from a perf map file the test writes
 * (/tmp/perf-PID.map for a pid no process of this machine is likely to
 * have), so expectations do not depend on the machine's binaries. */
#include <criterion/criterion.h>

#include "helpers.h"
#include "record/session.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { SESSION_PID = 3999901, SESSION_CHILD = 3999902, SESSION_THREAD = 3999903 };

/* A record under construction: u64 words after the header. */
struct session_record {
    uint64_t words[64];
    size_t count; /* words used, header included */
};

static void session_record_start(struct session_record *record, uint32_t type, uint16_t misc)
{
    memset(record, 0, sizeof *record);
    struct perf_event_header header = {type, misc, 0};
    memcpy(&record->words[0], &header, sizeof header);
    record->count = 1;
}

static void session_put(struct session_record *record, uint64_t word)
{
    record->words[record->count++] = word;
}

static void session_put_pair(struct session_record *record, uint32_t first, uint32_t second)
{
    session_put(record, (uint64_t)second << 32 | first);
}

/* A NUL-terminated string padded to 8 bytes. */
static void session_put_string(struct session_record *record, const char *text)
{
    size_t length = strlen(text) + 1, words = (length + 7) / 8;
    memset(&record->words[record->count], 0, words * 8);
    memcpy(&record->words[record->count], text, length);
    record->count += words;
}

static const struct perf_event_header *session_finish(struct session_record *record)
{
    struct perf_event_header *header = (struct perf_event_header *)(void *)record->words;
    header->size = (uint16_t)(record->count * 8);
    return header;
}

/* The attr of these tests: samples with IP, TID, TIME, PERIOD and a
 * callchain; sample_id_all trailers {pid, tid} {time}. */
static struct perf_event_attr session_attr(void)
{
    struct perf_event_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.size = sizeof attr;
    attr.type = PERF_TYPE_SOFTWARE;
    attr.config = PERF_COUNT_SW_CPU_CLOCK;
    attr.sample_type = PERF_SAMPLE_IP | PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_PERIOD |
                       PERF_SAMPLE_CALLCHAIN;
    attr.sample_id_all = 1;
    return attr;
}

static void add(struct record_session *session, struct session_record *record)
{
    cr_assert_eq(record_session_add_record(session, session_finish(record)), 0);
}

static void add_comm(struct record_session *session, int pid, int tid, const char *comm, int exec,
                     uint64_t time)
{
    struct session_record record;
    session_record_start(&record, PERF_RECORD_COMM, exec ? PERF_RECORD_MISC_COMM_EXEC : 0);
    session_put_pair(&record, (uint32_t)pid, (uint32_t)tid);
    session_put_string(&record, comm);
    session_put_pair(&record, (uint32_t)pid, (uint32_t)tid);
    session_put(&record, time);
    add(session, &record);
}

/* identifier: appended to the trailer when not 0 (PERF_SAMPLE_IDENTIFIER). */
static void add_mmap2_with(struct record_session *session, int pid, uint64_t start,
                           uint64_t length, const char *path, uint64_t time, uint64_t identifier)
{
    struct session_record record;
    session_record_start(&record, PERF_RECORD_MMAP2, PERF_RECORD_MISC_USER);
    session_put_pair(&record, (uint32_t)pid, (uint32_t)pid);
    session_put(&record, start);
    session_put(&record, length);
    session_put(&record, 0);          /* file offset */
    session_put(&record, 0);          /* maj, min */
    session_put(&record, 0);          /* inode */
    session_put(&record, 0);          /* inode generation */
    session_put_pair(&record, 5, 2);  /* PROT_READ|PROT_EXEC, MAP_PRIVATE */
    session_put_string(&record, path);
    session_put_pair(&record, (uint32_t)pid, (uint32_t)pid);
    session_put(&record, time);
    if (identifier)
        session_put(&record, identifier);
    add(session, &record);
}

static void add_mmap2(struct record_session *session, int pid, uint64_t start, uint64_t length,
                      const char *path, uint64_t time)
{
    add_mmap2_with(session, pid, start, length, path, time, 0);
}

static void add_fork(struct record_session *session, int pid, int ppid, int tid, int ptid,
                     uint64_t time)
{
    struct session_record record;
    session_record_start(&record, PERF_RECORD_FORK, 0);
    session_put_pair(&record, (uint32_t)pid, (uint32_t)ppid);
    session_put_pair(&record, (uint32_t)tid, (uint32_t)ptid);
    session_put(&record, time);
    session_put_pair(&record, (uint32_t)pid, (uint32_t)tid);
    session_put(&record, time);
    add(session, &record);
}

/* A sample whose callchain is given leaf first, markers included. */
static void add_sample(struct record_session *session, int pid, int tid, uint64_t time,
                       uint64_t period, const uint64_t *chain, size_t chain_count)
{
    struct session_record record;
    session_record_start(&record, PERF_RECORD_SAMPLE, PERF_RECORD_MISC_USER);
    session_put(&record, chain_count > 1 ? chain[1] : 0); /* ip */
    session_put_pair(&record, (uint32_t)pid, (uint32_t)tid);
    session_put(&record, time);
    session_put(&record, period);
    session_put(&record, chain_count);
    for (size_t i = 0; i < chain_count; i++)
        session_put(&record, chain[i]);
    add(session, &record);
}

/* Writes the perf map of pid: jit_outer at 0x10000, jit_inner at 0x10100,
 * both 0x100 bytes. Returns its path (static storage). */
static const char *write_jit_map(int pid)
{
    static char path[64];
    snprintf(path, sizeof path, "/tmp/perf-%d.map", pid);
    FILE *file = fopen(path, "w");
    cr_assert_not_null(file);
    fprintf(file, "10000 100 jit_outer\n10100 100 jit_inner(int)\n");
    fclose(file);
    return path;
}

static struct record_session *new_session(struct profile *profile,
                                          struct record_session_options *options)
{
    options->from_file = 1; /* the pids are made up: never look at /proc */
    struct record_session *session = record_session_create(profile, options);
    struct perf_event_attr attr = session_attr();
    cr_assert_eq(record_session_add_event(session, &attr, NULL, 0), 0);
    return session;
}

static const uint64_t user_chain[] = {(uint64_t)PERF_CONTEXT_USER, 0x10150, 0x10010};

Test(session, names_jit_frames_and_orders_records_by_time)
{
    const char *map = write_jit_map(SESSION_PID);
    struct profile *profile = profile_create();
    struct record_session_options options = {.include_kernel = 1};
    struct record_session *session = new_session(profile, &options);
    /* Given out of order: the sample at 30 comes before its mapping (20)
     * and name (10); the sample at 5 precedes them all. */
    add_sample(session, SESSION_PID, SESSION_PID, 30, 7, user_chain, 3);
    add_mmap2(session, SESSION_PID, 0x10000, 0x10000, "//anon", 20);
    add_comm(session, SESSION_PID, SESSION_PID, "prog", 1, 10);
    add_sample(session, SESSION_PID, SESSION_PID, 5, 2, user_chain, 3);
    cr_assert_eq(record_session_finish(session), 0);
    char *folded = unit_folded(profile, 0);
    /* jit_inner(int): the argument list is cut; before the mapping the
     * addresses are unknown, and before the COMM the thread is ":PID". */
    char expected[256];
    snprintf(expected, sizeof expected,
             ":%d;[unknown];[unknown] 2\nprog;jit_outer;jit_inner 7\n", SESSION_PID);
    cr_assert_str_eq(folded, expected);
    const struct record_session_stats *stats = record_session_stats(session);
    cr_assert_eq(stats->samples, 2);
    cr_assert_eq(stats->first_time_ns, 5);
    cr_assert_eq(stats->last_time_ns, 30);
    free(folded);
    record_session_destroy(session);
    profile_destroy(profile);
    unlink(map);
}

Test(session, roots_for_pid_and_tid_as_perf_script_prints_them)
{
    const char *map = write_jit_map(SESSION_PID);
    struct profile *profile = profile_create();
    /* perf script prints "COMM TID" only, so stackcollapse-perf.pl sees no
     * pid: "comm-?" and "comm-?/TID". --jit marks the perf-map frames. */
    struct record_session_options options = {.include_kernel = 1, .root_with_tid = 1,
                                             .annotate_jit = 1};
    struct record_session *session = new_session(profile, &options);
    add_comm(session, SESSION_PID, SESSION_PID, "my prog", 1, 1);
    add_mmap2(session, SESSION_PID, 0x10000, 0x10000, "//anon", 2);
    add_sample(session, SESSION_PID, SESSION_PID, 3, 1, user_chain, 3);
    cr_assert_eq(record_session_finish(session), 0);
    char *folded = unit_folded(profile, 0);
    char expected[256];
    snprintf(expected, sizeof expected, "my_prog-?/%d;jit_outer_[j];jit_inner_[j] 1\n",
             SESSION_PID);
    cr_assert_str_eq(folded, expected);
    free(folded);
    record_session_destroy(session);
    profile_destroy(profile);
    unlink(map);
}

Test(session, fork_copies_mappings_and_names_threads_are_their_own)
{
    const char *parent_map = write_jit_map(SESSION_PID);
    const char *child_map = write_jit_map(SESSION_CHILD);
    struct profile *profile = profile_create();
    struct record_session_options options = {.include_kernel = 1};
    struct record_session *session = new_session(profile, &options);
    add_comm(session, SESSION_PID, SESSION_PID, "prog", 1, 1);
    add_mmap2(session, SESSION_PID, 0x10000, 0x10000, "//anon", 2);
    /* A thread of the parent, renamed (prctl), and a child process. */
    add_fork(session, SESSION_PID, SESSION_PID, SESSION_THREAD, SESSION_PID, 3);
    add_comm(session, SESSION_PID, SESSION_THREAD, "worker", 0, 4);
    add_fork(session, SESSION_CHILD, SESSION_PID, SESSION_CHILD, SESSION_PID, 5);
    add_sample(session, SESSION_PID, SESSION_THREAD, 6, 1, user_chain, 3);
    add_sample(session, SESSION_CHILD, SESSION_CHILD, 7, 1, user_chain, 3);
    add_sample(session, SESSION_PID, SESSION_PID, 8, 1, user_chain, 3);
    /* The child execs: its name changes; its old mapping stays (perf's
     * behaviour) until a new one replaces it. */
    add_comm(session, SESSION_CHILD, SESSION_CHILD, "other", 1, 9);
    add_mmap2(session, SESSION_CHILD, 0x10000, 0x1000, "/nonexistent/ember-test-file", 10);
    add_sample(session, SESSION_CHILD, SESSION_CHILD, 11, 1, user_chain, 3);
    cr_assert_eq(record_session_finish(session), 0);
    char *folded = unit_folded(profile, 0);
    /* The unreadable file has no symbols: "[unknown]" frames named after
     * its base name, as stackcollapse-perf.pl names them. */
    cr_assert_str_eq(folded, "other;[ember-test-file];[ember-test-file] 1\n"
                             "prog;jit_outer;jit_inner 2\n"
                             "worker;jit_outer;jit_inner 1\n");
    free(folded);
    record_session_destroy(session);
    profile_destroy(profile);
    unlink(parent_map);
    unlink(child_map);
}

Test(session, kernel_frames_kept_or_dropped)
{
    /* An address above every kernel symbol: "[unknown]" in
     * [kernel.kallsyms], which the perl names "[[kernel.kallsyms]]". */
    const uint64_t chain[] = {(uint64_t)PERF_CONTEXT_KERNEL, 0xffffffffffff0000ULL,
                              (uint64_t)PERF_CONTEXT_USER, 0x12345};
    for (int include = 0; include <= 1; include++) {
        struct profile *profile = profile_create();
        struct record_session_options options = {.include_kernel = include};
        struct record_session *session = new_session(profile, &options);
        add_comm(session, SESSION_PID, SESSION_PID, "prog", 1, 1);
        add_sample(session, SESSION_PID, SESSION_PID, 2, 1, chain, 4);
        cr_assert_eq(record_session_finish(session), 0);
        char *folded = unit_folded(profile, 0);
        cr_assert_str_eq(folded, include ? "prog;[unknown];[[kernel.kallsyms]] 1\n"
                                         : "prog;[unknown] 1\n");
        free(folded);
        record_session_destroy(session);
        profile_destroy(profile);
    }
}

/* A user stack whose frame-pointer garbage equals PERF_CONTEXT_KERNEL:
 * perf reads the user addresses after it as kernel ones, finds no kernel
 * mapping there and names them [unknown], not [[kernel.kallsyms]] (seen
 * on a dash sample of tests/e2e/perf_data.sh's fork.data). With perf's
 * kernel mapping record and without (a live recording). */
Test(session, user_address_after_a_garbage_kernel_marker_is_unknown)
{
    const uint64_t chain[] = {(uint64_t)PERF_CONTEXT_USER, 0x10150, (uint64_t)PERF_CONTEXT_KERNEL,
                              0x55b68fe039d8ULL, 0xffffffffffff0000ULL};
    for (int kernel_record = 0; kernel_record <= 1; kernel_record++) {
        struct profile *profile = profile_create();
        struct record_session_options options = {.include_kernel = 1};
        struct record_session *session = new_session(profile, &options);
        if (kernel_record) {
            struct session_record record;
            session_record_start(&record, PERF_RECORD_MMAP, PERF_RECORD_MISC_KERNEL);
            session_put_pair(&record, (uint32_t)-1, 0);
            session_put(&record, 0xffffffff81000000ULL);
            session_put(&record, 0x120bb08);
            session_put(&record, 0xffffffff81000000ULL);
            session_put_string(&record, "[kernel.kallsyms]_text");
            session_put_pair(&record, (uint32_t)-1, 0);
            session_put(&record, 1);
            add(session, &record);
        }
        add_comm(session, SESSION_PID, SESSION_PID, "sh", 1, 1);
        add_sample(session, SESSION_PID, SESSION_PID, 2, 1, chain, 5);
        cr_assert_eq(record_session_finish(session), 0);
        char *folded = unit_folded(profile, 0);
        /* the top address: past the recorded kernel text, still above the
         * lowest kernel mapping, so perf's kernel (unnamed) */
        cr_assert_str_eq(folded, "sh;[[kernel.kallsyms]];[unknown];[unknown] 1\n",
                         "kernel record %d", kernel_record);
        free(folded);
        record_session_destroy(session);
        profile_destroy(profile);
    }
}

Test(session, counts_lost_and_throttled_and_rejects_short_records)
{
    struct profile *profile = profile_create();
    struct record_session_options options = {.include_kernel = 1};
    struct record_session *session = new_session(profile, &options);
    struct session_record record;
    session_record_start(&record, PERF_RECORD_LOST, 0);
    session_put(&record, 1);  /* id */
    session_put(&record, 7);  /* lost */
    session_put_pair(&record, 1, 1);
    session_put(&record, 1);
    add(session, &record);
    session_record_start(&record, PERF_RECORD_LOST_SAMPLES, 0);
    session_put(&record, 3);
    session_put_pair(&record, 1, 1);
    session_put(&record, 2);
    add(session, &record);
    for (int type = PERF_RECORD_THROTTLE; type <= PERF_RECORD_UNTHROTTLE; type++) {
        session_record_start(&record, (uint32_t)type, 0);
        session_put(&record, 3); /* time */
        session_put(&record, 1); /* id */
        session_put(&record, 0); /* stream id */
        session_put_pair(&record, 1, 1);
        session_put(&record, 3);
        add(session, &record);
    }
    /* A sample whose callchain claims more entries than the record holds. */
    session_record_start(&record, PERF_RECORD_SAMPLE, PERF_RECORD_MISC_USER);
    session_put(&record, 0x1000);
    session_put_pair(&record, 1, 1);
    session_put(&record, 4);
    session_put(&record, 1);
    session_put(&record, 100); /* callchain count */
    session_put(&record, 0x1000);
    cr_assert_eq(record_session_add_record(session, session_finish(&record)), -1);
    cr_assert_eq(record_session_finish(session), 0);
    const struct record_session_stats *stats = record_session_stats(session);
    cr_assert_eq(stats->lost_records, 7);
    cr_assert_eq(stats->lost_samples, 3);
    cr_assert_eq(stats->throttles, 1);
    cr_assert_eq(stats->unthrottles, 1);
    cr_assert_eq(stats->samples, 0);
    record_session_destroy(session);
    profile_destroy(profile);
}

Test(session, event_filters_and_timeline)
{
    const char *map = write_jit_map(SESSION_PID);
    struct profile *profile = profile_create();
    const char *filters[] = {"task-clock:u"};
    struct record_session_options options = {.include_kernel = 1, .keep_timeline = 1,
                                             .event_filters = filters, .event_filter_count = 1,
                                             .from_file = 1};
    struct record_session *session = record_session_create(profile, &options);
    /* Two events told apart by PERF_SAMPLE_IDENTIFIER (first u64). */
    struct perf_event_attr attr = session_attr();
    attr.sample_type |= PERF_SAMPLE_IDENTIFIER;
    uint64_t cpu_ids[] = {11}, task_ids[] = {22};
    cr_assert_eq(record_session_add_event(session, &attr, cpu_ids, 1), 0);
    attr.config = PERF_COUNT_SW_TASK_CLOCK;
    cr_assert_eq(record_session_add_event(session, &attr, task_ids, 1), 0);
    record_session_name_event(session, 22, "task-clock:u");
    add_mmap2_with(session, SESSION_PID, 0x10000, 0x10000, "//anon", 1, 11);
    for (uint64_t id = 11; id <= 22; id += 11) {
        struct session_record record;
        session_record_start(&record, PERF_RECORD_SAMPLE, PERF_RECORD_MISC_USER);
        session_put(&record, id);
        session_put(&record, 0x10150);
        session_put_pair(&record, SESSION_PID, SESSION_PID);
        session_put(&record, 1234567891ULL * id); /* ns */
        session_put(&record, id);                 /* period */
        session_put(&record, 2);
        session_put(&record, (uint64_t)PERF_CONTEXT_USER);
        session_put(&record, 0x10150);
        add(session, &record);
    }
    cr_assert_eq(record_session_finish(session), 0);
    char *folded = unit_folded(profile, 0);
    char expected[128];
    snprintf(expected, sizeof expected, ":%d;jit_inner 22\n", SESSION_PID);
    cr_assert_str_eq(folded, expected);
    cr_assert_eq(record_session_stats(session)->filtered_samples, 1);
    /* The timeline: perf script's "secs.usecs" (27.160493 s, truncated) and
     * the thread "comm TID". */
    cr_assert_eq(profile->timeline_count, 1);
    cr_assert_float_eq(profile->timeline[0].time, 27.160493, 1e-9);
    char thread[64];
    snprintf(thread, sizeof thread, ":%d %d", SESSION_PID, SESSION_PID);
    cr_assert_str_eq(profile_string(profile, profile->timeline[0].thread), thread);
    free(folded);
    record_session_destroy(session);
    profile_destroy(profile);
    unlink(map);
}

/* A function of this test binary, to be named through the live mappings
 * of this very process. */
__attribute__((noinline)) int session_test_target(int value);
__attribute__((noinline)) int session_test_target(int value)
{
    return value * 7 + 3;
}

Test(session, existing_process_is_read_from_proc)
{
    struct profile *profile = profile_create();
    struct record_session_options options = {.include_kernel = 1}; /* live: /proc/PID/root */
    struct record_session *session = record_session_create(profile, &options);
    struct perf_event_attr attr = session_attr();
    cr_assert_eq(record_session_add_event(session, &attr, NULL, 0), 0);
    int pid = (int)getpid();
    cr_assert_eq(record_session_add_existing_process(session, pid), 0);
    cr_assert_eq(record_session_add_existing_process(session, 0x7ffffff0), -1); /* no such pid */
    const uint64_t chain[] = {(uint64_t)PERF_CONTEXT_USER,
                              (uint64_t)(uintptr_t)&session_test_target + 1};
    add_sample(session, pid, pid, 1, 1, chain, 2);
    cr_assert_eq(record_session_finish(session), 0);
    cr_assert_eq(session_test_target(1), 10);
    char comm[64] = "";
    FILE *file = fopen("/proc/self/comm", "r");
    cr_assert_not_null(file);
    cr_assert_not_null(fgets(comm, sizeof comm, file));
    fclose(file);
    comm[strcspn(comm, "\n")] = '\0';
    for (char *c = comm; *c; c++)
        if (*c == ' ')
            *c = '_';
    char expected[128];
    snprintf(expected, sizeof expected, "%s;session_test_target 1\n", comm);
    char *folded = unit_folded(profile, 0);
    cr_assert_str_eq(folded, expected);
    free(folded);
    record_session_destroy(session);
    profile_destroy(profile);
}
