/* python_stacks.h — reads the Python stacks of a running CPython process
 * from outside it (process_vm_readv), for CPython 3.6 to 3.13.
 *
 * A reader is opened on a pid: it finds the interpreter (_PyRuntime through
 * the ELF symbols of the executable or of libpython mapped in the process,
 * a scan when stripped), learns the version (3.13's _Py_DebugOffsets,
 * Py_Version, file names) and picks the layout of that version's
 * structures (one file per version, facts from CPython's own headers). Each
 * python_reader_sample() then walks interpreters -> threads -> frames and
 * reports one stack per thread, innermost frame first, validated (a stack
 * whose frames changed while being read is reported with valid = 0, never
 * with wrong frames).
 *
 * The reader never writes to the target and never stops it: pausing (for
 * --blocking) is the caller's business.
 *
 * Ownership: the reader owns everything it returns; strings and frame
 * arrays given to the visit callback are valid until the callback returns
 * (names are interned: the same pointer for the same name while the reader
 * is open). python_reader_close() frees everything.
 */
#ifndef EMBER_PYTHON_STACKS_H
#define EMBER_PYTHON_STACKS_H

#include <stddef.h>
#include <stdint.h>

#include "bpf/python_snapshot.h"

enum python_status {
    PYTHON_OK = 0,
    PYTHON_NO_PROCESS,           /* no such pid, or it exited */
    PYTHON_NO_PERMISSION,        /* ptrace access / process_vm_readv denied (EPERM, EACCES) */
    PYTHON_NOT_PYTHON,           /* no CPython in the process (no libpython, no _PyRuntime) */
    PYTHON_UNSUPPORTED_VERSION,  /* CPython, but not 3.6 .. 3.13 */
    PYTHON_NOT_FOUND,            /* CPython, but the interpreter state was not found (stripped, scan failed) */
    PYTHON_NOT_READY,            /* the interpreter is not initialized yet (just launched): retry */
};

struct python_frame {
    const char *file;     /* co_filename */
    const char *function; /* co_qualname where the version has it (3.11+), else co_name */
    uint32_t line;        /* current line, 0 when unknown */
    /* 1 on the outermost Python frame of one C-level evaluation call (one
     * _PyEval_EvalFrameDefault on the native stack): every frame up to 3.10;
     * from 3.11 the frame after a C-stack entry (3.11 is_entry, 3.12+ a
     * shim frame owned by the C stack). Lets --native put each group of
     * Python frames in place of its eval-loop native frame. */
    int entry;
};

struct python_thread_stack {
    uint64_t thread_id;     /* PyThreadState.thread_id (pthread_t) */
    uint64_t state_address; /* the PyThreadState's address */
    int native_thread_id;   /* Linux tid; 0 when the version does not record it and it could not be found */
    int holds_gil;          /* 1 if this thread holds the GIL now, -1 when unknown */
    int valid;              /* 0: torn or unreadable, frames must not be used */
    const struct python_frame *frames; /* innermost first */
    size_t frame_count;
};

struct python_reader_stats {
    uint64_t samples;        /* python_reader_sample calls that read something */
    uint64_t stacks;         /* thread stacks reported */
    uint64_t invalid_stacks; /* reported with valid = 0 */
    uint64_t read_calls;     /* process_vm_readv calls */
    uint64_t prefetched_snapshots; /* 3.11+: stacks walked from a snapshot the sample's first call read */
};

struct python_reader;

/* Opens a reader on pid. On failure returns NULL, sets *status and writes a
 * specific message (what was tried, what to do) into error. */
struct python_reader *python_reader_open(int pid, enum python_status *status, char *error,
                                         size_t error_size);
/* "3.11.7" */
const char *python_reader_version(const struct python_reader *reader);
/* Reads every thread of every interpreter now and calls visit once per
 * thread. Returns the number of threads, or -1 when the process is gone or
 * can no longer be read (then *status says why, if status is not NULL). */
int python_reader_sample(struct python_reader *reader,
                         void (*visit)(const struct python_thread_stack *stack, void *context),
                         void *context, enum python_status *status);
const struct python_reader_stats *python_reader_stats(const struct python_reader *reader);
/* Added for `ember record --blocking`: the Linux tids of the threads the
 * caller keeps stopped during the next samples (count 0: none). Their
 * memory does not change, so one copy of a stopped thread's stack is
 * whole: pairs the torn-read checks would discard until they learn a call
 * site are kept. Only tids the version records (3.11+ native_thread_id,
 * or found for older ones) are matched. */
void python_reader_set_stopped(struct python_reader *reader, const int *tids, size_t count);
/* Added for `ember dump`: the file holding the interpreter (the
 * executable or its libpython), and the name of a status. */
const char *python_reader_binary(const struct python_reader *reader);
const char *python_status_name(enum python_status status);
void python_reader_close(struct python_reader *reader);

/* Added for the snapshot mode (python_bpf.h), where the kernel copies a
 * thread's frame chain at a tick: where this process's CPython keeps what
 * the snapshot program reads (-1 when the version cannot be read so). */
int python_reader_snapshot_layout(const struct python_reader *reader, struct python_snapshot_layout *layout);
/* Names the frames of one kernel snapshot of this process into *stack
 * (valid, frames and frame_count as python_reader_sample reports them),
 * after the walk's sanity checks (aligned, no cycle, a whole chain, code
 * objects that are code objects, instructions inside their code). Returns
 * 1 (valid), 0 (not), -1 when the process is gone or forbids reading
 * (*status says which). The frames are valid until the next call. */
int python_reader_name_snapshot(struct python_reader *reader, const struct python_snapshot_event *event,
                                struct python_thread_stack *stack, enum python_status *status);
/* Starts a new round for python_reader_name_snapshot: each cached code
 * object it meets is validated again once per round. */
void python_reader_next_round(struct python_reader *reader);

#endif
