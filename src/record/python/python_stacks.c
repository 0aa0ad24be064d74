/* python_stacks.c — the CPython stack reader (see python_stacks.h): walks
 * interpreters -> thread states -> frames of a live process and checks
 * every stack before reporting it.
 *
 * Reads per sample, with the code objects cached:
 *   1. one call: the interpreter head, the GIL holder, the identifying
 *      fields of the code objects (and functions' code, every
 *      FUNCTION_TRUST_ROUNDS) the previous sample used, and, at the
 *      previous sample's addresses, the first
 *      interpreter, its GIL (3.12+) and its thread states (each a window
 *      holding every field used): used while the thread list is as it was;
 *   2. per thread, 3.11+: one call [chunk, top pointer] (3.11-3.12: the
 *      top pointer between two reads of the thread state's cframe; a second copy
 *      of the chunk after the top while the thread's stacks need it; the
 *      frames outside the data-stack chunk seen last time before and
 *      after), walked in the first copy and checked pair by pair
 *      (suspended_caller: return points, stacktop, the call's callable,
 *      the callee's code, learnt call sites); up to 3.10: one call
 *      [frames, top pointer, frames] (heap frames at the addresses the
 *      thread's recent stacks used, a range per page), checked frame by
 *      frame across the two copies (walk_heap_once);
 *   3. when needed, one more call re-reading frames read one by one and
 *      code objects not yet validated in this sample.
 * A code object on a frame that stayed put since the thread's last valid
 * stack (3.11+: caller_settled) is alive, so the same object as before:
 * it is validated only every CODE_REVALIDATE_ROUNDS rounds (code_trusted),
 * the others every round.
 * A stack that fails is read again (up to WALK_ATTEMPTS), then reported
 * with valid = 0, as is a chain with a cycle, an absurd depth, a frame
 * whose code object is not a code object or an instruction offset outside
 * the code.
 */
#include "python_stacks.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "python_debug_offsets.h"
#include "python_layout.h"
#include "python_memory.h"
#include "python_objects.h"
#include "python_opcodes.h"
#include "python_process.h"

#define MAX_DEPTH 4096
#define MAX_THREADS 4096
#define MAX_INTERPRETERS 256
#define MAX_CHUNK_COPY (8u << 20)
#define PTHREAD_PROBE_SIZE 2048
#define TSTATE_WINDOW_MAX 1024
#define FRAME_WINDOW_MAX 256
#define WALK_ATTEMPTS 12
#define CODE_REVALIDATE_ROUNDS 8 /* see code_trusted */
#define CALL_TRUSTED_DEPTH 4      /* see suspended_caller */
#define WALK_ROOM 1024           /* bytes above the data-stack top a snapshot copies */
#define PREFETCH_TOPS 16         /* a first call's snapshot reaches the deepest top of this many walks */
#define STALL_FACTOR 1.5          /* a snapshot call this much slower than usual is discarded */
#define FUNCTION_CACHE_SIZE 1024 /* direct-mapped: a collision only costs a read */
#define FUNCTION_CODE_OFFSET 48  /* PyFunctionObject.func_code, 3.11-3.13 (offsetof against their headers) */
/* A function's code, once read, serves this many rounds: it changes only
 * when __code__ is assigned, and a value that old only makes the check it
 * serves (a callee frame's code is its function's) discard a stack. */
#define FUNCTION_TRUST_ROUNDS 8
#define HEAP_SLOT_AGE 256        /* samples a frame address not seen again is still read (up to 3.10) */
#define HEAP_SLOTS_MAX (2 * MAX_DEPTH)
#define HEAP_BYTECODE_MAX (1u << 20)
#define HEAP_PAGE 4096
#define HEAP_LOCALS 16           /* a frame's locals (and value stack) slots read and compared */
#define HEAP_FUNCTION_CODE_OFFSET 16 /* PyFunctionObject.func_code, 3.6-3.10 */
#define HEAP_VALUESTACK_OFFSET 64    /* PyFrameObject.f_valuestack, 3.6-3.10 */

/* One frame as read, before it is checked and named. */
struct raw_frame {
    uint64_t address;
    uint64_t previous;
    uint64_t code;
    int64_t instruction; /* f_lasti (<= 3.10) or the instruction pointer */
    int64_t instruction_before; /* up to 3.10: f_lasti in the first copy (instruction: the second's) */
    uint32_t group;      /* up to 3.10: the heap_group it was read in */
    int pair_seen;       /* up to 3.10: it was so over the same callee in the thread's previous walk */
    uint32_t local_count; /* up to 3.10: its first locals and value stack slots, as read */
    uint32_t stack_start; /* up to 3.10: where its value stack starts among them */
    int32_t stacktop;    /* 3.11+: >= 0 in a caller suspended by an inline call (3.12+) */
    uint64_t function;   /* 3.11+: f_func / f_funcobj */
    uint64_t consumed[2]; /* 3.11+, in the chunk copy: the stack slots at stacktop and after */
    uint64_t receiver;   /* 3.12+: the stack slot below stacktop (a generator being resumed), or 0 */
    int owner;           /* 3.11+: who owns the frame (FRAME_OWNED_BY_...) */
    int consumed_known;
    int consumed_with_instr; /* the slots and the instruction pointer share one cache line */
    int entry;
    int from_chunk;      /* decoded from the chunk copy, else read alone */
    int stable;          /* the same in both copies (or checked again by re-reading) */
    uint64_t function_again; /* the function as the second copy has it */
    int same_frame;      /* code, previous and function the same in both copies (steady tops) */
    struct python_code *code_entry;
    int code_fresh;      /* read during this sample: needs no validation */
    /* Last, so that a frame is cleared up to it (RAW_FRAME_CLEARED): only
     * the first local_count are ever read. */
    uint64_t locals[HEAP_LOCALS];
};
/* The bytes of a raw_frame a new frame starts with as zeros. */
#define RAW_FRAME_CLEARED offsetof(struct raw_frame, locals)

/* One thread state found in this sample. */
struct thread_record {
    uint64_t address;
    uint8_t window[TSTATE_WINDOW_MAX];
};

/* A caller as a thread's last valid stack had it. */
struct settled_caller {
    uint64_t address;
    int64_t instruction;
    uint64_t consumed[2];
    uint64_t callee_function;
};

/* Up to 3.10: a frame address a thread's recent stacks used, read
 * speculatively around the top pointer (walk_heap_once). */
struct heap_slot {
    uint64_t address;
    uint32_t depth;      /* frames below it when last seen (outermost: 0) */
    uint32_t group;      /* the heap_group it is read with */
    uint64_t round;      /* the sample that last saw it */
};

/* Up to 3.10: the slots in one page, read as one range (a range costs
 * about as much as a page). */
struct heap_group {
    uint64_t page, start, end;
    uint32_t depth;      /* the deepest of its slots: groups are read outermost first */
};

/* Up to 3.10: a caller/callee pair as the thread's last walked chain had
 * it. */
struct heap_pair {
    uint64_t caller, callee, callee_code;
    int64_t instruction; /* the caller's f_lasti */
};

/* What the reader remembers of a thread between samples. */
struct thread_memory {
    uint64_t tstate;
    uint64_t *frames;    /* 3.11+: frames outside the data-stack chunk in its last stack */
    size_t count, capacity;
    struct heap_slot *slots; /* up to 3.10, sorted by depth */
    size_t slot_count, slot_capacity;
    struct heap_group *groups; /* up to 3.10, sorted by depth */
    size_t group_count, group_capacity;
    int narrow;          /* up to 3.10: a range failed: frames read without their locals */
    struct heap_pair *pairs; /* up to 3.10: the pairs of its last walked chain */
    size_t pair_count, pair_capacity;
    uint64_t round;
    int two_copies;   /* 3.11+: the last stack needed frames seen the same in two copies */
    /* 3.11+: the callers of its last valid stack (deep pairs are trusted
     * only if their caller was read the same then) */
    struct settled_caller *settled;
    size_t settled_count, settled_capacity;
};

/* What one call read at once: a copy of the data-stack chunk (3.11+,
 * contiguous) or the frames of the previous sample (up to 3.10). */
struct snapshot {
    int contiguous;
    uint64_t start;
    size_t size;
    const uint8_t *bytes;
    const uint64_t *addresses;
    uint8_t *const *buffers;
    const unsigned char *ok;
    size_t count;
};

/* 3.11+: where a one-copy snapshot of a thread is read: [frames outside
 * the chunk, the chunk, (the thread state's cframe,) the top pointer,
 * (the data stack's top, the cframe again,) frames outside again], and,
 * once added to a batch, where each part is among its ranges. */
struct chunk_plan {
    uint64_t thread;             /* the thread state; 0: no plan */
    uint64_t chunk, copy_size;
    uint64_t top_pointer_address;
    uint64_t cframe_address;     /* 3.11-3.12: &tstate->cframe, else 0 */
    uint64_t stack_top_address;  /* with cframe_address: &tstate->datastack_top */
    size_t spec;                 /* frames outside the chunk read with it */
    size_t first_spec[2], copy_index, top_index, cframe_index[2], stack_top_index;
    uint64_t round;              /* the round whose batch read it (chunk_read) */
};

/* A function object's code (3.11+), read in the current round. */
struct function_entry {
    uint64_t address, code;
    uint64_t round;      /* the sampling round that read it (FUNCTION_TRUST_ROUNDS) */
    uint64_t used_round; /* listed in recent_functions for this round */
};

/* The pthread_t -> Linux tid cache of versions without native_thread_id. */
struct tid_entry {
    uint64_t pthread;
    int tid;
};

struct python_reader {
    struct remote_memory memory;
    struct python_target target;
    struct python_layout layout; /* the version's table, 3.13 overlaid by _Py_DebugOffsets */
    struct python_objects *objects;
    struct python_reader_stats stats;
    size_t tstate_window;        /* bytes of the thread state read */
    size_t frame_window;         /* bytes of a frame read */
    int debug_offsets_differed;  /* 3.13: offsets where the process and the table disagree */

    struct raw_frame *raw;
    size_t raw_capacity;
    struct python_frame *frames;
    size_t frames_capacity;
    struct thread_record *threads;
    size_t threads_capacity;
    struct remote_range *ranges;
    uint8_t *range_buffer;
    size_t ranges_capacity, range_buffer_capacity;
    unsigned char *ranges_ok;
    size_t ranges_ok_capacity;

    uint64_t round;              /* samples taken: code objects are validated once per round */
    uint64_t walks;              /* walk_once calls (python_code.persisting_walk) */
    int one_copy;                /* the walk under way has a single chunk copy */
    int stack_steady;            /* every frame of it the same in both copies (the top's instruction aside) */
    struct thread_memory *walk_memory; /* the thread being walked's */
    double copy_ns;              /* 3.11+: a snapshot call's usual duration (moving average) */
    int *stopped_tids;           /* threads the caller keeps stopped (python_reader_set_stopped) */
    size_t stopped_count, stopped_capacity;
    int thread_stopped;          /* the thread being walked is one of them */
    int pairs_wanted;            /* it met a pair only two copies can vouch for */
    int pairs_used;              /* a pair was vouched for by two copies */
    uint64_t *recent_codes;      /* code objects used by the previous sample */
    size_t recent_count, recent_capacity;
    /* The first interpreter, its GIL structure (3.12+) and its thread
     * states as last seen: read speculatively in the sample's first call
     * (they seldom change), so that a steady process costs that call plus
     * one per thread. */
    uint64_t spec_interp, spec_gil;
    uint64_t *spec_threads;
    size_t spec_thread_count, spec_thread_capacity;
    struct function_entry *functions; /* FUNCTION_CACHE_SIZE entries */
    uint64_t *recent_functions;  /* functions checked in the previous sample: re-read in the next's first call */
    size_t recent_function_count, recent_function_capacity;
    struct thread_memory *memories;
    size_t memory_count, memory_capacity;
    uint8_t *spec_bytes;
    uint8_t **spec_buffers;
    unsigned char *spec_ok;
    size_t spec_bytes_capacity, spec_capacity, spec_ok_capacity;

    /* 3.11+: the first thread's one-copy snapshot, read in the sample's
     * first call when its last walk took one copy (see one_copy_ranges):
     * a steady thread then costs one call per sample. next_chunk is the
     * plan the last walk left; chunk_read what the first call read. */
    struct chunk_plan next_chunk;
    struct chunk_plan chunk_read;
    double first_call_ns;        /* a first call with a snapshot's usual duration */
    uint64_t recent_tops[PREFETCH_TOPS]; /* the first thread's data-stack tops in its last walks */
    uint64_t recent_tops_chunk;  /* ... in this chunk */
    unsigned recent_top_next;

    int tid_offset;              /* offset of the tid in glibc's struct pthread, -1 unknown */
    int tid_attempts;
    struct tid_entry *tids;
    size_t tid_count, tid_capacity;
};

static int grow(void **array, size_t *capacity, size_t needed, size_t element)
{
    if (needed <= *capacity) return 0;
    size_t capacity_new = *capacity ? *capacity : 16;
    while (capacity_new < needed) capacity_new *= 2;
    void *grown = realloc(*array, capacity_new * element);
    if (!grown) return -1;
    *array = grown;
    *capacity = capacity_new;
    return 0;
}

static uint64_t word_at(const uint8_t *bytes, int32_t offset)
{
    uint64_t value;
    memcpy(&value, bytes + offset, sizeof value);
    return value;
}

static void widen(size_t *window, int32_t offset, size_t size)
{
    if (offset >= 0 && (size_t)offset + size > *window) *window = (size_t)offset + size;
}

static enum python_status status_of_error(const struct python_reader *reader, int error)
{
    if (error == EPERM || error == EACCES) return PYTHON_NO_PERMISSION;
    if (error == ESRCH || !python_process_alive(reader->target.pid)) return PYTHON_NO_PROCESS;
    return PYTHON_OK;
}

struct python_reader *python_reader_open(int pid, enum python_status *status, char *error,
                                         size_t error_size) {
    struct python_reader *reader = calloc(1, sizeof *reader);
    enum python_status local_status;
    if (!status) status = &local_status;
    if (!reader) {
        *status = PYTHON_NOT_FOUND;
        snprintf(error, error_size, "out of memory");
        return NULL;
    }
    reader->memory.pid = pid;
    reader->tid_offset = -1;
    *status = python_process_find(pid, &reader->memory, &reader->target, error, error_size);
    if (*status != PYTHON_OK) {
        free(reader);
        return NULL;
    }
    reader->layout = *reader->target.layout;
    if (reader->layout.debug && reader->target.runtime) {
        uint8_t block[2048];
        size_t size = (size_t)reader->layout.debug->size;
        char why[256];
        int differed = -1;
        if (size <= sizeof block &&
            remote_read(&reader->memory, reader->target.runtime, block, size) == 0)
            differed = python_debug_offsets_apply(block, size, &reader->layout, why, sizeof why);
        else
            snprintf(why, sizeof why, "_PyRuntime could not be read");
        if (differed < 0) {
            *status = PYTHON_UNSUPPORTED_VERSION;
            snprintf(error, error_size, "process %d runs CPython %s but its _Py_DebugOffsets "
                     "cannot be used: %s", pid, reader->target.version, why);
            free(reader);
            return NULL;
        }
        reader->debug_offsets_differed = differed;
    }
    const struct python_layout *layout = &reader->layout;
    widen(&reader->tstate_window, layout->tstate_next, 8);
    widen(&reader->tstate_window, layout->tstate_interp, 8);
    widen(&reader->tstate_window, layout->tstate_frame, 8);
    widen(&reader->tstate_window, layout->tstate_cframe, 8);
    widen(&reader->tstate_window, layout->tstate_current_frame, 8);
    widen(&reader->tstate_window, layout->tstate_thread_id, 8);
    widen(&reader->tstate_window, layout->tstate_native_thread_id, 8);
    widen(&reader->tstate_window, layout->tstate_datastack_chunk, 8);
    widen(&reader->tstate_window, layout->tstate_datastack_top, 8);
    widen(&reader->tstate_window, layout->tstate_datastack_limit, 8);
    widen(&reader->frame_window, layout->frame_back, 8);
    widen(&reader->frame_window, layout->frame_code, 8);
    widen(&reader->frame_window, layout->frame_lasti, 4);
    widen(&reader->frame_window, layout->iframe_previous, 8);
    widen(&reader->frame_window, layout->iframe_code, 8);
    widen(&reader->frame_window, layout->iframe_instr, 8);
    if (layout->iframe_instr >= 0) widen(&reader->frame_window, layout->iframe_instr + 8, 4); /* stacktop */
    widen(&reader->frame_window, layout->iframe_owner, 1);
    widen(&reader->frame_window, layout->iframe_is_entry, 1);
    if (reader->tstate_window > TSTATE_WINDOW_MAX || reader->frame_window > FRAME_WINDOW_MAX) {
        *status = PYTHON_UNSUPPORTED_VERSION;
        snprintf(error, error_size, "CPython %s: structure offsets out of range",
                 reader->target.version);
        free(reader);
        return NULL;
    }
    reader->objects = python_objects_create(&reader->layout, &reader->memory, reader->target.code_type);
    reader->functions = calloc(FUNCTION_CACHE_SIZE, sizeof *reader->functions);
    if (!reader->objects || !reader->functions) {
        python_objects_destroy(reader->objects);
        free(reader->functions);
        *status = PYTHON_NOT_FOUND;
        snprintf(error, error_size, "out of memory");
        free(reader);
        return NULL;
    }
    return reader;
}

