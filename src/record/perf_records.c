/* perf_records.c — decoding perf_event records; see perf_records.h.
 *
 * The layouts are the kernel's (include/uapi/linux/perf_event.h comments):
 * a SAMPLE is the sample_type's fields in bit order, each present only
 * when its bit is set; the other records end with the sample_id_all
 * trailer {pid,tid} {time} {id} {stream_id} {cpu,res} {identifier}, again
 * only the fields the sample_type selects. Reads go through a cursor that
 * fails instead of running past the record.
 */
#include "perf_records.h"

#include <string.h>

struct cursor {
    const uint8_t *at, *end;
    const char *error;
};

/* The body of a record: after the header, before the trailer. */
static void cursor_init(struct cursor *cursor, const struct perf_event_header *record,
                        size_t trailer)
{
    const uint8_t *base = (const uint8_t *)record;
    cursor->at = base + sizeof *record;
    cursor->end = cursor->at;
    cursor->error = NULL;
    if (record->size < sizeof *record + trailer)
        cursor->error = "record shorter than its header and sample_id_all trailer";
    else
        cursor->end = base + record->size - trailer;
}

static int take(struct cursor *cursor, void *value, size_t size, const char *what)
{
    if (cursor->error)
        return -1;
    if ((size_t)(cursor->end - cursor->at) < size) {
        cursor->error = what;
        return -1;
    }
    memcpy(value, cursor->at, size);
    cursor->at += size;
    return 0;
}

static int take64(struct cursor *cursor, uint64_t *value, const char *what)
{
    return take(cursor, value, sizeof *value, what);
}

static int take_pair(struct cursor *cursor, uint32_t *first, uint32_t *second, const char *what)
{
    uint32_t pair[2];
    if (take(cursor, pair, sizeof pair, what) < 0)
        return -1;
    *first = pair[0];
    *second = pair[1];
    return 0;
}

/* Points *bytes at size bytes of the record (8-byte aligned fields). */
static int take_bytes(struct cursor *cursor, const uint8_t **bytes, uint64_t size,
                      const char *what)
{
    if (cursor->error)
        return -1;
    if ((uint64_t)(cursor->end - cursor->at) < size) {
        cursor->error = what;
        return -1;
    }
    *bytes = cursor->at;
    cursor->at += size;
    return 0;
}

static int skip(struct cursor *cursor, uint64_t size, const char *what)
{
    const uint8_t *ignored;
    return take_bytes(cursor, &ignored, size, what);
}

size_t perf_sample_id_size(const struct perf_event_attr *attr)
{
    if (!attr->sample_id_all)
        return 0;
    uint64_t type = attr->sample_type;
    size_t size = 0;
    if (type & PERF_SAMPLE_TID)
        size += 8;
    if (type & PERF_SAMPLE_TIME)
        size += 8;
    if (type & PERF_SAMPLE_ID)
        size += 8;
    if (type & PERF_SAMPLE_STREAM_ID)
        size += 8;
    if (type & PERF_SAMPLE_CPU)
        size += 8;
    if (type & PERF_SAMPLE_IDENTIFIER)
        size += 8;
    return size;
}

int perf_record_id(const struct perf_event_attr *attr, const struct perf_event_header *record,
                   uint64_t *id)
{
    uint64_t type = attr->sample_type;
    size_t words = (record->size >= sizeof *record ? record->size - sizeof *record : 0) / 8;
    const uint8_t *body = (const uint8_t *)record + sizeof *record;
    size_t index;
    if (record->type == PERF_RECORD_SAMPLE) {
        if (type & PERF_SAMPLE_IDENTIFIER)
            index = 0;
        else if (type & PERF_SAMPLE_ID)
            index = !!(type & PERF_SAMPLE_IP) + !!(type & PERF_SAMPLE_TID) +
                    !!(type & PERF_SAMPLE_TIME) + !!(type & PERF_SAMPLE_ADDR);
        else
            return 0;
    } else {
        if (!attr->sample_id_all)
            return 0;
        size_t from_end;
        if (type & PERF_SAMPLE_IDENTIFIER)
            from_end = 1;
        else if (type & PERF_SAMPLE_ID)
            from_end = 1 + !!(type & PERF_SAMPLE_CPU) + !!(type & PERF_SAMPLE_STREAM_ID);
        else
            return 0;
        if (from_end > words)
            return 0;
        index = words - from_end;
    }
    if (index >= words)
        return 0;
    memcpy(id, body + index * 8, 8);
    return 1;
}

