/* session.c — perf records -> Profile, named as `perf script | ember
 * collapse` names them; see session.h.
 *
 * Design.
 *  - Records are copied into one byte buffer as they arrive (or borrowed:
 *    the perf.data reader's mapped file), with an index entry (time,
 *    where) each; records without a time (no sample_id_all) take the time
 *    of the record before them. finish() sorts the index by (time,
 *    arrival) (key_sort.h's stable radix sort by time) and replays it:
 *    perf's order, so MMAP/COMM/FORK apply exactly before the samples that
 *    follow them in time.
 *  - Threads (tid -> pid, comm) and processes (pid -> sorted, disjoint
 *    mappings) live in two open-addressing tables keyed by id. FORK of a new
 *    process copies the parent's mappings; FORK of a thread shares its
 *    process; COMM sets a thread's name (an exec keeps the mappings, as
 *    perf does: the new image's MMAPs replace what they overlap); a new
 *    mapping cuts away what it overlaps. An unknown thread is named ":TID"
 *    (tid 0 "swapper") as perf does.
 *  - Each mapping points at a module: a file (symbols.h's symbol_file,
 *    shared by every process that maps the same inode, opened only on the
 *    first lookup, or at the MMAP record in live mode, before a short-lived
 *    process and its /proc/PID/root vanish), the vDSO, a process's JIT map
 *    (anonymous executable memory -> /tmp/perf-PID.map, perf's naming), or
 *    a pseudo file ("[heap]": no symbols).
 *  - Each callchain entry becomes the line perf script would print
 *    ("ADDRESS SYMBOL+0xOFF (MODULE)": user addresses as offsets in the
 *    file, kernel and JIT ones as they are) and goes through perf_frames.c,
 *    the rules `ember collapse` applies to perf script text. The frames of
 *    (module, address, java) are cached, so each distinct address is
 *    symbolized and named once; and the profile node of each distinct
 *    chain as recorded (pid, root frame, callchain words) is remembered
 *    until the next MMAP/COMM/FORK (a generation count), so a sample
 *    repeating a chain (most do) costs one hash lookup.
 *  - The root frame is named from the header perf script prints by default
 *    ("COMM TID ..."; no pid), matched as stackcollapse-perf.pl matches it:
 *    so --pid gives "comm-?" and --tid "comm-?/TID", exactly as the text
 *    pipeline does.
 *  - LBR (`perf record --call-graph lbr`): the callchain's kernel part,
 *    then the user part from the branch entries (lbr_user_part()).
 *  - Modules are shared by path and file: build id, else the recorded
 *    device and inode, tell two files of one path apart (containers).
 *  - DWARF: when an event samples the user stack, the unwinder
 *    (unwind.h) follows every mapping change, and a sample's user part is
 *    its unwound stack when that reaches further than the chain's user part
 *    (return addresses minus one, as perf's libdw unwinder reports them).
 */
#include "session.h"
#include "jit_map.h"
#include "addr2line.h"
#include "kallsyms.h"
#include "key_sort.h"
#include "perf_records.h"
#include "symbol_table.h"
#include "symbols.h"
#include "unwind.h"
#include "../formats/perf_frames.h"
#include "../util/hash.h"
#include "../util/memory.h"

#include <dirent.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum {
    MAX_FRAMES = 1024,        /* callchain entries used per sample */
    MAX_DWARF_FRAMES = 256,
    MODULE_KERNEL = 0,        /* module ids below FIRST_MODULE */
    MODULE_UNKNOWN = 1,
    FIRST_MODULE = 2,
};

struct event {
    struct perf_event_attr attr;
    uint64_t *ids;
    size_t id_count;
    char *name;
};

enum module_kind { KIND_FILE, KIND_VDSO, KIND_JIT, KIND_PSEUDO };

struct module {
    enum module_kind kind;
    char *path;                 /* as perf script prints it */
    struct symbol_file *file;   /* KIND_FILE / KIND_VDSO once resolved */
    int resolved;
    int pid;                    /* KIND_JIT: whose map file; KIND_FILE: a pid mapping it */
    struct symbol_table jit;    /* KIND_JIT */
    uint8_t build_id[20];
    size_t build_id_size;
    struct symbol_file_identity identity; /* KIND_FILE: device and inode, when recorded */
    int has_identity;
};

struct mapping {
    uint64_t start, end, file_offset;
    uint32_t module;
};

struct process {
    int pid;
    struct mapping *mappings;   /* sorted by start, disjoint */
    size_t mapping_count, mapping_capacity;
    uint32_t jit_module;        /* UINT32_MAX until needed */
};

struct thread {
    int tid, pid;
    char *comm;
    uint32_t root_frame, timeline_thread; /* UINT32_MAX: to compute */
    int java;
};

/* Open addressing from an int id to an index (+1; 0 = empty). */
struct id_table {
    int *keys;
    uint32_t *values;
    size_t mask, used;
};

/* (module, address, java) -> frames[first .. first + count). */
struct frame_slot {
    uint64_t address;
    uint32_t module_java; /* module << 2 | dwarf << 1 | java; UINT32_MAX = empty */
    uint32_t first, count;
};

/* A sample's chain as recorded -> the profile node it named, valid while
 * no MMAP/COMM/FORK has changed what its addresses mean (generation).
 * words[first ..) holds the key: pid << 32 | root frame, then java |
 * starting in the kernel << 1 | callchain length << 2, then the callchain
 * words (or the IP), then an LBR call stack's branch entries. */
struct chain_slot {
    uint64_t hash;
    uint32_t first, word_count; /* word_count 0 = empty */
    uint32_t node, generation;
};

struct build_id_entry {
    char *path;
    uint8_t id[20];
    size_t size;
};

struct record_session {
    struct profile *profile;
    struct record_session_options options;
    struct record_session_stats stats;
    size_t sample_type;

    struct event *events;
    size_t event_count, event_capacity;
    const struct event *kept_event; /* the event samples are kept for (no filter given) */
    int filter_notice_printed;

    uint8_t *bytes;             /* copied records */
    size_t byte_count, byte_capacity;
    /* One per record: key = time, value = where the record is: the
     * caller's (8-byte aligned) record, or offset << 1 | 1 in bytes. */
    struct key_sort_item *index;
    size_t index_count, index_capacity;
    uint64_t last_time;

    struct thread **threads;
    size_t thread_count, thread_capacity;
    struct id_table thread_table;
    struct process **processes;
    size_t process_count, process_capacity;
    struct id_table process_table;

    struct module *modules;     /* ids from FIRST_MODULE, index = id - FIRST_MODULE */
    size_t module_count, module_capacity;
    struct symbol_file_cache *files;
    struct build_id_entry *build_ids;
    size_t build_id_count, build_id_capacity;
    struct kallsyms kernel;
    int kernel_loaded;
    pthread_t kernel_thread;     /* reading the kernel's symbols meanwhile */
    int kernel_thread_running, kernel_symbols_read;
    char kernel_reloc_name[64];  /* perf's kernel mapping: "[kernel.kallsyms]" + this symbol */
    uint64_t kernel_reloc_address; /* ... at this address when recorded */
    uint64_t kernel_delta;       /* recorded address - the loaded kallsyms' address */
    uint64_t kernel_lowest_start; /* the lowest kernel-side mapping (pid -1 records); 0: none */

    struct perf_frame_namer namer;
    struct frame_slot *frame_slots;
    size_t frame_slot_mask, frame_slot_used;
    uint32_t *frame_pool;
    size_t frame_pool_count, frame_pool_capacity;

    struct dwarf_unwinder *unwinder; /* when an event copies user stacks */
    struct addr2line_runner *addr2line; /* inlined levels of DWARF-unwound frames */
    int addr2line_tried;

    /* Chains already named (chain_slot); generation counts the records
     * that changed threads or mappings. */
    struct chain_slot *chain_slots;
    size_t chain_slot_mask, chain_slot_used;
    uint64_t *chain_words;
    size_t chain_word_count, chain_word_capacity;
    uint32_t generation;

    /* Per-sample scratch. */
    uint32_t *stack;            /* frames root-first */
    size_t stack_count, stack_capacity;
    char *text;
    size_t text_capacity;
};

/* ---- small tables ---- */

static void id_table_init(struct id_table *table)
{
    table->mask = 255;
    table->used = 0;
    table->keys = xcalloc(table->mask + 1, sizeof *table->keys);
    table->values = xcalloc(table->mask + 1, sizeof *table->values);
}

static void id_table_free(struct id_table *table)
{
    free(table->keys);
    free(table->values);
}

static uint32_t *id_table_slot(struct id_table *table, int key)
{
    size_t position = hash_mix64((uint64_t)(uint32_t)key) & table->mask;
    while (table->values[position] && table->keys[position] != key)
        position = (position + 1) & table->mask;
    return &table->values[position];
}

