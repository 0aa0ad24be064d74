/* python_merge.c — native + Python stacks into one; see python_merge.h. */
#include "python_merge.h"

#include <string.h>

/* name is function, or function with a compiler suffix (".cold",
 * ".isra.0", ".lto_priv.0"). */
static int same_function(const char *function, const char *name)
{
    size_t length = strlen(name);
    return strncmp(function, name, length) == 0 &&
           (function[length] == 0 || function[length] == '.');
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

enum python_native_class python_native_classify(const char *function, const char *module,
                                                const char *executable,
                                                const char *eval_name)
{
    if (function && same_function(function, eval_name))
        return PYTHON_NATIVE_EVAL;
    if (!module)
        return PYTHON_NATIVE_KEEP;
    if (strncmp(base_name(module), "libpython", 9) == 0)
        return PYTHON_NATIVE_INTERNAL;
    if (executable && strcmp(module, executable) == 0)
        return PYTHON_NATIVE_INTERNAL;
    return PYTHON_NATIVE_KEEP;
}

const char *python_merge_eval_name(const char *const *functions, size_t count)
{
    for (size_t i = 0; i < count; i++)
        if (functions[i] && same_function(functions[i], "_PyEval_EvalFrameDefault"))
            return "_PyEval_EvalFrameDefault";
    return "PyEval_EvalFrameEx";
}

size_t python_merge_stacks(const struct python_merge_native *native, size_t native_count,
                           const struct python_merge_python *python, size_t python_count,
                           uint32_t *out, size_t capacity)
{
    size_t evals = 0, groups = 0;
    for (size_t i = 0; i < native_count; i++)
        evals += native[i].klass == PYTHON_NATIVE_EVAL;
    for (size_t i = 0; i < python_count; i++)
        groups += i == 0 || python[i].entry;
    /* Pairing from the leaf end: the first (groups - evals) groups have no
     * eval frame and go first; the first (evals - groups) eval frames have
     * no group and vanish. */
    size_t unpaired_groups = groups > evals ? groups - evals : 0;
    size_t unpaired_evals = evals > groups ? evals - groups : 0;
    size_t depth = 0, next_python = 0, group_index = 0;
#define PUT(frame)                   \
    do {                             \
        if (depth < capacity)        \
            out[depth++] = (frame);  \
    } while (0)
    /* Python frames of one group: from next_python up to (not including)
     * the next entry frame. */
#define PUT_GROUP()                                                          \
    do {                                                                     \
        size_t first = next_python;                                          \
        while (next_python < python_count &&                                 \
               (next_python == first || !python[next_python].entry))         \
            PUT(python[next_python++].frame);                                \
        group_index++;                                                       \
    } while (0)
    while (group_index < unpaired_groups)
        PUT_GROUP();
    size_t eval_index = 0;
    for (size_t i = 0; i < native_count; i++) {
        switch (native[i].klass) {
        case PYTHON_NATIVE_KEEP: PUT(native[i].frame); break;
        case PYTHON_NATIVE_INTERNAL: break;
        case PYTHON_NATIVE_EVAL:
            if (eval_index++ >= unpaired_evals)
                PUT_GROUP();
            break;
        }
    }
    /* Python frames no eval frame claimed (none on the native stack): on
     * top, where they ran. */
    while (next_python < python_count)
        PUT(python[next_python++].frame);
#undef PUT_GROUP
#undef PUT
    return depth;
}
