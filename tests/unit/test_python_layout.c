/* test_python_layout.c — sanity of the generated per-version CPython
 * layouts (src/record/python/layout_3_X.c) and of 3.13's _Py_DebugOffsets
 * overlay (python_debug_offsets.c). The expected values are facts of
 * CPython's headers: which structures exist in which version, object
 * header sizes, the ASCII header shrinking in 3.12. */
#include <criterion/criterion.h>

#include <string.h>

#include "record/python/python_debug_offsets.h"
#include "record/python/python_layout.h"

Test(python_layout, every_supported_version_and_no_other)
{
    for (int minor = 6; minor <= 13; minor++) {
        const struct python_layout *layout = python_layout_find(3, minor);
        cr_assert_not_null(layout, "3.%d", minor);
        cr_expect_eq(layout->major, 3);
        cr_expect_eq(layout->minor, minor);
        cr_expect_eq(layout->object_type, 8, "ob_type follows ob_refcnt");
        cr_expect_eq(layout->var_size, 16);
        cr_expect_eq(layout->bytes_sval, 32, "3.%d PyBytesObject: header, ob_shash, ob_sval", minor);
        cr_expect_eq(layout->unicode_ascii_size, minor >= 12 ? 40 : 48, "3.%d: wstr went in 3.12", minor);
        cr_expect_gt(layout->unicode_compact_size, layout->unicode_ascii_size);
        cr_expect_neq(layout->state_kind_mask, 0);
        cr_expect_eq(layout->state_kind_mask >> layout->state_kind_shift, 7);
        cr_expect_eq(layout->state_compact_bit & layout->state_kind_mask, 0);
        cr_expect_eq(layout->state_ascii_bit & layout->state_compact_bit, 0);
        cr_expect_eq(layout->runtime_interpreters_head >= 0, minor >= 7, "3.%d _PyRuntime", minor);
        cr_expect_eq(layout->runtime_tstate_current >= 0, minor >= 7 && minor <= 11);
        cr_expect_eq(layout->interp_ceval_gil >= 0, minor >= 12);
        cr_expect_eq(layout->frame_back >= 0, minor <= 10, "PyFrameObject chains up to 3.10");
        cr_expect_eq(layout->iframe_previous >= 0, minor >= 11, "_PyInterpreterFrame from 3.11");
        cr_expect_eq(layout->tstate_cframe >= 0, minor == 11 || minor == 12);
        cr_expect_eq(layout->tstate_current_frame >= 0, minor >= 13);
        cr_expect_eq(layout->iframe_is_entry >= 0, minor == 11);
        cr_expect_eq(layout->owner_cstack, minor >= 12 ? 3 : -1);
        cr_expect_eq(layout->instr_is_current, minor >= 13);
        cr_expect_eq(layout->code_qualname >= 0, minor >= 11);
        cr_expect_eq(layout->tstate_native_thread_id >= 0, minor >= 11);
        cr_expect_eq(layout->line_table,
                     minor <= 9 ? PYTHON_LINES_LNOTAB
                     : minor == 10 ? PYTHON_LINES_LINETABLE
                                   : PYTHON_LINES_LOCATIONS);
        cr_expect_eq(layout->debug != NULL, minor >= 13);
        cr_expect_lt(layout->code_filename, layout->code_size);
        cr_expect_lt(layout->code_firstlineno, layout->code_size);
    }
    cr_expect_null(python_layout_find(2, 7));
    cr_expect_null(python_layout_find(3, 5));
    cr_expect_null(python_layout_find(3, 14));
}