const char *python_reader_version(const struct python_reader *reader)
{
    return reader->target.version;
}

const struct python_reader_stats *python_reader_stats(const struct python_reader *reader)
{
    return &reader->stats;
}

const char *python_reader_binary(const struct python_reader *reader)
{
    return reader->target.binary;
}

void python_reader_set_stopped(struct python_reader *reader, const int *tids, size_t count)
{
    reader->stopped_count = 0;
    if (count && grow((void **)&reader->stopped_tids, &reader->stopped_capacity, count, sizeof *reader->stopped_tids))
        return;
    if (count) memcpy(reader->stopped_tids, tids, count * sizeof *tids);
    reader->stopped_count = count;
}

const char *python_status_name(enum python_status status)
{
    switch (status) {
    case PYTHON_OK: return "ok";
    case PYTHON_NO_PROCESS: return "no such process";
    case PYTHON_NO_PERMISSION: return "no permission";
    case PYTHON_NOT_PYTHON: return "not a Python process";
    case PYTHON_UNSUPPORTED_VERSION: return "unsupported Python version";
    case PYTHON_NOT_FOUND: return "interpreter state not found";
    case PYTHON_NOT_READY: return "interpreter not ready";
    }
    return "unknown";
}

void python_reader_close(struct python_reader *reader)
{
    if (!reader) return;
    python_objects_destroy(reader->objects);
    free(reader->raw);
    free(reader->frames);
    free(reader->threads);
    free(reader->ranges);
    free(reader->range_buffer);
    free(reader->ranges_ok);
    free(reader->tids);
    free(reader->recent_codes);
    free(reader->functions);
    free(reader->recent_functions);
    free(reader->spec_threads);
    free(reader->stopped_tids);
    for (size_t i = 0; i < reader->memory_count; i++) {
        free(reader->memories[i].frames);
        free(reader->memories[i].settled);
        free(reader->memories[i].slots);
        free(reader->memories[i].groups);
        free(reader->memories[i].pairs);
    }
    free(reader->memories);
    free(reader->spec_bytes);
    free(reader->spec_buffers);
    free(reader->spec_ok);
    free(reader);
}

/* ---- Linux thread ids for versions without native_thread_id ---- */

/* Reads the tids of /proc/PID/task; returns the count (at most capacity). */
static size_t read_task_ids(int pid, int *tids, size_t capacity)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/task", pid);
    DIR *directory = opendir(path);
    size_t count = 0;
    if (!directory) return 0;
    struct dirent *entry;
    while ((entry = readdir(directory)) != NULL && count < capacity) {
        int tid = atoi(entry->d_name);
        if (tid > 0) tids[count++] = tid;
    }
    closedir(directory);
    return count;
}

/* Finds where glibc's struct pthread (what pthread_t points at) keeps the
 * thread's tid: the first offset at which every thread's value is one of
 * the process's tids, all different. */
static void find_tid_offset(struct python_reader *reader, const uint64_t *pthreads, size_t count)
{
    int tids[1024];
    size_t tid_count = read_task_ids(reader->target.pid, tids, 1024);
    if (count == 0 || tid_count == 0 || count > 64) return;
    reader->tid_attempts++;
    uint8_t *blocks = malloc(count * PTHREAD_PROBE_SIZE);
    struct remote_range *ranges = malloc(count * sizeof *ranges);
    unsigned char ok[64];
    int error;
    if (!blocks || !ranges) goto done;
    for (size_t i = 0; i < count; i++)
        ranges[i] = (struct remote_range){pthreads[i], blocks + i * PTHREAD_PROBE_SIZE, PTHREAD_PROBE_SIZE};
    remote_read_ranges(&reader->memory, ranges, count, ok, &error);
    for (size_t i = 0; i < count; i++)
        if (!ok[i]) goto done;
    for (int offset = 0; offset + 4 <= PTHREAD_PROBE_SIZE; offset += 4) {
        int all = 1;
        for (size_t i = 0; i < count && all; i++) {
            int32_t value;
            memcpy(&value, blocks + i * PTHREAD_PROBE_SIZE + offset, 4);
            int known = 0;
            for (size_t t = 0; t < tid_count; t++) known |= tids[t] == value;
            for (size_t j = 0; j < i && known; j++) {
                int32_t other;
                memcpy(&other, blocks + j * PTHREAD_PROBE_SIZE + offset, 4);
                if (other == value) known = 0;
            }
            all = known;
        }
        if (all) {
            reader->tid_offset = offset;
            break;
        }
    }
done:
    free(blocks);
    free(ranges);
}

static int cached_tid(const struct python_reader *reader, uint64_t pthread)
{
    for (size_t i = 0; i < reader->tid_count; i++)
        if (reader->tids[i].pthread == pthread) return reader->tids[i].tid;
    return 0;
}

static void remember_tid(struct python_reader *reader, uint64_t pthread, int tid)
{
    for (size_t i = 0; i < reader->tid_count; i++)
        if (reader->tids[i].pthread == pthread) {
            reader->tids[i].tid = tid;
            return;
        }
    if (reader->tid_count >= 4096) reader->tid_count = 0; /* forget old threads */
    if (grow((void **)&reader->tids, &reader->tid_capacity, reader->tid_count + 1, sizeof *reader->tids))
        return;
    reader->tids[reader->tid_count++] = (struct tid_entry){pthread, tid};
}

/* ---- Walking one thread ---- */

/* Adds a range to the reader's batch; returns its buffer (NULL when the
 * buffer, sized beforehand, is full). */
static uint8_t *add_range(struct python_reader *reader, size_t *count, size_t *buffer_used,
                          uint64_t address, size_t size)
{
    if (grow((void **)&reader->ranges, &reader->ranges_capacity, *count + 1, sizeof *reader->ranges))
        return NULL;
    if (*buffer_used + size > reader->range_buffer_capacity) return NULL;
    reader->ranges[*count] = (struct remote_range){address, reader->range_buffer + *buffer_used, size};
    uint8_t *buffer = reader->range_buffer + *buffer_used;
    *buffer_used += (size + 7) & ~(size_t)7;
    (*count)++;
    return buffer;
}

/* The bytes one_copy_ranges adds to a batch. */
static size_t one_copy_bytes(const struct python_reader *reader, const struct chunk_plan *plan,
                             size_t spec)
{
    return (size_t)plan->copy_size + 16 + 2 * spec * (reader->frame_window + 8) + 48;
}

/* Adds a one-copy snapshot's ranges to the batch (see walk_once): the
 * frames outside the chunk that the thread's last stack had (spec of
 * them), the chunk, the top pointer between two reads of the cframe
 * pointer (3.11-3.12; the data stack's top right after it), those frames
 * again. Returns 0 when the buffer (sized with one_copy_bytes) is full. */
static int one_copy_ranges(struct python_reader *reader, size_t *count, size_t *used,
                           const struct thread_memory *memory, size_t spec,
                           struct chunk_plan *plan)
{
    plan->first_spec[0] = *count;
    for (size_t i = 0; i < spec; i++)
        if (!add_range(reader, count, used, memory->frames[i], reader->frame_window)) return 0;
    plan->copy_index = *count;
    if (!add_range(reader, count, used, plan->chunk, (size_t)plan->copy_size)) return 0;
    plan->cframe_index[0] = *count;
    if (plan->cframe_address && !add_range(reader, count, used, plan->cframe_address, 8)) return 0;
    plan->top_index = *count;
    if (!add_range(reader, count, used, plan->top_pointer_address, 8)) return 0;
    plan->stack_top_index = *count;
    if (plan->cframe_address && !add_range(reader, count, used, plan->stack_top_address, 8)) return 0;
    plan->cframe_index[1] = *count;
    if (plan->cframe_address && !add_range(reader, count, used, plan->cframe_address, 8)) return 0;
    plan->first_spec[1] = *count;
    for (size_t i = 0; i < spec; i++)
        if (!add_range(reader, count, used, memory->frames[i], reader->frame_window)) return 0;
    return 1;
}

/* Adds a read of the thread state's cframe pointer to the batch (3.11-3.12;
 * nothing without one), noting where (walk_once's cframe_index and
 * cframe_reads: the one before the top read, then the one after). */
static void add_cframe_read(struct python_reader *reader, size_t *count, size_t *used,
                            const struct chunk_plan *plan, size_t index[2], uint8_t *reads[2],
                            size_t *reads_count)
{
    if (!plan->cframe_address || *reads_count >= 2) return;
    index[*reads_count] = *count;
    reads[(*reads_count)++] = add_range(reader, count, used, plan->cframe_address, 8);
}

/* Runs the batch of ranges; 0 when every one was read, 1 when some were
 * not, -1 (with *error) when the process is gone or forbids reading. */
static int run_batch(struct python_reader *reader, size_t count, int *error)
{
    if (grow((void **)&reader->ranges_ok, &reader->ranges_ok_capacity, count ? count : 1, 1)) return 1;
    unsigned char *ok = reader->ranges_ok;
    int batch_error = 0;
    size_t whole = remote_read_ranges(&reader->memory, reader->ranges, count, ok, &batch_error);
    if (batch_error == ESRCH || batch_error == EPERM || batch_error == EACCES) {
        *error = batch_error;
        return -1;
    }
    return whole == count ? 0 : 1;
}

/* What the reader remembers of the thread whose state is at tstate (a
 * slot reused for another when 256 are remembered). */
static struct thread_memory *thread_memory_for(struct python_reader *reader, uint64_t tstate)
{
    for (size_t i = 0; i < reader->memory_count; i++)
        if (reader->memories[i].tstate == tstate) return &reader->memories[i];
    if (reader->memory_count >= 256) {
        /* forget the least recently seen thread */
        size_t oldest = 0;
        for (size_t i = 1; i < reader->memory_count; i++)
            if (reader->memories[i].round < reader->memories[oldest].round) oldest = i;
        reader->memories[oldest].tstate = tstate;
        reader->memories[oldest].count = 0;
        reader->memories[oldest].slot_count = 0;
        reader->memories[oldest].group_count = 0;
        reader->memories[oldest].narrow = 0;
        reader->memories[oldest].pair_count = 0;
        reader->memories[oldest].settled_count = 0;
        return &reader->memories[oldest];
    }
    if (grow((void **)&reader->memories, &reader->memory_capacity, reader->memory_count + 1,
             sizeof *reader->memories))
        return NULL;
    struct thread_memory *memory = &reader->memories[reader->memory_count++];
    memset(memory, 0, sizeof *memory);
    memory->tstate = tstate;
    return memory;
}

/* Where the snapshot holds the frame at address, NULL when it does not. */
static const uint8_t *snapshot_frame(const struct python_reader *reader, const struct snapshot *snapshot,
                                     uint64_t address, size_t *hint)
{
    if (snapshot->contiguous && snapshot->size && address >= snapshot->start &&
        address + reader->frame_window <= snapshot->start + snapshot->size)
        return snapshot->bytes + (address - snapshot->start);
    for (size_t n = 0; n < snapshot->count; n++) {
        size_t i = (*hint + n) % snapshot->count;
        if (snapshot->addresses[i] == address && snapshot->ok[i]) {
            *hint = i + 1;
            return snapshot->buffers[i];
        }
    }
    return NULL;
}

/* stacktop follows the instruction pointer in every _PyInterpreterFrame
 * (3.11 prev_instr, 3.12 prev_instr, 3.13 instr_ptr; Include/internal/
 * pycore_frame.h); the generated layouts do not list it. */
static int32_t frame_stacktop(const struct python_layout *layout, const uint8_t *bytes)
{
    int32_t stacktop;
    memcpy(&stacktop, bytes + layout->iframe_instr + 8, 4);
    return stacktop;
}

/* Where _PyInterpreterFrame keeps the function: 3.11 f_func is its first
 * field, 3.12 and 3.13 f_funcobj follows f_code/f_executable and previous
 * (Include/internal/pycore_frame.h). */
static int32_t frame_function_offset(const struct python_layout *layout)
{
    return layout->iframe_is_entry >= 0 ? 0 : layout->iframe_previous + 8;
}

/* The caller's stack slots a call consumed (the callable and self or
 * NULL, in either order): at localsplus[stacktop] and the next one, when
 * they lie in the copy. */
/* The two stack slots at stacktop of the frame at address, when the
 * snapshot holds them: 1 and consumed[] set (*with_instr: they share a
 * cache line with the frame's instruction pointer), else 0. */
static int read_consumed_slots(const struct python_reader *reader, const struct snapshot *snapshot,
                               uint64_t address, int32_t stacktop, uint64_t consumed[2],
                               int *with_instr)
{
    const struct python_layout *layout = &reader->layout;
    if (stacktop < 0 || stacktop > (1 << 20) || layout->iframe_size <= 0) return 0;
    uint64_t slot = address + (uint64_t)layout->iframe_size + 8 * (uint64_t)stacktop;
    if (slot < snapshot->start || slot + 16 > snapshot->start + snapshot->size) return 0;
    memcpy(consumed, snapshot->bytes + (slot - snapshot->start), 16);
    uint64_t instr_line = (address + (uint64_t)layout->iframe_instr) / 64;
    *with_instr = instr_line == slot / 64 && instr_line == (slot + 15) / 64;
    return 1;
}

/* The stack slot just below stacktop of the frame at address (bytes: its
 * window as read), from the chunk copy when it lies there, else from the
 * window; 0 when neither holds it. A frame suspended resuming a generator
 * inline (3.12+ FOR_ITER_GEN, SEND_GEN) keeps the generator there. */
static uint64_t read_receiver_slot(const struct python_reader *reader, const struct snapshot *snapshot,
                                   const uint8_t *bytes, uint64_t address, int32_t stacktop)
{
    const struct python_layout *layout = &reader->layout;
    if (stacktop < 1 || stacktop > (1 << 20) || layout->iframe_size <= 0) return 0;
    uint64_t offset = (uint64_t)layout->iframe_size + 8 * (uint64_t)(stacktop - 1);
    uint64_t slot = address + offset;
    if (snapshot->contiguous && snapshot->size && slot >= snapshot->start &&
        slot + 8 <= snapshot->start + snapshot->size)
        return word_at(snapshot->bytes + (slot - snapshot->start), 0);
    if (offset + 8 <= reader->frame_window) return word_at(bytes, (int32_t)offset);
    return 0;
}

