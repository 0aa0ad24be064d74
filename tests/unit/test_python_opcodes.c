/* test_python_opcodes.c — the return points the stack reader checks a
 * suspended caller against (src/record/python/python_opcodes.c), on the
 * real bytecode of
 *     def f(x):
 *         return g(x) + x[0]
 * as CPython 3.11.7, 3.12.1 and 3.13.0 compile it (co_code, inline caches
 * zeroed). Expected units from `dis.get_instructions(f, show_caches=True)`:
 * 3.11 CALL at unit 10 with 4 caches, BINARY_SUBSCR at 17 with 4; 3.12 CALL
 * at 7 with 3, BINARY_SUBSCR at 13 with 1; 3.13 (instr_ptr at the
 * instruction itself) CALL at 7, BINARY_SUBSCR at 13. */
#include <criterion/criterion.h>

#include <string.h>

#include "record/python/python_opcodes.h"

static const uint8_t opcodes_f_311[] = {
    0x97, 0x00, 0x74, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x7c, 0x00,
    0xa6, 0x01, 0x00, 0x00, 0xab, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x7c, 0x00,
    0x64, 0x01, 0x19, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x7a, 0x00, 0x00, 0x00,
    0x53, 0x00};
static const uint8_t opcodes_f_312[] = {
    0x97, 0x00, 0x74, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x7c, 0x00, 0xab, 0x01,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x7c, 0x00, 0x64, 0x01, 0x19, 0x00, 0x00, 0x00, 0x7a, 0x00,
    0x00, 0x00, 0x53, 0x00};
static const uint8_t opcodes_f_313[] = {
    0x95, 0x00, 0x5b, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x55, 0x00, 0x35, 0x01,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x55, 0x00, 0x53, 0x01, 0x05, 0x00, 0x00, 0x00, 0x2d, 0x00,
    0x00, 0x00, 0x24, 0x00};

/* Decodes bytes as 3.minor and checks that exactly units call_unit (a
 * call) and subscript_unit (an inline __getitem__) are return points. */
static void opcodes_expect_points(int minor, const uint8_t *bytes, size_t size, int64_t call_unit,
                                  int64_t subscript_unit)
{
    uint8_t kinds[64];
    size_t units = size / 2;
    cr_assert_leq(units, sizeof kinds);
    memset(kinds, 0, sizeof kinds);
    cr_assert_eq(python_opcodes_return_points(3, minor, bytes, size, kinds), 2, "3.%d", minor);
    for (int64_t unit = 0; unit < (int64_t)units; unit++) {
        int expected = unit == call_unit        ? PYTHON_RETURN_POINT_CALL
                       : unit == subscript_unit ? PYTHON_RETURN_POINT
                                                : PYTHON_NO_RETURN_POINT;
        cr_expect_eq(python_opcodes_point_kind(kinds, units, unit), expected, "3.%d unit %lld", minor,
                     (long long)unit);
    }
    cr_expect_eq(python_opcodes_point_kind(kinds, units, -1), PYTHON_NO_RETURN_POINT);
    cr_expect_eq(python_opcodes_point_kind(kinds, units, (int64_t)units), PYTHON_NO_RETURN_POINT);
    cr_expect_eq(python_opcodes_point_kind(NULL, units, call_unit), PYTHON_NO_RETURN_POINT);
}

Test(python_opcodes, real_bytecode_of_each_version)
{
    cr_expect(python_opcodes_supported(3, 11));
    cr_expect(python_opcodes_supported(3, 12));
    cr_expect(python_opcodes_supported(3, 13));
    opcodes_expect_points(11, opcodes_f_311, sizeof opcodes_f_311, 14, 21);
    opcodes_expect_points(12, opcodes_f_312, sizeof opcodes_f_312, 10, 14);
    opcodes_expect_points(13, opcodes_f_313, sizeof opcodes_f_313, 7, 13);
}

Test(python_opcodes, specialized_opcodes_keep_their_family)
{
    /* 3.11 quickens CALL (171) to CALL_PY_EXACT_ARGS (23) and BINARY_SUBSCR
     * (25) to BINARY_SUBSCR_GETITEM (19); LOAD_GLOBAL (116) to
     * LOAD_GLOBAL_MODULE (55): the instruction boundaries stay */
    uint8_t quickened[sizeof opcodes_f_311];
    memcpy(quickened, opcodes_f_311, sizeof quickened);
    quickened[20] = 23;
    quickened[34] = 19;
    quickened[2] = 55;
    opcodes_expect_points(11, quickened, sizeof quickened, 14, 21);
}

Test(python_opcodes, other_versions_are_not_decoded)
{
    uint8_t kinds[32] = {0};
    for (int minor = 6; minor <= 10; minor++) {
        cr_expect_not(python_opcodes_supported(3, minor));
        cr_expect_eq(python_opcodes_return_points(3, minor, opcodes_f_312, sizeof opcodes_f_312, kinds), -1);
    }
    cr_expect_not(python_opcodes_supported(3, 14));
    cr_expect_not(python_opcodes_supported(2, 7));
    for (size_t i = 0; i < sizeof kinds; i++) cr_expect_eq(kinds[i], 0);
}

Test(python_opcodes, truncated_bytecode_marks_nothing_past_its_end)
{
    /* the CALL's caches cut off: no return point outside the code */
    uint8_t kinds[32] = {0};
    cr_expect_eq(python_opcodes_return_points(3, 12, opcodes_f_312, 18, kinds), 0);
    for (size_t i = 0; i < sizeof kinds; i++) cr_expect_eq(kinds[i], 0);
}
