/* session.h — turns perf records (as the kernel writes them into a ring
 * buffer, or as perf.data stores them) into a Profile named exactly as
 * `perf script | ember collapse` would name it with the same options.
 *
 * A session knows the events (perf_event_attr + their sample ids), keeps a
 * table of processes (pid -> comm, threads, mappings; FORK copies, COMM with
 * exec replaces, EXIT forgets), orders records by time (several ring
 * buffers interleave), and at finish symbolizes every address (ELF symbols
 * of the mapped files, /proc/kallsyms, /tmp/perf-PID.map) and adds one stack
 * per sample to the profile.
 *
 * Ownership: the caller owns the profile; the session owns copies of the
 * records it was given and everything it opened; record_session_destroy()
 * frees them.
 */
#ifndef EMBER_RECORD_SESSION_H
#define EMBER_RECORD_SESSION_H

#include "../model/profile.h"

#include <linux/perf_event.h>
#include <stddef.h>
#include <stdint.h>

struct record_session_options {
    int root_with_pid, root_with_tid;  /* collapse --pid / --tid */
    int annotate_kernel, annotate_jit; /* --kernel / --jit (_[k], _[j]) */
    int show_addresses;                /* --addrs */
    int inline_frames, inline_context; /* --inline / --context */
    int include_kernel;                /* keep kernel frames (default 1) */
    int keep_timeline;                 /* profile timeline for --flamechart */
    /* Added (perf.data, collapse --event-filter): keep only samples of the
     * events named here (perf script's event names, e.g. "cpu-clock:ppp");
     * none = the event of the first sample, as `ember collapse` keeps. */
    const char *const *event_filters;
    size_t event_filter_count;
    /* Added: the records come from a file (perf.data), not a running
     * system: files are read at their recorded paths, never through
     * /proc/PID/root (the pids are gone or belong to other processes). */
    int from_file;
    /* Added (ember record): roots named with the real process id
     * ("comm-PID", "comm-PID/TID" with --pid/--tid) instead of what
     * `perf script | ember collapse` gives ("comm-?", perf script printing
     * no pid). */
    int real_process_ids;
};

struct record_session_stats {
    uint64_t samples, lost_samples, lost_records, throttles, unthrottles, dwarf_unwound,
        first_time_ns, last_time_ns;
    /* Added: samples of another event than the one kept (event filter). */
    uint64_t filtered_samples;
};

struct record_session;

/* Returns a new session filling profile (not owned). options may be NULL
 * (defaults: include_kernel on, everything else off). */
struct record_session *record_session_create(struct profile *profile,
                                             const struct record_session_options *options);

/* Declares an event and the sample ids the kernel gives its records
 * (PERF_SAMPLE_ID / IDENTIFIER; id_count 0 when there is one event).
 * Returns 0, or -1 after printing a message. */
int record_session_add_event(struct record_session *session, const struct perf_event_attr *attr,
                             const uint64_t *ids, size_t id_count);

/* Added (perf.data): names the event with these ids (HEADER_EVENT_DESC's
 * name, e.g. "cpu-clock:pppH"). Without a name an event is named from its
 * attr as perf does ("cpu-clock", "cycles", ...). */
void record_session_name_event(struct record_session *session, uint64_t id, const char *name);

/* Added (perf.data): the build id of a file (HEADER_BUILD_ID), used to find
 * its debug info when the mapping record carries none. */
void record_session_add_build_id(struct record_session *session, int pid, const char *path,
                                 const uint8_t *build_id, size_t build_id_size);

/* Added (ember record): returns once the kernel's symbols are read, when a
 * thread of the session is reading them (it starts at
 * record_session_add_event for an event that samples the kernel). ember
 * record calls it before the command starts, so that the tens of
 * milliseconds /proc/kallsyms costs are spent before the workload runs, not
 * beside it (on a busy machine they would take its CPU), as perf does. */
void record_session_wait_kernel_symbols(struct record_session *session);

/* One record as the kernel wrote it (header.size bytes); copied as needed.
 * Records from several ring buffers may come out of time order: the
 * session orders them by time itself. Returns 0, or -1 after printing a
 * message (a record too short for its type). */
int record_session_add_record(struct record_session *session, const struct perf_event_header *record);

/* Added (perf.data): the same without the copy; record (8-byte aligned,
 * else it is copied) must stay valid and unchanged until
 * record_session_finish() returns (a mapped file). */
int record_session_add_record_borrowed(struct record_session *session,
                                       const struct perf_event_header *record);

/* A process alive before recording (attach, -a): comm, threads and
 * mappings from /proc/PID/{comm,task,maps}, files via /proc/PID/root.
 * Returns 0, or -1 when the process cannot be read (it exited). */
int record_session_add_existing_process(struct record_session *session, int pid);

/* Symbolizes and fills the profile. Returns 0, or -1 after a message. */
int record_session_finish(struct record_session *session);

const struct record_session_stats *record_session_stats(const struct record_session *session);

void record_session_destroy(struct record_session *session);

#endif