static void decode_frame(const struct python_layout *layout, const uint8_t *bytes, int modern,
                         uint64_t *previous, uint64_t *code, int64_t *instruction)
{
    if (!modern) {
        int32_t lasti;
        *previous = word_at(bytes, layout->frame_back);
        *code = word_at(bytes, layout->frame_code);
        memcpy(&lasti, bytes + layout->frame_lasti, 4);
        *instruction = lasti;
    } else {
        *previous = word_at(bytes, layout->iframe_previous);
        *code = word_at(bytes, layout->iframe_code);
        *instruction = (int64_t)word_at(bytes, layout->iframe_instr);
    }
}

/* Whether the call that suspended caller consumed function: the two
 * stack slots at its stacktop held (3.11, 3.12) the method or NULL, then
 * the callable or self: the function is the first, or the second after a
 * NULL; (3.13) the callable, then self or NULL: the function is the first.
 * Anything else there (a return value pushed since, a later call's
 * operands) means the frame was copied in pieces from different moments:
 * the copy reads cache lines in no fixed order. */
static int consumed_callable(const struct python_reader *reader, const struct raw_frame *caller,
                             uint64_t function)
{
    if (!function) return 0;
    if (caller->consumed[0] == function) return 1;
    return reader->layout.instr_is_current == 0 && caller->consumed[0] == 0 &&
           caller->consumed[1] == function;
}

static struct function_entry *function_slot(struct python_reader *reader, uint64_t address)
{
    uint64_t hash = (address >> 4) * 0x9e3779b97f4a7c15ull;
    return &reader->functions[hash >> 54 & (FUNCTION_CACHE_SIZE - 1)];
}

/* The code of the function object at address as of the last
 * FUNCTION_TRUST_ROUNDS rounds (read now unless read since, in a round's
 * first call or here); 0 when unreadable. */
static uint64_t function_code(struct python_reader *reader, uint64_t address)
{
    struct function_entry *entry = function_slot(reader, address);
    if (entry->address != address || reader->round - entry->round >= FUNCTION_TRUST_ROUNDS) {
        uint64_t code = 0;
        if (remote_read(&reader->memory, address + FUNCTION_CODE_OFFSET, &code, 8) != 0) return 0;
        *entry = (struct function_entry){address, code, reader->round, 0};
    }
    if (entry->used_round != reader->round &&
        grow((void **)&reader->recent_functions, &reader->recent_function_capacity,
             reader->recent_function_count + 1, sizeof *reader->recent_functions) == 0) {
        entry->used_round = reader->round;
        reader->recent_functions[reader->recent_function_count++] = address;
    }
    return entry->code;
}

/* What suspended_caller found of a caller and its callee. */
enum caller_pair {
    PAIR_TORN = 0,       /* not one state: the stack is read again */
    PAIR_HOLDS = 1,      /* caller suspended in the call that pushed callee */
    PAIR_CALLER_RAN = 2, /* caller was running when copied: callee came after */
    PAIR_CALLER_AT_NO_CALL = 3, /* 3.12+: caller at no call, yet marked suspended */
};

/* Whether caller, the frame below callee, was suspended in the call that
 * pushed callee when it was copied (PAIR_HOLDS), was running then
 * (PAIR_CALLER_RAN: 3.12+'s stacktop -1, or, on 3.11, whose bytecode is
 * never instrumented and whose every opcode the tables decode, no call at
 * its instruction), was at no call though 3.12+ marks it suspended
 * (PAIR_CALLER_AT_NO_CALL: running when its instruction was copied, or in
 * an instruction the tables do not decode, such as sys.monitoring's), or
 * none of these (PAIR_TORN). Only inline calls leave a mark: a
 * callee entered from C (3.11 is_entry, a 3.12+ shim between them) says
 * nothing about its caller, which may be anywhere: that caller must be
 * the same in both copies. The
 * caller's instruction pointer must be at a return point of its code
 * (python_opcodes.h): a frame copied while it ran, or after it returned
 * (stale memory the live stack has shrunk below), is elsewhere. 3.12+
 * also mark a suspended caller with stacktop >= 0, a running frame having
 * -1 (_PyFrame_GetStackPointer). At a call, the callee's function must be
 * the callable left in the caller's consumed stack slots: the kernel's
 * copy does not read memory in a strict order, so a callee frame can be
 * from another call of the same caller (a returned sibling's leftover),
 * or half written (f_func written, f_code not yet): its code must be its
 * function's. */
/* Whether caller, with callee above it, is as the thread's last valid
 * stack had it. */
static int caller_settled(const struct thread_memory *memory, const struct raw_frame *caller,
                          const struct raw_frame *callee)
{
    if (!memory) return 0;
    for (size_t i = 0; i < memory->settled_count; i++) {
        const struct settled_caller *settled = &memory->settled[i];
        if (settled->address == caller->address)
            return settled->instruction == caller->instruction &&
                   settled->consumed[0] == caller->consumed[0] && settled->consumed[1] == caller->consumed[1] &&
                   settled->callee_function == callee->function;
    }
    return 0;
}

/* Remembers the callers of a valid stack for caller_settled. */
static void settle_callers(struct python_reader *reader, struct thread_memory *memory, size_t depth)
{
    if (!memory || grow((void **)&memory->settled, &memory->settled_capacity, depth + 1, sizeof *memory->settled))
        return;
    memory->settled_count = 0;
    for (size_t i = 1; i < depth; i++) {
        const struct raw_frame *caller = &reader->raw[i];
        if (!caller->consumed_known) continue;
        memory->settled[memory->settled_count++] = (struct settled_caller){
            caller->address, caller->instruction, {caller->consumed[0], caller->consumed[1]},
            reader->raw[i - 1].function};
    }
}

static enum caller_pair suspended_caller(struct python_reader *reader, const struct raw_frame *caller,
                            const struct raw_frame *callee, size_t below_top)
{
    const struct python_layout *layout = &reader->layout;
    if (!caller->code) return PAIR_HOLDS; /* a shim: its caller is checked with it as callee */
    /* a callee entered from C (3.11 is_entry) or a shim (3.12+): the
     * caller is in a C call, anywhere in its code; it must have stayed
     * the same in both copies (C calls last long: seldom a discard) */
    if (!callee->code || callee->entry) {
        reader->pairs_wanted |= reader->one_copy;
        reader->pairs_used = 1;
        return caller->stable ? PAIR_HOLDS : PAIR_TORN;
    }
    if (layout->iframe_is_entry < 0 && caller->stacktop < 0) return PAIR_CALLER_RAN;
    struct python_code *code = caller->code_entry;
    if (!code) return PAIR_TORN;
    int64_t offset = caller->instruction - (int64_t)(code->address + (uint64_t)layout->code_code_adaptive);
    if (offset < 0 || (offset & 1)) return PAIR_TORN;
    int kind = python_opcodes_point_kind(code->return_points, (size_t)(code->code_bytes / 2), offset / 2);
    if (kind == PYTHON_NO_RETURN_POINT)
        return layout->iframe_is_entry >= 0 ? PAIR_CALLER_RAN : PAIR_CALLER_AT_NO_CALL;
    /* a generator resumed inline (3.12+ FOR_ITER_GEN, SEND_GEN): the
     * callee frame lives inside the generator object, which the caller
     * keeps on its stack, just below stacktop, for the whole loop or
     * yield from; its frame is that object's gi_iframe, and the caller,
     * marked suspended (stacktop >= 0), is resuming it. No call site
     * learns a generator (there is no callable to check), and a
     * generator frame outside the data-stack copy is read apart from its
     * caller: this mark ties the two. */
    if (kind == PYTHON_RETURN_POINT && layout->gen_iframe > 0 && layout->owner_generator >= 0 &&
        callee->owner == layout->owner_generator && caller->stacktop >= 1 && caller->receiver &&
        caller->receiver + (uint64_t)layout->gen_iframe == callee->address)
        return PAIR_HOLDS;
    /* a call: the callee must be what this call called (not a frame of
     * another call of the same caller, copied before or after) */
    int call_checked = 0;
    if (kind == PYTHON_RETURN_POINT_CALL) {
        /* the callee frame must be whole: a frame copied while it was
         * being pushed can hold the new function with the old code */
        if (!callee->function || function_code(reader, callee->function) != callee->code) return PAIR_TORN;
        if (caller->consumed_known && callee->from_chunk) {
            if (!consumed_callable(reader, caller, callee->function)) return PAIR_TORN;
            call_checked = 1;
        }
    }
    /* The pairing itself. The copy does not read memory in one instant:
     * cache lines the target is writing come up to hundreds of ns apart,
     * so a caller's instruction pointer (one line) can be from one call
     * and its stack slots and callee (later lines) from the next call of
     * the same frame, every check above passing. A pair is taken when:
     * - its call site is known to call this function: learnt from calls
     *   whose instruction pointer and consumed slots share a cache line
     *   (read together; trusted when seen twice; the site is the code's,
     *   so frames of that code at other addresses learn it);
     * - or the caller is CALL_TRUSTED_DEPTH frames or more below the top
     *   and read the same (instruction, consumed slots, callee function)
     *   in the thread's last valid stack: such a frame changes only when
     *   the stack unwinds to it, far slower than the copy reads two
     *   adjacent lines, unless the copy was paused (an interrupt, a
     *   preemption): then it is not what it was (and a copy much slower
     *   than usual is discarded anyway, STALL_FACTOR);
     * - or the whole stack is the same in two copies read around the top
     *   pointer, the top the same before, between and after (the 3.10
     *   scheme's check; per pair it let a recursion cycling through the
     *   same states through, about once in 50000 samples; not learnt
     *   from either: it taught fib's call sites each other's callee). */
    uint32_t unit = (uint32_t)(offset / 2);
    int whole = reader->thread_stopped ||
                (kind == PYTHON_RETURN_POINT_CALL && call_checked && caller->consumed_with_instr);
    if (whole) python_objects_learn_callee(caller->code_entry, unit, callee->function);
    if (python_objects_callee_known(code, unit, callee->function)) return PAIR_HOLDS;
    if (kind == PYTHON_RETURN_POINT_CALL && call_checked && below_top >= CALL_TRUSTED_DEPTH &&
        caller_settled(reader->walk_memory, caller, callee))
        return PAIR_HOLDS;
    if (reader->stack_steady) {
        reader->pairs_used = 1;
        return PAIR_HOLDS;
    }
    reader->pairs_wanted |= reader->one_copy;
    return PAIR_TORN;
}

/* Whether a cached code object needs no validation this round although
 * not validated in it: a frame that stayed put since the thread's last
 * valid stack uses it in this walk (its code was alive all along, so the
 * entry still describes the object at that address: an object freed and
 * another allocated in its place would need the frame popped and pushed
 * again with every field caller_settled compares the same), and it was
 * validated in the last CODE_REVALIDATE_ROUNDS rounds (which bounds how
 * long a name could be stale if that ever happened). On a deep stack most
 * code objects are on such frames: a range, often a page, each saved. */
static int code_validated_lately(const struct python_reader *reader, const struct python_code *code)
{
    return code->validated_round + CODE_REVALIDATE_ROUNDS > reader->round;
}

static int code_trusted(const struct python_reader *reader, const struct python_code *code)
{
    return code->persisting_walk == reader->walks && code_validated_lately(reader, code);
}

static int code_needs_validation(const struct python_reader *reader, const struct python_code *code)
{
    return code->validated_round != reader->round && !code_trusted(reader, code);
}

/* The code objects of the walked frames (reader->raw[0 .. depth)): cached
 * (to be validated this round) or read now (validated by the reading).
 * Returns 1 (*unvalidated: how many cached ones still need validating),
 * 0 when a frame's code object is not one, -1 (*error) when the process
 * is gone or forbids reading. */
static int resolve_codes(struct python_reader *reader, size_t depth, size_t *unvalidated, int *error)
{
    *unvalidated = 0;
    for (size_t i = 0; i < depth; i++) {
        struct raw_frame *raw = &reader->raw[i];
        if (!raw->code) continue; /* a shim */
        raw->code_entry = python_objects_cached_code(reader->objects, raw->code);
        if (!raw->code_entry) {
            int read_error = 0;
            raw->code_entry = python_objects_read_code(reader->objects, raw->code, &read_error);
            if (!raw->code_entry) {
                if (read_error == ESRCH || read_error == EPERM) {
                    *error = read_error;
                    return -1;
                }
                /* 3.13: f_executable may be None or another object: not a Python frame */
                if (reader->layout.tstate_current_frame >= 0 && read_error == 0) continue;
                return 0;
            }
            raw->code_entry->validated_round = reader->round;
        }
        if (raw->code_entry->used_round != reader->round) {
            raw->code_entry->used_round = reader->round;
            if (grow((void **)&reader->recent_codes, &reader->recent_capacity, reader->recent_count + 1,
                     sizeof *reader->recent_codes) == 0)
                reader->recent_codes[reader->recent_count++] = raw->code;
        }
        if (code_needs_validation(reader, raw->code_entry)) (*unvalidated)++;
    }
    return 1;
}

/* The walked frames (reader->raw[0 .. depth)) named, with their lines,
 * into reader->frames; 0 when an instruction lies outside its code. */
static int name_frames(struct python_reader *reader, size_t depth, size_t *frame_count)
{
    const struct python_layout *layout = &reader->layout;
    int modern = layout->iframe_previous >= 0;
    if (grow((void **)&reader->frames, &reader->frames_capacity, depth + 1, sizeof *reader->frames)) return 0;
    size_t count = 0;
    for (size_t i = 0; i < depth; i++) {
        const struct raw_frame *raw = &reader->raw[i];
        struct python_code *code = raw->code_entry;
        if (!code) continue;
        int64_t offset;
        if (!modern) {
            offset = layout->line_table == PYTHON_LINES_LINETABLE && raw->instruction >= 0
                         ? raw->instruction * 2
                         : raw->instruction;
        } else {
            offset = raw->instruction - (int64_t)(code->address + (uint64_t)layout->code_code_adaptive);
        }
        if (offset < -2 || (code->code_bytes && offset >= (int64_t)code->code_bytes)) return 0;
        struct python_frame *frame = &reader->frames[count++];
        frame->file = code->file;
        frame->function = code->function;
        frame->line = python_objects_line(reader->objects, code, offset);
        frame->entry = raw->entry;
    }
    *frame_count = count;
    return 1;
}

/* ---- Up to 3.10: frames on the heap ---- */

/* offsetof(PyFrameObject, f_localsplus) in CPython 3.6-3.10's
 * frameobject.h (probed as tools/python_layouts.sh does: 376 in 3.6, 360
 * in 3.7-3.9, 352 in 3.10): a frame is that and ob_size slots of locals,
 * cells, free variables and value stack. */
static size_t heap_localsplus_offset(const struct python_layout *layout)
{
    return layout->minor == 6 ? 376 : layout->minor == 10 ? 352 : 360;
}

/* The bytes of a frame read: its header and first HEAP_LOCALS slots. */
static size_t heap_window(const struct python_layout *layout, size_t frame_window)
{
    size_t bytes = heap_localsplus_offset(layout) + 8 * HEAP_LOCALS;
    return bytes > frame_window ? bytes : frame_window;
}

/* Where address sits in memory's slots (searched downward from *hint,
 * which it then points at), -1 when it is not there. */
