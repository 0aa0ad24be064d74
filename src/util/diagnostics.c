/* diagnostics.c — "ember: FILE:LINE: MESSAGE" and "ember: FILE: byte
 * OFFSET: MESSAGE" on standard error, for every reader. */
#include "diagnostics.h"
#include "input.h"

#include <stdarg.h>
#include <stdio.h>

static void print_line_message(const struct input *input, uint64_t line, const char *format,
                               va_list arguments)
{
    fprintf(stderr, "ember: %s:%llu: ", input_name(input), (unsigned long long)line);
    vfprintf(stderr, format, arguments);
    fputc('\n', stderr);
}

void report_at_line(const struct input *input, uint64_t line, const char *format, ...)
{
    va_list arguments;
    va_start(arguments, format);
    print_line_message(input, line, format, arguments);
    va_end(arguments);
}

void report_at_current_line(const struct input *input, const char *format, ...)
{
    va_list arguments;
    va_start(arguments, format);
    print_line_message(input, input->line_number, format, arguments);
    va_end(arguments);
}

void report_at_offset(const char *name, uint64_t offset, const char *format, ...)
{
    fprintf(stderr, "ember: %s: byte %llu: ", name, (unsigned long long)offset);
    va_list arguments;
    va_start(arguments, format);
    vfprintf(stderr, format, arguments);
    va_end(arguments);
    fputc('\n', stderr);
}