static void id_table_put(struct id_table *table, int key, uint32_t index)
{
    if ((table->used + 1) * 2 > table->mask + 1) {
        struct id_table bigger = {NULL, NULL, table->mask * 2 + 1, 0};
        bigger.keys = xcalloc(bigger.mask + 1, sizeof *bigger.keys);
        bigger.values = xcalloc(bigger.mask + 1, sizeof *bigger.values);
        for (size_t i = 0; i <= table->mask; i++) {
            if (!table->values[i])
                continue;
            size_t position = hash_mix64((uint64_t)(uint32_t)table->keys[i]) & bigger.mask;
            while (bigger.values[position])
                position = (position + 1) & bigger.mask;
            bigger.keys[position] = table->keys[i];
            bigger.values[position] = table->values[i];
        }
        bigger.used = table->used;
        id_table_free(table);
        *table = bigger;
    }
    size_t position = hash_mix64((uint64_t)(uint32_t)key) & table->mask;
    while (table->values[position] && table->keys[position] != key)
        position = (position + 1) & table->mask;
    if (!table->values[position])
        table->used++;
    table->keys[position] = key;
    table->values[position] = index + 1;
}

static char *copy_string(const char *string)
{
    size_t length = strlen(string);
    char *copy = xmalloc(length + 1);
    memcpy(copy, string, length + 1);
    return copy;
}

/* ---- creation ---- */

struct record_session *record_session_create(struct profile *profile,
                                             const struct record_session_options *options)
{
    struct record_session *session = xcalloc(1, sizeof *session);
    session->profile = profile;
    if (options) {
        session->options = *options;
    } else {
        session->options.include_kernel = 1;
    }
    long existing = profile_find_sample_type(profile, "samples");
    session->sample_type = existing >= 0 ? (size_t)existing
                                         : profile_add_sample_type(profile, "samples", "count");
    if (session->options.keep_timeline)
        profile->keep_timeline = 1;
    id_table_init(&session->thread_table);
    id_table_init(&session->process_table);
    session->files = symbol_file_cache_create();
    struct perf_frame_options frame_options = {
        session->options.annotate_kernel, session->options.annotate_jit,
        session->options.show_addresses, session->options.inline_frames,
        session->options.inline_context};
    perf_frame_namer_init(&session->namer, profile, &frame_options);
    session->frame_slot_mask = 4095;
    session->frame_slots = xmalloc((session->frame_slot_mask + 1) * sizeof *session->frame_slots);
    for (size_t i = 0; i <= session->frame_slot_mask; i++)
        session->frame_slots[i].module_java = UINT32_MAX;
    return session;
}

void record_session_destroy(struct record_session *session)
{
    if (!session)
        return;
    if (session->kernel_thread_running)
        pthread_join(session->kernel_thread, NULL);
    for (size_t i = 0; i < session->event_count; i++) {
        free(session->events[i].ids);
        free(session->events[i].name);
    }
    free(session->events);
    free(session->bytes);
    free(session->index);
    for (size_t i = 0; i < session->thread_count; i++) {
        free(session->threads[i]->comm);
        free(session->threads[i]);
    }
    free(session->threads);
    id_table_free(&session->thread_table);
    for (size_t i = 0; i < session->process_count; i++) {
        free(session->processes[i]->mappings);
        free(session->processes[i]);
    }
    free(session->processes);
    id_table_free(&session->process_table);
    for (size_t i = 0; i < session->module_count; i++) {
        free(session->modules[i].path);
        symbol_table_free(&session->modules[i].jit);
    }
    free(session->modules);
    for (size_t i = 0; i < session->build_id_count; i++)
        free(session->build_ids[i].path);
    free(session->build_ids);
    symbol_file_cache_destroy(session->files);
    kallsyms_free(&session->kernel);
    perf_frame_namer_free(&session->namer);
    free(session->frame_slots);
    free(session->frame_pool);
    dwarf_unwinder_destroy(session->unwinder);
    addr2line_runner_destroy(session->addr2line);
    free(session->chain_slots);
    free(session->chain_words);
    free(session->stack);
    free(session->text);
    free(session);
}

const struct record_session_stats *record_session_stats(const struct record_session *session)
{
    return &session->stats;
}

static void start_kernel_symbols(struct record_session *session);

/* ---- events ---- */

/* perf's name for an event without a recorded name. */
static const char *attr_event_name(const struct perf_event_attr *attr)
{
    static const char *const hardware[] = {
        "cycles", "instructions", "cache-references", "cache-misses", "branches",
        "branch-misses", "bus-cycles", "stalled-cycles-frontend", "stalled-cycles-backend",
        "ref-cycles"};
    static const char *const software[] = {
        "cpu-clock", "task-clock", "page-faults", "context-switches", "cpu-migrations",
        "minor-faults", "major-faults", "alignment-faults", "emulation-faults", "dummy",
        "bpf-output", "cgroup-switches"};
    if (attr->type == PERF_TYPE_HARDWARE && attr->config < sizeof hardware / sizeof *hardware)
        return hardware[attr->config];
    if (attr->type == PERF_TYPE_SOFTWARE && attr->config < sizeof software / sizeof *software)
        return software[attr->config];
    return "unknown";
}

int record_session_add_event(struct record_session *session, const struct perf_event_attr *attr,
                             const uint64_t *ids, size_t id_count)
{
    if (attr->size != 0 && attr->size < PERF_ATTR_SIZE_VER0) {
        fprintf(stderr, "ember: perf event attributes of %u bytes are too short\n", attr->size);
        return -1;
    }
    GROW(session->events, session->event_capacity, session->event_count + 1);
    struct event *event = &session->events[session->event_count++];
    memset(event, 0, sizeof *event);
    event->attr = *attr;
    if (id_count) {
        event->ids = xmalloc(id_count * sizeof *ids);
        memcpy(event->ids, ids, id_count * sizeof *ids);
        event->id_count = id_count;
    }
    event->name = copy_string(attr_event_name(attr));
    if (!session->options.from_file)
        start_kernel_symbols(session);
    if ((attr->sample_type & PERF_SAMPLE_REGS_USER) && (attr->sample_type & PERF_SAMPLE_STACK_USER) &&
        !session->unwinder)
        session->unwinder = dwarf_unwinder_create();
    return 0;
}

void record_session_name_event(struct record_session *session, uint64_t id, const char *name)
{
    for (size_t i = 0; i < session->event_count; i++)
        for (size_t j = 0; j < session->events[i].id_count; j++)
            if (session->events[i].ids[j] == id) {
                free(session->events[i].name);
                session->events[i].name = copy_string(name);
                return;
            }
}

void record_session_wait_kernel_symbols(struct record_session *session)
{
    if (session->kernel_thread_running) {
        pthread_join(session->kernel_thread, NULL);
        session->kernel_thread_running = 0;
        session->kernel_symbols_read = 1;
    }
}

void record_session_add_build_id(struct record_session *session, int pid, const char *path,
                                 const uint8_t *build_id, size_t build_id_size)
{
    (void)pid;
    if (build_id_size == 0)
        return;
    if (session->kernel_thread_running) { /* it reads build_ids: let it finish first */
        pthread_join(session->kernel_thread, NULL);
        session->kernel_thread_running = 0;
        session->kernel_symbols_read = 1;
    }
    GROW(session->build_ids, session->build_id_capacity, session->build_id_count + 1);
    struct build_id_entry *entry = &session->build_ids[session->build_id_count++];
    entry->path = copy_string(path);
    entry->size = build_id_size < sizeof entry->id ? build_id_size : sizeof entry->id;
    memcpy(entry->id, build_id, entry->size);
}

/* The event a record belongs to: by its id, else the only (first) one. */
static const struct event *event_of(const struct record_session *session,
                                    const struct perf_event_header *record)
{
    if (session->event_count == 0)
        return NULL;
    if (session->event_count == 1)
        return &session->events[0];
    uint64_t id;
    if (perf_record_id(&session->events[0].attr, record, &id))
        for (size_t i = 0; i < session->event_count; i++)
            for (size_t j = 0; j < session->events[i].id_count; j++)
                if (session->events[i].ids[j] == id)
                    return &session->events[i];
    return &session->events[0];
}

/* ---- records in ---- */

static void resolve_live_file(struct record_session *session, const struct perf_mmap *mapping);

static int add_record(struct record_session *session, const struct perf_event_header *record,
                      int borrow);

int record_session_add_record(struct record_session *session, const struct perf_event_header *record)
{
    return add_record(session, record, 0);
}

int record_session_add_record_borrowed(struct record_session *session,
                                       const struct perf_event_header *record)
{
    return add_record(session, record, 1);
}