static ptrdiff_t heap_slot_index(const struct thread_memory *memory, uint64_t address, size_t *hint)
{
    size_t count = memory->slot_count;
    for (size_t k = 0; k < count; k++) {
        size_t i = (*hint + count - k) % count;
        if (memory->slots[i].address == address) {
            *hint = i;
            return (ptrdiff_t)i;
        }
    }
    return -1;
}

static int heap_slot_by_round(const void *a, const void *b)
{
    const struct heap_slot *left = a, *right = b;
    return left->round < right->round ? 1 : left->round > right->round ? -1 : 0;
}

/* Groups memory's slots by page, outermost first (each group one range
 * of the batch, covering window bytes of each of its slots). */
static void heap_regroup(struct thread_memory *memory, size_t window)
{
    memory->group_count = 0;
    if (grow((void **)&memory->groups, &memory->group_capacity, memory->slot_count + 1, sizeof *memory->groups)) {
        memory->slot_count = 0;
        return;
    }
    for (size_t i = 0; i < memory->slot_count; i++) {
        const struct heap_slot *slot = &memory->slots[i];
        uint64_t page = slot->address / HEAP_PAGE;
        size_t g = memory->group_count;
        while (g > 0 && memory->groups[g - 1].page != page) g--;
        if (g == 0) {
            memory->groups[memory->group_count++] =
                (struct heap_group){page, slot->address, slot->address + window, slot->depth};
            continue;
        }
        struct heap_group *group = &memory->groups[g - 1];
        if (slot->address < group->start) group->start = slot->address;
        if (slot->address + window > group->end) group->end = slot->address + window;
        group->depth = slot->depth;
    }
    for (size_t i = 1; i < memory->group_count; i++) {
        struct heap_group group = memory->groups[i];
        size_t j = i;
        for (; j > 0 && memory->groups[j - 1].depth > group.depth; j--) memory->groups[j] = memory->groups[j - 1];
        memory->groups[j] = group;
    }
    for (size_t i = 0; i < memory->slot_count; i++) {
        uint64_t page = memory->slots[i].address / HEAP_PAGE;
        size_t g = 0;
        while (memory->groups[g].page != page) g++;
        memory->slots[i].group = (uint32_t)g;
    }
}

/* Records the chain reader->raw[0 .. count) (innermost first) in
 * memory's slots, forgets addresses not seen for HEAP_SLOT_AGE samples
 * (the oldest first beyond HEAP_SLOTS_MAX) and sorts the rest by depth. */
static void heap_remember(struct python_reader *reader, struct thread_memory *memory, size_t count)
{
    for (size_t k = 0; k < count; k++) {
        size_t hint = memory->slot_count ? memory->slot_count - 1 : 0;
        ptrdiff_t i = memory->slot_count ? heap_slot_index(memory, reader->raw[k].address, &hint) : -1;
        if (i < 0) {
            if (grow((void **)&memory->slots, &memory->slot_capacity, memory->slot_count + 1, sizeof *memory->slots))
                break;
            i = (ptrdiff_t)memory->slot_count++;
            memory->slots[i].address = reader->raw[k].address;
        }
        memory->slots[i].depth = (uint32_t)(count - 1 - k);
        memory->slots[i].round = reader->round;
    }
    size_t kept = 0;
    for (size_t i = 0; i < memory->slot_count; i++)
        if (reader->round - memory->slots[i].round <= HEAP_SLOT_AGE) memory->slots[kept++] = memory->slots[i];
    memory->slot_count = kept;
    if (kept > HEAP_SLOTS_MAX) {
        qsort(memory->slots, kept, sizeof *memory->slots, heap_slot_by_round);
        memory->slot_count = HEAP_SLOTS_MAX;
    }
    for (size_t i = 1; i < memory->slot_count; i++) { /* insertion sort: mostly in order already */
        struct heap_slot slot = memory->slots[i];
        size_t j = i;
        for (; j > 0 && memory->slots[j - 1].depth > slot.depth; j--) memory->slots[j] = memory->slots[j - 1];
        memory->slots[j] = slot;
    }
    heap_regroup(memory, memory->narrow ? reader->frame_window : heap_window(&reader->layout, reader->frame_window));
}

/* A frame of the chain was not among the addresses read: follows the
 * chain from it one frame at a time (reader->raw[depth ..]) so that the
 * next attempt reads them all. Returns 0, or -1 (*error) when the process
 * is gone or forbids reading. */
static int heap_discover(struct python_reader *reader, struct thread_memory *memory, size_t depth,
                         uint64_t address, int *error)
{
    uint8_t bytes[FRAME_WINDOW_MAX];
    while (address && depth < MAX_DEPTH && !(address & 7)) {
        for (size_t i = 0; i < depth; i++)
            if (reader->raw[i].address == address) return 0; /* a cycle: torn */
        int read_error = remote_read(&reader->memory, address, bytes, reader->frame_window);
        if (read_error) {
            if (status_of_error(reader, read_error) != PYTHON_OK) {
                *error = read_error == EPERM ? EPERM : ESRCH;
                return -1;
            }
            break;
        }
        if (grow((void **)&reader->raw, &reader->raw_capacity, depth + 1, sizeof *reader->raw)) break;
        memset(&reader->raw[depth], 0, sizeof reader->raw[depth]);
        reader->raw[depth++].address = address;
        address = word_at(bytes, reader->layout.frame_back);
    }
    if (memory) heap_remember(reader, memory, depth);
    return 0;
}

/* 3.6-3.10: the return points of code (python_opcodes_call_points), from
 * its co_code read once; NULL when unreadable. The array is the code
 * entry's (python_objects frees it with the entry). */
static const uint8_t *heap_return_points(struct python_reader *reader, struct python_code *code)
{
    const struct python_layout *layout = &reader->layout;
    if (code->return_points) return code->return_points;
    if (code->code_bytes < 2 || code->code_bytes > HEAP_BYTECODE_MAX || layout->code_code < 0) return NULL;
    size_t size = (size_t)code->code_bytes & ~(size_t)1;
    uint64_t co_code = 0;
    if (remote_read(&reader->memory, code->address + (uint64_t)layout->code_code, &co_code, 8) != 0) return NULL;
    uint8_t *bytecode = malloc(size);
    uint8_t *kinds = calloc(size / 2, 1);
    if (!bytecode || !kinds ||
        remote_read(&reader->memory, co_code + (uint64_t)layout->bytes_sval, bytecode, size) != 0 ||
        python_opcodes_call_points(layout->major, layout->minor, bytecode, size, kinds) < 0) {
        free(bytecode);
        free(kinds);
        return NULL;
    }
    free(bytecode);
    code->return_points = kinds;
    return kinds;
}

/* The return-point kind of f_lasti instruction in code (*unit: its code unit). */
static int heap_return_point(struct python_reader *reader, struct python_code *code, int64_t instruction,
                             int64_t *unit)
{
    const uint8_t *kinds = heap_return_points(reader, code);
    int in_units = reader->layout.line_table == PYTHON_LINES_LINETABLE; /* 3.10: f_lasti in code units */
    if (!kinds || instruction < 0 || (!in_units && (instruction & 1))) return PYTHON_NO_RETURN_POINT;
    *unit = in_units ? instruction : instruction / 2;
    return python_opcodes_point_kind(kinds, (size_t)(code->code_bytes / 2), *unit);
}

/* Whether a slot of caller's value stack (among those read) holds a
 * function whose code is callee_code: at a call, the callable stays on
 * the caller's value stack until the call returns (3.6-3.10:
 * PyFunctionObject.func_code follows the object header). One call reads
 * the candidates' func_code. */
static int heap_callable_on_stack(struct python_reader *reader, const struct raw_frame *caller,
                                  uint64_t callee_code)
{
    uint64_t codes[HEAP_LOCALS];
    struct remote_range ranges[HEAP_LOCALS];
    unsigned char ok[HEAP_LOCALS];
    size_t count = 0;
    for (uint32_t i = caller->stack_start; i < caller->local_count && i < HEAP_LOCALS; i++) {
        uint64_t object = caller->locals[i];
        if (object && !(object & 7)) {
            codes[count] = 0;
            ranges[count] = (struct remote_range){object + HEAP_FUNCTION_CODE_OFFSET, &codes[count], 8};
            count++;
        }
    }
    int error = 0;
    if (count) remote_read_ranges(&reader->memory, ranges, count, ok, &error);
    for (size_t i = 0; i < count; i++)
        if (ok[i] && codes[i] == callee_code) return 1;
    return 0;
}

/* Whether callee's first local (its first argument, at the call) is on
 * caller's value stack (among the slots read): arguments stay there until
 * the call returns. */
static int heap_argument_on_stack(const struct raw_frame *caller, const struct raw_frame *callee)
{
    if (!callee->local_count || !callee->locals[0]) return 0;
    for (uint32_t i = caller->stack_start; i < caller->local_count && i < HEAP_LOCALS; i++)
        if (caller->locals[i] == callee->locals[0]) return 1;
    return 0;
}

/* Whether code's call site unit is the only line of code known to call
 * callee_code. */
static int heap_site_alone(struct python_reader *reader, struct python_code *code, uint32_t unit,
                           uint64_t callee_code)
{
    uint32_t line = python_objects_line(reader->objects, code, 2 * (int64_t)unit);
    for (size_t i = 0; i < code->callee_count; i++) {
        const struct python_callee *site = &code->callees[i];
        if (site->function == callee_code && site->unit != unit &&
            python_objects_line(reader->objects, code, 2 * (int64_t)site->unit) != line)
            return 0;
    }
    return 1;
}

/* Check 2 of walk_heap_once: whether caller was suspended in a call to
 * callee when read. */
static int heap_caller_ok(struct python_reader *reader, const struct raw_frame *caller, const struct raw_frame *callee)
{
    struct python_code *code = caller->code_entry;
    if (!code || !callee->code) return 0;
    int64_t unit;
    if (caller->instruction == caller->instruction_before) {
        int kind = heap_return_point(reader, code, caller->instruction, &unit);
        if (kind == PYTHON_NO_RETURN_POINT) return 0;
        /* a caller read before its callee in copy 1 and after it in copy 2
         * is not pinned by the callee's life while read: a recursion can
         * reuse its frame for the same call between the copies while, in
         * between, it made another call to the same function (the callee
         * seen) from another line. Kept when the pair stays put, when the
         * callee's first local (its first argument) is on the caller's
         * value stack, or when no other line of the caller is known to
         * call that function. */
        if (caller->group < callee->group && !caller->pair_seen && !heap_argument_on_stack(caller, callee) &&
            !heap_site_alone(reader, code, (uint32_t)unit, callee->code))
            return 0;
        if (python_objects_callee_known(code, (uint32_t)unit, callee->code)) return 1;
        /* not known: a call to a callee read the same in both copies,
         * whose function is still on the caller's value stack (then the
         * site learns it); never an instruction reaching Python code
         * through a slot (an operator, ...), nor a top taken from one copy
         * (whose fields may come from lines copied at different moments) */
        if (kind != PYTHON_RETURN_POINT_CALL || !callee->same_frame ||
            !heap_callable_on_stack(reader, caller, callee->code))
            return 0;
        python_objects_learn_callee(code, (uint32_t)unit, callee->code);
        return 1;
    }
    /* it moved on between the copies (two calls of one life, or two lives
     * of the frame for calls from one caller): taken when both are call
     * sites known to call callee's code, on one line */
    const int64_t candidates[2] = {caller->instruction_before, caller->instruction};
    int in_units = reader->layout.line_table == PYTHON_LINES_LINETABLE;
    uint32_t lines[2];
    for (int i = 0; i < 2; i++) {
        if (heap_return_point(reader, code, candidates[i], &unit) == PYTHON_NO_RETURN_POINT ||
            !python_objects_callee_known(code, (uint32_t)unit, callee->code))
            return 0;
        lines[i] = python_objects_line(reader->objects, code, in_units ? candidates[i] * 2 : candidates[i]);
    }
    return lines[0] == lines[1];
}

/* Walks the chain from the top at address through the batch of
 * walk_heap_once (copy 1 in ranges [0, top_index), copy 2 after it) into
 * reader->raw, with checks 1 and 3 of walk_heap_once: a top not the same
 * in both copies is taken from copy top_copy (1 or 2), or with top_copy 0
 * makes it return 2. Returns 1 (*depth frames), 0 (torn; *unreadable set
 * when a range could not be read), -1 when a frame is not among the slots
 * (its address in reader->raw[*depth]). */
static int heap_walk_chain(struct python_reader *reader, const struct thread_memory *memory, uint64_t address,
                           size_t top_index, int top_copy, size_t *depth, int *unreadable)
{
    const struct python_layout *layout = &reader->layout;
    size_t window = reader->frame_window, groups = memory ? memory->group_count : 0;
    size_t slots = memory ? memory->slot_count : 0, hint = slots ? slots - 1 : 0;
    size_t compare_window = memory && !memory->narrow ? heap_window(layout, window) : window;
    int top_ordered = 0; /* its caller must be read before the top in copy 1 and after it in copy 2 */
    *depth = 0;
    while (address) {
        if (*depth >= MAX_DEPTH || (address & 7)) return 0;
        for (size_t i = 0; i < *depth; i++)
            if (reader->raw[i].address == address) return 0; /* a cycle */
        if (grow((void **)&reader->raw, &reader->raw_capacity, *depth + 1, sizeof *reader->raw)) return 0;
        struct raw_frame *raw = &reader->raw[*depth];
        memset(raw, 0, RAW_FRAME_CLEARED);
        raw->address = address;
        ptrdiff_t slot = slots ? heap_slot_index(memory, address, &hint) : -1;
        if (slot < 0) return -1;
        uint32_t group_index = memory->slots[slot].group;
        const struct heap_group *group = &memory->groups[group_index];
        size_t first = group_index, second = top_index + groups - first;
        if (!reader->ranges_ok[first] || !reader->ranges_ok[second]) {
            *unreadable = 1;
            return 0;
        }
        const uint8_t *before = reader->ranges[first].buffer + (address - group->start);
        const uint8_t *after = reader->ranges[second].buffer + (address - group->start);
        int64_t references_before = (int64_t)word_at(before, 0), references_after = (int64_t)word_at(after, 0);
        uint64_t previous_before, code_before;
        int64_t instruction_before;
        decode_frame(layout, before, 0, &previous_before, &code_before, &instruction_before);
        decode_frame(layout, after, 0, &raw->previous, &raw->code, &raw->instruction);
        raw->same_frame = references_before > 0 && references_after > 0 && previous_before == raw->previous &&
                          code_before == raw->code;
        raw->instruction_before = instruction_before;
        raw->group = group_index;
        raw->entry = 1;
        raw->from_chunk = 1;
        /* all of it but the reference count (a callee's f_back holds one),
         * its first locals (arguments first) included */
        uint64_t slots_before = word_at(before, layout->var_size), slots_after = word_at(after, layout->var_size);
        size_t compared = compare_window;
        if (slots_after < (compare_window - heap_localsplus_offset(layout)) / 8)
            compared = heap_localsplus_offset(layout) + 8 * slots_after;
        if (compared < window) compared = window;
        raw->stable = raw->same_frame && slots_before == slots_after && memcmp(before + 8, after + 8, compared - 8) == 0;
        raw->local_count = compared > heap_localsplus_offset(layout)
                               ? (uint32_t)((compared - heap_localsplus_offset(layout)) / 8)
                               : 0;
        memcpy(raw->locals, after + heap_localsplus_offset(layout), 8 * (size_t)raw->local_count);
        uint64_t valuestack = word_at(after, HEAP_VALUESTACK_OFFSET), locals = address + heap_localsplus_offset(layout);
        raw->stack_start = valuestack >= locals && valuestack - locals < 8 * (uint64_t)HEAP_LOCALS
                               ? (uint32_t)((valuestack - locals) / 8)
                               : HEAP_LOCALS;
        if (*depth == 0 && !raw->same_frame) {
            /* the top from one copy, alive there, with a caller: the same
             * in both copies, or read before it in copy 1 and after it in
             * copy 2 */
            if (!top_copy) return 2;
            if ((top_copy == 1 ? references_before : references_after) <= 0) return 0;
            top_ordered = previous_before != raw->previous;
            if (top_copy == 1) {
                raw->previous = previous_before;
                raw->code = code_before;
                raw->instruction = instruction_before;
            }
            if (!raw->previous) return 0;
        } else if (!raw->same_frame || (*depth > 0 && raw->instruction == instruction_before && !raw->stable)) {
            return 0;
        } else if (*depth == 1 && top_ordered && group_index > reader->raw[0].group) {
            return 0;
        }
        if (*depth == 0) raw->instruction_before = raw->instruction; /* the top's own, from one moment */
        (*depth)++;
        address = raw->previous;
    }
    return 1;
}

