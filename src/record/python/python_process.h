/* python_process.h — finds CPython in a running process: which file holds
 * the interpreter (the executable or a libpython in /proc/PID/maps, read
 * through /proc/PID/root), where its state is (_PyRuntime, 3.6's
 * interp_head, from .dynsym/.symtab plus the load bias, else a validated
 * scan of the file's writable data), which version it is (3.13's
 * _Py_DebugOffsets, Py_Version, the file names, the version string in the
 * file's read-only data) and so which layout applies.
 *
 * Errors are told apart as enum python_status says: a permission problem
 * is never reported as "not Python".
 */
#ifndef EMBER_PYTHON_PROCESS_H
#define EMBER_PYTHON_PROCESS_H

#include <stddef.h>
#include <stdint.h>

#include "python_layout.h"
#include "python_memory.h"
#include "python_stacks.h"

struct python_target {
    int pid;
    int major, minor;
    char version[32];                  /* "3.11.7" */
    char binary[4096];                 /* the file holding the interpreter */
    const struct python_layout *layout; /* the version's generated layout */
    uint64_t runtime;                  /* &_PyRuntime (3.7+), 0 before */
    uint64_t interp_head;              /* 3.6: &interp_head */
    uint64_t thread_state_current;     /* 3.6: &_PyThreadState_Current, else 0 */
    uint64_t code_type;                /* &PyCode_Type, 0 when unknown */
    int found_by_scan;                 /* the state was found by scanning, not symbols */
};

/* Fills target for pid. Returns PYTHON_OK, or another status with a
 * message in error. */
enum python_status python_process_find(int pid, struct remote_memory *memory,
                                       struct python_target *target, char *error,
                                       size_t error_size);

/* Whether pid is a live process (it exists and is neither a zombie nor
 * dead). */
int python_process_alive(int pid);

/* The address of the interpreters list head pointer (where the first
 * PyInterpreterState * is stored). */
uint64_t python_process_interpreters_head(const struct python_target *target,
                                          const struct python_layout *layout);

/* The message for a permission failure on pid (what to do). */
void python_process_permission_message(int pid, const char *what, char *error, size_t error_size);

#endif
