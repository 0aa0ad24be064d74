/* proc_maps.c — parses one line of maps text (see proc_maps.h). */
#include "proc_maps.h"

/* A hexadecimal number (at most 16 digits) at *text; advances it. */
static int take_hex(const char **text, const char *end, uint64_t *value)
{
    const char *cursor = *text;
    uint64_t number = 0;
    size_t digits = 0;
    while (cursor < end) {
        char byte = *cursor;
        int digit;
        if (byte >= '0' && byte <= '9')
            digit = byte - '0';
        else if (byte >= 'a' && byte <= 'f')
            digit = byte - 'a' + 10;
        else if (byte >= 'A' && byte <= 'F')
            digit = byte - 'A' + 10;
        else
            break;
        if (++digits > 16)
            return 0;
        number = number * 16 + (uint64_t)digit;
        cursor++;
    }
    if (digits == 0)
        return 0;
    *value = number;
    *text = cursor;
    return 1;
}

static void skip_spaces(const char **text, const char *end)
{
    while (*text < end && (**text == ' ' || **text == '\t'))
        (*text)++;
}

/* Skips one whitespace-delimited field and the spaces after it. */
static int skip_field(const char **text, const char *end)
{
    const char *start = *text;
    while (*text < end && **text != ' ' && **text != '\t')
        (*text)++;
    skip_spaces(text, end);
    return *text > start;
}

int proc_maps_line_parse(const char *line, const char *end, struct proc_maps_line *out)
{
    const char *cursor = line;
    if (!take_hex(&cursor, end, &out->start) || cursor >= end || *cursor++ != '-' ||
        !take_hex(&cursor, end, &out->end))
        return 0;
    skip_spaces(&cursor, end);
    const char *permissions = cursor;
    if (!skip_field(&cursor, end))
        return 0;
    for (size_t i = 0; i < sizeof out->permissions; i++)
        out->permissions[i] = permissions + i < cursor && permissions[i] != ' ' &&
                                      permissions[i] != '\t' ? permissions[i] : '-';
    if (!take_hex(&cursor, end, &out->offset))
        return 0;
    skip_spaces(&cursor, end);
    if (!skip_field(&cursor, end) || !skip_field(&cursor, end)) /* device, inode */
        return 0;
    const char *path_end = end;
    if (path_end > cursor && path_end[-1] == '\r')
        path_end--;
    out->path = cursor;
    out->path_length = (size_t)(path_end - cursor);
    return 1;
}