/* Whether the thread's last walked chain had caller, at the same
 * f_lasti, over callee with the same code. */
static int heap_pair_seen(const struct thread_memory *memory, const struct raw_frame *caller,
                          const struct raw_frame *callee)
{
    for (size_t i = 0; memory && i < memory->pair_count; i++) {
        const struct heap_pair *pair = &memory->pairs[i];
        if (pair->caller == caller->address)
            return pair->instruction == caller->instruction && pair->callee == callee->address &&
                   pair->callee_code == callee->code;
    }
    return 0;
}

/* Remembers the pairs of a walked chain (raw[0 .. depth)) for heap_pair_seen. */
static void heap_remember_pairs(struct thread_memory *memory, const struct raw_frame *raw, size_t depth)
{
    if (!memory || grow((void **)&memory->pairs, &memory->pair_capacity, depth + 1, sizeof *memory->pairs)) return;
    memory->pair_count = 0;
    for (size_t i = 1; i < depth; i++)
        memory->pairs[memory->pair_count++] =
            (struct heap_pair){raw[i].address, raw[i - 1].address, raw[i - 1].code, raw[i].instruction};
}

/* Adds to the batch one validation read per code object of the walked
 * frames that needs one (a recursion has the same code on many frames:
 * validate_read_codes reads them back in the same order, once each). */
static void add_validation_ranges(struct python_reader *reader, size_t depth, size_t *count, size_t *used)
{
    size_t validation_size = python_objects_validation_size(reader->objects);
    size_t validation_offset = python_objects_validation_offset(reader->objects);
    for (size_t i = 0; i < depth; i++) {
        struct python_code *code = reader->raw[i].code_entry;
        if (!code || !code_needs_validation(reader, code) || code->queued_walk == reader->walks) continue;
        code->queued_walk = reader->walks;
        add_range(reader, count, used, reader->raw[i].code + validation_offset, validation_size);
    }
}

/* Checks the code objects of reader->raw[0, depth) not yet validated this
 * round against their identifying fields, read into reader->ranges from
 * first_range on (one range each, in frame order); marks them validated.
 * Returns 0 when one is no longer the code object it was. */
static int validate_read_codes(struct python_reader *reader, size_t depth, size_t first_range)
{
    size_t range = first_range;
    for (size_t i = 0; i < depth; i++) {
        struct raw_frame *raw = &reader->raw[i];
        if (!raw->code_entry || !code_needs_validation(reader, raw->code_entry)) continue;
        if (!python_objects_validate(reader->objects, raw->code_entry, reader->ranges[range++].buffer))
            return 0;
        raw->code_entry->validated_round = reader->round;
    }
    return 1;
}

/* Validates now, in one call of their own, the code objects of the walked
 * frames that need it (unvalidated of them at most). Returns 1 when all
 * are still what they were, 0 when one is not (or could not be read), -1
 * (*error) when the process is gone or forbids reading. */
static int validate_codes_now(struct python_reader *reader, size_t depth, size_t unvalidated, int *error)
{
    size_t validation_size = python_objects_validation_size(reader->objects);
    size_t count = 0, used = 0;
    if (grow((void **)&reader->range_buffer, &reader->range_buffer_capacity,
             unvalidated * (validation_size + 8) + 8, 1))
        return 0;
    add_validation_ranges(reader, depth, &count, &used);
    int result = run_batch(reader, count, error);
    if (result != 0) return result < 0 ? -1 : 0;
    return validate_read_codes(reader, depth, 0);
}

/* One attempt at a thread's stack up to 3.10. Returns 1 (valid), 0
 * (changed while read, or not sane), -1 (*error: the process is gone or
 * forbids reading).
 *
 * Up to 3.10 frames are PyFrameObjects on the heap, linked by f_back from
 * tstate->frame; a running frame writes f_lasti at every instruction, and
 * a frame comes back from its code's "zombie" frame or a LIFO free list,
 * so a recursion keeps reusing a few addresses, at any depth. A busy
 * recursion changes its top frames every ~70 ns while one range of a
 * process_vm_readv call costs ~400 ns here: no read of a stack is a
 * snapshot (reading the whole stack twice between three equal tops kept
 * 0.1% of a busy recursion's stacks on separate CPUs).
 *
 * Reads: the thread's slots (the frame addresses its stacks used in the
 * last HEAP_SLOT_AGE samples), grouped by page, each group one range
 * covering the header and first HEAP_LOCALS slots of its frames, in one
 * call: [copy 1, the groups outermost first; the top pointer; copy 2,
 * innermost first]. The kernel copies the ranges in order, taking and
 * dropping the mm lock (a full barrier) between them: every read of copy 1
 * precedes the top pointer's, which precedes every read of copy 2 (inside
 * a range the order is not defined). A frame not among the slots is
 * followed alone (heap_discover) and the attempt made again.
 *
 * Checks, walking from the frame the top pointer held at its read, t:
 * 1. Every frame below the top is alive (ob_refcnt > 0; a frame in the
 *    free list or a zombie has 0) in both copies, with the same f_back
 *    and f_code, so (but for the reuse below) the same life of the frame
 *    over an interval holding t; a frame holds its caller (f_back holds a
 *    reference), and a caller stays suspended in its call while the
 *    callee lives: the chain is the one at t. A caller whose f_lasti is
 *    the same in both copies must be the same whole (header and first
 *    locals, but ob_refcnt): suspended throughout, at that instruction.
 * 2. A caller's f_lasti is at a return point (python_opcodes_call_points):
 *    a call, or an instruction reaching Python code through a type slot
 *    (an operator, an attribute, iteration, ...), at a site known to call
 *    the callee's code (4); or at a call, to a callee that passed 1, whose
 *    function is still on the caller's value stack (one of its first slots
 *    holds a function whose code is the callee's: the callable stays there
 *    until the call returns; the site then learns it). A caller whose
 *    f_lasti moved between the copies (it returned and called again, or
 *    the frame was reused for another call from the same caller) is kept
 *    only when both are sites known to call the callee's code, on one
 *    line. A caller read before its callee in copy 1 and after it in copy
 *    2 is not pinned by the callee's life while read (one read inside the
 *    callee's interval is): a recursion can reuse its frame for the same
 *    call (the same state) before the second copy after making, in
 *    between, another call to the same function from another line. Such a
 *    pair is kept when it was so in the thread's previous walk too, when
 *    the callee's first local (its first argument) is on the caller's
 *    value stack, or when no other line of the caller is known to call
 *    that function.
 * 3. The top needs f_back and f_code the same in both copies (its f_lasti
 *    and locals move; its f_lasti is the second copy's). A top that lived
 *    for less than the interval (a leaf of a busy recursion lives ~100 ns)
 *    is taken from one copy, in which it is alive, with a caller: if its
 *    f_back differs between the copies, that caller must be in an earlier
 *    or the same range (read before it in copy 1 and after it in copy 2:
 *    its life holds the moment the top was copied). Its fields may then
 *    come from cache lines copied at different moments (a frame being set
 *    up): its code must be one its caller's site is known to call.
 * 4. Call sites learn their callees (python_objects_learn_callee, trusted
 *    when seen twice) from pairs whose callee passed 1 and whose caller,
 *    the same whole in both copies, was read in the same range as the
 *    callee or was so in the thread's previous walk too (a pair that stays
 *    put); from the callable check of 2; from threads the caller keeps
 *    stopped.
 *
 * Guaranteed, unless a frame's address was reused as below: the frames,
 * their code and their order are the thread's at t (the top's f_lasti
 * from a moment of the interval, maybe of another call of that function
 * by the same caller); each caller's site calls its callee's function.
 * Not guaranteed: a frame freed and reused between the copies for a frame
 * of the same code, called by the same caller, at the same instruction
 * with the same first locals, with another life in between at t (a
 * recursion makes the same calls again at the same addresses) and none of
 * the marks of 2 to tell: the caller's line can then be another of its
 * calls to the callee's function (the first time both lines are seen,
 * before the second is learnt). Stacks through a site not yet learnt, but
 * for calls whose callable is on the stack, are discarded rather than
 * guessed. Measured on separate CPUs (tests/e2e/python_dump.sh's
 * fixtures, 3.6-3.10): busy_recursion.py 77-100% kept in 1 million
 * samples (the previous scheme, the whole stack the same twice between
 * three equal tops: 0-0.6%), busy_call_sites.py 15-60% (its wrapper
 * frames live ~100 ns), none wrong; busy_depths.py (one function called
 * from six lines, each caller's line fixing its callee's): no caller
 * wrong in 386 000 kept stacks (before the checks of callers read outside
 * their callee's interval: 1 in 7 000; 3.11+'s one-copy checks: 1 in
 * 25 000). */
static int walk_heap_once(struct python_reader *reader, const struct thread_record *thread,
                          size_t *frame_count, int *error)
{
    const struct python_layout *layout = &reader->layout;
    struct thread_memory *memory = thread_memory_for(reader, thread->address);
    uint64_t top_pointer_address = thread->address + (uint64_t)layout->tstate_frame;
    size_t groups = memory ? memory->group_count : 0;
    *frame_count = 0;
    reader->pairs_wanted = reader->pairs_used = 0;

    /* [copy 1 outermost first, top, copy 2 innermost first] in one call */
    size_t count = 0, used = 0, needed = 16;
    for (size_t g = 0; g < groups; g++) needed += 2 * ((memory->groups[g].end - memory->groups[g].start + 7) & ~(uint64_t)7);
    if (grow((void **)&reader->range_buffer, &reader->range_buffer_capacity, needed, 1)) return 0;
    for (size_t g = 0; g < groups; g++)
        add_range(reader, &count, &used, memory->groups[g].start, memory->groups[g].end - memory->groups[g].start);
    size_t top_index = count;
    uint8_t *top_bytes = add_range(reader, &count, &used, top_pointer_address, 8);
    for (size_t g = groups; g-- > 0;)
        add_range(reader, &count, &used, memory->groups[g].start, memory->groups[g].end - memory->groups[g].start);
    if (!top_bytes || count != 2 * groups + 1) return 0;
    if (run_batch(reader, count, error) < 0) return -1;
    if (!reader->ranges_ok[top_index]) return 0;
    uint64_t address = word_at(top_bytes, 0);
    if (!address) {
        if (memory) heap_remember(reader, memory, 0);
        return 1; /* no Python frame running: an empty, valid stack */
    }

    /* the chain from the top, each frame the same in both copies */
    size_t depth = 0;
    int whole = reader->thread_stopped;
    int unreadable = 0;
    int walked = heap_walk_chain(reader, memory, address, top_index, 0, &depth, &unreadable);
    if (walked == 2) {
        walked = heap_walk_chain(reader, memory, address, top_index, 2, &depth, &unreadable);
        if (walked == 0) walked = heap_walk_chain(reader, memory, address, top_index, 1, &depth, &unreadable);
    }
    if (walked < 0) return heap_discover(reader, memory, depth, reader->raw[depth].address, error);
    if (unreadable && memory && !memory->narrow) {
        /* a frame's locals ran into unmapped memory: read headers only */
        memory->narrow = 1;
        heap_regroup(memory, reader->frame_window);
    }
    if (walked == 0) return 0;
    for (size_t i = 0; i < depth; i++) whole = whole && reader->raw[i].stable;
    if (memory) heap_remember(reader, memory, depth);

    /* the code objects, validated this round or in one more call */
    size_t unvalidated = 0;
    int resolved = resolve_codes(reader, depth, &unvalidated, error);
    if (resolved <= 0) return resolved;
    /* a generator that yields clears its f_back: copied then, it looks
     * like the thread's outermost frame, which is never a generator's
     * (one resumed from C still links to the frame that called into C) */
    const struct python_code *outermost = depth ? reader->raw[depth - 1].code_entry : NULL;
    if (outermost && layout->code_flags >= 0 && (outermost->flags & (uint32_t)layout->generator_flags))
        return 0;
    if (unvalidated) {
        int validated = validate_codes_now(reader, depth, unvalidated, error);
        if (validated <= 0) return validated;
    }

    /* call sites learn their callees from callees alive and the same in
     * both copies (their callers stayed in that call meanwhile), read in
     * the same range as their caller, which had not moved; then every
     * caller must be suspended in a call to a callee its site may call */
    for (size_t i = 1; i < depth; i++) {
        struct raw_frame *caller = &reader->raw[i];
        const struct raw_frame *callee = &reader->raw[i - 1];
        int64_t unit;
        caller->pair_seen = heap_pair_seen(memory, caller, callee);
        int steady = callee->same_frame && caller->stable && caller->instruction == caller->instruction_before &&
                     (caller->group == callee->group || caller->pair_seen);
        if ((whole || steady) && caller->code_entry && callee->code &&
            heap_return_point(reader, caller->code_entry, caller->instruction, &unit) != PYTHON_NO_RETURN_POINT)
            python_objects_learn_callee(caller->code_entry, (uint32_t)unit, callee->code);
    }
    heap_remember_pairs(memory, reader->raw, depth);
    for (size_t i = 1; i < depth; i++)
        if (!heap_caller_ok(reader, &reader->raw[i], &reader->raw[i - 1])) return 0;
    return name_frames(reader, depth, frame_count);
}

/* One attempt at a thread's stack: a snapshot read in one call between two
 * reads of the top-frame pointer, then the walk. Returns 1 (valid, frames
 * in reader->frames), 0 (changed while read, or not sane), -1 (*error:
 * the process is gone or forbids reading). */
/* Whether a snapshot call that ran from start to end was much slower than
 * the calls before it (*usual_ns, a moving average it updates): then it
 * was interrupted or preempted while copying, and the frames copied before
 * and after the pause are from different moments, deep ones included. */
static int call_stalled(double *usual_ns, const struct timespec *start, const struct timespec *end)
{
    double ns = (double)(end->tv_sec - start->tv_sec) * 1e9 + (double)(end->tv_nsec - start->tv_nsec);
    double usual = *usual_ns;
    *usual_ns = usual > 0 ? usual + (ns - usual) / 16 : ns;
    return usual > 0 && ns > usual * STALL_FACTOR;
}

/* Whether the walked chain (reader->raw[0 .. depth), 3.11+) ends as a
 * whole chain does. A chain cut short by a frame copied while suspended
 * is torn: a generator that yields clears its previous, so read then it
 * looks like the thread's outermost frame. A thread's outermost frame is
 * never a generator's (even one resumed from C links to the frame that
 * called into C), and 3.12+ enter every eval loop through a shim frame on
 * the C stack, so their chains end in one. */
static int chain_ends_whole(const struct python_reader *reader, size_t depth)
{
    const struct python_layout *layout = &reader->layout;
    if (depth == 0) return 1;
    const struct raw_frame *outermost = &reader->raw[depth - 1];
    return !((layout->owner_cstack >= 0 && outermost->code) ||
             (layout->owner_generator >= 0 && outermost->owner == layout->owner_generator));
}

