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

/* Hex digit values plus one; 0 for other bytes. */
static const unsigned char hex_values[256] = {
    ['0'] = 1,  ['1'] = 2,  ['2'] = 3,  ['3'] = 4,  ['4'] = 5,  ['5'] = 6,
    ['6'] = 7,  ['7'] = 8,  ['8'] = 9,  ['9'] = 10, ['a'] = 11, ['b'] = 12,
    ['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16, ['A'] = 11, ['B'] = 12,
    ['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16,
};

/* Parses text in place (it becomes the table's name storage: line ends
 * turn into NULs). */
static size_t parse_in_place(struct symbol_table *table, char *text, size_t length)
{
    size_t count = 0, nonzero = 0;
    char *end = text + length;
    for (char *line = text; line < end;) {
        char *newline = memchr(line, '\n', (size_t)(end - line));
        char *line_end = newline ? newline : end;
        const char *cursor = line;
        uint64_t address = 0;
        int digits = 0, digit;
        while (digits < 16 && cursor < line_end &&
               (digit = hex_values[(unsigned char)*cursor]) != 0) {
            address = address << 4 | (uint64_t)(digit - 1);
            cursor++;
            digits++;
        }
        char *next = line_end + 1;
        if (digits == 0 || line_end - cursor < 4 || cursor[0] != ' ' || cursor[2] != ' ') {
            line = next;
            continue;
        }
        char type = cursor[1];
        char upper = (char)toupper((unsigned char)type);
        const char *name = cursor + 3;
        if ((upper != 'T' && upper != 'W' && upper != 'D' && upper != 'B') || name == line_end ||
            memchr(name, '\t', (size_t)(line_end - name))) { /* a module's symbol */
            line = next;
            continue;
        }
        enum symbol_binding binding = type == 'W'                    ? SYMBOL_WEAK
                                      : isupper((unsigned char)type) ? SYMBOL_GLOBAL
                                                                     : SYMBOL_LOCAL;
        *line_end = '\0'; /* the newline, or the NUL the caller put after the text */
        symbol_table_add_at(table, address, 0, binding, (size_t)(name - text));
        count++;
        nonzero += address != 0;
        line = next;
    }
    symbol_table_finish_kallsyms(table);
    return nonzero ? count : 0;
}

size_t kallsyms_parse(struct symbol_table *table, const char *text, size_t length)
{
    char *copy = xmalloc(length + 1);
    memcpy(copy, text, length);
    copy[length] = '\0';
    symbol_table_adopt_names(table, copy, length + 1);
    return parse_in_place(table, copy, length);
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
    /* A regular file is read in one go; /proc/kallsyms grows as it comes. */
    if (S_ISREG(status.st_mode) && status.st_size > 0)
        GROW(text, capacity, (size_t)status.st_size + 1);
    for (;;) {
        GROW(text, capacity, length + 65536);
        size_t got = fread(text + length, 1, capacity - length - 1, file);
        if (got == 0)
            break;
        length += got;
    }
    fclose(file);
    text[length] = '\0';
    symbol_table_adopt_names(table, text, capacity);
    return parse_in_place(table, text, length);
}
