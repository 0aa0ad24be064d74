/* python_opcodes.c — inline-call return points in CPython 3.11-3.13
 * bytecode (see python_opcodes.h).
 *
 * The tables were computed once from each version's own headers
 * (Include/internal/pycore_opcode.h of 3.11.7 and 3.12.1 compiled with
 * NEED_OPCODE_TABLES, pycore_opcode_metadata.h of 3.13.0 with
 * NEED_OPCODE_METADATA): entry[op] = _PyOpcode_Caches[_PyOpcode_Deopt[op]],
 * | 0x80 when _PyOpcode_Deopt[op] is a family with members that push a
 * Python frame inline: 3.11 CALL, BINARY_SUBSCR (__getitem__); 3.12 also
 * LOAD_ATTR (properties, __getattribute__), FOR_ITER and SEND
 * (generators), CALL_FUNCTION_EX; 3.13 also CALL_KW; | 0x40 as well for
 * the call families (CALL, CALL_FUNCTION_EX, CALL_KW), whose callable
 * stays in the caller's consumed stack slots. Opcode numbers do
 * not change within a minor version. Instrumented opcodes (sys.monitoring,
 * 3.12+) are not decoded: their code's callers fail the check (discarded
 * stacks, never wrong ones).
 */
#include "python_opcodes.h"

#define PUSHES_FRAME 0x80
#define CALLABLE_ON_STACK 0x40
#define CACHE_MASK 0x3f

static const uint8_t opcodes_3_11[256] = {
    0, 0, 0, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 0,
    1, 132, 132, 132, 132, 132, 196, 196, 196, 132, 2, 2, 2, 2, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 4, 4, 4, 4, 4, 0, 0, 0, 5,
    5, 0, 0, 0, 0, 0, 0, 5, 10, 10, 10, 10, 1, 0, 10, 10,
    1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 0, 0, 1, 1, 1, 1,
    1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 4,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 2, 0, 0, 0, 0,
    0, 1, 0, 0, 5, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 1,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 4, 0, 0, 0, 4, 4,
    10, 0, 0, 0, 0, 0, 1, 0, 1, 1, 1, 196, 0, 0, 0, 0,
    0, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
};

static const uint8_t opcodes_3_12[256] = {
    0, 0, 0, 0, 0, 0, 1, 1, 1, 0, 1, 0, 0, 1, 1, 0,
    1, 0, 1, 129, 129, 129, 129, 195, 195, 129, 0, 0, 195, 195, 0, 0,
    0, 0, 195, 0, 0, 0, 195, 195, 195, 195, 195, 195, 195, 195, 195, 195,
    195, 0, 0, 0, 0, 0, 0, 0, 195, 1, 1, 1, 1, 0, 129, 129,
    129, 129, 1, 1, 0, 0, 137, 0, 137, 137, 0, 0, 137, 137, 137, 137,
    137, 137, 137, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 129, 0, 4,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 137, 1, 0, 0, 0, 4,
    4, 4, 0, 0, 4, 0, 0, 0, 0, 0, 1, 129, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 192, 0,
    0, 0, 0, 0, 4, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0, 1,
    1, 1, 0, 0, 0, 0, 1, 1, 129, 0, 0, 195, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
};

static const uint8_t opcodes_3_13[256] = {
    0, 0, 0, 1, 0, 129, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 1, 3, 0, 0, 0, 0, 1, 0, 0,
    0, 0, 0, 0, 0, 195, 192, 0, 0, 192, 1, 1, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 129, 0, 0, 0, 0, 1, 0, 0,
    0, 0, 137, 0, 0, 0, 0, 0, 0, 0, 0, 4, 0, 1, 0, 0,
    0, 1, 1, 1, 1, 0, 0, 0, 129, 0, 0, 0, 4, 0, 0, 0,
    0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 129, 129, 129,
    129, 129, 195, 195, 195, 195, 195, 195, 195, 195, 195, 195, 195, 195, 195, 195,
    195, 195, 195, 195, 195, 195, 1, 1, 1, 1, 1, 129, 129, 129, 129, 137,
    137, 137, 137, 137, 137, 137, 137, 137, 137, 137, 137, 4, 4, 1, 1, 0,
    129, 4, 4, 4, 1, 1, 3, 3, 3, 3, 3, 3, 1, 1, 1, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
};

/* Where a suspended caller's instruction pointer points inside the
 * instruction: 3.11 and 3.12 save prev_instr = the unit before the next
 * instruction (the last cache unit, or the opcode itself without caches);
 * 3.13 keeps instr_ptr at the instruction's first unit. */
static const uint8_t *table_for(int major, int minor, int *at_first_unit)
{
    *at_first_unit = minor >= 13;
    if (major != 3) return NULL;
    switch (minor) {
    case 11: return opcodes_3_11;
    case 12: return opcodes_3_12;
    case 13: return opcodes_3_13;
    }
    return NULL;
}

int python_opcodes_supported(int major, int minor)
{
    int at_first_unit;
    return table_for(major, minor, &at_first_unit) != NULL;
}

long python_opcodes_return_points(int major, int minor, const uint8_t *bytecode, size_t size,
                                  uint8_t *kinds)
{
    int at_first_unit;
    const uint8_t *table = table_for(major, minor, &at_first_unit);
    if (!table) return -1;
    size_t units = size / 2, unit = 0;
    long count = 0;
    while (unit < units) {
        uint8_t entry = table[bytecode[2 * unit]]; /* the opcode byte; the oparg follows */
        size_t last = unit + (entry & CACHE_MASK);
        size_t mark = at_first_unit ? unit : last;
        if ((entry & PUSHES_FRAME) && last < units) {
            kinds[mark] = entry & CALLABLE_ON_STACK ? PYTHON_RETURN_POINT_CALL : PYTHON_RETURN_POINT;
            count++;
        }
        unit = last + 1;
    }
    return count;
}

int python_opcodes_point_kind(const uint8_t *kinds, size_t units, int64_t unit)
{
    if (!kinds || unit < 0 || (uint64_t)unit >= units) return PYTHON_NO_RETURN_POINT;
    return kinds[unit];
}