/* 3.12+: the frame at index is a shim owned by the C stack: it has no
 * code of its own, and the frame pushed after it (seen before it) was the
 * first of an eval loop entered from C. */
static void mark_shim(struct python_reader *reader, size_t index)
{
    for (size_t i = index; i-- > 0;)
        if (reader->raw[i].code) {
            reader->raw[i].entry = 1;
            break;
        }
    reader->raw[index].code = 0;
}

/* A one-copy snapshot's ranges as walk_once indexes them: plan's, all three
 * top reads the one top read, both copies the one copy. */
static void take_one_copy_plan(const struct python_reader *reader, const struct chunk_plan *plan,
                               size_t first_spec[2], size_t copy_index[2], size_t top_index[3],
                               uint8_t *tops[3], size_t cframe_index[2], uint8_t *cframe_reads[2],
                               size_t *stack_top_index, uint8_t **stack_top_read)
{
    first_spec[0] = plan->first_spec[0];
    first_spec[1] = plan->first_spec[1];
    copy_index[0] = copy_index[1] = plan->copy_index;
    top_index[0] = top_index[1] = top_index[2] = plan->top_index;
    tops[0] = tops[1] = tops[2] = reader->ranges[plan->top_index].buffer;
    for (int i = 0; i < 2; i++) {
        cframe_index[i] = plan->cframe_index[i];
        cframe_reads[i] = plan->cframe_address ? reader->ranges[plan->cframe_index[i]].buffer : NULL;
    }
    *stack_top_index = plan->stack_top_index;
    *stack_top_read = plan->cframe_address ? reader->ranges[plan->stack_top_index].buffer : NULL;
}

static int walk_once(struct python_reader *reader, const struct thread_record *thread, uint64_t *cframe_seen,
                     size_t *frame_count, int *error)
{
    const struct python_layout *layout = &reader->layout;
    const uint8_t *tstate = thread->window;
    int modern = layout->iframe_previous >= 0;
    uint64_t top_pointer_address, top_before = 0, top_after = 0, cframe = 0;
    struct snapshot snapshot;
    struct thread_memory *memory = NULL;
    memset(&snapshot, 0, sizeof snapshot);
    *frame_count = 0;
    reader->walks++;

    if (!modern) return walk_heap_once(reader, thread, frame_count, error);
    memory = thread_memory_for(reader, thread->address);
    if (layout->tstate_current_frame >= 0) {
        top_pointer_address = thread->address + (uint64_t)layout->tstate_current_frame;
    } else {
        /* the CFrame the thread state showed: in the round's first call,
         * or, after an attempt found it changed, in that attempt */
        cframe = *cframe_seen ? *cframe_seen : word_at(tstate, layout->tstate_cframe);
        if (!cframe) return 1;
        top_pointer_address = cframe + (uint64_t)layout->cframe_current_frame;
    }

    /* the snapshot: [top, frames, top(, cframe)] in one call */
    size_t range_count = 0, used = 0, spec = memory ? memory->count : 0;
    uint64_t chunk = 0, copy_size = 0, stack_top = 0, limit = 0;
    if (modern) {
        chunk = word_at(tstate, layout->tstate_datastack_chunk);
        stack_top = word_at(tstate, layout->tstate_datastack_top);
        limit = word_at(tstate, layout->tstate_datastack_limit);
        if (chunk && stack_top > chunk) {
            uint64_t end = stack_top + WALK_ROOM; /* room for frames pushed since */
            if (limit > stack_top && limit < end) end = limit;
            if (end - chunk <= MAX_CHUNK_COPY) copy_size = end - chunk;
        }
    }
    /* 3.11+ with a data-stack chunk: [copy, top, copy], callers equal in
     * both copies and checked by markers (see suspended_caller); up to
     * 3.10 (and 3.11+ without a chunk): [top, copy, top, copy, top]. */
    int single = modern && copy_size > 0;
    /* the second copy only vouches for pairs the markers cannot (a call
     * site not learnt yet, a call through C): read when the thread's last
     * stack had some (the reads disturb the target: its hot stack lines,
     * once copied, cost it a cache miss when it writes them again) */
    reader->one_copy = single && memory && (!memory->two_copies || reader->thread_stopped);
    reader->walk_memory = memory;
    reader->pairs_wanted = reader->pairs_used = 0;
    struct chunk_plan plan = {.thread = thread->address,
                              .chunk = chunk,
                              .copy_size = copy_size,
                              .top_pointer_address = top_pointer_address,
                              .cframe_address = cframe ? thread->address + (uint64_t)layout->tstate_cframe : 0,
                              .stack_top_address = thread->address + (uint64_t)layout->tstate_datastack_top,
                              .spec = spec};
    /* the sample's first call may have read this very snapshot */
    const struct chunk_plan *read = &reader->chunk_read;
    int prefetched = single && reader->one_copy && read->round == reader->round &&
                     read->thread == plan.thread && read->chunk == chunk && copy_size <= read->copy_size &&
                     read->top_pointer_address == top_pointer_address &&
                     read->cframe_address == plan.cframe_address && read->spec == spec;
    reader->chunk_read.round = 0; /* once: a second attempt reads afresh */
    uint8_t *tops[3];
    /* 3.11-3.12: the cframe pointer, read right before and after the top
     * read the stack is walked from (the top is the current CFrame's
     * current_frame) */
    uint8_t *cframe_reads[2] = {NULL, NULL};
    size_t cframe_reads_count = 0;
    size_t first_spec[2], top_index[3], copy_index[2] = {0, 0}, steady_index[2] = {0, 0};
    size_t cframe_index[2] = {0, 0};
    /* with them: the data stack's top, read right after the top pointer */
    uint8_t *stack_top_read = NULL;
    size_t stack_top_index = 0;
    if (prefetched) {
        plan = *read;
        copy_size = plan.copy_size;
        take_one_copy_plan(reader, &plan, first_spec, copy_index, top_index, tops, cframe_index,
                           cframe_reads, &stack_top_index, &stack_top_read);
        cframe_reads_count = cframe ? 2 : 0;
        reader->stats.prefetched_snapshots++;
        goto snapshot_read;
    }
    size_t needed = 128 + 2 * copy_size + 2 * spec * (reader->frame_window + 8);
    if (grow((void **)&reader->range_buffer, &reader->range_buffer_capacity, needed, 1)) return 0;
    if (single && reader->one_copy) {
        if (!one_copy_ranges(reader, &range_count, &used, memory, spec, &plan)) return 0;
        take_one_copy_plan(reader, &plan, first_spec, copy_index, top_index, tops, cframe_index,
                           cframe_reads, &stack_top_index, &stack_top_read);
        cframe_reads_count = cframe ? 2 : 0;
    } else if (single) {
        /* [frames outside the chunk, chunk, top, chunk, frames outside
         * again]: one top read, between the copies. The kernel's copy
         * reads cache lines in no fixed order, so neither copy alone is a
         * snapshot; but every read of the first precedes the top read,
         * which precedes every read of the second: a caller the same in
         * both was in that state when the top was read, its callee
         * included. The top itself may move on in between (a busy
         * recursion moves it every few tens of ns): frames above it are
         * not looked at, and the top frame's instruction may differ.
         * With two copies the top is also read first and last: frames the
         * same in both copies vouch for their pairs only if the three
         * agree (a recursion cycling through the same states can read the
         * same twice; all three too is much rarer). */
        if (!reader->one_copy) {
            steady_index[0] = range_count;
            add_range(reader, &range_count, &used, top_pointer_address, 8);
        }
        first_spec[0] = range_count;
        for (size_t i = 0; i < spec; i++)
            add_range(reader, &range_count, &used, memory->frames[i], reader->frame_window);
        copy_index[0] = range_count;
        add_range(reader, &range_count, &used, chunk, (size_t)copy_size);
        add_cframe_read(reader, &range_count, &used, &plan, cframe_index, cframe_reads, &cframe_reads_count);
        top_index[0] = top_index[1] = top_index[2] = range_count;
        tops[0] = tops[1] = tops[2] = add_range(reader, &range_count, &used, top_pointer_address, 8);
        if (cframe) {
            stack_top_index = range_count;
            stack_top_read = add_range(reader, &range_count, &used, plan.stack_top_address, 8);
        }
        add_cframe_read(reader, &range_count, &used, &plan, cframe_index, cframe_reads, &cframe_reads_count);
        copy_index[1] = copy_index[0];
        if (!reader->one_copy) {
            copy_index[1] = range_count;
            add_range(reader, &range_count, &used, chunk, (size_t)copy_size);
            steady_index[1] = range_count;
            add_range(reader, &range_count, &used, top_pointer_address, 8);
        }
        first_spec[1] = range_count;
        for (size_t i = 0; i < spec; i++)
            add_range(reader, &range_count, &used, memory->frames[i], reader->frame_window);
    } else {
        /* [top, copy 1, top, copy 2, top]: the stack is taken from copy 1
         * walked from the middle top, and must be the same in copy 2 */
        add_cframe_read(reader, &range_count, &used, &plan, cframe_index, cframe_reads, &cframe_reads_count);
        top_index[0] = range_count;
        tops[0] = add_range(reader, &range_count, &used, top_pointer_address, 8);
        for (int copy = 0; copy < 2; copy++) {
            copy_index[copy] = range_count;
            if (copy_size) add_range(reader, &range_count, &used, chunk, (size_t)copy_size);
            first_spec[copy] = range_count;
            for (size_t i = 0; i < spec; i++)
                add_range(reader, &range_count, &used, memory->frames[i], reader->frame_window);
            top_index[copy + 1] = range_count;
            tops[copy + 1] = add_range(reader, &range_count, &used, top_pointer_address, 8);
        }
    }
    if (!single)
        add_cframe_read(reader, &range_count, &used, &plan, cframe_index, cframe_reads, &cframe_reads_count);
    if (!tops[0] || !tops[1] || !tops[2]) return 0;
    for (size_t i = 0; i < cframe_reads_count; i++)
        if (!cframe_reads[i]) return 0;
    struct timespec call_start, call_end;
    clock_gettime(CLOCK_MONOTONIC, &call_start);
    if (run_batch(reader, range_count, error) < 0) return -1;
    clock_gettime(CLOCK_MONOTONIC, &call_end);
    if (single && call_stalled(&reader->copy_ns, &call_start, &call_end)) return 0;
snapshot_read:
    for (int i = 0; i < 3; i++)
        if (!reader->ranges_ok[top_index[i]]) return 0;
    top_before = word_at(tops[1], 0);
    top_after = word_at(tops[2], 0);
    if (word_at(tops[0], 0) != top_before || top_after != top_before) return 0;
    int tops_steady = 0;
    if (single && !reader->one_copy)
        tops_steady = reader->ranges_ok[steady_index[0]] && reader->ranges_ok[steady_index[1]] &&
                      word_at(reader->ranges[steady_index[0]].buffer, 0) == top_before &&
                      word_at(reader->ranges[steady_index[1]].buffer, 0) == top_before;
    /* The top pointer is the current CFrame's current_frame: read through
     * a CFrame no longer current (a CFrame lives on the C stack, and its
     * memory keeps the last frame its eval loop ran), or not yet set by
     * one being entered, it is stale. A stale top is always the first
     * frame of an eval loop entered from C, whose caller is vouched for
     * only by two copies that agree (suspended_caller): with two copies
     * the CFrame must be current right before and after the top read
     * between them; with one, right before or after it (a CFrame current before is
     * current at the top read, or an outer one: its current_frame is the
     * frame that called into C, the top a moment before). Every call from
     * C into Python code (a property, __init__, a generator on 3.11, ...)
     * runs its own eval loop with its own CFrame: the next attempt
     * follows the one read last, not the round's first call's, long gone
     * by then. */
    if (cframe_reads_count) {
        size_t current = 0;
        for (size_t i = 0; i < cframe_reads_count; i++)
            current += reader->ranges_ok[cframe_index[i]] && word_at(cframe_reads[i], 0) == cframe;
        if (current < (single && reader->one_copy ? 1 : cframe_reads_count)) {
            for (size_t j = cframe_reads_count; j-- > 0;)
                if (reader->ranges_ok[cframe_index[j]] && word_at(cframe_reads[j], 0) != cframe) {
                    *cframe_seen = word_at(cframe_reads[j], 0);
                    break;
                }
            return 0;
        }
    }
    /* the next sample's first call reads this thread's snapshot so, if it
     * is the first thread (see python_reader_sample) */
    if (single && thread == &reader->threads[0]) {
        /* reaching as deep as the thread's stack went in its last walks
         * (plus the walk's room above it): the stack is as likely to be
         * that deep next time. Only lines the thread writes anyway are
         * copied (each copied line costs it a cache miss when it writes
         * the line again). */
        if (reader->recent_tops_chunk != chunk) {
            memset(reader->recent_tops, 0, sizeof reader->recent_tops);
            reader->recent_tops_chunk = chunk;
        }
        reader->recent_tops[reader->recent_top_next++ % PREFETCH_TOPS] = stack_top;
        uint64_t deepest = stack_top;
        for (size_t i = 0; i < PREFETCH_TOPS; i++)
            if (reader->recent_tops[i] > deepest) deepest = reader->recent_tops[i];
        uint64_t end = deepest + WALK_ROOM;
        if (limit > stack_top && end > limit) end = limit;
        reader->next_chunk = plan;
        reader->next_chunk.round = 0;
        if (end - chunk <= MAX_CHUNK_COPY && end - chunk > plan.copy_size)
            reader->next_chunk.copy_size = end - chunk;
    }
    struct snapshot second;
    memset(&second, 0, sizeof second);
    if (copy_size) {
        snapshot.contiguous = 1;
        snapshot.start = chunk;
        if (reader->ranges_ok[copy_index[0]] && reader->ranges_ok[copy_index[1]]) {
            snapshot.size = second.size = (size_t)copy_size;
            snapshot.bytes = reader->ranges[copy_index[0]].buffer;
            second.contiguous = 1;
            second.start = chunk;
            second.bytes = reader->ranges[copy_index[1]].buffer; /* the same when one copy */
        }
    }
    if (spec) {
        /* keep the speculative frames' buffers apart from the batch's, which
         * the validation below reuses */
        if (grow((void **)&reader->spec_bytes, &reader->spec_bytes_capacity, 2 * spec * reader->frame_window, 1) ||
            grow((void **)&reader->spec_buffers, &reader->spec_capacity, 2 * spec, sizeof *reader->spec_buffers) ||
            grow((void **)&reader->spec_ok, &reader->spec_ok_capacity, 2 * spec, 1))
            return 0;
        for (size_t i = 0; i < 2 * spec; i++) {
            size_t index = first_spec[i / spec] + i % spec;
            memcpy(reader->spec_bytes + i * reader->frame_window, reader->ranges[index].buffer,
                   reader->frame_window);
            reader->spec_buffers[i] = reader->spec_bytes + i * reader->frame_window;
            reader->spec_ok[i] = reader->ranges_ok[index];
        }
        snapshot.addresses = second.addresses = memory->frames;
        snapshot.buffers = reader->spec_buffers;
        second.buffers = reader->spec_buffers + spec;
        snapshot.ok = reader->spec_ok;
        second.ok = reader->spec_ok + spec;
        snapshot.count = second.count = spec;
    }
    if (top_before == 0) {
        if (memory) memory->count = 0;
        return 1; /* no Python frame running: an empty, valid stack */
    }

    /* follow the chain */
    uint64_t frame_address = top_before;
    size_t depth = 0, hint = 0, outside = 0;
    while (frame_address) {
        if (depth >= MAX_DEPTH || (frame_address & 7)) return 0;
        if (grow((void **)&reader->raw, &reader->raw_capacity, depth + 1, sizeof *reader->raw)) return 0;
        struct raw_frame *raw = &reader->raw[depth];
        memset(raw, 0, RAW_FRAME_CLEARED);
        raw->address = frame_address;
        const uint8_t *bytes = snapshot_frame(reader, &snapshot, frame_address, &hint);
        uint8_t scratch[FRAME_WINDOW_MAX];
        int in_chunk = snapshot.contiguous && snapshot.size && frame_address >= snapshot.start &&
                       frame_address + reader->frame_window <= snapshot.start + snapshot.size;
        if (bytes && single && in_chunk) {
            /* whether the frame is the same in both copies decides how its
             * pair is checked (suspended_caller), not whether it is kept */
            const uint8_t *again = second.bytes + (frame_address - second.start);
            /* the whole frame, up to the frame above it in the chunk: its
             * header alone comes back the same when a loop returns to the
             * same instruction (a for loop's next item), its locals and
             * value stack seldom */
            size_t compared = reader->frame_window;
            if (depth > 0) {
                uint64_t above = reader->raw[depth - 1].address;
                if (above > frame_address + compared && above <= snapshot.start + snapshot.size)
                    compared = (size_t)(above - frame_address);
            }
            raw->stable = reader->thread_stopped || (tops_steady && memcmp(again, bytes, compared) == 0);
            raw->function_again = word_at(again, frame_function_offset(layout));
            uint64_t p1, c1, p2, c2;
            int64_t i1, i2;
            decode_frame(layout, bytes, modern, &p1, &c1, &i1);
            decode_frame(layout, again, modern, &p2, &c2, &i2);
            raw->same_frame = reader->thread_stopped ||
                              (tops_steady && p1 == p2 && c1 == c2 && raw->function_again == word_at(bytes, frame_function_offset(layout)));
            raw->from_chunk = 1;
        } else if (bytes) {
            size_t second_hint = hint ? hint - 1 : 0;
            const uint8_t *again = snapshot_frame(reader, &second, frame_address, &second_hint);
            if (!again || memcmp(again, bytes, reader->frame_window) != 0) {
                /* the top frame may have moved on between the copies; no other */
                uint64_t p1, c1, p2, c2;
                int64_t i1, i2;
                if (!again) return 0;
                decode_frame(layout, bytes, modern, &p1, &c1, &i1);
                decode_frame(layout, again, modern, &p2, &c2, &i2);
                if (p1 != p2 || c1 != c2 || (depth > 0 && i1 != i2)) return 0;
            }
            raw->from_chunk = 1;
            raw->stable = 1;
            if (modern) raw->function_again = word_at(again, frame_function_offset(layout));
        } else {
            int read_error = remote_read(&reader->memory, frame_address, scratch, reader->frame_window);
            if (read_error) {
                if (status_of_error(reader, read_error) != PYTHON_OK) {
                    *error = read_error == EPERM ? EPERM : ESRCH;
                    return -1;
                }
                return 0;
            }
            bytes = scratch;
            outside++;
            /* checked again below, or the stack is dropped; but read after
             * the snapshot, it cannot vouch for a pair with a frame of it */
            raw->stable = 0;
        }
        decode_frame(layout, bytes, modern, &raw->previous, &raw->code, &raw->instruction);
        if (modern) {
            raw->stacktop = frame_stacktop(layout, bytes);
            raw->function = word_at(bytes, frame_function_offset(layout));
            raw->owner = (int8_t)bytes[layout->iframe_owner];
            raw->receiver = read_receiver_slot(reader, &snapshot, bytes, raw->address, raw->stacktop);
            if (!raw->from_chunk) raw->function_again = raw->function;
            if (single && in_chunk) {
                /* a caller's consumed slots too must be the same in both */
                raw->consumed_known = read_consumed_slots(reader, &snapshot, raw->address, raw->stacktop,
                                                          raw->consumed, &raw->consumed_with_instr);
                if (raw->consumed_known) {
                    uint64_t again[2];
                    int again_with_instr;
                    if (!read_consumed_slots(reader, &second, raw->address, raw->stacktop, again,
                                             &again_with_instr) ||
                        again[0] != raw->consumed[0] || again[1] != raw->consumed[1])
                        raw->stable = 0;
                }
            }
        }
        raw->entry = !modern;
        if (modern) {
            if (layout->owner_cstack >= 0 && raw->owner == layout->owner_cstack)
                mark_shim(reader, depth);
            else if (layout->iframe_is_entry >= 0) {
                raw->entry = bytes[layout->iframe_is_entry] != 0;
            }
        }
        for (size_t i = 0; i < depth; i++)
            if (reader->raw[i].address == frame_address) return 0; /* a cycle */
        depth++;
        frame_address = raw->previous;
    }
    if (memory) {
        /* the next sample reads these frames speculatively: up to 3.10
         * every frame, from 3.11 those outside the data-stack copy (3.12's
         * entry shims on the C stack, generators' frames) */
        if (!grow((void **)&memory->frames, &memory->capacity, depth, sizeof *memory->frames)) {
            size_t kept = 0;
            for (size_t i = 0; i < depth; i++) {
                const struct raw_frame *raw = &reader->raw[i];
                int in_copy = snapshot.contiguous && snapshot.size && raw->address >= snapshot.start &&
                              raw->address + reader->frame_window <= snapshot.start + snapshot.size;
                if (!in_copy) memory->frames[kept++] = raw->address;
            }
            memory->count = kept;
        }
        memory->round = reader->round;
    }
    /* A CFrame being entered still points at the last frame run by the
     * eval loop that had its C-stack slot before, until it sets
     * current_frame (3.11-3.12 set tstate->cframe first). The eval loops
     * one frame calls into from C (a property, __init__, a generator)
     * share that slot, so the CFrame reads as current while its
     * current_frame is a frame already popped: that eval loop's first
     * frame, entered from C. Such a top in the data stack's chunk must lie
     * below the data stack's top, read right after it. (Checked only for
     * such tops: a busy recursion's top is often popped by then.) */
    if (stack_top_read && depth > 0 && reader->raw[0].entry) {
        if (!reader->ranges_ok[stack_top_index]) return 0;
        uint64_t live_top = word_at(stack_top_read, 0);
        if (top_before >= chunk && top_before < limit && live_top > chunk && live_top <= limit &&
            top_before >= live_top)
            return 0;
    }
    if (modern && !chain_ends_whole(reader, depth)) return 0;

    /* the code objects: validated this round, else read now, else checked
     * below, unless a frame that stayed put uses them (code_trusted) */
    size_t unvalidated = 0;
    int resolved = resolve_codes(reader, depth, &unvalidated, error);
    if (resolved <= 0) return resolved;
    if (single) {
        for (size_t i = 1; i < depth; i++)
            if (reader->raw[i].code_entry && caller_settled(memory, &reader->raw[i], &reader->raw[i - 1]))
                reader->raw[i].code_entry->persisting_walk = reader->walks;
    }
    if (unvalidated && single) {
        unvalidated = 0;
        for (size_t i = 0; i < depth; i++)
            if (reader->raw[i].code_entry && code_needs_validation(reader, reader->raw[i].code_entry))
                unvalidated++;
    }

    /* frames read one by one, and code objects not yet validated: check
     * them in one more call */
    if (outside || unvalidated) {
        size_t validation_size = python_objects_validation_size(reader->objects);
        range_count = used = 0;
        needed = 16 + outside * (reader->frame_window + 8) + unvalidated * (validation_size + 8);
        if (grow((void **)&reader->range_buffer, &reader->range_buffer_capacity, needed, 1)) return 0;
        uint8_t *top_again = add_range(reader, &range_count, &used, top_pointer_address, 8);
        for (size_t i = 0; i < depth; i++)
            if (!reader->raw[i].from_chunk)
                add_range(reader, &range_count, &used, reader->raw[i].address, reader->frame_window);
        size_t first_code_range = range_count;
        add_validation_ranges(reader, depth, &range_count, &used);
        int result = run_batch(reader, range_count, error);
        if (result < 0) return -1;
        if (result > 0 || !top_again || word_at(top_again, 0) != top_before) return 0;
        size_t range = 1;
        for (size_t i = 0; i < depth; i++) {
            const struct raw_frame *raw = &reader->raw[i];
            if (raw->from_chunk) continue;
            uint64_t previous, code;
            int64_t instruction;
            decode_frame(layout, reader->ranges[range++].buffer, modern, &previous, &code, &instruction);
            if (previous != raw->previous || (raw->code && code != raw->code)) return 0;
            if (i > 0 && raw->code && instruction != raw->instruction) return 0;
        }
        if (!validate_read_codes(reader, depth, first_code_range)) return 0;
    }

    /* one copy: every caller must have been suspended in its call when
     * copied (a frame copied while it ran, then shown with a callee copied
     * a moment later, is a torn stack) */
    if (single) {
        reader->stack_steady = depth > 0 && reader->raw[0].same_frame;
        for (size_t i = 1; i < depth && reader->stack_steady; i++)
            reader->stack_steady = reader->raw[i].stable;
        /* A caller that was running when copied was the top then: the
         * frames above it were pushed after its copy and before the top
         * pointer was read (a busy recursion calls again every few tens
         * of ns), and the stack is taken as it was when the caller was
         * copied, from that caller down (rather than read again: most
         * first copies of such a thread would be). A caller at no call
         * that 3.12+ marks suspended is taken so only when the frames
         * above it lie where the thread state, read just before the
         * copy, had no live frame (stack_top): they were pushed during
         * the read, so the stack from the caller down was whole then. */
        size_t top = 0;
        for (size_t i = 1; i < depth; i++) {
            enum caller_pair pair = suspended_caller(reader, &reader->raw[i], &reader->raw[i - 1], i - top);
            if (pair == PAIR_HOLDS) continue;
            int pushed_during_read = stack_top && reader->raw[top].address >= stack_top;
            if (i == top + 1 && (pair == PAIR_CALLER_RAN || (pair == PAIR_CALLER_AT_NO_CALL && pushed_during_read))) {
                top = i;
                continue;
            }
            return 0;
        }
        if (top) {
            memmove(reader->raw, reader->raw + top, (depth - top) * sizeof *reader->raw);
            depth -= top;
        }
        /* the next sample's first call leaves out the code objects of
         * frames that stayed put (add_recent_code_ranges) */
        for (size_t i = 1; i < depth; i++)
            if (reader->raw[i].code_entry && reader->raw[i].code_entry->persisting_walk == reader->walks)
                reader->raw[i].code_entry->pinned_round = reader->round;
        settle_callers(reader, memory, depth);
    }

    /* the frames, with their lines */
    return name_frames(reader, depth, frame_count);
}

