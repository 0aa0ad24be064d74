/* fuzz/python_line_table.c — libFuzzer harness for the CPython line-table
 * decoders (src/record/python/python_line_table.c): the tables come from
 * another process's memory, so they are untrusted bytes.
 *
 * Input: byte 0 picks the format (modulo 3: lnotab, 3.10 linetable, 3.11+
 * location table), bytes 1-2 the first line (little-endian, signed),
 * bytes 3-4 the byte offset asked about, the rest is the table. The table
 * is copied to a buffer of its exact size, so ASan catches any read past
 * it; every offset up to the end of the table is also decoded.
 */
#include "record/python/python_line_table.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 5) return 0;
    unsigned format = data[0] % 3;
    int first = (int16_t)(data[1] | (data[2] << 8));
    uint64_t offset = (uint64_t)(data[3] | (data[4] << 8));
    size_t table_size = size - 5;
    uint8_t *table = malloc(table_size ? table_size : 1);
    if (!table) return 0;
    memcpy(table, data + 5, table_size);
    for (uint64_t at = 0; at <= 4 * table_size + 2; at += 2) {
        uint64_t asked = at == 0 ? offset : at - 2;
        uint32_t line = format == 0   ? python_line_from_lnotab(table, table_size, first, asked)
                        : format == 1 ? python_line_from_linetable_310(table, table_size, first, asked)
                                      : python_line_from_locations(table, table_size, first, asked);
        if (line >= (1u << 30)) abort(); /* lines are positive ints */
    }
    free(table);
    return 0;
}