static int add_record(struct record_session *session, const struct perf_event_header *record,
                      int borrow)
{
    /* The decoders read fields in place: a misaligned record is first
     * copied to an aligned buffer (and then into the session). */
    uint64_t aligned[8192]; /* a record is less than 64 KiB */
    if (((uintptr_t)record & 7) != 0) {
        struct perf_event_header header;
        memcpy(&header, record, sizeof header);
        memcpy(aligned, record, header.size >= sizeof header ? header.size : sizeof header);
        record = (const struct perf_event_header *)(const void *)aligned;
        borrow = 0;
    }
    if (record->size < sizeof *record) {
        fprintf(stderr, "ember: a perf record of %u bytes (less than its header)\n", record->size);
        return -1;
    }
    const struct event *event = event_of(session, record);
    if (!event) {
        fprintf(stderr, "ember: a perf record before any event was declared\n");
        return -1;
    }
    if (session->index_count == 0)
        start_kernel_symbols(session); /* perf.data: its build ids are known by now */
    uint64_t time = session->last_time;
    const char *error = NULL;
    if (record->type == PERF_RECORD_SAMPLE) {
        struct perf_sample sample;
        if (perf_sample_parse(&event->attr, record, &sample, &error) < 0) {
            fprintf(stderr, "ember: perf sample record: %s\n", error);
            return -1;
        }
        if (sample.has_time)
            time = sample.time;
    } else if (record->type == PERF_RECORD_FORK || record->type == PERF_RECORD_EXIT) {
        struct perf_task task;
        if (perf_task_parse(record, &task, &error) < 0) {
            fprintf(stderr, "ember: perf record: %s\n", error);
            return -1;
        }
        time = task.time;
    } else {
        struct perf_sample_id trailer;
        if (perf_sample_id_parse(&event->attr, record, &trailer, &error) < 0) {
            fprintf(stderr, "ember: perf record of type %u: %s\n", record->type, error);
            return -1;
        }
        if (trailer.has_time)
            time = trailer.time;
    }
    if (!session->options.from_file &&
        (record->type == PERF_RECORD_MMAP || record->type == PERF_RECORD_MMAP2)) {
        struct perf_mmap mapping;
        if (perf_mmap_parse(&event->attr, record, &mapping, &error) == 0)
            resolve_live_file(session, &mapping);
    }
    session->last_time = time;
    if (session->index_count == session->index_capacity)
        GROW(session->index, session->index_capacity, session->index_count + 1);
    struct key_sort_item *entry = &session->index[session->index_count++];
    entry->key = time;
    if (borrow) {
        entry->value = (uint64_t)(uintptr_t)record;
        return 0;
    }
    entry->value = (uint64_t)session->byte_count << 1 | 1;
    size_t size = record->size;
    GROW(session->bytes, session->byte_capacity, session->byte_count + size + 8);
    memcpy(session->bytes + session->byte_count, record, size);
    /* Each copy starts 8-byte aligned (the decoders read u64 fields). */
    session->byte_count += (size + 7) & ~(size_t)7;
    return 0;
}

/* ---- threads and processes ---- */

static struct process *find_process(struct record_session *session, int pid)
{
    uint32_t *slot = id_table_slot(&session->process_table, pid);
    return *slot ? session->processes[*slot - 1] : NULL;
}

static struct process *new_process(struct record_session *session, int pid)
{
    struct process *process = xcalloc(1, sizeof *process);
    process->pid = pid;
    process->jit_module = UINT32_MAX;
    GROW(session->processes, session->process_capacity, session->process_count + 1);
    session->processes[session->process_count] = process;
    id_table_put(&session->process_table, pid, (uint32_t)session->process_count++);
    return process;
}

static struct process *get_process(struct record_session *session, int pid)
{
    struct process *process = find_process(session, pid);
    return process ? process : new_process(session, pid);
}

static struct thread *find_thread(struct record_session *session, int tid)
{
    uint32_t *slot = id_table_slot(&session->thread_table, tid);
    return *slot ? session->threads[*slot - 1] : NULL;
}

static void set_comm(struct thread *thread, const char *comm)
{
    free(thread->comm);
    thread->comm = copy_string(comm);
    thread->root_frame = UINT32_MAX;
    thread->timeline_thread = UINT32_MAX;
    thread->java = strncmp(comm, "java", 4) == 0;
}

/* A fresh thread (a FORK, or the first sight of an unknown tid). */
static struct thread *new_thread(struct record_session *session, int pid, int tid,
                                 const char *comm)
{
    struct thread *thread = xcalloc(1, sizeof *thread);
    thread->tid = tid;
    thread->pid = pid;
    char unknown[32];
    if (!comm) { /* perf's names: the idle task, else ":TID" */
        snprintf(unknown, sizeof unknown, ":%d", tid);
        comm = tid == 0 ? "swapper" : unknown;
    }
    set_comm(thread, comm);
    GROW(session->threads, session->thread_capacity, session->thread_count + 1);
    session->threads[session->thread_count] = thread;
    id_table_put(&session->thread_table, tid, (uint32_t)session->thread_count++);
    return thread;
}

static struct thread *get_thread(struct record_session *session, int pid, int tid)
{
    struct thread *thread = find_thread(session, tid);
    if (thread)
        return thread;
    return new_thread(session, pid, tid, NULL);
}

/* Inserts [start, end) into the process's sorted, disjoint list, cutting
 * away what it overlaps (a remapped range replaces the old one). */
static void insert_mapping(struct process *process, struct mapping mapping)
{
    struct mapping *list = process->mappings;
    size_t count = process->mapping_count;
    /* Room for the new one and a split of one old mapping. */
    GROW(process->mappings, process->mapping_capacity, count + 2);
    list = process->mappings;
    size_t kept = 0;
    struct mapping tail = {0, 0, 0, 0};
    int have_tail = 0;
    for (size_t i = 0; i < count; i++) {
        struct mapping old = list[i];
        if (old.end <= mapping.start || old.start >= mapping.end) {
            list[kept++] = old;
            continue;
        }
        if (old.end > mapping.end) { /* the part after the new mapping */
            tail = old;
            tail.file_offset += mapping.end - old.start;
            tail.start = mapping.end;
            have_tail = 1;
        }
        if (old.start < mapping.start) { /* the part before */
            old.end = mapping.start;
            list[kept++] = old;
        }
    }
    /* Insert in order. */
    size_t position = kept;
    while (position > 0 && list[position - 1].start > mapping.start)
        position--;
    memmove(list + position + 1, list + position, (kept - position) * sizeof *list);
    list[position] = mapping;
    kept++;
    if (have_tail) {
        size_t tail_position = kept;
        while (tail_position > 0 && list[tail_position - 1].start > tail.start)
            tail_position--;
        memmove(list + tail_position + 1, list + tail_position,
                (kept - tail_position) * sizeof *list);
        list[tail_position] = tail;
        kept++;
    }
    process->mapping_count = kept;
}

static const struct mapping *find_mapping(const struct process *process, uint64_t address)
{
    size_t low = 0, high = process->mapping_count;
    while (low < high) {
        size_t middle = low + (high - low) / 2;
        if (process->mappings[middle].start <= address)
            low = middle + 1;
        else
            high = middle;
    }
    if (low == 0)
        return NULL;
    const struct mapping *mapping = &process->mappings[low - 1];
    return address < mapping->end ? mapping : NULL;
}

/* ---- modules ---- */

static uint32_t add_module(struct record_session *session, enum module_kind kind, const char *path,
                           int pid)
{
    GROW(session->modules, session->module_capacity, session->module_count + 1);
    struct module *module = &session->modules[session->module_count];
    memset(module, 0, sizeof *module);
    module->kind = kind;
    module->path = copy_string(path);
    module->pid = pid;
    symbol_table_init(&module->jit);
    return (uint32_t)(FIRST_MODULE + session->module_count++);
}

/* perf's names: anonymous memory and "//anon"-like files are JIT code
 * named after the process's perf map; "[stack", "[heap]", "/SYSV" have no
 * file; "[vdso]" is the vDSO. */
static int is_anonymous(const char *path)
{
    return path[0] == '\0' || strcmp(path, "//anon") == 0 ||
           strncmp(path, "/dev/zero", 9) == 0 || strncmp(path, "/anon_hugepage", 14) == 0;
}

/* The identity MMAP2 (or /proc/PID/maps) recorded for a mapping; NULL
 * when unknown (MMAP, MMAP2 with a build id instead, anonymous memory). */
static const struct symbol_file_identity *mapping_identity(const struct perf_mmap *record,
                                                           struct symbol_file_identity *buffer)
{
    if (record->inode == 0)
        return NULL;
    *buffer = (struct symbol_file_identity){record->major, record->minor, record->inode};
    return buffer;
}

/* Whether a module of the right path is the file described: two files of
 * one path differ (containers: one path in two mount namespaces) when
 * their build ids, else their devices and inodes, say so. */
