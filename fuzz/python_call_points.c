/* fuzz/python_call_points.c — libFuzzer harness for the 3.6-3.10 call-point
 * decoder (src/record/python/python_opcodes.c, python_opcodes_call_points):
 * the bytecode comes from another process's memory, so it is untrusted.
 *
 * Input: byte 0 picks the version (modulo 5: 3.6 to 3.10), the rest is the
 * bytecode. Bytecode and kinds are copied to / allocated at their exact
 * sizes, so ASan catches any access past them; every unit's kind must be
 * one of the three, and no more return points than units.
 */
#include "record/python/python_opcodes.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    int minor = 6 + data[0] % 5;
    size_t code_size = size - 1, units = code_size / 2;
    uint8_t *bytecode = malloc(code_size ? code_size : 1);
    uint8_t *kinds = calloc(units ? units : 1, 1);
    if (!bytecode || !kinds) abort();
    memcpy(bytecode, data + 1, code_size);
    long points = python_opcodes_call_points(3, minor, bytecode, code_size, kinds);
    if (points < 0 || (size_t)points > units) abort();
    long counted = 0;
    for (int64_t unit = -1; unit <= (int64_t)units; unit++) {
        int kind = python_opcodes_point_kind(kinds, units, unit);
        if (kind != PYTHON_NO_RETURN_POINT && kind != PYTHON_RETURN_POINT && kind != PYTHON_RETURN_POINT_CALL)
            abort();
        counted += kind != PYTHON_NO_RETURN_POINT;
    }
    if (counted != points) abort();
    free(bytecode);
    free(kinds);
    return 0;
}
