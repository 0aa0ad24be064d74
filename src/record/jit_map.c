/* jit_map.c — perf map files (/tmp/perf-PID.map) into a symbol table; see
 * jit_map.h. perf reads them as global functions of the given size. */
#include "jit_map.h"
#include "../util/memory.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Parses a hexadecimal field (optional 0x) at *cursor; 0 when none. */
static int take_hex_field(const char **cursor, const char *end, uint64_t *value)
{
    const char *at = *cursor;
    while (at < end && (*at == ' ' || *at == '\t'))
        at++;
    if (end - at > 2 && at[0] == '0' && (at[1] == 'x' || at[1] == 'X'))
        at += 2;
    uint64_t number = 0;
    int digits = 0;
    for (; at < end && digits <= 16; at++, digits++) {
        char byte = *at;
        int digit = byte >= '0' && byte <= '9'   ? byte - '0'
                    : byte >= 'a' && byte <= 'f' ? byte - 'a' + 10
                    : byte >= 'A' && byte <= 'F' ? byte - 'A' + 10
                                                 : -1;
        if (digit < 0)
            break;
        number = number << 4 | (uint64_t)digit;
    }
    if (digits == 0 || digits > 16 || at == end || (*at != ' ' && *at != '\t'))
        return 0;
    *cursor = at;
    *value = number;
    return 1;
}

size_t jit_map_parse(struct symbol_table *table, const char *text, size_t length)
{
    size_t count = 0;
    const char *end = text + length;
    for (const char *line = text; line < end;) {
        const char *newline = memchr(line, '\n', (size_t)(end - line));
        const char *line_end = newline ? newline : end;
        const char *cursor = line;
        uint64_t start, size;
        if (line_end > line && line_end[-1] == '\r')
            line_end--;
        if (take_hex_field(&cursor, line_end, &start) && take_hex_field(&cursor, line_end, &size)) {
            cursor++; /* the one separator; the rest is the name */
            if (cursor < line_end) {
                symbol_table_add(table, start, size, SYMBOL_GLOBAL, 0, cursor,
                                 (size_t)(line_end - cursor));
                count++;
            }
        }
        line = (newline ? newline : end) + 1;
    }
    symbol_table_finish(table);
    return count;
}

size_t jit_map_load(struct symbol_table *table, const char *path)
{
    struct stat status;
    if (stat(path, &status) != 0 || !S_ISREG(status.st_mode))
        return 0; /* only regular files: a FIFO would block */
    FILE *file = fopen(path, "re");
    if (!file)
        return 0;
    char *text = NULL;
    size_t length = 0, capacity = 0;
    for (;;) {
        GROW(text, capacity, length + 65536);
        size_t got = fread(text + length, 1, capacity - length, file);
        if (got == 0)
            break;
        length += got;
    }
    fclose(file);
    size_t count = jit_map_parse(table, text, length);
    free(text);
    return count;
}