static int module_is_file(const struct module *module, const uint8_t *build_id,
                          size_t build_id_size, const struct symbol_file_identity *identity)
{
    if (build_id_size && module->build_id_size)
        return module->build_id_size == (build_id_size < 20 ? build_id_size : 20) &&
               memcmp(module->build_id, build_id, module->build_id_size) == 0;
    if (identity && module->has_identity)
        return module->identity.major == identity->major &&
               module->identity.minor == identity->minor &&
               module->identity.inode == identity->inode;
    return 1;
}

static uint32_t module_for_mapping(struct record_session *session, struct process *process,
                                   const char *path, int executable, const uint8_t *build_id,
                                   size_t build_id_size,
                                   const struct symbol_file_identity *identity)
{
    if (is_anonymous(path)) {
        if (!executable)
            return MODULE_UNKNOWN;
        if (process->jit_module == UINT32_MAX) {
            char name[64];
            snprintf(name, sizeof name, "/tmp/perf-%d.map", process->pid);
            process->jit_module = add_module(session, KIND_JIT, name, process->pid);
        }
        return process->jit_module;
    }
    enum module_kind kind = strcmp(path, "[vdso]") == 0 ? KIND_VDSO
                            : path[0] == '[' || strncmp(path, "/SYSV", 5) == 0 ? KIND_PSEUDO
                                                                                : KIND_FILE;
    /* Modules are shared by path and file (the recent ones first: a file
     * mapped again by the next process is usually the last one added). */
    for (size_t i = session->module_count, looked = 0; i-- > 0 && looked < 64; looked++) {
        struct module *module = &session->modules[i];
        if (module->kind == kind && strcmp(module->path, path) == 0 &&
            (kind != KIND_FILE || module_is_file(module, build_id, build_id_size, identity)))
            return (uint32_t)(FIRST_MODULE + i);
    }
    uint32_t id = add_module(session, kind, path, process->pid);
    struct module *module = &session->modules[id - FIRST_MODULE];
    if (build_id_size) {
        module->build_id_size = build_id_size < sizeof module->build_id ? build_id_size : 20;
        memcpy(module->build_id, build_id, module->build_id_size);
    }
    if (identity && kind == KIND_FILE) {
        module->identity = *identity;
        module->has_identity = 1;
    }
    return id;
}

/* "/proc/PID/root" + path, for a live process's own view of its files. */
static void rooted_path(char *buffer, size_t size, int pid, const char *path)
{
    snprintf(buffer, size, "/proc/%d/root%s", pid, path);
}

static void resolve_live_file(struct record_session *session, const struct perf_mmap *mapping)
{
    if (mapping->path[0] != '/' || !mapping->executable || is_anonymous(mapping->path))
        return;
    char open_path[4096 + 32];
    rooted_path(open_path, sizeof open_path, (int)mapping->pid, mapping->path);
    struct symbol_file_identity identity;
    symbol_file_cache_get(session->files, mapping->path, open_path, 1, mapping->build_id,
                          mapping->build_id_size, mapping_identity(mapping, &identity));
}

static void resolve_module(struct record_session *session, struct module *module)
{
    module->resolved = 1;
    if (module->kind == KIND_VDSO) {
        module->file = symbol_file_cache_vdso(session->files);
    } else if (module->kind == KIND_JIT) {
        char path[64];
        snprintf(path, sizeof path, "/tmp/perf-%d.map", module->pid);
        char rooted[128];
        rooted_path(rooted, sizeof rooted, module->pid, path);
        if (session->options.from_file || !jit_map_load(&module->jit, rooted))
            jit_map_load(&module->jit, path);
    } else if (module->kind == KIND_FILE) {
        const uint8_t *build_id = module->build_id_size ? module->build_id : NULL;
        size_t build_id_size = module->build_id_size;
        for (size_t i = 0; !build_id && i < session->build_id_count; i++)
            if (strcmp(session->build_ids[i].path, module->path) == 0) {
                build_id = session->build_ids[i].id;
                build_id_size = session->build_ids[i].size;
            }
        char open_path[4096 + 32];
        if (session->options.from_file)
            snprintf(open_path, sizeof open_path, "%s", module->path);
        else
            rooted_path(open_path, sizeof open_path, module->pid, module->path);
        module->file = symbol_file_cache_get(session->files, module->path, open_path, 0, build_id,
                                             build_id_size,
                                             module->has_identity ? &module->identity : NULL);
    }
}

/* ---- replaying records ---- */

static void apply_mmap(struct record_session *session, const struct perf_mmap *record)
{
    if ((int)record->pid == -1) {
        if (record->length && (!session->kernel_lowest_start ||
                               record->start < session->kernel_lowest_start))
            session->kernel_lowest_start = record->start;
        /* The kernel's own mapping, "[kernel.kallsyms]_text": its offset
         * is where that symbol was (kallsyms names kernel addresses). */
        static const char prefix[] = "[kernel.kallsyms]";
        if (strncmp(record->path, prefix, sizeof prefix - 1) == 0 &&
            record->path[sizeof prefix - 1] &&
            strlen(record->path + sizeof prefix - 1) < sizeof session->kernel_reloc_name) {
            strcpy(session->kernel_reloc_name, record->path + sizeof prefix - 1);
            session->kernel_reloc_address = record->file_offset;
        }
        return;
    }
    if (record->length == 0 || record->start + record->length < record->start)
        return;
    struct process *process = get_process(session, (int)record->pid);
    struct symbol_file_identity identity;
    uint32_t module = module_for_mapping(session, process, record->path, record->executable,
                                         record->build_id, record->build_id_size,
                                         mapping_identity(record, &identity));
    uint64_t file_offset = record->file_offset;
    struct module *described = module >= FIRST_MODULE ? &session->modules[module - FIRST_MODULE]
                                                      : NULL;
    if (described && (described->kind == KIND_JIT || described->kind == KIND_PSEUDO))
        file_offset = 0;
    insert_mapping(process, (struct mapping){record->start, record->start + record->length,
                                             file_offset, module});
    if (session->unwinder && record->executable)
        dwarf_unwinder_add_mapping(session->unwinder, (int)record->pid, record->start,
                                   record->length, record->file_offset, record->path);
}

static void apply_comm(struct record_session *session, const struct perf_comm *record)
{
    struct thread *thread = find_thread(session, (int)record->tid);
    if (!thread)
        thread = new_thread(session, (int)record->pid, (int)record->tid, record->comm);
    else
        set_comm(thread, record->comm);
    thread->pid = (int)record->pid;
    /* An exec keeps the old mappings, as perf does: the new image's MMAPs
     * replace what they overlap, and a sample taken inside execve() still
     * has its user stack in the old image. */
    if (record->exec && session->unwinder)
        dwarf_unwinder_forget(session->unwinder, (int)record->pid);
}

static void apply_fork(struct record_session *session, const struct perf_task *record)
{
    struct thread *parent = find_thread(session, (int)record->ptid);
    if (!parent)
        parent = find_thread(session, (int)record->ppid);
    const char *comm = parent ? parent->comm : NULL;
    struct thread *thread = find_thread(session, (int)record->tid);
    if (thread) {
        thread->pid = (int)record->pid;
        if (comm)
            set_comm(thread, comm);
    } else {
        thread = new_thread(session, (int)record->pid, (int)record->tid, comm);
    }
    if (record->pid != record->ppid) { /* a new process: a copy of the parent's mappings */
        struct process *source = find_process(session, (int)record->ppid);
        struct process *child = find_process(session, (int)record->pid);
        if (!child)
            child = new_process(session, (int)record->pid);
        child->mapping_count = 0;
        child->jit_module = UINT32_MAX;
        if (source && source != child) {
            GROW(child->mappings, child->mapping_capacity, source->mapping_count);
            for (size_t i = 0; i < source->mapping_count; i++) {
                struct mapping mapping = source->mappings[i];
                if (mapping.module == source->jit_module) /* the child's own map file */
                    mapping.module = module_for_mapping(session, child, "//anon", 1, NULL, 0,
                                                        NULL);
                child->mappings[child->mapping_count++] = mapping;
            }
        }
        if (session->unwinder)
            dwarf_unwinder_fork(session->unwinder, (int)record->ppid, (int)record->pid);
    }
}

/* ---- naming frames ---- */

static struct frame_slot *frame_slot_find(struct record_session *session, uint32_t module_java,
                                          uint64_t address)
{
    size_t position = hash_mix64(address * 31 + module_java) & session->frame_slot_mask;
    for (;;) {
        struct frame_slot *slot = &session->frame_slots[position];
        if (slot->module_java == UINT32_MAX ||
            (slot->module_java == module_java && slot->address == address))
            return slot;
        position = (position + 1) & session->frame_slot_mask;
    }
}

