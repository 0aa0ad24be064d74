/* python_opcodes.h — where in a CPython code object a frame that has
 * called another Python frame can be suspended: the "return points" the
 * stack reader checks every non-innermost frame against (3.11-3.13: inline
 * calls; 3.6-3.10: calls through C, python_opcodes_call_points).
 *
 * Why: a frame that pushed a callee frame inline (CALL, BINARY_SUBSCR
 * calling __getitem__, ...) is suspended with its instruction pointer at
 * that instruction (3.11/3.12 prev_instr at its last unit, 3.13 instr_ptr
 * at its first), while a running frame's points at whatever it runs and a
 * frame that has returned (stale memory above the live stack) at its
 * RETURN. A frame copied while it ran or after it returned, then shown
 * with a callee copied a moment later (a torn stack), fails this check.
 * 3.10 and older keep frames on the heap; their f_lasti is the offset of
 * the instruction being executed, which in a caller is the one that
 * called (see python_opcodes_call_points).
 *
 * A call (CALL, CALL_KW, CALL_FUNCTION_EX) also leaves the callable in
 * the caller's stack slots it consumed, just above its saved stacktop:
 * the reader checks that the callee frame's function is that callable
 * (a callee frame copied from another call, earlier or later, is not).
 *
 * Design: per version a 256-entry table, indexed by the raw opcode byte
 * (specialized opcodes included): the number of inline cache units that
 * follow the instruction (of its deoptimized opcode), plus flag bits (the
 * opcode pushes a Python frame inline; it is a call). For 3.6-3.10, per
 * version the lists of call opcodes and of slot-reaching opcodes. The
 * bytecode is decoded once per code object into one kind byte per code
 * unit.
 */
#ifndef EMBER_PYTHON_OPCODES_H
#define EMBER_PYTHON_OPCODES_H

#include <stddef.h>
#include <stdint.h>

/* 1 when return points are known for CPython major.minor (3.11-3.13). */
int python_opcodes_supported(int major, int minor);

enum python_return_point {
    PYTHON_NO_RETURN_POINT = 0,
    PYTHON_RETURN_POINT = 1,      /* pushes a frame inline (a property, a generator, ...) */
    PYTHON_RETURN_POINT_CALL = 2, /* a call: the callable is in the consumed slots */
};

/* Decodes bytecode (size bytes of 2-byte code units, as co_code_adaptive
 * holds them) and sets kinds[u] (size / 2 bytes, zeroed by the caller) to
 * the return-point kind of every code unit u where a caller suspended in
 * an instruction that pushes a Python frame inline points (the
 * instruction's last unit on 3.11/3.12, its first on 3.13). Returns the
 * number of return points, or -1 when the version is not supported. */
long python_opcodes_return_points(int major, int minor, const uint8_t *bytecode, size_t size,
                                  uint8_t *kinds);

/* 1 when call points are known for CPython major.minor (3.6-3.10). */
int python_opcodes_heap_supported(int major, int minor);

/* CPython 3.6-3.10 (frames on the heap, every call through C): decodes
 * bytecode (size bytes of 2-byte code units, as co_code holds them) and
 * sets kinds[u] (size / 2 bytes, zeroed by the caller) at the first unit
 * of every instruction at which a frame can be suspended while a Python
 * frame it called runs: f_lasti holds the offset of the instruction being
 * executed, an EXTENDED_ARG prefix's when it has one (the prefix does not
 * update it). PYTHON_RETURN_POINT_CALL for the calls (CALL_FUNCTION,
 * CALL_FUNCTION_KW, CALL_FUNCTION_EX, CALL_METHOD), PYTHON_RETURN_POINT
 * for the instructions that run Python code through a type's slot
 * (operators, attributes, subscripts, iteration and generators, with,
 * imports, truth tests, name lookups in custom mappings, ...). Not return
 * points: loads of locals and constants, stores to locals, jumps, returns,
 * stack shuffles (these reach Python code only through a __del__, a
 * garbage collection, or a signal handler or trace function between
 * instructions: such stacks are discarded). Returns the number of return
 * points, or -1 when the version is not 3.6-3.10. */
long python_opcodes_call_points(int major, int minor, const uint8_t *bytecode, size_t size,
                                uint8_t *kinds);

/* The kind of code unit unit in kinds (of units code units; NULL: none). */
int python_opcodes_point_kind(const uint8_t *kinds, size_t units, int64_t unit);

#endif
