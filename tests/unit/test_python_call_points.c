/* test_python_call_points.c — the instructions at which a CPython 3.6-3.10
 * caller can be suspended (src/record/python/python_opcodes.c,
 * python_opcodes_call_points), on the real bytecode of
 *     def f(x):
 *         return g(x) + x[0]
 * (the same bytes from 3.6.15, 3.8.18 and 3.10.13: LOAD_GLOBAL,
 * LOAD_FAST, CALL_FUNCTION, LOAD_FAST, LOAD_CONST, BINARY_SUBSCR,
 * BINARY_ADD, RETURN_VALUE per `dis`), and on EXTENDED_ARG prefixes, which
 * leave f_lasti at the first prefix. */
#include <criterion/criterion.h>

#include <string.h>

#include "record/python/python_opcodes.h"

static const uint8_t call_points_f[] = {0x74, 0x00, 0x7c, 0x00, 0x83, 0x01, 0x7c, 0x00,
                                        0x64, 0x01, 0x19, 0x00, 0x17, 0x00, 0x53, 0x00};

Test(python_call_points, real_bytecode_of_each_version)
{
    /* LOAD_GLOBAL (a custom globals mapping), BINARY_SUBSCR and BINARY_ADD
     * reach Python code through a slot; CALL_FUNCTION is a call */
    const int expected[8] = {PYTHON_RETURN_POINT,    PYTHON_NO_RETURN_POINT, PYTHON_RETURN_POINT_CALL,
                             PYTHON_NO_RETURN_POINT, PYTHON_NO_RETURN_POINT, PYTHON_RETURN_POINT,
                             PYTHON_RETURN_POINT,    PYTHON_NO_RETURN_POINT};
    for (int minor = 6; minor <= 10; minor++) {
        uint8_t kinds[8];
        memset(kinds, 0, sizeof kinds);
        cr_expect(python_opcodes_heap_supported(3, minor));
        cr_assert_eq(python_opcodes_call_points(3, minor, call_points_f, sizeof call_points_f, kinds), 4,
                     "3.%d", minor);
        for (int unit = 0; unit < 8; unit++)
            cr_expect_eq(python_opcodes_point_kind(kinds, 8, unit), expected[unit], "3.%d unit %d", minor, unit);
    }
}

Test(python_call_points, extended_arg_marks_the_first_prefix)
{
    /* LOAD_FAST; EXTENDED_ARG POP_JUMP_IF_FALSE; EXTENDED_ARG EXTENDED_ARG
     * CALL_FUNCTION; RETURN_VALUE; a dangling EXTENDED_ARG */
    static const uint8_t bytes[] = {0x7c, 0x00, 0x90, 0x01, 0x72, 0x04, 0x90, 0x01, 0x90,
                                    0x00, 0x83, 0x00, 0x53, 0x00, 0x90, 0x00};
    const int expected[8] = {PYTHON_NO_RETURN_POINT,   PYTHON_RETURN_POINT,    PYTHON_NO_RETURN_POINT,
                             PYTHON_RETURN_POINT_CALL, PYTHON_NO_RETURN_POINT, PYTHON_NO_RETURN_POINT,
                             PYTHON_NO_RETURN_POINT,   PYTHON_NO_RETURN_POINT};
    uint8_t kinds[8];
    memset(kinds, 0, sizeof kinds);
    cr_assert_eq(python_opcodes_call_points(3, 8, bytes, sizeof bytes, kinds), 2);
    for (int unit = 0; unit < 8; unit++)
        cr_expect_eq(python_opcodes_point_kind(kinds, 8, unit), expected[unit], "unit %d", unit);
}

Test(python_call_points, call_method_from_3_7)
{
    /* CALL_METHOD (161) is a call from 3.7; 3.6 has no such opcode */
    static const uint8_t bytes[] = {0xa1, 0x00};
    uint8_t kinds[1];
    for (int minor = 6; minor <= 10; minor++) {
        kinds[0] = 0;
        python_opcodes_call_points(3, minor, bytes, sizeof bytes, kinds);
        cr_expect_eq(kinds[0], minor == 6 ? PYTHON_NO_RETURN_POINT : PYTHON_RETURN_POINT_CALL, "3.%d", minor);
    }
}

Test(python_call_points, other_versions_are_not_decoded)
{
    uint8_t kinds[8] = {0};
    cr_expect_not(python_opcodes_heap_supported(3, 5));
    cr_expect_not(python_opcodes_heap_supported(3, 11));
    cr_expect_not(python_opcodes_heap_supported(2, 7));
    cr_expect_eq(python_opcodes_call_points(3, 11, call_points_f, sizeof call_points_f, kinds), -1);
    cr_expect_eq(python_opcodes_call_points(2, 7, call_points_f, sizeof call_points_f, kinds), -1);
    for (size_t i = 0; i < sizeof kinds; i++) cr_expect_eq(kinds[i], 0);
}