static void frame_slots_grow(struct record_session *session)
{
    struct frame_slot *old = session->frame_slots;
    size_t old_count = session->frame_slot_mask + 1;
    session->frame_slot_mask = old_count * 2 - 1;
    session->frame_slots = xmalloc(old_count * 2 * sizeof *session->frame_slots);
    for (size_t i = 0; i < old_count * 2; i++)
        session->frame_slots[i].module_java = UINT32_MAX;
    for (size_t i = 0; i < old_count; i++)
        if (old[i].module_java != UINT32_MAX)
            *frame_slot_find(session, old[i].module_java, old[i].address) = old[i];
    free(old);
}

static char *text_reserve(struct record_session *session, size_t size)
{
    if (size > session->text_capacity)
        GROW(session->text, session->text_capacity, size);
    return session->text;
}

/* Kernel symbols: the copy of kallsyms perf's build-id cache keeps for the
 * recorded kernel ($HOME/.debug/[kernel.kallsyms]/ID/kallsyms, a plain
 * file: reading /proc/kallsyms costs the kernel ~40 ms of formatting),
 * else /proc/kallsyms. Either is relocated as perf relocates it: the
 * kernel mapping record says where its reference symbol (_text) was when
 * recorded, so a kallsyms of another boot (KASLR) still names addresses. */
static void read_kernel_symbols(struct record_session *session)
{
    size_t count = 0;
    const char *home = getenv("HOME");
    for (size_t i = 0; i < session->build_id_count && !count && home && *home; i++) {
        const struct build_id_entry *entry = &session->build_ids[i];
        if (strcmp(entry->path, "[kernel.kallsyms]") != 0)
            continue;
        char path[4096];
        int length = snprintf(path, sizeof path, "%s/.debug/[kernel.kallsyms]/", home);
        for (size_t j = 0; j < entry->size && length > 0 && length < (int)sizeof path - 16; j++)
            length += snprintf(path + length, sizeof path - (size_t)length, "%02x", entry->id[j]);
        if (length > 0 && length < (int)sizeof path - 16) {
            snprintf(path + length, sizeof path - (size_t)length, "/kallsyms");
            count = kallsyms_load(&session->kernel, path);
        }
        if (!count) {
            kallsyms_free(&session->kernel);
                }
    }
    if (!count && !kallsyms_load(&session->kernel, "/proc/kallsyms"))
        kallsyms_free(&session->kernel);
}

static void *kernel_symbols_thread(void *argument)
{
    read_kernel_symbols(argument);
    return NULL;
}

/* Starts reading the kernel's symbols on a thread of their own (reading
 * /proc/kallsyms is tens of milliseconds of kernel time), when an event
 * samples the kernel: during the recording (live), or while the records
 * are read (perf.data, once its build ids are known). */
static void start_kernel_symbols(struct record_session *session)
{
    if (session->kernel_loaded || session->kernel_thread_running ||
        session->kernel_symbols_read || !session->options.include_kernel)
        return;
    int kernel_sampled = 0;
    for (size_t i = 0; i < session->event_count; i++)
        kernel_sampled |= !session->events[i].attr.exclude_kernel;
    if (kernel_sampled &&
        pthread_create(&session->kernel_thread, NULL, kernel_symbols_thread, session) == 0)
        session->kernel_thread_running = 1;
}

/* The kernel's symbols, once: from the thread, else read now; then
 * relocated. */
static void load_kernel_symbols(struct record_session *session)
{
    session->kernel_loaded = 1;
    if (session->kernel_thread_running) {
        pthread_join(session->kernel_thread, NULL);
        session->kernel_thread_running = 0;
    } else if (!session->kernel_symbols_read) {
        read_kernel_symbols(session);
    }
    uint64_t loaded;
    if (session->kernel_reloc_name[0] &&
        kallsyms_find_name(&session->kernel, session->kernel_reloc_name, &loaded))
        session->kernel_delta = session->kernel_reloc_address - loaded;
}

/* Builds the line perf script prints for one address, "ADDRESS SYMBOL+0xOFF
 * (MODULE)", and names it as the text pipeline would: matched with
 * stackcollapse-perf.pl's regex (a module path holding " (" splits where
 * the perl splits it), then perf_frames.c's rules. */
static void name_frames_n(struct record_session *session, uint64_t shown_address,
                          const char *module_name, const char *symbol, size_t symbol_length,
                          uint64_t symbol_offset, int java)
{
    size_t capacity = (symbol ? symbol_length : 9) + strlen(module_name) + 64;
    char *line = text_reserve(session, capacity);
    int length;
    if (symbol)
        length = snprintf(line, capacity, "%" PRIx64 " %.*s+0x%" PRIx64 " (%s)", shown_address,
                          (int)symbol_length, symbol, symbol_offset, module_name);
    else
        length = snprintf(line, capacity, "%" PRIx64 " [unknown] (%s)", shown_address,
                          module_name);
    struct perf_frame_text text;
    size_t text_start;
    int backtracked;
    if (length < 0 || (size_t)length >= capacity ||
        !perf_stack_line_match(line, (size_t)length, &text, &text_start, &backtracked))
        return; /* perl would not take the line as a frame */
    perf_frame_namer_build(&session->namer, &text, java, &session->frame_pool,
                           &session->frame_pool_count, &session->frame_pool_capacity);
}

static void name_frames(struct record_session *session, uint64_t shown_address,
                        const char *module_name, const char *symbol, uint64_t symbol_offset,
                        int java)
{
    name_frames_n(session, shown_address, module_name, symbol, symbol ? strlen(symbol) : 0,
                  symbol_offset, java);
}

/* perf's unwind_entry(): an address of a DWARF-unwound chain shows its
 * inlined functions as binutils' addr2line -i -f names them (addr2line.h:
 * perf 6.1 asks that very program), innermost first; a level whose name is
 * the ELF symbol's prints as the symbol in its module, the others with
 * "(inlined)" for the module. Returns 0 when addr2line is missing or says
 * nothing (the plain line is used then). */
static int name_inlined_frames(struct record_session *session, struct module *module,
                               uint64_t file_address, const char *symbol, uint64_t symbol_offset,
                               int java)
{
    if (!session->addr2line_tried) {
        session->addr2line_tried = 1;
        session->addr2line = addr2line_runner_create();
    }
    if (!session->addr2line)
        return 0;
    const char *const *names;
    size_t count = addr2line_lookup(session->addr2line, module->path, file_address, &names);
    if (count == 0)
        return 0;
    /* Outermost level first (root-first); each named as perf's
     * new_inline_sym() does: the symbol itself when the (demangled) name
     * is the symbol's, else an "(inlined)" frame of that name. */
    for (size_t i = count; i-- > 0;) {
        char *demangled = symbol_demangle(names[i]);
        const char *name = demangled ? demangled : names[i];
        int real = strcmp(name, symbol) == 0;
        name_frames(session, file_address, real ? module->path : "inlined", name, symbol_offset,
                    java);
        free(demangled);
    }
    return 1;
}

/* The frames (root-first) of one callchain address, from the cache or
 * named now. kernel: the address is a kernel one. */
/* Whether an address in a chain's kernel part is the kernel's. A user
 * stack's garbage can hold PERF_CONTEXT_KERNEL's value, and perf then reads
 * the user addresses after it as kernel ones; finding no kernel mapping at
 * them, it names them [unknown]. So: at or above the lowest kernel-side
 * mapping perf recorded, else (no such record: a live recording) in the
 * upper half of the address space. */
static int kernel_address(const struct record_session *session, uint64_t address)
{
    if (session->kernel_lowest_start)
        return address >= session->kernel_lowest_start;
    return address >> 63 != 0;
}