static int skip_read_format(struct cursor *cursor, uint64_t read_format)
{
    const char *what = "sample's read values cut short";
    uint64_t per_value = 1 + !!(read_format & PERF_FORMAT_ID) + !!(read_format & PERF_FORMAT_LOST);
    uint64_t times = !!(read_format & PERF_FORMAT_TOTAL_TIME_ENABLED) +
                     !!(read_format & PERF_FORMAT_TOTAL_TIME_RUNNING);
    if (read_format & PERF_FORMAT_GROUP) {
        uint64_t count;
        if (take64(cursor, &count, what) < 0)
            return -1;
        if (count > (1u << 16))
            return cursor->error = "sample's read group too large", -1;
        return skip(cursor, (times + count * per_value) * 8, what);
    }
    return skip(cursor, (per_value + times) * 8, what);
}

static int popcount64(uint64_t value)
{
    return __builtin_popcountll(value);
}

int perf_sample_parse(const struct perf_event_attr *attr, const struct perf_event_header *record,
                      struct perf_sample *sample, const char **error)
{
    memset(sample, 0, sizeof *sample);
    uint64_t type = attr->sample_type;
    struct cursor cursor;
    cursor_init(&cursor, record, 0);
    if (type & PERF_SAMPLE_IDENTIFIER)
        take64(&cursor, &sample->identifier, "sample cut short in IDENTIFIER");
    if (type & PERF_SAMPLE_IP)
        take64(&cursor, &sample->ip, "sample cut short in IP");
    if (type & PERF_SAMPLE_TID) {
        take_pair(&cursor, &sample->pid, &sample->tid, "sample cut short in TID");
        sample->has_tid = 1;
    }
    if (type & PERF_SAMPLE_TIME) {
        take64(&cursor, &sample->time, "sample cut short in TIME");
        sample->has_time = 1;
    }
    if (type & PERF_SAMPLE_ADDR)
        take64(&cursor, &sample->address, "sample cut short in ADDR");
    if (type & PERF_SAMPLE_ID) {
        take64(&cursor, &sample->id, "sample cut short in ID");
        sample->has_id = 1;
    }
    if (type & PERF_SAMPLE_IDENTIFIER) {
        sample->id = sample->identifier;
        sample->has_id = 1;
    }
    if (type & PERF_SAMPLE_STREAM_ID)
        take64(&cursor, &sample->stream_id, "sample cut short in STREAM_ID");
    if (type & PERF_SAMPLE_CPU) {
        uint32_t reserved;
        take_pair(&cursor, &sample->cpu, &reserved, "sample cut short in CPU");
        sample->has_cpu = 1;
    }
    if (type & PERF_SAMPLE_PERIOD) {
        take64(&cursor, &sample->period, "sample cut short in PERIOD");
        sample->has_period = 1;
    }
    if (type & PERF_SAMPLE_READ)
        skip_read_format(&cursor, attr->read_format);
    if (type & PERF_SAMPLE_CALLCHAIN) {
        const uint8_t *entries = NULL;
        if (take64(&cursor, &sample->callchain_count, "sample cut short in CALLCHAIN") == 0 &&
            (sample->callchain_count > (1u << 16) ||
             take_bytes(&cursor, &entries, sample->callchain_count * 8,
                        "sample's callchain longer than the record") < 0)) {
            if (!cursor.error)
                cursor.error = "sample's callchain longer than the record";
        }
        sample->callchain = (const uint64_t *)(const void *)entries;
    }
    if (type & PERF_SAMPLE_RAW) {
        uint32_t size;
        if (take(&cursor, &size, sizeof size, "sample cut short in RAW") == 0)
            skip(&cursor, size, "sample's raw data longer than the record");
    }
    if (type & PERF_SAMPLE_BRANCH_STACK) {
        uint64_t count;
        if (take64(&cursor, &count, "sample cut short in BRANCH_STACK") == 0) {
            if (attr->branch_sample_type & PERF_SAMPLE_BRANCH_HW_INDEX)
                skip(&cursor, 8, "sample cut short in BRANCH_STACK");
            const uint8_t *entries = NULL;
            if (count > (1u << 16))
                cursor.error = "sample's branch stack too large";
            else if (take_bytes(&cursor, &entries, count * 24,
                                "sample's branch stack longer than the record") == 0) {
                sample->branches = (const uint64_t *)(const void *)entries;
                sample->branch_count = count;
            }
        }
    }
    if (type & PERF_SAMPLE_REGS_USER) {
        if (take64(&cursor, &sample->regs_abi, "sample cut short in REGS_USER") == 0 &&
            sample->regs_abi != 0) {
            const uint8_t *regs = NULL;
            sample->regs_mask = attr->sample_regs_user;
            take_bytes(&cursor, &regs, (uint64_t)popcount64(attr->sample_regs_user) * 8,
                       "sample's user registers longer than the record");
            sample->regs = (const uint64_t *)(const void *)regs;
        }
    }
    if (type & PERF_SAMPLE_STACK_USER) {
        uint64_t size;
        if (take64(&cursor, &size, "sample cut short in STACK_USER") == 0 && size != 0) {
            const uint8_t *stack = NULL;
            uint64_t dynamic_size = 0;
            if (take_bytes(&cursor, &stack, size, "sample's user stack longer than the record") ==
                    0 &&
                take64(&cursor, &dynamic_size, "sample cut short in STACK_USER's dyn_size") == 0) {
                sample->stack = stack;
                sample->stack_size = dynamic_size < size ? dynamic_size : size;
            }
        }
    }
    /* Later fields (weight, data_src, ...) are not used. */
    if (cursor.error) {
        *error = cursor.error;
        return -1;
    }
    return 0;
}

