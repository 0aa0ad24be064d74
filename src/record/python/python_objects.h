/* python_objects.h — CPython objects read from another process and cached:
 * strings (str objects, any kind, turned into interned UTF-8) and code
 * objects (file, function, first line, line table, code size).
 *
 * Design: two open-addressing hash tables keyed by the remote address.
 * A code entry is trusted only after python_objects_validate() re-reads
 * the fields it was built from (type, name/filename/qualname/linetable
 * pointers, co_firstlineno) and finds them unchanged: a freed code object
 * whose address was reused fails this and is read again. Strings are
 * immutable and kept alive by the code objects pointing at them, so a
 * string entry is valid as long as a validated code object points at it.
 * Names are interned by content (one copy per distinct text), so callers
 * get the same pointer for the same name. Everything is owned by the
 * python_objects and freed by python_objects_destroy().
 */
#ifndef EMBER_PYTHON_OBJECTS_H
#define EMBER_PYTHON_OBJECTS_H

#include <stddef.h>
#include <stdint.h>

#include "python_layout.h"
#include "python_memory.h"

/* A callee function seen called from a return point of a code object,
 * in a read of the caller that could not be torn (python_stacks.c): what
 * that call site calls. */
struct python_callee {
    uint32_t unit;      /* the caller's return point (code unit) */
    uint32_t seen;      /* times seen (trusted from 2) */
    uint64_t function;  /* the callee's function object */
};

struct python_code {
    uint64_t address;
    uint64_t type, filename_object, name_object, qualname_object, linetable_object;
    int32_t first_line;
    uint32_t flags;        /* co_flags */
    const char *file;      /* interned */
    const char *function;  /* interned; qualname when the version has it */
    uint8_t *line_table;
    size_t line_table_size;
    uint64_t code_bytes;   /* size of the bytecode in bytes (bounds instruction offsets) */
    /* per code unit, whether a caller can be suspended there in a call
     * (enum python_return_point, python_opcodes.h): 3.11+ for frames
     * pushed inline, 3.6-3.10 for calls and slot instructions (filled by
     * the stack reader from co_code); NULL until read, or when the
     * bytecode could not be read */
    uint8_t *return_points;
    struct python_callee *callees; /* learnt call sites, at most PYTHON_MAX_CALLEES */
    size_t callee_count;
    /* the last lines decoded, by instruction offset (offset + 3, 0: empty):
     * decoding a line table per frame per sample was 4% of a 10 kHz round */
    int64_t line_offsets[4];
    uint32_t lines[4];
    /* the reader's bookkeeping: the sample round in which the entry was
     * last validated (or read), and last used; the round whose valid
     * stack had it on a frame that stayed put, and the walk that saw such
     * a frame (python_stacks.c, code_trusted) */
    uint64_t validated_round, used_round;
    uint64_t pinned_round, persisting_walk;
    uint64_t queued_walk;  /* the walk that queued its validation read (one per walk) */
};

#define PYTHON_MAX_CALLEES 64

struct python_objects;

struct python_objects *python_objects_create(const struct python_layout *layout,
                                             struct remote_memory *memory, uint64_t code_type);
void python_objects_destroy(struct python_objects *objects);

/* The cached code object at address, or NULL when not cached (then read
 * it with python_objects_read_code). A cached entry must be validated
 * (python_objects_validate) before its names are trusted. */
struct python_code *python_objects_cached_code(struct python_objects *objects, uint64_t address);

/* Reads the code object at address (and its strings and line table),
 * caches it and returns it; NULL when it is not a readable code object
 * (*error gets the errno value of the failing read, 0 when it was read
 * but is not a code object). */
struct python_code *python_objects_read_code(struct python_objects *objects, uint64_t address,
                                             int *error);

/* The bytes of the code object's fields a validation re-reads: a window
 * of validation_size() bytes at address + validation_offset(). */
size_t python_objects_validation_offset(const struct python_objects *objects);
size_t python_objects_validation_size(const struct python_objects *objects);
/* 1 when window (read now at code->address + offset) still describes
 * code; 0 means the cached entry is stale: it is dropped. */
int python_objects_validate(struct python_objects *objects, struct python_code *code,
                            const uint8_t *window);

/* The line of the instruction at byte_offset in code (0 when unknown). */
uint32_t python_objects_line(const struct python_objects *objects, struct python_code *code,
                             int64_t byte_offset);

/* Whether function was seen called from return point unit of code (at
 * least twice). */
int python_objects_callee_known(const struct python_code *code, uint32_t unit, uint64_t function);
/* Records that function was seen called from return point unit of code
 * (up to PYTHON_MAX_CALLEES pairs per code object; later ones are not
 * kept). */
void python_objects_learn_callee(struct python_code *code, uint32_t unit, uint64_t function);

/* Interns text (length bytes): the same pointer for the same text. */
const char *python_objects_intern(struct python_objects *objects, const char *text, size_t length);

/* Reads the str object at address (any kind: ASCII, Latin-1, UCS-2,
 * UCS-4) as interned UTF-8; NULL when unreadable (*error: the errno
 * value, 0 when it is not a compact str). */
const char *python_objects_read_string(struct python_objects *objects, uint64_t address, int *error);

#endif