static void frames_of_address(struct record_session *session, struct process *process,
                              int kernel, int dwarf, uint64_t address, int java, uint32_t *first,
                              uint32_t *count)
{
    uint32_t module_id = MODULE_UNKNOWN;
    const struct mapping *mapping = NULL;
    if (kernel) {
        if (kernel_address(session, address))
            module_id = MODULE_KERNEL;
    } else if (process && (mapping = find_mapping(process, address)) != NULL) {
        module_id = mapping->module;
    }
    uint32_t module_java = module_id << 2 | (uint32_t)(dwarf != 0) << 1 | (uint32_t)(java != 0);
    /* The cache key is the address in the module's own terms. */
    uint64_t key = address;
    struct module *module = module_id >= FIRST_MODULE ? &session->modules[module_id - FIRST_MODULE]
                                                      : NULL;
    if (module && (module->kind == KIND_FILE || module->kind == KIND_VDSO))
        key = address - mapping->start + mapping->file_offset;
    struct frame_slot *slot = frame_slot_find(session, module_java, key);
    if (slot->module_java != UINT32_MAX) {
        *first = slot->first;
        *count = slot->count;
        return;
    }
    size_t before = session->frame_pool_count;
    if (module_id == MODULE_KERNEL) {
        if (!session->kernel_loaded)
            load_kernel_symbols(session);
        uint64_t lookup = address - session->kernel_delta;
        const char *name;
        size_t name_length;
        uint64_t offset;
        if (kallsyms_lookup(&session->kernel, lookup, &name, &name_length, &offset))
            name_frames_n(session, address, "[kernel.kallsyms]", name, name_length, offset, java);
        else
            name_frames(session, address, "[kernel.kallsyms]", NULL, 0, java);
    } else if (!module) {
        name_frames(session, address, "[unknown]", NULL, 0, java);
    } else {
        if (!module->resolved)
            resolve_module(session, module);
        const char *symbol = NULL;
        uint64_t symbol_offset = 0;
        uint64_t shown = address;
        if (module->kind == KIND_JIT) {
            const struct symbol_entry *entry = symbol_table_find(&module->jit, address);
            if (entry) {
                symbol = symbol_table_name(&module->jit, entry);
                symbol_offset = address - entry->start;
            }
        } else if (module->kind == KIND_FILE || module->kind == KIND_VDSO) {
            shown = key;
            if (module->file)
                symbol = symbol_file_lookup(module->file, key, &symbol_offset);
        }
        if (!(dwarf && symbol && module->kind == KIND_FILE &&
              name_inlined_frames(session, module, key, symbol, symbol_offset, java)))
            name_frames(session, shown, module->path, symbol, symbol_offset, java);
    }
    if ((session->frame_slot_used + 1) * 2 > session->frame_slot_mask + 1) {
        frame_slots_grow(session);
        slot = frame_slot_find(session, module_java, key);
    }
    slot->module_java = module_java;
    slot->address = key;
    slot->first = (uint32_t)before;
    slot->count = (uint32_t)(session->frame_pool_count - before);
    session->frame_slot_used++;
    *first = slot->first;
    *count = slot->count;
}

/* The root frame and timeline thread of a thread, from the header perf
 * script prints ("COMM TID ..."), matched as stackcollapse-perf.pl does. */
static void name_thread(struct record_session *session, struct thread *thread)
{
    size_t comm_length = strlen(thread->comm);
    char *line = text_reserve(session, comm_length + 64);
    int length = session->options.real_process_ids
                     ? snprintf(line, comm_length + 64, "%s %d/%d 0.000000: ", thread->comm,
                                thread->pid, thread->tid)
                     : snprintf(line, comm_length + 64, "%s %d 0.000000: ", thread->comm,
                                thread->tid);
    struct perf_header_fields header;
    const char *comm = thread->comm, *pid = "?", *tid = NULL;
    size_t pid_length = 1, tid_length = 0;
    char tid_text[16];
    if (perf_header_match(line, (size_t)length, &header)) {
        comm_length = header.comm_length;
        if (header.tid_length == 0 || (header.tid_length == 1 && header.tid[0] == '0')) {
            tid = header.pid;
            tid_length = header.pid_length;
        } else {
            pid = header.pid;
            pid_length = header.pid_length;
            tid = header.tid;
            tid_length = header.tid_length;
        }
        /* The spans point into line, which is about to be reused. */
        static const size_t limit = sizeof tid_text - 1;
        if (tid_length > limit)
            tid_length = limit;
        memcpy(tid_text, tid, tid_length);
        tid = tid_text;
    } else {
        tid_length = (size_t)snprintf(tid_text, sizeof tid_text, "%d", thread->tid);
        tid = tid_text;
    }
    char pid_text[16];
    if (pid_length > sizeof pid_text - 1)
        pid_length = sizeof pid_text - 1;
    memcpy(pid_text, pid, pid_length);
    size_t capacity = comm_length + pid_length + tid_length + 4;
    char *name = xmalloc(capacity);
    size_t name_length = comm_length;
    memcpy(name, comm, comm_length);
    if (session->options.root_with_pid || session->options.root_with_tid) {
        name[name_length++] = '-';
        memcpy(name + name_length, pid_text, pid_length);
        name_length += pid_length;
        if (session->options.root_with_tid) {
            name[name_length++] = '/';
            memcpy(name + name_length, tid_text, tid_length);
            name_length += tid_length;
        }
    }
    for (size_t i = 0; i < name_length; i++)
        if (name[i] == ' ')
            name[i] = '_';
    thread->root_frame = perf_frame_for_name(session->profile, name, name_length);
    /* The timeline's thread: "comm PID/TID", or "comm TID" without a pid. */
    name_length = comm_length;
    memcpy(name, comm, comm_length);
    name[name_length++] = ' ';
    if (!(pid_length == 1 && pid_text[0] == '?')) {
        memcpy(name + name_length, pid_text, pid_length);
        name_length += pid_length;
        name[name_length++] = '/';
    }
    memcpy(name + name_length, tid_text, tid_length);
    name_length += tid_length;
    thread->timeline_thread = profile_intern(session->profile, name, name_length);
    free(name);
}

/* Whether samples of this event are kept (event filters, else the event
 * of the first sample, as `ember collapse` keeps). */
static int event_kept(struct record_session *session, const struct event *event)
{
    const struct record_session_options *options = &session->options;
    int have_filter = 0;
    for (size_t i = 0; i < options->event_filter_count; i++) {
        if (!options->event_filters[i] || !options->event_filters[i][0])
            continue;
        have_filter = 1;
        if (strcmp(options->event_filters[i], event->name) == 0)
            return 1;
    }
    if (have_filter)
        return 0;
    if (!session->kept_event) {
        session->kept_event = event;
        return 1;
    }
    if (session->kept_event == event || strcmp(session->kept_event->name, event->name) == 0)
        return 1;
    if (!session->filter_notice_printed) {
        fprintf(stderr, "Filtering for events of type: %s\n", event->name);
        session->filter_notice_printed = 1;
    }
    return 0;
}

static void push_frames(struct record_session *session, uint32_t first, uint32_t count)
{
    if (session->stack_count + count > session->stack_capacity)
        GROW(session->stack, session->stack_capacity, session->stack_count + count);
    memcpy(session->stack + session->stack_count, session->frame_pool + first,
           count * sizeof *session->stack);
    session->stack_count += count;
}

struct chain_entry {
    uint64_t address;
    int kernel, dwarf;
};

/* Whether an event's samples carry an LBR call stack
 * (`perf record --call-graph lbr`): branch entries recorded as a call
 * stack beside the callchain. */
static int lbr_call_stack(const struct event *event)
{
    return (event->attr.sample_type & PERF_SAMPLE_CALLCHAIN) &&
           (event->attr.sample_type & PERF_SAMPLE_BRANCH_STACK) &&
           (event->attr.branch_sample_type & PERF_SAMPLE_BRANCH_CALL_STACK);
}

/* perf's rule for an LBR call stack (its resolve_lbr_callchain_sample):
 * when the callchain has a user part (a PERF_CONTEXT_USER marker), the
 * callchain is used up to that marker (the kernel part) and the user part
 * comes from the branch entries instead: the first entry's target (the
 * leaf function, where the last call went), then every entry's source
 * (the call instructions, innermost first); addresses as they are (calls,
 * not return addresses). Returns 1 when the rule applies, with
 * *chain_used the callchain words to use (the marker included); else 0
 * (no marker: perf then reads the callchain alone). */
static int lbr_user_part(const struct event *event, const struct perf_sample *sample,
                         uint64_t *chain_used)
{
    *chain_used = sample->callchain_count;
    if (!lbr_call_stack(event) || !sample->branches)
        return 0;
    for (uint64_t i = 0; i < sample->callchain_count; i++) {
        uint64_t word;
        memcpy(&word, sample->callchain + i, sizeof word);
        if (word == (uint64_t)PERF_CONTEXT_USER) {
            *chain_used = i + 1;
            return 1;
        }
    }
    return 0;
}

/* The profile node of a sample's stack: its addresses named (each
 * through the frame cache) under the thread's root frame. kernel: the
 * sample was taken in the kernel. */
