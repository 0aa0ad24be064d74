/* python_line_table.h — line numbers from CPython code objects' line
 * tables, one decoder per table format:
 *   3.6 - 3.9  co_lnotab: (address delta, line delta) byte pairs, the line
 *              delta a signed byte; addresses in bytes.
 *   3.10       co_linetable: (end-address delta, line delta) pairs, a line
 *              delta of -128 meaning "no line"; addresses in bytes.
 *   3.11+      co_linetable, the location table: entries of a header byte
 *              (bit 7 set, a 4-bit code, a 3-bit length - 1 in code units)
 *              followed by 6-bit varints; the code says how the line moves.
 * Each takes the table bytes (untrusted: read from another process), the
 * code object's co_firstlineno and the byte offset of the instruction, and
 * returns its line, or 0 when the table gives none (or is malformed).
 */
#ifndef EMBER_PYTHON_LINE_TABLE_H
#define EMBER_PYTHON_LINE_TABLE_H

#include <stddef.h>
#include <stdint.h>

uint32_t python_line_from_lnotab(const uint8_t *table, size_t size, int first_line,
                                 uint64_t byte_offset);
uint32_t python_line_from_linetable_310(const uint8_t *table, size_t size, int first_line,
                                        uint64_t byte_offset);
uint32_t python_line_from_locations(const uint8_t *table, size_t size, int first_line,
                                    uint64_t byte_offset);

#endif