/* A thread's stack: up to WALK_ATTEMPTS snapshots until one is whole. */
static int walk_thread(struct python_reader *reader, const struct thread_record *thread,
                       size_t *frame_count, int *error)
{
    *error = 0;
    struct thread_memory *memory = thread_memory_for(reader, thread->address);
    uint64_t cframe_seen = 0; /* 3.11-3.12: the CFrame an attempt found current */
    for (int attempt = 0; attempt < WALK_ATTEMPTS; attempt++) {
        int result = walk_once(reader, thread, &cframe_seen, frame_count, error);
        if (memory) {
            if (reader->pairs_wanted) memory->two_copies = 1;               /* again, with two */
            else if (result > 0 && !reader->pairs_used) memory->two_copies = 0; /* one will do */
        }
        if (result != 0) return result;
    }
    return 0;
}

/* Validates, in the sample's first call, the code objects the previous
 * sample used: ranges for them are added to the batch; check_recent_codes
 * reads the answers. */
static void add_recent_code_ranges(struct python_reader *reader, size_t *count, size_t *used)
{
    size_t validation_size = python_objects_validation_size(reader->objects);
    size_t validation_offset = python_objects_validation_offset(reader->objects);
    size_t kept = 0;
    for (size_t i = 0; i < reader->recent_count; i++) {
        /* on a frame that stayed put in the last sample, and validated
         * lately: likely trusted again (code_trusted), else checked then */
        const struct python_code *code = python_objects_cached_code(reader->objects, reader->recent_codes[i]);
        if (code && code->pinned_round + 1 == reader->round && code_validated_lately(reader, code))
            continue;
        reader->recent_codes[kept++] = reader->recent_codes[i];
        add_range(reader, count, used, reader->recent_codes[i] + validation_offset, validation_size);
    }
    reader->recent_count = kept;
}

static void check_recent_codes(struct python_reader *reader, size_t first_range)
{
    for (size_t i = 0; i < reader->recent_count; i++) {
        struct python_code *code = python_objects_cached_code(reader->objects, reader->recent_codes[i]);
        if (!code || !reader->ranges_ok[first_range + i]) continue;
        if (python_objects_validate(reader->objects, code, reader->ranges[first_range + i].buffer))
            code->validated_round = reader->round;
    }
    reader->recent_count = 0;
}

/* ---- Sampling ---- */