static uint32_t name_chain(struct record_session *session, const struct event *event,
                           const struct perf_sample *sample_pointer, struct thread *thread,
                           int kernel)
{
    const struct perf_sample sample = *sample_pointer;
    struct record_session_stats *stats = &session->stats;
    struct process *process = find_process(session, (int)sample.pid);
    /* The addresses, leaf first, with their context. */
    struct chain_entry entries[MAX_FRAMES];
    size_t entry_count = 0, user_from = SIZE_MAX;
    int from_lbr = 0;
    if (event->attr.sample_type & PERF_SAMPLE_CALLCHAIN) {
        int context_valid = 1;
        uint64_t chain_used;
        from_lbr = lbr_user_part(event, &sample, &chain_used);
        for (uint64_t i = 0; i < chain_used && entry_count < MAX_FRAMES; i++) {
            uint64_t address;
            memcpy(&address, sample.callchain + i, sizeof address);
            if (address >= (uint64_t)PERF_CONTEXT_MAX) {
                if (address == (uint64_t)PERF_CONTEXT_KERNEL)
                    kernel = 1;
                else if (address == (uint64_t)PERF_CONTEXT_USER)
                    kernel = 0;
                else if (address == (uint64_t)PERF_CONTEXT_HV)
                    kernel = 2;
                else {
                    context_valid = 0; /* perf drops a chain with a bad context */
                    break;
                }
                continue;
            }
            if (kernel == 2)
                continue;
            if (kernel && !session->options.include_kernel)
                continue;
            if (!kernel && user_from == SIZE_MAX)
                user_from = entry_count;
            entries[entry_count++] = (struct chain_entry){address, kernel, 0};
        }
        if (!context_valid) {
            entry_count = 0, user_from = SIZE_MAX;
            from_lbr = 0;
        }
        /* The user part from the LBR call stack: the last call's target,
         * then each call's source. (With no entries perf 6.1 reads an
         * entry past the stack; nothing is shown here.) */
        for (uint64_t i = 0; from_lbr && sample.branch_count && i <= sample.branch_count &&
                             entry_count < MAX_FRAMES;
             i++) {
            uint64_t address;
            if (i == 0)
                memcpy(&address, sample.branches + 1, sizeof address); /* entries[0].to */
            else
                memcpy(&address, sample.branches + (i - 1) * 3, sizeof address); /* .from */
            if (user_from == SIZE_MAX)
                user_from = entry_count;
            entries[entry_count++] = (struct chain_entry){address, 0, 0};
        }
    } else if (!(kernel && !session->options.include_kernel)) {
        entries[entry_count++] = (struct chain_entry){sample.ip, kernel, 0};
        if (!kernel)
            user_from = 0;
    }
    /* A copied user stack: the unwound chain when it reaches further. */
    if (session->unwinder && sample.stack && sample.regs && sample.regs_abi && !from_lbr) {
        uint64_t frames[MAX_DWARF_FRAMES];
        size_t unwound = dwarf_unwind(session->unwinder, (int)sample.pid, sample.regs_mask,
                                      sample.regs, sample.stack, (size_t)sample.stack_size,
                                      frames, MAX_DWARF_FRAMES);
        size_t chain_user = user_from == SIZE_MAX ? 0 : entry_count - user_from;
        if (unwound > chain_user) {
            if (user_from != SIZE_MAX)
                entry_count = user_from;
            for (size_t i = 0; i < unwound && entry_count < MAX_FRAMES; i++)
                entries[entry_count++] =
                    (struct chain_entry){i == 0 ? frames[i] : frames[i] - 1, 0, 1};
            stats->dwarf_unwound++;
        }
    }
    /* Frames root-first: entries outermost first, each entry's frames as
     * they come (root-first). */
    session->stack_count = 0;
    for (size_t i = entry_count; i-- > 0;) {
        uint32_t first, count;
        frames_of_address(session, process, entries[i].kernel, entries[i].dwarf,
                          entries[i].address, thread->java, &first, &count);
        push_frames(session, first, count);
    }
    struct profile *profile = session->profile;
    uint32_t node = profile_child(profile, PROFILE_ROOT, thread->root_frame);
    for (size_t i = 0; i < session->stack_count; i++)
        node = profile_child(profile, node, session->stack[i]);
    return node;
}

/* ---- chains already named ---- */

enum { CHAIN_KEY_HEADER = 2, CHAIN_SLOT_LIMIT = 1 << 21 };

/* The key of a sample's chain (see struct chain_slot): the two header
 * words, then words[0 .. count), then extra[0 .. extra_count) (an LBR
 * call stack's branch entries; the header holds count, so the split is
 * part of the key). */
struct chain_key {
    uint64_t header[CHAIN_KEY_HEADER];
    const uint64_t *words;
    size_t count;
    const uint64_t *extra;
    size_t extra_count;
    uint64_t hash;
};

static void chain_key_make(struct chain_key *key, const struct event *event,
                           const struct perf_sample *sample, const struct thread *thread,
                           int kernel)
{
    key->header[0] = (uint64_t)sample->pid << 32 | thread->root_frame;
    key->extra = NULL;
    key->extra_count = 0;
    if (event->attr.sample_type & PERF_SAMPLE_CALLCHAIN) {
        key->words = sample->callchain;
        key->count = (size_t)sample->callchain_count;
        if (lbr_call_stack(event) && sample->branches) {
            key->extra = sample->branches;
            key->extra_count = (size_t)sample->branch_count * 3;
        }
    } else {
        key->words = &sample->ip;
        key->count = 1;
    }
    key->header[1] = (uint64_t)(thread->java != 0) | (uint64_t)(kernel != 0) << 1 |
                     (uint64_t)key->count << 2;
    uint64_t hash = key->header[0] * 0x9e3779b97f4a7c15u ^ key->header[1];
    for (size_t i = 0; i < key->count + key->extra_count; i++) {
        uint64_t word;
        memcpy(&word, i < key->count ? key->words + i : key->extra + (i - key->count),
               sizeof word);
        hash = ((hash << 7 | hash >> 57) ^ word) * 0x9e3779b97f4a7c15u;
    }
    key->hash = hash_mix64(hash ^ (key->count + key->extra_count));
}

static int chain_slot_matches(const struct record_session *session, const struct chain_slot *slot,
                              const struct chain_key *key)
{
    if (slot->hash != key->hash ||
        slot->word_count != CHAIN_KEY_HEADER + key->count + key->extra_count)
        return 0;
    const uint64_t *words = session->chain_words + slot->first;
    return words[0] == key->header[0] && words[1] == key->header[1] &&
           memcmp(words + CHAIN_KEY_HEADER, key->words, key->count * sizeof *words) == 0 &&
           (key->extra_count == 0 ||
            memcmp(words + CHAIN_KEY_HEADER + key->count, key->extra,
                   key->extra_count * sizeof *words) == 0);
}

/* The slot of key: its own, or the empty one where it would go. */
static struct chain_slot *chain_slot_find(struct record_session *session,
                                          const struct chain_key *key)
{
    size_t position = key->hash & session->chain_slot_mask;
    for (;;) {
        struct chain_slot *slot = &session->chain_slots[position];
        if (slot->word_count == 0 || chain_slot_matches(session, slot, key))
            return slot;
        position = (position + 1) & session->chain_slot_mask;
    }
}

static void chain_slots_grow(struct record_session *session)
{
    struct chain_slot *old = session->chain_slots;
    size_t old_count = old ? session->chain_slot_mask + 1 : 0;
    size_t new_count = old_count ? old_count * 2 : 1024;
    session->chain_slots = xcalloc(new_count, sizeof *session->chain_slots);
    session->chain_slot_mask = new_count - 1;
    for (size_t i = 0; i < old_count; i++) {
        if (old[i].word_count == 0)
            continue;
        size_t position = old[i].hash & session->chain_slot_mask;
        while (session->chain_slots[position].word_count != 0)
            position = (position + 1) & session->chain_slot_mask;
        session->chain_slots[position] = old[i];
    }
    free(old);
}

/* Remembers that key names node (in a new slot, or refreshing a slot of
 * an earlier generation). */
static void chain_slot_store(struct record_session *session, struct chain_slot *slot,
                             const struct chain_key *key, uint32_t node)
{
    if (slot->word_count == 0) {
        size_t words = CHAIN_KEY_HEADER + key->count + key->extra_count;
        if (session->chain_slot_used >= CHAIN_SLOT_LIMIT || words > UINT32_MAX ||
            session->chain_word_count + words > UINT32_MAX)
            return; /* enough remembered: the rest are named each time */
        if (session->chain_word_count + words > session->chain_word_capacity)
            GROW(session->chain_words, session->chain_word_capacity,
                 session->chain_word_count + words);
        uint64_t *stored = session->chain_words + session->chain_word_count;
        memcpy(stored, key->header, sizeof key->header);
        memcpy(stored + CHAIN_KEY_HEADER, key->words, key->count * sizeof *stored);
        if (key->extra_count)
            memcpy(stored + CHAIN_KEY_HEADER + key->count, key->extra,
                   key->extra_count * sizeof *stored);
        slot->hash = key->hash;
        slot->first = (uint32_t)session->chain_word_count;
        slot->word_count = (uint32_t)words;
        session->chain_word_count += words;
        session->chain_slot_used++;
    }
    slot->node = node;
    slot->generation = session->generation;
    if (session->chain_slot_used * 2 > session->chain_slot_mask + 1)
        chain_slots_grow(session);
}