int perf_sample_id_parse(const struct perf_event_attr *attr,
                         const struct perf_event_header *record, struct perf_sample_id *trailer,
                         const char **error)
{
    memset(trailer, 0, sizeof *trailer);
    size_t size = perf_sample_id_size(attr);
    if (size == 0)
        return 0;
    if (record->size < sizeof *record + size) {
        *error = "record shorter than its sample_id_all trailer";
        return -1;
    }
    struct cursor cursor;
    cursor.at = (const uint8_t *)record + record->size - size;
    cursor.end = (const uint8_t *)record + record->size;
    cursor.error = NULL;
    uint64_t type = attr->sample_type, ignored;
    if (type & PERF_SAMPLE_TID) {
        take_pair(&cursor, &trailer->pid, &trailer->tid, "trailer");
        trailer->has_tid = 1;
    }
    if (type & PERF_SAMPLE_TIME) {
        take64(&cursor, &trailer->time, "trailer");
        trailer->has_time = 1;
    }
    if (type & PERF_SAMPLE_ID) {
        take64(&cursor, &trailer->id, "trailer");
        trailer->has_id = 1;
    }
    if (type & PERF_SAMPLE_STREAM_ID)
        take64(&cursor, &ignored, "trailer");
    if (type & PERF_SAMPLE_CPU) {
        uint32_t reserved;
        take_pair(&cursor, &trailer->cpu, &reserved, "trailer");
    }
    if (type & PERF_SAMPLE_IDENTIFIER) {
        take64(&cursor, &trailer->id, "trailer");
        trailer->has_id = 1;
    }
    return 0;
}