int python_reader_sample(struct python_reader *reader,
                         void (*visit)(const struct python_thread_stack *stack, void *context),
                         void *context, enum python_status *status) {
    const struct python_layout *layout = &reader->layout;
    enum python_status local_status;
    if (!status) status = &local_status;
    *status = PYTHON_OK;

    reader->round++;
    uint64_t current_address = 0;
    if (layout->runtime_tstate_current >= 0 && reader->target.runtime)
        current_address = reader->target.runtime + (uint64_t)layout->runtime_tstate_current;
    else if (reader->target.thread_state_current)
        current_address = reader->target.thread_state_current;
    size_t count = 0, used = 0;
    /* the first thread's one-copy snapshot, as its last walk read it */
    struct chunk_plan chunk_plan = reader->next_chunk;
    const struct thread_memory *chunk_memory = NULL;
    reader->chunk_read.round = 0;
    if (chunk_plan.thread && reader->spec_interp && reader->spec_thread_count &&
        reader->spec_threads[0] == chunk_plan.thread) {
        chunk_memory = thread_memory_for(reader, chunk_plan.thread);
        if (chunk_memory && chunk_memory->two_copies) chunk_memory = NULL;
        if (chunk_memory) chunk_plan.spec = chunk_memory->count;
    }
    size_t needed = 32 + reader->recent_count * (python_objects_validation_size(reader->objects) + 8) +
                    reader->recent_function_count * 8 + 64 +
                    reader->spec_thread_count * (reader->tstate_window + 8) +
                    (chunk_memory ? one_copy_bytes(reader, &chunk_plan, chunk_plan.spec) : 0);
    if (grow((void **)&reader->range_buffer, &reader->range_buffer_capacity, needed, 1)) {
        *status = PYTHON_NOT_FOUND;
        return -1;
    }
    uint8_t *head_bytes = add_range(reader, &count, &used, python_process_interpreters_head(&reader->target, layout), 8);
    uint8_t *holder_bytes = current_address ? add_range(reader, &count, &used, current_address, 8) : NULL;
    size_t first_code_range = count;
    add_recent_code_ranges(reader, &count, &used);
    size_t first_function_range = count;
    size_t kept_functions = 0;
    for (size_t i = 0; i < reader->recent_function_count; i++) {
        /* only those whose code, as last read, no longer serves */
        uint64_t address = reader->recent_functions[i];
        const struct function_entry *entry = function_slot(reader, address);
        if (entry->address == address && reader->round - entry->round < FUNCTION_TRUST_ROUNDS) continue;
        reader->recent_functions[kept_functions++] = address;
        add_range(reader, &count, &used, address + FUNCTION_CODE_OFFSET, 8);
    }
    reader->recent_function_count = kept_functions;
    /* the interpreter, GIL and thread states of the last sample, again */
    size_t first_spec_range = count;
    uint64_t spec_interp = reader->spec_interp, spec_gil = reader->spec_gil;
    if (spec_interp) {
        add_range(reader, &count, &used, spec_interp + (uint64_t)layout->interp_next, 8);
        add_range(reader, &count, &used, spec_interp + (uint64_t)layout->interp_threads_head, 8);
        if (layout->interp_ceval_gil >= 0)
            add_range(reader, &count, &used, spec_interp + (uint64_t)layout->interp_ceval_gil, 8);
        if (spec_gil) {
            add_range(reader, &count, &used, spec_gil + (uint64_t)layout->gil_last_holder, 8);
            add_range(reader, &count, &used, spec_gil + (uint64_t)layout->gil_locked, 4);
        }
        for (size_t i = 0; i < reader->spec_thread_count; i++)
            add_range(reader, &count, &used, reader->spec_threads[i], reader->tstate_window);
    }
    /* after the thread states: a walk reads its snapshot after the state
     * it took the chunk and top pointer from */
    if (chunk_memory && !one_copy_ranges(reader, &count, &used, chunk_memory, chunk_plan.spec, &chunk_plan))
        chunk_memory = NULL;
    int error = 0;
    struct timespec call_start, call_end;
    clock_gettime(CLOCK_MONOTONIC, &call_start);
    int batch = run_batch(reader, count, &error);
    clock_gettime(CLOCK_MONOTONIC, &call_end);
    /* a first call much slower than usual: its snapshot is not used */
    if (chunk_memory && batch >= 0 && !call_stalled(&reader->first_call_ns, &call_start, &call_end)) {
        reader->chunk_read = chunk_plan;
        reader->chunk_read.round = reader->round;
    }
    if (batch < 0 || !reader->ranges_ok[0]) {
        enum python_status why = status_of_error(reader, error);
        if (why != PYTHON_OK) {
            *status = why;
            return -1;
        }
        reader->recent_count = 0;
        reader->recent_function_count = 0;
        reader->stats.samples++;
        return 0;
    }
    uint64_t head = word_at(head_bytes, 0), gil_holder = 0;
    int gil_known = 0;
    if (holder_bytes && reader->ranges_ok[1]) {
        gil_holder = word_at(holder_bytes, 0);
        gil_known = 1;
    }
    /* what the speculation gave: NULL where it does not hold */
    const struct remote_range *spec_ranges = NULL;
    const unsigned char *spec_ok = NULL;
    if (spec_interp && head == spec_interp) {
        spec_ranges = reader->ranges + first_spec_range;
        spec_ok = reader->ranges_ok + first_spec_range;
    }
    reader->spec_interp = 0;
    check_recent_codes(reader, first_code_range);
    for (size_t i = 0; i < reader->recent_function_count; i++) {
        uint64_t address = reader->recent_functions[i];
        struct function_entry *entry = function_slot(reader, address);
        if (reader->ranges_ok[first_function_range + i])
            *entry = (struct function_entry){address, word_at(reader->ranges[first_function_range + i].buffer, 0),
                                             reader->round, 0};
    }
    reader->recent_function_count = 0;
    reader->stats.samples++;

    int reported = 0;
    uint64_t interp = head;
    for (int interp_index = 0; interp && interp_index < MAX_INTERPRETERS; interp_index++) {
        uint64_t next_interp = 0, thread = 0, gil = 0;
        struct remote_range interp_ranges[3] = {
            {interp + (uint64_t)layout->interp_next, &next_interp, 8},
            {interp + (uint64_t)layout->interp_threads_head, &thread, 8},
        };
        size_t interp_count = 2;
        if (layout->interp_ceval_gil >= 0)
            interp_ranges[interp_count++] = (struct remote_range){interp + (uint64_t)layout->interp_ceval_gil, &gil, 8};
        unsigned char interp_ok[3] = {0, 0, 0};
        /* the first interpreter's fields may have come with the first call */
        const struct remote_range *prefetched = interp_index == 0 ? spec_ranges : NULL;
        size_t prefetched_next = 0;
        if (prefetched) {
            for (size_t i = 0; i < interp_count; i++) {
                interp_ok[i] = spec_ok[i];
                if (spec_ok[i]) memcpy(interp_ranges[i].buffer, prefetched[i].buffer, 8);
            }
            prefetched_next = interp_count;
        } else {
            remote_read_ranges(&reader->memory, interp_ranges, interp_count, interp_ok, &error);
        }
        if (!interp_ok[0] || !interp_ok[1]) {
            enum python_status why = status_of_error(reader, error);
            if (why != PYTHON_OK) {
                *status = why;
                return -1;
            }
            break;
        }
        /* 3.12+: the GIL of this interpreter */
        int interp_gil_known = gil_known;
        uint64_t interp_holder = gil_holder;
        if (layout->interp_ceval_gil >= 0 && interp_ok[2] && gil) {
            uint64_t holder = 0;
            int32_t locked = 0;
            struct remote_range gil_ranges[2] = {
                {gil + (uint64_t)layout->gil_last_holder, &holder, 8},
                {gil + (uint64_t)layout->gil_locked, &locked, 4},
            };
            unsigned char gil_ok[2] = {0, 0};
            if (prefetched && spec_gil && gil == spec_gil) {
                for (size_t i = 0; i < 2; i++) {
                    gil_ok[i] = spec_ok[prefetched_next + i];
                    if (gil_ok[i]) memcpy(gil_ranges[i].buffer, prefetched[prefetched_next + i].buffer, gil_ranges[i].size);
                }
            } else {
                remote_read_ranges(&reader->memory, gil_ranges, 2, gil_ok, &error);
            }
            if (gil_ok[0] && gil_ok[1]) {
                interp_gil_known = 1;
                interp_holder = locked > 0 ? holder : 0;
            }
        }

        if (prefetched && spec_gil) prefetched_next += 2;
        /* the thread states of this interpreter (the ones read with the
         * first call while the list is as it was) */
        size_t thread_count = 0;
        int list_as_before = prefetched != NULL;
        while (thread && thread_count < MAX_THREADS) {
            if (grow((void **)&reader->threads, &reader->threads_capacity, thread_count + 1, sizeof *reader->threads))
                break;
            struct thread_record *record = &reader->threads[thread_count];
            record->address = thread;
            list_as_before = list_as_before && thread_count < reader->spec_thread_count &&
                             reader->spec_threads[thread_count] == thread &&
                             spec_ok[prefetched_next + thread_count];
            int read_error = 0;
            /* the snapshot read with the first call holds only with the
             * thread state read in that call */
            if (thread_count == 0 && !list_as_before) reader->chunk_read.round = 0;
            if (list_as_before)
                memcpy(record->window, prefetched[prefetched_next + thread_count].buffer, reader->tstate_window);
            else
                read_error = remote_read(&reader->memory, thread, record->window, reader->tstate_window);
            if (read_error) {
                enum python_status why = status_of_error(reader, read_error);
                if (why != PYTHON_OK) {
                    *status = why;
                    return -1;
                }
                break;
            }
            if (word_at(record->window, layout->tstate_interp) != interp) break;
            thread_count++;
            thread = word_at(record->window, layout->tstate_next);
        }
        if (interp_index == 0) {
            /* for the next sample's first call */
            reader->spec_interp = interp;
            reader->spec_gil = gil;
            reader->spec_thread_count = 0;
            if (thread_count <= 64 && grow((void **)&reader->spec_threads, &reader->spec_thread_capacity,
                                           thread_count + 1, sizeof *reader->spec_threads) == 0) {
                for (size_t i = 0; i < thread_count; i++) reader->spec_threads[i] = reader->threads[i].address;
                reader->spec_thread_count = thread_count;
            }
        }

        /* Linux tids where the thread state has none */
        if (layout->tstate_native_thread_id < 0 && reader->tid_offset < 0 && reader->tid_attempts < 20 &&
            thread_count > 0 && thread_count <= 64) {
            uint64_t pthreads[64];
            for (size_t i = 0; i < thread_count; i++)
                pthreads[i] = word_at(reader->threads[i].window, layout->tstate_thread_id);
            find_tid_offset(reader, pthreads, thread_count);
        }

        for (size_t i = 0; i < thread_count; i++) {
            const struct thread_record *record = &reader->threads[i];
            struct python_thread_stack stack;
            memset(&stack, 0, sizeof stack);
            stack.state_address = record->address;
            stack.thread_id = word_at(record->window, layout->tstate_thread_id);
            if (layout->tstate_native_thread_id >= 0) {
                stack.native_thread_id = (int)word_at(record->window, layout->tstate_native_thread_id);
            } else if (reader->tid_offset >= 0 && stack.thread_id) {
                int tid = cached_tid(reader, stack.thread_id);
                if (!tid) {
                    int32_t value = 0;
                    if (remote_read(&reader->memory, stack.thread_id + (uint64_t)reader->tid_offset, &value, 4) == 0 &&
                        value > 0) {
                        tid = value;
                        remember_tid(reader, stack.thread_id, tid);
                    }
                }
                stack.native_thread_id = tid;
            }
            stack.holds_gil = interp_gil_known ? (interp_holder == record->address) : -1;
            reader->thread_stopped = 0;
            for (size_t t = 0; t < reader->stopped_count && stack.native_thread_id > 0; t++)
                reader->thread_stopped |= reader->stopped_tids[t] == stack.native_thread_id;
            size_t frame_count = 0;
            int walk_error = 0;
            int valid = walk_thread(reader, record, &frame_count, &walk_error);
            if (valid < 0) {
                *status = walk_error == EPERM ? PYTHON_NO_PERMISSION : PYTHON_NO_PROCESS;
                return -1;
            }
            stack.valid = valid;
            stack.frames = valid ? reader->frames : NULL;
            stack.frame_count = valid ? frame_count : 0;
            reader->stats.stacks++;
            if (!valid) reader->stats.invalid_stacks++;
            reader->stats.read_calls = reader->memory.calls;
            if (visit) visit(&stack, context);
            reported++;
        }
        interp = next_interp;
    }
    reader->stats.read_calls = reader->memory.calls;
    return reported;
}

/* ---- Kernel snapshots (python_bpf.h) ---- */

int python_reader_snapshot_layout(const struct python_reader *reader, struct python_snapshot_layout *snapshot)
{
    const struct python_layout *layout = &reader->layout;
    int modern = layout->iframe_previous >= 0;
    memset(snapshot, 0, sizeof *snapshot);
    snapshot->cframe = -1;
    snapshot->marker = -1;
    if (!modern) {
        snapshot->top = layout->tstate_frame;
        snapshot->previous = layout->frame_back;
        snapshot->code = layout->frame_code;
        snapshot->instruction = layout->frame_lasti;
        snapshot->instruction_size = 4;
    } else {
        if (layout->tstate_current_frame >= 0) {
            snapshot->top = layout->tstate_current_frame;
        } else {
            snapshot->top = -1;
            snapshot->cframe = layout->tstate_cframe;
            snapshot->cframe_top = layout->cframe_current_frame;
        }
        snapshot->previous = layout->iframe_previous;
        snapshot->code = layout->iframe_code;
        snapshot->instruction = layout->iframe_instr;
        snapshot->instruction_size = 8;
        snapshot->marker = layout->iframe_owner;
    }
    if ((snapshot->top < 0 && snapshot->cframe < 0) || snapshot->previous < 0 || snapshot->code < 0 ||
        snapshot->instruction < 0)
        return -1;
    size_t window = 0;
    widen(&window, snapshot->previous, 8);
    widen(&window, snapshot->code, 8);
    widen(&window, snapshot->instruction, (size_t)snapshot->instruction_size);
    widen(&window, snapshot->marker, 1);
    window = (window + 7) & ~(size_t)7;
    if (window > PYTHON_SNAPSHOT_WINDOW) return -1;
    snapshot->window = (uint32_t)window;
    /* co_filename, co_name (, co_qualname): adjacent in every version */
    if (layout->code_filename < 0 || layout->code_name != layout->code_filename + 8 ||
        (layout->code_qualname >= 0 && layout->code_qualname != layout->code_name + 8))
        return -1;
    snapshot->code_names = layout->code_filename;
    snapshot->code_names_size = layout->code_qualname >= 0 ? 24 : 16;
    return 0;
}

void python_reader_next_round(struct python_reader *reader)
{
    reader->round++;
}

int python_reader_name_snapshot(struct python_reader *reader, const struct python_snapshot_event *event,
                                struct python_thread_stack *stack, enum python_status *status)
{
    const struct python_layout *layout = &reader->layout;
    int modern = layout->iframe_previous >= 0;
    memset(stack, 0, sizeof *stack);
    stack->native_thread_id = (int)event->tid;
    stack->state_address = event->thread_state;
    stack->holds_gil = -1;
    *status = PYTHON_OK;
    reader->walks++;
    reader->stats.stacks++;
    size_t depth = event->count;
    int valid = !(event->flags & (PYTHON_SNAPSHOT_UNKNOWN_THREAD | PYTHON_SNAPSHOT_UNREADABLE |
                                  PYTHON_SNAPSHOT_TRUNCATED)) &&
                depth <= PYTHON_SNAPSHOT_MAX_FRAMES &&
                grow((void **)&reader->raw, &reader->raw_capacity, depth + 1, sizeof *reader->raw) == 0;
    /* the chain as the kernel copied it, with the walk's sanity checks:
     * aligned frames, no cycle, shims marked, a whole end */
    for (size_t i = 0; valid && i < depth; i++) {
        const struct python_snapshot_frame *frame = &event->frames[i];
        struct raw_frame *raw = &reader->raw[i];
        memset(raw, 0, RAW_FRAME_CLEARED);
        raw->address = frame->address;
        raw->code = frame->code;
        raw->instruction = (int64_t)frame->instruction;
        raw->owner = (int8_t)frame->marker;
        /* up to 3.10 every frame is an eval loop's; 3.11's is_entry is not
         * copied (only --native, which reads, uses it); 3.12+ mark_shim */
        raw->entry = !modern;
        raw->stacktop = -1;
        if (raw->address & 7) valid = 0;
        for (size_t j = 0; j < i && valid; j++)
            if (reader->raw[j].address == raw->address) valid = 0;
        if (modern && layout->owner_cstack >= 0 && raw->owner == layout->owner_cstack) mark_shim(reader, i);
    }
    if (valid && modern) valid = chain_ends_whole(reader, depth);
    size_t unvalidated = 0;
    int error = 0;
    if (valid) valid = resolve_codes(reader, depth, &unvalidated, &error);
    /* cached code objects are checked again once per round (a freed one
     * whose address was reused is read afresh) */
    if (valid > 0 && unvalidated) valid = validate_codes_now(reader, depth, unvalidated, &error);
    if (valid < 0) {
        *status = error == EPERM || error == EACCES ? PYTHON_NO_PERMISSION : PYTHON_NO_PROCESS;
        return -1;
    }
    /* the code object at each frame's address now (validated) must be the
     * one the kernel saw: the same file and name objects */
    for (size_t i = 0; valid && i < depth; i++) {
        const struct python_code *code = reader->raw[i].code_entry;
        const __u64 *names = event->frames[i].names;
        if (code && (names[0] != code->filename_object || names[1] != code->name_object ||
                     (layout->code_qualname >= 0 && names[2] != code->qualname_object)))
            valid = 0;
    }
    size_t frame_count = 0;
    if (valid) valid = name_frames(reader, depth, &frame_count);
    stack->valid = valid;
    stack->frames = valid ? reader->frames : NULL;
    stack->frame_count = valid ? frame_count : 0;
    if (!valid) reader->stats.invalid_stacks++;
    reader->stats.read_calls = reader->memory.calls;
    return valid;
}
