/* python_merge.h — one mixed stack from a thread's native stack and its
 * Python stack captured at the same moment (`ember record --native`), as
 * the frames a flame graph shows.
 *
 * Native frames are classified by name and module: the eval loop
 * (_PyEval_EvalFrameDefault; PyEval_EvalFrameEx on interpreters without
 * it), CPython's own code (the rest of libpython or of the python
 * executable: call machinery that only repeats what the Python frames
 * say), and everything else (C extensions, libraries, libc), which is
 * kept. Walking the native frames root to leaf, each eval-loop frame is
 * replaced by the next group of Python frames: a group starts at a Python
 * frame marked `entry` (the outermost frame of one C-level evaluation;
 * see python_stacks.h). The eval frames and the groups are paired from
 * the leaf end, so a native unwind that stopped short of the root still
 * puts the innermost Python frames above the right C frames; groups left
 * over at the root end go first, eval frames left over are dropped.
 */
#ifndef EMBER_PYTHON_MERGE_H
#define EMBER_PYTHON_MERGE_H

#include <stddef.h>
#include <stdint.h>

enum python_native_class {
    PYTHON_NATIVE_KEEP,     /* extension, library, libc: shown */
    PYTHON_NATIVE_INTERNAL, /* CPython's own code: dropped */
    PYTHON_NATIVE_EVAL,     /* the eval loop: replaced by Python frames */
};

/* Classifies a native frame: function may be NULL (unnamed), module is the
 * mapped file's path (NULL: unknown), executable the process's own binary
 * (/proc/PID/exe's target). eval_name is the eval loop's function name
 * for this stack (python_merge_eval_name). */
enum python_native_class python_native_classify(const char *function, const char *module,
                                                const char *executable,
                                                const char *eval_name);

/* The eval-loop name to use for a stack given its native function names
 * (root first, NULL allowed): "_PyEval_EvalFrameDefault" when any frame
 * has it (3.6+: PyEval_EvalFrameEx then only forwards to it), else
 * "PyEval_EvalFrameEx". */
const char *python_merge_eval_name(const char *const *functions, size_t count);

struct python_merge_native {
    uint32_t frame;                     /* the frame shown when kept */
    enum python_native_class klass;
};

struct python_merge_python {
    uint32_t frame;
    int entry;                          /* python_frame.entry */
};

/* Writes the merged stack, root first, into out (at most capacity frames)
 * and returns its depth. native and python are both root first. */
size_t python_merge_stacks(const struct python_merge_native *native, size_t native_count,
                           const struct python_merge_python *python, size_t python_count,
                           uint32_t *out, size_t capacity);

#endif