/* A NUL-terminated string in the rest of the record body. */
static int take_string(struct cursor *cursor, const char **string, const char *what)
{
    if (cursor->error)
        return -1;
    const uint8_t *nul = memchr(cursor->at, '\0', (size_t)(cursor->end - cursor->at));
    if (!nul) {
        cursor->error = what;
        return -1;
    }
    *string = (const char *)cursor->at;
    cursor->at = nul + 1;
    return 0;
}

int perf_mmap_parse(const struct perf_event_attr *attr, const struct perf_event_header *record,
                    struct perf_mmap *mmap_record, const char **error)
{
    memset(mmap_record, 0, sizeof *mmap_record);
    struct cursor cursor;
    cursor_init(&cursor, record, perf_sample_id_size(attr));
    const char *what = record->type == PERF_RECORD_MMAP2 ? "MMAP2 record cut short"
                                                          : "MMAP record cut short";
    take_pair(&cursor, &mmap_record->pid, &mmap_record->tid, what);
    take64(&cursor, &mmap_record->start, what);
    take64(&cursor, &mmap_record->length, what);
    take64(&cursor, &mmap_record->file_offset, what);
    if (record->type == PERF_RECORD_MMAP2) {
        const uint8_t *identity = NULL;
        take_bytes(&cursor, &identity, 24, what);
        take_pair(&cursor, &mmap_record->prot, &mmap_record->flags, what);
        if (identity && (record->misc & PERF_RECORD_MISC_MMAP_BUILD_ID)) {
            size_t size = identity[0];
            mmap_record->build_id = identity + 4;
            mmap_record->build_id_size = size <= 20 ? size : 20;
        } else if (identity) { /* u32 maj, u32 min, u64 ino, u64 ino_generation */
            memcpy(&mmap_record->major, identity, 4);
            memcpy(&mmap_record->minor, identity + 4, 4);
            memcpy(&mmap_record->inode, identity + 8, 8);
        }
        mmap_record->executable = (mmap_record->prot & 4 /* PROT_EXEC */) != 0;
    } else {
        mmap_record->executable = !(record->misc & PERF_RECORD_MISC_MMAP_DATA);
    }
    take_string(&cursor, &mmap_record->path, "mapping's file name not terminated");
    if (cursor.error) {
        *error = cursor.error;
        return -1;
    }
    return 0;
}

int perf_comm_parse(const struct perf_event_attr *attr, const struct perf_event_header *record,
                    struct perf_comm *comm, const char **error)
{
    memset(comm, 0, sizeof *comm);
    struct cursor cursor;
    cursor_init(&cursor, record, perf_sample_id_size(attr));
    take_pair(&cursor, &comm->pid, &comm->tid, "COMM record cut short");
    take_string(&cursor, &comm->comm, "COMM record's name not terminated");
    comm->exec = (record->misc & PERF_RECORD_MISC_COMM_EXEC) != 0;
    if (cursor.error) {
        *error = cursor.error;
        return -1;
    }
    return 0;
}

int perf_task_parse(const struct perf_event_header *record, struct perf_task *task,
                    const char **error)
{
    memset(task, 0, sizeof *task);
    struct cursor cursor;
    cursor_init(&cursor, record, 0);
    const char *what = record->type == PERF_RECORD_FORK ? "FORK record cut short"
                                                        : "EXIT record cut short";
    take_pair(&cursor, &task->pid, &task->ppid, what);
    take_pair(&cursor, &task->tid, &task->ptid, what);
    take64(&cursor, &task->time, what);
    if (cursor.error) {
        *error = cursor.error;
        return -1;
    }
    return 0;
}

int perf_lost_parse(const struct perf_event_header *record, uint64_t *count, const char **error)
{
    struct cursor cursor;
    cursor_init(&cursor, record, 0);
    uint64_t id;
    if (record->type == PERF_RECORD_LOST)
        take64(&cursor, &id, "LOST record cut short");
    take64(&cursor, count, record->type == PERF_RECORD_LOST ? "LOST record cut short"
                                                            : "LOST_SAMPLES record cut short");
    if (cursor.error) {
        *error = cursor.error;
        return -1;
    }
    return 0;
}
