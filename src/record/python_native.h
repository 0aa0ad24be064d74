/* python_native.h — the native half of `ember record --native` for one
 * process: the stack of a stopped thread (registers from ptrace, the user
 * stack copied with process_vm_readv from SP), unwound with the DWARF
 * unwinder (unwind.h), each address named with the ELF symbolizer
 * (symbols.h, through formats/native_frames.h's cache) and classified for
 * the merge with Python frames (python_merge.h).
 *
 * The process's mappings come from /proc/PID/maps; they are read again
 * when an address falls outside every known mapping (an extension module
 * imported since), at most every 50 ms.
 *
 * Ownership: the unwinder is shared by every process (keyed by pid) and
 * owned by the caller; everything else here is the process's.
 */
#ifndef EMBER_PYTHON_NATIVE_H
#define EMBER_PYTHON_NATIVE_H

#include "python_merge.h"
#include "unwind.h"
#include "../formats/native_frames.h"
#include "../model/profile.h"

#include <stddef.h>
#include <stdint.h>

struct python_native {
    int pid;
    struct profile *profile;          /* not owned */
    struct dwarf_unwinder *unwinder;  /* not owned */
    struct symbolizer *symbolizer;
    struct native_frames frames;
    char executable[4096];            /* /proc/PID/exe's target */
    uint8_t *classes;                 /* per profile frame: 0 unknown, else class + 1 */
    size_t class_capacity;
    uint8_t *stack_copy;
    double last_reload;               /* monotonic seconds */
    int reload_wanted;
    uint64_t unwound, failed;         /* stacks unwound, threads without one */
};

void python_native_init(struct python_native *native, int pid, struct profile *profile,
                        struct dwarf_unwinder *unwinder);
void python_native_free(struct python_native *native);
/* The native stack of stopped thread tid, root first, classified. Returns
 * the frame count (0 when it could not be read). now: monotonic seconds. */
size_t python_native_stack(struct python_native *native, int tid, double now,
                           struct python_merge_native *out, size_t capacity);

#endif