/* A _Py_DebugOffsets block that agrees with the 3.13 table. */
static void layout_test_block(uint8_t *block, size_t size, const struct python_layout *layout)
{
    const struct python_debug_offsets_layout *d = layout->debug;
    memset(block, 0, size);
    memcpy(block, "xdebugpy", 8);
    uint64_t version = 0x030D00F0;
    memcpy(block + d->version, &version, 8);
#define PUT(at, value)                                \
    do {                                              \
        uint64_t word = (uint64_t)(value);            \
        memcpy(block + (at), &word, sizeof word);     \
    } while (0)
    PUT(d->runtime_interpreters_head, layout->runtime_interpreters_head);
    PUT(d->interp_next, layout->interp_next);
    PUT(d->interp_threads_head, layout->interp_threads_head);
    PUT(d->interp_ceval_gil, layout->interp_ceval_gil);
    PUT(d->tstate_next, layout->tstate_next);
    PUT(d->tstate_interp, layout->tstate_interp);
    PUT(d->tstate_current_frame, layout->tstate_current_frame);
    PUT(d->tstate_thread_id, layout->tstate_thread_id);
    PUT(d->tstate_native_thread_id, layout->tstate_native_thread_id);
    PUT(d->tstate_datastack_chunk, layout->tstate_datastack_chunk);
    PUT(d->frame_previous, layout->iframe_previous);
    PUT(d->frame_executable, layout->iframe_code);
    PUT(d->frame_instr_ptr, layout->iframe_instr);
    PUT(d->frame_owner, layout->iframe_owner);
    PUT(d->code_filename, layout->code_filename);
    PUT(d->code_name, layout->code_name);
    PUT(d->code_qualname, layout->code_qualname);
    PUT(d->code_linetable, layout->code_linetable);
    PUT(d->code_firstlineno, layout->code_firstlineno);
    PUT(d->code_code_adaptive, layout->code_code_adaptive);
    PUT(d->object_ob_type, layout->object_type);
    PUT(d->bytes_ob_size, layout->var_size);
    PUT(d->bytes_ob_sval, layout->bytes_sval);
    PUT(d->unicode_state, layout->unicode_state);
    PUT(d->unicode_length, layout->unicode_length);
    PUT(d->unicode_ascii_size, layout->unicode_ascii_size);
#undef PUT
}

Test(python_layout, debug_offsets_overlay)
{
    const struct python_layout *table = python_layout_find(3, 13);
    cr_assert_not_null(table);
    cr_assert_not_null(table->debug);
    /* the values austin's notes and CPython 3.13.0 agree on */
    cr_expect_eq(table->runtime_interpreters_head, 632);
    cr_expect_eq(table->interp_threads_head, 7344);
    cr_expect_eq(table->tstate_current_frame, 72);
    cr_expect_eq(table->tstate_native_thread_id, 160);
    cr_expect_eq(table->iframe_previous, 8);
    cr_expect_eq(table->iframe_instr, 56);
    cr_expect_eq(table->iframe_owner, 70);
    cr_expect_eq(table->code_qualname, 128);
    cr_expect_eq(table->code_code_adaptive, 200);

    static uint8_t block[4096];
    size_t size = (size_t)table->debug->size;
    cr_assert_leq(size, sizeof block);
    char error[256];
    struct python_layout layout = *table;
    layout_test_block(block, size, table);
    cr_expect_eq(python_debug_offsets_apply(block, size, &layout, error, sizeof error), 0, "%s", error);

    /* a process that says otherwise wins, and the difference is counted */
    uint64_t moved = 80;
    memcpy(block + table->debug->tstate_current_frame, &moved, 8);
    cr_expect_eq(python_debug_offsets_apply(block, size, &layout, error, sizeof error), 1);
    cr_expect_eq(layout.tstate_current_frame, 80);

    layout = *table;
    uint64_t free_threaded = 1;
    memcpy(block + table->debug->free_threaded, &free_threaded, 8);
    cr_expect_eq(python_debug_offsets_apply(block, size, &layout, error, sizeof error), -1);
    cr_expect(strstr(error, "free-threaded") != NULL, "%s", error);

    layout_test_block(block, size, table);
    uint64_t other_version = 0x030E00F0;
    memcpy(block + table->debug->version, &other_version, 8);
    cr_expect_eq(python_debug_offsets_apply(block, size, &layout, error, sizeof error), -1);

    layout_test_block(block, size, table);
    block[0] = 'y';
    cr_expect_eq(python_debug_offsets_apply(block, size, &layout, error, sizeof error), -1);
    cr_expect_eq(python_debug_offsets_apply(block, 16, &layout, error, sizeof error), -1, "too short");
}
