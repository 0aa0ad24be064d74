/* python_debug_offsets.c — reads 3.13's _Py_DebugOffsets into a layout
 * (see python_debug_offsets.h). */
#include "python_debug_offsets.h"

#include <stdio.h>
#include <string.h>

static int apply_field(const uint8_t *block, size_t size, int32_t at, int32_t *field, int *differed)
{
    uint64_t value;
    if (at < 0 || (size_t)at + sizeof value > size) return -1;
    memcpy(&value, block + at, sizeof value);
    if (value > (1u << 24)) return -1; /* not an offset */
    if (*field != (int32_t)value) (*differed)++;
    *field = (int32_t)value;
    return 0;
}

int python_debug_offsets_apply(const uint8_t *block, size_t size, struct python_layout *layout,
                               char *error, size_t error_size) {
    const struct python_debug_offsets_layout *d = layout->debug;
    if (!d || size < (size_t)d->size || memcmp(block, "xdebugpy", 8) != 0) {
        snprintf(error, error_size, "no _Py_DebugOffsets cookie at _PyRuntime");
        return -1;
    }
    uint64_t version, free_threaded;
    memcpy(&version, block + d->version, sizeof version);
    memcpy(&free_threaded, block + d->free_threaded, sizeof free_threaded);
    if ((int)((version >> 24) & 0xff) != layout->major || (int)((version >> 16) & 0xff) != layout->minor) {
        snprintf(error, error_size, "_Py_DebugOffsets says version %d.%d, expected %d.%d",
                 (int)((version >> 24) & 0xff), (int)((version >> 16) & 0xff), layout->major,
                 layout->minor);
        return -1;
    }
    if (free_threaded) {
        snprintf(error, error_size, "free-threaded (no-GIL) CPython builds are not supported");
        return -1;
    }
    int differed = 0;
    struct {
        int32_t at;
        int32_t *field;
    } fields[] = {
        {d->runtime_interpreters_head, &layout->runtime_interpreters_head},
        {d->interp_next, &layout->interp_next},
        {d->interp_threads_head, &layout->interp_threads_head},
        {d->interp_ceval_gil, &layout->interp_ceval_gil},
        {d->tstate_next, &layout->tstate_next},
        {d->tstate_interp, &layout->tstate_interp},
        {d->tstate_current_frame, &layout->tstate_current_frame},
        {d->tstate_thread_id, &layout->tstate_thread_id},
        {d->tstate_native_thread_id, &layout->tstate_native_thread_id},
        {d->tstate_datastack_chunk, &layout->tstate_datastack_chunk},
        {d->frame_previous, &layout->iframe_previous},
        {d->frame_executable, &layout->iframe_code},
        {d->frame_instr_ptr, &layout->iframe_instr},
        {d->frame_owner, &layout->iframe_owner},
        {d->code_filename, &layout->code_filename},
        {d->code_name, &layout->code_name},
        {d->code_qualname, &layout->code_qualname},
        {d->code_linetable, &layout->code_linetable},
        {d->code_firstlineno, &layout->code_firstlineno},
        {d->code_code_adaptive, &layout->code_code_adaptive},
        {d->object_ob_type, &layout->object_type},
        {d->bytes_ob_size, &layout->var_size},
        {d->bytes_ob_sval, &layout->bytes_sval},
        {d->unicode_state, &layout->unicode_state},
        {d->unicode_length, &layout->unicode_length},
        {d->unicode_ascii_size, &layout->unicode_ascii_size},
    };
    /* gil fields: offsets inside struct _gil_runtime_state, published as
     * offsets from the interpreter state of the embedded gil; kept from
     * the table, only checked to exist. */
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        if (apply_field(block, size, fields[i].at, fields[i].field, &differed) < 0) {
            snprintf(error, error_size, "_Py_DebugOffsets field at %d is not an offset",
                     (int)fields[i].at);
            return -1;
        }
    return differed;
}
