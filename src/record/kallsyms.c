/* kallsyms.c — kernel symbols from kallsyms text, searched in place; see
 * kallsyms.h.
 *
 * Line format: "ADDRESS TYPE NAME" or "ADDRESS TYPE NAME\t[MODULE]". perf
 * keeps the types T, W, D and B in either case.
 */
#define _GNU_SOURCE /* qsort_r */
#include "kallsyms.h"
#include "../util/memory.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* Hex digit values plus one; 0 for other bytes. */
static const unsigned char hex_values[256] = {
    ['0'] = 1,  ['1'] = 2,  ['2'] = 3,  ['3'] = 4,  ['4'] = 5,  ['5'] = 6,
    ['6'] = 7,  ['7'] = 8,  ['8'] = 9,  ['9'] = 10, ['a'] = 11, ['b'] = 12,
    ['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16, ['A'] = 11, ['B'] = 12,
    ['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16,
};

/* Sixteen hex digits at once (a kallsyms line starts with them), as the
 * eight byte lanes of two 64-bit words. hex16_check: 1 when all sixteen
 * bytes are hex digits; the words, folded to lower case, are left in
 * *high and *low for hex16_convert, which gives their value. Folded, a
 * digit lies in '0'..'9' or 'a'..'f' (a lane's high bit after adding
 * 0x80 - least says "at least", after adding 0x7f - most "above"; bytes
 * must be below 0x80 for that); its value is the low nibble, plus 9 for a
 * letter (bit 6 set); the nibbles are then packed pairwise, first digit
 * highest. */
#define LANES(byte) (0x0101010101010101u * (uint64_t)(byte))
#define LANES_IN(word, least, most)                                                              \
    (((word) + LANES(0x80 - (least))) & ~((word) + LANES(0x7f - (most))) & LANES(0x80))

static inline int hex16_check(const char *text, uint64_t *high, uint64_t *low)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    memcpy(high, text, sizeof *high);
    memcpy(low, text + 8, sizeof *low);
    if ((*high | *low) & LANES(0x80))
        return 0; /* non-ASCII */
    *high |= LANES(0x20);
    *low |= LANES(0x20);
    uint64_t hex_high = LANES_IN(*high, '0', '9') | LANES_IN(*high, 'a', 'f');
    uint64_t hex_low = LANES_IN(*low, '0', '9') | LANES_IN(*low, 'a', 'f');
    return (hex_high & hex_low) == LANES(0x80);
#else
    (void)text;
    (void)high;
    (void)low;
    return 0;
#endif
}

static inline uint64_t hex16_convert(uint64_t high, uint64_t low)
{
    high = __builtin_bswap64((high & LANES(0x0f)) + 9 * ((high >> 6) & LANES(1)));
    low = __builtin_bswap64((low & LANES(0x0f)) + 9 * ((low >> 6) & LANES(1)));
    high = (high | high >> 4) & 0x00ff00ff00ff00ffu;
    low = (low | low >> 4) & 0x00ff00ff00ff00ffu;
    high = (high | high >> 8) & 0x0000ffff0000ffffu;
    low = (low | low >> 8) & 0x0000ffff0000ffffu;
    return (high | high >> 16) << 32 | ((low | low >> 16) & 0xffffffffu);
}

#undef LANES_IN
#undef LANES

/* The address at the start of a line (up to 16 hex digits); *end gets
 * where the digits stop. */
static uint64_t line_address(const char *line, const char *limit, const char **end)
{
    uint64_t address = 0, high, low;
    if (limit - line >= 16 && hex16_check(line, &high, &low)) {
        *end = line + 16; /* the common case: all sixteen digits */
        return hex16_convert(high, low);
    }
    int digits = 0, digit;
    while (digits < 16 && line < limit && (digit = hex_values[(unsigned char)*line]) != 0) {
        address = address << 4 | (uint64_t)(digit - 1);
        line++;
        digits++;
    }
    *end = digits ? line : NULL;
    return address;
}

static uint64_t address_of(const struct kallsyms *kallsyms, size_t index)
{
    const char *end;
    return line_address(kallsyms->text + kallsyms->lines[index],
                        kallsyms->text + kallsyms->length, &end);
}

static int compare_lines(const void *left, const void *right, void *context)
{
    const struct kallsyms *kallsyms = context;
    uint32_t a = *(const uint32_t *)left, b = *(const uint32_t *)right;
    const char *end, *text = kallsyms->text, *limit = kallsyms->text + kallsyms->length;
    uint64_t address_a = line_address(text + a, limit, &end);
    uint64_t address_b = line_address(text + b, limit, &end);
    if (address_a != address_b)
        return address_a < address_b ? -1 : 1;
    return a < b ? -1 : a > b;
}

/* Whether a line's type is one perf keeps (T, W, D or B in either case:
 * clearing bit 5 folds only letters onto these four). */
static int kept_type(char type)
{
    char upper = (char)(type & ~0x20);
    return upper == 'T' || upper == 'W' || upper == 'D' || upper == 'B';
}

/* Notes the kept lines; returns their count, 0 when all addresses are 0.
 * This pass reads every byte of a ~5 MB file while the records are read,
 * so it is kept lean: lines are found with memchr, addresses converted
 * eight digits at a time, the line array grown in large steps. */
static size_t index_lines(struct kallsyms *kallsyms)
{
    const char *text = kallsyms->text, *end = text + kallsyms->length;
    size_t capacity = kallsyms->length / 32 + 16, count = 0, nonzero = 0;
    uint32_t *lines = xmalloc(capacity * sizeof *lines);
    uint64_t previous = 0;
    int sorted = 1;
    for (const char *line = text; line < end;) {
        const char *cursor, *name, *newline;
        uint64_t address, high, low;
        if (end - line >= 16 && hex16_check(line, &high, &low)) {
            cursor = line + 16;
            address = hex16_convert(high, low);
        } else {
            address = line_address(line, end, &cursor);
        }
        if (cursor && end - cursor >= 4 && cursor[0] == ' ' && cursor[1] != '\n' &&
            cursor[2] == ' ' && cursor[3] != '\n') {
            name = cursor + 3;
            newline = memchr(name, '\n', (size_t)(end - name));
            const char *line_end = newline ? newline : end;
            if (kept_type(cursor[1]) && (size_t)(line - text) < UINT32_MAX &&
                !memchr(name, '\t', (size_t)(line_end - name))) {
                if (count == capacity) {
                    capacity *= 2;
                    lines = xrealloc(lines, capacity * sizeof *lines);
                }
                lines[count++] = (uint32_t)(line - text);
                nonzero += address != 0;
                sorted &= address >= previous;
                previous = address;
            }
        } else {
            newline = memchr(line, '\n', (size_t)(end - line));
        }
        line = newline ? newline + 1 : end;
    }
    kallsyms->lines = lines;
    kallsyms->count = count;
    if (!sorted)
        qsort_r(kallsyms->lines, kallsyms->count, sizeof *kallsyms->lines, compare_lines,
                kallsyms);
    return nonzero ? kallsyms->count : 0;
}

size_t kallsyms_parse(struct kallsyms *kallsyms, const char *text, size_t length)
{
    memset(kallsyms, 0, sizeof *kallsyms);
    kallsyms->owned_text = xmalloc(length + 1);
    memcpy(kallsyms->owned_text, text, length);
    kallsyms->owned_text[length] = '\0';
    kallsyms->text = kallsyms->owned_text;
    kallsyms->length = length;
    return index_lines(kallsyms);
}

size_t kallsyms_load(struct kallsyms *kallsyms, const char *path)
{
    memset(kallsyms, 0, sizeof *kallsyms);
    struct stat status;
    if (stat(path, &status) != 0 || S_ISDIR(status.st_mode) || S_ISFIFO(status.st_mode))
        return 0; /* /proc files are not regular; FIFOs would block */
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    if (S_ISREG(status.st_mode) && status.st_size > 0) {
        void *mapping = mmap(NULL, (size_t)status.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (mapping != MAP_FAILED) {
            close(fd);
            kallsyms->mapping = mapping;
            kallsyms->mapping_length = (size_t)status.st_size;
            kallsyms->text = mapping;
            kallsyms->length = (size_t)status.st_size;
            return index_lines(kallsyms);
        }
    }
    /* /proc/kallsyms: its size is unknown until read. */
    size_t length = 0, capacity = 0;
    char *text = NULL;
    for (;;) {
        GROW(text, capacity, length + 65536);
        ssize_t got = read(fd, text + length, capacity - length - 1);
        if (got <= 0)
            break;
        length += (size_t)got;
    }
    close(fd);
    text[length] = '\0';
    kallsyms->owned_text = text;
    kallsyms->text = text;
    kallsyms->length = length;
    return index_lines(kallsyms);
}

void kallsyms_free(struct kallsyms *kallsyms)
{
    if (kallsyms->mapping)
        munmap(kallsyms->mapping, kallsyms->mapping_length);
    free(kallsyms->owned_text);
    free(kallsyms->lines);
    memset(kallsyms, 0, sizeof *kallsyms);
}

/* The name of line index: after "ADDRESS T ", to the end of the line. */
static void line_name(const struct kallsyms *kallsyms, size_t index, const char **name,
                      size_t *length)
{
    const char *line = kallsyms->text + kallsyms->lines[index];
    const char *end = kallsyms->text + kallsyms->length;
    const char *cursor;
    line_address(line, end, &cursor);
    *name = cursor + 3;
    const char *newline = memchr(*name, '\n', (size_t)(end - *name));
    *length = (size_t)((newline ? newline : end) - *name);
}

int kallsyms_lookup(const struct kallsyms *kallsyms, uint64_t address, const char **name,
                    size_t *name_length, uint64_t *offset)
{
    size_t low = 0, high = kallsyms->count;
    while (low < high) { /* the first line above address */
        size_t middle = low + (high - low) / 2;
        if (address_of(kallsyms, middle) <= address)
            low = middle + 1;
        else
            high = middle;
    }
    if (low == 0)
        return 0;
    uint64_t start = address_of(kallsyms, low - 1);
    uint64_t end = low < kallsyms->count ? address_of(kallsyms, low)
                                         : ((start + 4095) & ~(uint64_t)4095) + 4096;
    if (address >= end)
        return 0;
    line_name(kallsyms, low - 1, name, name_length);
    *offset = address - start;
    return 1;
}

int kallsyms_find_name(const struct kallsyms *kallsyms, const char *name, uint64_t *address)
{
    size_t wanted = strlen(name);
    for (size_t i = 0; i < kallsyms->count; i++) {
        const char *candidate;
        size_t length;
        line_name(kallsyms, i, &candidate, &length);
        if (length == wanted && memcmp(candidate, name, length) == 0) {
            *address = address_of(kallsyms, i);
            return 1;
        }
    }
    return 0;
}
