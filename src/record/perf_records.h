/* perf_records.h — decoding of the records perf_event writes (ring buffer
 * or perf.data data section): PERF_RECORD_SAMPLE as an event's sample_type
 * lays it out, the sample_id_all trailer of the other records, and the
 * records a profile needs (MMAP, MMAP2, COMM, FORK, EXIT, LOST,
 * LOST_SAMPLES, THROTTLE, UNTHROTTLE).
 *
 * Decoding never copies: the decoded structs point into the record, which
 * must outlive them. Every length is checked against header.size; a record
 * too short for what its header and attr promise is an error (the message
 * says which field did not fit).
 */
#ifndef EMBER_PERF_RECORDS_H
#define EMBER_PERF_RECORDS_H

#include <linux/perf_event.h>
#include <stddef.h>
#include <stdint.h>

/* The fields of PERF_RECORD_SAMPLE a profile uses; has_* says which the
 * sample_type holds. */
struct perf_sample {
    uint64_t identifier, ip, time, address, id, stream_id, period;
    uint32_t pid, tid, cpu;
    int has_id, has_time, has_tid, has_cpu, has_period;
    const uint64_t *callchain; /* PERF_CONTEXT_* markers included */
    uint64_t callchain_count;
    uint64_t regs_abi, regs_mask; /* regs_abi 0: no registers */
    const uint64_t *regs;         /* one per bit of regs_mask, bit order */
    const uint8_t *stack;         /* user stack copy from SP up */
    uint64_t stack_size;          /* bytes valid (dyn_size) */
    /* PERF_SAMPLE_BRANCH_STACK: branch_count entries of three words
     * {from, to, flags}, most recent first (an LBR call stack: one per
     * active call, from = the call instruction, to = the callee). */
    const uint64_t *branches;
    uint64_t branch_count;
};

/* What sample_id_all appends to the other records. */
struct perf_sample_id {
    uint32_t pid, tid, cpu;
    uint64_t time, id;
    int has_time, has_id, has_tid;
};

struct perf_mmap {
    uint32_t pid, tid;
    uint64_t start, length, file_offset;
    uint32_t prot, flags;            /* MMAP2 only (0 for MMAP) */
    int executable;                  /* MMAP: !(misc & MMAP_DATA); MMAP2: PROT_EXEC */
    const uint8_t *build_id;         /* MMAP2 with PERF_RECORD_MISC_MMAP_BUILD_ID */
    size_t build_id_size;
    uint32_t major, minor;           /* MMAP2 without a build id: the file's */
    uint64_t inode;                  /* device and inode (0 when unknown) */
    const char *path;                /* NUL-terminated inside the record */
};

struct perf_comm {
    uint32_t pid, tid;
    int exec;                        /* PERF_RECORD_MISC_COMM_EXEC */
    const char *comm;                /* NUL-terminated inside the record */
};

struct perf_task {                   /* FORK and EXIT */
    uint32_t pid, ppid, tid, ptid;
    uint64_t time;
};

/* Bytes of the sample_id_all trailer for an attr (0 without sample_id_all). */
size_t perf_sample_id_size(const struct perf_event_attr *attr);

/* The event id of a record (sample or not) when the attrs put it at a
 * known place: PERF_SAMPLE_IDENTIFIER, else PERF_SAMPLE_ID at its position
 * for this layout. Returns 1 and sets *id, 0 when the record has none. */
int perf_record_id(const struct perf_event_attr *attr, const struct perf_event_header *record,
                   uint64_t *id);

/* Each returns 0, or -1 with *error set to a static description. */
int perf_sample_parse(const struct perf_event_attr *attr, const struct perf_event_header *record,
                      struct perf_sample *sample, const char **error);
int perf_sample_id_parse(const struct perf_event_attr *attr,
                         const struct perf_event_header *record, struct perf_sample_id *trailer,
                         const char **error);
int perf_mmap_parse(const struct perf_event_attr *attr, const struct perf_event_header *record,
                    struct perf_mmap *mmap_record, const char **error);
int perf_comm_parse(const struct perf_event_attr *attr, const struct perf_event_header *record,
                    struct perf_comm *comm, const char **error);
int perf_task_parse(const struct perf_event_header *record, struct perf_task *task,
                    const char **error);
/* LOST: *count = lost records; LOST_SAMPLES: lost samples. */
int perf_lost_parse(const struct perf_event_header *record, uint64_t *count, const char **error);

#endif
