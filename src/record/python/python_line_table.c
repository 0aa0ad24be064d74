/* python_line_table.c — decoders of CPython's three line-table formats
 * (see python_line_table.h). The formats are described in CPython's
 * Objects/lnotab_notes.txt and Objects/locations.md; the tables come from
 * another process, so every read is bounds-checked. */
#include "python_line_table.h"

static uint32_t line_or_zero(long line)
{
    return line > 0 && line < (1L << 30) ? (uint32_t)line : 0;
}

uint32_t python_line_from_lnotab(const uint8_t *table, size_t size, int first_line,
                                 uint64_t byte_offset) {
    long line = first_line;
    uint64_t address = 0;
    for (size_t i = 0; i + 1 < size; i += 2) {
        address += table[i];
        if (address > byte_offset) break;
        line += (int8_t)table[i + 1];
    }
    return line_or_zero(line);
}

uint32_t python_line_from_linetable_310(const uint8_t *table, size_t size, int first_line,
                                        uint64_t byte_offset) {
    long line = first_line;
    uint64_t start = 0, end = 0;
    for (size_t i = 0; i + 1 < size; i += 2) {
        start = end;
        end = start + table[i];
        int delta = (int8_t)table[i + 1];
        long range_line = -1;
        if (delta != -128) {
            line += delta;
            range_line = line;
        }
        if (byte_offset >= start && byte_offset < end) return line_or_zero(range_line);
    }
    return 0;
}

/* A varint of 6-bit chunks, least significant first, bit 6 = more follow. */
static int read_varint(const uint8_t *table, size_t size, size_t *position, uint64_t *value)
{
    uint64_t result = 0;
    unsigned shift = 0;
    for (;;) {
        if (*position >= size || shift > 60) return -1;
        uint8_t byte = table[(*position)++];
        if (byte & 0x80) return -1; /* the next entry's header: malformed */
        result |= (uint64_t)(byte & 0x3f) << shift;
        shift += 6;
        if (!(byte & 0x40)) break;
    }
    *value = result;
    return 0;
}

/* A signed varint holding a line delta. Line numbers are C ints, so a
 * delta beyond their range can only come from a malformed table; refusing
 * it keeps the running line far from overflow however long the table. */
static int read_signed_varint(const uint8_t *table, size_t size, size_t *position, int64_t *value)
{
    uint64_t raw;
    if (read_varint(table, size, position, &raw) < 0) return -1;
    uint64_t magnitude = raw >> 1;
    if (magnitude > (1ULL << 32)) return -1;
    *value = (raw & 1) ? -(int64_t)magnitude : (int64_t)magnitude;
    return 0;
}

/* Adds a delta to the running line; fails when the line leaves the range
 * a CPython line number can have. */
static int advance_line(long *line, int64_t delta)
{
    int64_t next = (int64_t)*line + delta;
    if (next < -(1LL << 32) || next > (1LL << 32)) return -1;
    *line = (long)next;
    return 0;
}

uint32_t python_line_from_locations(const uint8_t *table, size_t size, int first_line,
                                    uint64_t byte_offset) {
    long line = first_line;
    uint64_t address = 0; /* in bytes; each code unit is 2 */
    size_t position = 0;
    while (position < size) {
        uint8_t header = table[position++];
        if (!(header & 0x80)) return 0;
        unsigned code = (header >> 3) & 15;
        uint64_t end = address + 2 * (uint64_t)((header & 7) + 1);
        long entry_line = line;
        int has_line = 1;
        uint64_t ignored;
        int64_t delta;
        if (code == 15) {
            has_line = 0;
        } else if (code == 14) {
            if (read_signed_varint(table, size, &position, &delta) < 0) return 0;
            if (advance_line(&line, delta) < 0) return 0;
            entry_line = line;
            for (int i = 0; i < 3; i++)
                if (read_varint(table, size, &position, &ignored) < 0) return 0;
        } else if (code == 13) {
            if (read_signed_varint(table, size, &position, &delta) < 0) return 0;
            if (advance_line(&line, delta) < 0) return 0;
            entry_line = line;
        } else if (code >= 10) {
            line += code - 10;
            entry_line = line;
            position += 2;
        } else {
            position += 1;
        }
        if (position > size) return 0;
        if (byte_offset >= address && byte_offset < end)
            return has_line ? line_or_zero(entry_line) : 0;
        address = end;
    }
    return 0;
}
