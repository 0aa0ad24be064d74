/* python_opcodes.c — return points in CPython bytecode (see
 * python_opcodes.h): inline calls in 3.11-3.13, calls through C in
 * 3.6-3.10 (at the end of this file).
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

/* ---- 3.6-3.10: calls through C ----
 * Opcode numbers from each version's Lib/opcode.py (opcode.opmap of
 * 3.6.15, 3.7.16, 3.8.18, 3.9.18 and 3.10.13, the source of its
 * Include/opcode.h), by name. Calls: CALL_FUNCTION, CALL_FUNCTION_KW,
 * CALL_FUNCTION_EX, CALL_METHOD (3.7+). Instructions that reach Python
 * code through a type slot: UNARY_*, BINARY_*, INPLACE_*, STORE_SUBSCR,
 * DELETE_SUBSCR, COMPARE_OP, CONTAINS_OP, LOAD_ATTR, STORE_ATTR,
 * DELETE_ATTR, LOAD_METHOD, GET_ITER, GET_YIELD_FROM_ITER, FOR_ITER,
 * YIELD_FROM, UNPACK_SEQUENCE, UNPACK_EX, GET_AWAITABLE, GET_AITER,
 * GET_ANEXT, BEFORE_ASYNC_WITH, END_ASYNC_FOR, SETUP_WITH,
 * SETUP_ASYNC_WITH, WITH_CLEANUP_START, WITH_EXCEPT_START, IMPORT_NAME,
 * IMPORT_FROM, IMPORT_STAR, FORMAT_VALUE, PRINT_EXPR, POP_JUMP_IF_FALSE,
 * POP_JUMP_IF_TRUE, JUMP_IF_FALSE_OR_POP, JUMP_IF_TRUE_OR_POP (__bool__),
 * BUILD_MAP, BUILD_CONST_KEY_MAP, BUILD_SET, MAP_ADD, SET_ADD (__hash__,
 * __eq__), LIST_EXTEND, SET_UPDATE, DICT_UPDATE, DICT_MERGE and the
 * BUILD_*_UNPACK family (iteration, keys()), LOAD_NAME, STORE_NAME,
 * DELETE_NAME, LOAD_GLOBAL, LOAD_CLASSDEREF (custom namespaces: a class
 * body under __prepare__), RAISE_VARARGS (an exception class's __init__),
 * SETUP_ANNOTATIONS, GET_LEN, MATCH_CLASS, MATCH_KEYS,
 * COPY_DICT_WITHOUT_KEYS (3.10), each where the version has it. */
#define HEAP_EXTENDED_ARG 144 /* 3.6-3.10 */

static const uint8_t heap_calls_3_6[] = {131, 141, 142};
static const uint8_t heap_calls_3_7[] = {131, 141, 142, 161}; /* 3.7-3.10 */

static const uint8_t heap_slots_3_6[] = {
    10, 11, 12, 15, 16, 17, 19, 20, 22, 23, 24, 25, 26, 27, 28, 29, 50, 51, 52, 55,
    56, 57, 59, 60, 61, 62, 63, 64, 65, 66, 67, 68, 69, 70, 72, 73, 75, 76, 77, 78,
    79, 81, 84, 85, 90, 91, 92, 93, 94, 95, 96, 101, 104, 105, 106, 107, 108, 109, 111, 112,
    114, 115, 116, 130, 143, 146, 147, 148, 149, 150, 151, 152, 153, 154, 155, 156, 158};
static const uint8_t heap_slots_3_7[] = {
    10, 11, 12, 15, 16, 17, 19, 20, 22, 23, 24, 25, 26, 27, 28, 29, 50, 51, 52, 55,
    56, 57, 59, 60, 61, 62, 63, 64, 65, 66, 67, 68, 69, 70, 72, 73, 75, 76, 77, 78,
    79, 81, 84, 85, 90, 91, 92, 93, 94, 95, 96, 101, 104, 105, 106, 107, 108, 109, 111, 112,
    114, 115, 116, 130, 143, 146, 147, 148, 149, 150, 151, 152, 153, 154, 155, 156, 158, 160};
