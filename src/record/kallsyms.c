/* kallsyms.c — /proc/kallsyms into a symbol table; see kallsyms.h.
 *
 * Line format: "ADDRESS TYPE NAME" or "ADDRESS TYPE NAME\t[MODULE]". perf
 * keeps the types T, W, D and B in either case; binding is weak for 'W',
 * global for other upper-case types, local for lower case.
 */
#include "kallsyms.h"
#include "../util/memory.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int hex_digit(char byte)
{
    if (byte >= '0' && byte <= '9')
        return byte - '0';
    if (byte >= 'a' && byte <= 'f')
        return byte - 'a' + 10;
    if (byte >= 'A' && byte <= 'F')
        return byte - 'A' + 10;
    return -1;
}

size_t kallsyms_parse(struct symbol_table *table, const char *text, size_t length)
{
    size_t count = 0, nonzero = 0;
    const char *end = text + length;
    for (const char *line = text; line < end;) {
        const char *newline = memchr(line, '\n', (size_t)(end - line));
        const char *line_end = newline ? newline : end;
        const char *cursor = line;
        uint64_t address = 0;
        int digits = 0, digit;
        while (cursor < line_end && (digit = hex_digit(*cursor)) >= 0 && digits < 16) {
            address = address << 4 | (uint64_t)digit;
            cursor++;
            digits++;
        }
        line = line_end + 1;
        if (digits == 0 || line_end - cursor < 4 || cursor[0] != ' ' || cursor[2] != ' ')
            continue;
        char type = cursor[1];
        char upper = (char)toupper((unsigned char)type);
        if (upper != 'T' && upper != 'W' && upper != 'D' && upper != 'B')
            continue;
        const char *name = cursor + 3;
        const char *name_end = memchr(name, '\t', (size_t)(line_end - name));
        if (name_end)
            continue; /* a module's symbol */
        name_end = line_end;
        if (name_end == name)
            continue;
        enum symbol_binding binding = type == 'W'               ? SYMBOL_WEAK
                                      : isupper((unsigned char)type) ? SYMBOL_GLOBAL
                                                                     : SYMBOL_LOCAL;
        symbol_table_add(table, address, 0, binding, 0, name, (size_t)(name_end - name));
        count++;
        nonzero += address != 0;
    }
    symbol_table_finish_kallsyms(table);
    return nonzero ? count : 0;
}

size_t kallsyms_load(struct symbol_table *table, const char *path)
{
    struct stat status;
    if (stat(path, &status) != 0 || S_ISDIR(status.st_mode) || S_ISFIFO(status.st_mode))
        return 0; /* /proc files are not regular; FIFOs would block */
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
    size_t count = kallsyms_parse(table, text, length);
    free(text);
    return count;
}