static void apply_sample(struct record_session *session, const struct event *event,
                         const struct perf_event_header *record)
{
    struct perf_sample sample;
    const char *error;
    if (perf_sample_parse(&event->attr, record, &sample, &error) < 0)
        return; /* checked when added */
    /* perf script prints a tracepoint's fields after its name, so the
     * header does not end in "event:" and stackcollapse-perf.pl sees no
     * event there: the sample is kept whatever the filter, with weight 1. */
    int tracepoint = event->attr.type == PERF_TYPE_TRACEPOINT;
    if (!tracepoint && !event_kept(session, event)) {
        session->stats.filtered_samples++;
        return;
    }
    struct record_session_stats *stats = &session->stats;
    if (sample.has_time) {
        if (stats->samples == 0 || sample.time < stats->first_time_ns)
            stats->first_time_ns = sample.time;
        if (sample.time > stats->last_time_ns)
            stats->last_time_ns = sample.time;
    }
    stats->samples++;
    struct thread *thread = get_thread(session, (int)sample.pid, (int)sample.tid);
    if (thread->root_frame == UINT32_MAX)
        name_thread(session, thread);
    int kernel = (record->misc & PERF_RECORD_MISC_CPUMODE_MASK) == PERF_RECORD_MISC_KERNEL;
    /* Most samples repeat a chain seen before: its node is remembered,
     * unless a copied user stack is to be unwound (the stack bytes, not
     * the chain, decide the frames then). */
    uint32_t node;
    if (session->unwinder && sample.stack && sample.regs && sample.regs_abi) {
        node = name_chain(session, event, &sample, thread, kernel);
    } else {
        struct chain_key key;
        chain_key_make(&key, event, &sample, thread, kernel);
        if (!session->chain_slots)
            chain_slots_grow(session);
        struct chain_slot *slot = chain_slot_find(session, &key);
        if (slot->word_count != 0 && slot->generation == session->generation) {
            node = slot->node;
        } else {
            node = name_chain(session, event, &sample, thread, kernel);
            chain_slot_store(session, slot, &key, node);
        }
    }
    struct profile *profile = session->profile;
    double value = !tracepoint && sample.has_period && sample.period ? (double)sample.period : 1;
    profile_add_value(profile, node, session->sample_type, value);
    if (session->options.keep_timeline) {
        /* perf script's "secs.usecs", unless the event is a tracepoint
         * (the text reader finds no event, hence no time, on its line). */
        double time = sample.has_time && !tracepoint ? (double)(sample.time / 1000) / 1e6 : NAN;
        profile_timeline_append(profile, time, thread->timeline_thread, node, value);
    }
}

int record_session_finish(struct record_session *session)
{
    /* (time, arrival) order: the sort is stable. */
    key_sort(session->index, session->index_count);
    session->generation++; /* processes may have been added since the last call */
    for (size_t i = 0; i < session->index_count; i++) {
        uint64_t location = session->index[i].value;
        const uint8_t *bytes = location & 1 ? session->bytes + (location >> 1)
                                            : (const uint8_t *)(uintptr_t)location;
        const struct perf_event_header *record =
            (const struct perf_event_header *)(const void *)bytes;
        const struct event *event = event_of(session, record);
        const char *error;
        switch (record->type) {
        case PERF_RECORD_SAMPLE:
            apply_sample(session, event, record);
            break;
        case PERF_RECORD_MMAP:
        case PERF_RECORD_MMAP2: {
            session->generation++; /* remembered chains may now mean other frames */
            struct perf_mmap mapping;
            if (perf_mmap_parse(&event->attr, record, &mapping, &error) == 0)
                apply_mmap(session, &mapping);
            break;
        }
        case PERF_RECORD_COMM: {
            session->generation++;
            struct perf_comm comm;
            if (perf_comm_parse(&event->attr, record, &comm, &error) == 0)
                apply_comm(session, &comm);
            break;
        }
        case PERF_RECORD_FORK: {
            session->generation++;
            struct perf_task task;
            if (perf_task_parse(record, &task, &error) == 0)
                apply_fork(session, &task);
            break;
        }
        case PERF_RECORD_LOST: {
            uint64_t lost;
            if (perf_lost_parse(record, &lost, &error) == 0)
                session->stats.lost_records += lost;
            break;
        }
        case PERF_RECORD_LOST_SAMPLES: {
            uint64_t lost;
            if (perf_lost_parse(record, &lost, &error) == 0)
                session->stats.lost_samples += lost;
            break;
        }
        case PERF_RECORD_THROTTLE:
            session->stats.throttles++;
            break;
        case PERF_RECORD_UNTHROTTLE:
            session->stats.unthrottles++;
            break;
        case PERF_RECORD_EXIT: {
            /* The process table keeps the thread (its name is still needed
             * for samples already ordered before this record), but the
             * unwinder forgets an exited process's mappings: its pid may be
             * reused. Replay is in time order: its samples came before. */
            struct perf_task task;
            if (session->unwinder && perf_task_parse(record, &task, &error) == 0 &&
                task.pid == task.tid)
                dwarf_unwinder_forget(session->unwinder, (int)task.pid);
            break;
        }
        default:
            break;
        }
    }
    /* The records are replayed; later calls start afresh. */
    session->index_count = 0;
    session->byte_count = 0;
    return 0;
}

/* ---- processes alive before recording ---- */

static char *read_small_file(const char *path, size_t *length)
{
    FILE *file = fopen(path, "re");
    if (!file)
        return NULL;
    char *text = NULL;
    size_t used = 0, capacity = 0;
    for (;;) {
        GROW(text, capacity, used + 16384);
        size_t got = fread(text + used, 1, capacity - used - 1, file);
        if (got == 0)
            break;
        used += got;
    }
    fclose(file);
    text[used] = '\0';
    *length = used;
    return text;
}

static void strip_newline(char *text)
{
    size_t length = strlen(text);
    if (length > 0 && text[length - 1] == '\n')
        text[length - 1] = '\0';
}

int record_session_add_existing_process(struct record_session *session, int pid)
{
    char path[128];
    size_t length;
    snprintf(path, sizeof path, "/proc/%d/comm", pid);
    char *comm = read_small_file(path, &length);
    snprintf(path, sizeof path, "/proc/%d/maps", pid);
    char *maps = read_small_file(path, &length);
    if (!comm || !maps) {
        free(comm);
        free(maps);
        return -1;
    }
    strip_newline(comm);
    get_process(session, pid); /* known even without executable mappings */
    /* Threads, each with its own name. */
    snprintf(path, sizeof path, "/proc/%d/task", pid);
    DIR *tasks = opendir(path);
    int saw_main = 0;
    if (tasks) {
        struct dirent *entry;
        while ((entry = readdir(tasks)) != NULL) {
            char *end;
            long tid = strtol(entry->d_name, &end, 10);
            if (*end || tid <= 0)
                continue;
            char task_path[160];
            snprintf(task_path, sizeof task_path, "/proc/%d/task/%ld/comm", pid, tid);
            size_t task_length;
            char *task_comm = read_small_file(task_path, &task_length);
            if (task_comm)
                strip_newline(task_comm);
            struct thread *thread = find_thread(session, (int)tid);
            if (thread) {
                set_comm(thread, task_comm ? task_comm : comm);
                thread->pid = pid;
            } else {
                new_thread(session, pid, (int)tid, task_comm ? task_comm : comm);
            }
            saw_main |= tid == pid;
            free(task_comm);
        }
        closedir(tasks);
    }
    if (!saw_main) {
        struct thread *thread = find_thread(session, pid);
        if (thread)
            set_comm(thread, comm);
        else
            new_thread(session, pid, pid, comm);
    }
    /* Mappings, as perf synthesizes them: executable ones. */
    for (char *line = maps; *line;) {
        char *newline = strchr(line, '\n');
        if (newline)
            *newline = '\0';
        unsigned long long start, end, offset, inode = 0;
        unsigned major = 0, minor = 0;
        char permissions[8];
        int path_at = 0;
        if (sscanf(line, "%llx-%llx %7s %llx %x:%x %llu %n", &start, &end, permissions, &offset,
                   &major, &minor, &inode, &path_at) >= 4 &&
            strlen(permissions) >= 3 && permissions[2] == 'x') {
            const char *file = path_at > 0 ? line + path_at : "";
            struct perf_mmap mapping;
            memset(&mapping, 0, sizeof mapping);
            mapping.pid = mapping.tid = (uint32_t)pid;
            mapping.start = start;
            mapping.length = end - start;
            mapping.file_offset = offset;
            mapping.prot = 5; /* PROT_READ | PROT_EXEC */
            mapping.executable = 1;
            mapping.major = major;
            mapping.minor = minor;
            mapping.inode = path_at > 0 ? inode : 0;
            mapping.path = file[0] ? file : "//anon";
            apply_mmap(session, &mapping);
            if (!session->options.from_file)
                resolve_live_file(session, &mapping);
        }
        if (!newline)
            break;
        line = newline + 1;
    }
    free(comm);
    free(maps);
    return 0;
}