static const uint8_t heap_slots_3_8[] = {
    10, 11, 12, 15, 16, 17, 19, 20, 22, 23, 24, 25, 26, 27, 28, 29, 50, 51, 52, 54,
    55, 56, 57, 59, 60, 61, 62, 63, 64, 65, 66, 67, 68, 69, 70, 72, 73, 75, 76, 77,
    78, 79, 81, 84, 85, 90, 91, 92, 93, 94, 95, 96, 101, 104, 105, 106, 107, 108, 109, 111,
    112, 114, 115, 116, 130, 143, 146, 147, 148, 149, 150, 151, 152, 153, 154, 155, 156, 158, 160};
static const uint8_t heap_slots_3_9[] = {
    10, 11, 12, 15, 16, 17, 19, 20, 22, 23, 24, 25, 26, 27, 28, 29, 49, 50, 51, 52,
    54, 55, 56, 57, 59, 60, 61, 62, 63, 64, 65, 66, 67, 68, 69, 70, 72, 73, 75, 76,
    77, 78, 79, 84, 85, 90, 91, 92, 93, 94, 95, 96, 101, 104, 105, 106, 107, 108, 109, 111,
    112, 114, 115, 116, 118, 130, 143, 146, 147, 148, 154, 155, 156, 160, 162, 163, 164, 165};
static const uint8_t heap_slots_3_10[] = {
    10, 11, 12, 15, 16, 17, 19, 20, 22, 23, 24, 25, 26, 27, 28, 29, 30, 33, 34, 49,
    50, 51, 52, 54, 55, 56, 57, 59, 60, 61, 62, 63, 64, 65, 66, 67, 68, 69, 70, 72,
    73, 75, 76, 77, 78, 79, 84, 85, 90, 91, 92, 93, 94, 95, 96, 101, 104, 105, 106, 107,
    108, 109, 111, 112, 114, 115, 116, 118, 130, 143, 146, 147, 148, 152, 154, 155, 156, 160, 162, 163,
    164, 165};

struct heap_table {
    const uint8_t *calls, *slots;
    size_t call_count, slot_count;
};

#define HEAP_TABLE(calls, slots) {calls, slots, sizeof calls, sizeof slots}

static int heap_table_for(int major, int minor, struct heap_table *table)
{
    static const struct heap_table tables[5] = {
        HEAP_TABLE(heap_calls_3_6, heap_slots_3_6),  HEAP_TABLE(heap_calls_3_7, heap_slots_3_7),
        HEAP_TABLE(heap_calls_3_7, heap_slots_3_8),  HEAP_TABLE(heap_calls_3_7, heap_slots_3_9),
        HEAP_TABLE(heap_calls_3_7, heap_slots_3_10),
    };
    if (major != 3 || minor < 6 || minor > 10) return 0;
    *table = tables[minor - 6];
    return 1;
}

int python_opcodes_heap_supported(int major, int minor)
{
    struct heap_table table;
    return heap_table_for(major, minor, &table);
}

long python_opcodes_call_points(int major, int minor, const uint8_t *bytecode, size_t size,
                                uint8_t *kinds)
{
    struct heap_table table;
    if (!heap_table_for(major, minor, &table)) return -1;
    uint8_t kind_of[256] = {0};
    for (size_t i = 0; i < table.slot_count; i++) kind_of[table.slots[i]] = PYTHON_RETURN_POINT;
    for (size_t i = 0; i < table.call_count; i++) kind_of[table.calls[i]] = PYTHON_RETURN_POINT_CALL;
    size_t units = size / 2, unit = 0;
    long count = 0;
    while (unit < units) {
        size_t first = unit; /* where f_lasti points: the first prefix */
        while (unit + 1 < units && bytecode[2 * unit] == HEAP_EXTENDED_ARG) unit++;
        uint8_t opcode = bytecode[2 * unit];
        if (opcode != HEAP_EXTENDED_ARG && kind_of[opcode]) {
            kinds[first] = kind_of[opcode];
            count++;
        }
        unit++;
    }
    return count;
}
